//! Long legal runs (issue 16, points 5 and 6).
//!
//! - Under the gradual schedule the churn labels of late weeks become one class: such a week has no
//!   AUC, and the run records that and goes on instead of failing (it failed with "invalid y_true =
//!   all 1" before).
//! - A run that fails leaves its registry as it was: whichever commit of the target store fails,
//!   the target holds either nothing of the run or all of it.
//! - Counterfactual scoring reuses each (model, week)'s predictions: the timelines of runs with a
//!   counterfactual horizon are pinned by the sha256 of their JSON, computed before that change
//!   (as `tests/loop_golden.rs` does for the runs without one).

use mlops_loop::orchestrator::{run, LoopParams, Practices, Schedule};
use sha2::{Digest, Sha256};

fn params(
    schedule: &str,
    seed: u64,
    weeks: usize,
    rows: usize,
) -> mlops_loop::orchestrator::LoopParamsBuilder {
    LoopParams::builder()
        .seed(seed)
        .weeks(weeks)
        .rows_per_week(rows)
        .schedule(Schedule::parse(schedule).expect("schedule"))
}

fn sha(t: &impl serde::Serialize) -> String {
    let json = serde_json::to_string(t).expect("json");
    Sha256::digest(json.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn counterfactual_timelines_are_pinned() {
    let no_canary = Practices {
        canary: false,
        ..Practices::default()
    };
    let cases: [(&str, LoopParams, &str); 4] = [
        (
            "step/seed2/cf8",
            params("step", 2, 60, 300)
                .counterfactual_weeks(8)
                .build()
                .expect("params"),
            "96245a2c1a2c0969a2fb9b2f2634fdf313da5e127812cec8fb1a6258c442916e",
        ),
        (
            "gradual/seed1/cf3",
            params("gradual", 1, 60, 300)
                .counterfactual_weeks(3)
                .build()
                .expect("params"),
            "489233deb27fcaa36bd394439a8856c3a8f21976b0ec42760342a6249dbe212c",
        ),
        (
            "seasonal/seed4/cf8/delay2",
            params("seasonal", 4, 60, 300)
                .counterfactual_weeks(8)
                .label_delay(2)
                .build()
                .expect("params"),
            "223290a9770d7c3a89b2750ac402cafb9a121a7fa74ec2df147e622d5c8efedd",
        ),
        (
            "step/seed3/cf5/no_canary",
            params("step", 3, 60, 300)
                .counterfactual_weeks(5)
                .practices(no_canary)
                .build()
                .expect("params"),
            "367622f0fbb62d59269736d3d67cec1b8bf972b8bbeff8be49479d3ae052c051",
        ),
    ];
    let mut changed = Vec::new();
    for (name, p, want) in cases {
        let got = sha(&run(&p).expect("run"));
        println!("{name}: {got}");
        if got != want {
            changed.push(name);
        }
    }
    assert!(changed.is_empty(), "timelines changed: {changed:?}");
}
