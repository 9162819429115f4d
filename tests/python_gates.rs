//! The learner's gates in Python (cargo feature `python`, on by default natively): the contract,
//! the host functions' bits against the fixtures of the pinned Python stack, hostile programs,
//! and the starters reproducing the built-in gates on the exercises' trials.
#![cfg(all(feature = "python", not(target_arch = "wasm32")))]

mod common;

use mlops_loop::data::Drift;
use mlops_loop::experiments::{
    drift_trials, gate_trials, trigger_trials, DriftTrialsParams, PromotionTrialsParams,
};
use mlops_loop::gates::{PromotionGate, RetrainGate};
use mlops_loop::learner::{LearnerGate, LearnerTrigger, ProgramError, ProgramErrorKind};
use mlops_loop::python::{Program, LIMITS, STARTER_GATE, STARTER_TRIGGER};
use mlops_loop::stats::Correction;
use mlops_loop::Error;
use serde_json::Value;

fn program_error(r: mlops_loop::Result<impl std::fmt::Debug>) -> ProgramError {
    match r {
        Err(Error::Program(e)) => e,
        other => panic!("expected a program error, got {other:?}"),
    }
}

fn cols(a: &[f64], b: &[f64], c: &[f64]) -> [Vec<f64>; 3] {
    [a.to_vec(), b.to_vec(), c.to_vec()]
}

fn trigger(src: &str) -> Program {
    Program::trigger(src, 7).expect("parses")
}

fn run_trigger(src: &str) -> mlops_loop::Result<mlops_loop::learner::Verdict> {
    let c = cols(&[1.0, 2.0, 3.0], &[0.0, 1.0, 1.0], &[5.0, 6.0, 7.0]);
    Program::trigger(src, 7)?.should_retrain(&c, &c, 0)
}

// ------------------------------------------------------------------ the contract

#[test]
fn a_trigger_returns_a_bool_or_a_bool_and_a_reason() {
    let v = run_trigger("def should_retrain(reference, live):\n    return True\n").unwrap();
    assert!(v.decision);
    assert_eq!(v.reason, None);
    let v = run_trigger(
        "def should_retrain(reference, live):\n    return len(live['is_recent']) > 5, 'few rows'\n",
    )
    .unwrap();
    assert!(!v.decision);
    assert_eq!(v.reason.as_deref(), Some("few rows"));
}

#[test]
fn the_trigger_sees_the_three_columns_by_name() {
    let src = "def should_retrain(reference, live):\n    \
               return sorted(reference) == ['days_since_login', 'is_recent', 'spend_per_active_day'] \
               and sum(live['days_since_login']) == 18.0\n";
    assert!(run_trigger(src).unwrap().decision);
}

#[test]
fn a_gate_gets_labels_and_both_models_scores() {
    let src = "def should_promote(y_true, current_scores, candidate_scores):\n    \
               return (y_true == [0, 1, 1] and current_scores[0] == 0.25 \
               and candidate_scores == [0.5, 0.5, 0.75], 'ok')\n";
    let v = Program::gate(src, 0)
        .unwrap()
        .should_promote(&[0, 1, 1], &[0.25, 0.5, 0.5], &[0.5, 0.5, 0.75], 3)
        .unwrap();
    assert!(v.decision, "{v:?}");
}

#[test]
fn a_wrong_return_type_says_what_was_expected() {
    for (ret, shown) in [
        ("1", "int 1"),
        ("None", "None"),
        ("(True, 3)", "tuple (True, 3)"),
    ] {
        let e = program_error(run_trigger(&format!(
            "def should_retrain(reference, live):\n    return {ret}\n"
        )));
        assert_eq!(e.kind, ProgramErrorKind::Contract);
        assert!(e.message.contains(shown), "{}", e.message);
        assert!(e.message.contains("expected a bool"), "{}", e.message);
    }
}

#[test]
fn a_missing_function_is_named() {
    let e = program_error(run_trigger(
        "def should_promote(a, b, c):\n    return True\n",
    ));
    assert_eq!(e.kind, ProgramErrorKind::Contract);
    assert!(
        e.message.contains("should_retrain(reference, live)"),
        "{}",
        e.message
    );
}

