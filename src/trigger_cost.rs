//! What a retraining trigger costs in a year (exercise 2's question: at which false-alarm rate
//! is the trigger more trouble than it is worth?).
//!
//! The inputs are two simulations of [`crate::experiments::drift_trials`]: checks with no drift
//! (every alarm false) and checks after a drift (every alarm a detection). Their p-values do not
//! depend on alpha or on the correction, so one pair of simulations prices every setting:
//! [`trigger_costs`] applies each (alpha, correction) to the same p-values, counts the false
//! alarms and the detections, and turns them into a yearly cost with the reader's prices.
//!
//! The year is `checks` weekly checks with no drift, plus `drifts` drift events; a drift is
//! paid for every week the model stays stale. Without a trigger a drift goes unnoticed for
//! `unnoticed_weeks` weeks (until someone looks); with it, the checks after the drift are
//! independent samples, so the weeks until the first alarm are counted from the simulated
//! detection rate `q`: the expected stale weeks are `Σ_{k<H} (1 − q)^k` (the chance that the
//! first `k` checks all missed), capped at `H = unnoticed_weeks`.

use crate::stats::Correction;
use crate::{Error, Result};

/// Checks in a year of weekly checks: the year the cost tool prices by default and the one the
/// false-alarm simulation's "alarms a year" counts.
pub const CHECKS_PER_YEAR: usize = 52;

/// Expected alarms in `checks` independent checks that each alarm at `rate`: with no drift,
/// the false alarms of a year ([`CHECKS_PER_YEAR`] checks).
///
/// ```
/// use mlops_loop::trigger_cost::{expected_alarms, CHECKS_PER_YEAR};
/// assert_eq!(expected_alarms(CHECKS_PER_YEAR, 0.05), 2.6);
/// ```
pub fn expected_alarms(checks: usize, rate: f64) -> f64 {
    checks as f64 * rate
}

/// The reader's prices and the shape of the year.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CostParams {
    /// Price of one false alarm (someone's time, a retraining run), ≥ 0.
    pub false_alarm_cost: f64,
    /// Price of one week of a stale model after a drift, ≥ 0.
    pub stale_week_cost: f64,
    /// Drift events a year, ≥ 0.
    pub drifts: f64,
    /// Weeks a drift goes unnoticed without the trigger, 1..=520.
    pub unnoticed_weeks: usize,
    /// Checks a year with no drift, 1..=520 (weekly: [`CHECKS_PER_YEAR`]).
    pub checks: usize,
}

/// One setting of the trigger, priced.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CostRow {
    /// Significance level.
    pub alpha: f64,
    /// How the three features' tests are combined.
    pub correction: Correction,
    /// Share of no-drift checks that alarmed (simulated).
    pub false_alarm_rate: f64,
    /// Share of drifted checks that alarmed (simulated).
    pub detection_rate: f64,
    /// Expected weeks a drift stays unnoticed with this trigger (at most `unnoticed_weeks`).
    pub stale_weeks: f64,
    /// Expected false alarms a year.
    pub false_alarms: f64,
    /// Expected yearly cost with this trigger.
    pub cost: f64,
    /// Yearly cost with no trigger at all (every drift unnoticed for `unnoticed_weeks`).
    pub cost_without: f64,
    /// The false-alarm rate at which this trigger would cost as much as having none, with its
    /// detection rate unchanged (`None` when false alarms are free).
    pub break_even_rate: Option<f64>,
    /// Whether the trigger is worth having at these prices: it costs less than no trigger.
    pub worth_it: bool,
}

fn alarms(pvalues: &[f64], alpha: f64, correction: Correction) -> Result<usize> {
    if pvalues.is_empty() || pvalues.len() % 3 != 0 {
        return Err(Error::invalid(
            "pvalues",
            pvalues.len(),
            "expected three p-values (one per feature) for each check, at least one check",
        ));
    }
    let mut n = 0;
    for check in pvalues.chunks_exact(3) {
        if correction.reject(check, alpha)?.iter().any(|&r| r) {
            n += 1;
        }
    }
    Ok(n)
}

