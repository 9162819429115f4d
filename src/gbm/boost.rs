//! The boosting loop: prior → logit, then per stage the negative gradient of the half-binomial
//! loss, one regression tree, a Newton step per leaf, and the raw-score update.
//!
//! Mirrors scikit-learn 1.9 `ensemble/_gb.py` (`BaseGradientBoosting.fit`, `_fit_stages`,
//! `_fit_stage`, `_init_raw_predictions`, `_update_terminal_regions`, `_safe_divide`),
//! `dummy.py` `DummyClassifier(strategy="prior")`, `_loss/_loss.pyx.tp`
//! `cgradient_half_binomial`, and scipy xsf `logit` / `expit`.

use super::model::GbmModel;
use super::params::GbmValidParams;
use super::tree::{Tree, TreeConfig, Workspace, RAND_R_MAX};
use crate::numpy::mt19937::Mt19937;
use crate::numpy::reduce::pairwise_sum;
use crate::{libm, Error, Result};

/// scipy xsf `logit(x)`: `log(x / (1 − x))` outside [0.3, 0.65], else
/// `log1p(2(x − ½)) − log1p(−2(x − ½))`.
pub(crate) fn logit(x: f64) -> f64 {
    if !(0.3..=0.65).contains(&x) {
        libm::log(x / (1.0 - x))
    } else {
        let s = 2.0 * (x - 0.5);
        libm::log1p(s) - libm::log1p(-s)
    }
}

