//! The reproducible training pipeline as the registry sees it: train from a recipe (seed, drift
//! as typed, rows) and describe the result with its lineage for the registry.
//!
//! This is the first arrow of the loop: data → model → registry. Everything is seeded, so a
//! version's lineage is enough to rebuild its model bit for bit;
//! [`crate::orchestrator::rederive`] checks exactly that, for these versions and the loop's.

use crate::chapter::train_registered;
use crate::data::{make_data, Drift, Frame};
use crate::gbm::{GbmModel, GbmParams};
use crate::metrics::roc_auc;
use crate::numpy::SeedSequence;
use crate::registry::{model_hash, Lineage, Metric, NewVersion};
use crate::split::train_test_split;
use crate::{Error, Result};

/// The book's `train_test_split(..., random_state=42)`: which rows are held out.
pub const SPLIT_RANDOM_STATE: u32 = 42;
/// The book's `train_test_split(test_size=0.25)`: the held-out quarter.
pub const TEST_SIZE: f64 = 0.25;
/// The book's `GradientBoostingClassifier(random_state=42)`: the GBM's random state whenever
/// training is seeded (the chapter, the experiments, the loop with seeded training on).
pub const GBM_RANDOM_STATE: u32 = 42;

/// A model trained the book's way, with its AUC on the held-out quarter.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The fitted model.
    pub model: GbmModel,
    /// ROC AUC on the model's own test split.
    pub auc: f64,
}

/// The book's training step, shared by the chapter, the experiments and the loop:
/// `train_test_split(test_size=0.25, random_state=42)`, then
/// `GradientBoostingClassifier(random_state=random_state).fit` on the training rows, scored on the
/// test rows with `roc_auc_score`. The book uses `random_state = 42`.
///
/// # Errors
/// Too few rows for a split, or one class only in the training or test rows.
pub fn train_book(df: &Frame, random_state: u32) -> Result<Trained> {
    let (train, test) = train_test_split(df.len(), TEST_SIZE, SPLIT_RANDOM_STATE)?;
    let model = GbmParams::new()
        .random_state(random_state)
        .check()?
        .fit_frame(df, &train)?;
    let auc = auc_on_rows(df, &model, &test)?;
    Ok(Trained { model, auc })
}

/// Which part of [`train_book`]'s split of `df` has labels of one class only, if any: no
/// classifier can be fitted on such training rows (`"training"`), and such held-out rows have
/// no AUC (`"held-out"`). `None` when both parts have both classes.
///
/// # Errors
/// Too few rows for a split.
pub fn one_class_part(df: &Frame) -> Result<Option<&'static str>> {
    let (train, test) = train_test_split(df.len(), TEST_SIZE, SPLIT_RANDOM_STATE)?;
    let labels = df.labels();
    let one_class = |rows: &[usize]| {
        let mut ys = rows.iter().filter_map(|&i| labels.get(i));
        match ys.next() {
            Some(first) => ys.all(|y| y == first),
            None => true,
        }
    };
    Ok(if one_class(&train) {
        Some("training")
    } else if one_class(&test) {
        Some("held-out")
    } else {
        None
    })
}

/// ROC AUC of `model` on the book's held-out quarter of `df` (the test rows of
/// `train_test_split(test_size=0.25, random_state=42)`), as [`train_book`] reports it.
///
/// # Errors
/// Too few rows for a split, or one class only in the test rows.
pub fn held_out_auc(df: &Frame, model: &GbmModel) -> Result<f64> {
    let (_, test) = train_test_split(df.len(), TEST_SIZE, SPLIT_RANDOM_STATE)?;
    auc_on_rows(df, model, &test)
}

fn auc_on_rows(df: &Frame, model: &GbmModel, rows: &[usize]) -> Result<f64> {
    let x: Vec<[f64; 3]> = rows.iter().filter_map(|&i| df.feature_row(i)).collect();
    let labels = df.labels();
    let y: Vec<i64> = rows
        .iter()
        .filter_map(|&i| labels.get(i).copied())
        .collect();
    roc_auc(&y, &model.predict_proba(&x)?)
}

