//! The two-sample Kolmogorov–Smirnov test that watches the inputs for drift.
//!
//! In the loop, monitoring compares a feature's training sample with the live sample
//! (`ks_2samp(train.days_since_login, recent.days_since_login)`); a p-value below `alpha`
//! triggers retraining. This mirrors scipy 1.17.1 `scipy.stats.ks_2samp(a, b,
//! alternative="two-sided", method=...)`: the statistic bit for bit, the exact p-value bit for bit,
//! the asymptotic p-value within a stated tolerance (see [`KsMethod::Asymptotic`]).

use crate::{Error, Result};

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
    let mut d1 = a.to_vec();
    let mut d2 = b.to_vec();
    sort_total(&mut d1);
    sort_total(&mut d2);
    Ok(ks_sorted(&d1, &d2, method))
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
    let (mut d, location, sign) = if min_s > max_v {
        (min_s, min_at, -1i8)
    } else {
        (max_v, max_at, 1i8)
    };

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
    KsResult {
        statistic: d,
        pvalue: p.clamp(0.0, 1.0),
        method_used: if exact {
            KsMethod::Exact
        } else {
            KsMethod::Asymptotic
        },
        statistic_location: location,
        statistic_sign: sign,
    }
}

/// Sort ascending by `f64::total_cmp` (no NaN here). Equal keys are equal bits, so any correct
/// sort gives the same array as numpy's `np.sort`; long samples use an LSD radix sort on the
/// order-preserving integer key (digits that every key shares are skipped), short ones pdqsort.
pub(crate) fn sort_total(v: &mut [f64]) {
    const RADIX_MIN: usize = 256;
    if v.len() < RADIX_MIN {
        v.sort_unstable_by(f64::total_cmp);
        return;
    }
    // The key of `total_cmp`: flip all bits of negatives, only the sign bit of the rest.
    let key = |x: f64| {
        let b = x.to_bits();
        b ^ ((((b as i64) >> 63) as u64) | (1 << 63))
    };
    let mut keys: Vec<u64> = v.iter().map(|&x| key(x)).collect();
    let mut counts = vec![[0usize; 256]; 8];
    for &k in &keys {
        for (d, c) in counts.iter_mut().enumerate() {
            c[((k >> (8 * d)) & 0xff) as usize] += 1;
        }
    }
    let mut tmp = vec![0u64; keys.len()];
    for (d, c) in counts.iter().enumerate() {
        if c.contains(&keys.len()) {
            continue; // every key has the same digit here: the pass would not move anything
        }
        let mut start = [0usize; 256];
        let mut acc = 0;
        for (s, &n) in start.iter_mut().zip(c.iter()) {
            *s = acc;
            acc += n;
        }
        for &k in &keys {
            let b = ((k >> (8 * d)) & 0xff) as usize;
            tmp[start[b]] = k;
            start[b] += 1;
        }
        std::mem::swap(&mut keys, &mut tmp);
    }
    for (x, &k) in v.iter_mut().zip(&keys) {
        // Invert the key: positives had only the sign bit flipped, negatives every bit.
        let b = if k >> 63 == 1 { k ^ (1 << 63) } else { !k };
        *x = f64::from_bits(b);
    }
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// scipy `_attempt_exact_2kssamp` (two-sided): (success, snapped D, p).
fn attempt_exact(n1: usize, n2: usize, g: usize, d: f64) -> (bool, f64, f64) {
    let lcm = (n1 / g) * n2;
    let h = (d * lcm as f64).round_ties_even() as usize;
    let d = h as f64 / lcm as f64;
    if h == 0 {
        return (true, d, 1.0);
    }
    let p = if n1 == n2 {
        prob_outside_square(n1, h)
    } else {
        outer_prob_inside(n1, n2, g, h)
    };
    // `not (0 <= prob <= 1)` also catches NaN.
    ((0.0..=1.0).contains(&p), d, p)
}

/// scipy `_compute_prob_outside_square(n, h)`: P(D_{n,n} ≥ h/n) as
/// `2·A0(1 − A1(1 − A2(…)))`, each `A_k = Π_j (n − kh − j) / (n + kh + j + 1)`.
fn prob_outside_square(n: usize, h: usize) -> f64 {
    let mut p = 0.0;
    let mut k = (n as f64 / h as f64).floor() as i64;
    let (n, h) = (n as i64, h as i64);
    while k >= 0 {
        let mut p1 = 1.0;
        // Once the product underflows to zero it stays zero; the rest of the loop can only
        // flip its sign, through a non-positive numerator, so stop early only when none is
        // left (the smallest numerator is the last one). Same bits, a fraction of the divisions.
        let last_positive = n - k * h - (h - 1) > 0;
        for j in 0..h {
            p1 = (n - k * h - j) as f64 * p1 / (n + k * h + j + 1) as f64;
            if p1 == 0.0 && last_positive {
                break;
            }
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// scipy `_compute_outer_prob_inside_method(m, n, g, h)`: 1 − P(the lattice path from (0,0)
/// to (m,n) stays strictly inside |x/m − y/n| < h/lcm), by columns on a sliding window.
fn outer_prob_inside(m: usize, n: usize, g: usize, h: usize) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as i64, (n / g) as i64);
    let (n, m, h) = (n as i64, m as i64, h as i64);
    let mut minj: i64 = 0;
    let mut maxj: i64 = ((h as f64 / mg as f64).ceil() as i64).min(n + 1);
    let mut curlen = maxj - minj;
    // Every index used below is at most n (see the loop), so n + 1 entries never overflow;
    // scipy allocates min(2·maxj + 2, n + 1) and never reads past that either.
    let mut a = vec![1.0f64; (n + 1) as usize];
    for t in minj..maxj {
        a[t as usize] = 0.0;
    }
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        minj = ((((ng * i - h) as f64 / mg as f64).floor() as i64) + 1)
            .max(0)
            .min(n);
        maxj = (((ng * i + h) as f64 / mg as f64).ceil() as i64).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..maxj - minj {
            let j = jj + minj;
            val = (a[(jj + minj - lastminj) as usize] * i as f64 + val * j as f64) / (i + j) as f64;
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            for t in (maxj - minj)..(maxj - minj + (lastlen - curlen)) {
                a[t as usize] = 1.0;
            }
        }
    }
    a[(maxj - minj - 1) as usize]
}

// ------------------------------------------------------------------ asymptotic: kstwo.sf

/// `kstwo.sf(x, n)`: P(D_n > x) for the two-sided one-sample statistic (scipy `_kolmogn`
/// with `cdf=False`; Simard & L'Ecuyer 2011's choice of method by region).
pub(crate) fn kstwo_sf(x: f64, n: f64) -> f64 {
    if n.is_nan() || n < 1.0 || x.is_nan() {
        return f64::NAN;
    }
    let ni = n as u64;
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let t = n * x;
    if t <= 1.0 {
        // Ruben–Gambino: P(D_n <= x) = n!/n^n (2t − 1)^n for 1/2n <= x <= 1/n.
        if t <= 0.5 {
            return 1.0;
        }
        let cdf = if ni <= 140 {
            let mut prod = 1.0;
            for i in 1..=ni {
                prod *= i as f64 * (1.0 / n) * (2.0 * t - 1.0);
            }
            prod
        } else {
            (log_nfactorial_div_n_pow_n(n) + n * (2.0 * t - 1.0).ln()).exp()
        };
        return clip(1.0 - cdf);
    }
    if t >= n - 1.0 {
        return clip(2.0 * (1.0 - x).powf(n));
    }
    if x >= 0.5 {
        return clip(2.0 * smirnov_sf(ni, x));
    }
    let nxsquared = t * x;
    if ni <= 140 {
        let cdf = if nxsquared <= 0.754693 {
            kolmogn_dmtw(ni, x)
        } else if nxsquared <= 4.0 {
            kolmogn_pomeranz(ni, x)
        } else {
            return clip(2.0 * smirnov_sf(ni, x));
        };
        return clip(1.0 - clip(cdf));
    }
    if nxsquared >= 370.0 {
        return 0.0;
    }
    if nxsquared >= 2.2 {
        return clip(2.0 * smirnov_sf(ni, x));
    }
    let cdf = if nxsquared >= 18.0 {
        1.0
    } else if ni <= 100_000 && n * x.powf(1.5) <= 1.4 {
        kolmogn_dmtw(ni, x)
    } else {
        kolmogn_pelz_good(n, x)
    };
    clip(1.0 - clip(cdf))
}

fn clip(p: f64) -> f64 {
    p.clamp(0.0, 1.0)
}

/// log(n! / n^n) by Stirling's series with n·log(n) removed (scipy
/// `_log_nfactorial_div_n_pow_n`; coefficients B_{2j} / (2j(2j − 1))).
fn log_nfactorial_div_n_pow_n(n: f64) -> f64 {
    const STIRLING: [f64; 8] = [
        -2.955_065_359_477_124e-2,
        6.410_256_410_256_41e-3,
        -1.917_526_917_526_917_5e-3,
        8.417_508_417_508_417e-4,
        -5.952_380_952_380_952e-4,
        7.936_507_936_507_937e-4,
        -2.777_777_777_777_778e-3,
        8.333_333_333_333_333e-2,
    ];
    let rn = 1.0 / n;
    let z = rn / n;
    let mut poly = 0.0;
    for c in STIRLING {
        poly = poly * z + c;
    }
    n.ln() / 2.0 - n + (2.0 * std::f64::consts::PI).ln() / 2.0 + rn * poly
}

/// One-sided Smirnov survival function P(D+_n > x) by the Birnbaum–Tingey (1951) sum
/// Σ_{v=0}^{⌊n(1−x)⌋} C(n,v) x (x + v/n)^{v−1} (1 − x − v/n)^{n−v}, each term in log space,
/// added with Neumaier compensation.
fn smirnov_sf(n: u64, x: f64) -> f64 {
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let vmax = (nf * (1.0 - x)).floor() as u64;
    let lx = x.ln();
    let mut log_c = 0.0f64; // log C(n, v)
    let (mut sum, mut comp) = (0.0f64, 0.0f64);
    for v in 0..=vmax.min(n) {
        if v > 0 {
            log_c += ((nf - v as f64 + 1.0) / v as f64).ln();
        }
        let vf = v as f64;
        let rest = 1.0 - x - vf / nf;
        let term = if rest <= 0.0 {
            if n == v {
                // (1 − x − 1)^0 = 1
                (log_c + lx + (vf - 1.0) * (x + vf / nf).ln()).exp()
            } else {
                0.0
            }
        } else {
            (log_c + lx + (vf - 1.0) * (x + vf / nf).ln() + (nf - vf) * rest.ln()).exp()
        };
        let s = sum + term;
        if sum.abs() >= term.abs() {
            comp += (sum - s) + term;
        } else {
            comp += (term - s) + sum;
        }
        sum = s;
    }
    clip(sum + comp)
}

/// P(D_n <= d) by Durbin's matrix (Marsaglia, Tsang & Wang 2003), with the same 2^128
/// rescaling as scipy `_kolmogn_DMTW`.
fn kolmogn_dmtw(n: u64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nf = n as f64;
    let nd = nf * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut hm = vec![0.0f64; m * m];
    let mut v = vec![0.0f64; m];
    let mut w = vec![0.0f64; m];
    let mut fac = 1.0f64;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] = (1.0 - h.powi(j as i32)) * fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powi(m as i32) - 2.0 * h.powi(m as i32);
    v[m - 1] = (1.0 + tt) * fac;
    for i in 1..m {
        for r in (i - 1)..m {
            hm[r * m + i] = w[r - (i - 1)];
        }
    }
    for r in 0..m {
        hm[r * m] = v[r];
    }
    for c in 0..m {
        hm[(m - 1) * m + c] = v[m - 1 - c];
    }
    let e128 = 2f64.powi(128);
    let mut pw = vec![0.0f64; m * m];
    for i in 0..m {
        pw[i * m + i] = 1.0;
    }
    let mut nn = n;
    let (mut expnt, mut hexpnt) = (0i64, 0i64);
    let mut tmp = vec![0.0f64; m * m];
    while nn > 0 {
        if nn % 2 == 1 {
            matmul(&pw, &hm, &mut tmp, m);
            std::mem::swap(&mut pw, &mut tmp);
            expnt += hexpnt;
        }
        matmul(&hm, &hm, &mut tmp, m);
        std::mem::swap(&mut hm, &mut tmp);
        hexpnt *= 2;
        if hm[(k - 1) * m + (k - 1)].abs() > e128 {
            for x in hm.iter_mut() {
                *x /= e128;
            }
            hexpnt += 128;
        }
        nn /= 2;
    }
    let mut p = pw[(k - 1) * m + (k - 1)];
    for i in 1..=n {
        p = i as f64 * p / nf;
        if p.abs() < 1.0 / e128 {
            p *= e128;
            expnt -= 128;
        }
    }
    if expnt != 0 {
        p *= 2f64.powi(expnt as i32);
    }
    clip(p)
}

