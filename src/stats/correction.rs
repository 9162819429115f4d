//! Multiple-testing corrections as the retraining gate applies them: how the per-feature KS
//! tests of one week combine into one alarm (none, Bonferroni, Benjamini–Hochberg).
//!
//! Used by gate 1 ([`crate::gates::RetrainGate`]), the monitor and the drift experiments.

use super::{benjamini_hochberg, bonferroni};
use crate::{Error, Result};

/// How the retraining trigger combines the three per-feature KS tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Correction {
    /// Alarm if any feature has `p < alpha` (family-wise false alarms grow with the features).
    None,
    /// Alarm if any feature has `p · 3 <= alpha` (controls the family-wise error rate).
    Bonferroni,
    /// Benjamini–Hochberg at level `alpha` (controls the false-discovery rate).
    Bh,
}

impl Correction {
    /// Parse `none`, `bonferroni` or `bh`.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `correction` for any other text.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "none" => Ok(Correction::None),
            "bonferroni" => Ok(Correction::Bonferroni),
            "bh" | "fdr" => Ok(Correction::Bh),
            _ => Err(Error::invalid(
                "correction",
                text,
                "expected none, bonferroni or bh",
            )),
        }
    }

    /// Which of `pvals` are rejected at level `alpha`.
    ///
    /// # Errors
    /// As [`bonferroni`] for p-values outside [0, 1] or `alpha` outside (0, 1).
    pub fn reject(self, pvals: &[f64], alpha: f64) -> Result<Vec<bool>> {
        match self {
            Correction::None => {
                check_alpha(alpha)?;
                Ok(pvals.iter().map(|&p| p < alpha).collect())
            }
            Correction::Bonferroni => bonferroni(pvals, alpha),
            Correction::Bh => benjamini_hochberg(pvals, alpha),
        }
    }
}

pub(crate) fn check_alpha(alpha: f64) -> Result<()> {
    if alpha.is_finite() && alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            "alpha",
            alpha,
            "must be strictly between 0 and 1",
        ))
    }
}
