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
    /// The level gate 1 compared each p-value with: `alpha` without a correction, `alpha / 3`
    /// with Bonferroni, the step-up level of its rank with Benjamini–Hochberg
    /// ([`Correction::levels`](crate::stats::Correction::levels)).
    pub levels: [f64; 3],
    /// Which features the correction called drifted.
    pub rejected: [bool; 3],
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
    /// The choice made.
    pub chosen: Choice,
    /// AUC over those weeks of the model the chosen branch serves.
    pub chosen_auc: f64,
    /// The other choice.
    pub other: Choice,
    /// AUC over the same weeks of the model the other branch serves.
    pub other_auc: f64,
    /// How the road not taken did: `other_auc` compared with `chosen_auc` exactly (no
    /// tolerance: [`Outcome::Same`] means the two branches scored the same AUC to the last bit,
    /// as when both serve the same model over those weeks).
    pub outcome: Outcome,
    /// `other_auc − chosen_auc`: positive when the other choice would have done better.
    pub difference: f64,
}

/// How the other choice of a [`Counterfactual`] would have done against the one taken:
/// serialized as its snake_case name (`"better"`), which the page matches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A higher AUC over the same weeks.
    Better,
    /// A lower AUC.
    Worse,
    /// The same AUC, bit for bit.
    Same,
}

impl Outcome {
    /// The other road's AUC `other` against the chosen road's `chosen`, compared exactly.
    pub fn of(chosen: f64, other: f64) -> Outcome {
        if other > chosen {
            Outcome::Better
        } else if other < chosen {
            Outcome::Worse
        } else {
            Outcome::Same
        }
    }
}

/// The two branches of a gate's yes/no decision, as a [`Counterfactual`] names them: serialized
/// as the snake_case name (`"retrain"`), which the page matches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// Gate 1's yes: train a candidate.
    Retrain,
    /// Gate 1's no: keep the current model.
    Keep,
    /// Gate 2's yes: the candidate goes on.
    Promote,
    /// Gate 2's no: the candidate is archived.
    Reject,
}

impl Choice {
    /// Its serialized name: `retrain`, `keep`, `promote`, `reject`.
    pub fn as_str(self) -> &'static str {
        match self {
            Choice::Retrain => "retrain",
            Choice::Keep => "keep",
            Choice::Promote => "promote",
            Choice::Reject => "reject",
        }
    }
}

impl std::fmt::Display for Choice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a decision decided: the loop's verdicts, one per outcome a phase can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Gate 1: drift, train a candidate.
    Retrain,
    /// Gate 1: no drift; or the rollback check: no regression.
    Keep,
    /// Gate 1 asked for a retrain that cannot happen yet (a canary runs, too few labels).
    Wait,
    /// Gate 2, a canary's last step, or an immediate promotion: the candidate goes on.
    Promote,
    /// Gate 2 said no, but it is switched off: the candidate goes on.
    PromoteGateOff,
    /// Gate 2: the candidate is archived.
    Reject,
    /// A canary starts at `weight` % of traffic.
    CanaryStart {
        /// Percent of requests routed to the canary.
        weight: u8,
    },
    /// The canary's step passed: the next step routes `weight` %.
    Advance {
        /// Percent of requests routed to the canary next.
        weight: u8,
    },
    /// The canary's step failed, but rollback is off: it advances to `weight` % anyway.
    AdvanceAnyway {
        /// Percent of requests routed to the canary next.
        weight: u8,
    },
    /// Too few labelled outcomes yet: the canary's step goes on.
    Pause,
    /// The canary failed: it is archived.
    Abort,
    /// The rollback check: the new version regressed and is rolled back.
    Rollback,
    /// The new version regressed, but rollback is off: it stays.
    KeepRollbackOff,
    /// Data validation: the week's live batch failed the data contract (no drift test, never
    /// training data).
    Quarantine,
    /// Data validation: gate 1's candidate is not trained, its weeks include a quarantined one.
    Refuse,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Retrain => f.write_str("retrain"),
            Verdict::Keep => f.write_str("keep"),
            Verdict::Wait => f.write_str("wait"),
            Verdict::Promote => f.write_str("promote"),
            Verdict::PromoteGateOff => f.write_str("promote (gate off)"),
            Verdict::Reject => f.write_str("reject"),
            Verdict::CanaryStart { weight } => write!(f, "canary at {weight} %"),
            Verdict::Advance { weight } => write!(f, "advance to {weight} %"),
            Verdict::AdvanceAnyway { weight } => {
                write!(f, "failed, advance to {weight} % anyway (rollback off)")
            }
            Verdict::Pause => f.write_str("pause"),
            Verdict::Abort => f.write_str("abort"),
            Verdict::Rollback => f.write_str("rollback"),
            Verdict::KeepRollbackOff => f.write_str("keep (rollback off)"),
            Verdict::Quarantine => f.write_str("quarantine"),
            Verdict::Refuse => f.write_str("refuse"),
        }
    }
}

