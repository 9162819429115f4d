//! The canary rollout, after Argo Rollouts: a plan of weight steps, the analysis of each step
//! (canary against stable, each on its own labelled outcomes: successful, failed or
//! inconclusive) and what the service does with it.

use super::Deployed;
use crate::metrics::roc_auc;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// A canary rollout plan: weight steps, the labels an analysis needs, the tolerated loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryPlan {
    /// Canary traffic per step in percent, strictly increasing, ending at 100 (promotion).
    pub steps: Vec<u8>,
    /// Labelled outcomes each group needs before a step can be judged (fewer: Inconclusive).
    pub min_labels: usize,
    /// The step fails when the canary's AUC is below the stable's by more than this.
    pub tolerance: f64,
}

impl Default for CanaryPlan {
    /// Steps 10 → 50 → 100 %, 200 labels per group, tolerance 0.05 AUC (the standard error of
    /// the difference of two AUCs on 200 and 1800 rows is about 0.04).
    fn default() -> Self {
        CanaryPlan {
            steps: vec![10, 50, 100],
            min_labels: 200,
            tolerance: 0.05,
        }
    }
}

impl CanaryPlan {
    /// Check the plan.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `steps` (empty, not strictly increasing, a step of 0, not ending
    /// at 100), `min_labels` (0 or above 10^6) or `tolerance` (outside [0, 1]).
    pub fn check(&self) -> Result<()> {
        let text = format!("{:?}", self.steps);
        if self.steps.last() != Some(&100)
            || self.steps.first() == Some(&0)
            || self.steps.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(Error::invalid(
                "steps",
                text,
                "expected strictly increasing percentages in 1..=100 ending at 100",
            ));
        }
        if self.min_labels == 0 || self.min_labels > 1_000_000 {
            return Err(Error::invalid(
                "min_labels",
                self.min_labels,
                "expected 1..=1000000",
            ));
        }
        if !(0.0..=1.0).contains(&self.tolerance) {
            return Err(Error::invalid(
                "tolerance",
                self.tolerance,
                "expected a number in [0, 1]",
            ));
        }
        Ok(())
    }
}

/// Where a canary rollout stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CanaryStatus {
    /// Serving its step's weight, waiting for the step's analysis.
    Running,
    /// The last analysis was inconclusive: still at the same weight, waiting for labels.
    Paused,
}

/// A canary in progress.
#[derive(Debug, Clone)]
pub struct CanaryState {
    /// The candidate under rollout.
    pub deployed: Deployed,
    /// The plan it follows.
    pub plan: CanaryPlan,
    /// Index of the current step in `plan.steps`.
    pub step: usize,
    /// Current canary traffic in percent.
    pub weight: u8,
    /// Running or paused.
    pub status: CanaryStatus,
}

/// Result of one step's analysis (Argo Rollouts' `AnalysisRun` phases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnalysisOutcome {
    /// The canary is not worse than stable beyond the tolerance: go to the next step.
    Successful,
    /// The canary is worse beyond the tolerance: abort.
    Failed,
    /// Too few labelled outcomes (or one class only) to judge: pause.
    Inconclusive,
}

/// One step's analysis of canary vs stable on labelled outcomes, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanaryAnalysis {
    /// The verdict.
    pub outcome: AnalysisOutcome,
    /// AUC of the stable group's predictions on its labelled outcomes, if computable.
    pub auc_stable: Option<f64>,
    /// AUC of the canary group's predictions on its labelled outcomes, if computable.
    pub auc_canary: Option<f64>,
    /// Labelled outcomes of the stable group.
    pub n_stable: usize,
    /// Labelled outcomes of the canary group.
    pub n_canary: usize,
    /// The verdict in words.
    pub reason: String,
}

