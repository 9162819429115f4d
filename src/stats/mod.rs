//! Monitoring statistics: the two-sample KS test ([`ks`]) that flags input drift,
//! multiple-testing corrections for when several features are tested at once, and the exact
//! interval of a rate ([`interval`]) that the exercises report.
//!
//! In the loop, each monitored feature gets a KS p-value; with one feature the retraining gate
//! compares it with `alpha`; with several, [`bonferroni`] or [`benjamini_hochberg`] decide which
//! drifts are real at the chosen family-wise error or false-discovery rate; [`Correction`] names
//! the choice.

pub mod correction;
pub mod interval;
pub mod ks;

pub use correction::Correction;
pub use ks::{ks_2samp, KsMethod, KsResult};

use crate::{Error, Result};

fn check(pvals: &[f64], alpha: f64) -> Result<()> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid("alpha", alpha, "must be in (0, 1)"));
    }
    if let Some((i, p)) = pvals
        .iter()
        .enumerate()
        .find(|(_, p)| !(0.0..=1.0).contains(*p))
    {
        return Err(Error::invalid(
            "pvals",
            format!("{p} at index {i}"),
            "p-values must be in [0, 1]",
        ));
    }
    Ok(())
}

/// Bonferroni correction: reject hypothesis i when `p_i · m <= alpha` (m = number of tests),
/// controlling the family-wise error rate (as statsmodels `multipletests(method="bonferroni")`).
///
/// ```
/// use mlops_loop::stats::bonferroni;
/// assert_eq!(bonferroni(&[0.01, 0.02, 0.5], 0.05)?, vec![true, false, false]);
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming `alpha` outside (0, 1) or `pvals` with a value outside [0, 1].
pub fn bonferroni(pvals: &[f64], alpha: f64) -> Result<Vec<bool>> {
    check(pvals, alpha)?;
    let m = pvals.len() as f64;
    Ok(pvals.iter().map(|&p| (p * m).min(1.0) <= alpha).collect())
}

/// The indices of `values` in increasing order (`descending`: decreasing), equal values in
/// index order: numpy's `argsort(kind="stable")` under `total_cmp`. One sort for the
/// Benjamini–Hochberg ranks ([`benjamini_hochberg`], [`Correction::levels`]) and the ROC
/// curve's score order ([`crate::metrics`]), so the WASM modules carry one instance of it.
pub(crate) fn argsort_stable(values: &[f64], descending: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        let o = values[a].total_cmp(&values[b]);
        if descending {
            o.reverse()
        } else {
            o
        }
    });
    order
}

/// Benjamini–Hochberg (1995) step-up procedure: with the p-values sorted ascending
/// `p_(1) <= … <= p_(m)`, find the largest k with `p_(k) <= k/m · alpha` and reject the k
/// smallest; controls the false-discovery rate for independent tests (as statsmodels
/// `multipletests(method="fdr_bh")`). Ties share the decision.
///
/// ```
/// use mlops_loop::stats::benjamini_hochberg;
/// // 0.03 > 2/4·0.05 alone, but p_(3) = 0.035 <= 3/4·0.05 rejects it too.
/// let r = benjamini_hochberg(&[0.01, 0.03, 0.035, 0.9], 0.05)?;
/// assert_eq!(r, vec![true, true, true, false]);
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// As [`bonferroni`].
pub fn benjamini_hochberg(pvals: &[f64], alpha: f64) -> Result<Vec<bool>> {
    check(pvals, alpha)?;
    let m = pvals.len();
    let order = argsort_stable(pvals, false);
    let mut k_max = 0;
    for (rank, &i) in order.iter().enumerate() {
        if pvals[i] <= (rank + 1) as f64 / m as f64 * alpha {
            k_max = rank + 1;
        }
    }
    let mut out = vec![false; m];
    for &i in &order[..k_max] {
        out[i] = true;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrections_validate() {
        assert!(bonferroni(&[0.1], 0.0).is_err());
        assert!(benjamini_hochberg(&[1.5], 0.05).is_err());
        assert_eq!(benjamini_hochberg(&[], 0.05).ok(), Some(vec![]));
        assert_eq!(bonferroni(&[0.04, 0.06], 0.1).ok(), Some(vec![true, false]));
    }
}