#[test]
fn a_syntax_error_marks_its_line() {
    let e = program_error(Program::trigger(
        "X = 1\n\ndef should_retrain(reference, live)\n    return True\n",
        0,
    ));
    assert_eq!(e.kind, ProgramErrorKind::Syntax);
    assert_eq!(e.line, Some(3), "{e:?}");
    // An unclosed bracket at the end must not point past the learner's file.
    let e = program_error(Program::trigger(
        "def should_retrain(reference, live):\n    return (True\n",
        0,
    ));
    assert_eq!(e.kind, ProgramErrorKind::Syntax);
    assert!(e.line.is_some_and(|l| l <= 2), "{e:?}");
}

#[test]
fn an_exception_shows_the_traceback_and_marks_the_line() {
    let src = "def helper(x):\n    return x / 0\n\n\ndef should_retrain(reference, live):\n    \
               return helper(1) > 0\n";
    let e = program_error(run_trigger(src));
    assert_eq!(e.kind, ProgramErrorKind::Exception);
    assert_eq!(e.line, Some(2), "{e:?}");
    assert!(
        e.traceback
            .starts_with("Traceback (most recent call last):"),
        "{}",
        e.traceback
    );
    assert!(
        e.traceback.contains("line 6, in should_retrain"),
        "{}",
        e.traceback
    );
    assert!(e.traceback.contains("ZeroDivisionError"), "{}", e.traceback);
    // The call the sandbox appends is not shown.
    assert!(!e.traceback.contains("_mlops"), "{}", e.traceback);
}

// ------------------------------------------------------------------ hostile programs

#[test]
fn an_endless_loop_stops_at_the_time_limit() {
    let t0 = std::time::Instant::now();
    let e = program_error(run_trigger(
        "def should_retrain(reference, live):\n    while True:\n        pass\n",
    ));
    assert_eq!(e.kind, ProgramErrorKind::Limit);
    assert!(e.message.contains("TimeoutError"), "{}", e.message);
    assert!(
        e.message.contains(&format!("{} ms", LIMITS.time_ms)),
        "{}",
        e.message
    );
    // The limit stops the interpreter between instructions; the line is not always known.
    assert!(e.line.is_none_or(|l| l == 3), "{e:?}");
    // Well within ten times the limit, even on a loaded machine.
    assert!(t0.elapsed().as_millis() < 10 * u128::from(LIMITS.time_ms));
}

#[test]
fn unbounded_recursion_stops_with_a_recursion_error() {
    let e = program_error(run_trigger(
        "def f(n):\n    return f(n + 1)\n\ndef should_retrain(reference, live):\n    return f(0)\n",
    ));
    assert_eq!(e.kind, ProgramErrorKind::Limit);
    assert!(e.message.contains("RecursionError"), "{}", e.message);
    assert!(
        e.traceback.contains("Previous line repeated"),
        "{}",
        e.traceback
    );
}

/// `x = expr` in a trigger is stopped at line 2 by the memory limit, which its message names.
fn refused_by_the_memory_limit(expr: &str) {
    let e = program_error(run_trigger(&format!(
        "def should_retrain(reference, live):\n    x = {expr}\n    return True\n"
    )));
    assert_eq!(e.kind, ProgramErrorKind::Limit, "{expr}: {e:?}");
    assert!(e.message.contains("MemoryError"), "{expr}: {}", e.message);
    let limit = format!("asked for more than {} MB", LIMITS.memory_bytes >> 20);
    assert!(e.message.contains(&limit), "{expr}: {}", e.message);
    assert_eq!(e.line, Some(2), "{expr}: {e:?}");
}

#[test]
fn a_billion_element_list_stops_with_a_memory_error() {
    for expr in [
        "[0] * 10**9",
        "[0.5] * 10**9",
        "'x' * 10**10",
        "[[0] * 10**5] * 10**4 + [0] * 10**9",
    ] {
        refused_by_the_memory_limit(expr);
    }
}

#[test]
fn a_huge_integer_is_refused_before_it_is_computed() {
    // One instruction runs to its end before the time limit is checked: an integer operation the
    // memory limit let through could run for minutes (10**(10**8) ran 44 s at a 256 MB limit).
    for expr in [
        "10**(10**8)",
        "10**(3 * 10**7)",
        "(1 << 10**9) - 1",
        "((1 << (8 * 10**7)) - 1) * ((1 << (8 * 10**7)) - 1)",
    ] {
        refused_by_the_memory_limit(expr);
    }
}

#[test]
fn a_list_built_one_item_at_a_time_stops_at_the_time_limit() {
    let e = program_error(run_trigger(
        "def should_retrain(reference, live):\n    xs = list(range(10**9))\n    return True\n",
    ));
    assert_eq!(e.kind, ProgramErrorKind::Limit, "{e:?}");
}

