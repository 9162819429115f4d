//! The orchestrator: the whole loop over simulated weeks, from one seed and a drift schedule.
//!
//! Each week `w`: a live batch arrives (`make_data_from(trial_seed(seed, w, ROLE_LIVE),
//! drift_w, rows_per_week)`, with the schedule's drift and, for `broken_feature`, a broken
//! upstream column) → the [`Service`] serves it (stable, or stable + canary by request id) →
//! the [`Monitor`] tests each feature for drift → labels of the week served `label_delay` weeks
//! ago arrive, giving its AUC, the canary's analysis and the post-promotion check → gate 1
//! ([`RetrainGate`]) → a candidate is trained on the last `train_weeks` labelled weeks and
//! registered → gate 2 ([`PromotionGate`]) scores current and candidate on the newest labelled
//! week, the same rows for both → the candidate starts a canary (or is promoted at once) → the
//! canary promotes or aborts; a promoted version whose first labelled week is worse than its
//! predecessor on the same rows is rolled back.
//!
//! Every change goes through a [`Registry`] (any [`Store`]) with simulated time (week · 7 days
//! in ms), so the timeline and the registry's history tell the same story. Each practice can be
//! switched off ([`Practices`]) to show how the loop fails without it. Everything is seeded:
//! the data by numpy's `SeedSequence([seed, week, role])`, canary routing by SplitMix64, the
//! seasonal drift by a pure-arithmetic sine; the same parameters give the same [`Timeline`],
//! natively and in WebAssembly.
//!
//! [`run_chapter`] replays the chapter's three steps through a registry with the book's exact
//! data and models.

use crate::data::{make_data, make_data_from, Days, Drift, Frame};
use crate::experiments::{column, trial_seed, Correction};
use crate::fingerprint::fingerprint;
use crate::gates::{FeatureTest, GateDecision, GateMetric, PromotionGate, RetrainGate};
use crate::gbm::{GbmModel, GbmParams};
use crate::monitor::{performance, DelayedLabels, DriftReport, Monitor, Reference};
use crate::pipeline::{train_book, Trained as BookModel};
use crate::registry::{
    Actor, Cause, Evidence, Lineage, MemStore, Metric, ModelVersion, NewVersion, Registry, Stage,
    Store,
};
use crate::serving::{
    analyze_canary, AnalysisOutcome, CanaryAction, CanaryPlan, CanaryStatus, Deployed, ServedBy,
    Service,
};
use crate::stats::ks::{ks_2samp, KsMethod};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most simulated weeks (ten years).
pub const MAX_WEEKS: usize = 520;
/// Most rows of live data over the whole run (`weeks · rows_per_week`), about 32 MB of frames.
pub const MAX_TOTAL_ROWS: usize = 1_000_000;
/// One simulated week in ms (the registry's clock).
pub const WEEK_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;
/// `trial_seed` role of the live batches.
pub const ROLE_LIVE: u32 = 100;
/// `trial_seed` role of the initial model's training data.
pub const ROLE_INITIAL: u32 = 101;
/// The GBM `random_state` of seeded training (the book's).
pub const SEEDED_RANDOM_STATE: u32 = 42;

/// What an upstream bug does to `spend_per_active_day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The column arrives as 0 (a failed join filled with zeros).
    Zero,
    /// The column arrives ×100 (cents instead of currency units).
    Scale100,
}

/// How the world drifts over the weeks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Schedule {
    /// No drift.
    #[default]
    None,
    /// `days` more days since login from week `week` on.
    Step {
        /// First drifted week.
        week: usize,
        /// The shift in days.
        days: f64,
    },
    /// `days_per_week · w` more days in week `w`.
    Gradual {
        /// Shift added per week.
        days_per_week: f64,
    },
    /// `amplitude · sin(2π w / period_weeks)` days.
    Seasonal {
        /// Peak shift in days.
        amplitude: f64,
        /// Period in weeks.
        period_weeks: f64,
    },
    /// From week `week` on, an upstream bug breaks `spend_per_active_day`.
    BrokenFeature {
        /// First broken week.
        week: usize,
        /// What the bug does.
        fault: Fault,
    },
}

/// sin(x) from + and · only (argument reduction to [−π, π], Taylor series to x^27), so that
/// native and WebAssembly builds give the same bits (a libm `sin` may differ in the last bit).
pub fn det_sin(x: f64) -> f64 {
    if !x.is_finite() {
        return f64::NAN;
    }
    let two_pi = 2.0 * std::f64::consts::PI;
    let k = (x / two_pi).round();
    let r = x - k * two_pi;
    let r2 = r * r;
    let mut term = r;
    let mut sum = r;
    let mut n = 1.0;
    for _ in 0..13 {
        term = -term * r2 / ((n + 1.0) * (n + 2.0));
        n += 2.0;
        sum += term;
    }
    sum
}

impl Schedule {
    /// The schedule called `name` with its default parameters: `none`; `step` (+10 days from
    /// week 12); `gradual` (+0.5 day per week); `seasonal` (8 · sin(2π w / 52) days);
    /// `broken_feature` (spend ×100 from week 20).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `schedule` for any other name.
    pub fn parse(name: &str) -> Result<Schedule> {
        match name {
            "none" => Ok(Schedule::None),
            "step" => Ok(Schedule::Step {
                week: 12,
                days: 10.0,
            }),
            "gradual" => Ok(Schedule::Gradual { days_per_week: 0.5 }),
            "seasonal" => Ok(Schedule::Seasonal {
                amplitude: 8.0,
                period_weeks: 52.0,
            }),
            "broken_feature" => Ok(Schedule::BrokenFeature {
                week: 20,
                fault: Fault::Scale100,
            }),
            _ => Err(Error::invalid(
                "schedule",
                name,
                "expected none, step, gradual, seasonal or broken_feature",
            )),
        }
    }

    /// The schedule's name.
    pub fn name(&self) -> &'static str {
        match self {
            Schedule::None => "none",
            Schedule::Step { .. } => "step",
            Schedule::Gradual { .. } => "gradual",
            Schedule::Seasonal { .. } => "seasonal",
            Schedule::BrokenFeature { .. } => "broken_feature",
        }
    }

    /// Check the schedule's numbers.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `schedule.days`, `schedule.days_per_week`,
    /// `schedule.amplitude`, `schedule.period_weeks` or `schedule.week`.
    pub fn check(&self) -> Result<()> {
        let days = |field: &'static str, v: f64, max: f64| {
            if v.is_finite() && v.abs() <= max {
                Ok(())
            } else {
                Err(Error::invalid(
                    field,
                    v,
                    format!("expected a finite number within ±{max}"),
                ))
            }
        };
        let week = |w: usize| {
            if w <= MAX_WEEKS {
                Ok(())
            } else {
                Err(Error::invalid(
                    "schedule.week",
                    w,
                    format!("expected 0..={MAX_WEEKS}"),
                ))
            }
        };
        match *self {
            Schedule::None => Ok(()),
            Schedule::Step { week: w, days: d } => {
                week(w)?;
                days("schedule.days", d, 365.0)
            }
            Schedule::Gradual { days_per_week } => {
                days("schedule.days_per_week", days_per_week, 5.0)
            }
            Schedule::Seasonal {
                amplitude,
                period_weeks,
            } => {
                days("schedule.amplitude", amplitude, 365.0)?;
                if period_weeks.is_finite() && (1.0..=520.0).contains(&period_weeks) {
                    Ok(())
                } else {
                    Err(Error::invalid(
                        "schedule.period_weeks",
                        period_weeks,
                        "expected 1..=520 weeks",
                    ))
                }
            }
            Schedule::BrokenFeature { week: w, .. } => week(w),
        }
    }

    /// The drift of `days_since_login` in week `w`, in days.
    pub fn drift_days(&self, w: usize) -> f64 {
        match *self {
            Schedule::None | Schedule::BrokenFeature { .. } => 0.0,
            Schedule::Step { week, days } => {
                if w >= week {
                    days
                } else {
                    0.0
                }
            }
            Schedule::Gradual { days_per_week } => days_per_week * w as f64,
            Schedule::Seasonal {
                amplitude,
                period_weeks,
            } => amplitude * det_sin(2.0 * std::f64::consts::PI * w as f64 / period_weeks),
        }
    }

    /// The upstream fault active in week `w`, if any.
    pub fn fault(&self, w: usize) -> Option<Fault> {
        match *self {
            Schedule::BrokenFeature { week, fault } if w >= week => Some(fault),
            _ => None,
        }
    }
}

