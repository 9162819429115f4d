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
//! Speed notes: buffers are allocated once per fit and reused by every tree; sort keys pack the
//! float32 value with the sample index into one `u64`; a column whose float32 values are all
//! distinct is sorted with the standard library's unstable sort (the sorted order is then unique,
//! so any correct sort gives sklearn's); the root node's sorts are cached by the sequence of
//! features drawn (every tree's root starts from samples `0..n`); leaf membership comes from the
//! builder's sample ranges instead of re-applying the tree. Measured (criterion, on a 2-core machine
//! shared with other builds, load 4–10): 34–120 ms per fit on 2250 rows, 1.1–1.9 s on 22500,
//! 11.6 s on 225000; sklearn takes about 200 ms on 2250.
//! What exactness forbids: a stable or radix sort of tied columns (it would change the tie order
//! and so the summation order), presorting once per feature (sklearn re-sorts each node from the
//! order the previous feature left), histogram binning, and vectorised or reassociated sums —
//! together these would give roughly another 5–10x.

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
