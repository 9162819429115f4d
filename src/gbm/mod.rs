//! Training: scikit-learn's `GradientBoostingClassifier`, bit for bit.
//!
//! In the loop, this is the step after the split: `GradientBoostingClassifier(random_state=42)
//! .fit(X_train, y_train)` on the columns `spend_per_active_day, is_recent, days_since_login`.
//! The fitted [`GbmModel`] scores rows ([`GbmModel::predict_proba`]) for the AUC and the
//! promotion gate, and is saved, loaded and hashed for the registry.
//!
//! Exactness (sklearn 1.9.1): features are cast to float32; the prior's logit, the half-binomial
//! gradient, the depth-first tree growth with its `rand_r` feature order and unstable introsort,
//! the MSE proxy, the float32 `FEATURE_THRESHOLD`, the Newton leaf step with numpy's pairwise
//! sums and the update `raw += learning_rate · value` all follow the reference order of
//! operations; see `tree` and `boost`.
//!
//! How it is fast without changing a bit (figures and history: `docs/gbm-speed.md`):
//! - Buffers are allocated once per fit and reused by every tree; sort keys pack the float32
//!   value with the sample index into one `u64`, so a swap moves both.
//! - A column whose float32 values are all distinct is never sorted: its samples are presorted
//!   once per fit and each split partitions that list stably into the children (the sorted
//!   order is unique, so it is sklearn's).
//! - A column with few ties keeps such a list too, and its sort runs sklearn's introsort passes
//!   only on subarrays whose final range holds a tie, filling the others from the list (their
//!   order is unique), a partition computes only its sides that hold a tie, and a lopsided
//!   one (a short left side without a tie) moves only the keys that change slots, in a copy
//!   of the subarray; see `sort::simultaneous_sort_sparse_ties`.
//! - Other tied columns go through sklearn's introsort with a branch-free 3-way partition; a
//!   column with few values (its keys hold dense ranks) is counted once per node, so that the
//!   partitions need no counting passes and subarrays of one value are not visited
//!   (`sort::simultaneous_sort_counted`). The root's sorts of tied columns are cached by the
//!   sequence of features drawn (every tree's root starts from samples `0..n`).
//! - Rows with the same history of leaves share their raw score bit for bit, so the gradient's
//!   `exp` runs once per such group.
//! - A leaf by depth or size needs no sums (the Newton step replaces its value); the children's
//!   init sums come from the parent's partition loop; the reverse `reset` chain is computed only
//!   as far as a reverse update needs it; a split position's exact proxy (two divisions) is
//!   computed only when a cheap padded estimate says it could win.
//! - A distinct column whose sorted values all step past `FEATURE_THRESHOLD` is scanned without
//!   the value test (every position is a split position, each update the forward one); the
//!   final partition is a rotation of the right part when the samples are already in the best
//!   feature's order; a split feature's own presorted list is already split (`tree::split`,
//!   `tree::order`).
//!
//! - Natively, on two cores, the right subtree of a large split is grown on a second thread once
//!   the `rand_r` state and feature order it starts from are known exactly (replayed without
//!   sorting; see `tree::par`). In fits of 65,536 rows and more, while that thread is idle, a
//!   large sort's two sides after a partition are sorted on two threads, the left side on a
//!   helper that sleeps between sorts and whose unstarted work this thread takes back
//!   (`sort::fork`); each side makes the same moves as on one thread.
//!
//! What exactness forbids: a stable or radix sort of tied columns (it would change the tie order
//! and so the summation order), presorting tied columns once per fit (sklearn re-sorts each node
//! from the order the previous feature left), histogram binning, and vectorised or reassociated
//! sums (the forward, reverse and node sums are sequential chains).

mod boost;
mod model;
mod params;
mod sort;
mod tree;

pub use boost::{MAX_FEATURES, MAX_ROWS};
pub use model::{
    GbmModel, FORMAT_NAME, FORMAT_VERSION, MAX_JSON_BYTES, MAX_NODES_PER_TREE, MAX_TOTAL_NODES,
};
pub use params::{GbmParams, GbmValidParams, MAX_DEPTH, MAX_ESTIMATORS};
pub use tree::{Tree, TREE_LEAF, TREE_UNDEFINED};

use crate::Result;

impl GbmValidParams {
    /// Fit on rows of features (any row type that is a slice of `f64`, e.g. `[f64; 3]`) and
    /// their labels (two distinct values; the larger is the positive class).
    ///
    /// ```
    /// use mlops_loop::gbm::GbmParams;
    /// let x: Vec<[f64; 1]> = (0..20).map(|i| [i as f64]).collect();
    /// let y: Vec<i64> = (0..20).map(|i| i64::from(i >= 10)).collect();
    /// let model = GbmParams::new().n_estimators(5).check()?.fit(&x, &y)?;
    /// let p = model.predict_proba(&[[2.0], [17.0]])?;
    /// assert!(p[0] < 0.5 && p[1] > 0.5);
    /// # Ok::<(), mlops_loop::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] for empty data, rows of unequal length, a label count that
    /// differs from the row count, NaN / infinite / float32-overflowing features, or one class
    /// only; [`crate::Error::Unsupported`] for more than two classes.
    pub fn fit<R: AsRef<[f64]>>(&self, x: &[R], y: &[i64]) -> Result<GbmModel> {
        let n_features = x.first().map_or(0, |r| r.as_ref().len());
        if x.len() != y.len() {
            return Err(crate::Error::invalid(
                "y",
                format!("{} labels", y.len()),
                format!("x has {} rows; need one label per row", x.len()),
            ));
        }
        let mut flat = Vec::with_capacity(x.len() * n_features);
        for (i, r) in x.iter().enumerate() {
            let r = r.as_ref();
            if r.len() != n_features {
                return Err(crate::Error::invalid(
                    "x",
                    format!("row {i} with {} values", r.len()),
                    format!("row 0 has {n_features}; all rows need the same length"),
                ));
            }
            flat.extend_from_slice(r);
        }
        self.fit_matrix(&flat, n_features.max(1), y)
    }

    /// Fit on the book's feature columns of `frame` (`X = df[FEATURES]`, `y = df.churned`),
    /// using the rows `rows` in that order (e.g. the train half of `train_test_split`).
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] naming `rows` if an index is out of range; otherwise as
    /// [`GbmValidParams::fit`].
    pub fn fit_frame(&self, frame: &crate::data::Frame, rows: &[usize]) -> Result<GbmModel> {
        let labels = frame.labels();
        let mut x = Vec::with_capacity(rows.len());
        let mut y = Vec::with_capacity(rows.len());
        for &i in rows {
            let (Some(r), Some(&l)) = (frame.feature_row(i), labels.get(i)) else {
                return Err(crate::Error::invalid(
                    "rows",
                    i,
                    format!("row index out of range for a frame of {} rows", frame.len()),
                ));
            };
            x.push(r);
            y.push(l);
        }
        self.fit(&x, &y)
    }

    /// Fit on a row-major matrix `x` of `y.len()` rows × `n_features` columns.
    ///
    /// # Errors
    /// As [`GbmValidParams::fit`], plus `n_features` outside `[1, MAX_FEATURES]` and `x.len()`
    /// not equal to `y.len() · n_features`.
    pub fn fit_matrix(&self, x: &[f64], n_features: usize, y: &[i64]) -> Result<GbmModel> {
        let data = boost::TrainData::new(x, n_features, y)?;
        boost::fit(self, &data)
    }
}