/// The loop's practices; each can be switched off to see the loop fail without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Practices {
    /// Drift monitoring (and so gate 1): without it, nothing ever triggers a retrain.
    pub monitoring: bool,
    /// Gate 2: without it, every candidate is promoted.
    pub promotion_gate: bool,
    /// Canary rollout: without it, a promoted candidate takes all traffic at once.
    pub canary: bool,
    /// Abort a failed canary and roll back a promotion that does worse than its predecessor.
    pub rollback: bool,
    /// Train with a recorded `random_state`; without it, each retrain draws its own.
    pub seeded_training: bool,
}

impl Default for Practices {
    fn default() -> Self {
        Practices {
            monitoring: true,
            promotion_gate: true,
            canary: true,
            rollback: true,
            seeded_training: true,
        }
    }
}

/// Parameters of the loop; build them with [`LoopParams::builder`] or deserialize and
/// [`LoopParams::check`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoopParams {
    /// Simulated weeks, 1..=[`MAX_WEEKS`] (default 52).
    pub weeks: usize,
    /// The run's seed (default 0).
    pub seed: u64,
    /// How the world drifts (default none).
    pub schedule: Schedule,
    /// Live rows per week, 200..=5000 (default 1000).
    pub rows_per_week: usize,
    /// Labelled weeks a retrain uses, 1..=8 (default 3).
    pub train_weeks: usize,
    /// Which practices are on (default all).
    pub practices: Practices,
    /// Gate 1's significance level, in (0, 1) (default 0.01).
    pub alpha: f64,
    /// Gate 1's multiple-testing correction over the three features (default Bonferroni).
    pub correction: Correction,
    /// The drift reference (default the production model's training data).
    pub reference: Reference,
    /// Gate 2's margin, in [-1, 1] (default 0).
    pub margin: f64,
    /// Weeks until a served week's labels arrive, 0..=8 (default 1).
    pub label_delay: usize,
    /// The canary's plan (default 10 → 50 → 100 %, 200 labels, tolerance 0.05).
    pub canary: CanaryPlan,
    /// A promoted version is rolled back when its first labelled week's AUC is below its
    /// predecessor's on the same rows by more than this, in [0, 1] (default 0.02).
    pub rollback_tolerance: f64,
    /// Weeks of the future each gate decision's counterfactual is scored on, 0..=8 (default 0:
    /// none; any other value costs a shadow training run for every gate-1 "keep").
    pub counterfactual_weeks: usize,
    /// The summary counts weeks whose AUC is below this, in [0, 1] (default 0.68).
    pub auc_threshold: f64,
}

impl Default for LoopParams {
    fn default() -> Self {
        LoopParams {
            weeks: 52,
            seed: 0,
            schedule: Schedule::None,
            rows_per_week: 1000,
            train_weeks: 3,
            practices: Practices::default(),
            alpha: 0.01,
            correction: Correction::Bonferroni,
            reference: Reference::Training,
            margin: 0.0,
            label_delay: 1,
            canary: CanaryPlan::default(),
            rollback_tolerance: 0.02,
            counterfactual_weeks: 0,
            auc_threshold: 0.68,
        }
    }
}

/// Builder of [`LoopParams`]: set what differs from the defaults, then [`build`](Self::build).
#[derive(Debug, Clone, Default)]
pub struct LoopParamsBuilder(LoopParams);

macro_rules! setter {
    ($name:ident, $t:ty) => {
        #[doc = concat!("Set `", stringify!($name), "`.")]
        pub fn $name(mut self, v: $t) -> Self {
            self.0.$name = v;
            self
        }
    };
}

impl LoopParamsBuilder {
    setter!(weeks, usize);
    setter!(seed, u64);
    setter!(schedule, Schedule);
    setter!(rows_per_week, usize);
    setter!(train_weeks, usize);
    setter!(practices, Practices);
    setter!(alpha, f64);
    setter!(correction, Correction);
    setter!(reference, Reference);
    setter!(margin, f64);
    setter!(label_delay, usize);
    setter!(canary, CanaryPlan);
    setter!(rollback_tolerance, f64);
    setter!(counterfactual_weeks, usize);
    setter!(auc_threshold, f64);

    /// Validate and return the parameters.
    ///
    /// # Errors
    /// As [`LoopParams::check`].
    pub fn build(self) -> Result<LoopParams> {
        self.0.check()?;
        Ok(self.0)
    }
}

impl LoopParams {
    /// A builder starting from the defaults.
    ///
    /// ```
    /// use mlops_loop::orchestrator::{LoopParams, Schedule};
    /// let p = LoopParams::builder().weeks(20).seed(7).schedule(Schedule::parse("step")?).build()?;
    /// assert_eq!(p.rows_per_week, 1000);
    /// assert!(LoopParams::builder().weeks(0).build().unwrap_err().to_string().contains("weeks"));
    /// # Ok::<(), mlops_loop::Error>(())
    /// ```
    pub fn builder() -> LoopParamsBuilder {
        LoopParamsBuilder::default()
    }

    /// Check every field.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the first field out of range (`weeks`, `rows_per_week`,
    /// `train_weeks`, `alpha`, `margin`, `label_delay`, `rollback_tolerance`,
    /// `counterfactual_weeks`, `auc_threshold`, the schedule's, the canary plan's or the
    /// reference's fields).
    pub fn check(&self) -> Result<()> {
        let range = |field: &'static str, v: usize, lo: usize, hi: usize| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(Error::invalid(field, v, format!("expected {lo}..={hi}")))
            }
        };
        range("weeks", self.weeks, 1, MAX_WEEKS)?;
        range("rows_per_week", self.rows_per_week, 200, 5000)?;
        if self.weeks * self.rows_per_week > MAX_TOTAL_ROWS {
            return Err(Error::invalid(
                "rows_per_week",
                self.rows_per_week,
                format!("weeks · rows_per_week must stay within {MAX_TOTAL_ROWS}"),
            ));
        }
        range("train_weeks", self.train_weeks, 1, 8)?;
        range("label_delay", self.label_delay, 0, 8)?;
        range("counterfactual_weeks", self.counterfactual_weeks, 0, 8)?;
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::invalid("alpha", self.alpha, "must be in (0, 1)"));
        }
        if !(self.margin.is_finite() && self.margin.abs() <= 1.0) {
            return Err(Error::invalid(
                "margin",
                self.margin,
                "must be within [-1, 1]",
            ));
        }
        for (field, v) in [
            ("rollback_tolerance", self.rollback_tolerance),
            ("auc_threshold", self.auc_threshold),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::invalid(field, v, "expected a number in [0, 1]"));
            }
        }
        self.schedule.check()?;
        self.canary.check()?;
        self.reference.check()
    }
}

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
    /// `abort`, `rollback`, ...).
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

