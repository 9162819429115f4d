//! The loop's two gates and their decision records.
//!
//! Gate 1, the retraining gate, reads the drift evidence from [`crate::monitor`]: retrain when
//! at least one feature's KS test rejects at level `alpha` after the chosen correction (the
//! book: `ks_2samp(reference.days, live.days).pvalue < 0.01`). Gate 2, the promotion gate,
//! scores the current and the candidate model on the *same* recent labelled data and promotes
//! the candidate iff `candidate >= current + margin` ([`promotes`]; the book: `candidate_auc >=
//! current_auc` on `make_data(3, 10)`, 0.7061 >= 0.7029). Scoring each model on its own sample would compare
//! samples as much as models (exercise 3).
//!
//! Each gate returns a [`GateDecision`]: the verdict, the reason in words and the
//! [`Evidence`] that the registry stores with the change it causes.

use crate::data::FEATURES;
use crate::gbm::GbmModel;
use crate::metrics::roc_auc;
use crate::registry::Evidence;
use crate::stats::Correction;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Which gate decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateKind {
    /// Gate 1: drift → retrain.
    Retrain,
    /// Gate 2: candidate vs current → promote.
    Promotion,
}

/// A gate's decision with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateDecision {
    /// Which gate.
    pub gate: GateKind,
    /// Retrain / promote (true) or not (false).
    pub decision: bool,
    /// The decision in words, with the numbers.
    pub reason: String,
    /// The numbers, as the registry stores them.
    pub evidence: Evidence,
}

/// One feature's drift test as the retraining gate reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureTest {
    /// The feature's name.
    pub feature: String,
    /// KS p-value.
    pub pvalue: f64,
    /// KS statistic D.
    pub statistic: f64,
}

/// Gate 1: retrain when the drift tests reject.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RetrainGate {
    /// Significance level, in (0, 1) (the book: 0.01).
    pub alpha: f64,
    /// How several features' tests are combined.
    pub correction: Correction,
}

impl RetrainGate {
    /// The book's gate: `alpha = 0.01`, one test, no correction.
    pub fn book() -> Self {
        RetrainGate {
            alpha: 0.01,
            correction: Correction::None,
        }
    }

    /// Decide on the given tests (one per monitored feature).
    ///
    /// ```
    /// use mlops_loop::gates::{FeatureTest, RetrainGate};
    /// let t = FeatureTest { feature: "days_since_login".into(), pvalue: 1.2e-19, statistic: 0.12 };
    /// let d = RetrainGate::book().decide(&[t])?;
    /// assert!(d.decision);
    /// assert_eq!(d.evidence.ks_p, Some(1.2e-19));
    /// # Ok::<(), mlops_loop::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `tests` (none given), `alpha`, or a p-value outside [0, 1].
    pub fn decide(&self, tests: &[FeatureTest]) -> Result<GateDecision> {
        if tests.is_empty() {
            return Err(Error::invalid(
                "tests",
                "[]",
                "need at least one drift test",
            ));
        }
        let ps: Vec<f64> = tests.iter().map(|t| t.pvalue).collect();
        let rejected = self.correction.reject(&ps, self.alpha)?;
        // The evidence names the smallest p-value (the strongest signal), first on ties.
        let mut k = 0;
        for (i, t) in tests.iter().enumerate() {
            if t.pvalue < tests[k].pvalue {
                k = i;
            }
        }
        let decision = rejected.iter().any(|&r| r);
        let which: Vec<&str> = tests
            .iter()
            .zip(&rejected)
            .filter(|(_, &r)| r)
            .map(|(t, _)| t.feature.as_str())
            .collect();
        let correction = match self.correction {
            Correction::None => "no correction",
            Correction::Bonferroni => "Bonferroni",
            Correction::Bh => "Benjamini-Hochberg",
        };
        let reason = if decision {
            format!(
                "input drift in {} (smallest p = {:e} on {}) at alpha = {}, {correction}: retrain",
                which.join(", "),
                tests[k].pvalue,
                tests[k].feature,
                self.alpha
            )
        } else {
            format!(
                "no drift at alpha = {}, {correction} (smallest p = {:e} on {}): keep",
                self.alpha, tests[k].pvalue, tests[k].feature
            )
        };
        let all: Vec<String> = tests
            .iter()
            .map(|t| format!("{}: p={:e} D={}", t.feature, t.pvalue, t.statistic))
            .collect();
        Ok(GateDecision {
            gate: GateKind::Retrain,
            decision,
            reason,
            evidence: Evidence {
                ks_p: Some(tests[k].pvalue),
                ks_d: Some(tests[k].statistic),
                note: Some(all.join("; ")),
                ..Evidence::default()
            },
        })
    }

