//! Browser tests (wasm32, headless Chromium) of what the page used to compute itself and now asks
//! the core: merging trial results, rates with their intervals, the challenges' grades, the
//! retraining decision of one check and the bootstrap's reading; a year of false alarms, the
//! panels' defaults, exercise 5's failures and gate 1's per-feature levels.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).expect("set");
    }
    o.into()
}

fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.')
        .fold(v.clone(), |v, k| Reflect::get(&v, &k.into()).expect("get"))
}

fn num(v: &JsValue, path: &str) -> f64 {
    get(v, path)
        .as_f64()
        .unwrap_or_else(|| panic!("{path} is not a number"))
}

fn json(v: &JsValue) -> String {
    JSON::stringify(v).expect("stringify").into()
}

fn drift_trials(start: u32, trials: u32) -> JsValue {
    mlops_loop::drift_trials_js(obj(&[
        ("n", 200.into()),
        ("drift", "1".into()),
        ("trials", trials.into()),
        ("start", start.into()),
        ("alpha", 0.05.into()),
        ("seed", "9".into()),
    ]))
    .expect("driftTrials")
}

#[wasm_bindgen_test]
fn merged_halves_equal_the_one_call_result_with_rates() {
    // What engine.js does with the two workers' halves and worker.js with its chunks.
    let whole = drift_trials(3, 9);
    let parts = Array::of3(
        &drift_trials(3, 2),
        &drift_trials(5, 4),
        &drift_trials(9, 3),
    );
    let merged = mlops_loop::merge_drift_trials(parts.into()).expect("merge");
    assert_eq!(json(&merged), json(&whole));
    let alarms = num(&whole, "alarms");
    assert_eq!(num(&whole, "alarm_rate.count"), alarms);
    assert_eq!(num(&whole, "alarm_rate.total"), 9.0);
    assert_eq!(num(&whole, "alarm_rate.rate"), alarms / 9.0);
    let (lo, hi) = (num(&whole, "alarm_rate.lo"), num(&whole, "alarm_rate.hi"));
    assert!(0.0 <= lo && lo <= alarms / 9.0 && alarms / 9.0 <= hi && hi <= 1.0);
    assert_eq!(
        num(&whole, "feature_alarm_rates.0.count"),
        num(&whole, "alarms_per_feature.0")
    );
    // Out of order: refused with a message naming the parts.
    let swapped = Array::of2(&drift_trials(5, 4), &drift_trials(3, 2));
    let e = mlops_loop::merge_drift_trials(swapped.into()).expect_err("out of order");
    let msg: String = JsValue::from(e)
        .dyn_into::<js_sys::Error>()
        .map(|e| e.message().into())
        .unwrap_or_default();
    assert!(msg.contains("parts"), "{msg}");
}

#[wasm_bindgen_test]
fn promotion_rounds_merge_and_carry_their_rate() {
    let rounds = |start: u32, rounds: u32| {
        mlops_loop::promotion_trials_js(obj(&[
            ("rounds", rounds.into()),
            ("start", start.into()),
            ("rows", 300.into()),
            ("seed", "2".into()),
        ]))
        .expect("promotionTrials")
    };
    let whole = rounds(0, 3);
    let merged =
        mlops_loop::merge_promotion_trials(Array::of2(&rounds(0, 1), &rounds(1, 2)).into())
            .expect("merge");
    assert_eq!(json(&merged), json(&whole));
    assert_eq!(
        num(&whole, "promotion_rate.count"),
        num(&whole, "promotions")
    );
}

/// `trials` checks of which the first `alarms` have one feature at p = 0.005 (an alarm at the
/// challenge's alpha 0.01 without a correction, not with Bonferroni), the rest at 0.5.
fn counts(trials: u32, alarms: u32) -> JsValue {
    let n = trials as usize;
    let pvalues = Array::from_iter(std::iter::repeat_n(JsValue::from(0.5), 3 * n));
    for t in 0..alarms {
        pvalues.set(3 * t + 2, JsValue::from(0.005));
    }
    obj(&[
        ("start", 0.into()),
        ("trials", trials.into()),
        ("alarms", alarms.into()),
        (
            "alarms_per_feature",
            Array::of3(&alarms.into(), &0.into(), &0.into()).into(),
        ),
        ("pvalues", pvalues.into()),
        (
            "statistics",
            Array::from_iter(std::iter::repeat_n(JsValue::from(0.1), 3 * n)).into(),
        ),
    ])
}