/// Rows of `frames` one after the other (days as float64).
fn concat(frames: &[&Frame]) -> Result<Frame> {
    let (mut s, mut r, mut d, mut c) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for f in frames {
        s.extend_from_slice(f.spend_per_active_day());
        r.extend_from_slice(f.is_recent());
        d.extend(f.days_since_login().to_f64());
        c.extend_from_slice(f.churned());
    }
    Frame::new(s, r, Days::Float(d), c)
}

fn apply_fault(df: Frame, fault: Option<Fault>) -> Result<Frame> {
    let Some(fault) = fault else { return Ok(df) };
    let spend = df
        .spend_per_active_day()
        .iter()
        .map(|&v| match fault {
            Fault::Zero => 0.0,
            Fault::Scale100 => v * 100.0,
        })
        .collect();
    Frame::new(
        spend,
        df.is_recent().to_vec(),
        df.days_since_login().clone(),
        df.churned().to_vec(),
    )
}

/// Week `w`'s live batch of the run `(seed, schedule, rows)`.
///
/// # Errors
/// As [`make_data_from`].
pub fn live_batch(seed: u64, schedule: &Schedule, rows: usize, w: usize) -> Result<Frame> {
    let df = make_data_from(
        &trial_seed(u128::from(seed), w, ROLE_LIVE),
        Drift::Float(schedule.drift_days(w)),
        rows,
    )?;
    apply_fault(df, schedule.fault(w))
}

/// The initial model's training data: `train_weeks · rows` rows drawn as in week 0.
///
/// # Errors
/// As [`make_data_from`].
pub fn initial_data(seed: u64, schedule: &Schedule, rows: usize) -> Result<Frame> {
    let df = make_data_from(
        &trial_seed(u128::from(seed), 0, ROLE_INITIAL),
        Drift::Float(schedule.drift_days(0)),
        rows,
    )?;
    apply_fault(df, schedule.fault(0))
}

/// Where a loop version's training data came from (stored in its lineage `params.loop`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TrainingSource {
    /// [`initial_data`] with `rows` rows.
    Initial {
        /// Rows drawn.
        rows: usize,
    },
    /// The live batches of these weeks, concatenated.
    Weeks {
        /// The weeks, in order.
        weeks: Vec<usize>,
    },
}

/// Everything needed to rebuild a loop version's training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoopLineage {
    /// The run's seed.
    pub seed: u64,
    /// The run's schedule.
    pub schedule: Schedule,
    /// Rows per live week.
    pub rows_per_week: usize,
    /// Which data.
    pub source: TrainingSource,
}

fn source_frame(l: &LoopLineage) -> Result<Frame> {
    match &l.source {
        TrainingSource::Initial { rows } => initial_data(l.seed, &l.schedule, *rows),
        TrainingSource::Weeks { weeks } => {
            let frames = weeks
                .iter()
                .map(|&w| live_batch(l.seed, &l.schedule, l.rows_per_week, w))
                .collect::<Result<Vec<_>>>()?;
            concat(&frames.iter().collect::<Vec<_>>())
        }
    }
}

fn lineage_of(
    seed_text: String,
    drift_text: String,
    df: &Frame,
    random_state: Option<u32>,
    source: Option<&LoopLineage>,
) -> Result<Lineage> {
    let mut gbm = serde_json::to_value(GbmParams::new().random_state(random_state.unwrap_or(0)))
        .map_err(|e| Error::Unsupported(format!("params to JSON: {e}")))?;
    if random_state.is_none() {
        // Unseeded: like sklearn's random_state=None, the state used is not recorded.
        gbm["random_state"] = serde_json::Value::Null;
    }
    let mut params = serde_json::json!({ "gbm": gbm });
    if let Some(l) = source {
        params["loop"] = serde_json::to_value(l)
            .map_err(|e| Error::Unsupported(format!("lineage to JSON: {e}")))?;
    }
    Ok(Lineage {
        data_fingerprint: fingerprint(df).short,
        seed: seed_text,
        drift: drift_text,
        rows: df.len() as u64,
        params,
        code_version: crate::VERSION.to_string(),
        build_id: crate::build_id(),
    })
}

fn new_version(
    label: String,
    model: &GbmModel,
    lineage: Lineage,
    auc: f64,
    dataset: &str,
) -> NewVersion {
    let model_json = model.to_json();
    NewVersion {
        label,
        model_hash: crate::registry::model_hash(&model_json),
        model_json,
        lineage,
        metrics: vec![Metric {
            name: "auc".into(),
            value: auc,
            dataset: dataset.to_string(),
        }],
    }
}

/// The outcome of re-deriving a loop version from its lineage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rederivation {
    /// The version.
    pub version: u32,
    /// Its label.
    pub label: String,
    /// The rebuilt training data has the recorded fingerprint.
    pub data_matches: bool,
    /// The recorded model hash.
    pub recorded_hash: String,
    /// The hash of the model retrained from the lineage.
    pub rederived_hash: String,
    /// Whether the lineage recorded the GBM's random_state.
    pub seeded: bool,
    /// The model was reproduced bit for bit.
    pub matches: bool,
}

/// Rebuild a loop version's training data from its lineage, retrain and compare hashes. An
/// unseeded version records no `random_state`; the re-derivation can only try the default
/// (42), and its hash differs.
///
/// # Errors
/// [`Error::Malformed`] when the lineage is not a loop lineage; data and training errors.
pub fn rederive(mv: &ModelVersion) -> Result<Rederivation> {
    let bad = |reason: String| Error::Malformed {
        what: "lineage",
        reason,
    };
    let l: LoopLineage = serde_json::from_value(
        mv.lineage
            .params
            .get("loop")
            .cloned()
            .ok_or_else(|| bad("no params.loop: not trained by the orchestrator".into()))?,
    )
    .map_err(|e| bad(format!("params.loop: {e}")))?;
    let mut gbm = mv
        .lineage
        .params
        .get("gbm")
        .cloned()
        .ok_or_else(|| bad("no params.gbm".into()))?;
    let seeded = !gbm["random_state"].is_null();
    if !seeded {
        gbm["random_state"] = serde_json::Value::from(SEEDED_RANDOM_STATE);
    }
    let params: GbmParams =
        serde_json::from_str(&gbm.to_string()).map_err(|e| bad(format!("params.gbm: {e}")))?;
    let df = source_frame(&l)?;
    let data_matches = fingerprint(&df).short == mv.lineage.data_fingerprint;
    let model = train_book(&df, params.check()?.random_state())?.model;
    let rederived_hash = model.model_hash();
    Ok(Rederivation {
        version: mv.version,
        label: mv.label.clone(),
        data_matches,
        matches: rederived_hash == mv.model_hash,
        recorded_hash: mv.model_hash.clone(),
        rederived_hash,
        seeded,
    })
}

