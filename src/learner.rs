//! The learner's gates: the loop's two decisions as traits, so code the learner wrote can stand
//! in for the built-in gates of [`crate::gates`].
//!
//! Exercise 2 asks for a check that compares live inputs with the training reference and says
//! whether to retrain ([`LearnerTrigger`]); exercise 3 for a rule that scores the current model and
//! a candidate on the same recent labelled rows and says whether to promote ([`LearnerGate`]).
//! The experiments ([`crate::experiments::trigger_trials`], [`crate::experiments::gate_trials`])
//! and the loop ([`crate::orchestrator`]) call them where they would call the built-in gate; the
//! Python sandbox (`crate::python`, cargo feature `python`) implements them for a learner's file.
//!
//! Every call carries a `check` number (the trial, round or week): code that draws random numbers
//! seeds them from the run's seed and this number, so a run gives the same verdicts whatever the
//! order or the chunking of its calls.

use crate::monitor::Columns;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// A learner's decision: the verdict and, when given, the reason in the learner's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Retrain / promote (true) or not (false).
    pub decision: bool,
    /// The reason the learner's code returned with the verdict, if any.
    pub reason: Option<String>,
}

/// Gate 1 written by a learner: `should_retrain(reference, live)`.
pub trait LearnerTrigger {
    /// Decide from the three feature columns of the reference and of the live sample
    /// ([`crate::data::FEATURES`] order). `check` numbers the call (trial or week).
    ///
    /// # Errors
    /// [`crate::Error::Program`] when the learner's code fails or breaks the contract.
    fn should_retrain(
        &mut self,
        reference: &Columns,
        live: &Columns,
        check: u64,
    ) -> Result<Verdict>;
}

/// Gate 2 written by a learner: `should_promote(y_true, current_scores, candidate_scores)`.
pub trait LearnerGate {
    /// Decide from the labels of the recent rows and both models' churn probabilities on them.
    /// `check` numbers the call (round or week).
    ///
    /// # Errors
    /// [`crate::Error::Program`] when the learner's code fails or breaks the contract.
    fn should_promote(
        &mut self,
        y_true: &[i64],
        current_scores: &[f64],
        candidate_scores: &[f64],
        check: u64,
    ) -> Result<Verdict>;
}

/// What went wrong in a learner's program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramErrorKind {
    /// The file does not parse (or uses Python the sandbox does not implement).
    Syntax,
    /// The code raised an exception.
    Exception,
    /// The code ran past a limit (time, memory, recursion, host calls) and was stopped.
    Limit,
    /// The code ran but broke the contract (no such function, a wrong return type).
    Contract,
}

/// A learner's program failed: the kind, a one-line message, the Python traceback and the line
/// of the learner's file to mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", if traceback.is_empty() { message } else { traceback })]
pub struct ProgramError {
    /// What kind of failure.
    pub kind: ProgramErrorKind,
    /// One line: `ZeroDivisionError: division by zero`, `should_retrain returned int 1; …`.
    pub message: String,
    /// The traceback as CPython prints it (empty when there is none).
    pub traceback: String,
    /// The 1-based line of the learner's file the failure points at, when known.
    pub line: Option<u32>,
    /// The file: `trigger.py` or `gate.py`.
    pub file: String,
}

/// The built-in gate 1 through the same door: KS on each feature (scipy `ks_2samp`), combined
/// by the gate's correction at its alpha ([`crate::gates::RetrainGate::decide`]).
impl LearnerTrigger for crate::gates::RetrainGate {
    fn should_retrain(
        &mut self,
        reference: &Columns,
        live: &Columns,
        _check: u64,
    ) -> Result<Verdict> {
        let mut tests = Vec::with_capacity(3);
        for ((name, a), b) in crate::data::FEATURES.iter().zip(reference).zip(live) {
            let r = crate::stats::ks::ks_2samp(a, b, crate::stats::ks::KsMethod::Auto)?;
            tests.push(crate::gates::FeatureTest {
                feature: (*name).to_string(),
                pvalue: r.pvalue,
                statistic: r.statistic,
            });
        }
        let d = self.decide(&tests)?;
        Ok(Verdict {
            decision: d.decision,
            reason: Some(d.reason),
        })
    }
}

