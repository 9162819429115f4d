//! The learner's gates in Python, graded in the page (the sandbox module only: features
//! `loop-exports` and `python`): `learnerStarters`, `gradeLearnerTrigger`, `gradeLearnerGate`,
//! their two-part forms for two sandbox workers (`gradeLearnerTriggerPart`,
//! `gradeLearnerGatePart`, merged by `mergeLearnerTrigger`, `mergeLearnerGate`), `learnerYear`,
//! `warmBuiltinYear`.
//!
//! A learner's program that fails (a syntax error, an exception, a limit, a broken contract) is
//! not a thrown error but a result: `{ok: false, error: {kind, message, traceback, line, file}}`
//! (`crate::learner::ProgramError`), so that the page can mark the line. Bad parameters throw, as
//! in every other export.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::{count, drift_of, from_js, js_err, jserr, parse_seed, reject_non_finite, to_js};
use crate::gates::{GateMetric, PromotionGate, RetrainGate};
use crate::learner::{
    grade_gates_part, grade_triggers_part, merge_gate_parts, merge_trigger_parts, GateGradeParams,
    GatePart, LearnerGate, LearnerTrigger, Part, ProgramError, TriggerGradeParams, TriggerPart,
};
use crate::orchestrator::{run_with_learners, Learners, Timeline};
use crate::python::{Entry, Program, HOST_FUNCTIONS, LIMITS, STARTER_GATE, STARTER_TRIGGER};
use crate::registry::{block_on, MemStore, Registry};
use crate::stats::Correction;
use crate::Error;

/// Most checks (no-drift plus drifted) or rounds one grading call may run.
const MAX_CHECKS: usize = 20_000;

#[derive(Serialize)]
struct Starters {
    trigger: &'static str,
    gate: &'static str,
    limits: crate::python::Limits,
    host_functions: &'static [&'static str],
}

/// The starter files (the built-in gates written in Python), the sandbox's limits and the host
/// functions' names.
#[wasm_bindgen(js_name = learnerStarters)]
pub fn learner_starters() -> Result<JsValue, JsError> {
    to_js(&Starters {
        trigger: STARTER_TRIGGER,
        gate: STARTER_GATE,
        limits: LIMITS,
        host_functions: &HOST_FUNCTIONS,
    })
}

/// The result of a grading call: what the built-in gate and the learner's did, or the learner's
/// program error.
#[derive(Serialize)]
#[serde(untagged)]
enum Graded<T: Serialize> {
    Ok {
        ok: bool,
        #[serde(flatten)]
        value: T,
    },
    Failed {
        ok: bool,
        error: ProgramError,
    },
}

/// `Ok(result)` as `{ok: true, ...result}`, a program error as `{ok: false, error}`; any other
/// error is thrown.
fn graded<T: Serialize>(r: crate::Result<T>) -> Result<JsValue, JsError> {
    match r {
        Ok(value) => to_js(&Graded::Ok { ok: true, value }),
        Err(Error::Program(error)) => to_js(&Graded::<T>::Failed { ok: false, error }),
        Err(e) => Err(js_err(e)),
    }
}

fn program(entry: Entry, source: &str, seed: u128) -> crate::Result<Program> {
    crate::python::on_beat(page_beat);
    // A new call's first beat always reaches the page, which arms the call's watchdog on it
    // (sandbox.js `watch`): the throttle starts afresh with each call's program.
    LAST_BEAT.set(f64::NEG_INFINITY);
    Program::new(entry, source, seed)
}

thread_local! {
    /// When [`page_beat`] last passed a beat on (`Date.now()`, ms).
    static LAST_BEAT: std::cell::Cell<f64> = const { std::cell::Cell::new(f64::NEG_INFINITY) };
}

/// Shortest time between two beats passed to the page, in ms (a grading calls the learner's
/// function thousands of times; the page needs to hear of it a few times a second at most).
const BEAT_EVERY_MS: f64 = 200.0;