fn rounds(n: u32, promotions: u32, gain: f64) -> JsValue {
    let zeros = || Array::from_iter(std::iter::repeat_n(JsValue::from(0.0), n as usize));
    obj(&[
        ("start", 0.into()),
        ("rounds", n.into()),
        ("promotions", promotions.into()),
        ("promotions_without_margin", promotions.into()),
        ("diffs", zeros().into()),
        (
            "true_gains",
            Array::from_iter(std::iter::repeat_n(JsValue::from(gain), n as usize)).into(),
        ),
    ])
}

#[wasm_bindgen_test]
fn the_challenges_are_graded_by_the_core() {
    let c = mlops_loop::challenges().expect("challenges");
    assert_eq!(num(&c, "trigger.null_trials"), 2000.0);
    assert_eq!(get(&c, "trigger.drift").as_string().as_deref(), Some("3"));
    assert_eq!(num(&c, "trigger.max_false_rate"), 0.01);
    assert_eq!(num(&c, "gate.min_real"), 0.6);
    // 20 of 2000 false alarms (1 %, kept without a correction), 160 of 200 detections (80 %).
    let grade = |null: JsValue, drifted: JsValue, correction: &str| {
        mlops_loop::grade_trigger_challenge(obj(&[
            ("null", null),
            ("drifted", drifted),
            ("correction", correction.into()),
        ]))
        .expect("grade")
    };
    let g = grade(counts(2000, 20), counts(200, 160), "none");
    assert_eq!(get(&g, "pass").as_bool(), Some(true));
    let g = grade(counts(2000, 21), counts(200, 200), "none");
    assert_eq!(get(&g, "false_alarms_ok").as_bool(), Some(false));
    // The core counts the alarms from the p-values: with Bonferroni p = 0.005 is no alarm.
    let g = grade(counts(2000, 21), counts(200, 200), "bonferroni");
    assert_eq!(num(&g, "false_alarms.count"), 0.0);
    assert_eq!(get(&g, "detections_ok").as_bool(), Some(false));
    assert_eq!(
        get(&g, "correction").as_string().as_deref(),
        Some("bonferroni")
    );
    let g = grade(counts(2000, 0), counts(200, 159), "none");
    assert_eq!(get(&g, "detections_ok").as_bool(), Some(false));
    assert_eq!(get(&g, "pass").as_bool(), Some(false));
    let bad = obj(&[
        ("null", counts(2000, 0)),
        ("drifted", counts(200, 200)),
        ("correction", "holm".into()),
    ]);
    assert!(mlops_loop::grade_trigger_challenge(bad).is_err());
    // Too few trials is refused, not graded.
    let runs = obj(&[("null", counts(10, 0)), ("drifted", counts(200, 200))]);
    assert!(mlops_loop::grade_trigger_challenge(runs).is_err());

    let g = mlops_loop::grade_gate_challenge(obj(&[
        ("none", rounds(40, 2, 0.0)),
        ("real", rounds(40, 24, 0.02)),
    ]))
    .expect("grade");
    assert_eq!(get(&g, "pass").as_bool(), Some(true));
    assert!((num(&g, "mean_true_gain") - 0.02).abs() < 1e-15);
    let g = mlops_loop::grade_gate_challenge(obj(&[
        ("none", rounds(40, 2, 0.0)),
        ("real", rounds(40, 23, 0.02)),
    ]))
    .expect("grade");
    assert_eq!(get(&g, "real_ok").as_bool(), Some(false));
}

#[wasm_bindgen_test]
fn one_checks_decision() {
    // The book's check: p = 1.2e-19 retrains at 0.01 and at any alpha above it.
    let a = obj(&[("seed", "1".into()), ("drift", "0.0".into())]);
    let b = obj(&[("seed", "2".into()), ("drift", "10".into())]);
    let r = mlops_loop::ks_samples(a.clone(), b.clone(), "days_since_login", None).expect("ks");
    assert_eq!(get(&r, "retrain").as_bool(), Some(true));
    assert_eq!(num(&r, "alpha"), 0.01);
    // The same samples at a level below their p-value: no alarm.
    let r =
        mlops_loop::ks_samples(a.clone(), b.clone(), "days_since_login", Some(1e-20)).expect("ks");
    assert_eq!(get(&r, "retrain").as_bool(), Some(false));
    assert!(mlops_loop::ks_samples(a, b, "days_since_login", Some(1.5)).is_err());
}

