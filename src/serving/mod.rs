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
//!
//! Its files: `request.rs` (the typed [`ChurnRequest`] / [`ChurnResponse`] and a [`Deployed`]
//! model), `canary.rs` (the [`CanaryPlan`], a canary step's [`analyze_canary`] and the
//! [`CanaryAction`] taken); this file is the [`Service`] itself: routing, answering, the
//! canary's steps and rollback.

mod canary;
mod request;

pub use canary::{
    analyze_canary, AnalysisOutcome, CanaryAction, CanaryAnalysis, CanaryPlan, CanaryState,
    CanaryStatus,
};
pub use request::{ChurnRequest, ChurnResponse, Deployed, ServedBy, DAYS_RANGE, SPEND_RANGE};

use crate::gbm::GbmModel;
use crate::registry::{Registry, Store};
use crate::seeds::splitmix64;
use crate::{Error, Result};

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
        let served_by = self.route_rows(rows, first_id)?;
        let pick = |by: ServedBy| {
            rows.iter()
                .zip(&served_by)
                .filter(|(_, b)| **b == by)
                .map(|(r, _)| *r)
                .collect::<Vec<_>>()
        };
        let (stable_rows, canary_rows) = (pick(ServedBy::Stable), pick(ServedBy::Canary));
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

    /// [`predict_rows`](Self::predict_rows), with each deployment's scores on all of `rows`
    /// given by `scores_of` (kept from an earlier call, say): each row gets its server's score
    /// of that row. A model scores each row alone, so this is `predict_rows`' answer, bit for
    /// bit, when `scores_of(d)` is `d.model`'s scores on `rows`; a deployment that answers no
    /// row is not asked.
    ///
    /// # Errors
    /// As [`predict_rows`](Self::predict_rows); `scores_of`'s; [`Error::Invalid`] naming
    /// `scores` when `scores_of` gives other than one score per row.
    pub fn predict_rows_from(
        &self,
        rows: &[[f64; 3]],
        first_id: u64,
        mut scores_of: impl FnMut(&Deployed) -> Result<std::sync::Arc<[f64]>>,
    ) -> Result<ServedBatch> {
        let served_by = self.route_rows(rows, first_id)?;
        let mut of = |by: ServedBy| -> Result<Option<std::sync::Arc<[f64]>>> {
            if !served_by.contains(&by) {
                return Ok(None);
            }
            let s = scores_of(self.model_for(by))?;
            if s.len() != rows.len() {
                return Err(Error::invalid(
                    "scores",
                    s.len(),
                    format!("expected one per row ({})", rows.len()),
                ));
            }
            Ok(Some(s))
        };
        let (ps, pc) = (of(ServedBy::Stable)?, of(ServedBy::Canary)?);
        let probabilities = served_by
            .iter()
            .enumerate()
            .map(|(i, by)| {
                let s = match by {
                    ServedBy::Stable => &ps,
                    ServedBy::Canary => &pc,
                };
                s.as_ref().map_or(f64::NAN, |s| s[i])
            })
            .collect();
        Ok(ServedBatch {
            probabilities,
            served_by,
        })
    }

    /// Check every row as a request with ids `first_id, first_id + 1, ...` and route it.
    fn route_rows(&self, rows: &[[f64; 3]], first_id: u64) -> Result<Vec<ServedBy>> {
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                let req = ChurnRequest {
                    request_id: first_id.wrapping_add(i as u64),
                    spend_per_active_day: r[0],
                    is_recent: r[1] as i64,
                    days_since_login: r[2],
                };
                req.validate()?;
                Ok(self.route(req.request_id))
            })
            .collect()
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
