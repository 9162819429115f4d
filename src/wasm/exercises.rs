//! What the exercises conclude ([`crate::exercises`], [`crate::weakest_link`],
//! [`crate::answers`]): `challenges`, `gradeTriggerChallenge`, `gradeGateChallenge`,
//! `weakestFailures`, `failuresShown`, `compareYears`, `gradeWriting`, `checkMap`; and the panels'
//! `defaults` and `limits`. The page shows these verdicts and starts from these values.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::{from_js, js_err, to_js};
use crate::answers::{Stage, StageAnswer, Writing};
use crate::exercises::{GateChallenge, TriggerChallenge};
use crate::experiments::SweepKey;
use crate::experiments::{DriftTrials, PromotionTrials};
use crate::stats::Correction;
use std::collections::BTreeMap;

#[derive(serde::Serialize)]
struct Challenges {
    trigger: TriggerChallenge,
    gate: GateChallenge,
}

/// The two challenges' goals and the runs their grades need:
/// `{trigger: {max_false_rate, drift, min_detection, weeks, catch_probability, null_trials,
/// drift_trials, seed},
/// gate: {rounds, max_spurious, shift, min_real, seed, rows}}`.
#[wasm_bindgen]
pub fn challenges() -> Result<JsValue, JsError> {
    to_js(&Challenges {
        trigger: TriggerChallenge::default(),
        gate: GateChallenge::default(),
    })
}

#[derive(Deserialize)]
struct TriggerGradeJs {
    null: DriftTrials,
    drifted: DriftTrials,
    correction: Option<String>,
}

/// Grade exercise 2's challenge from `{null, drifted, correction}`: two `driftTrials` results
/// (no drift, and the challenge's drift) run with the reader's n, and the reader's correction
/// (`none`, `bonferroni`, `bh`; default `none`). The alarms are counted from the p-values at the
/// challenge's alpha. Returns `{correction, false_alarms, detections}` (each rate
/// `{count, total, rate, lo, hi}`) and the verdicts `false_alarms_ok`, `detections_ok`, `pass`.
#[wasm_bindgen(js_name = gradeTriggerChallenge)]
pub fn grade_trigger_challenge(runs: JsValue) -> Result<JsValue, JsError> {
    let r: TriggerGradeJs = from_js("gradeTriggerChallenge runs", runs)?;
    let correction = match &r.correction {
        Some(c) => Correction::parse(c).map_err(js_err)?,
        // The book's gate 1 tests one feature: no correction.
        None => crate::gates::RetrainGate::book().correction,
    };
    to_js(
        &TriggerChallenge::default()
            .grade(&r.null, &r.drifted, correction)
            .map_err(js_err)?,
    )
}

#[derive(Deserialize)]
struct GateGradeJs {
    none: PromotionTrials,
    real: PromotionTrials,
}

/// Grade exercise 3's challenge from `{none, real}`: two same-data `promotionTrials` results at
/// the reader's margin (shift 0; the challenge's shift). Returns `{spurious, real}` (rates),
/// `mean_true_gain` and the verdicts `spurious_ok`, `real_ok`, `pass`.
#[wasm_bindgen(js_name = gradeGateChallenge)]
pub fn grade_gate_challenge(runs: JsValue) -> Result<JsValue, JsError> {
    let r: GateGradeJs = from_js("gradeGateChallenge runs", runs)?;
    to_js(
        &GateChallenge::default()
            .grade(&r.none, &r.real)
            .map_err(js_err)?,
    )
}

/// Exercise 5's failures, in the page's order: `[{id, seed, schedule, text}]` (the year each
/// shows in: 52 weeks, its seed and schedule, other loop parameters at their defaults). The
/// practice that lets each in is not sent.
#[wasm_bindgen(js_name = weakestFailures)]
pub fn weakest_failures() -> Result<JsValue, JsError> {
    to_js(&crate::weakest_link::FAILURES)
}

// The two exports below read loop timelines, which only the full module produces: they stay out
// of the lite module (the first load), whose size the Timeline reader would otherwise grow.
#[cfg(feature = "loop-exports")]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShownJs {
    off: crate::orchestrator::Timeline,
    full: crate::orchestrator::Timeline,
}