/// Run a future that never waits (the memory store answers at once) to completion.
fn poll_now<F: std::future::Future>(fut: F) -> Result<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Ok(v),
        std::task::Poll::Pending => Err(Error::Unsupported(
            "the store did not answer synchronously".into(),
        )),
    }
}

/// Run the loop with a fresh in-memory registry (natively and in WebAssembly).
///
/// ```
/// use mlops_loop::orchestrator::{run, LoopParams};
/// let t = run(&LoopParams::builder().weeks(3).rows_per_week(300).build()?)?;
/// assert_eq!(t.weeks.len(), 3);
/// assert_eq!(t.weeks[0].live_label, "1.0.0");
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// As [`run_with`].
pub fn run(params: &LoopParams) -> Result<Timeline> {
    let reg = poll_now(Registry::open(MemStore::new()))??;
    poll_now(run_with(params, &reg))?
}

/// [`run`], then rebuild every version the loop registered from its lineage alone
/// ([`rederive`]): what an auditor can reproduce. With seeded training every version matches; an
/// unseeded loop's retrained versions do not (exercise 5 shows the two side by side).
///
/// # Errors
/// As [`run_with`] and [`rederive`].
pub fn run_and_rederive(params: &LoopParams) -> Result<(Timeline, Vec<Rederivation>)> {
    let reg = poll_now(Registry::open(MemStore::new()))??;
    let timeline = poll_now(run_with(params, &reg))??;
    let state = poll_now(reg.state())??;
    let mut out = Vec::with_capacity(state.versions() as usize);
    for v in 1..=state.versions() {
        out.push(rederive(&poll_now(reg.get(v))??)?);
    }
    Ok((timeline, out))
}

struct ServedWeek {
    probs: Vec<f64>,
    by: Vec<ServedBy>,
    stable: u32,
    canary: Option<(u32, usize)>,
}

struct CanaryRun {
    version: u32,
    step: usize,
    stable_y: Vec<i64>,
    stable_p: Vec<f64>,
    canary_y: Vec<i64>,
    canary_p: Vec<f64>,
    fresh: bool,
}

struct Watch {
    version: u32,
    from_week: usize,
}

/// A deployable version's drift reference (the newest `rows_per_week` rows of its training
/// data) and the processes (drift bits, fault) its training data came from.
struct Trained {
    reference: Frame,
    processes: Vec<(u64, Option<Fault>)>,
}

/// The last `n` rows of `df` (all of it if shorter).
fn tail(df: &Frame, n: usize) -> Result<Frame> {
    let start = df.len().saturating_sub(n);
    Frame::new(
        df.spend_per_active_day()[start..].to_vec(),
        df.is_recent()[start..].to_vec(),
        Days::Float(df.days_since_login().to_f64()[start..].to_vec()),
        df.churned()[start..].to_vec(),
    )
}

struct Clock {
    week: usize,
    tick: u32,
}

impl Clock {
    fn now(&mut self) -> f64 {
        self.tick += 1;
        self.week as f64 * WEEK_MS + f64::from(self.tick)
    }
}

fn gate_decision(
    kind: DecisionKind,
    actor: Actor,
    verdict: &str,
    g: &GateDecision,
    version: Option<u32>,
    counterfactual: Option<Counterfactual>,
) -> Decision {
    Decision {
        kind,
        actor,
        decision: verdict.to_string(),
        reason: g.reason.clone(),
        evidence: g.evidence.clone(),
        version,
        counterfactual,
    }
}

/// Run the loop, recording every change in `registry` (which must be empty).
///
/// # Errors
/// [`Error::Invalid`] for bad parameters (naming the field) or a registry that already holds
/// versions; registry storage errors.
pub async fn run_with<S: Store>(p: &LoopParams, registry: &Registry<S>) -> Result<Timeline> {
    let mut run = Run::start(p, registry).await?;
    // Each week: serve → drift test → labels arrive (AUC, canary evidence, rollback check) →
    // canary analysis → gate 1 (→ candidate → gate 2) → record.
    for w in 0..p.weeks {
        let mut week = run.serve(w)?;
        let report = run.observe(&week)?;
        run.labels_arrive(&mut week).await?;
        run.canary_analysis(&mut week).await?;
        if let Some(r) = &report {
            run.decide_retrain(r, &mut week).await?;
        }
        run.record(week, report);
    }
    run.summary().await
}

/// What the loop has counted so far (the [`Summary`]'s tallies).
#[derive(Default)]
struct Counts {
    alarms: usize,
    false_alarms: usize,
    retrains: usize,
    promotions: usize,
    aborts: usize,
    rollbacks: usize,
    candidates: usize,
}

/// One week in progress: its clock, who served it, and the decisions taken so far.
struct Week {
    w: usize,
    clock: Clock,
    live_version: u32,
    live_label: String,
    canary: Option<CanaryRecord>,
    decisions: Vec<Decision>,
}

/// A candidate trained on the labelled weeks `weeks` (gate 1 said retrain, or a counterfactual
/// needs it).
struct Candidate {
    df: Frame,
    model: GbmModel,
    auc: f64,
    random_state: u32,
    weeks: std::ops::Range<usize>,
}

/// The state of one run of the loop: its parameters, the registry, and everything that
/// changes from week to week.
struct Run<'a, S: Store> {
    p: &'a LoopParams,
    registry: &'a Registry<S>,
    /// Live batches for the run's weeks plus the counterfactual horizon.
    batches: Vec<Frame>,
    retrain_gate: RetrainGate,
    promotion_gate: PromotionGate,
    seed_text: String,
    /// Drift reference and data processes of each version that may serve.
    trained: BTreeMap<u32, Trained>,
    service: Service,
    /// `None` when monitoring is switched off.
    monitor: Option<Monitor>,
    /// Served weeks waiting for their labels.
    pending: DelayedLabels<ServedWeek>,
    /// Each week's AUC as served, once its labels arrived.
    auc: Vec<Option<f64>>,
    /// The week those labels arrived.
    auc_known: Vec<Option<usize>>,
    records: Vec<WeekRecord>,
    /// The canary in progress, with its current step's labelled outcomes.
    canary_run: Option<CanaryRun>,
    /// A newly promoted version awaiting its post-promotion check.
    watch: Option<Watch>,
    counts: Counts,
}

/// The counterfactual of a yes/no choice over the weeks `weeks`: `yes` is the option taken
/// when `chose_yes`, `no` the other; each comes with its future AUC.
fn counterfactual(
    weeks: [usize; 2],
    chose_yes: bool,
    yes: (&str, f64),
    no: (&str, f64),
) -> Counterfactual {
    let (chosen, other) = if chose_yes { (yes, no) } else { (no, yes) };
    Counterfactual {
        weeks,
        chosen: chosen.0.into(),
        chosen_auc: chosen.1,
        other: other.0.into(),
        other_auc: other.1,
    }
}

/// Gate 1's "wait": it asked for a retrain that cannot happen yet, for the reason `why`.
fn wait_decision(g1: &GateDecision, current: u32, why: &str) -> Decision {
    let mut d = gate_decision(
        DecisionKind::RetrainGate,
        Actor::RetrainGate,
        "wait",
        g1,
        Some(current),
        None,
    );
    d.reason.push_str(why);
    d
}