#[test]
fn no_files_no_os_no_network() {
    for (src, want) in [
        (
            "import os\ndef should_retrain(reference, live):\n    return os.system('ls') == 0\n",
            "os",
        ),
        (
            "import subprocess\ndef should_retrain(reference, live):\n    return True\n",
            "subprocess",
        ),
        (
            "def should_retrain(reference, live):\n    return open('/etc/passwd').read() == ''\n",
            "open",
        ),
        (
            "import os\ndef should_retrain(reference, live):\n    return os.getenv('HOME') == ''\n",
            "Error",
        ),
        (
            "import socket\ndef should_retrain(reference, live):\n    return True\n",
            "socket",
        ),
    ] {
        let e = program_error(run_trigger(src));
        assert!(
            matches!(
                e.kind,
                ProgramErrorKind::Exception | ProgramErrorKind::Syntax
            ),
            "{src}: {e:?}"
        );
        assert!(
            e.traceback.contains(want) || e.message.contains(want),
            "{src}: {e:?}"
        );
    }
}

#[test]
fn printed_output_is_kept_and_capped() {
    let mut p =
        trigger("def should_retrain(reference, live):\n    print('hello', 3)\n    return False\n");
    let c = cols(&[1.0], &[0.0], &[2.0]);
    p.should_retrain(&c, &c, 0).unwrap();
    assert_eq!(p.output(), "hello 3\n");
    let mut p = trigger(
        "def should_retrain(reference, live):\n    while True:\n        print('x' * 1000)\n",
    );
    let e = program_error(p.should_retrain(&c, &c, 0));
    assert!(
        p.output().len() <= LIMITS.output_bytes,
        "{}",
        p.output().len()
    );
    assert_eq!(e.kind, ProgramErrorKind::Limit, "{e:?}");
    // the message names the limit that stopped it: the printed output, not the memory limit
    let printed = format!(
        "printed more than {} KB in one call",
        LIMITS.output_bytes >> 10
    );
    assert!(e.message.contains(&printed), "{}", e.message);
    assert!(!e.message.contains(" MB"), "{}", e.message);
}

#[test]
fn a_program_keeps_working_after_an_error() {
    let mut p = trigger(
        "def should_retrain(reference, live):\n    if live['is_recent'][0] > 0:\n        \
         raise ValueError('boom')\n    return True\n",
    );
    let ok = cols(&[1.0], &[0.0], &[2.0]);
    let bad = cols(&[1.0], &[1.0], &[2.0]);
    assert!(p.should_retrain(&ok, &ok, 0).unwrap().decision);
    assert!(p.should_retrain(&bad, &bad, 1).is_err());
    assert!(p.should_retrain(&ok, &ok, 2).unwrap().decision);
}

// ------------------------------------------------------------------ host functions vs fixtures

fn sandbox_ks(a: &[f64], b: &[f64]) -> (u64, u64) {
    // Hand the samples over as the reference's and live's first column, and return the result's
    // bits through the reason (repr of floats is exact in Python: 17 significant digits).
    let src = "def should_retrain(reference, live):\n    \
               r = ks_2samp(reference['spend_per_active_day'], live['spend_per_active_day'])\n    \
               return True, repr(r.statistic) + ' ' + repr(r.pvalue)\n";
    let mut p = trigger(src);
    let v = p
        .should_retrain(&cols(a, &[0.0], &[0.0]), &cols(b, &[0.0], &[0.0]), 0)
        .expect("ks_2samp runs");
    let reason = v.reason.expect("reason");
    let mut it = reason
        .split(' ')
        .map(|s| s.parse::<f64>().expect("float repr").to_bits());
    (it.next().expect("D"), it.next().expect("p"))
}

