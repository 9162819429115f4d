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
#[cfg(test)]
fn neg_gradient(y: f64, raw: f64) -> f64 {
    let g = if raw > -37.0 {
        let e = libm::exp(-raw);
        ((1.0 - y) - y * e) / (1.0 + e)
    } else {
        libm::exp(raw) - y
    };
    -g
}

/// `[−cgradient_half_binomial(0, raw), −cgradient_half_binomial(1, raw)]`: the same
/// expressions as [`neg_gradient`] for `y = 0.0` and `y = 1.0`, sharing one `exp`.
#[inline]
fn neg_gradients(raw: f64) -> [f64; 2] {
    if raw > -37.0 {
        let e = libm::exp(-raw);
        [0.0, 1.0].map(|y: f64| -(((1.0 - y) - y * e) / (1.0 + e)))
    } else {
        let e = libm::exp(raw);
        [0.0, 1.0].map(|y: f64| -(e - y))
    }
}

/// Rows grouped by their history of leaves: rows that fell in the same leaf of every tree so
/// far received the same additions in the same order, so they share their raw score bit for
/// bit and the gradient's `exp` is needed once per group (a few hundred groups for thousands
/// of rows). Falls back to one raw score per row when groups stop paying off.
struct RawScores {
    /// Group of each row (unused in per-row mode).
    group: Vec<u32>,
    /// Raw score per group, or per row in per-row mode.
    raw: Vec<f64>,
    per_row: bool,
    /// Scratch: (old group, leaf slot) → new group.
    remap: Vec<u32>,
    next_raw: Vec<f64>,
    /// Negative gradients for y = 0 and y = 1, per group.
    grad: Vec<[f64; 2]>,
}

impl RawScores {
    fn new(n: usize, init_raw: f64) -> Self {
        RawScores {
            group: vec![0; n],
            raw: vec![init_raw],
            per_row: false,
            remap: Vec::new(),
            next_raw: Vec::new(),
            grad: Vec::new(),
        }
    }

    /// `neg_g[i] = −gradient(y[i], raw[i])`.
    fn neg_gradient(&mut self, y: &[f64], neg_g: &mut [f64]) {
        if self.per_row {
            for ((g, &yi), &r) in neg_g.iter_mut().zip(y).zip(&self.raw) {
                *g = neg_gradients(r)[usize::from(yi != 0.0)];
            }
            return;
        }
        self.grad.clear();
        self.grad.extend(self.raw.iter().map(|&r| neg_gradients(r)));
        for ((g, &yi), &c) in neg_g.iter_mut().zip(y).zip(&self.group) {
            *g = self.grad[c as usize][usize::from(yi != 0.0)];
        }
    }

    /// `raw[i] += lr · value[slot[i]]` (sklearn `_update_terminal_regions`'s
    /// `raw_predictions[:, k] += learning_rate * tree.value[:, 0, 0].take(terminal_regions)`).
    fn update(&mut self, lr: f64, slot: &[u32], value: &[f64]) {
        let n = slot.len();
        let n_leaves = value.len();
        let table = self.raw.len().saturating_mul(n_leaves);
        if !self.per_row && (table > 4 * n + 1024 || 2 * self.raw.len() > n) {
            let raw: Vec<f64> = self.group.iter().map(|&c| self.raw[c as usize]).collect();
            self.raw = raw;
            self.per_row = true;
        }
        if self.per_row {
            for (r, &k) in self.raw.iter_mut().zip(slot) {
                *r += lr * value[k as usize];
            }
            return;
        }
        self.remap.clear();
        self.remap.resize(table, u32::MAX);
        self.next_raw.clear();
        for (c, &k) in self.group.iter_mut().zip(slot) {
            let key = *c as usize * n_leaves + k as usize;
            let mut g = self.remap[key];
            if g == u32::MAX {
                g = self.next_raw.len() as u32;
                self.remap[key] = g;
                self.next_raw
                    .push(self.raw[*c as usize] + lr * value[k as usize]);
            }
            *c = g;
        }
        std::mem::swap(&mut self.raw, &mut self.next_raw);
    }
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
    let mut raw = RawScores::new(n, init_raw);
    let mut neg_g = vec![0.0; n];
    let mut leaf_slot = vec![0u32; n];
    let mut slot_count: Vec<usize> = Vec::new();
    let mut slot_off: Vec<usize> = Vec::new();
    let mut order = vec![0u32; n];
    let mut buf = vec![0.0; n];
    let mut slot_value: Vec<f64> = Vec::new();
    let mut trees = Vec::with_capacity(params.n_estimators());

    for _ in 0..params.n_estimators() {
        raw.neg_gradient(y, &mut neg_g);
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
        raw.update(lr, &leaf_slot, &slot_value);
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
    fn paired_gradients_equal_the_single_ones() {
        let mut s = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let raw = (s >> 11) as f64 / (1u64 << 53) as f64 * 100.0 - 60.0;
            let g = neg_gradients(raw);
            assert_eq!(g[0].to_bits(), neg_gradient(0.0, raw).to_bits(), "{raw}");
            assert_eq!(g[1].to_bits(), neg_gradient(1.0, raw).to_bits(), "{raw}");
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn two_threads_fit_the_same_model_as_one() {
        // The book's data at 24,000 rows (18,000 to train): the fit with the second thread
        // taking subtrees from 600 rows up, sorts' sides from 300 keys up, or both, equals the
        // fit on one thread, tree for tree.
        use crate::gbm::tree::{FORCE_MIN_ROWS, FORCE_SORT_FORK_MIN};
        let df = crate::data::make_data(1, crate::data::Drift::Float(0.0), 24_000).expect("data");
        let (train, _) = crate::split::train_test_split(24_000, 0.25, 42).expect("split");
        let x: Vec<[f64; 3]> = train.iter().map(|&i| df.features()[i]).collect();
        let y: Vec<i64> = train.iter().map(|&i| df.labels()[i]).collect();
        let params = crate::gbm::GbmParams::new()
            .n_estimators(30)
            .check()
            .expect("params");
        FORCE_MIN_ROWS.set(Some(usize::MAX));
        FORCE_SORT_FORK_MIN.set(Some(None));
        let one = params.fit(&x, &y).expect("fit");
        FORCE_MIN_ROWS.set(Some(600));
        let two = params.fit(&x, &y).expect("fit");
        // The sorts' sides on two threads too, from 300 keys, with and without the subtrees.
        FORCE_SORT_FORK_MIN.set(Some(Some(300)));
        let sorts_and_subtrees = params.fit(&x, &y).expect("fit");
        FORCE_MIN_ROWS.set(Some(usize::MAX));
        let sorts = params.fit(&x, &y).expect("fit");
        FORCE_MIN_ROWS.set(None);
        FORCE_SORT_FORK_MIN.set(None);
        assert_eq!(one, two);
        assert_eq!(one, sorts_and_subtrees);
        assert_eq!(one, sorts);
        assert!(one.trees().iter().all(|t| t.node_count() > 7));
    }

    #[test]
    fn gradient_switches_below_minus_37() {
        assert_eq!(neg_gradient(1.0, -40.0), -(libm::exp(-40.0) - 1.0));
        assert_eq!(neg_gradient(0.0, 0.0), -0.5);
    }
}
