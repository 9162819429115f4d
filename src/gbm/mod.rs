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
//! distinct is never sorted: its samples are presorted once per fit and each split partitions
//! that list stably into the children (the sorted order is unique, so it is sklearn's); the root
//! node's sorts are cached by the sequence of features drawn (every tree's root starts from
//! samples `0..n`); rows with the same history of leaves share their raw score bit for bit, so
//! the gradient's `exp` runs once per such group; a leaf by depth or size needs no sums (the
//! Newton step replaces its value) and the children's init sums come from the parent's
//! partition loop; the reverse `reset` chain is computed only as far as a reverse update needs
//! it; a split position's exact proxy (two divisions) is computed only when a cheap padded
//! estimate says it could win; leaf membership comes from the builder's sample ranges.
//!
//! Measured fit times (the book's data `make_data(1, 0.0)`, train rows; median of 5–30 fits in
//! a release build with LTO, on a 2-core machine shared with other builds; "before" is the
//! commit before these changes, measured back to back):
//!
//! | rows    | native before | native now | WASM (Node 20, opt-level "s", wasm-opt -Oz) before → now |
//! |---------|---------------|------------|-----------------------------------------------------------|
//! | 2 250   | 33–35 ms      | 23.5 ms    | 38–39 ms → 27.7 ms                                        |
//! | 22 500  | 554 ms        | 459 ms     |                                                           |
//! | 225 000 | 6.41 s        | 5.69 s     |                                                           |
//!
//! (`cargo bench --bench core -- gbm_fit`: 23.95 ms, 465 ms, 5.78 s.)
//!
//! scikit-learn takes 150–240 ms on 2 250 rows. opt-level 3 for the WASM profile gained about
//! 2.5 % (27.0 vs 27.7 ms) for a 35 % larger module, so the profile stays at "s".
//! Where the time goes now (2 250 rows, native): about 40 % in sklearn's introsort of the tied
//! columns (`days_since_login`: 90 values, about 7 partition passes per element, in inputs with
//! no exploitable order; `is_recent`: 1–2 passes), the rest in the split scans and node sums,
//! whose sequential float chains (4-cycle latency per add) are the floor. Beyond 2 250 rows the
//! continuous column has float32 ties (about 7 tied pairs at 22 500 rows, 750 at 225 000), so it
//! too goes through the full introsort, which is why the cost grows faster than the rows.
//! Measured and dropped: a branch-free transcription of the swap loop (its select chain through
//! memory is as slow as the mispredictions) and a run-aware partition that moves runs of keys
//! above the pivot with one memmove (no faster).
//!
//! Since then (back to back on the same machine, 2 250 rows, native; the machine was shared with
//! other builds, so single figures vary by ±5 %): the partition is computed in a branch-free
//! closed form (`sort::partition3_branch_free`: count, exchange the front's keys above the pivot
//! with the back's others, shift the back by one, then the `<`/`==` pass as selects) —
//! 24.3–24.8 → 23.2–23.8 ms; the split scan reads `y` through the sample order and finds a
//! tied column's split positions from its sorted keys (no gathered buffers) — −6 % of
//! instructions; the distinct column's scan skips the `min_samples_leaf` tests and the proxy
//! filter is a single compare — 22.0 → 21.4 ms. Total 23.8–24.8 → 21.4–21.7 ms natively (about
//! −10 %); in WASM (Node 20, opt-level "s", wasm-opt -Oz, best of 31) 26.7–27.5 → 25.0–25.1 ms
//! (about −7 %). The sort is still about 40 % of the fit and the scans about 25 %: the
//! ≤ 18 ms WASM goal needs more (ideas not done: cache non-root sorts by the node's path —
//! about 20 % of the tied columns' sorted elements repeat between trees; merge two partition
//! levels into one data movement; the software `fma` inside `libm::exp`, about 2 %).
//! Not done yet: sort a column with sparse ties lazily (run the introsort passes only on
//! subarrays whose key range holds a tie, fill tie-free ranges from the presorted list; about
//! 3–5x on that column at 22 500+ rows).
//! What exactness forbids: a stable or radix sort of tied columns (it would change the tie order
//! and so the summation order), presorting tied columns once per fit (sklearn re-sorts each node
//! from the order the previous feature left), histogram binning, and vectorised or reassociated
//! sums (the forward, reverse and node sums are sequential chains). A histogram/radix tree
//! builder with 4-way reassociated sums would fit 2 250 rows in well under 1 ms natively
//! (roughly 20–40x faster), at the price of different tie orders and so different trees.

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