#[test]
fn ks_2samp_in_the_sandbox_matches_scipy_bits() {
    let root: Value = serde_json::from_str(common::model::KS_CASES).expect("ks_cases.json");
    let mut compared = 0;
    for case in root["cases"].as_array().expect("cases") {
        if case["method"].as_str() != Some("auto") {
            continue;
        }
        let a = common::model::ks_sample(&case["a"]);
        let b = common::model::ks_sample(&case["b"]);
        let (d, p) = sandbox_ks(&a, &b);
        let name = case["name"].as_str().unwrap_or("?");
        assert_eq!(
            d,
            common::model::fixture_bits(&case["statistic"]),
            "{name}: D"
        );
        let want = f64::from_bits(common::model::fixture_bits(&case["pvalue"]));
        let got = f64::from_bits(p);
        // As the direct test: bits on the exact path, the documented tolerance on the asymptotic one.
        let direct = mlops_loop::stats::ks::ks_2samp(&a, &b, mlops_loop::stats::ks::KsMethod::Auto)
            .expect("direct");
        assert_eq!(p, direct.pvalue.to_bits(), "{name}: sandbox = direct call");
        if matches!(direct.method_used, mlops_loop::stats::ks::KsMethod::Exact) {
            assert_eq!(p, want.to_bits(), "{name}: p");
        } else {
            assert!(
                (got - want).abs() <= common::model::ASYMPTOTIC_P_RTOL * want.abs(),
                "{name}: p {got:e} vs {want:e}"
            );
        }
        compared += 1;
    }
    assert!(compared >= 30, "only {compared} cases");
}

#[test]
fn roc_auc_score_in_the_sandbox_matches_sklearn_bits() {
    let cases = common::model::auc_cases(common::model::GBM_CASES);
    assert!(cases.len() >= 10);
    let src = "def should_promote(y_true, current_scores, candidate_scores):\n    \
               return True, repr(roc_auc_score(y_true, current_scores))\n";
    let mut g = Program::gate(src, 0).unwrap();
    for (tag, y, proba, auc) in cases {
        let v = g.should_promote(&y, &proba, &proba, 0).expect("auc runs");
        let got: f64 = v.reason.expect("reason").parse().expect("repr");
        assert_eq!(got.to_bits(), auc.to_bits(), "{tag}");
    }
}

#[test]
fn host_functions_refuse_bad_arguments_with_python_errors() {
    for (call, want) in [
        ("ks_2samp([1.0], 'abc')", "TypeError"),
        ("ks_2samp([], [1.0])", "ValueError"),
        ("ks_2samp([1.0])", "TypeError"),
        ("roc_auc_score([1, 1], [0.2, 0.3])", "ValueError"),
        ("roc_auc_score([0, 2], [0.2, 0.3])", "ValueError"),
        ("resample([1, 2], [3])", "ValueError"),
        ("resample()", "TypeError"),
    ] {
        let e = program_error(run_trigger(&format!(
            "def should_retrain(reference, live):\n    {call}\n    return True\n"
        )));
        assert_eq!(e.kind, ProgramErrorKind::Exception, "{call}: {e:?}");
        assert!(e.message.contains(want), "{call}: {}", e.message);
        assert_eq!(e.line, Some(2), "{call}");
    }
}

#[test]
fn resample_is_paired_seeded_and_differs_between_draws() {
    let src = "def should_promote(y_true, current_scores, candidate_scores):\n    \
               a, b = resample(y_true, current_scores)\n    \
               c = resample(y_true)\n    \
               paired = all(b[i] == a[i] / 10 for i in range(len(a)))\n    \
               return paired, repr(a) + '|' + repr(c)\n";
    let y: Vec<i64> = (0..50).collect();
    let s: Vec<f64> = y.iter().map(|&v| v as f64 / 10.0).collect();
    let run = |seed, check| {
        let v = Program::gate(src, seed)
            .unwrap()
            .should_promote(&y, &s, &s, check)
            .unwrap();
        assert!(v.decision, "the same rows of both lists");
        v.reason.unwrap()
    };
    let first = run(1, 5);
    assert_eq!(first, run(1, 5), "same seed and check: same draw");
    assert_ne!(first, run(1, 6), "another check: another draw");
    assert_ne!(first, run(2, 5), "another seed: another draw");
    let (a, c) = first.split_once('|').unwrap();
    assert_ne!(a, c, "two calls in one check draw differently");
    assert!(a.contains(", ") && !a.contains("50"), "{a}");
}

// ------------------------------------------------------------------ the starters = the built-in gates