fn matmul(a: &[f64], b: &[f64], out: &mut [f64], m: usize) {
    for i in 0..m {
        for j in 0..m {
            let mut s = 0.0;
            for k in 0..m {
                s += a[i * m + k] * b[k * m + j];
            }
            out[i * m + j] = s;
        }
    }
}

/// P(D_n <= x) by Pomeranz (1974), as scipy `_kolmogn_Pomeranz` (two rows, Poisson-like
/// convolutions, 2^128 rescaling).
fn kolmogn_pomeranz(n: u64, x: f64) -> f64 {
    let nf = n as f64;
    let t = nf * x;
    let ll = t.floor() as i64;
    let f = t - ll as f64;
    let g = f.min(1.0 - f);
    let ceilf = i64::from(f > 0.0);
    let roundf = i64::from(f > 0.5);
    let npwrs = (2 * (ll + 1)) as usize;
    let mut gpower = vec![1.0f64; npwrs];
    let mut twogpower = vec![1.0f64; npwrs];
    let mut onem2gpower = vec![1.0f64; npwrs];
    let (g_n, two_g_n, one_m2g_n) = (g / nf, 2.0 * g / nf, (1.0 - 2.0 * g) / nf);
    for m in 1..npwrs {
        gpower[m] = gpower[m - 1] * g_n / m as f64;
        twogpower[m] = twogpower[m - 1] * two_g_n / m as f64;
        onem2gpower[m] = onem2gpower[m - 1] * one_m2g_n / m as f64;
    }
    let e128 = 2f64.powi(128);
    let n_i = n as i64;
    let j1j2 = |i: i64| -> (i64, i64) {
        let (j1, j2) = if i == 0 {
            (-ll - ceilf - 1, ll + ceilf - 1)
        } else {
            let (ip1div2, ip1mod2) = ((i + 1) / 2, (i + 1) % 2);
            if ip1mod2 == 0 {
                if ip1div2 == n_i + 1 {
                    (n_i - ll - ceilf - 1, n_i + ll + ceilf - 1)
                } else {
                    (ip1div2 - 1 - ll - roundf - 1, ip1div2 + ll - 1 + ceilf - 1)
                }
            } else {
                (ip1div2 - 1 - ll - 1, ip1div2 + ll + roundf - 1)
            }
        };
        ((j1 + 2).max(0), j2.min(n_i))
    };
    let mut v0 = vec![0.0f64; npwrs];
    let mut v1 = vec![0.0f64; npwrs];
    v1[0] = 1.0;
    let (mut v0s, mut v1s) = (0i64, 0i64);
    let mut expnt = 0i64;
    let (mut j1, mut _j2) = j1j2(0);
    for i in 1..(2 * n_i + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0s, &mut v1s);
        v1.iter_mut().for_each(|x| *x = 0.0);
        let (nj1, nj2) = j1j2(i);
        j1 = nj1;
        _j2 = nj2;
        let pwrs = if i == 1 || i == 2 * n_i + 1 {
            &gpower
        } else if i % 2 == 1 {
            &twogpower
        } else {
            &onem2gpower
        };
        let ln2 = nj2 - k1 + 1;
        if ln2 > 0 {
            // np.convolve(V0[k1 - V0s:][:ln2], pwrs[:ln2])[j1 - k1:][:j2 - j1 + 1]
            let base = k1 - v0s;
            let conv_start = nj1 - k1;
            let conv_len = (nj2 - nj1 + 1).max(0);
            for (o, slot) in v1.iter_mut().enumerate().take(conv_len as usize) {
                let idx = conv_start + o as i64;
                let mut s = 0.0;
                for q in 0..ln2 {
                    let r = idx - q;
                    if r < 0 || r >= ln2 || base + q < 0 {
                        continue;
                    }
                    let a = v0.get((base + q) as usize).copied().unwrap_or(0.0);
                    let b = pwrs.get(r as usize).copied().unwrap_or(0.0);
                    s += a * b;
                }
                *slot = s;
            }
            let mx = v1.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            if 0.0 < mx && mx < 1.0 / e128 {
                v1.iter_mut().for_each(|x| *x *= e128);
                expnt -= 128;
            }
            v1s = v0s + nj1 - k1;
        }
    }
    let mut ans = v1.get((n_i - v1s).max(0) as usize).copied().unwrap_or(0.0);
    for m in 1..=n {
        if ans.abs() > e128 {
            ans /= e128;
            expnt += 128;
        }
        ans *= m as f64;
    }
    if expnt != 0 {
        ans *= 2f64.powi(expnt as i32);
    }
    clip(ans)
}

