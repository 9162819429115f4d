//! What the exercises conclude from the experiments of [`crate::experiments`]: the false-alarm
//! rate a trigger is expected to have, how a bootstrap interval reads against the promotion
//! margin, and the two challenges with their goals and their grading. The page shows these
//! verdicts; it does not compute them.

use crate::experiments::{BootstrapDiff, DriftTrials, PromotionTrials};
use crate::stats::interval::{proportion, Proportion};
use crate::stats::Correction;
use crate::{Error, Result};
use serde::Serialize;

/// The trigger's expected chance of at least one false alarm per check, when no feature drifts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ExpectedRate {
    /// The rate (a bound when `at_most`).
    pub rate: f64,
    /// The rate is an upper bound (the corrections hold the family's rate at or below `alpha`).
    pub at_most: bool,
    /// The rate assumes the features' tests are independent. They are not here
    /// (`is_recent` is `days_since_login < 30`), so the observed rate may fall below it.
    pub assumes_independence: bool,
}

/// The chance that a check of `features` features raises any false alarm at level `alpha`:
/// `1 − (1 − alpha)^m` without a correction (exact for independent tests); at most `alpha` with
/// Bonferroni (for any dependence) or Benjamini–Hochberg (under the global null, for independent
/// or positively dependent tests).
///
/// ```
/// use mlops_loop::exercises::expected_false_alarm_rate;
/// use mlops_loop::stats::Correction;
/// let e = expected_false_alarm_rate(0.01, Correction::None, 3)?;
/// assert!((e.rate - 0.029701).abs() < 1e-12 && !e.at_most);
/// assert_eq!(expected_false_alarm_rate(0.01, Correction::Bonferroni, 3)?.rate, 0.01);
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming `alpha` outside (0, 1) or `features` = 0.
pub fn expected_false_alarm_rate(
    alpha: f64,
    correction: Correction,
    features: usize,
) -> Result<ExpectedRate> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid(
            "alpha",
            alpha,
            "must be strictly between 0 and 1",
        ));
    }
    if features == 0 {
        return Err(Error::invalid("features", features, "must be at least 1"));
    }
    Ok(match correction {
        Correction::None => ExpectedRate {
            rate: 1.0 - (1.0 - alpha).powi(features.min(i32::MAX as usize) as i32),
            at_most: false,
            assumes_independence: features > 1,
        },
        Correction::Bonferroni => ExpectedRate {
            rate: alpha,
            at_most: true,
            assumes_independence: false,
        },
        Correction::Bh => ExpectedRate {
            rate: alpha,
            at_most: true,
            assumes_independence: features > 1,
        },
    })
}

/// How a paired bootstrap interval of `candidate − current` reads against the promotion margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BootstrapReading {
    /// The whole interval is at or above the margin: every difference in it would promote.
    ClearsMargin,
    /// The whole interval is below zero: the candidate is worse.
    Worse,
    /// The interval includes differences below the margin: not convincing.
    NotConvincing,
}

/// Read `b` against `margin` by the promotion rule ([`crate::gates::promotes`]: promote iff
/// `candidate ≥ current + margin`), applied to the difference `candidate − current` against 0:
/// the interval clears the margin when its lower end would promote.
pub fn read_bootstrap(b: &BootstrapDiff, margin: f64) -> BootstrapReading {
    if crate::gates::promotes(b.lo, 0.0, margin) {
        BootstrapReading::ClearsMargin
    } else if b.hi < 0.0 {
        BootstrapReading::Worse
    } else {
        BootstrapReading::NotConvincing
    }
}

/// Exercise 2's challenge: false alarms (any of the three features) on at most `max_false_rate`
/// of weekly checks, and a `drift`-day shift caught within `weeks` weeks with probability at least
/// `catch_probability`. Its own simulation seed, so that only alpha, the correction and n decide.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerChallenge {
    /// Largest share of no-drift checks that may alarm.
    pub max_false_rate: f64,
    /// The shift to catch (days added to `days_since_login`, a Python literal).
    pub drift: String,
    /// Weeks allowed to catch it.
    pub weeks: u32,
    /// Least probability of catching it within `weeks`.
    pub catch_probability: f64,
    /// No-drift trials the grade needs.
    pub null_trials: usize,
    /// Drifted trials the grade needs.
    pub drift_trials: usize,
    /// The simulation seed of both runs.
    pub seed: String,
}

