//! `drift_trials` at the page's defaults (n = 3,000, no drift), timed natively: `cargo run
//! --release --example bench_drift -- [trials] [repeats]` prints the best wall time and a hash of
//! every p-value, statistic and alarm count (equal hashes: the same bits). Under callgrind
//! (`valgrind --tool=callgrind target/release/examples/bench_drift 200`) its instruction count is
//! the figure docs/gbm-speed.md gives for the KS trials.
use mlops_loop::experiments::{drift_trials, DriftTrialsParams};

fn main() -> Result<(), mlops_loop::Error> {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let (trials, repeats) = (arg(1, 1000), arg(2, 1));
    let p = DriftTrialsParams {
        trials,
        ..Default::default()
    };
    let mut hash = 0u64;
    let mut best = f64::INFINITY;
    for _ in 0..repeats {
        let t = std::time::Instant::now();
        let r = drift_trials(&p)?;
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
        for x in r.pvalues.iter().chain(&r.statistics) {
            hash = hash.wrapping_mul(0x100_0000_01b3).wrapping_add(x.to_bits());
        }
        hash = hash.wrapping_add(r.alarms as u64);
    }
    println!("{trials} trials: best of {repeats} {best:.1} ms, hash {hash:016x}");
    Ok(())
}
