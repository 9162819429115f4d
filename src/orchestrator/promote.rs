//! Gate 2 of a week: the registered candidate against the current version on the same rows;
//! archive it, start a canary, or promote it at once.

use super::driver::Learners;
use super::retrain::learner_reason;
use super::run::{
    counterfactual, gate_decision, CanaryRun, Candidate, Deployable, Run, Watch, Week,
};
use super::schedule::Fault;
use super::timeline::{Choice, Decision, DecisionKind, Verdict};
use super::world::{process, tail};
use crate::data::Frame;
use crate::gates::GateDecision;
use crate::metrics::roc_auc;
use crate::registry::{Actor, Cause, Stage, Store};
use crate::serving::Deployed;
use crate::Result;

impl<S: Store> Run<'_, S> {
    /// Gate 2 on the registered candidate: current and candidate scored on the same newest
    /// labelled week `e`; the candidate is archived, starts a canary, or is promoted at once.
    pub(super) async fn decide_promotion(
        &mut self,
        g1: &GateDecision,
        cand: Candidate,
        e: usize,
        week: &mut Week,
        learners: &mut Learners<'_>,
    ) -> Result<()> {
        let p = self.p;
        let (v, label) = self.register_candidate(g1, &cand, week).await?;
        // Gate 2: both models on the same newest labelled week.
        let stable = self.service.stable();
        let current = self.batch_scores(&self.model_id(stable.version)?, &stable.model, e)?;
        let candidate = self.batch_scores(&cand.id, &cand.model, e)?;
        let labels = self.batches[e].labels();
        let mut g2 = self.promotion_gate.decide_scores(
            roc_auc(labels, &current)?,
            roc_auc(labels, &candidate)?,
            &format!("week {e} labelled traffic"),
        )?;
        if let Some(gate) = learners.gate.as_deref_mut() {
            let verdict = gate.should_promote(labels, &current, &candidate, week.w as u64)?;
            g2.decision = verdict.decision;
            g2.reason = learner_reason("gate.py", &verdict, "promote", "keep current");
        }
        let promote = g2.decision || !p.practices.promotion_gate;
        let verdict = match (g2.decision, p.practices.promotion_gate) {
            (true, _) => Verdict::Promote,
            (false, true) => Verdict::Reject,
            (false, false) => Verdict::PromoteGateOff,
        };
        let stable = self.service.stable();
        let counterfactual = match (
            self.future_auc(&cand.id, &cand.model, week.w)?,
            self.future_auc(&self.model_id(stable.version)?, &stable.model, week.w)?,
        ) {
            (Some((na, span)), Some((ca, _))) => Some(counterfactual(
                span,
                promote,
                (Choice::Promote, na),
                (Choice::Reject, ca),
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
        self.deployable.insert(
            v,
            Deployable {
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
            verdict: Verdict::CanaryStart { weight },
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
            .promote_registered(
                v,
                &Cause::new(Actor::PromotionGate, g2.reason.clone(), week.clock.now())
                    .with_evidence(g2.evidence.clone()),
            )
            .await?;
        self.service.promote(dep);
        self.deployable.insert(
            v,
            Deployable {
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
            verdict: Verdict::Promote,
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
}
