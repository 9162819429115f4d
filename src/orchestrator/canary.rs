//! The canary phase: labelled outcomes of the canary's step, its analysis (advance, pause,
//! abort, promote), and the post-promotion check that rolls a regressed version back.

use super::run::{Run, ServedWeek, Watch, Week};
use super::timeline::{Decision, DecisionKind, Verdict};
use crate::monitor::performance;
use crate::registry::{Actor, Cause, Evidence, Stage, Store};
use crate::serving::{analyze_canary, AnalysisOutcome, CanaryAction, ServedBy};
use crate::Result;

impl<S: Store> Run<'_, S> {
    /// Add week `wk`'s labelled outcomes to the canary's current step, if it was served then.
    pub(super) fn canary_evidence(&mut self, wk: usize, served: &ServedWeek) {
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
    pub(super) async fn rollback_check(
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
                &self.batch_scores(&self.model_id(prev.version)?, &prev.model, wk)?,
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
                Verdict::Keep,
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
            (Verdict::Rollback, reason)
        } else {
            (
                Verdict::KeepRollbackOff,
                format!(
                    "v{new_v} AUC {now_auc:.4} is below v{prev_v} {prev_auc:.4} on week \
                     {wk}, but rollback is switched off"
                ),
            )
        };
        week.decisions.push(Decision {
            kind: DecisionKind::RollbackCheck,
            actor: Actor::Orchestrator,
            verdict,
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
            .rollback_registered(
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
    pub(super) fn monitor_follows(&mut self, version: u32) {
        if let (Some(m), Some(t)) = (self.monitor.as_mut(), self.deployable.get(&version)) {
            m.deployed(&t.reference);
        }
    }

    /// Analyse the canary's step once new labelled outcomes arrived: advance, pause, abort or
    /// promote.
    pub(super) async fn canary_analysis(&mut self, week: &mut Week) -> Result<()> {
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
                    Verdict::AdvanceAnyway { weight }
                } else {
                    Verdict::Advance { weight }
                }
            }
            CanaryAction::Paused { .. } => Verdict::Pause,
            CanaryAction::Aborted => {
                self.registry
                    .archive(
                        version,
                        &Cause::new(Actor::Canary, a.reason.clone(), week.clock.now())
                            .with_evidence(evidence.clone()),
                    )
                    .await?;
                self.deployable.remove(&version);
                self.counts.aborts += 1;
                Verdict::Abort
            }
            CanaryAction::Promoted => {
                let reason = if a.outcome == AnalysisOutcome::Failed {
                    format!("{} — promoted anyway (rollback off)", a.reason)
                } else {
                    format!("{}: promote", a.reason)
                };
                self.registry
                    .promote_registered(
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
                Verdict::Promote
            }
        };
        if matches!(action, CanaryAction::Aborted | CanaryAction::Promoted) {
            self.canary_run = None;
        }
        week.decisions.push(Decision {
            kind: DecisionKind::CanaryAnalysis,
            actor: Actor::Canary,
            verdict,
            reason: a.reason,
            evidence,
            version: Some(version),
            counterfactual: None,
        });
        Ok(())
    }
}
