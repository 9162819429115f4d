//! A learner's grading split in two parts (the page runs them in two sandbox workers at once) and
//! merged gives exactly the one-call grading: the same grades, the same first error, and parts
//! that are not the grading's are refused.
#![cfg(all(feature = "python", not(target_arch = "wasm32")))]

use mlops_loop::data::Drift;
use mlops_loop::gates::{PromotionGate, RetrainGate};
use mlops_loop::learner::{
    grade_gates, grade_gates_part, grade_triggers, grade_triggers_part, merge_gate_parts,
    merge_trigger_parts, GateGradeParams, GatePart, LearnerGate, LearnerTrigger, Part,
    TriggerGradeParams, TriggerPart,
};
use mlops_loop::python::{Program, STARTER_GATE};
use mlops_loop::stats::Correction;
use mlops_loop::{Error, Result};

/// A trigger that draws random numbers (`resample`, seeded by the run's seed and the check) and
/// gives a reason made of what it saw: a split that changed a check's seed or samples would
/// change its verdicts or its reasons.
const RANDOM_TRIGGER: &str = "\
def should_retrain(reference, live):
    a = resample(live['days_since_login'])
    m = sum(a) / len(a)
    r = sum(reference['days_since_login']) / len(reference['days_since_login'])
    return m > r + 1.0, 'resampled mean ' + str(round(m, 3))
";

fn gate1() -> RetrainGate {
    RetrainGate {
        alpha: 0.05,
        correction: Correction::None,
    }
}

fn trigger_params(null_trials: usize, drift_trials: usize) -> TriggerGradeParams {
    TriggerGradeParams {
        n: 200,
        seed: 11,
        null_trials,
        drift: Drift::Int(2),
        drift_trials,
    }
}

/// Part `index` of `of` of the grading of `source` beside gate 1.
fn trigger_part(
    p: &TriggerGradeParams,
    source: &str,
    index: usize,
    of: usize,
) -> Result<TriggerPart> {
    let mut builtin = gate1();
    let mut learner = Program::trigger(source, p.seed)?;
    grade_triggers_part(
        p,
        Part::new(index, of)?,
        &mut [
            &mut builtin as &mut dyn LearnerTrigger,
            &mut learner as &mut dyn LearnerTrigger,
        ],
    )
}

fn trigger_whole(
    p: &TriggerGradeParams,
    source: &str,
) -> Result<Vec<mlops_loop::learner::TriggerGrade>> {
    let mut builtin = gate1();
    let mut learner = Program::trigger(source, p.seed)?;
    grade_triggers(p, &mut [&mut builtin, &mut learner])
}

/// The page's merge: the parts' results in order, the first error if any (`collect` stops at it).
fn trigger_split(
    p: &TriggerGradeParams,
    source: &str,
) -> Result<Vec<mlops_loop::learner::TriggerGrade>> {
    let parts: Result<Vec<TriggerPart>> = (0..2).map(|i| trigger_part(p, source, i, 2)).collect();
    merge_trigger_parts(p, &parts?)
}

#[test]
fn two_parts_of_a_trigger_grading_merge_to_the_whole() {
    // Shapes: more no-drift checks than drifted, fewer, one of each, and odd counts.
    for (null_trials, drift_trials) in [(9, 4), (3, 8), (1, 1), (7, 7), (2, 11)] {
        let p = trigger_params(null_trials, drift_trials);
        let whole = trigger_whole(&p, RANDOM_TRIGGER).unwrap();
        let split = trigger_split(&p, RANDOM_TRIGGER).unwrap();
        assert_eq!(split, whole, "{null_trials} + {drift_trials}");
        // The learner gave its reasons on both kinds of checks (taken from the right parts).
        assert!(whole[1].reasons.iter().all(Option::is_some));
    }
    // Both parts hold checks in the default shape (the page's 2,000 + 200 split at 1,100).
    let p = trigger_params(9, 4);
    let a = trigger_part(&p, RANDOM_TRIGGER, 0, 2).unwrap();
    let b = trigger_part(&p, RANDOM_TRIGGER, 1, 2).unwrap();
    assert_eq!((a.null_start, a.null[0].trials, a.drift.len()), (0, 6, 0));
    assert_eq!(
        (b.null_start, b.null[0].trials, b.drift[0].trials),
        (6, 3, 4)
    );
}

