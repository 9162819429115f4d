//! Monitoring: the loop's eyes after serving. Input drift per feature with the exact two-sample
//! KS test (scipy `ks_2samp`, `method='auto'`, see [`crate::stats::ks`]), optionally corrected
//! across the three features (Bonferroni or Benjamini–Hochberg), against a chosen reference;
//! and performance (ROC AUC) once the labels of a served week arrive, `label_delay` weeks later.
//!
//! The reference is what "no drift" means: the production model's training data (drift since
//! training), the last N live weeks (drift since recently: a slow drift never alarms), or all
//! live weeks since the production version was deployed (expanding: an old change dilutes).

use crate::data::column;
use crate::data::{Frame, FEATURES};
use crate::metrics::roc_auc;
use crate::stats::ks::{ks_2samp, KsMethod};
use crate::stats::Correction;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Most live weeks a `last_n` reference may hold.
pub const MAX_REFERENCE_WEEKS: usize = 52;

/// What the live inputs are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reference {
    /// The production model's training data.
    Training,
    /// The last `weeks` live weeks before the current one.
    LastN {
        /// Number of weeks (1..=52).
        weeks: usize,
    },
    /// Every live week since the production version was deployed.
    Expanding,
}

impl Reference {
    /// Parse `training`, `expanding` or `last<N>` (e.g. `last4`).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `reference`.
    pub fn parse(text: &str) -> Result<Self> {
        let r = match text {
            "training" => Reference::Training,
            "expanding" => Reference::Expanding,
            t => match t.strip_prefix("last").map(str::parse::<usize>) {
                Some(Ok(weeks)) => Reference::LastN { weeks },
                _ => {
                    return Err(Error::invalid(
                        "reference",
                        text,
                        "expected training, expanding or last<N> (e.g. last4)",
                    ))
                }
            },
        };
        r.check()?;
        Ok(r)
    }

    /// Check the window length.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `reference` for `last_n` outside 1..=[`MAX_REFERENCE_WEEKS`].
    pub fn check(&self) -> Result<()> {
        if let Reference::LastN { weeks } = *self {
            if weeks == 0 || weeks > MAX_REFERENCE_WEEKS {
                return Err(Error::invalid(
                    "reference",
                    format!("last{weeks}"),
                    format!("the window must be 1..={MAX_REFERENCE_WEEKS} weeks"),
                ));
            }
        }
        Ok(())
    }

    /// A short name: `training`, `last4`, `expanding`.
    pub fn name(&self) -> String {
        match self {
            Reference::Training => "training".into(),
            Reference::LastN { weeks } => format!("last{weeks}"),
            Reference::Expanding => "expanding".into(),
        }
    }
}

/// The three feature columns of a sample, as float64, in [`FEATURES`] order.
pub type Columns = [Vec<f64>; 3];

/// The feature columns of `df`.
pub fn columns(df: &Frame) -> Columns {
    // `column` only fails on an unknown name; FEATURES are known.
    let get = |name: &str| column(df, name).unwrap_or_default();
    [get(FEATURES[0]), get(FEATURES[1]), get(FEATURES[2])]
}

/// One week's drift evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// KS p-value per feature, in [`FEATURES`] order.
    pub pvalues: [f64; 3],
    /// KS statistic D per feature.
    pub statistics: [f64; 3],
    /// Which features are rejected after the correction.
    pub rejected: [bool; 3],
    /// The level each p-value was compared with ([`Correction::levels`]).
    pub levels: [f64; 3],
    /// At least one feature rejected.
    pub alarm: bool,
    /// The reference's name (`training`, `last4`, `expanding`).
    pub reference: String,
    /// Rows in the reference sample.
    pub reference_rows: usize,
}

/// Test each feature of `live` against `reference` and combine with `correction` at `alpha`.
///
/// # Errors
/// [`Error::Invalid`] naming `alpha` or an empty sample.
pub fn drift_report(
    reference: &Columns,
    live: &Columns,
    alpha: f64,
    correction: Correction,
    reference_name: &str,
) -> Result<DriftReport> {
    let mut pvalues = [0.0; 3];
    let mut statistics = [0.0; 3];
    for f in 0..3 {
        let r = ks_2samp(&reference[f], &live[f], KsMethod::Auto)?;
        pvalues[f] = r.pvalue;
        statistics[f] = r.statistic;
    }
    let rej = correction.reject(&pvalues, alpha)?;
    let mut rejected = [false; 3];
    for (slot, r) in rejected.iter_mut().zip(rej) {
        *slot = r;
    }
    let mut levels = [0.0; 3];
    for (slot, l) in levels.iter_mut().zip(correction.levels(&pvalues, alpha)?) {
        *slot = l;
    }
    Ok(DriftReport {
        pvalues,
        statistics,
        rejected,
        levels,
        alarm: rejected.iter().any(|&r| r),
        reference: reference_name.to_string(),
        reference_rows: reference[0].len(),
    })
}

/// Input-drift monitor keeping the reference window up to date.
#[derive(Debug, Clone)]
pub struct Monitor {
    reference: Reference,
    alpha: f64,
    correction: Correction,
    training: Option<Columns>,
    window: VecDeque<Columns>,
}

