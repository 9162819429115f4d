//! `make bench` helper (`scripts/bench-loop.mjs`): what counterfactuals cost the loop, as JSON.
//!
//! For each `WEEKS:CF` argument, one run of `loop --weeks WEEKS --counterfactual-weeks CF`
//! (schedule `none`, seed 0, 1000 rows a week, every practice on), its wall time, the CPU time
//! of the whole process during it (all threads; Linux `/proc/self/stat`, 10 ms ticks), and how
//! many decisions carry a counterfactual. Then the work one counterfactual needs, done by hand
//! 10 times (CPU time each): a candidate-sized fit (`train_book` on 3000 rows: the 2,250-row
//! fit), the candidate's scores and AUC on the 8 weeks ahead, and the live version's scores on
//! one new week and its AUC on the 8 (its other weeks' scores are kept from week to week).
//! Usage: `cargo run --release --example bench_loop -- 200:0 200:8 520:0 520:8`

use mlops_loop::data::{make_data, Drift};
use mlops_loop::monitor::performance;
use mlops_loop::orchestrator::{live_batch, run, LoopParams, Schedule};
use mlops_loop::pipeline::train_book;
use std::time::Instant;

/// CPU time of this process so far (user + system, all threads), in ms.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command: state is field 3; utime, stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) * 10.0
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let (c, t) = (cpu_ms(), Instant::now());
    let out = f();
    (out, t.elapsed().as_secs_f64() * 1e3, cpu_ms() - c)
}

fn main() {
    let mut out = Vec::new();
    for arg in std::env::args().skip(1) {
        let parsed = arg
            .split_once(':')
            .and_then(|(w, c)| Some((w.parse::<usize>().ok()?, c.parse::<usize>().ok()?)));
        let Some((weeks, cf)) = parsed else {
            eprintln!("bad argument {arg:?}: expected WEEKS:CF");
            std::process::exit(2);
        };
        let p = LoopParams::builder()
            .weeks(weeks)
            .counterfactual_weeks(cf)
            .build()
            .expect("params");
        let (timeline, wall, cpu) = timed(|| run(&p).expect("loop"));
        let decisions = timeline
            .weeks
            .iter()
            .flat_map(|w| &w.decisions)
            .filter(|d| d.counterfactual.is_some())
            .count();
        out.push(format!(
            "{{\"weeks\":{weeks},\"counterfactual_weeks\":{cf},\"wall_ms\":{wall:.1},\"cpu_ms\":{cpu:.0},\"counterfactuals\":{decisions}}}"
        ));
    }
    let df = make_data(1, Drift::Float(0.0), 3000).expect("data");
    let ahead: Vec<_> = (0..8)
        .map(|w| live_batch(0, &Schedule::None, 1000, w).expect("batch"))
        .collect();
    let labels: Vec<i64> = ahead.iter().flat_map(|b| b.labels().to_vec()).collect();
    let rows: Vec<[f64; 3]> = ahead.iter().flat_map(|b| b.features()).collect();
    let live = train_book(&df, 42).expect("fit").model;
    let reps = 10;
    let (_, fit_wall, fit_cpu) = timed(|| {
        for _ in 0..reps {
            std::hint::black_box(train_book(&df, 42).expect("fit"));
        }
    });
    let (_, _, score_cpu) = timed(|| {
        for _ in 0..reps {
            let cand = live.predict_proba(&rows).expect("scores");
            std::hint::black_box(performance(&labels, &cand).expect("auc"));
            let mut kept = live.predict_proba(&rows[..1000]).expect("scores");
            kept.extend_from_slice(&cand[1000..]);
            std::hint::black_box(performance(&labels, &kept).expect("auc"));
        }
    });
    let n = reps as f64;
    println!(
        "{{\"runs\":[{}],\"fit_wall_ms\":{:.2},\"fit_cpu_ms\":{:.1},\"scores_cpu_ms\":{:.1}}}",
        out.join(","),
        fit_wall / n,
        fit_cpu / n,
        score_cpu / n
    );
}
