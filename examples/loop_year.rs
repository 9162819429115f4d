//! The timeline panel's year natively: `loop_year [SEED] [SCHEDULE] [CF] [REPS]`.
use mlops_loop::orchestrator::{run, LoopParams, Schedule};
use std::time::Instant;
fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let seed = a.first().and_then(|s| s.parse().ok()).unwrap_or(2);
    let schedule = Schedule::parse(a.get(1).map_or("step", String::as_str)).expect("schedule");
    let cf = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(4);
    let reps = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let p = LoopParams::builder()
        .seed(seed)
        .schedule(schedule)
        .counterfactual_weeks(cf)
        .build()
        .expect("params");
    for _ in 0..reps {
        let t = Instant::now();
        let tl = run(&p).expect("run");
        let cfs = tl
            .weeks
            .iter()
            .flat_map(|w| &w.decisions)
            .filter(|d| d.counterfactual.is_some())
            .count();
        println!(
            "{:.1} ms, {} counterfactuals, {} retrains, fit cache (hits, misses) {:?}, {} kept; \
             score cache (hits, misses) {:?}, {} scores kept",
            t.elapsed().as_secs_f64() * 1e3,
            cfs,
            tl.summary.retrains,
            mlops_loop::fit_cache::FitCache::shared().counts(),
            mlops_loop::fit_cache::FitCache::shared().len(),
            mlops_loop::score_cache::ScoreCache::shared().counts(),
            mlops_loop::score_cache::ScoreCache::shared().held()
        );
    }
}