/// The built-in gate 2 through the same door: both models' ROC AUC on the same rows, promote
/// when the candidate's is at least the current model's plus the margin
/// ([`crate::gates::PromotionGate::decide_scores`], [`crate::gates::promotes`]).
impl LearnerGate for crate::gates::PromotionGate {
    fn should_promote(
        &mut self,
        y_true: &[i64],
        current_scores: &[f64],
        candidate_scores: &[f64],
        _check: u64,
    ) -> Result<Verdict> {
        let a = crate::metrics::roc_auc(y_true, current_scores)?;
        let b = crate::metrics::roc_auc(y_true, candidate_scores)?;
        let d = self.decide_scores(a, b, "recent rows")?;
        Ok(Verdict {
            decision: d.decision,
            reason: Some(d.reason),
        })
    }
}

// ------------------------------------------------------------------ grading (exercises 2 and 3)

use crate::exercises::{GateChallenge, TriggerChallenge};
use crate::stats::interval::{proportion, Proportion};

/// A count of events among trials and its rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Count {
    /// Events (alarms, detections, promotions, ...).
    pub count: usize,
    /// Trials.
    pub total: usize,
    /// `count / total` (0 when there were no trials).
    pub rate: f64,
}

impl Count {
    fn of(count: usize, total: usize) -> Self {
        Count {
            count,
            total,
            rate: if total == 0 {
                0.0
            } else {
                count as f64 / total as f64
            },
        }
    }
}

/// Parameters of [`grade_triggers`]: the trials of exercise 2's false-alarm and detection checks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TriggerGradeParams {
    /// Rows in each reference and live sample.
    pub n: usize,
    /// Base seed of the trials (also seeds the learner's `resample`).
    pub seed: u128,
    /// No-drift checks (false alarms).
    pub null_trials: usize,
    /// The drift of the drifted checks.
    pub drift: crate::data::Drift,
    /// Drifted checks (detections, weeks to detect).
    pub drift_trials: usize,
}

/// How one trigger did in [`grade_triggers`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerGrade {
    /// No-drift checks on which it fired, with the 95 % interval of the rate
    /// ([`crate::stats::interval`]).
    pub false_alarms: Proportion,
    /// Drifted checks on which it fired at the first check, with its interval.
    pub detections: Proportion,
    /// Per drifted trial, the weekly check (1-based) it first fired on, or `None` when it had not
    /// fired after [`crate::experiments::MAX_WEEKS_TO_DETECT`] checks.
    pub weeks_to_detect: Vec<Option<u32>>,
    /// `caught_by[w]`: drifted trials caught within `w + 1` weekly checks.
    pub caught_by: Vec<usize>,
    /// Mean weeks to detect over the trials it caught (`None` when it caught none).
    pub mean_weeks: Option<f64>,
    /// The reason it gave on the first no-drift check, and on the first drifted check.
    pub reasons: [Option<String>; 2],
}

/// Which share of a grading one call runs: the whole (`of` = 1), or part `index` of two (`of` =
/// 2), run side by side (the page's two sandbox workers) and merged in order by
/// [`merge_trigger_parts`] / [`merge_gate_parts`] into exactly the whole's grades.
///
/// Why a split changes nothing: every check is seeded by its own number (the samples by the
/// trial, the learner's `resample` by the check), and a learner's program starts afresh on every
/// call, so a check gives the same verdict wherever it runs. The first part holds the checks a
/// one-call grading runs first, so the first error in part order is the one-call grading's first
/// error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// Which part, from 0.
    pub index: usize,
    /// Of how many parts: 1 (the whole) or 2.
    pub of: usize,
}

impl Part {
    /// The whole grading in one call.
    pub const WHOLE: Part = Part { index: 0, of: 1 };