/// scipy xsf `expit(x)` = `1 / (1 + exp(−x))`.
#[inline]
pub(crate) fn expit(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

/// `−cgradient_half_binomial(y, raw)`.
#[inline]
fn neg_gradient(y: f64, raw: f64) -> f64 {
    let g = if raw > -37.0 {
        let e = libm::exp(-raw);
        ((1.0 - y) - y * e) / (1.0 + e)
    } else {
        libm::exp(raw) - y
    };
    -g
}

/// Validated training data: column-major float32 features and labels encoded to {0.0, 1.0}.
pub(crate) struct TrainData {
    pub xcols: Vec<f32>,
    pub n: usize,
    pub n_features: usize,
    pub y: Vec<f64>,
    pub classes: [i64; 2],
}

/// Largest accepted number of features.
pub const MAX_FEATURES: usize = 1024;
/// Largest accepted number of training rows.
pub const MAX_ROWS: usize = 1 << 28;

/// Cast a float64 feature to float32 as sklearn's `check_array(dtype=float32)` does, rejecting
/// what it rejects (NaN, infinity, values too large for float32).
pub(crate) fn to_f32(v: f64, row: usize, col: usize) -> Result<f32> {
    let f = v as f32;
    if !f.is_finite() {
        return Err(Error::invalid(
            "x",
            format!("{v} at row {row}, column {col}"),
            "features must be finite and fit in float32 (sklearn: \"Input X contains NaN\" / \
             \"infinity or a value too large for dtype('float32')\")",
        ));
    }
    Ok(f)
}

impl TrainData {
    /// Validate row-major `values` (`y.len()` rows of `n_features`) and encode the labels.
    pub(crate) fn new(values: &[f64], n_features: usize, y: &[i64]) -> Result<Self> {
        if n_features == 0 || n_features > MAX_FEATURES {
            return Err(Error::invalid(
                "n_features",
                n_features,
                format!("must be in [1, {MAX_FEATURES}]"),
            ));
        }
        let n = y.len();
        if n == 0 {
            return Err(Error::invalid(
                "y",
                "[] (0 rows)",
                "training data is empty; need at least one row of each class",
            ));
        }
        if n > MAX_ROWS {
            return Err(Error::invalid("y", n, format!("more than {MAX_ROWS} rows")));
        }
        if values.len() != n * n_features {
            return Err(Error::invalid(
                "x",
                format!("{} values", values.len()),
                format!(
                    "expected {n} rows x {n_features} features = {} values, one row per label",
                    n * n_features
                ),
            ));
        }
        let mut lo = y[0];
        let mut hi = y[0];
        for &v in y {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if lo == hi {
            return Err(Error::invalid(
                "y",
                format!("all {lo}"),
                "only one class present; a classifier needs two (sklearn: \"y contains 1 class\")",
            ));
        }
        if let Some(&other) = y.iter().find(|&&v| v != lo && v != hi) {
            return Err(Error::Unsupported(format!(
                "more than two classes in y ({lo}, {other}, {hi}): only binary classification is implemented"
            )));
        }
        let mut xcols = vec![0f32; n * n_features];
        for (i, row) in values.chunks_exact(n_features).enumerate() {
            for (j, &v) in row.iter().enumerate() {
                xcols[j * n + i] = to_f32(v, i, j)?;
            }
        }
        let y = y.iter().map(|&v| if v == hi { 1.0 } else { 0.0 }).collect();
        Ok(TrainData {
            xcols,
            n,
            n_features,
            y,
            classes: [lo, hi],
        })
    }
}

/// Fit the boosted trees on validated data.
///
/// # Errors
/// Only if the tree-seed draw rejects its range, which cannot happen for `[0, 2^31 − 1)`.
pub(crate) fn fit(params: &GbmValidParams, data: &TrainData) -> Result<GbmModel> {
    let n = data.n;
    let y = &data.y;
    // DummyClassifier(strategy="prior"): bincount / sum, then clipped to [eps, 1 − eps].
    let n1 = y.iter().filter(|&&v| v == 1.0).count();
    let prior = (n1 as f64 / n as f64).clamp(f64::EPSILON, 1.0 - f64::EPSILON);
    let init_raw = logit(prior);

    let lr = params.learning_rate();
    let cfg = TreeConfig {
        max_depth: params.max_depth(),
        min_samples_split: params.min_samples_split(),
        min_samples_leaf: params.min_samples_leaf(),
    };
    let mut mt = Mt19937::new(params.random_state());
    let mut ws = Workspace::new(&data.xcols, n, data.n_features);
    let mut raw = vec![init_raw; n];
    let mut neg_g = vec![0.0; n];
    let mut leaf_slot = vec![0u32; n];
    let mut slot_count: Vec<usize> = Vec::new();
    let mut slot_off: Vec<usize> = Vec::new();
    let mut order = vec![0u32; n];
    let mut buf = vec![0.0; n];
    let mut slot_value: Vec<f64> = Vec::new();
    let mut trees = Vec::with_capacity(params.n_estimators());

    for _ in 0..params.n_estimators() {
        for ((g, &yi), &r) in neg_g.iter_mut().zip(y).zip(&raw) {
            *g = neg_gradient(yi, r);
        }
        // Splitter.init: rand_r_state = random_state.randint(0, RAND_R_MAX) (masked rejection).
        let seed = mt.randint_masked(0, i64::from(RAND_R_MAX))? as u32;
        let mut tree = Tree::default();
        ws.build(&neg_g, seed, cfg, &mut tree);

        // _update_terminal_regions: each leaf's training rows in ascending row order
        // (np.nonzero(terminal_regions == leaf)); the partition leaves the leaf's rows in
        // ws.samples[start..end], the same set tree.apply would find.
        let n_leaves = ws.leaves.len();
        slot_count.clear();
        slot_count.resize(n_leaves, 0);
        for (k, &(_, start, end)) in ws.leaves.iter().enumerate() {
            slot_count[k] = end - start;
            for &s in &ws.samples()[start..end] {
                leaf_slot[s as usize] = k as u32;
            }
        }
        slot_off.clear();
        let mut acc = 0;
        for &c in &slot_count {
            slot_off.push(acc);
            acc += c;
        }
        let mut fill = slot_off.clone();
        for (i, &k) in leaf_slot.iter().enumerate() {
            let k = k as usize;
            order[fill[k]] = i as u32;
            fill[k] += 1;
        }
        slot_value.clear();
        for (k, &(node, _, _)) in ws.leaves.iter().enumerate() {
            let rows = &order[slot_off[k]..slot_off[k] + slot_count[k]];
            let cnt = rows.len() as f64;
            let b = &mut buf[..rows.len()];
            for (o, &i) in b.iter_mut().zip(rows) {
                *o = neg_g[i as usize];
            }
            let num = pairwise_sum(b) / cnt;
            for (o, &i) in b.iter_mut().zip(rows) {
                let prob = y[i as usize] - neg_g[i as usize];
                *o = prob * (1.0 - prob);
            }
            let den = pairwise_sum(b) / cnt;
            let v = if den.abs() < 1e-150 { 0.0 } else { num / den };
            tree.value[node] = v;
            slot_value.push(v);
        }
        for (r, &k) in raw.iter_mut().zip(&leaf_slot) {
            *r += lr * slot_value[k as usize];
        }
        trees.push(tree);
    }
    Ok(GbmModel::from_parts(
        *params,
        data.n_features,
        data.classes,
        init_raw,
        trees,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logit_uses_both_branches() {
        assert_eq!(logit(0.5), 0.0);
        assert_eq!(logit(0.1), libm::log(0.1 / 0.9));
        assert!((logit(0.6) - (0.6f64 / 0.4).ln()).abs() < 1e-15);
    }

    #[test]
    fn gradient_switches_below_minus_37() {
        assert_eq!(neg_gradient(1.0, -40.0), -(libm::exp(-40.0) - 1.0));
        assert_eq!(neg_gradient(0.0, 0.0), -0.5);
    }
}