impl<'a, S: Store> Run<'a, S> {
    /// Check the inputs, draw every live batch, then train, register and deploy `1.0.0`.
    async fn start(p: &'a LoopParams, registry: &'a Registry<S>) -> Result<Self> {
        p.check()?;
        let existing = registry.state().await?.versions();
        if existing > 0 {
            return Err(Error::invalid(
                "registry",
                format!("{existing} version(s)"),
                "the loop starts from an empty registry",
            ));
        }
        let batches = (0..p.weeks + p.counterfactual_weeks)
            .map(|w| live_batch(p.seed, &p.schedule, p.rows_per_week, w))
            .collect::<Result<Vec<_>>>()?;
        let seed_text = p.seed.to_string();

        // The initial model, trained before week 0 and deployed at time 0.
        let init_rows = p.rows_per_week * p.train_weeks;
        let init = initial_data(p.seed, &p.schedule, init_rows)?;
        let rs0 = random_state(p, 0);
        let BookModel {
            model: model0,
            auc: auc0,
        } = train_book(&init, rs0)?;
        let lineage0 = lineage_of(
            seed_text.clone(),
            format!("{:?}", p.schedule.drift_days(0)),
            &init,
            p.practices.seeded_training.then_some(rs0),
            Some(&LoopLineage {
                seed: p.seed,
                schedule: p.schedule,
                rows_per_week: p.rows_per_week,
                source: TrainingSource::Initial { rows: init_rows },
            }),
        )?;
        let label0 = "1.0.0".to_string();
        let v0 = registry
            .register(
                &new_version(label0.clone(), &model0, lineage0, auc0, "held-out 25 %"),
                &Cause::new(Actor::Orchestrator, "initial model", 0.0),
            )
            .await?;
        registry
            .promote(
                v0,
                &Cause::new(Actor::Orchestrator, "initial deployment", 0.0),
            )
            .await?;
        let service = Service::new(
            Deployed {
                version: v0,
                label: label0,
                model: model0,
            },
            p.seed,
        );
        let monitor = if p.practices.monitoring {
            let mut m = Monitor::new(p.reference, p.alpha, p.correction)?;
            m.deployed(&tail(&init, p.rows_per_week)?);
            Some(m)
        } else {
            None
        };
        let mut trained = BTreeMap::new();
        trained.insert(
            v0,
            Trained {
                reference: tail(&init, p.rows_per_week)?,
                processes: vec![process(p, 0)],
            },
        );
        Ok(Run {
            p,
            registry,
            batches,
            retrain_gate: RetrainGate {
                alpha: p.alpha,
                correction: p.correction,
            },
            promotion_gate: PromotionGate {
                metric: GateMetric::Auc,
                margin: p.margin,
            },
            seed_text,
            trained,
            service,
            monitor,
            pending: DelayedLabels::new(p.label_delay),
            auc: vec![None; p.weeks],
            auc_known: vec![None; p.weeks],
            records: Vec::with_capacity(p.weeks),
            canary_run: None,
            watch: None,
            counts: Counts::default(),
        })
    }

    /// AUC of `model` over the `counterfactual_weeks` after `w`, with that span (`None` when
    /// the horizon is 0).
    fn future_auc(&self, model: &GbmModel, w: usize) -> Result<Option<(f64, [usize; 2])>> {
        let horizon = self.p.counterfactual_weeks;
        if horizon == 0 {
            return Ok(None);
        }
        let span = w + 1..w + 1 + horizon;
        let frames: Vec<&Frame> = self.batches[span.clone()].iter().collect();
        let df = concat(&frames)?;
        let s = model.predict_proba(&df.features())?;
        Ok(performance(df.labels(), &s)?.map(|a| (a, [span.start, span.end - 1])))
    }

    /// Serve week `w`'s live batch and queue its predictions until the labels arrive.
    fn serve(&mut self, w: usize) -> Result<Week> {
        let rows = self.batches[w].features();
        let served = self
            .service
            .predict_rows(&rows, (w * self.p.rows_per_week) as u64)?;
        let live_version = self.service.stable().version;
        let live_label = self.service.stable().label.clone();
        let canary = self.service.canary().map(|c| CanaryRecord {
            version: c.deployed.version,
            label: c.deployed.label.clone(),
            weight: c.weight,
            status: c.status,
        });
        self.pending.served(
            w,
            ServedWeek {
                probs: served.probabilities,
                by: served.served_by,
                stable: live_version,
                canary: self.canary_run.as_ref().map(|c| (c.version, c.step)),
            },
        );
        Ok(Week {
            w,
            clock: Clock { week: w, tick: 0 },
            live_version,
            live_label,
            canary,
            decisions: Vec::new(),
        })
    }

    /// Test the week's inputs for drift, counting alarms (false ones: the data came from the
    /// same process as the live version's training data).
    fn observe(&mut self, week: &Week) -> Result<Option<DriftReport>> {
        let report = match self.monitor.as_mut() {
            Some(m) => m.observe(&self.batches[week.w])?,
            None => None,
        };
        if report.as_ref().is_some_and(|r| r.alarm) {
            self.counts.alarms += 1;
            let now = process(self.p, week.w);
            let same = self
                .trained
                .get(&week.live_version)
                .is_some_and(|t| t.processes.iter().all(|q| *q == now));
            if same {
                self.counts.false_alarms += 1;
            }
        }
        Ok(report)
    }

    /// Labels of the weeks served `label_delay` ago arrive: their AUC, the canary's evidence
    /// and the post-promotion check.
    async fn labels_arrive(&mut self, week: &mut Week) -> Result<()> {
        for arrived in self.pending.arrived(week.w) {
            let wk = arrived.week;
            self.auc[wk] = performance(self.batches[wk].labels(), &arrived.served.probs)?;
            self.auc_known[wk] = Some(week.w);
            self.canary_evidence(wk, &arrived.served);
            self.rollback_check(wk, &arrived.served, week).await?;
        }
        Ok(())
    }

    /// Add week `wk`'s labelled outcomes to the canary's current step, if it was served then.
    fn canary_evidence(&mut self, wk: usize, served: &ServedWeek) {
        let Some(c) = self.canary_run.as_mut() else {
            return;
        };
        if served.canary != Some((c.version, c.step)) {
            return;
        }
        let y = self.batches[wk].labels();
        for (i, by) in served.by.iter().enumerate() {
            let (ys, ps) = match by {
                ServedBy::Stable => (&mut c.stable_y, &mut c.stable_p),
                ServedBy::Canary => (&mut c.canary_y, &mut c.canary_p),
            };
            ys.push(y[i]);
            ps.push(served.probs[i]);
        }
        c.fresh = true;
    }