    /// Part `index` of `of`.
    ///
    /// # Errors
    /// [`Error::Invalid`] unless `of` is 1 or 2 and `index < of`.
    pub fn new(index: usize, of: usize) -> Result<Part> {
        if !(1..=2).contains(&of) {
            return Err(Error::invalid(
                "of",
                of,
                "a grading splits into 1 or 2 parts",
            ));
        }
        if index >= of {
            return Err(Error::invalid(
                "index",
                index,
                format!("part index must be below {of}"),
            ));
        }
        Ok(Part { index, of })
    }
}

/// The checks of one part of a trigger grading: the no-drift trials `null` and the drifted
/// trials `drift` ([`trigger_ranges`]).
fn trigger_ranges(
    p: &TriggerGradeParams,
    part: Part,
) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    let (n, d) = (p.null_trials, p.drift_trials);
    match (part.of, part.index) {
        (1, _) => (0..n, 0..d),
        // Two parts of about the same number of first checks: the first runs the leading
        // no-drift trials, the second the rest of them and every drifted trial (a drifted trial
        // may take up to MAX_WEEKS_TO_DETECT checks, so the second part is the longer one when
        // a trigger is slow to fire).
        (_, i) => {
            let h = n.min((n + d) / 2);
            if i == 0 {
                (0..h, 0..0)
            } else {
                (h..n, 0..d)
            }
        }
    }
}

/// One part of a trigger grading ([`grade_triggers_part`]): per trigger, its record over the
/// part's no-drift trials and over its drifted trials (no records for an empty range).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerPart {
    /// Which part.
    pub part: Part,
    /// Index of the part's first no-drift trial.
    pub null_start: usize,
    /// Per trigger, its record over the part's no-drift trials.
    pub null: Vec<crate::experiments::TriggerRecord>,
    /// Index of the part's first drifted trial.
    pub drift_start: usize,
    /// Per trigger, its record over the part's drifted trials.
    pub drift: Vec<crate::experiments::TriggerRecord>,
}

/// Run part `part` of [`grade_triggers`]'s checks.
///
/// # Errors
/// [`Error::Invalid`] for no checks of either kind; as [`crate::experiments::trigger_trials`];
/// a learner's first error stops the part.
pub fn grade_triggers_part(
    p: &TriggerGradeParams,
    part: Part,
    triggers: &mut [&mut dyn LearnerTrigger],
) -> Result<TriggerPart> {
    use crate::experiments::{trigger_trials, zero_like, DriftTrialsParams};
    let part = Part::new(part.index, part.of)?;
    check_checks(p)?;
    let (null, drift) = trigger_ranges(p, part);
    let mut run = |drift, range: std::ops::Range<usize>| {
        if range.is_empty() {
            return Ok(Vec::new());
        }
        trigger_trials(
            &DriftTrialsParams {
                n: p.n,
                drift,
                trials: range.len(),
                start: range.start,
                seed: p.seed,
                // The trials' alpha and correction are the built-in drift_trials' defaults; a
                // trigger brings its own.
                ..DriftTrialsParams::default()
            },
            triggers,
        )
    };
    let null_records = run(zero_like(p.drift), null.clone())?;
    let drift_records = run(p.drift, drift.clone())?;
    Ok(TriggerPart {
        part,
        null_start: null.start,
        null: null_records,
        drift_start: drift.start,
        drift: drift_records,
    })
}

/// Both kinds of checks present (a grading without one says nothing of it).
fn check_checks(p: &TriggerGradeParams) -> Result<()> {
    for (field, v) in [
        ("null_trials", p.null_trials),
        ("drift_trials", p.drift_trials),
    ] {
        if v == 0 {
            return Err(Error::invalid(
                field,
                v,
                "a grading needs at least one check of each kind",
            ));
        }
    }
    Ok(())
}

/// One trigger's counts over the parts merged so far.
#[derive(Clone, Default)]
struct Tally {
    null_alarms: usize,
    drift_alarms: usize,
    weeks_to_detect: Vec<Option<u32>>,
    /// The reason on the first no-drift check, and on the first drifted check.
    reasons: [Option<String>; 2],
}