/// P(D_n <= x) by the Pelz–Good (1976) expansion, as scipy `_kolmogn_PelzGood`.
fn kolmogn_pelz_good(n: f64, x: f64) -> f64 {
    use std::f64::consts::PI;
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let z = n.sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z * z * z, z.powi(4), z.powi(6));
    let qlog = -PI * PI / 8.0 / z2;
    if qlog < -708.0 {
        return 0.0;
    }
    let q = qlog.exp();
    let (pi2, pi4, pi6) = (PI * PI, PI.powi(4), PI.powi(6));
    let k1a = -z2;
    let k1b = pi2 / 4.0;
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut kk = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    for k in (1..=maxk).rev() {
        let m = (2 * k - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qp = q.powf(8.0 * k as f64);
        let coeffs = [
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ];
        for (c, co) in kk.iter_mut().zip(coeffs) {
            *c = *c * qp + co;
        }
    }
    let sqrt2pi = (2.0 * PI).sqrt();
    let div = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for (c, dv) in kk.iter_mut().zip(div) {
        *c = *c * q * sqrt2pi / dv;
    }
    let q2 = (-pi2 / 2.0 / z2).exp();
    let sqrt3z = 3f64.sqrt() * z;
    let (mut k2extra, mut k3extra) = (0.0, 0.0);
    for k in (1..=maxk).rev() {
        let kf = k as f64;
        let ks2 = kf * kf;
        let qp = q2.powf(ks2);
        let kspi = PI * kf;
        k2extra += ks2 * qp;
        k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
    }
    kk[2] += k2extra * pi2 * sqrt2pi / (-36.0 * z3);
    kk[3] += k3extra * pi2 * sqrt2pi / (216.0 * z6);
    let mut total = 0.0;
    for (i, c) in kk.iter().enumerate() {
        total += c / n.powf(i as f64 / 2.0);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator for the randomized checks below.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    /// Samples with ties, signed zeros, negatives, infinities and subnormals.
    fn random_sample(state: &mut u64, len: usize) -> Vec<f64> {
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

    #[test]
    fn early_stop_keeps_prob_outside_square_bits() {
        let full = |n: usize, h: usize| {
            let mut p = 0.0;
            let mut k = (n as f64 / h as f64).floor() as i64;
            let (n, h) = (n as i64, h as i64);
            while k >= 0 {
                let mut p1 = 1.0;
                for j in 0..h {
                    p1 = (n - k * h - j) as f64 * p1 / (n + k * h + j + 1) as f64;
                }
                p = p1 * (1.0 - p);
                k -= 1;
            }
            2.0 * p
        };
        for n in (1..60).chain([300, 1000, 2999, 3000, 9973, 10000]) {
            for h in (1..=n).filter(|h| n < 80 || h % 7 == 1 || *h < 40) {
                assert_eq!(
                    prob_outside_square(n, h).to_bits(),
                    full(n, h).to_bits(),
                    "n={n} h={h}"
                );
            }
        }
    }

    #[test]
    fn radix_sort_equals_total_cmp_sort() {
        let mut state = 0x9E37_79B9_7F4A_7C15;
        for round in 0..400 {
            let len = [0, 1, 5, 255, 256, 257, 1000, 3000][round % 8];
            let v = random_sample(&mut state, len);
            let mut want = v.clone();
            want.sort_by(f64::total_cmp);
            let mut got = v;
            sort_total(&mut got);
            let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "round {round}");
        }
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