impl Default for TriggerChallenge {
    fn default() -> Self {
        TriggerChallenge {
            max_false_rate: 0.01,
            drift: "3".into(),
            weeks: 2,
            catch_probability: 0.95,
            null_trials: 2000,
            drift_trials: 200,
            seed: "0".into(),
        }
    }
}

/// The trigger challenge, graded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerGrade {
    /// No-drift checks that alarmed.
    pub false_alarms: Proportion,
    /// Within the goal.
    pub false_alarms_ok: bool,
    /// Drifted checks that alarmed.
    pub detections: Proportion,
    /// `1 − (1 − detection rate)^weeks`: weekly checks are independent draws.
    pub caught_within_weeks: f64,
    /// Within the goal.
    pub caught_ok: bool,
    /// Both goals met.
    pub pass: bool,
}

impl TriggerChallenge {
    /// Grade a trigger from `null` (no-drift trials) and `drifted` (trials at [`Self::drift`]),
    /// both run with the reader's `n`, `alpha` and correction at [`Self::seed`].
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `null` or `drifted` when they hold fewer trials than the
    /// challenge asks for (a grade on less evidence would not be the challenge's).
    pub fn grade(&self, null: &DriftTrials, drifted: &DriftTrials) -> Result<TriggerGrade> {
        for (field, r, need) in [
            ("null", null, self.null_trials),
            ("drifted", drifted, self.drift_trials),
        ] {
            if r.trials < need {
                return Err(Error::invalid(
                    field,
                    format!("{} trials", r.trials),
                    format!("the challenge needs {need}"),
                ));
            }
        }
        let false_alarms = proportion(null.alarms, null.trials)?;
        let detections = proportion(drifted.alarms, drifted.trials)?;
        let caught = 1.0 - (1.0 - detections.rate).powi(self.weeks.min(i32::MAX as u32) as i32);
        let false_alarms_ok = false_alarms.rate <= self.max_false_rate;
        let caught_ok = caught >= self.catch_probability;
        Ok(TriggerGrade {
            false_alarms,
            false_alarms_ok,
            detections,
            caught_within_weeks: caught,
            caught_ok,
            pass: false_alarms_ok && caught_ok,
        })
    }
}

/// Exercise 3's challenge, two-sided: on the same recent data, at most `max_spurious` of `rounds`
/// no-better candidates promoted, and at least `min_real` of `rounds` candidates trained after the
/// world moved `shift` days. Its own seed and rows, so that only the margin decides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateChallenge {
    /// Rounds of each run (each fits two models).
    pub rounds: usize,
    /// Largest share of no-better candidates promoted.
    pub max_spurious: f64,
    /// Days the world moves for the better candidates.
    pub shift: u32,
    /// Least share of better candidates promoted.
    pub min_real: f64,
    /// The simulation seed of both runs.
    pub seed: String,
    /// Rows of every sample.
    pub rows: usize,
}

impl Default for GateChallenge {
    fn default() -> Self {
        GateChallenge {
            rounds: 40,
            max_spurious: 0.05,
            shift: 40,
            min_real: 0.6,
            seed: "0".into(),
            rows: 3000,
        }
    }
}

/// The gate challenge, graded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GateGrade {
    /// No-better candidates promoted.
    pub spurious: Proportion,
    /// Within the goal.
    pub spurious_ok: bool,
    /// Better candidates promoted.
    pub real: Proportion,
    /// The better candidates' mean true improvement (AUC).
    pub mean_true_gain: f64,
    /// Within the goal.
    pub real_ok: bool,
    /// Both goals met.
    pub pass: bool,
}

