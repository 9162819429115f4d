//! What the loop records: one [`WeekRecord`] per week with its drift evidence, canary and
//! [`Decision`]s, and the [`Summary`]: together the [`Timeline`] the page and the CLI present.
//!
//! Written at the end of each week ([`run`](super::run)'s `record`) and summed up after the last.

use super::params::LoopParams;
use crate::registry::{Actor, Evidence};
use crate::serving::CanaryStatus;
use serde::{Deserialize, Serialize};

/// A week's drift evidence in the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftEvidence {
    /// KS p-value per feature (spend, is_recent, days).
    pub pvalues: [f64; 3],
    /// KS statistic per feature.
    pub statistics: [f64; 3],
    /// Gate 1's alarm after the correction.
    pub alarm: bool,
    /// The reference compared with.
    pub reference: String,
}

/// The canary as it served a week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanaryRecord {
    /// Its registry version.
    pub version: u32,
    /// Its label.
    pub label: String,
    /// Its traffic share in percent.
    pub weight: u8,
    /// Running or paused.
    pub status: CanaryStatus,
}

/// What a decision is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Gate 1.
    RetrainGate,
    /// Gate 2.
    PromotionGate,
    /// A canary started.
    CanaryStart,
    /// A canary step's analysis.
    CanaryAnalysis,
    /// A version promoted to production.
    Promotion,
    /// The first labelled week of a new production version vs its predecessor.
    RollbackCheck,
    /// Data validation: a live batch `quarantine`d, or a candidate `refuse`d because its
    /// training weeks failed validation.
    Validation,
}

/// What the simulator knows the other choice would have scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counterfactual {
    /// First and last future week scored.
    pub weeks: [usize; 2],
    /// The choice made (`retrain`, `keep`, `promote`, `reject`).
    pub chosen: String,
    /// AUC over those weeks of the model the chosen branch serves.
    pub chosen_auc: f64,
    /// The other choice.
    pub other: String,
    /// AUC over the same weeks of the model the other branch serves.
    pub other_auc: f64,
}

/// One decision of the loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// What it is about.
    pub kind: DecisionKind,
    /// Who decided.
    pub actor: Actor,
    /// The verdict (`retrain`, `keep`, `wait`, `promote`, `reject`, `advance`, `pause`,
    /// `abort`, `rollback`, `quarantine`, `refuse`, ...).
    pub decision: String,
    /// Why, with the numbers.
    pub reason: String,
    /// The numbers, as the registry stores them.
    pub evidence: Evidence,
    /// The registry version the decision is about, if any.
    pub version: Option<u32>,
    /// What the other choice would have scored (gate decisions only).
    pub counterfactual: Option<Counterfactual>,
}

/// One simulated week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekRecord {
    /// Week number, from 0.
    pub week: usize,
    /// The schedule's drift of `days_since_login` this week.
    pub drift_days: f64,
    /// Whether an upstream fault broke `spend_per_active_day` this week.
    pub broken_feature: bool,
    /// The stable version serving this week.
    pub live_version: u32,
    /// Its label.
    pub live_label: String,
    /// Drift evidence (absent without monitoring or before a reference exists).
    pub drift: Option<DriftEvidence>,
    /// AUC of this week's served predictions, once its labels arrived during the run.
    pub auc: Option<f64>,
    /// The week those labels arrived.
    pub auc_known_week: Option<usize>,
    /// Why a week whose labels arrived has no AUC: `"no AUC: one class"` when its labels are
    /// all of one class (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auc_note: Option<String>,
    /// The canary serving this week, if any.
    pub canary: Option<CanaryRecord>,
    /// Every decision taken this week.
    pub decisions: Vec<Decision>,
}

/// The run in numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Mean of the weekly AUCs known by the end.
    pub mean_auc: f64,
    /// Weeks whose AUC is below `auc_threshold`.
    pub weeks_below: usize,
    /// The threshold.
    pub auc_threshold: f64,
    /// Drift alarms.
    pub alarms: usize,
    /// Alarms in weeks whose data came from the same process as production's training data.
    pub false_alarms: usize,
    /// Candidates trained.
    pub retrains: usize,
    /// Versions promoted to production.
    pub promotions: usize,
    /// Canaries aborted.
    pub canary_aborts: usize,
    /// Rollbacks.
    pub rollbacks: usize,
    /// The production version at the end.
    pub final_version: u32,
    /// Its label.
    pub final_label: String,
    /// Events in the registry's history.
    pub registry_events: u64,
}

/// The loop's record: its parameters, every week, the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// The parameters it ran with.
    pub params: LoopParams,
    /// One record per week.
    pub weeks: Vec<WeekRecord>,
    /// The totals.
    pub summary: Summary,
}
