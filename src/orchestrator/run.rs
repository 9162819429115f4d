//! The [`Run`] state machine: one run of the loop, week by week.
//!
//! [`run_with`](super::run_with) ([`driver`](super::driver)) drives it: each week is served ([`serve`](super::serve)) → tested for drift →
//! labels arrive → the canary is analysed ([`canary`](super::canary)) → gate 1 ([`retrain`](super::retrain))
//! → gate 2 ([`promote`](super::promote)) → recorded ([`timeline`](super::timeline)). This file holds the
//! state, the start (the initial model) and the close of each week and of the run.

use super::driver::check_empty;
use super::lineage::{lineage_of, LoopLineage, TrainingSource};
use super::params::LoopParams;
use super::prefetch::Prefetch;
use super::schedule::Fault;
use super::timeline::{
    CanaryRecord, Choice, Counterfactual, Decision, DecisionKind, DriftEvidence, LiveSince,
    Outcome, Summary, Timeline, Verdict, WeekRecord,
};
use super::validate::validate;
use super::world::{initial_data, live_batch, process, random_state, tail, WEEK_MS};
use crate::data::Frame;
use crate::fit_cache::{FitCache, Key};
use crate::gates::{GateDecision, GateMetric, PromotionGate, RetrainGate};
use crate::gbm::GbmModel;
use crate::monitor::{performance, DelayedLabels, DriftReport, Monitor};
use crate::pipeline::new_version;
use crate::pipeline::Trained;
use crate::registry::{Actor, Cause, Registry, Store};
use crate::score_cache::{rows_digest, Digest, ScoreCache, Scores};
use crate::serving::{Deployed, ServedBy, Service};
use crate::{Error, Result};
use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub(super) struct ServedWeek {
    pub(super) probs: Vec<f64>,
    pub(super) by: Vec<ServedBy>,
    pub(super) stable: u32,
    pub(super) canary: Option<(u32, usize)>,
}

pub(super) struct CanaryRun {
    pub(super) version: u32,
    pub(super) step: usize,
    pub(super) stable_y: Vec<i64>,
    pub(super) stable_p: Vec<f64>,
    pub(super) canary_y: Vec<i64>,
    pub(super) canary_p: Vec<f64>,
    pub(super) fresh: bool,
}

pub(super) struct Watch {
    pub(super) version: u32,
    pub(super) from_week: usize,
}

/// A deployable version's drift reference (the newest `rows_per_week` rows of its training
/// data) and the processes (drift bits, fault) its training data came from.
pub(super) struct Deployable {
    pub(super) reference: Frame,
    pub(super) processes: Vec<(u64, Option<Fault>)>,
}

pub(super) struct Clock {
    pub(super) week: usize,
    pub(super) tick: u32,
}

impl Clock {
    pub(super) fn now(&mut self) -> f64 {
        self.tick += 1;
        self.week as f64 * WEEK_MS + f64::from(self.tick)
    }
}

pub(super) fn gate_decision(
    kind: DecisionKind,
    actor: Actor,
    verdict: Verdict,
    g: &GateDecision,
    version: Option<u32>,
    counterfactual: Option<Counterfactual>,
) -> Decision {
    Decision {
        kind,
        actor,
        verdict,
        reason: g.reason.clone(),
        evidence: g.evidence.clone(),
        version,
        counterfactual,
    }
}

/// The note of a week whose labels arrived all of one class: it has no AUC.
pub const NO_AUC_ONE_CLASS: &str = "no AUC: one class";

/// What the loop has counted so far (the [`Summary`]'s tallies).
#[derive(Default)]
pub(super) struct Counts {
    pub(super) alarms: usize,
    pub(super) false_alarms: usize,
    pub(super) retrains: usize,
    pub(super) promotions: usize,
    pub(super) aborts: usize,
    pub(super) rollbacks: usize,
    pub(super) candidates: usize,
}

