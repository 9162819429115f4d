//! Serving: the loop's production stage. A [`Service`] loads the production version from the
//! registry, answers typed [`ChurnRequest`]s with a [`ChurnResponse`] (probability, version,
//! `served_by` stable or canary), runs a canary rollout in weight steps and can roll back
//! instantly.
//!
//! The canary follows Argo Rollouts' model: a plan of weight steps (10 → 50 → 100 %), a
//! deterministic share of requests routed to the canary by request id, and after each step an
//! analysis of canary vs stable on labelled outcomes whose result is one of Argo's
//! `Successful` (next step), `Failed` (abort: weight 0, recorded) or `Inconclusive` (too few
//! labels: pause at the current weight until more arrive). Reaching the last step (100 %)
//! promotes the canary to stable. Routing uses SplitMix64 (Steele, Lea & Flood 2014) of the
//! service's seed and the request id: no OS randomness, the same request always goes the same
//! way.

use crate::gbm::GbmModel;
use crate::metrics::roc_auc;
use crate::registry::{Registry, Store};
use crate::seeds::splitmix64;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Accepted range of `spend_per_active_day` (currency per active day; the book's draws are
/// exponential with mean 5, a broken upstream feed may scale them ×100).
pub const SPEND_RANGE: (f64, f64) = (0.0, 1.0e6);
/// Accepted range of `days_since_login` (the book's draws are 0..89 plus a drift, which may be
/// negative in a seasonal schedule).
pub const DAYS_RANGE: (f64, f64) = (-3650.0, 36500.0);

/// One scoring request: a customer's three features, in the model's order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChurnRequest {
    /// Caller's id of the request; routing to stable or canary is a function of it.
    pub request_id: u64,
    /// Spend per active day, in [`SPEND_RANGE`].
    pub spend_per_active_day: f64,
    /// 1 if the customer logged in within 30 days, else 0.
    pub is_recent: i64,
    /// Days since the last login, in [`DAYS_RANGE`].
    pub days_since_login: f64,
}

impl ChurnRequest {
    /// The request's feature row after validation.
    ///
    /// ```
    /// use mlops_loop::serving::ChurnRequest;
    /// let r = ChurnRequest { request_id: 1, spend_per_active_day: 4.0, is_recent: 2,
    ///                        days_since_login: 12.0 };
    /// assert!(r.validate().unwrap_err().to_string().contains("is_recent"));
    /// ```
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the first field outside its range (NaN and infinities included).
    pub fn validate(&self) -> Result<[f64; 3]> {
        let in_range = |field: &'static str, v: f64, (lo, hi): (f64, f64)| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(v)
            } else {
                Err(Error::invalid(
                    field,
                    v,
                    format!("expected a finite number in [{lo}, {hi}]"),
                ))
            }
        };
        let spend = in_range(
            "spend_per_active_day",
            self.spend_per_active_day,
            SPEND_RANGE,
        )?;
        if self.is_recent != 0 && self.is_recent != 1 {
            return Err(Error::invalid(
                "is_recent",
                self.is_recent,
                "expected 0 or 1",
            ));
        }
        let days = in_range("days_since_login", self.days_since_login, DAYS_RANGE)?;
        Ok([spend, self.is_recent as f64, days])
    }
}

/// Which deployment answered a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServedBy {
    /// The production (stable) version.
    Stable,
    /// The canary version under rollout.
    Canary,
}

/// The answer to a [`ChurnRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnResponse {
    /// The request's id, echoed.
    pub request_id: u64,
    /// Predicted probability that the customer churns.
    pub churn_probability: f64,
    /// Registry version number of the model that answered.
    pub model_version: u32,
    /// That version's label (`1.1.0`).
    pub model_label: String,
    /// Stable or canary.
    pub served_by: ServedBy,
}

/// A model loaded for serving, with its registry identity.
#[derive(Debug, Clone)]
pub struct Deployed {
    /// Registry version number.
    pub version: u32,
    /// Registry label.
    pub label: String,
    /// The fitted model.
    pub model: GbmModel,
}

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

/// The routing bucket of a request, uniform in 0..10000: `splitmix64(seed ⊕ splitmix64(id))`.
pub fn route_bucket(seed: u64, request_id: u64) -> u32 {
    (splitmix64(seed ^ splitmix64(request_id)) % 10_000) as u32
}

