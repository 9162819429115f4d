//! The two-sample Kolmogorov–Smirnov test that watches the inputs for drift.
//!
//! In the loop, monitoring compares a feature's training sample with the live sample
//! (`ks_2samp(train.days_since_login, recent.days_since_login)`); a p-value below `alpha`
//! triggers retraining. This mirrors scipy 1.17.1 `scipy.stats.ks_2samp(a, b,
//! alternative="two-sided", method=...)`: the statistic bit for bit, the exact p-value bit for bit,
//! the asymptotic p-value within a stated tolerance (see [`KsMethod::Asymptotic`]).
//!
//! Here: the method, the result, input checks and the statistic (a linear walk over both
//! sorted samples). The p-value comes from `exact` (finite-sample distribution) or `kolmogorov`
//! (the asymptotic `kstwo.sf`); `sort` orders the samples as numpy does.

use crate::{Error, Result};

mod exact;
mod kolmogorov;
mod sort;

use exact::attempt_exact;
pub(crate) use kolmogorov::kstwo_sf;
pub(crate) use sort::{bucket_sort_keys, radix_sort_keys, sorted_total, BUCKET_BITS};

/// How the p-value is computed (scipy's `method=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KsMethod {
    /// scipy `method="auto"`: [`KsMethod::Exact`] when `max(n1, n2) <= 10000`, else
    /// [`KsMethod::Asymptotic`].
    Auto,
    /// scipy `_attempt_exact_2kssamp`: D is snapped to `h / lcm(n1, n2)` (`h` rounded half to
    /// even); for `n1 == n2`, `_compute_prob_outside_square` (the alternating binomial series of
    /// Gnedenko–Korolyuk, evaluated Horner-style); otherwise `_compute_outer_prob_inside_method`
    /// (Hodges 1957 lattice paths with Viehmann's recursion for `1 − p`). If the result falls
    /// outside [0, 1] scipy warns and uses the asymptotic p-value; so does this. An explicit
    /// `Exact` also switches to asymptotic when `n1/g ≥ (2^31 − 1) / (n2/g)` as scipy does.
    Exact,
    /// scipy `method="asymp"`: `kstwo.sf(D, round(n1·n2 / (n1 + n2)))`, the two-sided
    /// one-sample Kolmogorov distribution as computed by Simard & L'Ecuyer (2011) (scipy
    /// `_ksstats._kolmogn`: Ruben–Gambino at the ends, `2·smirnov(n, x)` in the tail,
    /// Durbin–Marsaglia–Tsang–Wang matrix powers, Pomeranz, or Pelz–Good elsewhere).
    ///
    /// Tolerance: scipy's `smirnov` (cephes, double-double arithmetic) and the BLAS matrix
    /// products are not reproduced operation by operation; this port evaluates the same
    /// quantities (Birnbaum–Tingey sum in log space, the same matrix power) and agrees with
    /// scipy to a relative 1e-10 of p (12 fixture cases, worst 7.4e-12), and exactly where both
    /// give 0.
    Asymptotic,
}

/// The result of [`ks_2samp`], like scipy's `KstestResult`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct KsResult {
    /// D = sup |F1 − F2| (snapped to `h / lcm` on the exact path, as scipy returns it).
    pub statistic: f64,
    /// The two-sided p-value (may underflow to 0.0, as in scipy).
    pub pvalue: f64,
    /// [`KsMethod::Exact`] or [`KsMethod::Asymptotic`]: the method that produced `pvalue`.
    pub method_used: KsMethod,
    /// The data value at which D is attained.
    pub statistic_location: f64,
    /// +1 if F1 − F2 is largest there, −1 if F2 − F1 is.
    pub statistic_sign: i8,
}

/// scipy's `MAX_AUTO_N`: `auto` is exact up to this sample size.
pub const MAX_AUTO_N: usize = 10_000;
/// Largest sample accepted (a size cap for the page).
pub const MAX_SAMPLE: usize = 50_000_000;

