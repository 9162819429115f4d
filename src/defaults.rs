//! The one home of the page's defaults: for each panel, the starting value of every setting it
//! hands to the engine, by the control's name (as in the page's links).
//!
//! Built from the core's own defaults wherever the core has one: the walkthrough and the data of
//! exercises 2–4 are the book's run ([`ChapterParams::default`]), the gates' alpha and correction
//! the book's ([`RetrainGate::book`]), the timeline's loop [`LoopParams::default`] and
//! [`Practices::default`], exercise 5's year the first failure's ([`FAILURES`]), the gate
//! challenge's shift [`GateChallenge::default`]'s, exercise 3's rounds
//! [`PromotionTrialsParams::default`]'s, the simulations' seed [`SIMULATION_SEED`]. What is a
//! panel's own choice (how many trials a simulation runs, the prices of the cost tool) is named
//! here. The page fills its controls from
//! this table (`defaults()` in the WASM API) and refuses a control that has no default here or a
//! second one in its panel record; only settings the engine never receives (the week the
//! timeline shows, a learner's code) keep their default in the panel record.

use serde_json::{json, Value};

use crate::chapter::ChapterParams;
use crate::exercises::{GateChallenge, TriggerChallenge};
use crate::experiments::{PromotionTrialsParams, SIMULATION_SEED};
use crate::gates::RetrainGate;
use crate::orchestrator::{LoopParams, Practices};
use crate::weakest_link::FAILURES;

/// Exercise 2: simulated checks per run of the false-alarm simulation.
pub const TRIGGER_TRIALS: usize = 200;
/// Exercise 2: the small drift (days) of the sample-size sweep.
pub const TRIGGER_SMALL_DRIFT: &str = "1";
/// Exercise 2's cost tool: the price of one false alarm.
pub const FALSE_ALARM_PRICE: u32 = 1;
/// Exercise 2's cost tool: the price of one week of a stale model.
pub const STALE_WEEK_PRICE: u32 = 5;
/// Exercise 2's cost tool: weeks a drift goes unnoticed without a trigger (a quarter).
pub const UNNOTICED_WEEKS: u32 = 13;
/// Exercise 3: bootstrap resamples.
pub const GATE_RESAMPLES: usize = 1000;
/// Exercise 4: the seed of the simulated year beside the hand-run turn.
pub const TWO_LOOPS_YEAR_SEED: &str = "2";
/// The timeline: the seed of the run.
pub const TIMELINE_SEED: &str = "1";
/// The timeline: weeks over which each gate decision's other branch is scored.
pub const TIMELINE_COUNTERFACTUAL_WEEKS: usize = 4;