/// One week in progress: its clock, who served it, and the decisions taken so far.
pub(super) struct Week {
    pub(super) w: usize,
    pub(super) clock: Clock,
    pub(super) live_version: u32,
    pub(super) live_label: String,
    pub(super) canary: Option<CanaryRecord>,
    pub(super) decisions: Vec<Decision>,
}

/// A candidate trained on the labelled weeks `weeks` (gate 1 said retrain, or a counterfactual
/// needs it).
pub(super) struct Candidate {
    pub(super) df: Frame,
    /// The fit's key ([`FitCache::train_book_keyed`]): the model's name in the [`ScoreCache`].
    pub(super) id: Key,
    pub(super) model: GbmModel,
    pub(super) auc: f64,
    pub(super) random_state: u32,
    pub(super) weeks: std::ops::Range<usize>,
}

/// The state of one run of the loop: its parameters, the registry, and everything that
/// changes from week to week.
pub(super) struct Run<'a, S: Store> {
    pub(super) p: &'a LoopParams,
    pub(super) registry: &'a Registry<S>,
    /// Live batches for the run's weeks plus the counterfactual horizon (shared with the
    /// [`Prefetch`] worker).
    pub(super) batches: Arc<Vec<Frame>>,
    /// Each live batch's features, named for the [`ScoreCache`] ([`rows_digest`]).
    pub(super) batch_ids: Vec<Digest>,
    /// Why each live batch failed data validation (`None`: passed, or validation is off).
    pub(super) quarantine: Vec<Option<String>>,
    pub(super) retrain_gate: RetrainGate,
    pub(super) promotion_gate: PromotionGate,
    pub(super) seed_text: String,
    /// Drift reference and data processes of each version that may serve.
    pub(super) deployable: BTreeMap<u32, Deployable>,
    pub(super) service: Service,
    /// `None` when monitoring is switched off.
    pub(super) monitor: Option<Monitor>,
    /// Served weeks waiting for their labels.
    pub(super) pending: DelayedLabels<ServedWeek>,
    /// Each week's AUC as served, once its labels arrived.
    pub(super) auc: Vec<Option<f64>>,
    /// The week those labels arrived.
    pub(super) auc_known: Vec<Option<usize>>,
    pub(super) records: Vec<WeekRecord>,
    /// The canary in progress, with its current step's labelled outcomes.
    pub(super) canary_run: Option<CanaryRun>,
    /// A newly promoted version awaiting its post-promotion check.
    pub(super) watch: Option<Watch>,
    pub(super) counts: Counts,
    /// Scores of a model on a week still ahead, for the counterfactuals ([`Run::future_auc`]).
    pub(super) future_scores: RefCell<HashMap<(Key, usize), Scores>>,
    /// The counterfactual candidates trained ahead on a second thread (native, with a horizon).
    pub(super) prefetch: Option<Prefetch>,
    /// Where every fit of the run is looked up first and kept ([`FitCache`]).
    pub(super) fits: Arc<FitCache>,
    /// Where every score of a model on a live batch is looked up first and kept.
    pub(super) scores: Arc<ScoreCache>,
    /// Each registered version's model, named by its fit's key.
    pub(super) model_ids: HashMap<u32, Key>,
}

/// The counterfactual of a yes/no choice over the weeks `weeks`: `yes` is the option taken
/// when `chose_yes`, `no` the other; each comes with its future AUC.
pub(super) fn counterfactual(
    weeks: [usize; 2],
    chose_yes: bool,
    yes: (Choice, f64),
    no: (Choice, f64),
) -> Counterfactual {
    let (chosen, other) = if chose_yes { (yes, no) } else { (no, yes) };
    Counterfactual {
        weeks,
        chosen: chosen.0,
        chosen_auc: chosen.1,
        other: other.0,
        other_auc: other.1,
        outcome: Outcome::of(chosen.1, other.1),
        difference: other.1 - chosen.1,
    }
}