/// Two-sided two-sample KS test, `scipy.stats.ks_2samp(a, b, method=...)`.
///
/// ```
/// use mlops_loop::stats::ks::{ks_2samp, KsMethod};
/// // scipy.stats.ks_2samp([1, 2, 3], [4, 5, 6, 7]) -> D=1.0, p=0.05714285714285715
/// let r = ks_2samp(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0, 7.0], KsMethod::Auto)?;
/// assert_eq!(r.statistic, 1.0);
/// assert_eq!(r.pvalue, 0.05714285714285715);
/// assert_eq!(r.method_used, KsMethod::Exact);
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming `a` or `b` if a sample is empty, longer than [`MAX_SAMPLE`], or
/// contains NaN (scipy would propagate NaN).
pub fn ks_2samp(a: &[f64], b: &[f64], method: KsMethod) -> Result<KsResult> {
    for (name, s) in [("a", a), ("b", b)] {
        if s.is_empty() {
            return Err(Error::invalid(
                name,
                "[]",
                "Data passed to ks_2samp must not be empty",
            ));
        }
        if s.len() > MAX_SAMPLE {
            return Err(Error::invalid(
                name,
                format!("{} values", s.len()),
                format!("at most {MAX_SAMPLE} values"),
            ));
        }
        if let Some(i) = s.iter().position(|v| v.is_nan()) {
            return Err(Error::invalid(
                name,
                format!("NaN at index {i}"),
                "samples must not contain NaN",
            ));
        }
    }
    // Samples that come sorted (the experiments' columns, a learner passing them on) are used
    // in place: sorting them again would give the same array.
    Ok(ks_sorted(&sorted_total(a), &sorted_total(b), method))
}

/// [`ks_2samp`] on samples already sorted ascending by `total_cmp`, non-empty, without NaN and
/// at most [`MAX_SAMPLE`] long (the caller's promise; the experiments sort columns by counting).
pub(crate) fn ks_sorted(d1: &[f64], d2: &[f64], method: KsMethod) -> KsResult {
    let (n1, n2) = (d1.len(), d2.len());

    // cdf1 - cdf2 over data_all = concat(d1, d2); argmin/argmax take the first occurrence.
    // scipy evaluates each cdf with `searchsorted(side='right')`; both samples are sorted and
    // each half of data_all is visited in ascending order, so two pointers that only move
    // forward give the same counts (`#{x <= v}`) in linear time, and the same update sequence.
    let (mut min_v, mut min_at) = (f64::INFINITY, 0.0);
    let (mut max_v, mut max_at) = (f64::NEG_INFINITY, 0.0);
    let (fn1, fn2) = (n1 as f64, n2 as f64);
    for half in [d1, d2] {
        let (mut i1, mut i2) = (0usize, 0usize);
        let mut prev = f64::NAN;
        for &v in half.iter() {
            // A value equal to the previous one has the same counts, so the same diff, which
            // the strict comparisons below cannot take: skipping it changes nothing.
            if v == prev {
                continue;
            }
            prev = v;
            while i1 < n1 && d1[i1] <= v {
                i1 += 1;
            }
            while i2 < n2 && d2[i2] <= v {
                i2 += 1;
            }
            let diff = i1 as f64 / fn1 - i2 as f64 / fn2;
            if diff < min_v {
                min_v = diff;
                min_at = v;
            }
            if diff > max_v {
                max_v = diff;
                max_at = v;
            }
        }
    }
    let min_s = (-min_v).clamp(0.0, 1.0);
    let (location, sign) = if min_s > max_v {
        (min_at, -1i8)
    } else {
        (max_at, 1i8)
    };
    let (statistic, pvalue, method_used) = from_extremes(n1, n2, min_v, max_v, method);
    KsResult {
        statistic,
        pvalue,
        method_used,
        statistic_location: location,
        statistic_sign: sign,
    }
}

