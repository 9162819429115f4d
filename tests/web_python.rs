//! Browser tests (wasm32, headless Chromium) of the sandbox module (features `loop-exports` and
//! `python`, `make test-wasm`'s second run): the page's exports' contract (`learnerStarters`,
//! `gradeLearnerTrigger`, `gradeLearnerGate`, their two-part forms, `learnerYear`,
//! `warmBuiltinYear`), the host
//! functions' bits against the fixtures, and each hostile program coming back as a structured
//! error, never a panic.
#![cfg(all(target_arch = "wasm32", feature = "python"))]

mod common;

use mlops_loop::python::{Program, STARTER_GATE, STARTER_TRIGGER};
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn js(v: Value) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .expect("to JS")
}

fn val(v: Result<JsValue, wasm_bindgen::JsError>) -> Value {
    let v = v.map_err(JsValue::from).expect("the export answers");
    serde_wasm_bindgen::from_value(v).expect("plain data")
}

use serde::Serialize;

/// A small trigger grading: 20 no-drift checks, 6 drifted, n = 300.
fn grade_trigger(src: &str) -> Value {
    val(mlops_loop::grade_learner_trigger(
        src,
        js(
            json!({"n": 300, "seed": "5", "null_trials": 20, "drift": "4", "drift_trials": 6,
                  "alpha": 0.01, "correction": "bonferroni"}),
        ),
    ))
}

#[wasm_bindgen_test]
fn the_starters_come_from_the_core() {
    let s = val(mlops_loop::learner_starters());
    assert_eq!(s["trigger"], STARTER_TRIGGER);
    assert_eq!(s["gate"], STARTER_GATE);
    assert_eq!(s["limits"]["time_ms"], 1000);
    assert_eq!(s["host_functions"].as_array().map(Vec::len), Some(3));
}

#[wasm_bindgen_test]
fn the_starter_trigger_is_graded_as_the_built_in_one() {
    let r = grade_trigger(STARTER_TRIGGER);
    assert_eq!(r["ok"], true, "{r}");
    for key in [
        "false_alarms",
        "detections",
        "weeks_to_detect",
        "caught_by",
        "mean_weeks",
    ] {
        assert_eq!(r["builtin"][key], r["learner"][key], "{key}");
    }
    assert_eq!(r["builtin_verdict"], r["learner_verdict"]);
    let fa = &r["learner"]["false_alarms"];
    assert!(fa["lo"].as_f64() <= fa["rate"].as_f64() && fa["rate"].as_f64() <= fa["hi"].as_f64());
    assert_eq!(r["learner"]["false_alarms"]["total"], 20);
    assert_eq!(r["learner"]["detections"]["total"], 6);
    assert_eq!(r["learner"]["caught_by"].as_array().map(Vec::len), Some(12));
}

#[wasm_bindgen_test]
fn a_trigger_that_always_fires_has_every_check_alarmed() {
    let r = grade_trigger("def should_retrain(reference, live):\n    return True\n");
    assert_eq!(r["learner"]["false_alarms"]["count"], 20);
    assert_eq!(r["learner"]["false_alarms"]["rate"], 1.0);
    assert_eq!(r["learner_verdict"]["false_alarms_ok"], false);
    assert_eq!(r["learner_verdict"]["caught_within_weeks"], 1.0);
    assert_eq!(r["learner"]["mean_weeks"], 1.0);
}

#[wasm_bindgen_test]
fn the_starter_gate_is_graded_as_the_built_in_one() {
    let r = val(mlops_loop::grade_learner_gate(
        STARTER_GATE,
        js(json!({"rounds": 2, "rows": 400, "seed": "3", "shift": 40, "margin": 0})),
    ));
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["builtin_promoted"], r["learner_promoted"]);
    assert_eq!(r["builtin_verdict"], r["learner_verdict"]);
    assert_eq!(r["diffs"].as_array().map(Vec::len), Some(4));
    for key in [
        "promoted_no_better",
        "promoted_better",
        "spurious",
        "turned_away",
    ] {
        assert_eq!(r["builtin"][key], r["learner"][key], "{key}");
    }
}

