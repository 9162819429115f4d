//! The exercises' experiments: what happens to the loop's two gates over many repetitions.
//!
//! The chapter makes one decision per gate; a reader learns what a gate is worth by repeating it.
//! [`drift_trials`] runs the retraining trigger on many fresh reference/live pairs (false alarms
//! when there is no drift, power when there is); [`promotion_trials`] runs the promotion gate on
//! many (production, candidate) pairs, the candidate either no better (every promotion is
//! spurious) or truly better because the world moved since production was trained;
//! [`bootstrap_auc_diff`] gives a paired bootstrap interval for "candidate minus current" on the
//! same recent data.
//!
//! Every experiment is seeded: trial `i` of seed `S` draws its data from numpy's
//! `SeedSequence([S, i, role])` (`role` separates reference, live, candidate and evaluation
//! samples), so a chunk `start..start+count` gives the same trials whatever the chunking, and
//! the page can report progress between chunks.
//!
//! One file per experiment, in the order of the exercises:
//!
//! - `drift.rs`: [`drift_trials`], gate 1's KS trigger on fresh reference/live pairs (exercise 2:
//!   false alarms without drift, power with it);
//! - `trigger.rs`: [`trigger_trials`], any trigger (the built-in one, a learner's) on the same
//!   pairs, and the weeks it needs to fire (exercise 2's challenge);
//! - `promotion.rs`: [`promotion_trials`], gate 2 on (production, candidate) rounds with each
//!   round's true gain (exercise 3: spurious promotions);
//! - `gate.rs`: [`gate_trials`], any promotion gate on the same rounds, spurious promotions and
//!   improvements turned away (exercise 3's challenge);
//! - `bootstrap.rs`: [`bootstrap_auc_diff`], a paired interval for one AUC difference (exercise 3:
//!   how sure one decision is).
//!
//! This file holds what they share: the per-call limits, the limits of the page's sweeps
//! ([`SweepKey`]), [`zero_like`] and the check that merged parts cover consecutive ranges.

mod bootstrap;
mod drift;
mod gate;
mod promotion;
mod trigger;

pub use bootstrap::{bootstrap_auc_diff, BootstrapDiff};
pub use drift::{drift_trials, DriftTrials, DriftTrialsParams};
pub use gate::{gate_trials, GateRecord, GateTrials};
pub use promotion::{
    auc_on, promotion_trials, PromotionTrials, PromotionTrialsParams, TRUE_GAIN_ROWS,
};
pub use trigger::{trigger_trials, TriggerRecord, MAX_WEEKS_TO_DETECT};

use crate::data::{Drift, MAX_ROWS};
use crate::{Error, Result};

/// Most trials (or rounds, or resamples) one call may run; the page calls in chunks.
pub const MAX_TRIALS_PER_CALL: usize = 100_000;

/// The exercises' simulation seed: the seed of every experiment's trials unless one is given (the
/// panels' `sim_seed`, the WASM calls' `seed`).
pub const SIMULATION_SEED: u128 = 0;
/// Most rows one experiment call may draw in total (`trials · 2 · n`): about a second of work in a
/// browser tab, so a hostile link cannot freeze it.
pub const MAX_ROWS_PER_CALL: usize = 200_000_000;

/// The parameter a sweep of gate 1 varies: the page runs [`drift_trials`] once per value
/// (exercise 2's power curve over drifts, and its large-sample sweep over n), serialized as the
/// parameter's name (`"drift"`, `"n"`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum SweepKey {
    /// The power curve: the alarm rate at each drift, at the panel's n (at most
    /// [`MAX_ROWS`](crate::data::MAX_ROWS)).
    Drift,
    /// The large-sample effect: the alarm rate at each sample size, up to 30,000.
    N,
}

impl SweepKey {
    /// Every sweep.
    pub const ALL: [SweepKey; 2] = [SweepKey::Drift, SweepKey::N];

    /// Most checks per value of the sweep, so that a sweep stays a few seconds of a browser
    /// tab: 500 per drift (nine drifts: 9,000 KS checks), 200 per n (its samples grow to
    /// 30,000 rows: 200 × 2 × 44,300 = 17.7 million rows over the five sizes). The page runs
    /// its false-alarm simulation's trials, up to these.
    pub fn max_trials(self) -> usize {
        match self {
            SweepKey::Drift => 500,
            SweepKey::N => 200,
        }
    }

    /// Refuse `trials` checks per value outside 1..=[`Self::max_trials`].
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `trials` and its value.
    pub fn check_trials(self, trials: usize) -> Result<()> {
        let max = self.max_trials();
        if trials == 0 || trials > max {
            let what = match self {
                SweepKey::Drift => "the power curve",
                SweepKey::N => "the sample-size sweep",
            };
            return Err(Error::invalid(
                "trials",
                trials,
                format!("{what} runs between 1 and {max} checks per value"),
            ));
        }
        Ok(())
    }
}

