//! The exact two-sided p-value of the two-sample statistic (scipy `_attempt_exact_2kssamp`):
//! D snapped to `h / lcm(n1, n2)`, then the Gnedenko–Korolyuk series for equal sizes or the
//! Hodges lattice-path recursion otherwise. [`super::ks_sorted`] calls it when the method is exact.

/// scipy `_attempt_exact_2kssamp` (two-sided): (success, snapped D, p).
pub(super) fn attempt_exact(n1: usize, n2: usize, g: usize, d: f64) -> (bool, f64, f64) {
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
///
/// Each `A_k` is its own chain of multiplications and divisions, from 1 in scipy's order, and
/// only the final combination links them (from the largest `k` down); so the chains are
/// computed [`CHAINS`] at a time, side by side, which lets the divisions of different `k`
/// overlap instead of waiting for each other, and every `A_k` gets the same bits.
///
/// The chains are computed from `k = 0` up, and the terms after the first `A_K` below
/// [`NEGLIGIBLE`] are not computed at all, for they cannot change a bit of the result. The
/// computed `A_k` only shrink with `k` (each factor does, numerators fall and denominators
/// grow, and rounding is monotone; a numerator reaching 0 leaves ±0), and scipy's running value
/// `P_k = A_k·(1 − P_{k+1})` starts at `P = 0`, so `|P_k| ≤ |A_k| ≤ 1` all the way. Hence
/// `|P_{K+1}| ≤ A_{K+1} ≤ A_K < 2^-54`, `1 − P_{K+1}` rounds to exactly `1.0` (anything above
/// `1 − 2^-54` does, the spacing below 1 being 2^-53), and `P_K = A_K·1.0 = A_K` whatever the
/// later terms were — which is what the recursion started at `k = K` with `P = 0` gives. At
/// no-drift sizes a handful of chains out of `n / h` are enough.
fn prob_outside_square(n: usize, h: usize) -> f64 {
    let top = (n as f64 / h as f64).floor() as i64;
    let (n, h) = (n as i64, h as i64);
    // A_0, A_1, … up to the first negligible one (or A_top).
    let mut terms: Vec<f64> = Vec::new();
    let mut k0 = 0i64;
    'groups: while k0 <= top {
        // The chains k0, k0+1, …, at most CHAINS of them (not above top).
        let m = (top - k0 + 1).min(CHAINS as i64) as usize;
        let mut a = [1.0f64; CHAINS];
        let mut kh = [0i64; CHAINS];
        // Once a product underflows to zero it stays zero; the rest of its loop can only flip
        // its sign, through a non-positive numerator, so a chain may stop early only when none
        // is left (the smallest numerator is the last one). The group stops when all have.
        let mut stoppable = [false; CHAINS];
        for c in 0..m {
            kh[c] = (k0 + c as i64) * h;
            stoppable[c] = n - kh[c] - (h - 1) > 0;
        }
        for j in 0..h {
            let mut all_zero = true;
            for c in 0..m {
                a[c] = (n - kh[c] - j) as f64 * a[c] / (n + kh[c] + j + 1) as f64;
                all_zero &= a[c] == 0.0 && stoppable[c];
            }
            if all_zero {
                break;
            }
        }
        for &ak in &a[..m] {
            terms.push(ak);
            if ak < NEGLIGIBLE {
                // P_k = A_k: the terms after this one are not needed.
                break 'groups;
            }
        }
        k0 += m as i64;
    }
    let mut p = 0.0;
    for &ak in terms.iter().rev() {
        p = ak * (1.0 - p);
    }
    2.0 * p
}

/// A term `A_k` below this (2^-54) makes `1 − P_k` round to 1: see [`prob_outside_square`].
const NEGLIGIBLE: f64 = 1.0 / 18_014_398_509_481_984.0;

/// Chains of [`prob_outside_square`] computed side by side.
const CHAINS: usize = 4;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_stops_keep_prob_outside_square_bits() {
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
        // Every h at the page's n (3000) and around it; a sample of h elsewhere, including the
        // small h (many chains, most negligible) and h near n (A_0 itself negligible).
        for n in (1..60).chain([300, 1000, 2999, 3000, 3001, 9973, 10000]) {
            let every = n < 80 || (2999..=3001).contains(&n);
            for h in (1..=n).filter(|h| every || h % 7 == 1 || *h < 40 || n - h < 40) {
                assert_eq!(
                    prob_outside_square(n, h).to_bits(),
                    full(n, h).to_bits(),
                    "n={n} h={h}"
                );
            }
        }
    }
}