/// Predictions for a batch of rows, with who answered each.
#[derive(Debug, Clone, PartialEq)]
pub struct ServedBatch {
    /// Churn probability per row.
    pub probabilities: Vec<f64>,
    /// Stable or canary per row.
    pub served_by: Vec<ServedBy>,
}

/// The churn service: a stable version, at most one canary, and the versions it can roll back to.
#[derive(Debug, Clone)]
pub struct Service {
    stable: Deployed,
    previous: Vec<Deployed>,
    canary: Option<CanaryState>,
    routing_seed: u64,
}

impl Service {
    /// A service answering with `stable`; canary routing is seeded with `routing_seed`.
    pub fn new(stable: Deployed, routing_seed: u64) -> Self {
        Service {
            stable,
            previous: Vec::new(),
            canary: None,
            routing_seed,
        }
    }

    /// Load the registry's production version, and its rollback target (the top of the
    /// registry's production trail) so that a rollback needs no loading.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `production` when the registry has none; registry errors;
    /// [`Error::Malformed`] for a stored model that does not load.
    pub async fn from_registry<S: Store>(
        registry: &Registry<S>,
        routing_seed: u64,
    ) -> Result<Self> {
        let Some(v) = registry.production().await? else {
            return Err(Error::invalid(
                "production",
                "none",
                "the registry has no Production version to serve",
            ));
        };
        let load = |mv: crate::registry::ModelVersion| -> Result<Deployed> {
            Ok(Deployed {
                version: mv.version,
                model: GbmModel::from_json(&mv.model_json)?,
                label: mv.label,
            })
        };
        let mut service = Service::new(load(registry.get(v).await?)?, routing_seed);
        // Keep the registry's rollback target loaded, so that a rollback is instant.
        if let Some(&prev) = registry.state().await?.trail.last() {
            service.previous.push(load(registry.get(prev).await?)?);
        }
        Ok(service)
    }

    /// The stable (production) deployment.
    pub fn stable(&self) -> &Deployed {
        &self.stable
    }

    /// The canary in progress, if any.
    pub fn canary(&self) -> Option<&CanaryState> {
        self.canary.as_ref()
    }

    /// The deployment an instant rollback would restore, if any.
    pub fn rollback_target(&self) -> Option<&Deployed> {
        self.previous.last()
    }

    /// Versions the service can roll back to, most recent last.
    pub fn rollback_targets(&self) -> Vec<u32> {
        self.previous.iter().map(|d| d.version).collect()
    }

    /// Where request `request_id` goes under the current canary weight.
    pub fn route(&self, request_id: u64) -> ServedBy {
        match &self.canary {
            Some(c) if route_bucket(self.routing_seed, request_id) < u32::from(c.weight) * 100 => {
                ServedBy::Canary
            }
            _ => ServedBy::Stable,
        }
    }

    fn model_for(&self, by: ServedBy) -> &Deployed {
        match (&self.canary, by) {
            (Some(c), ServedBy::Canary) => &c.deployed,
            _ => &self.stable,
        }
    }

    /// Answer one request.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the request field that is out of range.
    pub fn predict(&self, request: &ChurnRequest) -> Result<ChurnResponse> {
        let row = request.validate()?;
        let by = self.route(request.request_id);
        let d = self.model_for(by);
        let p = d.model.predict_proba(&[row])?;
        Ok(ChurnResponse {
            request_id: request.request_id,
            churn_probability: p.first().copied().unwrap_or(f64::NAN),
            model_version: d.version,
            model_label: d.label.clone(),
            served_by: by,
        })
    }

