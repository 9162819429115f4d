//! Where a loop version came from, and rebuilding it from that alone.
//!
//! Written when a version is registered (the initial model, each candidate); read by an auditor
//! after the run ([`rederive`]).

use super::schedule::Schedule;
use super::world::{concat, initial_data, live_batch, SEEDED_RANDOM_STATE};
use crate::data::Frame;
use crate::fingerprint::fingerprint;
use crate::gbm::GbmParams;
use crate::pipeline::train_book;
use crate::registry::{Lineage, ModelVersion};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Where a loop version's training data came from (stored in its lineage `params.loop`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TrainingSource {
    /// [`initial_data`] with `rows` rows.
    Initial {
        /// Rows drawn.
        rows: usize,
    },
    /// The live batches of these weeks, concatenated.
    Weeks {
        /// The weeks, in order.
        weeks: Vec<usize>,
    },
}

/// Everything needed to rebuild a loop version's training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoopLineage {
    /// The run's seed.
    pub seed: u64,
    /// The run's schedule.
    pub schedule: Schedule,
    /// Rows per live week.
    pub rows_per_week: usize,
    /// Which data.
    pub source: TrainingSource,
}

fn source_frame(l: &LoopLineage) -> Result<Frame> {
    match &l.source {
        TrainingSource::Initial { rows } => initial_data(l.seed, &l.schedule, *rows),
        TrainingSource::Weeks { weeks } => {
            let frames = weeks
                .iter()
                .map(|&w| live_batch(l.seed, &l.schedule, l.rows_per_week, w))
                .collect::<Result<Vec<_>>>()?;
            concat(&frames.iter().collect::<Vec<_>>())
        }
    }
}

pub(super) fn lineage_of(
    seed_text: String,
    drift_text: String,
    df: &Frame,
    random_state: Option<u32>,
    source: Option<&LoopLineage>,
) -> Result<Lineage> {
    let mut gbm = serde_json::to_value(GbmParams::new().random_state(random_state.unwrap_or(0)))
        .map_err(|e| Error::Unsupported(format!("params to JSON: {e}")))?;
    if random_state.is_none() {
        // Unseeded: like sklearn's random_state=None, the state used is not recorded.
        gbm["random_state"] = serde_json::Value::Null;
    }
    let mut params = serde_json::json!({ "gbm": gbm });
    if let Some(l) = source {
        params["loop"] = serde_json::to_value(l)
            .map_err(|e| Error::Unsupported(format!("lineage to JSON: {e}")))?;
    }
    Ok(crate::pipeline::lineage(seed_text, drift_text, df, params))
}

/// The outcome of re-deriving a loop version from its lineage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rederivation {
    /// The version.
    pub version: u32,
    /// Its label.
    pub label: String,
    /// The rebuilt training data has the recorded fingerprint.
    pub data_matches: bool,
    /// The recorded model hash.
    pub recorded_hash: String,
    /// The hash of the model retrained from the lineage.
    pub rederived_hash: String,
    /// Whether the lineage recorded the GBM's random_state.
    pub seeded: bool,
    /// The model was reproduced bit for bit.
    pub matches: bool,
}

/// Rebuild a loop version's training data from its lineage, retrain and compare hashes. An
/// unseeded version records no `random_state`; the re-derivation can only try the default
/// (42), and its hash differs.
///
/// # Errors
/// [`Error::Malformed`] when the lineage is not a loop lineage; data and training errors.
pub fn rederive(mv: &ModelVersion) -> Result<Rederivation> {
    let bad = |reason: String| Error::Malformed {
        what: "lineage",
        reason,
    };
    let l: LoopLineage = serde_json::from_value(
        mv.lineage
            .params
            .get("loop")
            .cloned()
            .ok_or_else(|| bad("no params.loop: not trained by the orchestrator".into()))?,
    )
    .map_err(|e| bad(format!("params.loop: {e}")))?;
    let mut gbm = mv
        .lineage
        .params
        .get("gbm")
        .cloned()
        .ok_or_else(|| bad("no params.gbm".into()))?;
    let seeded = !gbm["random_state"].is_null();
    if !seeded {
        gbm["random_state"] = serde_json::Value::from(SEEDED_RANDOM_STATE);
    }
    let params: GbmParams =
        serde_json::from_str(&gbm.to_string()).map_err(|e| bad(format!("params.gbm: {e}")))?;
    let df = source_frame(&l)?;
    let data_matches = fingerprint(&df).short == mv.lineage.data_fingerprint;
    let model = train_book(&df, params.check()?.random_state())?.model;
    let rederived_hash = model.model_hash();
    Ok(Rederivation {
        version: mv.version,
        label: mv.label.clone(),
        data_matches,
        matches: rederived_hash == mv.model_hash,
        recorded_hash: mv.model_hash.clone(),
        rederived_hash,
        seeded,
    })
}
