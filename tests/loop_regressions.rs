//! Regressions found by the browser's five-year heap test: a rollback while a canary was running
//! left the loop's canary bookkeeping behind the service's ("no canary is running").

use mlops_loop::orchestrator::{run, LoopParams, Schedule};

#[test]
fn a_rollback_during_a_canary_ends_the_canary_everywhere() {
    let p = LoopParams::builder()
        .weeks(260)
        .seed(3)
        .schedule(Schedule::parse("step").expect("step"))
        .rows_per_week(500)
        .build()
        .expect("params");
    let t = run(&p).expect("five years of the loop run to the end");
    assert_eq!(t.weeks.len(), 260);
    // The path that used to fail: at least one rollback happened in these five years.
    assert!(t.summary.rollbacks >= 1, "{:?}", t.summary);
}