    /// Answer a batch of rows whose request ids are `first_id, first_id + 1, ...` (one model
    /// call per deployment).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field of the first row out of range.
    pub fn predict_rows(&self, rows: &[[f64; 3]], first_id: u64) -> Result<ServedBatch> {
        let mut served_by = Vec::with_capacity(rows.len());
        let (mut stable_rows, mut canary_rows) = (Vec::new(), Vec::new());
        for (i, r) in rows.iter().enumerate() {
            let req = ChurnRequest {
                request_id: first_id.wrapping_add(i as u64),
                spend_per_active_day: r[0],
                is_recent: r[1] as i64,
                days_since_login: r[2],
            };
            req.validate()?;
            let by = self.route(req.request_id);
            match by {
                ServedBy::Stable => stable_rows.push(*r),
                ServedBy::Canary => canary_rows.push(*r),
            }
            served_by.push(by);
        }
        let ps = self.stable.model.predict_proba(&stable_rows)?;
        let pc = match &self.canary {
            Some(c) if !canary_rows.is_empty() => c.deployed.model.predict_proba(&canary_rows)?,
            _ => Vec::new(),
        };
        let (mut is, mut ic) = (ps.into_iter(), pc.into_iter());
        let probabilities = served_by
            .iter()
            .map(|by| match by {
                ServedBy::Stable => is.next(),
                ServedBy::Canary => ic.next(),
            })
            .map(|p| p.unwrap_or(f64::NAN))
            .collect();
        Ok(ServedBatch {
            probabilities,
            served_by,
        })
    }

    /// Start a canary of `candidate` at the plan's first weight.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `canary` when one is already running, or the plan's field.
    pub fn start_canary(&mut self, candidate: Deployed, plan: CanaryPlan) -> Result<u8> {
        plan.check()?;
        if let Some(c) = &self.canary {
            return Err(Error::invalid(
                "canary",
                c.deployed.label.clone(),
                "a canary is already running; abort or finish it first",
            ));
        }
        let weight = plan.steps.first().copied().unwrap_or(100);
        if weight == 100 {
            self.promote(candidate);
            return Ok(100);
        }
        self.canary = Some(CanaryState {
            deployed: candidate,
            plan,
            step: 0,
            weight,
            status: CanaryStatus::Running,
        });
        Ok(weight)
    }

    /// Act on a step's analysis: advance, promote, pause, or abort (when `abort_on_failure`;
    /// otherwise a failure is recorded and ignored).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `canary` when none is running.
    pub fn apply_analysis(
        &mut self,
        analysis: &CanaryAnalysis,
        abort_on_failure: bool,
    ) -> Result<CanaryAction> {
        let Some(c) = self.canary.as_mut() else {
            return Err(Error::invalid("canary", "none", "no canary is running"));
        };
        let advance = |c: &mut CanaryState| -> Option<u8> {
            c.step += 1;
            c.status = CanaryStatus::Running;
            c.plan.steps.get(c.step).copied()
        };
        match analysis.outcome {
            AnalysisOutcome::Inconclusive => {
                c.status = CanaryStatus::Paused;
                Ok(CanaryAction::Paused { weight: c.weight })
            }
            AnalysisOutcome::Failed if abort_on_failure => {
                self.canary = None;
                Ok(CanaryAction::Aborted)
            }
            outcome => match advance(c) {
                Some(w) if w < 100 => {
                    c.weight = w;
                    Ok(if outcome == AnalysisOutcome::Failed {
                        CanaryAction::IgnoredFailure { weight: w }
                    } else {
                        CanaryAction::Advanced { weight: w }
                    })
                }
                _ => {
                    if let Some(c) = self.canary.take() {
                        self.promote(c.deployed);
                    }
                    Ok(CanaryAction::Promoted)
                }
            },
        }
    }

    /// Remove the canary at once (weight 0); returns it.
    pub fn abort_canary(&mut self) -> Option<Deployed> {
        self.canary.take().map(|c| c.deployed)
    }

    /// Make `d` stable now; the old stable becomes the rollback target. Any canary is dropped.
    pub fn promote(&mut self, d: Deployed) {
        self.canary = None;
        let old = std::mem::replace(&mut self.stable, d);
        self.previous.push(old);
    }

    /// Instant rollback: the previous stable version serves again; returns its version.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `rollback` when there is nothing to go back to.
    pub fn rollback(&mut self) -> Result<u32> {
        let Some(prev) = self.previous.pop() else {
            return Err(Error::invalid(
                "rollback",
                format!("stable = version {}", self.stable.version),
                "no earlier version to go back to",
            ));
        };
        self.canary = None;
        self.stable = prev;
        Ok(self.stable.version)
    }
}
