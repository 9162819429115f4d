//! `make bench` helper: median wall time of the book's GBM fit natively, as JSON.
//!
//! Fits `GradientBoostingClassifier(random_state=42)` on the 75 % training split of
//! `make_data(1, 0.0, rows)`, as the chapter does, for each requested size.
//! Usage: `cargo run --release --example bench_fit -- 3000:15 30000:3 300000:1`
//! (data rows : repetitions; 3000 rows give the book's 2250-row fit).

use mlops_loop::data::{make_data, Drift};
use mlops_loop::gbm::GbmParams;
use mlops_loop::split::train_test_split;
use std::time::Instant;

fn main() {
    let mut out = Vec::new();
    for arg in std::env::args().skip(1) {
        let (rows, reps) = match arg.split_once(':') {
            Some((r, k)) => (r.parse::<usize>(), k.parse::<usize>()),
            None => (arg.parse::<usize>(), Ok(5)),
        };
        let (Ok(rows), Ok(reps)) = (rows, reps) else {
            eprintln!("bad argument {arg:?}: expected ROWS[:REPS]");
            std::process::exit(2);
        };
        let df = match make_data(1, Drift::Float(0.0), rows) {
            Ok(df) => df,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        };
        let (train, _) = match train_test_split(rows, 0.25, 42) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        };
        let feats = df.features();
        let x: Vec<[f64; 3]> = train.iter().map(|&i| feats[i]).collect();
        let y: Vec<i64> = train.iter().map(|&i| df.labels()[i]).collect();
        let params = GbmParams::new().check().expect("default params are valid");
        let mut times = Vec::with_capacity(reps);
        for _ in 0..reps.max(1) {
            let t = Instant::now();
            let m = params.fit(&x, &y).expect("fit");
            times.push(t.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(m);
        }
        times.sort_by(f64::total_cmp);
        out.push(format!(
            "{{\"train_rows\": {}, \"median_ms\": {:.3}, \"reps\": {}}}",
            x.len(),
            times[times.len() / 2],
            times.len()
        ));
    }
    println!("[{}]", out.join(", "));
}
