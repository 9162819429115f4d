//! The loop's parameters: how long it runs, how much data a week brings, which practices are on.
//!
//! Read first by every phase: [`LoopParams`] (built with [`LoopParams::builder`], or deserialized
//! and [`check`](LoopParams::check)ed) holds the seed, the [`Schedule`](super::Schedule) of the world, the gates'
//! thresholds and the [`Practices`] that can be switched off.

use super::schedule::Schedule;
use crate::error::num_text;
use crate::monitor::Reference;
use crate::serving::CanaryPlan;
use crate::stats::Correction;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Most simulated weeks (ten years).
pub const MAX_WEEKS: usize = 520;
/// Most rows of live data over the whole run (`weeks · rows_per_week`), about 32 MB of frames.
pub const MAX_TOTAL_ROWS: usize = 1_000_000;
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
    /// Data-validation tests on each live batch and training set
    /// ([`validate`](super::validate)): a failing batch is quarantined (no drift test, never
    /// training data). Left out of the JSON when on, so older records read the same.
    #[serde(default = "on", skip_serializing_if = "is_on")]
    pub validation: bool,
}

fn on() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_on(v: &bool) -> bool {
    *v
}

impl Default for Practices {
    fn default() -> Self {
        Practices {
            monitoring: true,
            promotion_gate: true,
            canary: true,
            rollback: true,
            seeded_training: true,
            validation: true,
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
            // The book's alpha and margin (the loop corrects for its three features).
            alpha: crate::gates::RetrainGate::book().alpha,
            correction: Correction::Bonferroni,
            reference: Reference::Training,
            margin: crate::gates::PromotionGate::book().margin,
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
            return Err(Error::invalid(
                "alpha",
                num_text(self.alpha),
                "must be in (0, 1)",
            ));
        }
        if !(self.margin.is_finite() && self.margin.abs() <= 1.0) {
            return Err(Error::invalid(
                "margin",
                num_text(self.margin),
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