/// Gate 1's "wait": it asked for a retrain that cannot happen yet, for the reason `why`.
pub(super) fn wait_decision(g1: &GateDecision, current: u32, why: &str) -> Decision {
    let mut d = gate_decision(
        DecisionKind::RetrainGate,
        Actor::RetrainGate,
        Verdict::Wait,
        g1,
        Some(current),
        None,
    );
    d.reason.push_str(why);
    d
}

impl<'a, S: Store> Run<'a, S> {
    /// Check the inputs, draw every live batch, then train, register and deploy `1.0.0`.
    pub(super) async fn start(
        p: &'a LoopParams,
        registry: &'a Registry<S>,
        fits: &Arc<FitCache>,
        scores: &Arc<ScoreCache>,
    ) -> Result<Self> {
        p.check()?;
        check_empty(registry).await?;
        let batches = Arc::new(
            (0..p.weeks + p.counterfactual_weeks)
                .map(|w| live_batch(p.seed, &p.schedule, p.rows_per_week, w))
                .collect::<Result<Vec<_>>>()?,
        );
        let quarantine: Vec<Option<String>> = batches
            .iter()
            .map(|b| p.practices.validation.then(|| validate(b)).flatten())
            .collect();
        let batch_ids = batches.iter().map(|b| rows_digest(&b.features())).collect();
        let seed_text = p.seed.to_string();

        // The initial model, trained before week 0 and deployed at time 0.
        let init_rows = p.rows_per_week * p.train_weeks;
        let init = initial_data(p.seed, &p.schedule, init_rows)?;
        let rs0 = random_state(p, 0);
        let (
            id0,
            Trained {
                model: model0,
                auc: auc0,
            },
        ) = fits.train_book_keyed(&init, rs0)?;
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
                &new_version(&label0, &model0, lineage0, auc0, "held-out 25 %"),
                &Cause::new(Actor::Orchestrator, "initial model", 0.0),
            )
            .await?;
        registry
            .promote_registered(
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
        let mut deployable = BTreeMap::new();
        deployable.insert(
            v0,
            Deployable {
                reference: tail(&init, p.rows_per_week)?,
                processes: vec![process(p, 0)],
            },
        );
        Ok(Run {
            p,
            registry,
            prefetch: Prefetch::start(
                p,
                Arc::clone(&batches),
                quarantine.iter().map(Option::is_some).collect(),
                Arc::clone(fits),
            ),
            batches,
            batch_ids,
            quarantine,
            retrain_gate: RetrainGate {
                alpha: p.alpha,
                correction: p.correction,
            },
            promotion_gate: PromotionGate {
                metric: GateMetric::Auc,
                margin: p.margin,
            },
            seed_text,
            deployable,
            service,
            monitor,
            pending: DelayedLabels::new(p.label_delay),
            auc: vec![None; p.weeks],
            auc_known: vec![None; p.weeks],
            records: Vec::with_capacity(p.weeks),
            canary_run: None,
            watch: None,
            counts: Counts::default(),
            future_scores: RefCell::new(HashMap::new()),
            fits: Arc::clone(fits),
            scores: Arc::clone(scores),
            model_ids: HashMap::from([(v0, id0)]),
        })
    }

    /// The scores of `model` (named `id`) on live batch `k`, kept across runs ([`ScoreCache`]).
    pub(super) fn batch_scores(&self, id: &Key, model: &GbmModel, k: usize) -> Result<Scores> {
        let (Some(batch), Some(rows)) = (self.batches.get(k), self.batch_ids.get(k)) else {
            return Err(Error::invalid("week", k, "beyond the drawn live batches"));
        };
        self.scores
            .scores(id, rows, || model.predict_proba(&batch.features()))
    }

    /// The model name of registered version `v`.
    pub(super) fn model_id(&self, v: u32) -> Result<Key> {
        self.model_ids
            .get(&v)
            .copied()
            .ok_or_else(|| Error::invalid("version", v, "not a version this run registered"))
    }

