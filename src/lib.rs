//! # mlops-loop
//!
//! The MLOps loop of a book chapter, run end to end in the browser (WebAssembly) or natively.
//!
//! A seeded, reproducible training pipeline ([`data`], [`fingerprint`], [`split`], [`gbm`])
//! produces a versioned model with its lineage; the model registry ([`registry`]) keeps its
//! versions, stages, aliases and an append-only history; a service ([`serving`]) serves the
//! production version with a canary and a way back; monitoring ([`monitor`]) watches live inputs
//! (the two-sample KS test in [`stats::ks`]) and, once labels arrive, performance
//! ([`metrics::roc_auc`]); the retraining gate and the promotion gate ([`gates`]) decide; the
//! orchestrator ([`orchestrator`]) runs the whole loop over simulated weeks.
//!
//! Every number that mirrors the book's Python (numpy `default_rng`, pandas'
//! `hash_pandas_object`, scikit-learn's `train_test_split`, `GradientBoostingClassifier` and
//! `roc_auc_score`, scipy's `ks_2samp`) is reproduced bit for bit: see [`numpy`] and [`libm`].
//!
//! Module map, in the order of the loop:
//!
//! | module | stage |
//! |---|---|
//! | [`numpy`] | bit-exact numpy randomness (PCG64 + SeedSequence, MT19937) |
//! | [`libm`] | glibc-compatible `exp`, `log`, `log1p`; `det_sin` |
//! | [`seeds`] | seed derivation: `trial_seed`, `splitmix64` |
//! | [`data`] | `make_data(seed, drift, rows)` and the typed frame |
//! | [`fingerprint`] | pandas `hash_pandas_object` + sha256: the data's lineage |
//! | [`split`] | scikit-learn `train_test_split` |
//! | [`gbm`] | scikit-learn `GradientBoostingClassifier` |
//! | [`metrics`] | ROC AUC |
//! | [`stats`] | two-sample Kolmogorov–Smirnov test, multiple-testing corrections (`Correction`) |
//! | [`pipeline`] | `train_book` (the book's seeds as named constants), the lineage builder |
//! | [`fit_cache`] | fits already made, kept by a sha256 of their inputs (the loop and the chapter) |
//! | [`score_cache`] | a model's scores on a batch of rows, kept by the fit's key and a sha256 of the rows (the loop) |
//! | [`trigger_cost`] | the retraining trigger's yearly cost at each alpha and correction (exercise 2) |
//! | [`chapter`] | the chapter's three steps, computed |
//! | [`registry`] | versions, stages, aliases, history, over a `Store` |
//! | [`serving`] | the service: typed request/response, canary routing, rollback |
//! | [`monitor`] | input drift (KS per feature) and delayed-label performance |
//! | [`gates`] | the retraining gate and the promotion gate (the rule once: [`gates::promotes`]) |
//! | [`learner`] | the learner's gates as traits (`python`: in a Python sandbox, cargo feature `python`) |
//! | [`experiments`] | the exercises' repeated trials, one file per experiment, and how their parts merge |
//! | [`exercises`] | what the exercises conclude: expected rates, readings, challenge grades |
//! | [`answers`] | what counts as a reader's written answer; exercise 1's map, checked |
//! | [`defaults`] | every panel's defaults, in one place |
//! | [`orchestrator`] | the loop over simulated weeks, one file per phase of a week; `rederive` of any version |
//! | [`weakest_link`] | exercise 5: the failures each missing practice lets in, read from timelines |
//! | [`cli`] | the native command line (not on wasm32) |
//! | `wasm` | the JavaScript boundary (wasm32 only), one file per exported area |
//!
//! `docs/architecture.md` says what flows between the stages and where a new exercise or gate goes.

pub mod answers;
pub mod chapter;
pub mod data;
pub mod defaults;
pub mod error;
pub mod exercises;
pub mod experiments;
pub mod fingerprint;
pub mod fit_cache;
pub mod gates;
pub mod gbm;
pub mod learner;
pub mod libm;
pub mod metrics;
pub mod monitor;
pub mod numpy;
pub mod orchestrator;
pub mod pipeline;
#[cfg(feature = "python")]
pub mod python;
pub mod registry;
pub mod score_cache;
pub mod seeds;
pub mod serving;
pub mod split;
pub mod stats;
pub mod trigger_cost;
pub mod weakest_link;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub use wasm::*;

pub use error::{Error, Result};

/// The crate version, as shown by the CLI and the page.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The build identifier recorded in lineage: crate version plus the git commit when known.
pub fn build_id() -> String {
    match option_env!("MLOPS_LOOP_GIT_SHA") {
        Some(sha) if !sha.is_empty() => format!("{VERSION}+{sha}"),
        _ => VERSION.to_string(),
    }
}