/// A part that does not belong where it was given.
fn bad_part(why: impl Into<String>) -> Error {
    Error::invalid("parts", "(grading parts)", why)
}

/// Merge the parts of a trigger grading, in order, into one grade per trigger: what
/// [`grade_triggers`] gives for the whole. Every part is checked against the ranges `p` gives it.
///
/// # Errors
/// [`Error::Invalid`] naming `parts` when they are not the parts of `p`'s grading in order, or
/// disagree on the number of triggers or on their counts.
pub fn merge_trigger_parts(
    p: &TriggerGradeParams,
    parts: &[TriggerPart],
) -> Result<Vec<TriggerGrade>> {
    use crate::experiments::{TriggerRecord, MAX_WEEKS_TO_DETECT};
    check_checks(p)?;
    let of = parts.len();
    let k = parts
        .iter()
        .flat_map(|t| [&t.null, &t.drift])
        .map(Vec::len)
        .find(|&k| k > 0)
        .ok_or_else(|| bad_part("no part holds a record"))?;
    let mut acc = vec![Tally::default(); k];
    for (i, t) in parts.iter().enumerate() {
        if t.part != Part::new(i, of).map_err(|e| bad_part(e.to_string()))? {
            return Err(bad_part(format!("part {i} of {of} is marked {:?}", t.part)));
        }
        let (null, drift) = trigger_ranges(p, t.part);
        let segment = |records: &Vec<TriggerRecord>,
                       start: usize,
                       range: &std::ops::Range<usize>,
                       drifted: bool| {
            let want = if range.is_empty() { 0 } else { k };
            let fits = records.len() == want
                && (range.is_empty() || start == range.start)
                && records.iter().all(|r| {
                    r.trials == range.len()
                        && r.alarms <= r.trials
                        && r.weeks_to_detect.len() == if drifted { r.trials } else { 0 }
                        && r.weeks_to_detect
                            .iter()
                            .flatten()
                            .all(|&w| (1..=MAX_WEEKS_TO_DETECT).contains(&w))
                });
            if fits {
                Ok(())
            } else {
                Err(bad_part(format!(
                    "part {i}'s {} checks are not trials {}..{} of {k} triggers",
                    if drifted { "drifted" } else { "no-drift" },
                    range.start,
                    range.end
                )))
            }
        };
        segment(&t.null, t.null_start, &null, false)?;
        segment(&t.drift, t.drift_start, &drift, true)?;
        for (a, r) in acc.iter_mut().zip(&t.null) {
            a.null_alarms += r.alarms;
            if null.start == 0 {
                a.reasons[0] = r.first_reason.clone();
            }
        }
        for (a, r) in acc.iter_mut().zip(&t.drift) {
            a.drift_alarms += r.alarms;
            a.weeks_to_detect.extend_from_slice(&r.weeks_to_detect);
            if drift.start == 0 {
                a.reasons[1] = r.first_reason.clone();
            }
        }
    }
    // Every check covered once: the parts' ranges tile 0..null_trials and 0..drift_trials.
    let covered = |f: fn(&(std::ops::Range<usize>, std::ops::Range<usize>)) -> usize| {
        (0..of)
            .map(|i| f(&trigger_ranges(p, Part { index: i, of })))
            .sum::<usize>()
    };
    if of == 0
        || covered(|r| r.0.len()) != p.null_trials
        || covered(|r| r.1.len()) != p.drift_trials
    {
        return Err(bad_part(format!("{of} parts do not cover the grading")));
    }
    acc.into_iter()
        .map(|a| {
            let Tally {
                null_alarms,
                drift_alarms,
                weeks_to_detect,
                reasons,
            } = a;
            let caught: Vec<u32> = weeks_to_detect.iter().flatten().copied().collect();
            let caught_by = (1..=MAX_WEEKS_TO_DETECT)
                .map(|w| caught.iter().filter(|&&x| x <= w).count())
                .collect();
            let mean_weeks = (!caught.is_empty())
                .then(|| caught.iter().map(|&w| f64::from(w)).sum::<f64>() / caught.len() as f64);
            Ok(TriggerGrade {
                false_alarms: proportion(null_alarms, p.null_trials)?,
                detections: proportion(drift_alarms, p.drift_trials)?,
                weeks_to_detect,
                caught_by,
                mean_weeks,
                reasons,
            })
        })
        .collect()
}

