//! Exercise 3's interval: a paired bootstrap of "candidate AUC minus current AUC" on the same
//! recent rows, for how sure a single promotion decision can be.

use super::{check_count, MAX_ROWS_PER_CALL};
use crate::data::Frame;
use crate::gbm::GbmModel;
use crate::metrics::roc_auc;
use crate::numpy::Generator;
use crate::{Error, Result};

/// A paired bootstrap interval for AUC(candidate) − AUC(current) on the same recent rows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BootstrapDiff {
    /// The observed difference on all recent rows.
    pub diff: f64,
    /// 2.5th percentile of the resampled differences.
    pub lo: f64,
    /// 97.5th percentile.
    pub hi: f64,
    /// Resamples used (resamples with one class only are skipped).
    pub resamples: usize,
    /// Share of resamples in which the candidate was at least as good.
    pub share_candidate_wins: f64,
}

/// Paired bootstrap of the AUC difference: the same resampled rows score both models.
/// Resampling uses numpy's `default_rng(seed).integers(0, n, n)` per resample.
///
/// # Errors
/// [`Error::Invalid`] naming `resamples` (1..=100000) or `seed`; AUC errors for one-class data.
pub fn bootstrap_auc_diff(
    current: &GbmModel,
    candidate: &GbmModel,
    recent: &Frame,
    resamples: usize,
    seed: u128,
) -> Result<BootstrapDiff> {
    check_count("resamples", resamples)?;
    if resamples.saturating_mul(recent.len()) > MAX_ROWS_PER_CALL / 10 {
        return Err(Error::invalid(
            "resamples",
            resamples,
            "resamples × rows is too much for one call",
        ));
    }
    let x = recent.features();
    let y = recent.labels();
    let pc = current.predict_proba(&x)?;
    let pn = candidate.predict_proba(&x)?;
    let diff = roc_auc(y, &pn)? - roc_auc(y, &pc)?;
    let n = recent.len();
    let high = i64::try_from(n).map_err(|_| Error::invalid("rows", n, "too many rows"))?;
    let mut rng = Generator::new(seed);
    let mut diffs = Vec::with_capacity(resamples);
    let (mut ys, mut sc, mut sn) = (vec![0i64; n], vec![0.0; n], vec![0.0; n]);
    for _ in 0..resamples {
        let idx = rng.integers(0, high, n)?;
        for (k, &i) in idx.iter().enumerate() {
            let i = i as usize;
            ys[k] = y[i];
            sc[k] = pc[i];
            sn[k] = pn[i];
        }
        if let (Ok(a), Ok(b)) = (roc_auc(&ys, &sn), roc_auc(&ys, &sc)) {
            diffs.push(a - b);
        }
    }
    if diffs.is_empty() {
        return Err(Error::invalid(
            "rows",
            n,
            "every resample had one class only; use more recent rows",
        ));
    }
    diffs.sort_by(f64::total_cmp);
    let q = |f: f64| diffs[((diffs.len() - 1) as f64 * f).round() as usize];
    let wins = diffs.iter().filter(|&&d| d >= 0.0).count();
    Ok(BootstrapDiff {
        diff,
        lo: q(0.025),
        hi: q(0.975),
        resamples: diffs.len(),
        share_candidate_wins: wins as f64 / diffs.len() as f64,
    })
}