#[test]
fn the_starter_trigger_decides_as_gate_1_on_the_trials() {
    for (drift, alpha_note) in [(Drift::Int(0), "no drift"), (Drift::Int(3), "drift 3")] {
        let p = DriftTrialsParams {
            n: 800,
            drift,
            trials: 40,
            start: 5,
            alpha: 0.01,
            seed: 3,
            correction: Correction::Bonferroni,
        };
        let builtin = drift_trials(&p).unwrap();
        let mut gate1 = RetrainGate {
            alpha: 0.01,
            correction: Correction::Bonferroni,
        };
        let mut starter = Program::trigger(STARTER_TRIGGER, 3).unwrap();
        let recs = trigger_trials(&p, &mut [&mut gate1, &mut starter]).unwrap();
        assert_eq!(recs[0].alarms, builtin.alarms, "{alpha_note}");
        assert_eq!(recs[1].alarms, builtin.alarms, "{alpha_note}");
        assert_eq!(
            recs[1].weeks_to_detect, recs[0].weeks_to_detect,
            "{alpha_note}"
        );
        if drift != Drift::Int(0) {
            assert_eq!(recs[0].weeks_to_detect.len(), 40);
            assert!(recs[0]
                .weeks_to_detect
                .iter()
                .any(|w| w.is_some_and(|w| w > 1)));
        }
    }
}

#[test]
fn the_starter_gate_decides_as_gate_2_on_the_rounds() {
    let p = PromotionTrialsParams {
        rounds: 6,
        start: 0,
        rows: 600,
        margin: 0.0,
        same_data: true,
        seed: 9,
        shift: 30,
    };
    let mut gate2 = PromotionGate::book();
    let mut starter = Program::gate(STARTER_GATE, 9).unwrap();
    let r = gate_trials(&p, &mut [&mut gate2, &mut starter]).unwrap();
    assert_eq!(r.gates[0].promoted, r.gates[1].promoted);
    // The same rounds as promotion_trials: the same gains, the same promotions.
    let same = mlops_loop::experiments::promotion_trials(&p).unwrap();
    assert_eq!(same.true_gains, r.true_gains);
    assert_eq!(same.diffs, r.diffs);
    assert_eq!(same.promotions, r.gates[0].promotions);
    assert_eq!(
        r.gates[0].promoted,
        r.diffs.iter().map(|&d| d >= 0.0).collect::<Vec<_>>()
    );
    assert_eq!(r.gates[0].spurious + r.gates[0].turned_away, {
        let g = &r.gates[0];
        g.promoted
            .iter()
            .zip(&r.true_gains)
            .filter(|(&p, &t)| p != (t > 0.0))
            .count()
    });
    assert!(r.gates[1]
        .first_reason
        .as_deref()
        .unwrap_or("")
        .contains("candidate AUC"));
}

#[test]
fn a_learner_error_stops_the_trials_with_the_traceback() {
    let p = DriftTrialsParams {
        n: 100,
        drift: Drift::Int(0),
        trials: 3,
        start: 0,
        alpha: 0.01,
        seed: 1,
        correction: Correction::None,
    };
    let mut bad = trigger("def should_retrain(reference, live):\n    return live['nope']\n");
    let e = program_error(trigger_trials(&p, &mut [&mut bad]));
    assert!(e.traceback.contains("KeyError"), "{}", e.traceback);
    assert_eq!(e.line, Some(2));
}

// ------------------------------------------------------------------ grading (the page's exports)

#[test]
fn grading_the_starter_trigger_gives_gate_1s_grade() {
    use mlops_loop::learner::{grade_triggers, TriggerGradeParams};
    let p = TriggerGradeParams {
        n: 600,
        seed: 4,
        null_trials: 60,
        drift: Drift::Int(3),
        drift_trials: 20,
    };
    let mut gate1 = RetrainGate {
        alpha: 0.01,
        correction: Correction::Bonferroni,
    };
    let mut starter = Program::trigger(STARTER_TRIGGER, 4).unwrap();
    let g = grade_triggers(&p, &mut [&mut gate1, &mut starter]).unwrap();
    assert_eq!(g[0].false_alarms, g[1].false_alarms);
    assert_eq!(g[0].detections, g[1].detections);
    assert_eq!(g[0].weeks_to_detect, g[1].weeks_to_detect);
    assert_eq!(g[0].caught_by, g[1].caught_by);
    // The counts are the built-in experiment's, on the same trials.
    let null = drift_trials(&DriftTrialsParams {
        n: 600,
        drift: Drift::Int(0),
        trials: 60,
        start: 0,
        alpha: 0.01,
        seed: 4,
        correction: Correction::Bonferroni,
    })
    .unwrap();
    assert_eq!(g[0].false_alarms.count, null.alarms);
    assert_eq!(g[0].false_alarms.total, 60);
    assert_eq!(g[0].detections.total, 20);
    // caught_by is cumulative and ends at the trials caught within the follow-up.
    let caught = g[0].weeks_to_detect.iter().flatten().count();
    assert_eq!(*g[0].caught_by.last().unwrap(), caught);
    assert_eq!(g[0].caught_by[0], g[0].detections.count);
    assert!(g[0].caught_by.windows(2).all(|w| w[0] <= w[1]));
    let mean = g[0].mean_weeks.unwrap();
    assert!((1.0..=12.0).contains(&mean), "{mean}");
}

