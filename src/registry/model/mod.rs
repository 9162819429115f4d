//! The registry's records: a model version with its lineage and metrics, the stages, the actors,
//! the evidence behind a decision, and the events of the append-only history.
//!
//! Its place in the loop: training fills a [`NewVersion`] (lineage, metrics), a gate or the
//! canary gives the [`Cause`] (actor, reason, [`Evidence`]), and the registry writes an [`Event`]
//! whose [`Change`] says what moved. This file holds the records; `change.rs` the [`Change`] and
//! its reader, `check.rs` the validation of every record.
//!
//! Every record is validated on the way in (arguments) and on the way out (stored bytes): lengths
//! are capped, floats are finite, the model's hash is recomputed. The limits are constants below.

mod change;
mod check;

pub use change::{Change, Move};
pub use check::{
    check_alias, check_label, check_loadable, check_time, time_problem, time_text, MAX_TIME_MS,
};

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Largest serialised model accepted, in bytes (16 MiB).
pub const MAX_MODEL_BYTES: usize = 16 * 1024 * 1024;
/// Longest free-text field (reason, note, lineage strings), in characters.
pub const MAX_TEXT: usize = 2000;
/// Longest label, alias or metric name, in characters.
pub const MAX_NAME: usize = 64;
/// Most metrics on one version.
pub const MAX_METRICS: usize = 64;
/// Largest serialised `params` value in a lineage, in bytes.
pub const MAX_PARAMS_BYTES: usize = 64 * 1024;

/// A version's lifecycle stage (MLflow's four stages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Stage {
    /// Registered, not yet staged.
    None,
    /// Under evaluation (the canary, a shadow test).
    Staging,
    /// Serving; at most one version at a time.
    Production,
    /// Retired (superseded, rolled back or archived by hand).
    Archived,
}

impl Stage {
    /// The stage's name as stored and shown (`None`, `Staging`, `Production`, `Archived`).
    pub fn name(self) -> &'static str {
        match self {
            Stage::None => "None",
            Stage::Staging => "Staging",
            Stage::Production => "Production",
            Stage::Archived => "Archived",
        }
    }

    /// Parse a stage name, case-insensitively.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `stage` for anything but the four names.
    pub fn parse(s: &str) -> Result<Stage> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Stage::None),
            "staging" => Ok(Stage::Staging),
            "production" => Ok(Stage::Production),
            "archived" => Ok(Stage::Archived),
            _ => Err(Error::invalid(
                "stage",
                format!("{s:?}"),
                "expected None, Staging, Production or Archived",
            )),
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Who made a change: a person or one of the loop's automatic deciders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// A person, through the page or the command line.
    User,
    /// The retraining gate (drift detected → train a candidate).
    RetrainGate,
    /// The promotion gate (candidate beats production by the margin).
    PromotionGate,
    /// The canary (live traffic on the candidate, rolled back on failure).
    Canary,
    /// The orchestrator running the loop over simulated weeks.
    Orchestrator,
}

impl Actor {
    /// The actor's name as stored and shown (`user`, `retrain_gate`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Actor::User => "user",
            Actor::RetrainGate => "retrain_gate",
            Actor::PromotionGate => "promotion_gate",
            Actor::Canary => "canary",
            Actor::Orchestrator => "orchestrator",
        }
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The numbers behind a decision (all optional): the KS test, both AUCs and the margin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Two-sample KS p-value of the drift test, in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ks_p: Option<f64>,
    /// Two-sample KS statistic D, in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ks_d: Option<f64>,
    /// AUC of the current production model on the evaluation data, in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auc_current: Option<f64>,
    /// AUC of the candidate on the same data, in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auc_candidate: Option<f64>,
    /// The promotion margin the candidate had to beat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    /// The dataset the numbers were measured on (fingerprint or description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where a model came from: enough to rebuild it bit for bit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lineage {
    /// Fingerprint of the training data (sha256 of pandas' `hash_pandas_object`, 12 hex).
    pub data_fingerprint: String,
    /// The seed as typed (decimal digits; any size numpy accepts, hence text).
    pub seed: String,
    /// The drift argument exactly as typed (`"10"` and `"10.0"` are different inputs).
    pub drift: String,
    /// Number of rows generated.
    pub rows: u64,
    /// Hyperparameters of the training run.
    pub params: serde_json::Value,
    /// The crate version that trained the model.
    pub code_version: String,
    /// The build id (crate version + commit) that trained the model.
    pub build_id: String,
}

/// One measured metric, tied to the dataset it was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    /// The metric's name (`auc`).
    pub name: String,
    /// Its value (finite).
    pub value: f64,
    /// The dataset it was measured on (fingerprint or description).
    pub dataset: String,
}

/// What the caller supplies to register a version.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVersion {
    /// The user's label, e.g. `1.1.0`; unique in the registry.
    pub label: String,
    /// The serialised model (opaque JSON text).
    pub model_json: String,
    /// sha256 of `model_json` as 64 lowercase hex digits; see [`model_hash`].
    pub model_hash: String,
    /// Where the model came from.
    pub lineage: Lineage,
    /// Metrics measured at registration.
    pub metrics: Vec<Metric>,
}

/// An immutable registered model version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelVersion {
    /// The version number: 1, 2, 3, ... in order of registration.
    pub version: u32,
    /// The user's label, unique in the registry.
    pub label: String,
    /// The serialised model (opaque JSON text).
    pub model_json: String,
    /// sha256 of `model_json`, 64 lowercase hex digits.
    pub model_hash: String,
    /// Where the model came from.
    pub lineage: Lineage,
    /// Metrics measured at registration.
    pub metrics: Vec<Metric>,
    /// Registration time (the caller's clock, ms).
    pub created_at: f64,
}

/// Who, why, when and on what evidence: the context of every change.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    /// Who made the change.
    pub actor: Actor,
    /// Why, in words.
    pub reason: String,
    /// The numbers behind it, if any.
    pub evidence: Option<Evidence>,
    /// When (the caller's clock in ms; simulated time in the simulation).
    pub time: f64,
}

impl Cause {
    /// A cause without evidence.
    pub fn new(actor: Actor, reason: impl Into<String>, time: f64) -> Self {
        Cause {
            actor,
            reason: reason.into(),
            evidence: None,
            time,
        }
    }

    /// The same cause with evidence attached.
    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence = Some(evidence);
        self
    }
}

/// One entry of the append-only history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Position in the history: 1, 2, 3, ...
    pub seq: u64,
    /// When (the caller's clock, ms); never earlier than the previous event.
    pub time: f64,
    /// What changed.
    pub change: Change,
    /// Who changed it.
    pub actor: Actor,
    /// Why.
    pub reason: String,
    /// The numbers behind the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// sha256 of the model's JSON text, as 64 lowercase hex digits (the registry's model hash).
pub fn model_hash(model_json: &str) -> String {
    Sha256::digest(model_json.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