    /// AUC of `model` (named `who`, its fit's key) over the `counterfactual_weeks` after `w`,
    /// with that span (`None` when the horizon is 0).
    ///
    /// Each (model, week)'s scores are looked up once and kept while that week is still ahead
    /// (`future_scores`; across runs, [`Run::batch_scores`]): a model's score for a row does not
    /// depend on the other rows, so the span's scores are its weeks' scores one after the other,
    /// the same bits as predicting the span at once, and a version that stays live scores one
    /// new week per week, not the whole horizon again.
    pub(super) fn future_auc(
        &self,
        who: &Key,
        model: &GbmModel,
        w: usize,
    ) -> Result<Option<(f64, [usize; 2])>> {
        let horizon = self.p.counterfactual_weeks;
        if horizon == 0 {
            return Ok(None);
        }
        let span = w + 1..w + 1 + horizon;
        let mut cache = self.future_scores.borrow_mut();
        // Weeks up to `w` are never ahead again.
        cache.retain(|&(_, k), _| k > w);
        let rows = self.p.rows_per_week * horizon;
        let (mut labels, mut scores) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
        for k in span.clone() {
            let s = match cache.entry((*who, k)) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(self.batch_scores(who, model, k)?),
            };
            scores.extend_from_slice(s);
            labels.extend_from_slice(self.batches[k].labels());
        }
        Ok(performance(&labels, &scores)?.map(|a| (a, [span.start, span.end - 1])))
    }

    /// Close the week: its record, with the drift evidence (AUCs are filled in at the end).
    pub(super) fn record(&mut self, week: Week, report: Option<DriftReport>) {
        let w = week.w;
        let live_since = LiveSince::after(self.records.last(), w, week.live_version);
        self.records.push(WeekRecord {
            week: w,
            drift_days: self.p.schedule.drift_days(w),
            broken_feature: self.p.schedule.fault(w).is_some(),
            live_version: week.live_version,
            live_label: week.live_label,
            drift: report.map(|r| DriftEvidence {
                pvalues: r.pvalues,
                statistics: r.statistics,
                levels: r.levels,
                rejected: r.rejected,
                alarm: r.alarm,
                reference: r.reference,
            }),
            auc: None,
            auc_known_week: None,
            auc_note: None,
            canary: week.canary,
            decisions: week.decisions,
            live_since,
        });
    }

    /// Quarantine the week's live batch when it failed validation: recorded as a decision;
    /// [`observe`](Self::observe) then skips it and no candidate trains on it.
    pub(super) fn validate_week(&mut self, week: &mut Week) {
        if let Some(Some(why)) = self.quarantine.get(week.w) {
            week.decisions.push(Decision {
                kind: DecisionKind::Validation,
                actor: Actor::Orchestrator,
                verdict: Verdict::Quarantine,
                reason: format!(
                    "week {}'s batch failed data validation ({why}): no drift test, never training data",
                    week.w
                ),
                evidence: crate::registry::Evidence::default(),
                version: Some(week.live_version),
                counterfactual: None,
            });
        }
    }

    /// The first quarantined week among `weeks`, with why.
    pub(super) fn quarantined_in(&self, weeks: std::ops::Range<usize>) -> Option<(usize, &str)> {
        weeks
            .filter_map(|k| match self.quarantine.get(k) {
                Some(Some(why)) => Some((k, why.as_str())),
                _ => None,
            })
            .next()
    }

    /// Fill in each week's AUC as known by the end, and sum the run up.
    pub(super) async fn summary(self) -> Result<Timeline> {
        let p = self.p;
        let mut records = self.records;
        let (mut total, mut known, mut below) = (0.0, 0usize, 0usize);
        for (rec, (a, k)) in records.iter_mut().zip(self.auc.iter().zip(&self.auc_known)) {
            rec.auc = *a;
            rec.auc_known_week = *k;
            // Labels arrived but no AUC: the week's labels are one class (`performance`).
            if a.is_none() && k.is_some() {
                rec.auc_note = Some(NO_AUC_ONE_CLASS.into());
            }
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