/// The core's beat ([`crate::python::beat`]) passed to the page: the `__mlopsLoopBeat` function the
/// sandbox's worker installs (www/src/pyworker.js) is called with `stall_ms`, at most every
/// [`BEAT_EVERY_MS`]; nothing where no worker installed it (tests, other pages), and a listener
/// that throws changes nothing.
fn page_beat(stall_ms: u64) {
    let now = js_sys::Date::now();
    if now - LAST_BEAT.get() < BEAT_EVERY_MS {
        return;
    }
    LAST_BEAT.set(now);
    let global = js_sys::global();
    if let Ok(f) = js_sys::Reflect::get(&global, &JsValue::from_str("__mlopsLoopBeat")) {
        if let Some(f) = f.dyn_ref::<js_sys::Function>() {
            let _ = f.call1(&global, &JsValue::from_f64(stall_ms as f64));
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggerJs {
    n: Option<f64>,
    alpha: Option<f64>,
    correction: Option<String>,
    seed: Option<String>,
    null_trials: Option<f64>,
    drift: Option<String>,
    drift_trials: Option<f64>,
}

#[derive(Serialize)]
struct TriggerResult {
    builtin: crate::learner::TriggerGrade,
    learner: crate::learner::TriggerGrade,
    /// Each against exercise 2's challenge ([`crate::exercises::TriggerChallenge`]).
    builtin_verdict: crate::learner::TriggerVerdict,
    learner_verdict: crate::learner::TriggerVerdict,
}

/// `gradeLearnerTrigger`'s parameters read: the grading's, and the built-in gate 1.
fn trigger_params(params: JsValue) -> Result<(TriggerGradeParams, RetrainGate), JsError> {
    let p: TriggerJs = from_js("gradeLearnerTrigger params", params)?;
    // An omitted key is exercise 2's challenge's, the book's rows, and the loop's gate 1.
    let c = crate::exercises::TriggerChallenge::default();
    let gate1 = crate::orchestrator::LoopParams::default();
    let null_trials = count(
        "null_trials",
        p.null_trials.unwrap_or(c.null_trials as f64),
        1,
        MAX_CHECKS,
    )?;
    let drift_trials = count(
        "drift_trials",
        p.drift_trials.unwrap_or(c.drift_trials as f64),
        1,
        MAX_CHECKS,
    )?;
    if null_trials + drift_trials > MAX_CHECKS {
        return Err(jserr(format!(
            "invalid null_trials + drift_trials = {}: at most {MAX_CHECKS} checks per call",
            null_trials + drift_trials
        )));
    }
    let gp = TriggerGradeParams {
        n: count(
            "n",
            p.n.unwrap_or(crate::chapter::ChapterParams::default().reference.rows as f64),
            2,
            crate::data::MAX_ROWS,
        )?,
        seed: parse_seed(p.seed.as_deref().unwrap_or(&c.seed))?,
        null_trials,
        drift: drift_of("drift", p.drift.as_deref().unwrap_or(&c.drift))?,
        drift_trials,
    };
    let builtin = RetrainGate {
        alpha: p.alpha.unwrap_or(gate1.alpha),
        correction: match &p.correction {
            Some(c) => Correction::parse(c).map_err(js_err)?,
            None => gate1.correction,
        },
    };
    if !(builtin.alpha > 0.0 && builtin.alpha < 1.0) {
        return Err(jserr(format!(
            "invalid alpha = {}: must be between 0 and 1",
            builtin.alpha
        )));
    }
    Ok((gp, builtin))
}

/// Part `part` of the trigger grading: the built-in gate 1 and the learner's file on its checks.
fn trigger_part(
    source: &str,
    gp: &TriggerGradeParams,
    builtin: &mut RetrainGate,
    part: Part,
) -> crate::Result<TriggerPart> {
    let mut learner = program(Entry::Trigger, source, gp.seed)?;
    grade_triggers_part(
        gp,
        part,
        &mut [
            builtin as &mut dyn LearnerTrigger,
            &mut learner as &mut dyn LearnerTrigger,
        ],
    )
}

/// The grading's result from its parts, in order: both grades and their verdicts.
fn trigger_result(gp: &TriggerGradeParams, parts: &[TriggerPart]) -> crate::Result<TriggerResult> {
    let mut grades = merge_trigger_parts(gp, parts)?.into_iter();
    match (grades.next(), grades.next(), grades.next()) {
        (Some(builtin), Some(learner), None) => {
            let c = crate::exercises::TriggerChallenge::default();
            Ok(TriggerResult {
                builtin_verdict: builtin.meets(&c),
                learner_verdict: learner.meets(&c),
                builtin,
                learner,
            })
        }
        _ => Err(Error::invalid(
            "parts",
            "(grading parts)",
            "a trigger grading holds two triggers: the built-in and the learner's",
        )),
    }
}

/// Grade a learner's trigger file (`should_retrain`) beside the built-in gate 1 (KS on the three
/// features at `alpha` with `correction`) on the same trials: `null_trials` no-drift checks
/// (false alarms) and `drift_trials` checks with `drift` (detections, weeks to detect); see
/// [`crate::learner::grade_triggers`].
#[wasm_bindgen(js_name = gradeLearnerTrigger)]
pub fn grade_learner_trigger(source: &str, params: JsValue) -> Result<JsValue, JsError> {
    let (gp, mut builtin) = trigger_params(params)?;
    graded(
        trigger_part(source, &gp, &mut builtin, Part::WHOLE)
            .and_then(|part| trigger_result(&gp, &[part])),
    )
}

/// Part `index` of `of` (1 or 2) of [`grade_learner_trigger`]'s checks
/// ([`crate::learner::Part`]): `{ok: true, part}` or the learner's program error. The page runs
/// the two parts in two sandbox workers at once and hands both results to
/// [`merge_learner_trigger`].
#[wasm_bindgen(js_name = gradeLearnerTriggerPart)]
pub fn grade_learner_trigger_part(
    source: &str,
    params: JsValue,
    index: f64,
    of: f64,
) -> Result<JsValue, JsError> {
    let (gp, mut builtin) = trigger_params(params)?;
    let part = part_of(index, of)?;
    graded(trigger_part(source, &gp, &mut builtin, part).map(|part| PartOut { part }))
}

/// Merge the results of [`grade_learner_trigger_part`] (in part order, for the same `params`)
/// into [`grade_learner_trigger`]'s result: the first part's program error if it has one, else
/// the next's, else the merged grades; parts that are not this grading's throw.
#[wasm_bindgen(js_name = mergeLearnerTrigger)]
pub fn merge_learner_trigger(params: JsValue, results: JsValue) -> Result<JsValue, JsError> {
    let (gp, _) = trigger_params(params)?;
    let results: Vec<PartResult<TriggerPart>> = from_js("mergeLearnerTrigger results", results)?;
    match in_order(results)? {
        Err(error) => to_js(&Graded::<()>::Failed { ok: false, error }),
        Ok(parts) => graded(trigger_result(&gp, &parts)),
    }
}

/// A part's result as the page hands it back: `{ok: true, part}` or `{ok: false, error}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartResult<T> {
    ok: bool,
    part: Option<T>,
    error: Option<ProgramError>,
}

/// A part's result as returned: `{ok: true, part}` (the failure is `Graded::Failed`).
#[derive(Serialize)]
struct PartOut<T: Serialize> {
    part: T,
}

/// The parts in order, or the first part's program error (a one-call grading stops at its first
/// error, and the parts hold its checks in order).
fn in_order<T>(results: Vec<PartResult<T>>) -> Result<Result<Vec<T>, ProgramError>, JsError> {
    let mut parts = Vec::with_capacity(results.len());
    for (i, r) in results.into_iter().enumerate() {
        match (r.ok, r.part, r.error) {
            (true, Some(part), None) => parts.push(part),
            (false, None, Some(error)) => return Ok(Err(error)),
            _ => {
                return Err(jserr(format!(
                    "invalid results[{i}]: expected {{ok: true, part}} or {{ok: false, error}}"
                )))
            }
        }
    }
    if parts.is_empty() {
        return Err(jserr("invalid results: no part given"));
    }
    Ok(Ok(parts))
}

/// Part `index` of `of` from JS numbers.
fn part_of(index: f64, of: f64) -> Result<Part, JsError> {
    let of = count("of", of, 1, 2)?;
    Part::new(count("index", index, 0, 1)?, of).map_err(js_err)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GateJs {
    rounds: Option<f64>,
    rows: Option<f64>,
    seed: Option<String>,
    shift: Option<f64>,
    margin: Option<f64>,
}

#[derive(Serialize)]
struct GateResult {
    diffs: Vec<f64>,
    true_gains: Vec<f64>,
    builtin: crate::learner::GateGrade,
    learner: crate::learner::GateGrade,
    builtin_promoted: Vec<bool>,
    learner_promoted: Vec<bool>,
    /// Each against exercise 3's challenge ([`crate::exercises::GateChallenge`]).
    builtin_verdict: crate::learner::GateVerdict,
    learner_verdict: crate::learner::GateVerdict,
}

/// `gradeLearnerGate`'s parameters read: the grading's, and the built-in gate 2.
fn gate_params(params: JsValue) -> Result<(GateGradeParams, PromotionGate), JsError> {
    let p: GateJs = from_js("gradeLearnerGate params", params)?;
    // An omitted key is exercise 3's challenge's, and the book's margin.
    let c = crate::exercises::GateChallenge::default();
    let gp = GateGradeParams {
        rounds: count(
            "rounds",
            p.rounds.unwrap_or(c.rounds as f64),
            1,
            MAX_CHECKS / 2,
        )?,
        rows: count(
            "rows",
            p.rows.unwrap_or(c.rows as f64),
            2,
            crate::data::MAX_ROWS,
        )?,
        seed: parse_seed(p.seed.as_deref().unwrap_or(&c.seed))?,
        shift: count("shift", p.shift.unwrap_or(f64::from(c.shift)), 1, 360)? as i64,
    };
    let margin = p
        .margin
        .unwrap_or(crate::chapter::ChapterParams::default().margin);
    if !(margin.is_finite() && margin.abs() <= 1.0) {
        return Err(jserr(format!(
            "invalid margin = {margin}: must be between -1 and 1"
        )));
    }
    let builtin = PromotionGate {
        metric: GateMetric::Auc,
        margin,
    };
    Ok((gp, builtin))
}

/// Part `part` of the gate grading: the built-in gate 2 and the learner's file on its rounds.
fn gate_part(
    source: &str,
    gp: &GateGradeParams,
    builtin: &mut PromotionGate,
    part: Part,
) -> crate::Result<GatePart> {
    let mut learner = program(Entry::Gate, source, gp.seed)?;
    grade_gates_part(
        gp,
        part,
        &mut [
            builtin as &mut dyn LearnerGate,
            &mut learner as &mut dyn LearnerGate,
        ],
    )
}

/// The grading's result from its parts, in order: the rounds, both grades and their verdicts.
fn gate_result(gp: &GateGradeParams, parts: &[GatePart]) -> crate::Result<GateResult> {
    let g = merge_gate_parts(gp, parts)?;
    let mut gates = g.gates.into_iter();
    let mut promoted = g.promoted.into_iter();
    match (
        gates.next(),
        gates.next(),
        promoted.next(),
        promoted.next(),
        gates.next(),
    ) {
        (Some(builtin), Some(learner), Some(builtin_promoted), Some(learner_promoted), None) => {
            let c = crate::exercises::GateChallenge::default();
            Ok(GateResult {
                builtin_verdict: builtin.meets(&c),
                learner_verdict: learner.meets(&c),
                diffs: g.diffs,
                true_gains: g.true_gains,
                builtin,
                learner,
                builtin_promoted,
                learner_promoted,
            })
        }
        _ => Err(Error::invalid(
            "parts",
            "(grading parts)",
            "a gate grading holds two gates: the built-in and the learner's",
        )),
    }
}

/// Grade a learner's gate file (`should_promote`) beside the built-in gate 2 (AUC with `margin`)
/// on the same rounds: `rounds` candidates no better and `rounds` trained after the world moved
/// by `shift` days (spurious promotions, real improvements turned away); see
/// [`crate::learner::grade_gates`].
#[wasm_bindgen(js_name = gradeLearnerGate)]
pub fn grade_learner_gate(source: &str, params: JsValue) -> Result<JsValue, JsError> {
    let (gp, mut builtin) = gate_params(params)?;
    graded(
        gate_part(source, &gp, &mut builtin, Part::WHOLE)
            .and_then(|part| gate_result(&gp, &[part])),
    )
}

/// Part `index` of `of` (1 or 2) of [`grade_learner_gate`]'s rounds: the no-better rounds, then
/// the better ones ([`crate::learner::Part`]); merged by [`merge_learner_gate`].
#[wasm_bindgen(js_name = gradeLearnerGatePart)]
pub fn grade_learner_gate_part(
    source: &str,
    params: JsValue,
    index: f64,
    of: f64,
) -> Result<JsValue, JsError> {
    let (gp, mut builtin) = gate_params(params)?;
    let part = part_of(index, of)?;
    graded(gate_part(source, &gp, &mut builtin, part).map(|part| PartOut { part }))
}

/// Merge the results of [`grade_learner_gate_part`] (in part order, for the same `params`) into
/// [`grade_learner_gate`]'s result, as [`merge_learner_trigger`] does.
#[wasm_bindgen(js_name = mergeLearnerGate)]
pub fn merge_learner_gate(params: JsValue, results: JsValue) -> Result<JsValue, JsError> {
    let (gp, _) = gate_params(params)?;
    let results: Vec<PartResult<GatePart>> = from_js("mergeLearnerGate results", results)?;
    match in_order(results)? {
        Err(error) => to_js(&Graded::<()>::Failed { ok: false, error }),
        Ok(parts) => graded(gate_result(&gp, &parts)),
    }
}

#[derive(Serialize)]
struct YearResult<'a> {
    builtin: &'a Timeline,
    learner: &'a Timeline,
}

thread_local! {
    /// The built-in year of the last `learnerYear` call's parameters: running the year again
    /// after an edit of the learner's code runs the learner's year only.
    static BUILTIN_YEAR: std::cell::RefCell<crate::learner::BuiltinYear> =
        std::cell::RefCell::default();
}

/// `params` as JSON: an object (`what` says what it needs), every number finite.
fn year_json(params: JsValue, what: &str, needs: &str) -> Result<serde_json::Value, JsError> {
    if params.is_undefined() || params.is_null() {
        return Err(jserr(format!("{what} needs {needs}")));
    }
    reject_non_finite(&format!("{what} params"), &params, 0)?;
    serde_wasm_bindgen::from_value(params).map_err(|e| jserr(format!("invalid {what} params: {e}")))
}

/// Run the built-in year of `params` (`learnerYear`'s, without the learner's `trigger` and
/// `gate`) ahead of a learner's run and keep it ([`crate::learner::BuiltinYear`]): the page calls
/// it in the background when the editor opens and when the year's parameters change, so that the
/// first `learnerYear` with these parameters runs the learner's year only. Returns nothing; the
/// year is the same, bit for bit, as the one `learnerYear` would run. Bad parameters throw (the
/// page ignores them here: the learner's run reports them).
#[wasm_bindgen(js_name = warmBuiltinYear)]
pub fn warm_builtin_year(params: JsValue) -> Result<(), JsError> {
    let json = year_json(params, "warmBuiltinYear", "{...runLoop params}")?;
    if let Some(key) = ["trigger", "gate"]
        .into_iter()
        .find(|k| json.get(k).is_some())
    {
        return Err(jserr(format!(
            "invalid warmBuiltinYear params: `{key}` is the learner's code, which the built-in year does not run (pass it to learnerYear)"
        )));
    }
    let p = super::run_loop::loop_params(json, "warmBuiltinYear params")?;
    BUILTIN_YEAR
        .with(|b| b.borrow_mut().of(&p).map(drop))
        .map_err(js_err)
}

/// The loop with the learner's gates beside the built-in run: `params` is `runLoop`'s, plus
/// `trigger` and/or `gate` (the learner's sources; at least one). Both runs have the same
/// parameters and seed; in the learner's, their files decide gate 1 and/or gate 2
/// ([`crate::orchestrator::run_with_learners`]). The built-in run of the last parameters is kept
/// ([`crate::learner::BuiltinYear`], filled ahead by [`warm_builtin_year`] too): a second call
/// with the same parameters runs the learner's year only.
#[wasm_bindgen(js_name = learnerYear)]
pub fn learner_year(params: JsValue) -> Result<JsValue, JsError> {
    let mut json = year_json(
        params,
        "learnerYear",
        "{trigger and/or gate, ...runLoop params}",
    )?;
    let mut take = |key: &str| -> Result<Option<String>, JsError> {
        match json.as_object_mut().and_then(|o| o.remove(key)) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(jserr(format!(
                "invalid {key}: expected the Python source as a string"
            ))),
        }
    };
    let trigger = take("trigger")?;
    let gate = take("gate")?;
    if trigger.is_none() && gate.is_none() {
        return Err(jserr(
            "learnerYear needs a trigger or a gate source (or both)",
        ));
    }
    let p = super::run_loop::loop_params(json, "learnerYear params")?;
    let seed = u128::from(p.seed);
    let years = (|| {
        let mut t = trigger
            .as_deref()
            .map(|s| program(Entry::Trigger, s, seed))
            .transpose()?;
        let mut g = gate
            .as_deref()
            .map(|s| program(Entry::Gate, s, seed))
            .transpose()?;
        let builtin = BUILTIN_YEAR.with(|b| b.borrow_mut().of(&p))?;
        let reg = block_on(Registry::open(MemStore::new()))?;
        let learners = Learners {
            trigger: t.as_mut().map(|x| x as &mut dyn LearnerTrigger),
            gate: g.as_mut().map(|x| x as &mut dyn LearnerGate),
        };
        let learner = block_on(run_with_learners(&p, &reg, learners))?;
        Ok((builtin, learner))
    })();
    match years {
        Ok((builtin, learner)) => graded(Ok(YearResult {
            builtin: &builtin,
            learner: &learner,
        })),
        Err(e) => graded::<YearResult<'_>>(Err(e)),
    }
}