#[wasm_bindgen_test]
fn the_bootstrap_reads_against_the_margin() {
    let run = |margin: f64| {
        mlops_loop::bootstrap_auc_diff_js(obj(&[
            ("resamples", 200.into()),
            ("margin", margin.into()),
        ]))
        .expect("bootstrap")
    };
    let r = run(0.0);
    let (lo, hi) = (num(&r, "lo"), num(&r, "hi"));
    let reading = get(&r, "reading").as_string().expect("reading");
    let expected = if lo >= 0.0 {
        "clears_margin"
    } else if hi < 0.0 {
        "worse"
    } else {
        "not_convincing"
    };
    assert_eq!(reading, expected, "lo {lo}, hi {hi}");
    // A margin above the whole interval cannot be cleared.
    let r = run(hi + 0.01);
    assert_ne!(
        get(&r, "reading").as_string().as_deref(),
        Some("clears_margin")
    );
    assert!(mlops_loop::bootstrap_auc_diff_js(obj(&[("margin", 2.0.into())])).is_err());
}

#[wasm_bindgen_test]
fn a_year_of_false_alarms_is_the_cores() {
    // 9 trials at alpha 0.05 with a drift of 1 day: alarms_per_year = 52 × the alarm rate.
    let r = drift_trials(0, 9);
    let rate = num(&r, "alarm_rate.rate");
    assert_eq!(
        num(&r, "alarms_per_year"),
        mlops_loop::trigger_cost::expected_alarms(mlops_loop::trigger_cost::CHECKS_PER_YEAR, rate)
    );
    assert_eq!(mlops_loop::trigger_cost::CHECKS_PER_YEAR, 52);
}

#[wasm_bindgen_test]
fn the_panels_defaults_are_the_cores() {
    let d = mlops_loop::defaults().expect("defaults");
    assert_eq!(
        json(&d),
        json(&JSON::parse(&mlops_loop::defaults::panel_defaults().to_string()).expect("parse")),
        "the export is the core's table"
    );
    // The walkthrough starts as the book: seeds 1, 2, 3; "0.0" days of training drift.
    assert_eq!(
        get(&d, "walkthrough.seed_train").as_string().as_deref(),
        Some("1")
    );
    assert_eq!(
        get(&d, "walkthrough.drift_train").as_string().as_deref(),
        Some("0.0")
    );
    assert_eq!(num(&d, "promotion-gate.rounds"), 20.0);
    assert_eq!(get(&d, "timeline.monitoring").as_bool(), Some(true));
}

/// A timeline as JS has it, changed by `f` (a copy through JSON).
fn edited(t: &JsValue, f: impl Fn(&JsValue)) -> JsValue {
    let copy = JSON::parse(&json(t)).expect("copy");
    f(&copy);
    copy
}