    /// The post-promotion check: on the first labelled week a newly promoted version served
    /// alone, compare it with its predecessor on the same rows; roll back if it regressed.
    async fn rollback_check(
        &mut self,
        wk: usize,
        served: &ServedWeek,
        week: &mut Week,
    ) -> Result<()> {
        let due = self.watch.as_ref().is_some_and(|wt| {
            wk >= wt.from_week
                && served.stable == wt.version
                && served.canary.is_none()
                && self.service.stable().version == wt.version
        });
        if !due {
            return Ok(());
        }
        self.watch = None;
        let Some(prev) = self.service.rollback_target() else {
            return Ok(());
        };
        let batch = &self.batches[wk];
        let (Some(now_auc), Some(prev_auc)) = (
            self.auc[wk],
            performance(
                batch.labels(),
                &prev.model.predict_proba(&batch.features())?,
            )?,
        ) else {
            return Ok(());
        };
        let p = self.p;
        let (new_v, prev_v, prev_label) = (
            self.service.stable().version,
            prev.version,
            prev.label.clone(),
        );
        let evidence = Evidence {
            auc_current: Some(now_auc),
            auc_candidate: Some(prev_auc),
            margin: Some(p.rollback_tolerance),
            dataset: Some(format!("week {wk} labelled traffic")),
            note: Some(format!(
                "auc_current: v{new_v} as served; auc_candidate: v{prev_v} on the same rows"
            )),
            ..Evidence::default()
        };
        let regressed = now_auc < prev_auc - p.rollback_tolerance;
        let (verdict, reason) = if !regressed {
            (
                "keep",
                format!(
                    "v{new_v} AUC {now_auc:.4} vs v{prev_v} {prev_auc:.4} on week {wk}: \
                     no regression"
                ),
            )
        } else if p.practices.rollback {
            let reason = format!(
                "v{new_v} AUC {now_auc:.4} is below v{prev_v} {prev_auc:.4} on week {wk} \
                 by more than {}: roll back to {prev_label}",
                p.rollback_tolerance
            );
            self.roll_back(&reason, &evidence, prev_v, &prev_label, week)
                .await?;
            ("rollback", reason)
        } else {
            (
                "keep (rollback off)",
                format!(
                    "v{new_v} AUC {now_auc:.4} is below v{prev_v} {prev_auc:.4} on week \
                     {wk}, but rollback is switched off"
                ),
            )
        };
        week.decisions.push(Decision {
            kind: DecisionKind::RollbackCheck,
            actor: Actor::Orchestrator,
            decision: verdict.to_string(),
            reason,
            evidence,
            version: Some(new_v),
            counterfactual: None,
        });
        Ok(())
    }

    /// Roll production back to `prev_v` (`prev_label`), cancelling any canary in progress.
    async fn roll_back(
        &mut self,
        reason: &str,
        evidence: &Evidence,
        prev_v: u32,
        prev_label: &str,
        week: &mut Week,
    ) -> Result<()> {
        self.registry
            .rollback(
                &Cause::new(Actor::Orchestrator, reason.to_string(), week.clock.now())
                    .with_evidence(evidence.clone()),
            )
            .await?;
        self.service.rollback()?;
        // The service drops a canary when it rolls back; archive that candidate too, so that
        // registry, service and loop tell the same story.
        if let Some(c) = self.canary_run.take() {
            self.registry
                .transition(
                    c.version,
                    Stage::Archived,
                    &Cause::new(
                        Actor::Orchestrator,
                        format!(
                            "canary of v{} cancelled: production rolled back to {prev_label}",
                            c.version
                        ),
                        week.clock.now(),
                    ),
                )
                .await?;
        }
        self.monitor_follows(prev_v);
        self.counts.rollbacks += 1;
        Ok(())
    }

    /// Point the drift monitor at `version`'s training reference (if both exist).
    fn monitor_follows(&mut self, version: u32) {
        if let (Some(m), Some(t)) = (self.monitor.as_mut(), self.trained.get(&version)) {
            m.deployed(&t.reference);
        }
    }

    /// Analyse the canary's step once new labelled outcomes arrived: advance, pause, abort or
    /// promote.
    async fn canary_analysis(&mut self, week: &mut Week) -> Result<()> {
        let p = self.p;
        let Some(c) = self.canary_run.as_mut().filter(|c| c.fresh) else {
            return Ok(());
        };
        c.fresh = false;
        let a = analyze_canary(
            &c.stable_y,
            &c.stable_p,
            &c.canary_y,
            &c.canary_p,
            &p.canary,
        )?;
        let weight = self.service.canary().map_or(0, |s| s.weight);
        let action = self.service.apply_analysis(&a, p.practices.rollback)?;
        let evidence = Evidence {
            auc_current: a.auc_stable,
            auc_candidate: a.auc_canary,
            margin: Some(p.canary.tolerance),
            dataset: Some(format!("labelled traffic of the {weight} % step")),
            note: Some(format!(
                "outcome {:?}; n_stable = {}, n_canary = {}",
                a.outcome, a.n_stable, a.n_canary
            )),
            ..Evidence::default()
        };
        let version = c.version;
        let verdict = match action {
            CanaryAction::Advanced { weight } | CanaryAction::IgnoredFailure { weight } => {
                c.step += 1;
                c.stable_y.clear();
                c.stable_p.clear();
                c.canary_y.clear();
                c.canary_p.clear();
                if matches!(action, CanaryAction::IgnoredFailure { .. }) {
                    format!("failed, advance to {weight} % anyway (rollback off)")
                } else {
                    format!("advance to {weight} %")
                }
            }
            CanaryAction::Paused { .. } => "pause".to_string(),
            CanaryAction::Aborted => {
                self.registry
                    .archive(
                        version,
                        &Cause::new(Actor::Canary, a.reason.clone(), week.clock.now())
                            .with_evidence(evidence.clone()),
                    )
                    .await?;
                self.trained.remove(&version);
                self.counts.aborts += 1;
                "abort".to_string()
            }
            CanaryAction::Promoted => {
                let reason = if a.outcome == AnalysisOutcome::Failed {
                    format!("{} — promoted anyway (rollback off)", a.reason)
                } else {
                    format!("{}: promote", a.reason)
                };
                self.registry
                    .promote(
                        version,
                        &Cause::new(Actor::Canary, reason, week.clock.now())
                            .with_evidence(evidence.clone()),
                    )
                    .await?;
                self.monitor_follows(version);
                self.counts.promotions += 1;
                self.watch = Some(Watch {
                    version,
                    from_week: week.w + 1,
                });
                "promote".to_string()
            }
        };
        if matches!(action, CanaryAction::Aborted | CanaryAction::Promoted) {
            self.canary_run = None;
        }
        week.decisions.push(Decision {
            kind: DecisionKind::CanaryAnalysis,
            actor: Actor::Canary,
            decision: verdict,
            reason: a.reason,
            evidence,
            version: Some(version),
            counterfactual: None,
        });
        Ok(())
    }

