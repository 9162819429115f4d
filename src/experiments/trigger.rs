//! Exercise 2's challenge: several triggers (the built-in gate 1, a learner's program) run on the
//! same trials as [`drift_trials`](super::drift_trials), counting false alarms or detections and,
//! with drift, the weeks each needs to fire.

use super::drift::trial_pair;
use super::{check_count, check_rows, zero_like, DriftTrialsParams, MAX_ROWS_PER_CALL};
use crate::{Error, Result};

/// Most weekly checks [`trigger_trials`] follows a drifted trial for before calling it missed.
pub const MAX_WEEKS_TO_DETECT: u32 = 12;

/// What one trigger did in [`trigger_trials`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TriggerRecord {
    /// Trials run.
    pub trials: usize,
    /// Trials in which the trigger fired on the first check (false alarms when there is no drift,
    /// detections when there is).
    pub alarms: usize,
    /// With drift: per trial, the weekly check (1-based) on which the trigger first fired, or
    /// `None` if it had not fired after [`MAX_WEEKS_TO_DETECT`] checks. Empty without drift.
    pub weeks_to_detect: Vec<Option<u32>>,
    /// The reason the trigger gave on the first trial's first check, if any.
    pub first_reason: Option<String>,
}

/// Run each of `triggers` (the built-in gate 1 as a [`crate::gates::RetrainGate`], a learner's
/// program, ...) on the same trials as [`drift_trials`](super::drift_trials): the first check of
/// trial `i` compares the same reference and live samples (each column sorted ascending). With
/// drift, a trial whose first check stays quiet is followed for up to [`MAX_WEEKS_TO_DETECT`]
/// weekly checks (fresh live samples with the same drift, against the same reference) to measure
/// how many weeks a trigger needs. Check number `16·i + week` is passed to the trigger (it seeds
/// the learner's `resample`).
///
/// # Errors
/// As [`drift_trials`](super::drift_trials); the first error of a trigger (a learner's exception)
/// stops the run.
pub fn trigger_trials(
    p: &DriftTrialsParams,
    triggers: &mut [&mut dyn crate::learner::LearnerTrigger],
) -> Result<Vec<TriggerRecord>> {
    check_rows("n", p.n)?;
    check_count("trials", p.trials)?;
    if p.trials.saturating_mul(2).saturating_mul(p.n) > MAX_ROWS_PER_CALL {
        return Err(Error::invalid(
            "trials",
            p.trials,
            format!("trials × 2 × n must stay below {MAX_ROWS_PER_CALL} rows per call"),
        ));
    }
    p.start
        .checked_add(p.trials)
        .ok_or_else(|| Error::invalid("start", p.start, "start + trials overflows"))?;
    let drifted = p.drift != zero_like(p.drift);
    let mut out: Vec<TriggerRecord> = triggers
        .iter()
        .map(|_| TriggerRecord {
            trials: p.trials,
            alarms: 0,
            weeks_to_detect: Vec::new(),
            first_reason: None,
        })
        .collect();
    for t in p.start..p.start + p.trials {
        let (reference, live) = trial_pair(p, t, 0)?;
        let mut missed = Vec::new();
        for (k, (trigger, rec)) in triggers.iter_mut().zip(out.iter_mut()).enumerate() {
            let v = trigger.should_retrain(&reference, &live, 16 * t as u64)?;
            if t == p.start {
                rec.first_reason = v.reason;
            }
            if v.decision {
                rec.alarms += 1;
                if drifted {
                    rec.weeks_to_detect.push(Some(1));
                }
            } else if drifted {
                rec.weeks_to_detect.push(None);
                missed.push(k);
            }
        }
        for week in 1..MAX_WEEKS_TO_DETECT {
            if missed.is_empty() {
                break;
            }
            let (_, live) = trial_pair(p, t, week)?;
            let mut still = Vec::new();
            for k in missed {
                let v = triggers[k].should_retrain(
                    &reference,
                    &live,
                    16 * t as u64 + u64::from(week),
                )?;
                if v.decision {
                    if let Some(w) = out[k].weeks_to_detect.last_mut() {
                        *w = Some(week + 1);
                    }
                } else {
                    still.push(k);
                }
            }
            missed = still;
        }
    }
    Ok(out)
}