/// A training recipe: the inputs of `make_data` as the user typed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipe {
    /// The seed, decimal digits (any size numpy accepts).
    pub seed: String,
    /// The drift literal (`"10"` keeps days int64, `"10.0"` makes them float64).
    pub drift: String,
    /// Rows generated (a quarter is held out for the AUC).
    pub rows: usize,
}

impl Recipe {
    /// Parse the seed and drift and generate the data frame.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `seed`, `drift` or `rows`.
    pub fn frame(&self) -> Result<crate::data::Frame> {
        let seed = parse_seed(&self.seed)?;
        let drift = Drift::parse(&self.drift)?;
        make_data(seed, drift, self.rows)
    }
}

/// Parse a non-negative decimal seed below 2^128.
///
/// # Errors
/// [`Error::Invalid`] naming `seed`.
pub fn parse_seed(text: &str) -> Result<u128> {
    let t = text.trim();
    if t.is_empty() || t.len() > 39 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            "seed",
            format!("{text:?}"),
            "expected a non-negative decimal integer below 2^128",
        ));
    }
    t.parse::<u128>().map_err(|_| {
        Error::invalid(
            "seed",
            format!("{text:?}"),
            "expected a non-negative decimal integer below 2^128",
        )
    })
}

/// Train the book's model on `recipe` and describe it for [`crate::registry::Registry::register`]:
/// the model JSON and hash, the lineage, and the AUC on its own held-out quarter.
///
/// ```
/// use mlops_loop::pipeline::{train_for_registry, Recipe};
/// let r = Recipe { seed: "1".into(), drift: "0.0".into(), rows: 3000 };
/// let v = train_for_registry(&r, "1.0.0")?;
/// assert_eq!(v.lineage.data_fingerprint, "cf0f14ace53e");
/// assert_eq!(v.metrics[0].value, 0.7135674911042409);
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// Bad recipe fields (named), or data the model cannot be trained on.
pub fn train_for_registry(recipe: &Recipe, label: &str) -> Result<NewVersion> {
    let df = recipe.frame()?;
    let reg = train_registered(&df, label)?;
    let params = serde_json::to_value(reg.model.params().params())
        .map_err(|e| Error::Unsupported(format!("params are not serialisable: {e}")))?;
    let lineage = lineage(
        recipe.seed.trim().to_string(),
        recipe.drift.trim().to_string(),
        &df,
        params,
    );
    let dataset = format!("{} held-out 25%", reg.data_fingerprint);
    Ok(new_version(label, &reg.model, lineage, reg.auc, &dataset))
}

/// The one lineage builder: where a version's data came from (`seed`, `drift` as typed, the
/// rows and fingerprint of `df`), how it was trained (`params`), and which code trained it.
pub fn lineage(seed: String, drift: String, df: &Frame, params: serde_json::Value) -> Lineage {
    Lineage {
        data_fingerprint: crate::fingerprint::fingerprint(df).short,
        seed,
        drift,
        rows: df.len() as u64,
        params,
        code_version: crate::VERSION.to_string(),
        build_id: crate::build_id(),
    }
}

/// A trained `model` described for [`crate::registry::Registry::register`]: its JSON and hash,
/// its `lineage`, and its AUC on `dataset`.
pub fn new_version(
    label: &str,
    model: &GbmModel,
    lineage: Lineage,
    auc: f64,
    dataset: &str,
) -> NewVersion {
    let model_json = model.to_json();
    NewVersion {
        label: label.to_string(),
        model_hash: model_hash(&model_json),
        model_json,
        lineage,
        metrics: vec![Metric {
            name: "auc".into(),
            value: auc,
            dataset: dataset.to_string(),
        }],
    }
}

/// The seed sequence of a recipe's seed (for callers that derive sub-seeds).
///
/// # Errors
/// As [`parse_seed`].
pub fn seed_sequence(seed: &str) -> Result<SeedSequence> {
    Ok(SeedSequence::from_u128(parse_seed(seed)?))
}