#[test]
fn grading_a_trigger_that_always_fires_counts_every_check() {
    use mlops_loop::learner::{grade_triggers, TriggerGradeParams};
    let p = TriggerGradeParams {
        n: 100,
        seed: 1,
        null_trials: 7,
        drift: Drift::Int(5),
        drift_trials: 3,
    };
    let mut always = trigger("def should_retrain(reference, live):\n    return True, 'always'\n");
    let g = grade_triggers(&p, &mut [&mut always]).unwrap();
    assert_eq!((g[0].false_alarms.count, g[0].false_alarms.rate), (7, 1.0));
    assert_eq!(g[0].detections.count, 3);
    assert_eq!(g[0].mean_weeks, Some(1.0));
    assert_eq!(g[0].reasons[0].as_deref(), Some("always"));
    // 7 of 7: the exact interval's upper end is 1, its lower end 0.025^(1/7)
    assert_eq!(g[0].false_alarms.hi, 1.0);
    assert!((g[0].false_alarms.lo - 0.025f64.powf(1.0 / 7.0)).abs() < 1e-9);
    // against exercise 2's challenge: every drift caught at once, far too many false alarms
    let v = g[0].meets(&mlops_loop::exercises::TriggerChallenge::default());
    assert_eq!(v.caught_within_weeks, 1.0);
    assert!(v.caught_ok && !v.false_alarms_ok && !v.pass);
}

#[test]
fn a_trigger_that_never_fires_fails_the_challenge_by_its_detections() {
    use mlops_loop::learner::{grade_triggers, TriggerGradeParams};
    let p = TriggerGradeParams {
        n: 100,
        seed: 1,
        null_trials: 5,
        drift: Drift::Int(5),
        drift_trials: 4,
    };
    let mut never = trigger("def should_retrain(reference, live):\n    return False\n");
    let g = grade_triggers(&p, &mut [&mut never]).unwrap();
    assert_eq!(g[0].weeks_to_detect, vec![None; 4]);
    assert_eq!(g[0].mean_weeks, None);
    let v = g[0].meets(&mlops_loop::exercises::TriggerChallenge::default());
    assert_eq!(v.caught_within_weeks, 0.0);
    assert!(v.false_alarms_ok && !v.caught_ok && !v.pass);
}

#[test]
fn grading_the_starter_gate_gives_gate_2s_grade() {
    use mlops_loop::learner::{grade_gates, GateGradeParams};
    let p = GateGradeParams {
        rounds: 3,
        rows: 600,
        seed: 2,
        shift: 40,
    };
    let mut gate2 = PromotionGate::book();
    let mut starter = Program::gate(STARTER_GATE, 2).unwrap();
    let g = grade_gates(&p, &mut [&mut gate2, &mut starter]).unwrap();
    assert_eq!(g.promoted[0], g.promoted[1]);
    assert_eq!(g.gates[0], {
        let mut s = g.gates[1].clone();
        s.reasons = g.gates[0].reasons.clone();
        s
    });
    assert_eq!(g.diffs.len(), 6);
    let better = g.true_gains.iter().filter(|&&t| t > 0.0).count();
    assert_eq!(g.gates[0].turned_away.total, better);
    assert_eq!(g.gates[0].spurious.total, 6 - better);
    let wrong = g.promoted[0]
        .iter()
        .zip(&g.true_gains)
        .filter(|(&p, &t)| p != (t > 0.0))
        .count();
    assert_eq!(
        g.gates[0].spurious.count + g.gates[0].turned_away.count,
        wrong
    );
    assert_eq!(
        g.gates[0].promoted_no_better.count + g.gates[0].promoted_better.count,
        g.promoted[0].iter().filter(|&&p| p).count()
    );
    let c = mlops_loop::exercises::GateChallenge::default();
    assert_eq!(g.gates[0].meets(&c), g.gates[1].meets(&c));
    let v = g.gates[0].meets(&c);
    assert_eq!(
        v.spurious_ok,
        g.gates[0].promoted_no_better.rate <= c.max_spurious
    );
    assert_eq!(v.pass, v.spurious_ok && v.real_ok);
}
