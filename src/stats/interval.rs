//! Interval estimates for the rates the exercises report: how often the retraining trigger
//! raised a false alarm, how often a drift was caught, how often a no-better candidate was
//! promoted — each a count of `k` events in `n` independent seeded trials.
//!
//! **Which interval.** The exact Clopper–Pearson interval (Clopper and Pearson 1934, "The use of
//! confidence or fiducial limits illustrated in the case of the binomial", Biometrika 26:404–413),
//! the interval scipy gives as `binomtest(k, n).proportion_ci(method="exact")`. Wilson's score
//! interval is shorter and its coverage is closer to 95 % *on average*, but for a fixed true rate
//! near 0 its coverage dips well below 95 % (Brown, Cai and DasGupta 2001, "Interval estimation
//! for a binomial proportion", Statistical Science 16:101–133, fig. 5) — and rates near 0 are what
//! these exercises measure (false alarms at `alpha = 0.01`, a handful of spurious promotions in
//! 40 rounds). The page reads an interval as "the trigger's false-alarm rate is at most this", so
//! it uses the interval that holds at least 95 % coverage for every true rate: Clopper–Pearson
//! never under-covers, at the price of being a little wider. Its ends are beta quantiles
//! (`statrs`' `inv_beta_reg`, AS 64 with Newton steps).

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// The confidence level of every interval the page shows.
pub const CONFIDENCE: f64 = 0.95;

/// A rate with its count, its total and its 95 % exact interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    /// Events counted (alarms, promotions, …).
    pub count: usize,
    /// Trials run.
    pub total: usize,
    /// `count / total`.
    pub rate: f64,
    /// Lower end of the 95 % Clopper–Pearson interval.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// `count` of `total` as a rate with its 95 % Clopper–Pearson interval.
///
/// ```
/// use mlops_loop::stats::interval::proportion;
/// let p = proportion(0, 100)?;
/// assert_eq!((p.rate, p.lo), (0.0, 0.0));
/// assert!((p.hi - 0.036217).abs() < 1e-6); // 1 − 0.025^(1/100)
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming `total` when it is 0 (no rate), or `count` when it exceeds `total`.
pub fn proportion(count: usize, total: usize) -> Result<Proportion> {
    let (lo, hi) = clopper_pearson(count, total, CONFIDENCE)?;
    Ok(Proportion {
        count,
        total,
        rate: count as f64 / total as f64,
        lo,
        hi,
    })
}

/// The two-sided Clopper–Pearson interval for `count` successes in `total` trials at level
/// `confidence`: `lo` is the `(1 − c)/2` quantile of Beta(k, n − k + 1) (0 when k = 0) and `hi`
/// the `(1 + c)/2` quantile of Beta(k + 1, n − k) (1 when k = n).
///
/// # Errors
/// [`Error::Invalid`] naming `total` (0), `count` (above `total`) or `confidence` (not in (0, 1)).
pub fn clopper_pearson(count: usize, total: usize, confidence: f64) -> Result<(f64, f64)> {
    if total == 0 {
        return Err(Error::invalid(
            "total",
            total,
            "a rate needs at least one trial",
        ));
    }
    if count > total {
        return Err(Error::invalid(
            "count",
            count,
            format!("more events than the {total} trials"),
        ));
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(Error::invalid(
            "confidence",
            confidence,
            "must be strictly between 0 and 1",
        ));
    }
    let tail = (1.0 - confidence) / 2.0;
    let (k, n) = (count as f64, total as f64);
    let lo = if count == 0 {
        0.0
    } else {
        statrs::function::beta::inv_beta_reg(k, n - k + 1.0, tail)
    };
    let hi = if count == total {
        1.0
    } else {
        statrs::function::beta::inv_beta_reg(k + 1.0, n - k, 1.0 - tail)
    };
    Ok((lo.clamp(0.0, 1.0), hi.clamp(0.0, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// P(X ≥ k) for X ~ Binomial(n, p), by direct summation in logs (independent of statrs).
    fn upper_tail(k: usize, n: usize, p: f64) -> f64 {
        let ln_choose = |j: usize| -> f64 {
            (1..=j)
                .map(|i| ((n - j + i) as f64).ln() - (i as f64).ln())
                .sum()
        };
        (k..=n)
            .map(|j| (ln_choose(j) + j as f64 * p.ln() + (n - j) as f64 * (1.0 - p).ln()).exp())
            .sum()
    }

    #[test]
    fn ends_solve_the_defining_tail_equations() {
        // lo: P(X ≥ k | lo) = 2.5 %; hi: P(X ≤ k | hi) = 2.5 %.
        for (k, n) in [(1, 10), (3, 40), (2, 200), (17, 100), (50, 100), (99, 100)] {
            let p = proportion(k, n).expect("interval");
            assert!(
                (upper_tail(k, n, p.lo) - 0.025).abs() < 1e-9,
                "lo of {k}/{n}: {}",
                p.lo
            );
            assert!(
                (1.0 - upper_tail(k + 1, n, p.hi) - 0.025).abs() < 1e-9,
                "hi of {k}/{n}: {}",
                p.hi
            );
            assert!(p.lo < p.rate && p.rate < p.hi);
        }
    }

    #[test]
    fn closed_forms_at_the_edges() {
        for n in [1, 7, 52, 1000] {
            let z = proportion(0, n).expect("k = 0");
            assert_eq!(z.lo, 0.0);
            assert!((z.hi - (1.0 - 0.025f64.powf(1.0 / n as f64))).abs() < 1e-12);
            let all = proportion(n, n).expect("k = n");
            assert_eq!(all.hi, 1.0);
            assert!((all.lo - 0.025f64.powf(1.0 / n as f64)).abs() < 1e-12);
        }
    }

    #[test]
    fn one_in_a_hundred() {
        // k = 1: P(X ≥ 1 | lo) = 1 − (1 − lo)^n = 2.5 % in closed form. The exact interval's
        // lower end is far below Wilson's (0.00177): it does not claim a rate of 1 in 100 rules
        // out rates of 1 in 1000.
        let p = proportion(1, 100).expect("interval");
        assert!(
            (p.lo - (1.0 - 0.975f64.powf(0.01))).abs() < 1e-12,
            "{}",
            p.lo
        );
        assert!(p.hi > 0.0544 && p.hi < 0.0545, "{}", p.hi);
    }

    #[test]
    fn bad_input_names_the_field() {
        let msg = |r: Result<Proportion>| r.expect_err("invalid").to_string();
        assert!(msg(proportion(0, 0)).contains("total"));
        assert!(msg(proportion(3, 2)).contains("count"));
        assert!(clopper_pearson(1, 2, 1.0)
            .expect_err("confidence")
            .to_string()
            .contains("confidence"));
    }
}