    /// Gate 1 on the week's drift report: wait (canary running, or too few labelled weeks),
    /// keep, or retrain on the `train_weeks` before the newest labelled week and go to gate 2.
    async fn decide_retrain(&mut self, report: &DriftReport, week: &mut Week) -> Result<()> {
        let p = self.p;
        let g1 = self.retrain_gate.decide_report(report)?;
        // The newest labelled week evaluates; the `train_weeks` before it train.
        let eval_week = week.w.checked_sub(p.label_delay);
        let window = eval_week.and_then(|e| e.checked_sub(p.train_weeks).map(|s| (s, e)));
        let current = self.service.stable().version;
        if self.canary_run.is_some() {
            if g1.decision {
                week.decisions.push(wait_decision(
                    &g1,
                    current,
                    " — but a canary is in progress: retrain after it ends",
                ));
            }
            return Ok(());
        }
        let Some((start, e)) = window else {
            if g1.decision {
                week.decisions.push(wait_decision(
                    &g1,
                    current,
                    &format!(
                        " — but fewer than {} labelled weeks exist: retrain once labels arrive",
                        p.train_weeks + 1
                    ),
                ));
            }
            return Ok(());
        };
        // A candidate is trained when gate 1 asks for one, or to score the road not taken.
        let candidate = if g1.decision || p.counterfactual_weeks > 0 {
            Some(self.train_candidate(start..e, week.w)?)
        } else {
            None
        };
        let counterfactual = match &candidate {
            Some(cand) => {
                let cur = self.future_auc(&self.service.stable().model, week.w)?;
                let new = self.future_auc(&cand.model, week.w)?;
                match (cur, new) {
                    (Some((ca, span)), Some((na, _))) => Some(counterfactual(
                        span,
                        g1.decision,
                        ("retrain", na),
                        ("keep", ca),
                    )),
                    _ => None,
                }
            }
            None => None,
        };
        week.decisions.push(gate_decision(
            DecisionKind::RetrainGate,
            Actor::RetrainGate,
            if g1.decision { "retrain" } else { "keep" },
            &g1,
            Some(current),
            counterfactual,
        ));
        if let (true, Some(cand)) = (g1.decision, candidate) {
            self.decide_promotion(&g1, cand, e, week).await?;
        }
        Ok(())
    }

    /// Train a candidate on the live batches of `weeks`, with week `w`'s random state.
    fn train_candidate(&self, weeks: std::ops::Range<usize>, w: usize) -> Result<Candidate> {
        let train_frames: Vec<&Frame> = self.batches[weeks.clone()].iter().collect();
        let df = concat(&train_frames)?;
        let rs = random_state(self.p, w);
        let BookModel { model, auc } = train_book(&df, rs)?;
        Ok(Candidate {
            df,
            model,
            auc,
            random_state: rs,
            weeks,
        })
    }

    /// Register the candidate gate 1 asked for, with its lineage; its version and label.
    async fn register_candidate(
        &mut self,
        g1: &GateDecision,
        cand: &Candidate,
        week: &mut Week,
    ) -> Result<(u32, String)> {
        let p = self.p;
        self.counts.candidates += 1;
        self.counts.retrains += 1;
        let label = format!("1.{}.0", self.counts.candidates);
        let weeks: Vec<usize> = cand.weeks.clone().collect();
        let drift_text = format!(
            "{:?}",
            weeks
                .iter()
                .map(|&k| p.schedule.drift_days(k))
                .collect::<Vec<_>>()
        );
        let lineage = lineage_of(
            self.seed_text.clone(),
            drift_text,
            &cand.df,
            p.practices.seeded_training.then_some(cand.random_state),
            Some(&LoopLineage {
                seed: p.seed,
                schedule: p.schedule,
                rows_per_week: p.rows_per_week,
                source: TrainingSource::Weeks { weeks },
            }),
        )?;
        let v = self
            .registry
            .register(
                &new_version(
                    label.clone(),
                    &cand.model,
                    lineage,
                    cand.auc,
                    "held-out 25 %",
                ),
                &Cause::new(Actor::RetrainGate, g1.reason.clone(), week.clock.now())
                    .with_evidence(g1.evidence.clone()),
            )
            .await?;
        Ok((v, label))
    }

    /// Gate 2 on the registered candidate: current and candidate scored on the same newest
    /// labelled week `e`; the candidate is archived, starts a canary, or is promoted at once.
    async fn decide_promotion(
        &mut self,
        g1: &GateDecision,
        cand: Candidate,
        e: usize,
        week: &mut Week,
    ) -> Result<()> {
        let p = self.p;
        let (v, label) = self.register_candidate(g1, &cand, week).await?;
        // Gate 2: both models on the same newest labelled week.
        let eval = &self.batches[e];
        let eval_rows = eval.features();
        let g2 = self.promotion_gate.decide(
            &self.service.stable().model,
            &cand.model,
            &eval_rows,
            eval.labels(),
            &format!("week {e} labelled traffic"),
        )?;
        let promote = g2.decision || !p.practices.promotion_gate;
        let verdict = match (g2.decision, p.practices.promotion_gate) {
            (true, _) => "promote",
            (false, true) => "reject",
            (false, false) => "promote (gate off)",
        };
        let counterfactual = match (
            self.future_auc(&cand.model, week.w)?,
            self.future_auc(&self.service.stable().model, week.w)?,
        ) {
            (Some((na, span)), Some((ca, _))) => Some(counterfactual(
                span,
                promote,
                ("promote", na),
                ("reject", ca),
            )),
            _ => None,
        };
        let mut d = gate_decision(
            DecisionKind::PromotionGate,
            Actor::PromotionGate,
            verdict,
            &g2,
            Some(v),
            counterfactual,
        );
        if !p.practices.promotion_gate {
            d.reason
                .push_str(" — gate 2 is switched off: every candidate goes on");
        }
        week.decisions.push(d);
        let processes = cand.weeks.clone().map(|k| process(p, k)).collect();
        let dep = Deployed {
            version: v,
            label: label.clone(),
            model: cand.model,
        };
        if !promote {
            self.registry
                .archive(
                    v,
                    &Cause::new(Actor::PromotionGate, g2.reason.clone(), week.clock.now())
                        .with_evidence(g2.evidence.clone()),
                )
                .await?;
        } else if p.practices.canary {
            self.start_canary(dep, &g2, &cand.df, processes, week)
                .await?;
        } else {
            self.promote_now(dep, &g2, &cand.df, processes, week)
                .await?;
        }
        Ok(())
    }

    /// Gate 2 passed with canaries on: stage the candidate `dep` and route its first canary
    /// step to it from next week.
    async fn start_canary(
        &mut self,
        dep: Deployed,
        g2: &GateDecision,
        df: &Frame,
        processes: Vec<(u64, Option<Fault>)>,
        week: &mut Week,
    ) -> Result<()> {
        let (v, label) = (dep.version, dep.label.clone());
        self.registry
            .transition(
                v,
                Stage::Staging,
                &Cause::new(
                    Actor::PromotionGate,
                    format!("{}: canary", g2.reason),
                    week.clock.now(),
                )
                .with_evidence(g2.evidence.clone()),
            )
            .await?;
        let weight = self.service.start_canary(dep, self.p.canary.clone())?;
        self.trained.insert(
            v,
            Trained {
                reference: tail(df, self.p.rows_per_week)?,
                processes,
            },
        );
        self.canary_run = Some(CanaryRun {
            version: v,
            step: 0,
            stable_y: Vec::new(),
            stable_p: Vec::new(),
            canary_y: Vec::new(),
            canary_p: Vec::new(),
            fresh: false,
        });
        week.decisions.push(Decision {
            kind: DecisionKind::CanaryStart,
            actor: Actor::PromotionGate,
            decision: format!("canary at {weight} %"),
            reason: format!("{label} starts its canary from week {}", week.w + 1),
            evidence: g2.evidence.clone(),
            version: Some(v),
            counterfactual: None,
        });
        Ok(())
    }