/// The page's two-worker grading through the exports: part 0 and part 1 of 2, merged, equal the
/// one-call result as the page receives it; a failing part's error comes back as the one call's;
/// parts of another grading throw.
#[wasm_bindgen_test]
fn two_parts_merged_by_the_core_equal_one_call() {
    let trigger =
        json!({"n": 300, "seed": "5", "null_trials": 20, "drift": "4", "drift_trials": 6});
    let gate = json!({"rounds": 2, "rows": 400, "seed": "3", "shift": 40, "margin": 0});
    let draws = "def should_retrain(reference, live):\n    a = resample(live['days_since_login'])\n    return sum(a) / len(a) > 46, str(a[0])\n";
    let part = |f: fn(&str, JsValue, f64, f64) -> Result<JsValue, wasm_bindgen::JsError>,
                src: &str,
                params: &Value,
                i: f64| { val(f(src, js(params.clone()), i, 2.0)) };
    for (src, p, whole, part_fn, merge) in [
        (
            draws,
            &trigger,
            val(mlops_loop::grade_learner_trigger(
                draws,
                js(trigger.clone()),
            )),
            mlops_loop::grade_learner_trigger_part as fn(&str, JsValue, f64, f64) -> _,
            mlops_loop::merge_learner_trigger as fn(JsValue, JsValue) -> _,
        ),
        (
            STARTER_GATE,
            &gate,
            val(mlops_loop::grade_learner_gate(
                STARTER_GATE,
                js(gate.clone()),
            )),
            mlops_loop::grade_learner_gate_part as fn(&str, JsValue, f64, f64) -> _,
            mlops_loop::merge_learner_gate as fn(JsValue, JsValue) -> _,
        ),
    ] {
        assert_eq!(whole["ok"], true, "{whole}");
        let (a, b) = (part(part_fn, src, p, 0.0), part(part_fn, src, p, 1.0));
        assert_eq!(a["ok"], true, "{a}");
        let merged = val(merge(js(p.clone()), js(json!([a, b]))));
        assert_eq!(merged, whole);
        // swapped, the parts are refused
        assert!(merge(js(p.clone()), js(json!([b, a]))).is_err());
    }
    // a program error in a part is the one call's error
    let failing = "def should_retrain(reference, live):\n    return 1 / 0\n";
    let whole = val(mlops_loop::grade_learner_trigger(
        failing,
        js(trigger.clone()),
    ));
    let a = part(
        mlops_loop::grade_learner_trigger_part,
        failing,
        &trigger,
        0.0,
    );
    let b = part(
        mlops_loop::grade_learner_trigger_part,
        failing,
        &trigger,
        1.0,
    );
    assert_eq!(whole["ok"], false);
    assert_eq!(
        val(mlops_loop::merge_learner_trigger(
            js(trigger.clone()),
            js(json!([a, b]))
        )),
        whole
    );
    // a part index out of range throws
    assert!(
        mlops_loop::grade_learner_trigger_part(failing, js(trigger.clone()), 2.0, 2.0).is_err()
    );
}

#[wasm_bindgen_test]
fn a_year_with_the_starters_is_the_built_in_year() {
    let r = val(mlops_loop::learner_year(js(json!({
        "trigger": STARTER_TRIGGER, "gate": STARTER_GATE,
        "weeks": 8, "rows_per_week": 300, "seed": 2, "schedule": "step", "correction": "bonferroni"
    }))));
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["learner"]["weeks"].as_array().map(Vec::len), Some(8));
    for key in ["alarms", "retrains", "promotions", "final_label"] {
        assert_eq!(
            r["builtin"]["summary"][key], r["learner"]["summary"][key],
            "{key}"
        );
    }
    // The built-in run is kept by its parameters: again with the same ones, it is the same
    // timeline; with another seed, it is that seed's year (the starters' run beside it), not
    // the kept one.
    let year = |seed: u64| {
        val(mlops_loop::learner_year(js(json!({
            "trigger": STARTER_TRIGGER, "gate": STARTER_GATE,
            "weeks": 8, "rows_per_week": 300, "seed": seed, "schedule": "step", "correction": "bonferroni"
        }))))
    };
    assert_eq!(year(2)["builtin"], r["builtin"]);
    let other = year(5);
    assert_ne!(other["builtin"], r["builtin"]);
    assert_eq!(other["builtin"]["params"]["seed"].as_f64(), Some(5.0));
    for key in ["alarms", "retrains", "promotions", "final_label"] {
        assert_eq!(
            other["builtin"]["summary"][key], other["learner"]["summary"][key],
            "{key}"
        );
    }
}

