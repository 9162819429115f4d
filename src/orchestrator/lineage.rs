//! Where a loop version came from, and rebuilding any registered version from its lineage alone.
//!
//! Written when a version is registered (the initial model, each candidate); read by an auditor
//! after the run, or by the registry panel and the CLI for a version registered from a recipe
//! ([`rederive`], the one re-derivation).

use super::schedule::Schedule;
use super::world::{concat, initial_data, live_batch, SEEDED_RANDOM_STATE};
use crate::data::Frame;
use crate::fingerprint::fingerprint;
use crate::gbm::GbmParams;
use crate::pipeline::{train_book, Recipe};
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

/// The outcome of re-deriving a registered version from its lineage: the one answer to "can
/// this version be rebuilt from what the registry recorded?", for a version registered from a
/// recipe (the registry panel, the CLI) and for one the loop trained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rederivation {
    /// The version.
    pub version: u32,
    /// Its label.
    pub label: String,
    /// The data fingerprint recorded in the lineage.
    pub stored_fingerprint: String,
    /// The fingerprint of the data rebuilt from the lineage.
    pub rederived_fingerprint: String,
    /// The two fingerprints are equal: the lineage rebuilds the same data.
    pub data_matches: bool,
    /// The model hash recorded at registration.
    pub stored_hash: String,
    /// The hash of the model retrained from the lineage.
    pub rederived_hash: String,
    /// The lineage records the GBM's `random_state` (seeded training).
    pub seeded: bool,
    /// Same data and same model hash: the version is reproducible from its lineage, bit for bit.
    pub reproducible: bool,
    /// Why it is or is not, in words.
    pub explanation: String,
}

/// Rebuild a version's training data from its lineage, retrain and compare fingerprints and
/// model hashes.
///
/// The data come from the lineage's `params.loop` when the loop trained the version (its
/// [`LoopLineage`]: the run's seed, schedule and the weeks used), else from the recipe the lineage
/// records (`make_data(seed, drift, rows)`, the drift as typed). The fit uses the recorded
/// `random_state` (`params.gbm` for a loop version, `params` for a recipe version). An unseeded
/// loop version records none: the re-derivation can only try the book's 42, and its hash
/// differs.
///
/// # Errors
/// [`Error::Malformed`] when the parameters cannot be read; [`Error::Invalid`] naming `seed`,
/// `drift` or `lineage.rows` for a corrupt or hand-edited recipe; data and training errors.
pub fn rederive(mv: &ModelVersion) -> Result<Rederivation> {
    let bad = |reason: String| Error::Malformed {
        what: "lineage",
        reason,
    };
    let (df, mut gbm) = match mv.lineage.params.get("loop") {
        Some(l) => {
            let l: LoopLineage =
                serde_json::from_value(l.clone()).map_err(|e| bad(format!("params.loop: {e}")))?;
            let gbm = mv
                .lineage
                .params
                .get("gbm")
                .cloned()
                .ok_or_else(|| bad("no params.gbm".into()))?;
            (source_frame(&l)?, gbm)
        }
        None => {
            let rows = usize::try_from(mv.lineage.rows)
                .map_err(|_| Error::invalid("lineage.rows", mv.lineage.rows, "too large"))?;
            let recipe = Recipe {
                seed: mv.lineage.seed.clone(),
                drift: mv.lineage.drift.clone(),
                rows,
            };
            (recipe.frame()?, mv.lineage.params.clone())
        }
    };
    let seeded = !gbm["random_state"].is_null();
    if !seeded {
        gbm["random_state"] = serde_json::Value::from(SEEDED_RANDOM_STATE);
    }
    let params: GbmParams =
        serde_json::from_str(&gbm.to_string()).map_err(|e| bad(format!("params.gbm: {e}")))?;
    let rederived_fingerprint = fingerprint(&df).short;
    let model = train_book(&df, params.check()?.random_state())?.model;
    let rederived_hash = model.model_hash();
    let data_matches = rederived_fingerprint == mv.lineage.data_fingerprint;
    let same_model = rederived_hash == mv.model_hash;
    let explanation = match (data_matches, same_model) {
        (true, true) => "same data, same model: reproducible from its lineage",
        (false, _) => {
            "the lineage rebuilds different data: seed, drift or rows were recorded wrongly"
        }
        (true, false) if !seeded => {
            "same data but a different model: the lineage records no random_state (unseeded \
             training), so the fit cannot be repeated"
        }
        (true, false) => {
            "same data but a different model: training was not fully seeded, or its parameters \
             or code differ from the lineage"
        }
    };
    Ok(Rederivation {
        version: mv.version,
        label: mv.label.clone(),
        stored_fingerprint: mv.lineage.data_fingerprint.clone(),
        rederived_fingerprint,
        data_matches,
        stored_hash: mv.model_hash.clone(),
        rederived_hash,
        seeded,
        reproducible: data_matches && same_model,
        explanation: explanation.to_string(),
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::pipeline::train_for_registry;
    use crate::registry::{block_on, Actor, Cause, MemStore, Registry};

    #[test]
    fn a_registered_version_rederives_to_the_same_hash() {
        let reg = block_on(Registry::open(MemStore::new())).expect("registry");
        let recipe = Recipe {
            seed: "2".into(),
            drift: "10".into(),
            rows: 600,
        };
        let new = train_for_registry(&recipe, "1.1.0").expect("train");
        assert_eq!(new.lineage.drift, "10");
        let v =
            block_on(reg.register(&new, &Cause::new(Actor::User, "test", 1.0))).expect("register");
        let stored = block_on(reg.get(v)).expect("get");
        let r = rederive(&stored).expect("rederive");
        assert!(r.reproducible, "{r:?}");
        assert_eq!(r.rederived_hash, stored.model_hash);
    }

    #[test]
    fn a_tampered_lineage_does_not_rederive() {
        let recipe = Recipe {
            seed: "2".into(),
            drift: "10".into(),
            rows: 600,
        };
        let new = train_for_registry(&recipe, "x").expect("train");
        let mut v = ModelVersion {
            version: 1,
            label: "x".into(),
            model_json: new.model_json.clone(),
            model_hash: new.model_hash.clone(),
            lineage: new.lineage.clone(),
            metrics: new.metrics.clone(),
            created_at: 0.0,
        };
        v.lineage.drift = "10.0".into(); // a float drift: other dtype, other fingerprint
        let r = rederive(&v).expect("rederive");
        assert!(!r.reproducible && !r.data_matches);
        assert!(r.explanation.contains("different data"), "{r:?}");
        assert_ne!(r.rederived_fingerprint, r.stored_fingerprint);
        v.lineage.seed = "ten".into();
        assert!(rederive(&v)
            .expect_err("bad seed")
            .to_string()
            .contains("seed"));
    }
}
