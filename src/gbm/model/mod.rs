//! The fitted model: the [`GbmModel`] a fit returns, and its prediction. Its place in the fit:
//! what `boost` builds from its trees, what the pipeline scores rows with (the AUC, the
//! promotion gate, serving), and what the registry stores and hashes (its JSON form, `json.rs`).
//! Prediction lays the trees out flat when they are shallow enough (`flat.rs`).

mod flat;
mod json;

pub(crate) use json::f64_bits;
pub use json::{FORMAT_NAME, FORMAT_VERSION, MAX_JSON_BYTES, MAX_NODES_PER_TREE, MAX_TOTAL_NODES};

use super::boost::{expit, to_f32};
use super::params::GbmValidParams;
use super::tree::Tree;
use crate::{Error, Result};
use flat::{Flat, PREDICT_BLOCK};

/// A fitted `GradientBoostingClassifier`: the initial raw score, the trees and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct GbmModel {
    params: GbmValidParams,
    n_features: usize,
    classes: [i64; 2],
    init_raw: f64,
    trees: Vec<Tree>,
}

impl GbmModel {
    pub(crate) fn from_parts(
        params: GbmValidParams,
        n_features: usize,
        classes: [i64; 2],
        init_raw: f64,
        trees: Vec<Tree>,
    ) -> Self {
        GbmModel {
            params,
            n_features,
            classes,
            init_raw,
            trees,
        }
    }

    /// The parameters it was fitted with.
    pub fn params(&self) -> GbmValidParams {
        self.params
    }
    /// Number of features a row must have.
    pub fn n_features(&self) -> usize {
        self.n_features
    }
    /// The two labels, sorted; probabilities are for `classes()[1]`.
    pub fn classes(&self) -> [i64; 2] {
        self.classes
    }
    /// The raw score before any tree: `logit(prior of classes()[1])`.
    pub fn init_raw(&self) -> f64 {
        self.init_raw
    }
    /// The trees, in boosting order.
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// Raw scores (log-odds) of rows: `init_raw`, then `+= learning_rate · leaf value` per tree in
    /// order (sklearn `predict_stages`), features cast to float32 first.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `x` if a row has the wrong length or a value that is NaN,
    /// infinite or too large for float32.
    pub fn predict_raw<R: AsRef<[f64]>>(&self, rows: &[R]) -> Result<Vec<f64>> {
        let lr = self.params.learning_rate();
        let nf = self.n_features;
        // Every row as float32 first (the first bad row is the one named).
        let mut x = Vec::with_capacity(rows.len() * nf);
        for (i, row) in rows.iter().enumerate() {
            let row = row.as_ref();
            if row.len() != nf {
                return Err(Error::invalid(
                    "x",
                    format!("row {i} with {} values", row.len()),
                    format!("the model expects {nf} features"),
                ));
            }
            for (j, &v) in row.iter().enumerate() {
                x.push(to_f32(v, i, j)?);
            }
        }
        let mut out = vec![self.init_raw; rows.len()];
        match Flat::new(&self.trees, lr) {
            // Blocks of rows small enough for the cache, large enough to overlap the chains.
            Some(f) => {
                for (b, raw) in out.chunks_mut(PREDICT_BLOCK).enumerate() {
                    let start = b * PREDICT_BLOCK * nf;
                    f.accumulate(&x[start..start + raw.len() * nf], nf, raw);
                }
            }
            None => {
                for (r, raw) in out.iter_mut().enumerate() {
                    let row = &x[r * nf..(r + 1) * nf];
                    for t in &self.trees {
                        *raw += lr * t.value[t.apply(row)];
                    }
                }
            }
        }
        Ok(out)
    }

    /// Probability of `classes()[1]` per row: `expit(raw)` (sklearn `predict_proba[:, 1]`).
    ///
    /// # Errors
    /// As [`GbmModel::predict_raw`].
    pub fn predict_proba<R: AsRef<[f64]>>(&self, rows: &[R]) -> Result<Vec<f64>> {
        let mut raw = self.predict_raw(rows)?;
        for r in &mut raw {
            *r = expit(*r);
        }
        Ok(raw)
    }
}