/// Grade each of `triggers` (the built-in gate 1, a learner's file, ...) on the same trials of
/// [`crate::experiments::trigger_trials`]: `null_trials` checks without drift (every alarm is
/// false) and `drift_trials` checks with `drift` (detections, and the weeks a trigger needs,
/// followed up to [`crate::experiments::MAX_WEEKS_TO_DETECT`] weekly checks). The whole in one
/// call: [`grade_triggers_part`] of [`Part::WHOLE`], merged.
///
/// # Errors
/// As [`crate::experiments::trigger_trials`]; a learner's first error stops the grading.
pub fn grade_triggers(
    p: &TriggerGradeParams,
    triggers: &mut [&mut dyn LearnerTrigger],
) -> Result<Vec<TriggerGrade>> {
    let whole = grade_triggers_part(p, Part::WHOLE, triggers)?;
    merge_trigger_parts(p, &[whole])
}

/// Parameters of [`grade_gates`]: exercise 3's rounds of candidates no better and truly better.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateGradeParams {
    /// Rounds of each kind.
    pub rounds: usize,
    /// Rows of each training and evaluation sample.
    pub rows: usize,
    /// Base seed (also seeds the learner's `resample`).
    pub seed: u128,
    /// Days the world moved before the "better" candidates were trained.
    pub shift: i64,
}

/// How one gate did in [`grade_gates`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateGrade {
    /// Candidates of the no-better rounds it promoted, with the 95 % interval of the rate.
    pub promoted_no_better: Proportion,
    /// Candidates of the better rounds it promoted, with its interval.
    pub promoted_better: Proportion,
    /// Promotions (both kinds of rounds) of a candidate whose true gain is not positive.
    pub spurious: Count,
    /// Candidates with a positive true gain (both kinds) it kept out.
    pub turned_away: Count,
    /// The reason it gave in the first no-better round, and in the first better one.
    pub reasons: [Option<String>; 2],
}

/// What [`grade_gates`] observed: the rounds' evidence, and one grade per gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateGrades {
    /// Per round (no-better rounds, then better ones), candidate AUC minus current AUC on the
    /// recent rows (what a gate sees).
    pub diffs: Vec<f64>,
    /// Per round, the true gain (on [`crate::experiments::TRUE_GAIN_ROWS`] fresh rows).
    pub true_gains: Vec<f64>,
    /// Per gate, per round, its verdict.
    pub promoted: Vec<Vec<bool>>,
    /// One grade per gate, in the order given.
    pub gates: Vec<GateGrade>,
}

/// One part of a gate grading ([`grade_gates_part`]): the rounds with a candidate no better
/// (`shift` 0), the rounds after the world moved, or both (the whole).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GatePart {
    /// Which part.
    pub part: Part,
    /// The no-better rounds, when this part ran them.
    pub no_better: Option<crate::experiments::GateTrials>,
    /// The better rounds, when this part ran them.
    pub better: Option<crate::experiments::GateTrials>,
}

/// Which kinds of rounds part `part` of a gate grading runs: both for the whole; the no-better
/// rounds in the first of two parts, the better ones in the second (the same work each: every
/// round trains a candidate).
fn gate_kinds(part: Part) -> (bool, bool) {
    match (part.of, part.index) {
        (1, _) => (true, true),
        (_, 0) => (true, false),
        _ => (false, true),
    }
}