/// The statistic, the p-value and the method used, as [`ks_sorted`] returns them, from the
/// extremes of `cdf1 − cdf2` over `data_all` (their minimum and maximum; scipy's argmin and
/// argmax only locate them).
pub(crate) fn from_extremes(
    n1: usize,
    n2: usize,
    min_v: f64,
    max_v: f64,
    method: KsMethod,
) -> (f64, f64, KsMethod) {
    let (fn1, fn2) = (n1 as f64, n2 as f64);
    let min_s = (-min_v).clamp(0.0, 1.0);
    let mut d = if min_s > max_v { min_s } else { max_v };

    let g = gcd(n1, n2);
    let (n1g, n2g) = (n1 / g, n2 / g);
    let mut exact = match method {
        KsMethod::Auto => n1.max(n2) <= MAX_AUTO_N,
        KsMethod::Exact => (n1g as f64) < f64::from(i32::MAX) / n2g as f64,
        KsMethod::Asymptotic => false,
    };
    let mut p = f64::NAN;
    if exact {
        let (ok, ds, pe) = attempt_exact(n1, n2, g, d);
        d = ds;
        p = pe;
        exact = ok;
    }
    if !exact {
        let (m, n) = if fn1 >= fn2 { (fn1, fn2) } else { (fn2, fn1) };
        let en = m * n / (m + n);
        p = kstwo_sf(d, en.round_ties_even());
    }
    let method_used = if exact {
        KsMethod::Exact
    } else {
        KsMethod::Asymptotic
    };
    (d, p.clamp(0.0, 1.0), method_used)
}

/// `i / n` for `i` in `0..=n`: the values of an empirical cdf over `n` values, each computed as
/// [`ks_sorted`] computes it (`i as f64 / n as f64`), to be looked up rather than divided again.
pub(crate) fn cdf_steps(n: usize) -> Vec<f64> {
    let fn_ = n as f64;
    (0..=n).map(|i| i as f64 / fn_).collect()
}

/// The minimum and maximum of `cdf1 − cdf2` over `data_all`, as [`ks_sorted`]'s walk finds them,
/// by one merged walk over the two sorted samples (`d1`, `d2` as [`ks_sorted`] takes them;
/// `t1 = cdf_steps(d1.len())`, `t2 = cdf_steps(d2.len())`).
///
/// `ks_sorted` evaluates the difference at every value of `data_all`, half by half; this one at
/// each distinct value of the union once, in ascending order. A value of `data_all` has the
/// same counts `#{x <= v}` as the distinct value it equals, so both see the same set of
/// differences, and their minimum and maximum (all that [`from_extremes`] needs) are the same
/// numbers (a difference of two equal cdf values is +0.0, never −0.0, so no two of them
/// compare equal with other bits).
///
/// The trials walked their samples this way until [`extremes_tagged`] took over; it stays as
/// the reference the faster walks are tested against.
#[cfg(test)]
pub(crate) fn extremes_merged(d1: &[f64], d2: &[f64], t1: &[f64], t2: &[f64]) -> (f64, f64) {
    let (n1, n2) = (d1.len(), d2.len());
    let (mut min_v, mut max_v) = (f64::INFINITY, f64::NEG_INFINITY);
    if n1 == 0 || n2 == 0 {
        return (min_v, max_v); // not reached: the tests' samples are never empty
    }
    // One value per step, from whichever sample holds the smaller next one (d1 on a tie). The
    // difference after a step counts once the next step's value is larger (no value equal to
    // it is left: the counts are then `#{x <= v}`), or when no step is left. Written without
    // branches on the data: which sample comes next is a coin toss for random samples.
    let (mut i1, mut i2) = (0usize, 0usize);
    let (mut prev_v, mut prev_diff) = (f64::NAN, 0.0);
    for _ in 0..n1 + n2 {
        let a = d1[i1.min(n1 - 1)];
        let b = d2[i2.min(n2 - 1)];
        let take1 = (i1 < n1) & ((i2 == n2) | (a <= b));
        // v = take1 ? a : b, by masks (a compiler would branch on a select of floats).
        let mask = u64::from(take1).wrapping_neg();
        let v = f64::from_bits((a.to_bits() & mask) | (b.to_bits() & !mask));
        let counts = v > prev_v; // false on the first step (NaN)
        min_v = if counts & (prev_diff < min_v) {
            prev_diff
        } else {
            min_v
        };
        max_v = if counts & (prev_diff > max_v) {
            prev_diff
        } else {
            max_v
        };
        i1 += usize::from(take1);
        i2 += usize::from(!take1);
        prev_v = v;
        prev_diff = t1[i1] - t2[i2];
    }
    min_v = min_v.min(prev_diff);
    max_v = max_v.max(prev_diff);
    (min_v, max_v)
}