impl GateChallenge {
    /// Grade the gate from `none` (same-data trials with `shift = 0`) and `real` (with
    /// [`Self::shift`]), both run at the reader's margin.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `none` or `real` with fewer rounds than the challenge asks for.
    pub fn grade(&self, none: &PromotionTrials, real: &PromotionTrials) -> Result<GateGrade> {
        for (field, r) in [("none", none), ("real", real)] {
            if r.rounds < self.rounds {
                return Err(Error::invalid(
                    field,
                    format!("{} rounds", r.rounds),
                    format!("the challenge needs {}", self.rounds),
                ));
            }
        }
        let spurious = proportion(none.promotions, none.rounds)?;
        let found = proportion(real.promotions, real.rounds)?;
        let spurious_ok = spurious.rate <= self.max_spurious;
        let real_ok = found.rate >= self.min_real;
        Ok(GateGrade {
            spurious,
            spurious_ok,
            real: found,
            mean_true_gain: real.mean_true_gain(),
            real_ok,
            pass: spurious_ok && real_ok,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drift(trials: usize, alarms: usize) -> DriftTrials {
        DriftTrials {
            start: 0,
            trials,
            alarms,
            alarms_per_feature: [alarms, 0, 0],
            pvalues: vec![0.5; 3 * trials],
            statistics: vec![0.1; 3 * trials],
        }
    }

    #[test]
    fn trigger_grade_applies_both_goals() {
        let c = TriggerChallenge::default();
        // 20 of 2000 = 1 % (ok); 155 of 200 → 1 − 0.225² = 0.949 (just short).
        let g = c.grade(&drift(2000, 20), &drift(200, 155)).expect("grade");
        assert!(g.false_alarms_ok && !g.caught_ok && !g.pass);
        assert!((g.caught_within_weeks - 0.949375).abs() < 1e-12);
        let g = c.grade(&drift(2000, 20), &drift(200, 156)).expect("grade");
        assert!(g.pass, "1 − 0.22² = 0.9516");
        let g = c.grade(&drift(2000, 21), &drift(200, 200)).expect("grade");
        assert!(!g.false_alarms_ok && !g.pass, "21 of 2000 > 1 %");
        let e = c
            .grade(&drift(1999, 0), &drift(200, 200))
            .expect_err("too few");
        assert!(e.to_string().contains("null"), "{e}");
    }

    #[test]
    fn gate_grade_applies_both_goals() {
        let c = GateChallenge::default();
        let t = |promotions, gain| PromotionTrials {
            start: 0,
            rounds: 40,
            promotions,
            promotions_without_margin: promotions,
            diffs: vec![0.0; 40],
            true_gains: vec![gain; 40],
        };
        let g = c.grade(&t(2, 0.0), &t(24, 0.02)).expect("grade");
        assert!(g.pass, "2 of 40 = 5 %, 24 of 40 = 60 %");
        assert!((g.mean_true_gain - 0.02).abs() < 1e-15);
        assert!(
            !c.grade(&t(3, 0.0), &t(40, 0.02))
                .expect("grade")
                .spurious_ok
        );
        assert!(!c.grade(&t(0, 0.0), &t(23, 0.02)).expect("grade").real_ok);
        let short = PromotionTrials {
            rounds: 39,
            diffs: vec![0.0; 39],
            true_gains: vec![0.0; 39],
            ..t(0, 0.0)
        };
        assert!(c.grade(&short, &t(40, 0.02)).is_err());
    }

    #[test]
    fn bootstrap_reads_by_the_promotion_rule() {
        let b = |lo, hi| BootstrapDiff {
            diff: (lo + hi) / 2.0,
            lo,
            hi,
            resamples: 100,
            share_candidate_wins: 0.5,
        };
        // A lower end exactly at the margin promotes under `candidate ≥ current + margin`.
        assert_eq!(
            read_bootstrap(&b(0.01, 0.03), 0.01),
            BootstrapReading::ClearsMargin
        );
        assert_eq!(
            read_bootstrap(&b(0.0, 0.03), 0.0),
            BootstrapReading::ClearsMargin
        );
        assert_eq!(
            read_bootstrap(&b(0.009, 0.03), 0.01),
            BootstrapReading::NotConvincing
        );
        assert_eq!(
            read_bootstrap(&b(-0.03, -0.001), 0.0),
            BootstrapReading::Worse
        );
    }

    #[test]
    fn expected_rates_name_their_assumption() {
        let e = expected_false_alarm_rate(0.05, Correction::Bh, 3).expect("bh");
        assert!(e.at_most && e.assumes_independence && e.rate == 0.05);
        let one = expected_false_alarm_rate(0.05, Correction::None, 1).expect("one");
        assert!(!one.assumes_independence && (one.rate - 0.05).abs() < 1e-15);
        assert!(expected_false_alarm_rate(1.0, Correction::None, 3).is_err());
        assert!(expected_false_alarm_rate(0.01, Correction::None, 0).is_err());
    }
}
