//! The loop's entry points and its weekly driver. Its place in the loop: [`run_with`] (and its
//! variants with a learner's gates, [`Learners`], or a caller's own fit cache) checks the
//! parameters and the registry, runs every week into a registry in memory ([`Run`]'s start, the
//! week's phases in order, its close) and writes the completed run to the caller's registry in
//! one conditional batch.

use super::params::LoopParams;
use super::run::Run;
use super::timeline::Timeline;
use crate::fit_cache::FitCache;
use crate::learner::{LearnerGate, LearnerTrigger};
use crate::registry::{Batch, MemStore, Meta, Registry, Store, StoreError, META_KEY};
use crate::score_cache::ScoreCache;
use crate::{Error, Result};
use std::sync::Arc;

/// Run the loop, recording every change in `registry` (which must be empty).
///
/// All or nothing: the run records into a registry in memory, and only a run that completes
/// is written to `registry`, in one batch conditional on `registry` being as it was at the
/// start. A run that fails, or a registry changed by someone else meanwhile, leaves
/// `registry` as it was.
///
/// # Errors
/// [`Error::Invalid`] for bad parameters (naming the field) or a registry that already holds
/// versions; registry storage errors ([`StoreError::Conflict`] when `registry` changed
/// during the run).
pub async fn run_with<S: Store>(p: &LoopParams, registry: &Registry<S>) -> Result<Timeline> {
    run_with_learners(p, registry, Learners::default()).await
}

/// The learner's gates standing in for the built-in ones (exercises 2 and 3 written in Python,
/// [`crate::learner`]). Not part of [`LoopParams`]: nothing of it is serialized, and without
/// learners the run is the built-in one (the golden timelines).
#[derive(Default)]
pub struct Learners<'l> {
    /// Decides gate 1 each week instead of the KS rule; the week's KS evidence is still recorded.
    pub trigger: Option<&'l mut dyn LearnerTrigger>,
    /// Decides gate 2 instead of the AUC rule; both AUCs are still recorded.
    pub gate: Option<&'l mut dyn LearnerGate>,
}

/// [`run_with`] with the learner's gates deciding (either or both). A learner's error stops the
/// run; its message names the week.
///
/// # Errors
/// As [`run_with`], and [`Error::Program`] from the learner's code.
pub async fn run_with_learners<S: Store>(
    p: &LoopParams,
    registry: &Registry<S>,
    learners: Learners<'_>,
) -> Result<Timeline> {
    run_sharing_fits(p, registry, learners, &FitCache::shared()).await
}

/// [`run_with_learners`] with the fits kept in `fits` instead of the process's
/// [`FitCache::shared`]: the run's fits (the initial model and every candidate) are looked up
/// there first and kept there, so a second run of the same data (other gates, other learners)
/// given the same cache fits nothing again. The timeline is the same with any cache.
///
/// # Errors
/// As [`run_with_learners`].
pub async fn run_sharing_fits<S: Store>(
    p: &LoopParams,
    registry: &Registry<S>,
    learners: Learners<'_>,
    fits: &Arc<FitCache>,
) -> Result<Timeline> {
    run_sharing(p, registry, learners, fits, &ScoreCache::shared()).await
}

