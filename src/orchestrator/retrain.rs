//! Gate 1 of a week: on a drift alarm, wait, keep, or train a candidate on the labelled weeks
//! and register it.

use super::driver::Learners;
use super::lineage::{lineage_of, LoopLineage, TrainingSource};
use super::prefetch::{train_candidate, window};
use super::run::{counterfactual, gate_decision, wait_decision, Candidate, Run, Week};
use super::timeline::{Choice, DecisionKind, Verdict};
use crate::gates::GateDecision;
use crate::learner::Verdict as LearnerVerdict;
use crate::monitor::DriftReport;
use crate::pipeline::new_version;
use crate::registry::{Actor, Cause, Store};
use crate::Result;

impl<S: Store> Run<'_, S> {
    /// Gate 1 on the week's drift report: wait (canary running, or too few labelled weeks),
    /// keep, or retrain on the `train_weeks` before the newest labelled week and go to gate 2.
    pub(super) async fn decide_retrain(
        &mut self,
        report: &DriftReport,
        verdict: Option<&LearnerVerdict>,
        week: &mut Week,
        learners: &mut Learners<'_>,
    ) -> Result<()> {
        let p = self.p;
        let mut g1 = self.retrain_gate.decide_report(report)?;
        if let Some(v) = verdict {
            g1.decision = v.decision;
            g1.reason = learner_reason("trigger.py", v, "retrain", "keep");
        }
        // The newest labelled week evaluates; the `train_weeks` before it train.
        let window = window(p, week.w);
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
        let Some((weeks, e)) = window else {
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
        // Validation: no candidate is trained on a quarantined week, nor scored on one.
        let start = weeks.start;
        let refused = self.quarantined_in(start..e + 1);
        if let Some((k, why)) = refused {
            if g1.decision {
                let reason = format!(
                    "no candidate: week {k} of its data (weeks {start}-{e}) failed data validation ({why})"
                );
                week.decisions.push(wait_decision(
                    &g1,
                    current,
                    " — but its training data failed validation: no candidate",
                ));
                week.decisions.push(crate::orchestrator::Decision {
                    kind: DecisionKind::Validation,
                    actor: Actor::Orchestrator,
                    verdict: Verdict::Refuse,
                    reason,
                    evidence: crate::registry::Evidence::default(),
                    version: Some(current),
                    counterfactual: None,
                });
                return Ok(());
            }
        }
        // A candidate is trained when gate 1 asks for one, or to score the road not taken;
        // none can be when labels are one class (late in a strong drift everyone churns).
        let candidate = if refused.is_none() && (g1.decision || p.counterfactual_weeks > 0) {
            let trained = match self.prefetch.as_ref().and_then(|f| f.take(week.w)) {
                Some(t) => t,
                None => train_candidate(&self.batches, p, weeks, e, week.w, &self.fits),
            };
            match trained? {
                Ok(cand) => Some(cand),
                Err(why) if g1.decision => {
                    week.decisions.push(wait_decision(&g1, current, &why));
                    return Ok(());
                }
                Err(_) => None,
            }
        } else {
            None
        };
        let counterfactual = match &candidate {
            Some(cand) => {
                let stable = self.service.stable();
                let cur =
                    self.future_auc(&self.model_id(stable.version)?, &stable.model, week.w)?;
                let new = self.future_auc(&cand.id, &cand.model, week.w)?;
                match (cur, new) {
                    (Some((ca, span)), Some((na, _))) => Some(counterfactual(
                        span,
                        g1.decision,
                        (Choice::Retrain, na),
                        (Choice::Keep, ca),
                    )),
                    _ => None,
                }
            }
            None => None,
        };
        week.decisions.push(gate_decision(
            DecisionKind::RetrainGate,
            Actor::RetrainGate,
            if g1.decision {
                Verdict::Retrain
            } else {
                Verdict::Keep
            },
            &g1,
            Some(current),
            counterfactual,
        ));
        if let (true, Some(cand)) = (g1.decision, candidate) {
            self.decide_promotion(&g1, cand, e, week, learners).await?;
        }
        Ok(())
    }

    /// Register the candidate gate 1 asked for, with its lineage; its version and label.
    pub(super) async fn register_candidate(
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
                &new_version(&label, &cand.model, lineage, cand.auc, "held-out 25 %"),
                &Cause::new(Actor::RetrainGate, g1.reason.clone(), week.clock.now())
                    .with_evidence(g1.evidence.clone()),
            )
            .await?;
        self.model_ids.insert(v, cand.id);
        Ok((v, label))
    }
}

/// A learner's verdict in the decision record: whose rule it was and its reason.
pub(super) fn learner_reason(file: &str, v: &LearnerVerdict, yes: &str, no: &str) -> String {
    let what = if v.decision { yes } else { no };
    match &v.reason {
        Some(r) => format!("{file} says {what}: {r}"),
        None => format!("{file} says {what}"),
    }
}
