//! Evaluation: the ROC AUC that registers a model and decides a promotion.
//!
//! In the loop, a fitted model scores its held-out split ([`crate::gbm::GbmModel::predict_proba`])
//! and `roc_auc(y_test, proba)` is the number recorded in the registry; the promotion gate
//! compares the current and the candidate model's AUC on the same recent data.

use crate::numpy::reduce::pairwise_sum;
use crate::{Error, Result};

/// `sklearn.metrics.roc_auc_score(y_true, y_score)` for binary labels, bit for bit.
///
/// Mirrors scikit-learn 1.9.1 `_ranking.py`: `roc_auc_score` → `_binary_roc_auc_score` →
/// `roc_curve(drop_intermediate=True)` → `_binary_clf_curve` (scores sorted descending;
/// thresholds at the ends of equal-score runs; `tps = cumsum(y)`, `fps = 1 + idx − tps`), the
/// drop of collinear points (second differences of `fps` and `tps` both zero), a leading (0, 0),
/// `fpr = fps / fps[-1]`, `tpr = tps / tps[-1]`, and `auc` → numpy `trapezoid`:
/// `np.sum(Δfpr · (tpr[1:] + tpr[:-1]) / 2.0)` with numpy's pairwise sum. A run of tied scores
/// is one diagonal segment (half credit). Computing U / (P·N) instead would differ in the last
/// bit.
///
/// Labels must be {0, 1} or {−1, 1} (sklearn infers `pos_label = 1` only for those).
///
/// ```
/// use mlops_loop::metrics::roc_auc;
/// let auc = roc_auc(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8])?;
/// assert_eq!(auc, 0.75);
/// assert!(roc_auc(&[1, 1], &[0.2, 0.3]).is_err());
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// [`Error::Invalid`] for empty input, lengths that differ, non-finite scores, labels other than
/// {0, 1} / {−1, 1}, or only one class present ("Only one class is present in y_true. ROC AUC
/// score is not defined in that case.").
pub fn roc_auc(y_true: &[i64], score: &[f64]) -> Result<f64> {
    let n = y_true.len();
    if n == 0 {
        return Err(Error::invalid("y_true", "[]", "empty input"));
    }
    if score.len() != n {
        return Err(Error::invalid(
            "score",
            format!("{} values", score.len()),
            format!("y_true has {n}; need one score per label"),
        ));
    }
    if let Some((i, v)) = score.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::invalid(
            "score",
            format!("{v} at index {i}"),
            "scores must be finite (sklearn: \"Input contains NaN\")",
        ));
    }
    let neg = if y_true.contains(&-1) { -1 } else { 0 };
    if let Some(bad) = y_true.iter().find(|&&v| v != neg && v != 1) {
        return Err(Error::invalid(
            "y_true",
            bad,
            "labels must be {0, 1} or {-1, 1} (positive class 1)",
        ));
    }
    let n_pos = y_true.iter().filter(|&&v| v == 1).count();
    if n_pos == 0 || n_pos == n {
        return Err(Error::invalid(
            "y_true",
            format!("all {}", y_true[0]),
            "Only one class is present in y_true. ROC AUC score is not defined in that case.",
        ));
    }

    // Descending by score; the order inside a tie does not change any point kept below.
    let order = crate::stats::argsort_stable(score, true);
    // (fps, tps) at the last index of each run of equal scores.
    let mut fps: Vec<f64> = Vec::new();
    let mut tps: Vec<f64> = Vec::new();
    let mut tp = 0.0;
    for (k, &i) in order.iter().enumerate() {
        if y_true[i] == 1 {
            tp += 1.0;
        }
        let last = k + 1 == n || score[order[k + 1]] != score[i];
        if last {
            tps.push(tp);
            fps.push(1.0 + k as f64 - tp);
        }
    }
    // drop_intermediate
    if fps.len() > 2 {
        let m = fps.len();
        let mut keep_f = Vec::with_capacity(m);
        let mut keep_t = Vec::with_capacity(m);
        for i in 0..m {
            let keep = i == 0
                || i == m - 1
                || (fps[i + 1] - 2.0 * fps[i] + fps[i - 1]) != 0.0
                || (tps[i + 1] - 2.0 * tps[i] + tps[i - 1]) != 0.0;
            if keep {
                keep_f.push(fps[i]);
                keep_t.push(tps[i]);
            }
        }
        fps = keep_f;
        tps = keep_t;
    }
    fps.insert(0, 0.0);
    tps.insert(0, 0.0);
    let (fl, tl) = (fps[fps.len() - 1], tps[tps.len() - 1]);
    let fpr: Vec<f64> = fps.iter().map(|v| v / fl).collect();
    let tpr: Vec<f64> = tps.iter().map(|v| v / tl).collect();
    let terms: Vec<f64> = (0..fpr.len() - 1)
        .map(|i| (fpr[i + 1] - fpr[i]) * (tpr[i + 1] + tpr[i]) / 2.0)
        .collect();
    Ok(pairwise_sum(&terms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_get_half_credit() {
        assert_eq!(roc_auc(&[0, 1], &[0.5, 0.5]).ok(), Some(0.5));
        assert_eq!(roc_auc(&[-1, 1, 1], &[0.1, 0.5, 0.5]).ok(), Some(1.0));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(roc_auc(&[], &[]).is_err());
        assert!(roc_auc(&[0, 1], &[0.5]).is_err());
        assert!(roc_auc(&[0, 1], &[f64::NAN, 0.5]).is_err());
        assert!(roc_auc(&[0, 2], &[0.1, 0.5]).is_err());
        let e = roc_auc(&[0, 0], &[0.1, 0.5]).unwrap_err().to_string();
        assert!(e.contains("Only one class"), "{e}");
    }
}