/// The sort key of a sign-positive double (`+0.0` up to `+inf`) with a sample tag in its lowest
/// bit: `bits << 1 | tag`. Such doubles order as their bits (the sign bit, the one shifted out,
/// is 0), so the keys order by value first, and equal values (equal bits) of both samples end
/// up next to each other. `None` for a sign-negative double, which this key cannot order.
#[inline]
pub(crate) fn tagged_key(x: f64, tag: bool) -> Option<u64> {
    x.is_sign_positive()
        .then(|| (x.to_bits() << 1) | u64::from(tag))
}

/// [`extremes_merged`] for two samples of one size `n` at once: `keys` are [`tagged_key`]s of
/// every value of `d1` (tag `false`) and of `d2` (tag `true`), `n` of each, sorted ascending;
/// `t = cdf_steps(n)` (both tables of [`extremes_merged`]).
///
/// The sorted keys are the merged order of the two samples (equal values together), so the
/// counts `#{x <= v}` at a value are the tags counted up to the last key of its run of equal
/// values: the difference is taken there, once per distinct value of the union, as
/// [`extremes_merged`] takes it — the same differences, the same minimum and maximum.
///
/// Only the extremes are wanted, so the walk follows the difference of counts `c1 − c2` as an
/// integer and looks at a point only when that reaches its extreme so far (or equals it). The
/// floats `t[c1] − t[c2]` order as the integers `c1 − c2` do across different integers (each
/// `t[i]` is `i / n` within 2^-54, so a difference is `(c1 − c2) / n` within 2^-52, far less
/// than the `1 / n` between neighbouring integers), hence the largest float difference is taken
/// at a point where `c1 − c2` is largest, and is the largest of the floats there (equal integer
/// differences may round apart by an ulp: each such point is evaluated); likewise the smallest.
pub(crate) fn extremes_tagged(keys: &[u64], t: &[f64]) -> (f64, f64) {
    let (mut min_v, mut max_v) = (f64::INFINITY, f64::NEG_INFINITY);
    // The points evaluated so far had c1 − c2 in [lo, hi] (none yet: an empty range).
    let (mut lo, mut hi) = (isize::MAX, isize::MIN);
    // d = c1 − c2 after each key: +1 for a key of d1, −1 for one of d2.
    let mut d = 0isize;
    for (i, &k) in keys.iter().enumerate() {
        d += 1 - 2 * (k & 1) as isize;
        if d >= hi || d <= lo {
            // A candidate; it counts at the end of its run of equal values only.
            if keys.get(i + 1).is_some_and(|&next| (next ^ k) >> 1 == 0) {
                continue;
            }
            // c1 + c2 = i + 1 and c1 − c2 = d.
            let c1 = (i as isize + 1 + d) / 2;
            let c2 = (i as isize + 1 - d) / 2;
            let (Some(&f1), Some(&f2)) = (t.get(c1 as usize), t.get(c2 as usize)) else {
                continue; // not reached: keys holds n of each sample and t has n + 1 steps
            };
            let diff = f1 - f2;
            if d >= hi {
                max_v = if d > hi || diff > max_v { diff } else { max_v };
                hi = d;
            }
            if d <= lo {
                min_v = if d < lo || diff < min_v { diff } else { min_v };
                lo = d;
            }
        }
    }
    (min_v, max_v)
}

