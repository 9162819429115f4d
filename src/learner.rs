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