fn check_count(field: &'static str, v: usize) -> Result<()> {
    if v == 0 || v > MAX_TRIALS_PER_CALL {
        return Err(Error::invalid(
            field,
            v,
            format!("must be between 1 and {MAX_TRIALS_PER_CALL} per call (run more in chunks)"),
        ));
    }
    Ok(())
}

fn check_rows(field: &'static str, n: usize) -> Result<()> {
    if !(2..=MAX_ROWS).contains(&n) {
        return Err(Error::invalid(
            field,
            n,
            format!("must be between 2 and {MAX_ROWS}"),
        ));
    }
    Ok(())
}

/// The zero drift of the same Python type as `drift` (so the reference keeps the live dtype).
pub fn zero_like(drift: Drift) -> Drift {
    match drift {
        Drift::Int(_) => Drift::Int(0),
        Drift::Float(_) => Drift::Float(0.0),
    }
}

/// Checks that `parts` cover consecutive index ranges, in order; returns the first start.
fn check_consecutive(what: &'static str, parts: &[(usize, usize)]) -> Result<usize> {
    let Some(&(first, _)) = parts.first() else {
        return Err(Error::invalid(what, "[]", "nothing to merge"));
    };
    let mut next = first;
    for (i, &(start, count)) in parts.iter().enumerate() {
        if start != next {
            return Err(Error::invalid(
                what,
                format!("part {i} starting at {start}"),
                format!("parts must cover consecutive ranges in order; expected a start of {next}"),
            ));
        }
        next = start
            .checked_add(count)
            .ok_or_else(|| Error::invalid(what, start, "start + count overflows"))?;
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Correction;

    #[test]
    fn a_sweep_refuses_more_checks_per_value_than_its_limit() {
        assert_eq!(SweepKey::Drift.max_trials(), 500);
        assert_eq!(SweepKey::N.max_trials(), 200);
        for key in SweepKey::ALL {
            let max = key.max_trials();
            assert!(key.check_trials(1).is_ok() && key.check_trials(max).is_ok());
            for bad in [0, max + 1] {
                let e = key.check_trials(bad).expect_err("refused").to_string();
                assert!(e.contains("trials") && e.contains(&bad.to_string()), "{e}");
                assert!(e.contains(&format!("{max} checks per value")), "{e}");
            }
        }
        assert_eq!(serde_json::to_string(&SweepKey::N).expect("json"), "\"n\"");
    }

    #[test]
    fn merged_parts_equal_the_one_call_result() {
        // Any split of the range (chunks in a worker, halves in two workers) merges into the
        // one-call result, field for field; parts out of order or with gaps are refused.
        let base = DriftTrialsParams {
            n: 200,
            drift: Drift::Int(2),
            trials: 7,
            start: 5,
            alpha: 0.05,
            seed: 11,
            correction: Correction::Bh,
        };
        let all = drift_trials(&base).expect("trials");
        let part = |start, trials| {
            drift_trials(&DriftTrialsParams {
                start,
                trials,
                ..base
            })
            .expect("part")
        };
        let (a, b, c) = (part(5, 1), part(6, 3), part(9, 3));
        let merged = DriftTrials::merge(&[a.clone(), b.clone(), c.clone()]).expect("merge");
        assert_eq!(merged, all);
        assert_eq!(merged.alarm_rate().expect("rate").count, all.alarms);
        for bad in [
            vec![b.clone(), a.clone()],
            vec![a.clone(), c.clone()],
            vec![],
        ] {
            let e = DriftTrials::merge(&bad).expect_err("not consecutive");
            assert!(e.to_string().contains("parts"), "{e}");
        }
        let mut broken = b;
        broken.pvalues.pop();
        assert!(DriftTrials::merge(&[a, broken]).is_err());

        let pb = PromotionTrialsParams {
            rounds: 3,
            start: 0,
            rows: 300,
            margin: 0.0,
            same_data: true,
            seed: 4,
            shift: 0,
        };
        let whole = promotion_trials(&pb).expect("rounds");
        let x = promotion_trials(&PromotionTrialsParams { rounds: 1, ..pb }).expect("x");
        let y = promotion_trials(&PromotionTrialsParams {
            rounds: 2,
            start: 1,
            ..pb
        })
        .expect("y");
        assert_eq!(
            PromotionTrials::merge(&[x.clone(), y.clone()]).expect("merge"),
            whole
        );
        assert!(PromotionTrials::merge(&[y, x]).is_err());
        let rate = whole.promotion_rate().expect("rate");
        assert_eq!((rate.count, rate.total), (whole.promotions, 3));
    }
}