/// [`extremes_merged`] for samples given as runs: ascending `(value, count)` pairs, every count
/// above 0 (a value may repeat in consecutive runs); `t1`, `t2` as there, for the samples'
/// total counts.
pub(crate) fn extremes_runs(
    a: &[(f64, usize)],
    b: &[(f64, usize)],
    t1: &[f64],
    t2: &[f64],
) -> (f64, f64) {
    let (mut min_v, mut max_v) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut ia, mut ib) = (0usize, 0usize);
    let (mut c1, mut c2) = (0usize, 0usize);
    while ia < a.len() || ib < b.len() {
        let v = if ib == b.len() || (ia < a.len() && a[ia].0 <= b[ib].0) {
            a[ia].0
        } else {
            b[ib].0
        };
        while ia < a.len() && a[ia].0 <= v {
            c1 += a[ia].1;
            ia += 1;
        }
        while ib < b.len() && b[ib].0 <= v {
            c2 += b[ib].1;
            ib += 1;
        }
        let diff = t1[c1] - t2[c2];
        min_v = if diff < min_v { diff } else { min_v };
        max_v = if diff > max_v { diff } else { max_v };
    }
    (min_v, max_v)
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator for the randomized checks below.
    pub(super) fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    /// Samples with ties, signed zeros, negatives, infinities and subnormals.
    pub(super) fn random_sample(state: &mut u64, len: usize) -> Vec<f64> {
        let kind = xorshift(state) % 4;
        (0..len)
            .map(|_| {
                let r = xorshift(state);
                match (kind, r % 16) {
                    (_, 0) => [0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, 5e-324, -5e-324]
                        [(r >> 8) as usize % 6],
                    (0, _) => ((r >> 11) % 90) as f64,
                    (1, _) => ((r >> 11) % 2) as f64,
                    (2, _) => f64::from_bits(r >> 2) - 1e300,
                    _ => ((r >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 40.0,
                }
            })
            .collect()
    }

    /// The statistic as first written: scipy's searchsorted for every value of data_all.
    fn reference_extremes(a: &[f64], b: &[f64]) -> (f64, f64, f64, f64) {
        let mut d1 = a.to_vec();
        let mut d2 = b.to_vec();
        d1.sort_by(f64::total_cmp);
        d2.sort_by(f64::total_cmp);
        let (mut min_v, mut min_at) = (f64::INFINITY, 0.0);
        let (mut max_v, mut max_at) = (f64::NEG_INFINITY, 0.0);
        for &v in d1.iter().chain(d2.iter()) {
            let c1 = d1.partition_point(|&x| x <= v) as f64 / d1.len() as f64;
            let c2 = d2.partition_point(|&x| x <= v) as f64 / d2.len() as f64;
            let diff = c1 - c2;
            if diff < min_v {
                (min_v, min_at) = (diff, v);
            }
            if diff > max_v {
                (max_v, max_at) = (diff, v);
            }
        }
        (min_v, min_at, max_v, max_at)
    }

    #[test]
    fn linear_walk_equals_searchsorted() {
        let mut state = 0x2545_F491_4F6C_DD1D;
        for round in 0..600 {
            let n1 = 1 + (xorshift(&mut state) % 400) as usize;
            let n2 = if round % 3 == 0 {
                n1
            } else {
                1 + (xorshift(&mut state) % 400) as usize
            };
            let a = random_sample(&mut state, n1);
            let b = random_sample(&mut state, n2);
            let got = ks_2samp(&a, &b, KsMethod::Asymptotic).unwrap();
            let (min_v, min_at, max_v, max_at) = reference_extremes(&a, &b);
            let min_s = (-min_v).clamp(0.0, 1.0);
            let (d, at, sign) = if min_s > max_v {
                (min_s, min_at, -1)
            } else {
                (max_v, max_at, 1)
            };
            assert_eq!(got.statistic.to_bits(), d.to_bits(), "round {round}");
            assert_eq!(
                got.statistic_location.to_bits(),
                at.to_bits(),
                "round {round}"
            );
            assert_eq!(got.statistic_sign, sign, "round {round}");
        }
    }

    /// The merged walks (over sorted samples, and over runs of equal values) find the
    /// extremes that give `ks_sorted`'s statistic and p-value bit for bit: samples with ties,
    /// signed zeros (equal, in separate runs), infinities, equal and unequal sizes.
    #[test]
    fn merged_walks_give_ks_sorted_bits() {
        let mut state = 0x0DDB_1A5E_5BAD_5EED;
        for round in 0..600 {
            let n1 = 1 + (xorshift(&mut state) % 300) as usize;
            let n2 = if round % 2 == 0 {
                n1
            } else {
                1 + (xorshift(&mut state) % 300) as usize
            };
            let mut a = random_sample(&mut state, n1);
            let mut b = random_sample(&mut state, n2);
            a.sort_by(f64::total_cmp);
            b.sort_by(f64::total_cmp);
            let runs = |s: &[f64]| {
                let mut r: Vec<(f64, usize)> = Vec::new();
                for &x in s {
                    match r.last_mut() {
                        Some((v, c)) if v.to_bits() == x.to_bits() => *c += 1,
                        _ => r.push((x, 1)),
                    }
                }
                r
            };
            let (t1, t2) = (cdf_steps(n1), cdf_steps(n2));
            for method in [KsMethod::Auto, KsMethod::Asymptotic] {
                let want = ks_sorted(&a, &b, method);
                for (min_v, max_v) in [
                    extremes_merged(&a, &b, &t1, &t2),
                    extremes_runs(&runs(&a), &runs(&b), &t1, &t2),
                ] {
                    let (d, p, used) = from_extremes(n1, n2, min_v, max_v, method);
                    assert_eq!(d.to_bits(), want.statistic.to_bits(), "round {round}");
                    assert_eq!(p.to_bits(), want.pvalue.to_bits(), "round {round}");
                    assert_eq!(used, want.method_used, "round {round}");
                }
            }
        }
    }

    #[test]
    fn identical_samples_have_p_one() {
        let r = ks_2samp(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0], KsMethod::Auto).unwrap();
        assert_eq!((r.statistic, r.pvalue), (0.0, 1.0));
    }

    #[test]
    fn rejects_empty_and_nan() {
        assert!(ks_2samp(&[], &[1.0], KsMethod::Auto).is_err());
        let e = ks_2samp(&[1.0], &[f64::NAN], KsMethod::Auto).unwrap_err();
        assert!(e.to_string().contains("invalid b"), "{e}");
    }

    #[test]
    fn sign_and_location() {
        // b is shifted right: F1 - F2 > 0, largest at 3.
        let r = ks_2samp(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], KsMethod::Exact).unwrap();
        assert_eq!((r.statistic_sign, r.statistic_location), (1, 3.0));
        let r = ks_2samp(&[4.0, 5.0, 6.0], &[1.0, 2.0, 3.0], KsMethod::Exact).unwrap();
        assert_eq!((r.statistic_sign, r.statistic_location), (-1, 3.0));
    }
}

