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
//! | [`libm`] | glibc-compatible `exp`, `log`, `log1p` |
//! | [`data`] | `make_data(seed, drift, rows)` and the typed frame |
//! | [`fingerprint`] | pandas `hash_pandas_object` + sha256: the data's lineage |
//! | [`split`] | scikit-learn `train_test_split` |
//! | [`gbm`] | scikit-learn `GradientBoostingClassifier` |
//! | [`metrics`] | ROC AUC |
//! | [`stats`] | two-sample Kolmogorov–Smirnov test, multiple-testing corrections |
//! | [`chapter`] | the chapter's three steps, computed |
//! | [`serving`] | the service: typed request/response, canary routing, rollback |
//! | [`monitor`] | input drift (KS per feature) and delayed-label performance |
//! | [`gates`] | the retraining gate and the promotion gate, with decision records |
//! | [`orchestrator`] | the loop over simulated weeks |
//! | [`cli`] | the native command line (not on wasm32) |
//! | `wasm` | the JavaScript boundary (wasm32 only) |

pub mod chapter;
pub mod data;
pub mod error;
pub mod experiments;
pub mod fingerprint;
pub mod gates;
pub mod gbm;
pub mod libm;
pub mod metrics;
pub mod monitor;
pub mod numpy;
pub mod orchestrator;
pub mod pipeline;
pub mod registry;
pub mod seeds;
pub mod serving;
pub mod split;
pub mod stats;

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