/// Which of exercise 5's failures show in `{off, full}`: two `runLoop` timelines of the same
/// year, with the reader's practice switched off and with every practice. Returns their ids
/// (`["stale", …]`, in the order of `weakestFailures`).
#[cfg(feature = "loop-exports")]
#[wasm_bindgen(js_name = failuresShown)]
pub fn failures_shown(runs: JsValue) -> Result<JsValue, JsError> {
    let r: ShownJs = from_js("failuresShown runs", runs)?;
    to_js(&crate::weakest_link::shown(&r.off, &r.full))
}

/// Where `{off, full}` (two `runLoop` timelines of one year) differ, week by week:
/// `{live: [bool], decisions: [bool], live_weeks, decision_weeks}`
/// (`weakest_link::differences`).
#[cfg(feature = "loop-exports")]
#[wasm_bindgen(js_name = compareYears)]
pub fn compare_years(runs: JsValue) -> Result<JsValue, JsError> {
    let r: ShownJs = from_js("compareYears runs", runs)?;
    to_js(&crate::weakest_link::differences(&r.off, &r.full))
}

/// Every panel's defaults, `{panel id: {control name: value}}` (`defaults::panel_defaults`): the
/// one home of the values the page's controls start from.
#[wasm_bindgen]
pub fn defaults() -> Result<JsValue, JsError> {
    to_js(&crate::defaults::panel_defaults())
}

/// The limits the panels' controls and runs keep to: `{sweep_trials: {drift: 500, n: 200},
/// import_bytes}`: the most checks per value of exercise 2's sweeps ([`SweepKey::max_trials`];
/// `checkSweep` refuses more) and the largest registry export an import reads
/// ([`crate::registry::MAX_IMPORT_BYTES`]; the page does not read a bigger file).
#[wasm_bindgen]
pub fn limits() -> Result<JsValue, JsError> {
    let sweep_trials: std::collections::BTreeMap<SweepKey, usize> =
        SweepKey::ALL.iter().map(|&k| (k, k.max_trials())).collect();
    to_js(&serde_json::json!({
        "sweep_trials": sweep_trials,
        "import_bytes": crate::registry::MAX_IMPORT_BYTES,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepJs {
    key: SweepKey,
    trials: f64,
}

/// Check a sweep before it runs, from `{key: "drift" | "n", trials}` (checks per value): returns
/// `trials`, or an error naming `trials` and its value above the sweep's limit (`limits()`).
#[wasm_bindgen(js_name = checkSweep)]
pub fn check_sweep(sweep: JsValue) -> Result<usize, JsError> {
    let s: SweepJs = from_js("checkSweep sweep", sweep)?;
    let trials = super::count(
        "trials",
        s.trials,
        0,
        crate::experiments::MAX_TRIALS_PER_CALL,
    )?;
    s.key.check_trials(trials).map_err(js_err)?;
    Ok(trials)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WritingJs {
    writing: Writing,
    text: String,
}

/// Grade a written answer from `{writing: "map_now" | "map_plan" | "reflection" |
/// "failure_story", text}`: `{writing, words, min_words, enough}` ([`Writing::grade`]).
#[wasm_bindgen(js_name = gradeWriting)]
pub fn grade_writing(answer: JsValue) -> Result<JsValue, JsError> {
    let a: WritingJs = from_js("gradeWriting answer", answer)?;
    to_js(&a.writing.grade(&a.text))
}

/// Check exercise 1's map from the reader's answers, `{stage: {status?, now?, next?}}` (stages
/// `pipeline`, `registry`, `deployment`, `monitoring`, `trigger`; status `automated`, `manual`
/// or `missing`): the problems in the loop's order, `[{problem, stage?, min_words?}]`, none when
/// the challenge is met ([`crate::answers::check_map`]).
#[wasm_bindgen(js_name = checkMap)]
pub fn check_map(answers: JsValue) -> Result<JsValue, JsError> {
    let a: BTreeMap<Stage, StageAnswer> = from_js("checkMap answers", answers)?;
    to_js(&crate::answers::check_map(&a))
}