/// One decision of the loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// What it is about.
    pub kind: DecisionKind,
    /// Who decided.
    pub actor: Actor,
    /// The verdict, as data: serialized flat into the decision as `"verdict": "<name>"` plus
    /// its fields (`"weight"` for the canary's steps), which the page matches on. Its
    /// [`Display`](std::fmt::Display) is the short wording the CLI prints.
    #[serde(flatten)]
    pub verdict: Verdict,
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
    /// Since when the stable version of this week has been live, and the decisions that put it
    /// there.
    pub live_since: LiveSince,
}

/// Since when a week's stable version has served without a break, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSince {
    /// The first week of the run from which the version served every week up to this one (0:
    /// the initial model).
    pub week: usize,
    /// The week whose decisions made it live: the week before `week` (a decision takes effect
    /// the next week); `None` for the initial model.
    pub decided_in: Option<usize>,
    /// Indices into `decided_in`'s decisions of those that put this version live: every decision
    /// about it except gate 1's (the promotion gate, the canary's analysis, the promotion), and
    /// the rollback check that put it back.
    pub because: Vec<usize>,
}

impl LiveSince {
    /// `version`, serving in week `w`, after the week `prev` (`None` when `w` is the first).
    pub fn after(prev: Option<&WeekRecord>, w: usize, version: u32) -> LiveSince {
        match prev {
            None => LiveSince {
                week: w,
                decided_in: None,
                because: Vec::new(),
            },
            Some(prev) if prev.live_version == version => prev.live_since.clone(),
            Some(prev) => LiveSince {
                week: w,
                decided_in: Some(prev.week),
                because: prev
                    .decisions
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| {
                        d.kind != DecisionKind::RetrainGate
                            && (d.version == Some(version) || d.kind == DecisionKind::RollbackCheck)
                    })
                    .map(|(i, _)| i)
                    .collect(),
            },
        }
    }
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

#[cfg(test)]
mod tests {
    use super::{Choice, Outcome, Verdict};

    #[test]
    fn an_outcome_compares_exactly_and_is_its_name() {
        assert_eq!(Outcome::of(0.7, 0.7000001), Outcome::Better);
        assert_eq!(Outcome::of(0.7, 0.6999999), Outcome::Worse);
        assert_eq!(Outcome::of(0.7, 0.7), Outcome::Same);
        for (o, name) in [
            (Outcome::Better, "better"),
            (Outcome::Worse, "worse"),
            (Outcome::Same, "same"),
        ] {
            let json = serde_json::to_string(&o).expect("json");
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<Outcome>(&json).expect("back"), o);
        }
    }

    #[test]
    fn a_choice_is_its_name_and_reads_back() {
        for c in [
            Choice::Retrain,
            Choice::Keep,
            Choice::Promote,
            Choice::Reject,
        ] {
            let json = serde_json::to_string(&c).expect("json");
            assert_eq!(json, format!("\"{c}\""));
            assert_eq!(serde_json::from_str::<Choice>(&json).expect("back"), c);
        }
        assert!(serde_json::from_str::<Choice>("\"promoted\"").is_err());
    }

    #[test]
    fn a_verdict_is_a_tag_with_its_fields_and_reads_back() {
        let all = [
            Verdict::Retrain,
            Verdict::Keep,
            Verdict::Wait,
            Verdict::Promote,
            Verdict::PromoteGateOff,
            Verdict::Reject,
            Verdict::CanaryStart { weight: 5 },
            Verdict::Advance { weight: 25 },
            Verdict::AdvanceAnyway { weight: 25 },
            Verdict::Pause,
            Verdict::Abort,
            Verdict::Rollback,
            Verdict::KeepRollbackOff,
            Verdict::Quarantine,
            Verdict::Refuse,
        ];
        let json = serde_json::to_string(&Verdict::Advance { weight: 25 }).expect("json");
        assert_eq!(json, r#"{"verdict":"advance","weight":25}"#);
        let mut words = std::collections::BTreeSet::new();
        for v in all {
            let back: Verdict =
                serde_json::from_str(&serde_json::to_string(&v).expect("json")).expect("back");
            assert_eq!(back, v);
            assert!(words.insert(v.to_string()), "two verdicts read {v}");
        }
    }
}