    /// Gate 2 passed with canaries off: the candidate `dep` serves all traffic from next week,
    /// watched by the post-promotion check.
    async fn promote_now(
        &mut self,
        dep: Deployed,
        g2: &GateDecision,
        df: &Frame,
        processes: Vec<(u64, Option<Fault>)>,
        week: &mut Week,
    ) -> Result<()> {
        let (v, label) = (dep.version, dep.label.clone());
        self.registry
            .promote(
                v,
                &Cause::new(Actor::PromotionGate, g2.reason.clone(), week.clock.now())
                    .with_evidence(g2.evidence.clone()),
            )
            .await?;
        self.service.promote(dep);
        self.trained.insert(
            v,
            Trained {
                reference: tail(df, self.p.rows_per_week)?,
                processes,
            },
        );
        self.monitor_follows(v);
        self.counts.promotions += 1;
        self.watch = Some(Watch {
            version: v,
            from_week: week.w + 1,
        });
        week.decisions.push(Decision {
            kind: DecisionKind::Promotion,
            actor: Actor::PromotionGate,
            decision: "promote".into(),
            reason: format!(
                "{label} serves all traffic from week {} (no canary)",
                week.w + 1
            ),
            evidence: g2.evidence.clone(),
            version: Some(v),
            counterfactual: None,
        });
        Ok(())
    }

    /// Close the week: its record, with the drift evidence (AUCs are filled in at the end).
    fn record(&mut self, week: Week, report: Option<DriftReport>) {
        let w = week.w;
        self.records.push(WeekRecord {
            week: w,
            drift_days: self.p.schedule.drift_days(w),
            broken_feature: self.p.schedule.fault(w).is_some(),
            live_version: week.live_version,
            live_label: week.live_label,
            drift: report.map(|r| DriftEvidence {
                pvalues: r.pvalues,
                statistics: r.statistics,
                alarm: r.alarm,
                reference: r.reference,
            }),
            auc: None,
            auc_known_week: None,
            canary: week.canary,
            decisions: week.decisions,
        });
    }

    /// Fill in each week's AUC as known by the end, and sum the run up.
    async fn summary(self) -> Result<Timeline> {
        let p = self.p;
        let mut records = self.records;
        let (mut total, mut known, mut below) = (0.0, 0usize, 0usize);
        for (rec, (a, k)) in records.iter_mut().zip(self.auc.iter().zip(&self.auc_known)) {
            rec.auc = *a;
            rec.auc_known_week = *k;
            if let Some(a) = a {
                total += a;
                known += 1;
                if *a < p.auc_threshold {
                    below += 1;
                }
            }
        }
        let state = self.registry.state().await?;
        let final_version = state.production().unwrap_or(0);
        let final_label = state
            .labels
            .get((final_version as usize).wrapping_sub(1))
            .cloned()
            .unwrap_or_default();
        let c = self.counts;
        Ok(Timeline {
            params: p.clone(),
            weeks: records,
            summary: Summary {
                mean_auc: if known > 0 { total / known as f64 } else { 0.0 },
                weeks_below: below,
                auc_threshold: p.auc_threshold,
                alarms: c.alarms,
                false_alarms: c.false_alarms,
                retrains: c.retrains,
                promotions: c.promotions,
                canary_aborts: c.aborts,
                rollbacks: c.rollbacks,
                final_version,
                final_label,
                registry_events: state.events,
            },
        })
    }
}

/// The training random state for week `w`: the chapter's 42 when training is seeded, else a
/// SplitMix64 draw from the seed and the week.
fn random_state(p: &LoopParams, w: usize) -> u32 {
    if p.practices.seeded_training {
        SEEDED_RANDOM_STATE
    } else {
        (crate::serving::splitmix64(p.seed ^ (w as u64).wrapping_mul(0x9e37_79b9)) >> 33) as u32
    }
}

/// The process week `w`'s data comes from: its drift (as bits) and its fault.
fn process(p: &LoopParams, w: usize) -> (u64, Option<Fault>) {
    (p.schedule.drift_days(w).to_bits(), p.schedule.fault(w))
}

/// The chapter's three steps as the registry saw them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChapterRun {
    /// Version of `1.0.0`.
    pub v1: u32,
    /// Its AUC on its own test split (0.7135674911042409).
    pub auc_v1: f64,
    /// Gate 1 on `days_since_login` of `make_data(1, 0.0)` vs `make_data(2, 10)`.
    pub retrain: GateDecision,
    /// Version of `1.1.0`, if trained.
    pub v2: Option<u32>,
    /// Gate 2 on `make_data(3, 10)`, if a candidate was trained.
    pub promotion: Option<GateDecision>,
}

/// The chapter through a registry: register `1.0.0` (seed 1, drift 0.0) in Production; KS on
/// days against `make_data(2, 10)` → gate 1 → train `1.1.0` on it → gate 2 on
/// `make_data(3, 10)` (same rows for both) → promote, archiving `1.0.0`.
///
/// # Errors
/// Registry errors (e.g. the labels already exist).
pub async fn run_chapter<S: Store>(registry: &Registry<S>) -> Result<ChapterRun> {
    let reference = make_data(1, Drift::Float(0.0), 3000)?;
    let BookModel {
        model: m1,
        auc: auc_v1,
    } = train_book(&reference, SEEDED_RANDOM_STATE)?;
    let lin1 = lineage_of("1".into(), "0.0".into(), &reference, Some(42), None)?;
    let v1 = registry
        .register(
            &new_version("1.0.0".into(), &m1, lin1, auc_v1, "own test split"),
            &Cause::new(Actor::User, "the chapter's first model", 0.0),
        )
        .await?;
    registry
        .promote(v1, &Cause::new(Actor::User, "first deployment", 1.0))
        .await?;

    let live = make_data(2, Drift::Int(10), 3000)?;
    let ks = ks_2samp(
        &column(&reference, "days_since_login")?,
        &column(&live, "days_since_login")?,
        KsMethod::Auto,
    )?;
    let mut retrain = RetrainGate::book().decide(&[FeatureTest {
        feature: "days_since_login".into(),
        pvalue: ks.pvalue,
        statistic: ks.statistic,
    }])?;
    retrain.evidence.dataset = Some(format!(
        "reference {} vs live {}",
        fingerprint(&reference).short,
        fingerprint(&live).short
    ));
    if !retrain.decision {
        return Ok(ChapterRun {
            v1,
            auc_v1,
            retrain,
            v2: None,
            promotion: None,
        });
    }
    let BookModel {
        model: m2,
        auc: auc_own,
    } = train_book(&live, SEEDED_RANDOM_STATE)?;
    let lin2 = lineage_of("2".into(), "10".into(), &live, Some(42), None)?;
    let v2 = registry
        .register(
            &new_version("1.1.0".into(), &m2, lin2, auc_own, "own test split"),
            &Cause::new(Actor::RetrainGate, retrain.reason.clone(), WEEK_MS)
                .with_evidence(retrain.evidence.clone()),
        )
        .await?;
    let recent = make_data(3, Drift::Int(10), 3000)?;
    let promotion = PromotionGate::book().decide(
        &m1,
        &m2,
        &recent.features(),
        recent.labels(),
        &format!("make_data(3, 10) {}", fingerprint(&recent).short),
    )?;
    let cause = Cause::new(
        Actor::PromotionGate,
        promotion.reason.clone(),
        2.0 * WEEK_MS,
    )
    .with_evidence(promotion.evidence.clone());
    if promotion.decision {
        registry.promote(v2, &cause).await?;
    } else {
        registry.archive(v2, &cause).await?;
    }
    Ok(ChapterRun {
        v1,
        auc_v1,
        retrain,
        v2: Some(v2),
        promotion: Some(promotion),
    })
}