/// [`run_sharing_fits`] with the scores kept in `scores` instead of the process's
/// [`ScoreCache::shared`]: every score of a model on a live batch (each week served, gate 2,
/// the post-promotion check, the counterfactuals' weeks ahead) is looked up there first and
/// kept there. The timeline is the same with any caches.
///
/// # Errors
/// As [`run_with_learners`].
pub async fn run_sharing<S: Store>(
    p: &LoopParams,
    registry: &Registry<S>,
    mut learners: Learners<'_>,
    fits: &Arc<FitCache>,
    scores: &Arc<ScoreCache>,
) -> Result<Timeline> {
    p.check()?;
    check_empty(registry).await?;
    let before = registry.store().get(META_KEY).await?;
    let start: Meta = match &before {
        Some(bytes) => serde_json::from_slice(bytes)
            .map_err(|e| StoreError::corrupt(META_KEY, e.to_string()))?,
        None => {
            return Err(
                StoreError::corrupt(META_KEY, "missing (the registry was not opened?)").into(),
            )
        }
    };
    let mem = Registry::open(MemStore::new()).await?;
    let timeline = run_in(p, &mem, &mut learners, fits, scores).await?;
    let mut batch = Batch::new().expect(META_KEY, before);
    for (key, value) in mem.store().snapshot() {
        if key == META_KEY {
            // The revision moves on from the target's own, so that anyone polling it notices.
            let m: Meta = serde_json::from_slice(&value)
                .map_err(|e| StoreError::corrupt(META_KEY, e.to_string()))?;
            let meta = Meta {
                schema: m.schema,
                revision: start.revision + m.revision,
            };
            let bytes = serde_json::to_vec(&meta).map_err(|e| Error::Malformed {
                what: "meta",
                reason: e.to_string(),
            })?;
            batch = batch.put(key, bytes);
        } else {
            batch = batch.put(key, value);
        }
    }
    registry.store().commit(batch).await.map_err(|e| match e {
        StoreError::Conflict(_) => StoreError::Conflict(
            "the registry changed during the run; the run's records were not written".into(),
        ),
        e => e,
    })?;
    Ok(timeline)
}

/// Refuse a registry that already holds versions (the loop starts from 1.0.0).
pub(super) async fn check_empty<S: Store>(registry: &Registry<S>) -> Result<()> {
    let existing = registry.state().await?.versions();
    if existing > 0 {
        return Err(Error::invalid(
            "registry",
            format!("{existing} version(s)"),
            "the loop starts from an empty registry",
        ));
    }
    Ok(())
}

/// The loop itself, recording into `registry`.
async fn run_in<S: Store>(
    p: &LoopParams,
    registry: &Registry<S>,
    learners: &mut Learners<'_>,
    fits: &Arc<FitCache>,
    scores: &Arc<ScoreCache>,
) -> Result<Timeline> {
    let mut run = boxed(Run::start(p, registry, fits, scores)).await?;
    // Each week: serve → drift test → labels arrive (AUC, canary evidence, rollback check) →
    // canary analysis → gate 1 (→ candidate → gate 2) → record.
    for w in 0..p.weeks {
        if let Some(f) = run.prefetch.as_mut() {
            f.advance(w);
        }
        let mut week = run.serve(w)?;
        run.validate_week(&mut week);
        let (report, verdict) = run.observe(&week, learners).map_err(|e| in_week(e, w))?;
        boxed(run.labels_arrive(&mut week)).await?;
        boxed(run.canary_analysis(&mut week)).await?;
        if let Some(r) = &report {
            boxed(run.decide_retrain(r, verdict.as_ref(), &mut week, learners))
                .await
                .map_err(|e| in_week(e, w))?;
        }
        run.record(week, report);
    }
    boxed(run.summary()).await
}

/// A step of the loop as a future of its own, polled through a pointer, so that its code is not
/// inlined into the driver's state machine. In WebAssembly a function runs in V8's baseline
/// code until a call returns and is optimised in the background once hot: the driver, one call
/// per year, held every step (44 KB of code, optimised only for the next year); now each step
/// is optimised on its own (docs/gbm-speed.md). One allocation per step, a few hundred a year.
fn boxed<'a, T>(
    f: impl std::future::Future<Output = T> + 'a,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'a>> {
    Box::pin(f)
}

/// A learner's error, with the week it happened in.
fn in_week(e: Error, w: usize) -> Error {
    match e {
        Error::Program(mut pe) => {
            pe.message = format!("week {w}: {}", pe.message);
            Error::Program(pe)
        }
        other => other,
    }
}