/// Judge a canary step: each group's AUC on its own labelled outcomes (`labels`, the
/// probabilities it was served).
///
/// ```
/// use mlops_loop::serving::{analyze_canary, AnalysisOutcome, CanaryPlan};
/// let plan = CanaryPlan { steps: vec![10, 100], min_labels: 4, tolerance: 0.05 };
/// let y = [0, 0, 1, 1];
/// let good = [0.1, 0.2, 0.8, 0.9];
/// let bad = [0.9, 0.8, 0.2, 0.1];
/// assert_eq!(analyze_canary(&y, &good, &y, &bad, &plan)?.outcome, AnalysisOutcome::Failed);
/// assert_eq!(analyze_canary(&y, &good, &y, &good, &plan)?.outcome, AnalysisOutcome::Successful);
/// assert_eq!(analyze_canary(&y, &good, &y[..2], &good[..2], &plan)?.outcome,
///            AnalysisOutcome::Inconclusive);
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// [`Error::Invalid`] for a bad plan, label/score slices of different lengths, labels other
/// than 0/1 or non-finite scores.
pub fn analyze_canary(
    stable_labels: &[i64],
    stable_scores: &[f64],
    canary_labels: &[i64],
    canary_scores: &[f64],
    plan: &CanaryPlan,
) -> Result<CanaryAnalysis> {
    plan.check()?;
    let group_auc = |field: &'static str, y: &[i64], s: &[f64]| -> Result<Option<f64>> {
        if y.len() != s.len() {
            return Err(Error::invalid(
                field,
                format!("{} labels, {} scores", y.len(), s.len()),
                "need one score per label",
            ));
        }
        if let Some(v) = y.iter().find(|&&v| v != 0 && v != 1) {
            return Err(Error::invalid(field, v, "labels must be 0 or 1"));
        }
        if let Some(v) = s.iter().find(|v| !v.is_finite()) {
            return Err(Error::invalid(field, v, "scores must be finite"));
        }
        let positives = y.iter().filter(|&&v| v == 1).count();
        if y.is_empty() || positives == 0 || positives == y.len() {
            return Ok(None);
        }
        roc_auc(y, s).map(Some)
    };
    let auc_stable = group_auc("stable", stable_labels, stable_scores)?;
    let auc_canary = group_auc("canary", canary_labels, canary_scores)?;
    let (n_stable, n_canary) = (stable_labels.len(), canary_labels.len());
    let (outcome, reason) = match (auc_stable, auc_canary) {
        (Some(s), Some(c)) if n_stable >= plan.min_labels && n_canary >= plan.min_labels => {
            if c < s - plan.tolerance {
                (
                    AnalysisOutcome::Failed,
                    format!(
                        "canary AUC {c:.4} is below stable {s:.4} by more than {}",
                        plan.tolerance
                    ),
                )
            } else {
                (
                    AnalysisOutcome::Successful,
                    format!(
                        "canary AUC {c:.4} vs stable {s:.4}: within tolerance {}",
                        plan.tolerance
                    ),
                )
            }
        }
        _ => (
            AnalysisOutcome::Inconclusive,
            format!(
                "too few labelled outcomes to judge: stable {n_stable}, canary {n_canary}, \
                 need {} of each with both classes",
                plan.min_labels
            ),
        ),
    };
    Ok(CanaryAnalysis {
        outcome,
        auc_stable,
        auc_canary,
        n_stable,
        n_canary,
        reason,
    })
}

/// What the service did with an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum CanaryAction {
    /// Next step: the canary now gets `weight` percent.
    Advanced {
        /// New canary weight in percent.
        weight: u8,
    },
    /// The last step was reached: the canary is now stable.
    Promoted,
    /// Failed: the canary is removed (weight 0).
    Aborted,
    /// Failed, but aborting is switched off: the canary goes on to the next step anyway.
    IgnoredFailure {
        /// New canary weight in percent.
        weight: u8,
    },
    /// Inconclusive: same weight, wait for labels.
    Paused {
        /// The unchanged weight.
        weight: u8,
    },
}
