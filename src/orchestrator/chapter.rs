//! The chapter's three steps recorded in a registry: what [`crate::chapter::run_chapter`]
//! computes (the one computation of the chapter: data, models, KS, AUCs and both gates'
//! decisions), registered, promoted and archived with its lineage and evidence.

use super::lineage::lineage_of;
use super::world::{SEEDED_RANDOM_STATE, WEEK_MS};
use crate::chapter::{run_chapter, ChapterParams, Registered};
use crate::data::Frame;
use crate::gates::GateDecision;
use crate::pipeline::new_version;
use crate::registry::{Actor, Cause, Registry, Store};
use crate::Result;
use serde::Serialize;

/// The chapter's three steps as the registry recorded them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedChapter {
    /// Version of `1.0.0`.
    pub v1: u32,
    /// Its AUC on its own test split (0.7135674911042409).
    pub auc_v1: f64,
    /// Gate 1 on `days_since_login` of `make_data(1, 0.0)` vs `make_data(2, 10)`.
    pub retrain: GateDecision,
    /// Version of `1.1.0`, if trained.
    pub v2: Option<u32>,
    /// Gate 2 on `make_data(3, 10)`, if a candidate was trained.
    pub promotion: Option<GateDecision>,
}

/// Register `model` (trained on `df`, the recipe `spec`) with its lineage and `cause`.
async fn register<S: Store>(
    registry: &Registry<S>,
    model: &Registered,
    df: &Frame,
    spec: &crate::chapter::DataSpec,
    cause: &Cause,
) -> Result<u32> {
    let lineage = lineage_of(
        spec.seed.to_string(),
        spec.drift.to_string(),
        df,
        Some(SEEDED_RANDOM_STATE),
        None,
    )?;
    registry
        .register(
            &new_version(
                &model.version,
                &model.model,
                lineage,
                model.auc,
                "own test split",
            ),
            cause,
        )
        .await
}

/// The book's chapter ([`ChapterParams::default`]) through a registry: register `1.0.0`
/// (seed 1, drift 0.0) in Production; gate 1 on days against `make_data(2, 10)` → register
/// `1.1.0` trained on it → gate 2 on `make_data(3, 10)` (same rows for both) → promote,
/// archiving `1.0.0` (or archive `1.1.0` when gate 2 says no). Every number and decision is
/// [`run_chapter`]'s; this records them.
///
/// # Errors
/// As [`run_chapter`]; registry errors (e.g. the labels already exist).
pub async fn record_chapter<S: Store>(registry: &Registry<S>) -> Result<RecordedChapter> {
    let params = ChapterParams::default();
    let run = run_chapter(&params)?;
    let v1 = register(
        registry,
        &run.current,
        &run.reference,
        &params.reference,
        &Cause::new(Actor::User, "the chapter's first model", 0.0),
    )
    .await?;
    registry
        .promote(v1, &Cause::new(Actor::User, "first deployment", 1.0))
        .await?;
    let retrain = run.retrain_gate;
    let (Some(candidate), Some(promotion)) = (run.candidate, run.promotion_gate) else {
        return Ok(RecordedChapter {
            v1,
            auc_v1: run.current.auc,
            retrain,
            v2: None,
            promotion: None,
        });
    };
    let v2 = register(
        registry,
        &candidate,
        &run.live,
        &params.live,
        &Cause::new(Actor::RetrainGate, retrain.reason.clone(), WEEK_MS)
            .with_evidence(retrain.evidence.clone()),
    )
    .await?;
    let cause = Cause::new(
        Actor::PromotionGate,
        promotion.reason.clone(),
        2.0 * WEEK_MS,
    )
    .with_evidence(promotion.evidence.clone());
    if promotion.decision {
        registry.promote(v2, &cause).await?;
    } else {
        registry.archive(v2, &cause).await?;
    }
    Ok(RecordedChapter {
        v1,
        auc_v1: run.current.auc,
        retrain,
        v2: Some(v2),
        promotion: Some(promotion),
    })
}