/// `warmBuiltinYear` runs the built-in year ahead of a learner's click: the next `learnerYear`
/// with those parameters shows the same bytes as a cold one.
#[wasm_bindgen_test]
fn a_warmed_year_is_the_cold_year_byte_for_byte() {
    let params =
        |seed: u64| json!({"weeks": 6, "rows_per_week": 300, "seed": seed, "schedule": "step"});
    let year = |seed: u64| {
        let mut p = params(seed);
        p["trigger"] = json!(format!("{STARTER_TRIGGER}\n# an edit\n"));
        let r = val(mlops_loop::learner_year(js(p)));
        assert_eq!(r["ok"], true, "{r}");
        serde_json::to_string(&r).unwrap_or_default()
    };
    // Another year kept, then a cold run of seed 3 (its built-in year run by learnerYear).
    mlops_loop::warm_builtin_year(js(params(8))).expect("warmed");
    let cold = year(3);
    // Another year kept again, then seed 3 warmed ahead and run.
    mlops_loop::warm_builtin_year(js(params(8))).expect("warmed");
    mlops_loop::warm_builtin_year(js(params(3))).expect("warmed");
    assert_eq!(year(3), cold);
}

/// Each hostile or careless program: the kind of error, and the line to mark (None: no line).
#[wasm_bindgen_test]
fn hostile_programs_come_back_as_structured_errors() {
    let head = "def should_retrain(reference, live):\n";
    let cases: [(&str, &str, &str, Option<u64>); 9] = [
        (
            "syntax",
            "def should_retrain(reference, live)\n    return True\n",
            "",
            Some(1),
        ),
        (
            "exception",
            "",
            "    x = 1\n    return live['nope']\n",
            Some(3),
        ),
        ("exception", "", "    return 1 / 0\n", Some(2)),
        ("contract", "", "    return 1\n", None),
        ("contract", "def other(a, b):\n    return True\n", "", None),
        ("limit", "", "    while True:\n        pass\n", None),
        (
            "limit",
            "def f(n):\n    return f(n + 1)\n",
            "    return f(0)\n",
            None,
        ),
        (
            "limit",
            "",
            "    xs = [0] * 10**9\n    return True\n",
            Some(2),
        ),
        (
            "exception",
            "",
            "    import os\n    return os.getenv('HOME') is None\n",
            Some(3),
        ),
    ];
    for (kind, prefix, body, line) in cases {
        let src = if body.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}{head}{body}")
        };
        let r = grade_trigger(&src);
        assert_eq!(r["ok"], false, "{src}: {r}");
        let e = &r["error"];
        assert_eq!(e["kind"], kind, "{src}: {e}");
        assert!(!e["message"].as_str().unwrap_or("").is_empty(), "{src}");
        if let Some(l) = line {
            assert_eq!(e["line"], l, "{src}: {e}");
        }
        if kind == "exception" {
            assert!(
                e["traceback"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("Traceback"),
                "{e}"
            );
        }
    }
}

#[wasm_bindgen_test]
fn bad_parameters_are_thrown_with_the_field_named() {
    for (params, field) in [
        (json!({"null_trials": 0}), "null_trials"),
        (json!({"drift": "x"}), "drift"),
        (json!({"alpha": 2}), "alpha"),
        (json!({"correction": "nope"}), "correction"),
        (json!({"typo": 1}), "typo"),
    ] {
        let e = mlops_loop::grade_learner_trigger(STARTER_TRIGGER, js(params))
            .map_err(JsValue::from)
            .expect_err("refused");
        let msg = js_sys::Error::from(e)
            .message()
            .as_string()
            .unwrap_or_default();
        assert!(msg.contains(field), "{field}: {msg}");
    }
    let e = mlops_loop::learner_year(js(json!({"weeks": 4})))
        .map_err(JsValue::from)
        .expect_err("refused");
    let msg = js_sys::Error::from(e)
        .message()
        .as_string()
        .unwrap_or_default();
    assert!(msg.contains("trigger or a gate"), "{msg}");
    // The warm-up takes learnerYear's parameters without the learner's code.
    for (params, field) in [
        (JsValue::NULL, "warmBuiltinYear needs"),
        (js(json!({"trigger": STARTER_TRIGGER})), "trigger"),
        (js(json!({"gate": STARTER_GATE, "weeks": 4})), "gate"),
        (js(json!({"typo": 1})), "typo"),
        (js(json!({"schedule": "nope"})), "nope"),
    ] {
        let e = mlops_loop::warm_builtin_year(params)
            .map_err(JsValue::from)
            .expect_err("refused");
        let msg = js_sys::Error::from(e)
            .message()
            .as_string()
            .unwrap_or_default();
        assert!(msg.contains(field), "{field}: {msg}");
    }
}

