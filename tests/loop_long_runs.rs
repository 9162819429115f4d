//! Long legal runs (issue 16, points 5 and 6).
//!
//! - Under the gradual schedule the churn labels of late weeks become one class: such a week has no
//!   AUC, and the run records that and goes on instead of failing (it failed with "invalid y_true =
//!   all 1" before).
//! - A run that fails leaves its registry as it was: whichever commit of the target store fails,
//!   the target holds either nothing of the run or all of it.
//! - Counterfactual scoring reuses each (model, week)'s predictions: the timelines of runs with a
//!   counterfactual horizon are pinned by the sha256 of their JSON, computed before that change
//!   (as `tests/loop_golden.rs` does for the runs without one); re-pinned when a decision's verdict
//!   became a tag plus its fields: with each verdict written back as its old string, the JSON
//!   hashes to the earlier pins; and again when each week gained `live_since` and each
//!   counterfactual its `outcome` and `difference`: with those stripped, to the pins before.

#![cfg(not(target_arch = "wasm32"))]

use mlops_loop::orchestrator::{run, run_with, LoopParams, Practices, Schedule};
use mlops_loop::registry::{block_on, MemStore, Registry};
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
            "076f899b9c50522e289cbd90e272ecb0c36ed7ba7a82ec6ca8ea39c373c9cb91",
        ),
        (
            "gradual/seed1/cf3",
            params("gradual", 1, 60, 300)
                .counterfactual_weeks(3)
                .build()
                .expect("params"),
            "f0fc918fc20b5525c0ccfb8d8cb093fd65e70c1207bc5203cd191832f24c3a1d",
        ),
        (
            "seasonal/seed4/cf8/delay2",
            params("seasonal", 4, 60, 300)
                .counterfactual_weeks(8)
                .label_delay(2)
                .build()
                .expect("params"),
            "532049cdd312cc0eede7c1d6a2cb835cb81df353795562c801ebf3fd72e89752",
        ),
        (
            "step/seed3/cf5/no_canary",
            params("step", 3, 60, 300)
                .counterfactual_weeks(5)
                .practices(no_canary)
                .build()
                .expect("params"),
            "6c193d9db0b95f68d5079001e01c8bcd21f88178b9010c10ff2c646d3dcdc586",
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

#[test]
fn weeks_whose_labels_are_one_class_have_no_auc_and_the_run_goes_on() {
    // Under the gradual drift, late weeks' customers all churn: this run failed at week 250-300
    // with "invalid y_true = all 1" (a candidate's held-out AUC).
    let p = params("gradual", 3, 300, 200).build().expect("params");
    let t = run(&p).expect("a legal run completes");
    assert_eq!(t.weeks.len(), 300);
    let noted: Vec<_> = t.weeks.iter().filter(|w| w.auc_note.is_some()).collect();
    assert!(!noted.is_empty(), "some late weeks are one class");
    for w in &noted {
        assert_eq!(
            w.auc_note.as_deref(),
            Some("no AUC: one class"),
            "week {}",
            w.week
        );
        assert_eq!(w.auc, None, "week {}", w.week);
        assert!(
            w.auc_known_week.is_some(),
            "week {}: its labels arrived",
            w.week
        );
    }
    // Every other week whose labels arrived has its AUC.
    for w in t
        .weeks
        .iter()
        .filter(|w| w.auc_known_week.is_some() && w.auc_note.is_none())
    {
        assert!(w.auc.is_some(), "week {}", w.week);
    }
    // The JSON says it in so many words; weeks with an AUC carry no note (the field is absent).
    let json = serde_json::to_string(&t).expect("json");
    assert_eq!(
        json.matches("\"auc_note\":\"no AUC: one class\"").count(),
        noted.len()
    );
}

#[test]
fn a_run_that_fails_leaves_the_registry_as_it_was() {
    let p = params("step", 2, 52, 300).build().expect("params");
    // What the whole run writes, into a registry of its own.
    let whole = MemStore::new();
    let reg = block_on(Registry::open(whole.clone())).expect("open");
    let t = block_on(run_with(&p, &reg)).expect("run");
    assert!(
        t.summary.retrains >= 2,
        "the run registers several versions"
    );

    // A target with room for only half of it: the run fails at some write.
    let store = MemStore::new();
    let target = block_on(Registry::open(store.clone())).expect("open");
    let empty = store.size();
    store.set_quota(Some(empty + (whole.size() - empty) / 2));
    let before = store.snapshot();
    let err = block_on(run_with(&p, &target)).expect_err("the registry is too small");
    assert_eq!(
        store.snapshot(),
        before,
        "nothing of the failed run stays ({err})"
    );

    // With room, the same run is written whole: the same records as the run of its own.
    store.set_quota(None);
    let again = block_on(run_with(&p, &target)).expect("run");
    assert_eq!(again, t);
    assert_eq!(store.snapshot(), whole.snapshot());
}