/// Price every `(alpha, correction)` pair on the simulated checks: `null` holds the p-values of
/// no-drift checks, `drifted` those of checks after a drift, each three per check in the order
/// of [`crate::data::FEATURES`] (as [`crate::experiments::DriftTrials::pvalues`]).
///
/// ```
/// use mlops_loop::stats::Correction;
/// use mlops_loop::trigger_cost::{trigger_costs, CostParams};
/// let null = [0.5, 0.5, 0.004, 0.3, 0.9, 0.8]; // two checks; the first alarms at 0.01
/// let drifted = [0.2, 0.1, 1e-6, 0.4, 0.5, 0.02];
/// let p = CostParams { false_alarm_cost: 1.0, stale_week_cost: 10.0, drifts: 1.0,
///                      unnoticed_weeks: 4, checks: 52 };
/// let rows = trigger_costs(&null, &drifted, &[0.01], &[Correction::None], &p)?;
/// assert_eq!(rows[0].false_alarm_rate, 0.5);
/// assert_eq!(rows[0].stale_weeks, 1.0 + 0.5 + 0.25 + 0.125);
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming `pvalues`, `alpha`, a price, `drifts`, `unnoticed_weeks` or
/// `checks` when out of range.
pub fn trigger_costs(
    null: &[f64],
    drifted: &[f64],
    alphas: &[f64],
    corrections: &[Correction],
    p: &CostParams,
) -> Result<Vec<CostRow>> {
    for (field, v) in [
        ("false_alarm_cost", p.false_alarm_cost),
        ("stale_week_cost", p.stale_week_cost),
        ("drifts", p.drifts),
    ] {
        if !(v.is_finite() && (0.0..=1e12).contains(&v)) {
            return Err(Error::invalid(field, v, "must be between 0 and 1e12"));
        }
    }
    for (field, v) in [("unnoticed_weeks", p.unnoticed_weeks), ("checks", p.checks)] {
        if !(1..=520).contains(&v) {
            return Err(Error::invalid(field, v, "must be between 1 and 520"));
        }
    }
    if alphas.is_empty() || alphas.len() > 100 || corrections.is_empty() {
        return Err(Error::invalid(
            "alphas",
            alphas.len(),
            "expected 1 to 100 alphas and at least one correction",
        ));
    }
    let checks_null = (null.len() / 3) as f64;
    let checks_drift = (drifted.len() / 3) as f64;
    let without = p.drifts * p.unnoticed_weeks as f64 * p.stale_week_cost;
    let mut rows = Vec::with_capacity(alphas.len() * corrections.len());
    for &correction in corrections {
        for &alpha in alphas {
            let fa = alarms(null, alpha, correction)? as f64 / checks_null;
            let q = alarms(drifted, alpha, correction)? as f64 / checks_drift;
            let mut stale = 0.0;
            let mut missed = 1.0;
            for _ in 0..p.unnoticed_weeks {
                stale += missed;
                missed *= 1.0 - q;
            }
            let false_alarms = expected_alarms(p.checks, fa);
            let stale_cost = p.drifts * stale * p.stale_week_cost;
            let break_even_rate = (p.false_alarm_cost > 0.0)
                .then(|| (without - stale_cost) / (p.checks as f64 * p.false_alarm_cost));
            let cost = false_alarms * p.false_alarm_cost + stale_cost;
            rows.push(CostRow {
                alpha,
                correction,
                false_alarm_rate: fa,
                detection_rate: q,
                stale_weeks: stale,
                false_alarms,
                cost,
                cost_without: without,
                break_even_rate,
                worth_it: cost < without,
            });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Drift;
    use crate::experiments::{drift_trials, DriftTrialsParams};

    const P: CostParams = CostParams {
        false_alarm_cost: 1.0,
        stale_week_cost: 5.0,
        drifts: 1.0,
        unnoticed_weeks: 13,
        checks: 52,
    };

    #[test]
    fn cost_is_false_alarms_plus_stale_weeks() {
        let null = [0.5, 0.5, 0.5, 0.001, 0.5, 0.5];
        let drifted = [1e-9, 0.5, 0.5, 0.5, 0.5, 0.5];
        let r = &trigger_costs(&null, &drifted, &[0.01], &[Correction::None], &P).unwrap()[0];
        assert_eq!(r.false_alarm_rate, 0.5);
        assert_eq!(r.detection_rate, 0.5);
        let stale: f64 = (0..13).map(|k| 0.5f64.powi(k)).sum();
        assert!((r.stale_weeks - stale).abs() < 1e-12);
        assert!((r.cost - (26.0 + 5.0 * stale)).abs() < 1e-9);
        assert_eq!(r.cost_without, 65.0);
        // at the break-even rate the trigger costs what no trigger costs
        let be = r.break_even_rate.unwrap();
        assert!((52.0 * be + 5.0 * stale - 65.0).abs() < 1e-9);
        // a trigger that never detects saves nothing
        let r = &trigger_costs(&null, &null, &[1e-6], &[Correction::None], &P).unwrap()[0];
        assert_eq!(r.stale_weeks, 13.0);
        assert_eq!(r.break_even_rate, Some(0.0));
    }

    #[test]
    fn bad_inputs_name_the_field() {
        let e = trigger_costs(&[0.5; 4], &[0.5; 3], &[0.01], &[Correction::None], &P)
            .unwrap_err()
            .to_string();
        assert!(e.contains("pvalues"), "{e}");
        let bad = CostParams {
            stale_week_cost: f64::NAN,
            ..P
        };
        let e = trigger_costs(&[0.5; 3], &[0.5; 3], &[0.01], &[Correction::None], &bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("stale_week_cost"), "{e}");
        let e = trigger_costs(&[0.5; 3], &[0.5; 3], &[2.0], &[Correction::None], &P)
            .unwrap_err()
            .to_string();
        assert!(e.contains("alpha"), "{e}");
    }

    /// On the engine's own simulations a correction lowers the false alarms, and a stricter
    /// alpha never raises them: the cost table ranks settings by numbers the data produced.
    #[test]
    fn corrections_and_alpha_order_false_alarms() {
        let base = DriftTrialsParams {
            n: 1000,
            drift: Drift::Int(0),
            trials: 300,
            start: 0,
            alpha: 0.01,
            seed: 4,
            correction: Correction::None,
        };
        let null = drift_trials(&base).unwrap();
        let drifted = drift_trials(&DriftTrialsParams {
            drift: Drift::Int(3),
            trials: 100,
            ..base
        })
        .unwrap();
        let rows = trigger_costs(
            &null.pvalues,
            &drifted.pvalues,
            &[0.005, 0.05],
            &[Correction::None, Correction::Bonferroni],
            &P,
        )
        .unwrap();
        let [none_strict, none_loose, bonf_strict, bonf_loose] = [0, 1, 2, 3].map(|i| &rows[i]);
        assert!(none_strict.false_alarm_rate <= none_loose.false_alarm_rate);
        assert!(bonf_loose.false_alarm_rate <= none_loose.false_alarm_rate);
        assert!(bonf_strict.detection_rate <= none_strict.detection_rate);
        assert!(none_loose.false_alarm_rate > 0.0);
    }
}
