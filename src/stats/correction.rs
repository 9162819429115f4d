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

    /// The name [`parse`](Self::parse) reads and serde writes: `none`, `bonferroni`, `bh`.
    pub fn name(self) -> &'static str {
        match self {
            Correction::None => "none",
            Correction::Bonferroni => "bonferroni",
            Correction::Bh => "bh",
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

    /// The level each of `pvals` is compared with at `alpha` (what the page draws as the
    /// per-feature threshold): without a correction `alpha` (alarm when `p < alpha`); Bonferroni
    /// `alpha / m` (alarm when `p <= alpha / m`); Benjamini–Hochberg `rank / m · alpha`, the
    /// step-up level of the p-value's rank among the `m` (ties share the rank the sort gives
    /// them). With Benjamini–Hochberg a p-value above its own level is still rejected when a
    /// larger one is below its level; [`reject`](Self::reject) says what the correction did.
    ///
    /// ```
    /// use mlops_loop::stats::Correction;
    /// let p = [0.02, 0.001, 0.5];
    /// assert_eq!(Correction::None.levels(&p, 0.03)?, vec![0.03; 3]);
    /// assert_eq!(Correction::Bonferroni.levels(&p, 0.03)?, vec![0.01; 3]);
    /// // the levels of ranks 2, 1 and 3 (computed as the rejection computes them)
    /// let bh = Correction::Bh.levels(&p, 0.03)?;
    /// assert_eq!(bh, vec![2.0 / 3.0 * 0.03, 1.0 / 3.0 * 0.03, 0.03]);
    /// # Ok::<(), mlops_loop::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`reject`](Self::reject).
    pub fn levels(self, pvals: &[f64], alpha: f64) -> Result<Vec<f64>> {
        // The same checks as the rejection itself (alpha, p-values in [0, 1]).
        self.reject(pvals, alpha)?;
        let m = pvals.len() as f64;
        Ok(match self {
            Correction::None => vec![alpha; pvals.len()],
            Correction::Bonferroni => vec![alpha / m; pvals.len()],
            Correction::Bh => {
                let order = super::argsort_stable(pvals, false);
                let mut out = vec![0.0; pvals.len()];
                for (rank, &i) in order.iter().enumerate() {
                    out[i] = (rank + 1) as f64 / m * alpha;
                }
                out
            }
        })
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

#[cfg(test)]
mod tests {
    use super::Correction;

    #[test]
    fn levels_agree_with_what_the_correction_rejects() {
        let weeks: [[f64; 3]; 5] = [
            [0.004, 0.2, 0.9],
            [0.011, 0.012, 0.013],
            [0.0, 1.0, 0.0034],
            [0.5, 0.5, 0.5],
            [0.0033, 0.0067, 0.01],
        ];
        for p in weeks {
            for c in [Correction::None, Correction::Bonferroni, Correction::Bh] {
                let rej = c.reject(&p, 0.01).expect("reject");
                let lv = c.levels(&p, 0.01).expect("levels");
                for i in 0..3 {
                    match c {
                        Correction::None => assert_eq!(rej[i], p[i] < lv[i], "{c:?} {p:?}"),
                        Correction::Bonferroni => assert_eq!(rej[i], p[i] <= lv[i], "{c:?} {p:?}"),
                        // step-up: rejected iff at or below the largest level some p-value meets
                        Correction::Bh => {
                            let cut = (0..3)
                                .filter(|&k| p[k] <= lv[k])
                                .map(|k| lv[k])
                                .fold(f64::NEG_INFINITY, f64::max);
                            assert_eq!(rej[i], p[i] <= cut, "{c:?} {p:?}");
                        }
                    }
                }
            }
        }
        // Benjamini–Hochberg's levels are the three step-up levels, one per rank.
        let mut lv = Correction::Bh.levels(&[0.3, 0.1, 0.2], 0.03).expect("bh");
        lv.sort_by(f64::total_cmp);
        assert_eq!(lv, vec![1.0 / 3.0 * 0.03, 2.0 / 3.0 * 0.03, 0.03]);
        assert!(Correction::Bh.levels(&[1.5], 0.05).is_err());
    }
}