/// Run part `part` of [`grade_gates`]' rounds.
///
/// # Errors
/// As [`crate::experiments::gate_trials`]; a learner's first error stops the part.
pub fn grade_gates_part(
    p: &GateGradeParams,
    part: Part,
    gates: &mut [&mut dyn LearnerGate],
) -> Result<GatePart> {
    use crate::experiments::{gate_trials, PromotionTrialsParams};
    let part = Part::new(part.index, part.of)?;
    let rounds = |shift| PromotionTrialsParams {
        rounds: p.rounds,
        start: 0,
        rows: p.rows,
        margin: 0.0,
        same_data: true,
        seed: p.seed,
        shift,
    };
    let (no_better, better) = gate_kinds(part);
    let no_better = if no_better {
        Some(gate_trials(&rounds(0), gates)?)
    } else {
        None
    };
    let better = if better {
        Some(gate_trials(&rounds(p.shift), gates)?)
    } else {
        None
    };
    Ok(GatePart {
        part,
        no_better,
        better,
    })
}

/// Merge the parts of a gate grading, in order, into what [`grade_gates`] gives for the whole.
///
/// # Errors
/// [`Error::Invalid`] naming `parts` when they are not the parts of `p`'s grading in order, or
/// disagree on the number of gates or rounds.
pub fn merge_gate_parts(p: &GateGradeParams, parts: &[GatePart]) -> Result<GateGrades> {
    let of = parts.len();
    let (mut a, mut b) = (None, None);
    for (i, t) in parts.iter().enumerate() {
        if t.part != Part::new(i, of).map_err(|e| bad_part(e.to_string()))? {
            return Err(bad_part(format!("part {i} of {of} is marked {:?}", t.part)));
        }
        let (want_a, want_b) = gate_kinds(t.part);
        if t.no_better.is_some() != want_a || t.better.is_some() != want_b {
            return Err(bad_part(format!("part {i} of {of} holds the wrong rounds")));
        }
        a = a.or(t.no_better.as_ref());
        b = b.or(t.better.as_ref());
    }
    let (Some(a), Some(b)) = (a, b) else {
        return Err(bad_part(format!("{of} parts do not cover the grading")));
    };
    let sound = |g: &crate::experiments::GateTrials| {
        g.rounds == p.rounds
            && g.diffs.len() == g.rounds
            && g.true_gains.len() == g.rounds
            && g.better <= g.rounds
            && g.gates.len() == a.gates.len()
            && g.gates.iter().all(|r| {
                r.rounds == g.rounds
                    && r.promoted.len() == g.rounds
                    && r.promotions == r.promoted.iter().filter(|&&x| x).count()
                    && r.spurious <= r.rounds
                    && r.turned_away <= r.rounds
            })
    };
    if !sound(a) || !sound(b) || a.gates.is_empty() {
        return Err(bad_part(format!(
            "the parts are not {} rounds of each kind for the same gates",
            p.rounds
        )));
    }
    let total = a.rounds + b.rounds;
    let better = a.better + b.better;
    let mut out = GateGrades {
        diffs: a.diffs.iter().chain(&b.diffs).copied().collect(),
        true_gains: a.true_gains.iter().chain(&b.true_gains).copied().collect(),
        promoted: Vec::with_capacity(a.gates.len()),
        gates: Vec::with_capacity(a.gates.len()),
    };
    for (ra, rb) in a.gates.iter().zip(&b.gates) {
        out.gates.push(GateGrade {
            promoted_no_better: proportion(ra.promotions, ra.rounds)?,
            promoted_better: proportion(rb.promotions, rb.rounds)?,
            spurious: Count::of(ra.spurious + rb.spurious, total - better),
            turned_away: Count::of(ra.turned_away + rb.turned_away, better),
            reasons: [ra.first_reason.clone(), rb.first_reason.clone()],
        });
        out.promoted
            .push(ra.promoted.iter().chain(&rb.promoted).copied().collect());
    }
    Ok(out)
}

/// Grade each of `gates` (the built-in gate 2, a learner's file, ...) on the rounds of
/// [`crate::experiments::gate_trials`]: `rounds` with a candidate no better (`shift` 0) and
/// `rounds` with a candidate trained after the world moved by `shift` days. Spurious promotions
/// and improvements turned away are judged by each round's measured true gain. The whole in one
/// call: [`grade_gates_part`] of [`Part::WHOLE`], merged.
///
/// # Errors
/// As [`crate::experiments::gate_trials`]; a learner's first error stops the grading.
pub fn grade_gates(p: &GateGradeParams, gates: &mut [&mut dyn LearnerGate]) -> Result<GateGrades> {
    let whole = grade_gates_part(p, Part::WHOLE, gates)?;
    merge_gate_parts(p, &[whole])
}