#[cfg(test)]
mod tagged_tests {
    use super::tests::{random_sample, xorshift};
    use super::*;

    /// The tagged walk over one array of both samples, sorted by the radix sort, gives the
    /// extremes of the merged walk bit for bit: samples with ties within and across them (a
    /// sample of 0s and 1s, one of 90 values), `+0.0`, `+inf`, subnormals, sizes from 1 up.
    #[test]
    fn tagged_walk_equals_merged_walk() {
        let mut state = 0x7A66_ED5E_ED00_0001;
        let mut scratch = Vec::new();
        for round in 0..2000 {
            let n = 1 + (xorshift(&mut state) % [4, 40, 400][round % 3]) as usize;
            let pos = |s: Vec<f64>| s.into_iter().map(f64::abs).collect::<Vec<_>>();
            let mut a = pos(random_sample(&mut state, n));
            let mut b = pos(random_sample(&mut state, n));
            a.sort_by(f64::total_cmp);
            b.sort_by(f64::total_cmp);
            let t = cdf_steps(n);
            let want = extremes_merged(&a, &b, &t, &t);
            let mut keys: Vec<u64> = a
                .iter()
                .map(|&x| tagged_key(x, false))
                .chain(b.iter().map(|&x| tagged_key(x, true)))
                .collect::<Option<_>>()
                .unwrap();
            let mut want_keys = keys.clone();
            want_keys.sort_unstable();
            radix_sort_keys(&mut keys, &mut scratch);
            assert_eq!(keys, want_keys, "round {round}");
            let got = extremes_tagged(&keys, &t);
            assert_eq!(
                (got.0.to_bits(), got.1.to_bits()),
                (want.0.to_bits(), want.1.to_bits()),
                "round {round}: {got:?} {want:?}"
            );
        }
    }
}
