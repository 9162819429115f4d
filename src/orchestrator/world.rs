//! The simulated world: each week's live batch, the initial training data, the faults an
//! upstream bug injects, and the training random state of week `w`.
//!
//! The first thing of every week: the data arrives
//! (`make_data_from(trial_seed(seed, w, ROLE_LIVE), drift_w, rows)`).

use super::params::LoopParams;
use super::schedule::{Fault, Schedule};
use crate::data::{make_data_from, Days, Drift, Frame};
use crate::seeds::{splitmix64, trial_seed};
use crate::Result;

/// One simulated week in ms (the registry's clock).
pub const WEEK_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;
/// `trial_seed` role of the live batches.
pub const ROLE_LIVE: u32 = 100;
/// `trial_seed` role of the initial model's training data.
pub const ROLE_INITIAL: u32 = 101;
/// The GBM `random_state` of seeded training: the book's.
pub use crate::pipeline::GBM_RANDOM_STATE as SEEDED_RANDOM_STATE;

/// Rows of `frames` one after the other (days as float64).
pub(super) fn concat(frames: &[&Frame]) -> Result<Frame> {
    let (mut s, mut r, mut d, mut c) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for f in frames {
        s.extend_from_slice(f.spend_per_active_day());
        r.extend_from_slice(f.is_recent());
        d.extend(f.days_since_login().to_f64());
        c.extend_from_slice(f.churned());
    }
    Frame::new(s, r, Days::Float(d), c)
}

fn apply_fault(df: Frame, fault: Option<Fault>) -> Result<Frame> {
    let Some(fault) = fault else { return Ok(df) };
    let spend = df
        .spend_per_active_day()
        .iter()
        .map(|&v| match fault {
            Fault::Zero => 0.0,
            Fault::Scale100 => v * 100.0,
        })
        .collect();
    Frame::new(
        spend,
        df.is_recent().to_vec(),
        df.days_since_login().clone(),
        df.churned().to_vec(),
    )
}

/// Week `w`'s live batch of the run `(seed, schedule, rows)`.
///
/// # Errors
/// As [`make_data_from`].
pub fn live_batch(seed: u64, schedule: &Schedule, rows: usize, w: usize) -> Result<Frame> {
    let df = make_data_from(
        &trial_seed(u128::from(seed), w, ROLE_LIVE),
        Drift::Float(schedule.drift_days(w)),
        rows,
    )?;
    apply_fault(df, schedule.fault(w))
}

/// The initial model's training data: `train_weeks · rows` rows drawn as in week 0.
///
/// # Errors
/// As [`make_data_from`].
pub fn initial_data(seed: u64, schedule: &Schedule, rows: usize) -> Result<Frame> {
    let df = make_data_from(
        &trial_seed(u128::from(seed), 0, ROLE_INITIAL),
        Drift::Float(schedule.drift_days(0)),
        rows,
    )?;
    apply_fault(df, schedule.fault(0))
}

/// The last `n` rows of `df` (all of it if shorter).
pub(super) fn tail(df: &Frame, n: usize) -> Result<Frame> {
    let start = df.len().saturating_sub(n);
    Frame::new(
        df.spend_per_active_day()[start..].to_vec(),
        df.is_recent()[start..].to_vec(),
        Days::Float(df.days_since_login().to_f64()[start..].to_vec()),
        df.churned()[start..].to_vec(),
    )
}

/// The training random state for week `w`: the chapter's 42 when training is seeded, else a
/// SplitMix64 draw from the seed and the week.
pub(super) fn random_state(p: &LoopParams, w: usize) -> u32 {
    if p.practices.seeded_training {
        SEEDED_RANDOM_STATE
    } else {
        (splitmix64(p.seed ^ (w as u64).wrapping_mul(0x9e37_79b9)) >> 33) as u32
    }
}

/// The process week `w`'s data comes from: its drift (as bits) and its fault.
pub(super) fn process(p: &LoopParams, w: usize) -> (u64, Option<Fault>) {
    (p.schedule.drift_days(w).to_bits(), p.schedule.fault(w))
}
