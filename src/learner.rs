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
use crate::Result;
use serde::Serialize;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
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

/// Grade each of `triggers` (the built-in gate 1, a learner's file, ...) on the same trials of
/// [`crate::experiments::trigger_trials`]: `null_trials` checks without drift (every alarm is
/// false) and `drift_trials` checks with `drift` (detections, and the weeks a trigger needs,
/// followed up to [`crate::experiments::MAX_WEEKS_TO_DETECT`] weekly checks).
///
/// # Errors
/// As [`crate::experiments::trigger_trials`]; a learner's first error stops the grading.
pub fn grade_triggers(
    p: &TriggerGradeParams,
    triggers: &mut [&mut dyn LearnerTrigger],
) -> Result<Vec<TriggerGrade>> {
    use crate::experiments::{trigger_trials, zero_like, DriftTrialsParams, MAX_WEEKS_TO_DETECT};
    let trials = |drift, trials| DriftTrialsParams {
        n: p.n,
        drift,
        trials,
        seed: p.seed,
        // The trials' alpha and correction are the built-in drift_trials' defaults; a trigger
        // brings its own.
        ..DriftTrialsParams::default()
    };
    let null = trigger_trials(&trials(zero_like(p.drift), p.null_trials), triggers)?;
    let drifted = trigger_trials(&trials(p.drift, p.drift_trials), triggers)?;
    null.into_iter()
        .zip(drifted)
        .map(|(a, b)| {
            let caught: Vec<u32> = b.weeks_to_detect.iter().flatten().copied().collect();
            let caught_by = (1..=MAX_WEEKS_TO_DETECT)
                .map(|w| caught.iter().filter(|&&x| x <= w).count())
                .collect();
            let mean_weeks = (!caught.is_empty())
                .then(|| caught.iter().map(|&w| f64::from(w)).sum::<f64>() / caught.len() as f64);
            Ok(TriggerGrade {
                false_alarms: proportion(a.alarms, a.trials)?,
                detections: proportion(b.alarms, b.trials)?,
                weeks_to_detect: b.weeks_to_detect,
                caught_by,
                mean_weeks,
                reasons: [a.first_reason, b.first_reason],
            })
        })
        .collect()
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

/// Grade each of `gates` (the built-in gate 2, a learner's file, ...) on the rounds of
/// [`crate::experiments::gate_trials`]: `rounds` with a candidate no better (`shift` 0) and
/// `rounds` with a candidate trained after the world moved by `shift` days. Spurious promotions
/// and improvements turned away are judged by each round's measured true gain.
///
/// # Errors
/// As [`crate::experiments::gate_trials`]; a learner's first error stops the grading.
pub fn grade_gates(p: &GateGradeParams, gates: &mut [&mut dyn LearnerGate]) -> Result<GateGrades> {
    use crate::experiments::{gate_trials, PromotionTrialsParams};
    let rounds = |shift| PromotionTrialsParams {
        rounds: p.rounds,
        start: 0,
        rows: p.rows,
        margin: 0.0,
        same_data: true,
        seed: p.seed,
        shift,
    };
    let a = gate_trials(&rounds(0), gates)?;
    let b = gate_trials(&rounds(p.shift), gates)?;
    let total = a.rounds + b.rounds;
    let mut out = GateGrades {
        diffs: a.diffs.iter().chain(&b.diffs).copied().collect(),
        true_gains: a.true_gains.iter().chain(&b.true_gains).copied().collect(),
        promoted: Vec::with_capacity(gates.len()),
        gates: Vec::with_capacity(gates.len()),
    };
    let better = a.better + b.better;
    for (ra, rb) in a.gates.into_iter().zip(b.gates) {
        out.gates.push(GateGrade {
            promoted_no_better: proportion(ra.promotions, ra.rounds)?,
            promoted_better: proportion(rb.promotions, rb.rounds)?,
            spurious: Count::of(ra.spurious + rb.spurious, total - better),
            turned_away: Count::of(ra.turned_away + rb.turned_away, better),
            reasons: [ra.first_reason, rb.first_reason],
        });
        out.promoted
            .push(ra.promoted.into_iter().chain(rb.promoted).collect());
    }
    Ok(out)
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
