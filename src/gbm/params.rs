//! Hyperparameters of the gradient-boosted classifier: builder → [`GbmParams::check`] →
//! [`GbmValidParams`], whose `fit` trains a [`crate::gbm::GbmModel`].

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Largest accepted `n_estimators` (a size cap for the page and for hostile model files).
pub const MAX_ESTIMATORS: usize = 10_000;
/// Largest accepted `max_depth` (a tree then has at most 2^(d+1) − 1 nodes).
pub const MAX_DEPTH: usize = 20;

/// `GradientBoostingClassifier` hyperparameters (the subset the book uses; everything else is
/// sklearn's default: log loss, `subsample=1.0`, `max_features=None`, no early stopping).
///
/// Defaults, as in scikit-learn except `random_state`, which the book sets: `n_estimators` 100,
/// `learning_rate` 0.1, `max_depth` 3, `min_samples_split` 2, `min_samples_leaf` 1,
/// `random_state` 42.
///
/// ```
/// use mlops_loop::gbm::GbmParams;
/// let p = GbmParams::new().n_estimators(10).check().unwrap();
/// assert_eq!(p.n_estimators(), 10);
/// assert!(GbmParams::new().max_depth(0).check().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GbmParams {
    n_estimators: usize,
    #[serde(with = "crate::gbm::model::f64_bits")]
    learning_rate: f64,
    max_depth: usize,
    min_samples_split: usize,
    min_samples_leaf: usize,
    random_state: u32,
}

impl Default for GbmParams {
    fn default() -> Self {
        GbmParams {
            n_estimators: 100,
            learning_rate: 0.1,
            max_depth: 3,
            min_samples_split: 2,
            min_samples_leaf: 1,
            random_state: crate::pipeline::GBM_RANDOM_STATE,
        }
    }
}

impl GbmParams {
    /// The book's parameters: `GradientBoostingClassifier(random_state=42)`.
    pub fn new() -> Self {
        Self::default()
    }
    /// Number of boosting stages (trees).
    pub fn n_estimators(mut self, v: usize) -> Self {
        self.n_estimators = v;
        self
    }
    /// Shrinkage applied to each tree's leaf values.
    pub fn learning_rate(mut self, v: f64) -> Self {
        self.learning_rate = v;
        self
    }
    /// Maximum depth of each regression tree.
    pub fn max_depth(mut self, v: usize) -> Self {
        self.max_depth = v;
        self
    }
    /// A node with fewer samples is not split.
    pub fn min_samples_split(mut self, v: usize) -> Self {
        self.min_samples_split = v;
        self
    }
    /// A split leaving fewer samples on either side is not considered.
    pub fn min_samples_leaf(mut self, v: usize) -> Self {
        self.min_samples_leaf = v;
        self
    }
    /// Seed of the `RandomState` (MT19937) that draws every tree's feature-order seed.
    pub fn random_state(mut self, v: u32) -> Self {
        self.random_state = v;
        self
    }

    /// Validate the parameters (sklearn's `_parameter_constraints`, plus size caps).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the first offending field and its value.
    pub fn check(&self) -> Result<GbmValidParams> {
        if self.n_estimators < 1 || self.n_estimators > MAX_ESTIMATORS {
            return Err(Error::invalid(
                "n_estimators",
                self.n_estimators,
                format!("must be in [1, {MAX_ESTIMATORS}]"),
            ));
        }
        if !self.learning_rate.is_finite() || self.learning_rate < 0.0 {
            return Err(Error::invalid(
                "learning_rate",
                self.learning_rate,
                "must be a finite number >= 0",
            ));
        }
        if self.max_depth < 1 || self.max_depth > MAX_DEPTH {
            return Err(Error::invalid(
                "max_depth",
                self.max_depth,
                format!("must be in [1, {MAX_DEPTH}]"),
            ));
        }
        if self.min_samples_split < 2 {
            return Err(Error::invalid(
                "min_samples_split",
                self.min_samples_split,
                "must be an integer >= 2",
            ));
        }
        if self.min_samples_leaf < 1 {
            return Err(Error::invalid(
                "min_samples_leaf",
                self.min_samples_leaf,
                "must be an integer >= 1",
            ));
        }
        Ok(GbmValidParams(*self))
    }
}

/// Parameters that passed [`GbmParams::check`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GbmValidParams(pub(crate) GbmParams);

impl GbmValidParams {
    /// The unvalidated form (for serialisation).
    pub fn params(&self) -> GbmParams {
        self.0
    }
    /// Number of trees.
    pub fn n_estimators(&self) -> usize {
        self.0.n_estimators
    }
    /// Shrinkage.
    pub fn learning_rate(&self) -> f64 {
        self.0.learning_rate
    }
    /// Maximum tree depth.
    pub fn max_depth(&self) -> usize {
        self.0.max_depth
    }
    /// Minimum samples to split a node.
    pub fn min_samples_split(&self) -> usize {
        self.0.min_samples_split
    }
    /// Minimum samples per leaf.
    pub fn min_samples_leaf(&self) -> usize {
        self.0.min_samples_leaf
    }
    /// The `RandomState` seed.
    pub fn random_state(&self) -> u32 {
        self.0.random_state
    }
}