// ------------------------------------------------------------------ the year beside the built-in

/// The built-in year a learner's year is shown beside ([`crate::orchestrator::run`]), kept for the
/// last parameters it was asked for.
///
/// A learner runs a year with their code, edits the code and runs the year again: the parameters
/// have not changed, and the built-in run is a function of its parameters, so it is run once and
/// the same timeline is shown beside each learner's run. The parameters are compared as their
/// JSON, so two parameter sets that print differently (`0.0` and `-0.0`) are never taken for
/// the same.
#[derive(Debug, Default)]
pub struct BuiltinYear {
    last: Option<(String, std::rc::Rc<crate::orchestrator::Timeline>)>,
}

impl BuiltinYear {
    /// The built-in run of `p`: the kept timeline when `p` are the parameters of the last call,
    /// else a new run (kept in its place).
    ///
    /// # Errors
    /// As [`crate::orchestrator::run`] (nothing is kept then).
    pub fn of(
        &mut self,
        p: &crate::orchestrator::LoopParams,
    ) -> Result<std::rc::Rc<crate::orchestrator::Timeline>> {
        let key = serde_json::to_string(p)
            .map_err(|e| crate::Error::Unsupported(format!("loop parameters as JSON: {e}")))?;
        if let Some((k, t)) = &self.last {
            if *k == key {
                return Ok(std::rc::Rc::clone(t));
            }
        }
        let t = std::rc::Rc::new(crate::orchestrator::run(p)?);
        self.last = Some((key, std::rc::Rc::clone(&t)));
        Ok(t)
    }
}

/// A learner's trigger against exercise 2's challenge.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TriggerVerdict {
    /// The false-alarm rate is within the goal.
    pub false_alarms_ok: bool,
    /// Share of the drifted trials caught within the challenge's weeks, *measured* by following
    /// each trial week by week (a learner's trigger need not fire independently from week to
    /// week, so the built-in grade's `1 − (1 − p)^weeks` would not hold for it).
    pub caught_within_weeks: f64,
    /// Within the goal.
    pub caught_ok: bool,
    /// Both goals met.
    pub pass: bool,
}

impl TriggerGrade {
    /// This grade against `c`'s goals (`c`'s trials are the ones the grade must have run).
    pub fn meets(&self, c: &TriggerChallenge) -> TriggerVerdict {
        let weeks = (c.weeks as usize).clamp(1, self.caught_by.len().max(1));
        let caught = self.caught_by.get(weeks - 1).copied().unwrap_or(0);
        let within = if self.detections.total == 0 {
            0.0
        } else {
            caught as f64 / self.detections.total as f64
        };
        let false_alarms_ok = self.false_alarms.rate <= c.max_false_rate;
        let caught_ok = within >= c.catch_probability;
        TriggerVerdict {
            false_alarms_ok,
            caught_within_weeks: within,
            caught_ok,
            pass: false_alarms_ok && caught_ok,
        }
    }
}

/// A learner's gate against exercise 3's challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GateVerdict {
    /// No-better candidates promoted within the goal.
    pub spurious_ok: bool,
    /// Better candidates promoted at least as the goal asks.
    pub real_ok: bool,
    /// Both goals met.
    pub pass: bool,
}

impl GateGrade {
    /// This grade against `c`'s goals.
    pub fn meets(&self, c: &GateChallenge) -> GateVerdict {
        let spurious_ok = self.promoted_no_better.rate <= c.max_spurious;
        let real_ok = self.promoted_better.rate >= c.min_real;
        GateVerdict {
            spurious_ok,
            real_ok,
            pass: spurious_ok && real_ok,
        }
    }
}