    /// Decide on a monitor report's three features.
    ///
    /// # Errors
    /// As [`RetrainGate::decide`].
    pub fn decide_report(&self, report: &crate::monitor::DriftReport) -> Result<GateDecision> {
        let tests: Vec<FeatureTest> = FEATURES
            .iter()
            .enumerate()
            .map(|(f, name)| FeatureTest {
                feature: (*name).to_string(),
                pvalue: report.pvalues[f],
                statistic: report.statistics[f],
            })
            .collect();
        let mut d = self.decide(&tests)?;
        if let Some(n) = d.evidence.note.as_mut() {
            n.push_str(&format!("; reference: {}", report.reference));
        }
        Ok(d)
    }
}

/// The metric the promotion gate compares (larger is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GateMetric {
    /// ROC AUC (scikit-learn `roc_auc_score`), as in the book.
    Auc,
}

/// The promotion rule, the one place it is written: promote iff `candidate >= current + margin`
/// (the book's `candidate_auc >= current_auc` is margin 0, so equal scores promote). The
/// chapter, the promotion trials, the loop's gate 2 and the CLI all decide through it.
///
/// ```
/// use mlops_loop::gates::promotes;
/// assert!(promotes(0.7, 0.7, 0.0));
/// assert!(!promotes(0.7, 0.71, 0.02));
/// ```
pub fn promotes(candidate: f64, current: f64, margin: f64) -> bool {
    candidate >= current + margin
}

/// Gate 2: promote the candidate iff `candidate >= current + margin` ([`promotes`]) on the same
/// recent data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PromotionGate {
    /// The metric compared.
    pub metric: GateMetric,
    /// Required improvement, in [-1, 1] (the book: 0).
    pub margin: f64,
}

impl PromotionGate {
    /// The book's gate: AUC, margin 0.
    pub fn book() -> Self {
        PromotionGate {
            metric: GateMetric::Auc,
            margin: 0.0,
        }
    }

    /// Decide from the two scores already measured on the same data (`dataset` names it).
    ///
    /// ```
    /// use mlops_loop::gates::PromotionGate;
    /// let d = PromotionGate::book().decide_scores(0.7029, 0.7061, "recent")?;
    /// assert!(d.decision);
    /// # Ok::<(), mlops_loop::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `margin` outside [-1, 1] or a score outside [0, 1].
    pub fn decide_scores(
        &self,
        current: f64,
        candidate: f64,
        dataset: &str,
    ) -> Result<GateDecision> {
        if !(self.margin.is_finite() && self.margin.abs() <= 1.0) {
            return Err(Error::invalid(
                "margin",
                self.margin,
                "must be within [-1, 1]",
            ));
        }
        for (field, v) in [("auc_current", current), ("auc_candidate", candidate)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::invalid(field, v, "expected an AUC in [0, 1]"));
            }
        }
        let decision = promotes(candidate, current, self.margin);
        let reason = format!(
            "on {dataset}: current AUC {current:.4}, candidate {candidate:.4}, margin {}: {}",
            self.margin,
            if decision { "promote" } else { "keep current" }
        );
        Ok(GateDecision {
            gate: GateKind::Promotion,
            decision,
            reason,
            evidence: Evidence {
                auc_current: Some(current),
                auc_candidate: Some(candidate),
                margin: Some(self.margin),
                dataset: Some(dataset.to_string()),
                ..Evidence::default()
            },
        })
    }

    /// Score both models on the same rows and decide.
    ///
    /// # Errors
    /// As [`PromotionGate::decide_scores`]; AUC errors (one class only, bad rows).
    pub fn decide(
        &self,
        current: &GbmModel,
        candidate: &GbmModel,
        rows: &[[f64; 3]],
        labels: &[i64],
        dataset: &str,
    ) -> Result<GateDecision> {
        let a = roc_auc(labels, &current.predict_proba(rows)?)?;
        let b = roc_auc(labels, &candidate.predict_proba(rows)?)?;
        self.decide_scores(a, b, dataset)
    }
}