#[wasm_bindgen_test]
fn the_core_says_which_failures_a_year_shows() {
    let fs = Array::from(&mlops_loop::weakest_failures().expect("failures"));
    let ids: Vec<String> = fs
        .iter()
        .map(|f| get(&f, "id").as_string().expect("id"))
        .collect();
    assert_eq!(
        ids,
        ["stale", "worse", "canary", "blast", "unrepro", "learnt"]
    );
    assert!(
        !json(&fs.into()).contains("answer"),
        "the answers stay in the core"
    );
    // A short year with Benjamini–Hochberg: each week's levels are the three step-up levels.
    let t = mlops_loop::run_loop(obj(&[
        ("weeks", 6.0.into()),
        ("seed", 3.0.into()),
        ("rows_per_week", 300.0.into()),
        ("schedule", "step".into()),
        ("correction", "bh".into()),
        ("alpha", 0.03.into()),
    ]))
    .expect("loop");
    let week = Array::from(&get(&t, "weeks")).get(2);
    let mut levels: Vec<f64> = Array::from(&get(&week, "drift.levels"))
        .iter()
        .map(|x| x.as_f64().expect("level"))
        .collect();
    levels.sort_by(f64::total_cmp);
    assert_eq!(levels, [1.0 / 3.0 * 0.03, 2.0 / 3.0 * 0.03, 0.03]);
    let shown = |off: &JsValue, full: &JsValue| {
        json(
            &mlops_loop::failures_shown(obj(&[("off", off.clone()), ("full", full.clone())]))
                .expect("shown"),
        )
    };
    // The same year against itself shows nothing; with no retrain where the full loop retrained,
    // the stale model shows.
    assert_eq!(shown(&t, &t), "[]");
    let off = edited(&t, |x| {
        Reflect::set(&get(x, "summary"), &"retrains".into(), &0.0.into()).expect("set");
    });
    let full = edited(&t, |x| {
        Reflect::set(&get(x, "summary"), &"retrains".into(), &2.0.into()).expect("set");
    });
    assert_eq!(shown(&off, &full), r#"["stale"]"#);
    let e = mlops_loop::failures_shown(obj(&[("off", t.clone())])).expect_err("no full");
    let msg = get(&JsValue::from(e), "message")
        .as_string()
        .unwrap_or_default();
    assert!(msg.contains("full"), "{msg}");
}

fn message(e: wasm_bindgen::JsError) -> String {
    JsValue::from(e)
        .dyn_into::<js_sys::Error>()
        .map(|e| e.message().into())
        .unwrap_or_default()
}

/// The sweeps' limits are the core's: `limits()` says them, `checkSweep` refuses above them
/// with a message naming the field and the value (the page caps its trials at these).
#[wasm_bindgen_test]
fn the_sweeps_limits_are_the_cores() {
    let l = mlops_loop::limits().expect("limits");
    assert_eq!(num(&l, "sweep_trials.drift"), 500.0);
    assert_eq!(num(&l, "sweep_trials.n"), 200.0);
    assert_eq!(
        num(&l, "import_bytes"),
        mlops_loop::registry::MAX_IMPORT_BYTES as f64
    );
    let check = |key: &str, trials: f64| {
        mlops_loop::check_sweep(obj(&[("key", key.into()), ("trials", trials.into())]))
    };
    assert_eq!(check("drift", 500.0).expect("500 per drift"), 500);
    assert_eq!(check("n", 200.0).expect("200 per n"), 200);
    let msg = message(check("n", 201.0).expect_err("201 per n"));
    assert!(
        msg.contains("trials") && msg.contains("201") && msg.contains("200"),
        "{msg}"
    );
    let msg = message(check("drift", 501.0).expect_err("501 per drift"));
    assert!(msg.contains("trials") && msg.contains("501"), "{msg}");
    assert!(check("alpha", 10.0).is_err());
    assert!(check("drift", 1.5).is_err());
}

/// What counts as a written answer is the core's: the word count and each part's least words.
#[wasm_bindgen_test]
fn written_answers_are_graded_by_the_core() {
    let grade = |writing: &str, text: &str| {
        mlops_loop::grade_writing(obj(&[("writing", writing.into()), ("text", text.into())]))
            .expect("gradeWriting")
    };
    let eleven = "one two three four five six seven eight nine ten eleven";
    let g = grade("failure_story", eleven);
    assert_eq!((num(&g, "words"), num(&g, "min_words")), (11.0, 12.0));
    assert_eq!(get(&g, "enough").as_bool(), Some(false));
    let g = grade("failure_story", &format!("  {eleven}\ntwelve "));
    assert_eq!(get(&g, "enough").as_bool(), Some(true));
    let g = grade(
        "reflection",
        "The analogy breaks at the judgement of a broken feature.",
    );
    assert_eq!(get(&g, "enough").as_bool(), Some(true));
    assert!(
        mlops_loop::grade_writing(obj(&[("writing", "essay".into()), ("text", "".into())]))
            .is_err()
    );
}

/// Exercise 1's map is checked by the core: problems as tags the page words.
#[wasm_bindgen_test]
fn the_map_is_checked_by_the_core() {
    let empty = mlops_loop::check_map(obj(&[])).expect("checkMap");
    assert_eq!(Array::from(&empty).length(), 5);
    assert_eq!(
        get(&empty, "0.problem").as_string().as_deref(),
        Some("no_status")
    );
    assert_eq!(
        get(&empty, "0.stage").as_string().as_deref(),
        Some("pipeline")
    );
    let stage = |status: &str, now: &str, next: &str| {
        obj(&[
            ("status", status.into()),
            ("now", now.into()),
            ("next", next.into()),
        ])
    };
    let map = obj(&[
        ("pipeline", stage("automated", "a CI job", "")),
        ("registry", stage("automated", "a model store", "")),
        ("deployment", stage("automated", "a blue-green switch", "")),
        ("monitoring", stage("missing", "", "a KS test every week")),
        ("trigger", stage("automated", "a cron job", "")),
    ]);
    let p = mlops_loop::check_map(map).expect("checkMap");
    assert_eq!(json(&p), r#"[{"problem":"trigger_without_monitoring"}]"#);
    let bad = mlops_loop::check_map(obj(&[("trigger", stage("sometimes", "", ""))]));
    assert!(message(bad.expect_err("bad status")).contains("sometimes"));
}
