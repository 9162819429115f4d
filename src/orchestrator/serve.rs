//! The first phases of a week: serve the live batch, test it for drift, and take in the labels
//! of the week served `label_delay` weeks ago.

use super::driver::Learners;
use super::run::{Clock, Run, ServedWeek, Week};
use super::timeline::CanaryRecord;
use super::world::process;
use crate::learner::Verdict;
use crate::monitor::{performance, DriftReport};
use crate::registry::Store;
use crate::Result;

impl<S: Store> Run<'_, S> {
    /// Serve week `w`'s live batch and queue its predictions until the labels arrive.
    pub(super) fn serve(&mut self, w: usize) -> Result<Week> {
        let rows = self.batches[w].features();
        let served =
            self.service
                .predict_rows_from(&rows, (w * self.p.rows_per_week) as u64, |d| {
                    self.batch_scores(&self.model_id(d.version)?, &d.model, w)
                })?;
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

    /// Test the week's inputs for drift (not a quarantined batch's), counting alarms (false ones: the data came from the
    /// same process as the live version's training data).
    /// With a learner's trigger, its verdict is the week's alarm (returned beside the report).
    pub(super) fn observe(
        &mut self,
        week: &Week,
        learners: &mut Learners<'_>,
    ) -> Result<(Option<DriftReport>, Option<Verdict>)> {
        let mut verdict = None;
        let quarantined = matches!(self.quarantine.get(week.w), Some(Some(_)));
        let mut report = match (self.monitor.as_mut(), learners.trigger.as_deref_mut()) {
            (Some(m), Some(t)) if !quarantined => {
                m.observe_with(&self.batches[week.w], |r, l| {
                    verdict = Some(t.should_retrain(r, l, week.w as u64)?);
                    Ok(())
                })?
            }
            (Some(m), None) if !quarantined => m.observe(&self.batches[week.w])?,
            _ => None,
        };
        if let (Some(r), Some(v)) = (report.as_mut(), verdict.as_ref()) {
            r.alarm = v.decision;
        }
        if report.as_ref().is_some_and(|r| r.alarm) {
            self.counts.alarms += 1;
            let now = process(self.p, week.w);
            let same = self
                .deployable
                .get(&week.live_version)
                .is_some_and(|t| t.processes.iter().all(|q| *q == now));
            if same {
                self.counts.false_alarms += 1;
            }
        }
        Ok((report, verdict))
    }

    /// Labels of the weeks served `label_delay` ago arrive: their AUC, the canary's evidence
    /// and the post-promotion check.
    pub(super) async fn labels_arrive(&mut self, week: &mut Week) -> Result<()> {
        for arrived in self.pending.arrived(week.w) {
            let wk = arrived.week;
            self.auc[wk] = performance(self.batches[wk].labels(), &arrived.served.probs)?;
            self.auc_known[wk] = Some(week.w);
            self.canary_evidence(wk, &arrived.served);
            self.rollback_check(wk, &arrived.served, week).await?;
        }
        Ok(())
    }
}
