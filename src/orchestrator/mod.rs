//! The orchestrator: the whole loop over simulated weeks, from one seed and a drift schedule.
//!
//! Each week `w`: a live batch arrives (`make_data_from(trial_seed(seed, w, ROLE_LIVE), drift_w,
//! rows_per_week)`, with the schedule's drift and, for `broken_feature`, a broken upstream column)
//! → the [`Service`](crate::serving::Service) serves it (stable, or stable + canary by request id)
//! → the [`Monitor`](crate::monitor::Monitor) tests each feature for drift → labels of the week
//! served `label_delay` weeks ago arrive, giving its AUC, the canary's analysis and the
//! post-promotion check → gate 1 ([`RetrainGate`](crate::gates::RetrainGate)) → a candidate is
//! trained on the last `train_weeks` labelled weeks and registered → gate 2
//! ([`PromotionGate`](crate::gates::PromotionGate)) scores current and candidate on the newest
//! labelled week, the same rows for both → the candidate starts a canary (or is promoted at once) →
//! the canary promotes or aborts; a promoted version whose first labelled week is worse than its
//! predecessor on the same rows is rolled back.
//!
//! Every change goes through a [`Registry`] (any [`Store`](crate::registry::Store)) with simulated
//! time (week · 7 days in ms), so the timeline and the registry's history tell the same story. Each
//! practice can be switched off ([`Practices`]) to show how the loop fails without it. Everything
//! is seeded: the data by numpy's `SeedSequence([seed, week, role])`, canary routing by SplitMix64,
//! the seasonal drift by a pure-arithmetic sine; the same parameters give the same [`Timeline`],
//! natively and in WebAssembly.
//!
//! [`record_chapter`] records the chapter's three steps, as [`crate::chapter::run_chapter`]
//! computes them with the book's exact data and models, in a registry.
//!
//! The files, in the order of a week:
//!
//! | file | part of the loop |
//! |---|---|
//! | `params.rs` | [`LoopParams`], [`Practices`]: what a run is asked to do |
//! | `schedule.rs` | [`Schedule`], [`Fault`]: how the world drifts |
//! | `world.rs` | each week's live batch, the initial data, the training random state |
//! | `validate.rs` | [`validate`]: the data contract a batch must meet (schema, ranges, a broken feature) |
//! | `driver.rs` | [`run_with`] and its variants ([`Learners`]): the weekly driver, the run written in one batch |
//! | `run.rs` | the `Run` state: start (model `1.0.0`), the close of each week and of the run |
//! | `serve.rs` | serve the batch, test it for drift, take in the labels that arrived |
//! | `canary.rs` | the canary's evidence and analysis, the post-promotion rollback check |
//! | `retrain.rs` | gate 1: wait, keep, or train and register a candidate |
//! | `prefetch.rs` | a candidate's training; natively, the counterfactual candidates trained ahead |
//! | `promote.rs` | gate 2: archive the candidate, start a canary, or promote at once |
//! | `timeline.rs` | the records: [`WeekRecord`], [`Decision`], [`Summary`], [`Timeline`] |
//! | `lineage.rs` | a version's [`LoopLineage`] and [`rederive`] (of any registered version) |
//! | `chapter.rs` | [`record_chapter`]: the chapter's computed steps recorded in a registry |

mod canary;
mod chapter;
mod driver;
mod lineage;
mod params;
mod prefetch;
mod promote;
mod retrain;
mod run;
mod schedule;
mod serve;
mod timeline;
mod validate;
mod world;

pub use chapter::{record_chapter, RecordedChapter};
pub use driver::{run_sharing, run_sharing_fits, run_with, run_with_learners, Learners};
pub use lineage::{rederive, LoopLineage, Rederivation, TrainingSource};
pub use params::{LoopParams, LoopParamsBuilder, Practices, MAX_TOTAL_ROWS, MAX_WEEKS};
pub use schedule::{Fault, Schedule};
pub use timeline::{
    CanaryRecord, Choice, Counterfactual, Decision, DecisionKind, DriftEvidence, LiveSince,
    Outcome, Summary, Timeline, Verdict, WeekRecord,
};
pub use validate::validate;
pub use world::{initial_data, live_batch, ROLE_INITIAL, ROLE_LIVE, SEEDED_RANDOM_STATE, WEEK_MS};

use crate::registry::{block_on, MemStore, Registry};
use crate::Result;

/// Run the loop with a fresh in-memory registry (natively and in WebAssembly).
///
/// ```
/// use mlops_loop::orchestrator::{run, LoopParams};
/// let t = run(&LoopParams::builder().weeks(3).rows_per_week(300).build()?)?;
/// assert_eq!(t.weeks.len(), 3);
/// assert_eq!(t.weeks[0].live_label, "1.0.0");
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// As [`run_with`].
pub fn run(params: &LoopParams) -> Result<Timeline> {
    let reg = block_on(Registry::open(MemStore::new()))?;
    block_on(run_with(params, &reg))
}

/// [`run`], then rebuild every version the loop registered from its lineage alone
/// ([`rederive`]): what an auditor can reproduce. With seeded training every version matches; an
/// unseeded loop's retrained versions do not (exercise 5 shows the two side by side).
///
/// # Errors
/// As [`run_with`] and [`rederive`].
pub fn run_and_rederive(params: &LoopParams) -> Result<(Timeline, Vec<Rederivation>)> {
    let reg = block_on(Registry::open(MemStore::new()))?;
    let timeline = block_on(run_with(params, &reg))?;
    let state = block_on(reg.state())?;
    let mut out = Vec::with_capacity(state.versions() as usize);
    for v in 1..=state.versions() {
        out.push(rederive(&block_on(reg.get(v))?)?);
    }
    Ok((timeline, out))
}