#[test]
fn the_split_reports_the_one_call_gradings_first_error() {
    // Fails on every check, naming the smallest spend value of that check's reference sample:
    // each trial's message differs, so the first error says which check came first.
    let failing = "\
def should_retrain(reference, live):
    raise ValueError('at ' + str(reference['spend_per_active_day'][0]))
";
    let p = trigger_params(6, 3);
    let whole = match trigger_whole(&p, failing) {
        Err(Error::Program(e)) => e,
        other => panic!("expected a program error, got {other:?}"),
    };
    let second = match trigger_part(&p, failing, 1, 2) {
        Err(Error::Program(e)) => e,
        other => panic!("expected a program error, got {other:?}"),
    };
    assert_ne!(
        whole.message, second.message,
        "the two parts' first checks differ"
    );
    match trigger_split(&p, failing) {
        Err(Error::Program(e)) => assert_eq!(e, whole),
        other => panic!("expected the whole's error, got {other:?}"),
    }
    // Fails only where the live sample moved: no error in the first part (no-drift checks
    // only), so the merged error is the second part's, as in one call.
    let on_drift = "\
def should_retrain(reference, live):
    d = 'days_since_login'
    if sum(live[d]) / len(live[d]) > sum(reference[d]) / len(reference[d]) + 20:
        raise ValueError('moved at ' + str(reference['spend_per_active_day'][0]))
    return False
";
    let p = TriggerGradeParams {
        drift: Drift::Int(40),
        ..trigger_params(6, 3)
    };
    assert!(trigger_part(&p, on_drift, 0, 2).is_ok());
    let whole = trigger_whole(&p, on_drift).unwrap_err().to_string();
    assert!(whole.contains("moved at"), "{whole}");
    assert_eq!(trigger_split(&p, on_drift).unwrap_err().to_string(), whole);
}

#[test]
fn parts_that_are_not_the_gradings_are_refused() {
    let p = trigger_params(9, 4);
    let a = trigger_part(&p, RANDOM_TRIGGER, 0, 2).unwrap();
    let b = trigger_part(&p, RANDOM_TRIGGER, 1, 2).unwrap();
    let refused = |parts: &[TriggerPart], p: &TriggerGradeParams| {
        let e = merge_trigger_parts(p, parts).unwrap_err().to_string();
        assert!(e.contains("parts"), "{e}");
    };
    refused(&[b.clone(), a.clone()], &p); // out of order
    refused(std::slice::from_ref(&a), &p); // half of the grading
    refused(&[a.clone(), a.clone()], &p); // one part twice
    refused(&[a.clone(), b.clone()], &trigger_params(10, 4)); // another grading's parts
    refused(&[], &p);
    let mut short = b.clone();
    short.drift[1].weeks_to_detect.pop();
    refused(&[a.clone(), short], &p);
    let mut one_trigger = b.clone();
    one_trigger.null.pop();
    one_trigger.drift.pop();
    refused(&[a.clone(), one_trigger], &p);
    assert!(Part::new(2, 2).is_err() && Part::new(0, 3).is_err() && Part::new(0, 0).is_err());
    // the right ones, through JSON (as they cross the page), still merge
    let back: Vec<TriggerPart> =
        serde_json::from_str(&serde_json::to_string(&[a, b]).unwrap()).unwrap();
    assert!(merge_trigger_parts(&p, &back).is_ok());
}

#[test]
fn two_parts_of_a_gate_grading_merge_to_the_whole() {
    let p = GateGradeParams {
        rounds: 2,
        rows: 400,
        seed: 3,
        shift: 40,
    };
    let run = |part: Option<(usize, usize)>| -> Result<Vec<GatePart>> {
        let mut builtin = PromotionGate::book();
        let mut learner = Program::gate(STARTER_GATE, p.seed)?;
        let mut gates = [
            &mut builtin as &mut dyn LearnerGate,
            &mut learner as &mut dyn LearnerGate,
        ];
        match part {
            Some((i, of)) => Ok(vec![grade_gates_part(&p, Part::new(i, of)?, &mut gates)?]),
            None => Ok(Vec::new()),
        }
    };
    let whole = {
        let mut builtin = PromotionGate::book();
        let mut learner = Program::gate(STARTER_GATE, p.seed).unwrap();
        grade_gates(&p, &mut [&mut builtin, &mut learner]).unwrap()
    };
    let a = run(Some((0, 2))).unwrap().remove(0);
    let b = run(Some((1, 2))).unwrap().remove(0);
    assert!(a.better.is_none() && b.no_better.is_none());
    let merged = merge_gate_parts(&p, &[a.clone(), b.clone()]).unwrap();
    assert_eq!(merged, whole);
    assert_eq!(merged.diffs.len(), 4);
    // refused: out of order, one part twice, another grading's
    for (parts, q) in [
        (vec![b.clone(), a.clone()], p),
        (vec![a.clone(), a.clone()], p),
        (
            vec![a.clone(), b.clone()],
            GateGradeParams { rounds: 3, ..p },
        ),
    ] {
        let e = merge_gate_parts(&q, &parts).unwrap_err().to_string();
        assert!(e.contains("parts"), "{e}");
    }
    assert!(run(None).unwrap().is_empty());
}
