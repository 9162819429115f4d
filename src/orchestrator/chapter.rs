//! The chapter's three steps replayed through a registry, with the book's exact data and models.

use super::lineage::lineage_of;
use super::world::{SEEDED_RANDOM_STATE, WEEK_MS};
use crate::data::column;
use crate::data::{make_data, Drift};
use crate::fingerprint::fingerprint;
use crate::gates::{FeatureTest, GateDecision, PromotionGate, RetrainGate};
use crate::pipeline::new_version;
use crate::pipeline::{train_book, Trained};
use crate::registry::{Actor, Cause, Registry, Store};
use crate::stats::ks::{ks_2samp, KsMethod};
use crate::Result;
use serde::Serialize;

/// The chapter's three steps as the registry saw them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChapterRun {
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

/// The chapter through a registry: register `1.0.0` (seed 1, drift 0.0) in Production; KS on
/// days against `make_data(2, 10)` → gate 1 → train `1.1.0` on it → gate 2 on
/// `make_data(3, 10)` (same rows for both) → promote, archiving `1.0.0`.
///
/// # Errors
/// Registry errors (e.g. the labels already exist).
pub async fn run_chapter<S: Store>(registry: &Registry<S>) -> Result<ChapterRun> {
    let reference = make_data(1, Drift::Float(0.0), 3000)?;
    let Trained {
        model: m1,
        auc: auc_v1,
    } = train_book(&reference, SEEDED_RANDOM_STATE)?;
    let lin1 = lineage_of(
        "1".into(),
        "0.0".into(),
        &reference,
        Some(SEEDED_RANDOM_STATE),
        None,
    )?;
    let v1 = registry
        .register(
            &new_version("1.0.0", &m1, lin1, auc_v1, "own test split"),
            &Cause::new(Actor::User, "the chapter's first model", 0.0),
        )
        .await?;
    registry
        .promote(v1, &Cause::new(Actor::User, "first deployment", 1.0))
        .await?;

    let live = make_data(2, Drift::Int(10), 3000)?;
    let ks = ks_2samp(
        &column(&reference, "days_since_login")?,
        &column(&live, "days_since_login")?,
        KsMethod::Auto,
    )?;
    let mut retrain = RetrainGate::book().decide(&[FeatureTest {
        feature: "days_since_login".into(),
        pvalue: ks.pvalue,
        statistic: ks.statistic,
    }])?;
    retrain.evidence.dataset = Some(format!(
        "reference {} vs live {}",
        fingerprint(&reference).short,
        fingerprint(&live).short
    ));
    if !retrain.decision {
        return Ok(ChapterRun {
            v1,
            auc_v1,
            retrain,
            v2: None,
            promotion: None,
        });
    }
    let Trained {
        model: m2,
        auc: auc_own,
    } = train_book(&live, SEEDED_RANDOM_STATE)?;
    let lin2 = lineage_of(
        "2".into(),
        "10".into(),
        &live,
        Some(SEEDED_RANDOM_STATE),
        None,
    )?;
    let v2 = registry
        .register(
            &new_version("1.1.0", &m2, lin2, auc_own, "own test split"),
            &Cause::new(Actor::RetrainGate, retrain.reason.clone(), WEEK_MS)
                .with_evidence(retrain.evidence.clone()),
        )
        .await?;
    let recent = make_data(3, Drift::Int(10), 3000)?;
    let promotion = PromotionGate::book().decide(
        &m1,
        &m2,
        &recent.features(),
        recent.labels(),
        &format!("make_data(3, 10) {}", fingerprint(&recent).short),
    )?;
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
    Ok(ChapterRun {
        v1,
        auc_v1,
        retrain,
        v2: Some(v2),
        promotion: Some(promotion),
    })
}