impl Monitor {
    /// A monitor with the given reference, level and correction.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `alpha` (outside (0, 1)) or `reference`.
    pub fn new(reference: Reference, alpha: f64, correction: Correction) -> Result<Self> {
        reference.check()?;
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(Error::invalid("alpha", alpha, "must be in (0, 1)"));
        }
        Ok(Monitor {
            reference,
            alpha,
            correction,
            training: None,
            window: VecDeque::new(),
        })
    }

    /// A new production version was deployed: its training data become the `training`
    /// reference and the `expanding` window restarts.
    pub fn deployed(&mut self, training: &Frame) {
        self.training = Some(columns(training));
        if self.reference == Reference::Expanding {
            self.window.clear();
        }
    }

    /// Compare one live week with the reference, then add it to the window. `None` while the
    /// reference is still empty (no training data yet, or no earlier live week).
    ///
    /// # Errors
    /// As [`drift_report`].
    pub fn observe(&mut self, live: &Frame) -> Result<Option<DriftReport>> {
        self.observe_with(live, |_, _| Ok(()))
    }

    /// As [`Monitor::observe`], and hand the reference and the live columns to `also` (a
    /// learner's trigger) whenever there is a reference to compare with.
    ///
    /// # Errors
    /// As [`Monitor::observe`], or the error of `also`.
    pub fn observe_with(
        &mut self,
        live: &Frame,
        mut also: impl FnMut(&Columns, &Columns) -> Result<()>,
    ) -> Result<Option<DriftReport>> {
        let live = columns(live);
        let name = self.reference.name();
        let report = match self.reference {
            Reference::Training => match &self.training {
                Some(t) => {
                    also(t, &live)?;
                    Some(drift_report(t, &live, self.alpha, self.correction, &name)?)
                }
                None => None,
            },
            Reference::LastN { .. } | Reference::Expanding => {
                if self.window.is_empty() {
                    None
                } else {
                    let mut r: Columns = Default::default();
                    for week in &self.window {
                        for f in 0..3 {
                            r[f].extend_from_slice(&week[f]);
                        }
                    }
                    also(&r, &live)?;
                    Some(drift_report(&r, &live, self.alpha, self.correction, &name)?)
                }
            }
        };
        match self.reference {
            Reference::Training => {}
            Reference::LastN { weeks } => {
                self.window.push_back(live);
                while self.window.len() > weeks {
                    self.window.pop_front();
                }
            }
            Reference::Expanding => self.window.push_back(live),
        }
        Ok(report)
    }
}

/// AUC of served probabilities on their labels, `None` when one class only is present.
///
/// # Errors
/// As [`roc_auc`] for bad labels or scores.
pub fn performance(labels: &[i64], scores: &[f64]) -> Result<Option<f64>> {
    let pos = labels.iter().filter(|&&y| y == 1).count();
    if labels.is_empty() || pos == 0 || pos == labels.len() {
        return Ok(None);
    }
    roc_auc(labels, scores).map(Some)
}

/// A served week waiting for its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingWeek<T> {
    /// The week the traffic was served.
    pub week: usize,
    /// What was served (predictions, routing, ...).
    pub served: T,
}

/// Served weeks whose labels arrive `delay` weeks later.
#[derive(Debug, Clone)]
pub struct DelayedLabels<T> {
    delay: usize,
    pending: VecDeque<PendingWeek<T>>,
}

impl<T> DelayedLabels<T> {
    /// A queue whose labels arrive `delay` weeks after serving (0: the same week).
    pub fn new(delay: usize) -> Self {
        DelayedLabels {
            delay,
            pending: VecDeque::new(),
        }
    }

    /// Record week `week`'s traffic.
    pub fn served(&mut self, week: usize, served: T) {
        self.pending.push_back(PendingWeek { week, served });
    }

    /// The weeks whose labels have arrived by week `now` (removed from the queue), oldest first.
    pub fn arrived(&mut self, now: usize) -> Vec<PendingWeek<T>> {
        let mut out = Vec::new();
        while let Some(p) = self.pending.front() {
            if p.week + self.delay <= now {
                if let Some(p) = self.pending.pop_front() {
                    out.push(p);
                }
            } else {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{make_data, Drift};

    #[test]
    fn training_reference_catches_a_step_and_last_n_forgets_it() {
        let train = make_data(1, Drift::Float(0.0), 1000).expect("train");
        let shifted = make_data(2, Drift::Float(20.0), 1000).expect("live");
        let mut t = Monitor::new(Reference::Training, 0.01, Correction::Bonferroni).expect("m");
        assert!(
            t.observe(&shifted).expect("obs").is_none(),
            "no reference yet"
        );
        t.deployed(&train);
        let r = t.observe(&shifted).expect("obs").expect("report");
        assert!(r.alarm && r.rejected[2], "{r:?}");
        let mut l = Monitor::new(Reference::LastN { weeks: 1 }, 0.01, Correction::None).expect("m");
        assert!(l.observe(&train).expect("first").is_none());
        assert!(l.observe(&shifted).expect("second").expect("r").alarm);
        let again = make_data(3, Drift::Float(20.0), 1000).expect("again");
        let r = l.observe(&again).expect("third").expect("r");
        assert!(!r.rejected[2], "days vs last week's drifted days: {r:?}");
    }

    #[test]
    fn labels_arrive_after_the_delay() {
        let mut q = DelayedLabels::new(2);
        q.served(0, 'a');
        q.served(1, 'b');
        assert!(q.arrived(1).is_empty());
        let got: Vec<usize> = q.arrived(3).iter().map(|p| p.week).collect();
        assert_eq!(got, vec![0, 1]);
        assert!(Reference::parse("last0").is_err());
        assert_eq!(
            Reference::parse("last4").expect("last4"),
            Reference::LastN { weeks: 4 }
        );
    }
}