#[wasm_bindgen_test]
fn ks_2samp_in_the_sandbox_matches_scipy_bits_in_the_browser() {
    let src = "def should_retrain(reference, live):\n    \
               r = ks_2samp(reference['spend_per_active_day'], live['spend_per_active_day'])\n    \
               return True, repr(r.statistic) + ' ' + repr(r.pvalue)\n";
    let root: Value = serde_json::from_str(common::model::KS_CASES).expect("ks_cases.json");
    let mut compared = 0;
    for case in root["cases"].as_array().expect("cases") {
        if case["method"].as_str() != Some("auto") {
            continue;
        }
        let a = common::model::ks_sample(&case["a"]);
        let b = common::model::ks_sample(&case["b"]);
        let mut p = Program::trigger(src, 0).expect("parses");
        use mlops_loop::learner::LearnerTrigger;
        let v = p
            .should_retrain(
                &[a.clone(), vec![0.0], vec![0.0]],
                &[b.clone(), vec![0.0], vec![0.0]],
                0,
            )
            .expect("runs");
        let reason = v.reason.expect("reason");
        let mut it = reason.split(' ').map(|s| s.parse::<f64>().expect("repr"));
        let (d, pv) = (it.next().expect("D"), it.next().expect("p"));
        let direct = mlops_loop::stats::ks::ks_2samp(&a, &b, mlops_loop::stats::ks::KsMethod::Auto)
            .expect("direct");
        let name = case["name"].as_str().unwrap_or("?");
        assert_eq!(
            d.to_bits(),
            common::model::fixture_bits(&case["statistic"]),
            "{name}: D"
        );
        assert_eq!(pv.to_bits(), direct.pvalue.to_bits(), "{name}: p");
        if matches!(direct.method_used, mlops_loop::stats::ks::KsMethod::Exact) {
            assert_eq!(
                pv.to_bits(),
                common::model::fixture_bits(&case["pvalue"]),
                "{name}"
            );
        }
        compared += 1;
    }
    assert!(compared >= 30, "only {compared} cases");
}

#[wasm_bindgen_test]
fn roc_auc_score_in_the_sandbox_matches_sklearn_bits_in_the_browser() {
    use mlops_loop::learner::LearnerGate;
    let src = "def should_promote(y_true, current_scores, candidate_scores):\n    \
               return True, repr(roc_auc_score(y_true, current_scores))\n";
    let mut g = Program::gate(src, 0).expect("parses");
    let cases = common::model::auc_cases(common::model::GBM_CASES);
    assert!(cases.len() >= 10);
    for (tag, y, proba, auc) in cases {
        let v = g.should_promote(&y, &proba, &proba, 0).expect("runs");
        let got: f64 = v.reason.expect("reason").parse().expect("repr");
        assert_eq!(got.to_bits(), auc.to_bits(), "{tag}");
    }
}

/// The page's watchdog hears of a learner's call (`python::beat` through the worker's
/// `__mlopsLoopBeat`, with `LIMITS.stall_ms`), each call at least once however soon it follows
/// the one before (the page arms a call's watchdog on its first beat); a listener that throws
/// changes nothing; with no listener the call runs as before.
#[wasm_bindgen_test]
fn a_learners_call_beats_for_the_pages_watchdog() {
    use mlops_loop::python::LIMITS;
    let global = js_sys::global();
    let key = JsValue::from_str("__mlopsLoopBeat");
    let seen = js_sys::Array::new();
    let record = js_sys::Function::new_with_args("ms", "this.__beats.push(ms)");
    js_sys::Reflect::set(&global, &JsValue::from_str("__beats"), &seen).unwrap();
    js_sys::Reflect::set(&global, &key, &record).unwrap();
    let with = grade_trigger(STARTER_TRIGGER);
    let first = seen.length();
    assert!(first >= 1, "no beat during a grading");
    assert_eq!(seen.get(0).as_f64(), Some(LIMITS.stall_ms as f64));
    // at once after the first: its first beat is not held back by the 200 ms throttle
    assert_eq!(grade_trigger(STARTER_TRIGGER), with);
    assert!(seen.length() > first, "the second call did not beat");

    let throws = js_sys::Function::new_with_args("ms", "throw new Error('listener')");
    js_sys::Reflect::set(&global, &key, &throws).unwrap();
    assert_eq!(grade_trigger(STARTER_TRIGGER), with);

    js_sys::Reflect::delete_property(&global, &key).unwrap();
    assert_eq!(grade_trigger(STARTER_TRIGGER), with);
}