/// Every panel's defaults: `{panel id: {control name: value}}` (seeds and drifts as text, the
/// way the page's links and the core's data take them).
pub fn panel_defaults() -> Value {
    let book = ChapterParams::default();
    let gate1 = RetrainGate::book();
    let lp = LoopParams::default();
    let pr = Practices::default();
    let year = &FAILURES[0];
    let seed = |s: u128| s.to_string();
    json!({
        "walkthrough": {
            "seed_train": seed(book.reference.seed),
            "drift_train": book.reference.drift.to_string(),
            "seed_live": seed(book.live.seed),
            "drift_live": book.live.drift.to_string(),
            "alpha": book.alpha,
            "seed_recent": seed(book.recent.seed),
            "drift_recent": book.recent.drift.to_string(),
            "margin": book.margin,
            "rows": book.reference.rows,
        },
        "retrain-trigger": {
            "seed_ref": seed(book.reference.seed),
            "seed_live": seed(book.live.seed),
            "drift": book.live.drift.to_string(),
            "column": "days_since_login",
            "rows": book.reference.rows,
            "alpha": gate1.alpha,
            "correction": gate1.correction,
            "trials": TRIGGER_TRIALS,
            "sim_seed": seed(SIMULATION_SEED),
            "small_drift": TRIGGER_SMALL_DRIFT,
            "fa_cost": FALSE_ALARM_PRICE,
            "stale_cost": STALE_WEEK_PRICE,
            "unnoticed": UNNOTICED_WEEKS,
            "cost_drift": TriggerChallenge::default().drift,
        },
        "promotion-gate": {
            "margin": book.margin,
            "seed_train": seed(book.reference.seed),
            "seed_live": seed(book.live.seed),
            "seed_recent": seed(book.recent.seed),
            "drift_recent": book.recent.drift.to_string(),
            "rounds": PromotionTrialsParams::default().rounds,
            "shift": GateChallenge::default().shift,
            "rows": book.reference.rows,
            "resamples": GATE_RESAMPLES,
            "sim_seed": seed(SIMULATION_SEED),
        },
        "two-loops": {
            "seed_train": seed(book.reference.seed),
            "seed_live": seed(book.live.seed),
            "drift_live": book.live.drift.to_string(),
            "seed_recent": seed(book.recent.seed),
            "drift_recent": book.recent.drift.to_string(),
            "rows": book.reference.rows,
            "loop_seed": TWO_LOOPS_YEAR_SEED,
        },
        "weakest-link": {
            "off": year.answer,
            "schedule": year.schedule,
            "seed": year.seed.to_string(),
        },
        "timeline": {
            "schedule": "step",
            "seed": TIMELINE_SEED,
            "weeks": lp.weeks,
            "alpha": lp.alpha,
            "margin": lp.margin,
            "monitoring": pr.monitoring,
            "promotion_gate": pr.promotion_gate,
            "canary": pr.canary,
            "rollback": pr.rollback,
            "seeded_training": pr.seeded_training,
            "validation": pr.validation,
            "cf_weeks": TIMELINE_COUNTERFACTUAL_WEEKS,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Drift;
    use crate::orchestrator::Schedule;
    use crate::weakest_link::practices_without;

    fn get<'a>(d: &'a Value, panel: &str, key: &str) -> &'a Value {
        d.get(panel)
            .and_then(|p| p.get(key))
            .unwrap_or_else(|| panic!("{panel}.{key}"))
    }

    #[test]
    fn the_walkthrough_starts_as_the_book() {
        let d = panel_defaults();
        let text = |k: &str| get(&d, "walkthrough", k).as_str().expect(k).to_string();
        let spec = |s: &str, dr: &str| {
            (
                text(s).parse::<u128>().expect("seed"),
                Drift::parse(&text(dr)).expect("drift"),
            )
        };
        let book = ChapterParams::default();
        assert_eq!(
            spec("seed_train", "drift_train"),
            (book.reference.seed, book.reference.drift)
        );
        assert_eq!(
            spec("seed_live", "drift_live"),
            (book.live.seed, book.live.drift)
        );
        assert_eq!(
            spec("seed_recent", "drift_recent"),
            (book.recent.seed, book.recent.drift)
        );
        // "0.0" and "10" differ in kind (float vs int days): the book's.
        assert_eq!(text("drift_train"), "0.0");
        assert_eq!(text("drift_live"), "10");
        assert_eq!(get(&d, "walkthrough", "alpha").as_f64(), Some(0.01));
    }

    #[test]
    fn the_timeline_and_exercise_5_start_from_runnable_loops() {
        let d = panel_defaults();
        let t = d.get("timeline").expect("timeline");
        let params = json!({
            "weeks": t["weeks"], "alpha": t["alpha"], "margin": t["margin"],
            "seed": t["seed"].as_str().and_then(|s| s.parse::<u64>().ok()),
            "schedule": Schedule::parse(t["schedule"].as_str().expect("schedule")).expect("known"),
            "counterfactual_weeks": t["cf_weeks"],
            "practices": {
                "monitoring": t["monitoring"], "promotion_gate": t["promotion_gate"],
                "canary": t["canary"], "rollback": t["rollback"],
                "seeded_training": t["seeded_training"], "validation": t["validation"],
            },
        });
        let p: LoopParams = serde_json::from_value(params).expect("loop params");
        p.check().expect("valid");
        assert_eq!(p.practices, Practices::default());
        assert_eq!((p.alpha, p.weeks), (0.01, 52));
        // Exercise 5 opens on the first failure's year, with a real practice off.
        let w = d.get("weakest-link").expect("weakest-link");
        assert!(practices_without(w["off"].as_str()).is_ok());
        assert!(Schedule::parse(w["schedule"].as_str().expect("schedule")).is_ok());
    }

    #[test]
    fn exercise_2_starts_with_the_books_gate() {
        let d = panel_defaults();
        assert_eq!(get(&d, "retrain-trigger", "correction"), "none");
        assert_eq!(get(&d, "retrain-trigger", "alpha").as_f64(), Some(0.01));
        assert_eq!(get(&d, "promotion-gate", "rounds").as_u64(), Some(20));
        for panel in d.as_object().expect("object").values() {
            for (k, v) in panel.as_object().expect("panel") {
                assert!(!v.is_null(), "{k}");
            }
        }
    }
}
