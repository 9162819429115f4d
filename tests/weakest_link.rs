//! Exercise 5's failures (`weakest_link`): each shows in its year with its practice switched off,
//! and none shows in the full loop read against itself. The page asks the core the same question
//! (`failuresShown`); tests/e2e/exercises.spec.mjs checks the challenge end to end.
#![cfg(not(target_arch = "wasm32"))]

use mlops_loop::orchestrator::{run, Timeline};
use mlops_loop::weakest_link::{shown, Failure, FAILURES};
use std::collections::BTreeMap;

fn year(f: &Failure, off: Option<&str>) -> Timeline {
    run(&f.params(off).expect("params")).expect("run")
}

#[test]
fn each_failure_shows_with_its_practice_off_and_never_in_the_full_loop() {
    let mut fulls: BTreeMap<(u64, &str), Timeline> = BTreeMap::new();
    for f in &FAILURES {
        let full = fulls
            .entry((f.seed, f.schedule))
            .or_insert_with(|| year(f, None))
            .clone();
        assert!(
            !f.shows(&full, &full),
            "{} shows in the full loop of seed {} ({})",
            f.id,
            f.seed,
            f.schedule
        );
        let off = year(f, Some(f.answer));
        assert!(
            f.shows(&off, &full),
            "{} does not show without {} (seed {}, {})",
            f.id,
            f.answer,
            f.seed,
            f.schedule
        );
        assert!(shown(&off, &full).contains(&f.id), "{}", f.id);
    }
    // The full loop shows nothing in any of these years.
    for full in fulls.values() {
        assert_eq!(shown(full, full), Vec::<&str>::new());
    }
}

#[test]
fn a_wrong_practice_does_not_show_the_stale_model() {
    // Without the canary the step drift of seed 2 is still retrained on: no stale model.
    let f = FAILURES.iter().find(|f| f.id == "stale").expect("stale");
    let full = year(f, None);
    let off = year(f, Some("canary"));
    assert!(!f.shows(&off, &full));
    assert!(f.params(Some("testing")).is_err());
}
