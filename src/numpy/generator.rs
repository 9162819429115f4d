//! numpy's `Generator` over PCG64: the three draws of the book's `make_data` (`integers`,
//! `exponential`, `binomial`), in numpy 2.4's exact order of operations.
//!
//! Mirrors `numpy/random/_generator.pyx` (`Generator.integers`, `exponential`, `binomial`),
//! `_bounded_integers.pyx.in` `_rand_int64` and `src/distributions/distributions.c`
//! (`random_bounded_uint64_fill`, `buffered_bounded_lemire_uint32`, `bounded_lemire_uint64`,
//! `random_standard_exponential`, `standard_exponential_unlikely`, `random_binomial`,
//! `random_binomial_inversion`). libm calls go through [`crate::libm`] (glibc-exact).

use super::pcg64::Pcg64;
use super::seed_sequence::SeedSequence;
use super::ziggurat_tables::{
    FE_BITS, KE_CORRECTION_MASK, KE_EXACT_FLOOR, WE_BITS, ZIGGURAT_EXP_R_BITS,
};
use crate::libm::{exp, log1p};
use crate::{Error, Result};

/// numpy's `ke_double`: the exact floors minus the documented correction mask.
const KE: [u64; 256] = {
    let mut ke = KE_EXACT_FLOOR;
    let mut i = 0;
    while i < 256 {
        ke[i] -= (KE_CORRECTION_MASK[i / 64] >> (i % 64)) & 1;
        i += 1;
    }
    ke
};

/// `np.random.default_rng(seed)`: a PCG64 seeded through SeedSequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generator {
    bit_generator: Pcg64,
}

impl Generator {
    /// `np.random.default_rng(seed)` for an integer seed below 2^128.
    pub fn new(seed: u128) -> Self {
        Self::from_seed_sequence(&SeedSequence::from_u128(seed))
    }

    /// `np.random.default_rng(SeedSequence(...))`.
    pub fn from_seed_sequence(ss: &SeedSequence) -> Self {
        Generator {
            bit_generator: Pcg64::from_seed_sequence(ss),
        }
    }

    /// The underlying bit generator.
    pub fn bit_generator(&mut self) -> &mut Pcg64 {
        &mut self.bit_generator
    }

    /// `integers(low, high, size)` with the default dtype int64 and `endpoint=False`.
    ///
    /// Mirrors `random_bounded_uint64_fill` (unmasked, i.e. Lemire): ranges below 2^32 − 1 use
    /// the 32-bit path over PCG64's buffered halves, exactly 2^32 − 1 takes `next_uint32`
    /// directly, larger ranges use the 64-bit Lemire path.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `high` if `low >= high` (numpy: "low >= high").
    pub fn integers(&mut self, low: i64, high: i64, size: usize) -> Result<Vec<i64>> {
        let mut out = Vec::with_capacity(size);
        self.integers_each(low, high, size, |x| out.push(x))?;
        Ok(out)
    }

    /// [`Generator::integers`] handing each draw to `f` in order instead of collecting them (the
    /// same draws: `integers` is this with a push).
    ///
    /// # Errors
    /// As [`Generator::integers`], before any draw.
    #[inline(always)]
    pub fn integers_each(
        &mut self,
        low: i64,
        high: i64,
        size: usize,
        mut f: impl FnMut(i64),
    ) -> Result<()> {
        if low >= high {
            return Err(Error::invalid(
                "high",
                high,
                format!("low >= high (low = {low}); numpy requires low < high"),
            ));
        }
        // rng = high - 1 - low fits u64 since low < high are both i64.
        let rng = (i128::from(high) - 1 - i128::from(low)) as u64;
        let off = low as u64;
        let g = &mut self.bit_generator;
        if rng == 0 {
            (0..size).for_each(|_| f(low));
        } else if rng < 0xffff_ffff {
            let r32 = rng as u32;
            for _ in 0..size {
                f(off.wrapping_add(u64::from(lemire_u32(g, r32))) as i64);
            }
        } else if rng == 0xffff_ffff {
            for _ in 0..size {
                f(off.wrapping_add(u64::from(g.next_u32())) as i64);
            }
        } else if rng == u64::MAX {
            for _ in 0..size {
                f(off.wrapping_add(g.next_u64()) as i64);
            }
        } else {
            for _ in 0..size {
                f(off.wrapping_add(lemire_u64(g, rng)) as i64);
            }
        }
        Ok(())
    }

    /// One `standard_exponential()` draw (ziggurat, 256 strips).
    pub fn standard_exponential(&mut self) -> f64 {
        standard_exponential(&mut self.bit_generator)
    }

    /// `exponential(scale, size)`: `scale * standard_exponential()` per element.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `scale` if it is negative or NaN (numpy: "scale < 0").
    pub fn exponential(&mut self, scale: f64, size: usize) -> Result<Vec<f64>> {
        let mut out = Vec::with_capacity(size);
        self.exponential_each(scale, size, |x| out.push(x))?;
        Ok(out)
    }

    /// [`Generator::exponential`] handing each draw to `f` in order instead of collecting them
    /// (the same draws, each `scale * standard_exponential()`).
    ///
    /// # Errors
    /// As [`Generator::exponential`], before any draw.
    #[inline(always)]
    pub fn exponential_each(
        &mut self,
        scale: f64,
        size: usize,
        mut f: impl FnMut(f64),
    ) -> Result<()> {
        if scale.is_nan() || scale < 0.0 {
            return Err(Error::invalid(
                "scale",
                scale,
                "must be non-negative (numpy: scale < 0)",
            ));
        }
        let g = &mut self.bit_generator;
        for _ in 0..size {
            f(scale * standard_exponential(g));
        }
        Ok(())
    }

    /// One `binomial(n, p)` draw.
    ///
    /// # Errors
    /// [`Error::Invalid`] for `n < 0` or `p` outside [0, 1] or NaN; [`Error::Unsupported`] when
    /// numpy would take the BTPE path (`n·min(p, 1−p) > 30`), which is not ported: never a
    /// wrong number.
    pub fn binomial(&mut self, n: i64, p: f64) -> Result<i64> {
        check_binomial(n, p)?;
        Ok(binomial_checked(&mut self.bit_generator, n, p))
    }

    /// `binomial(n, p_array)`: one draw per `p`, in order. Every `p` is validated before any
    /// draw, so an error leaves the generator untouched.
    ///
    /// # Errors
    /// As [`Generator::binomial`], for the first offending `p`.
    pub fn binomial_each(&mut self, n: i64, ps: &[f64]) -> Result<Vec<i64>> {
        for &p in ps {
            check_binomial(n, p)?;
        }
        let g = &mut self.bit_generator;
        // numpy keeps a one-entry `binomial_t` cache of the pure set-up values for (n, p); a
        // column of probabilities usually repeats a few values, so this keeps a small
        // open-addressing table instead (keyed by the bits of p, emptied when half full): the
        // same values, far fewer exp/log1p calls.
        const SLOTS: usize = 512;
        let mut cache: Vec<Option<(u64, Inversion)>> = vec![None; SLOTS];
        let mut used = 0;
        Ok(ps
            .iter()
            .map(|&p| {
                if n == 0 || p == 0.0 {
                    return 0;
                }
                let bits = p.to_bits();
                let mut i = (bits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 55) as usize;
                let setup = loop {
                    match cache[i] {
                        Some((b, s)) if b == bits => break s,
                        Some(_) => i = (i + 1) % SLOTS,
                        None => {
                            if used == SLOTS / 2 {
                                cache.iter_mut().for_each(|c| *c = None);
                                used = 0;
                            }
                            let s = Inversion::new(n, if p <= 0.5 { p } else { 1.0 - p });
                            cache[i] = Some((bits, s));
                            used += 1;
                            break s;
                        }
                    }
                };
                if p <= 0.5 {
                    setup.draw(g)
                } else {
                    n - setup.draw(g)
                }
            })
            .collect())
    }
}

/// Mirrors `buffered_bounded_lemire_uint32` (its `bcnt`/`buf` are unused for 32 bits: the
/// buffering is PCG64's own `next_uint32`). `rng < 2^32 − 1`.
#[inline(always)]
fn lemire_u32(g: &mut Pcg64, rng: u32) -> u32 {
    let excl = rng + 1;
    let mut m = u64::from(g.next_u32()) * u64::from(excl);
    let mut leftover = m as u32;
    if leftover < excl {
        let threshold = (u32::MAX - rng) % excl;
        while leftover < threshold {
            m = u64::from(g.next_u32()) * u64::from(excl);
            leftover = m as u32;
        }
    }
    (m >> 32) as u32
}

/// Mirrors `bounded_lemire_uint64`. `rng < 2^64 − 1`.
#[inline]
fn lemire_u64(g: &mut Pcg64, rng: u64) -> u64 {
    let excl = rng + 1;
    let mut m = u128::from(g.next_u64()) * u128::from(excl);
    let mut leftover = m as u64;
    if leftover < excl {
        let threshold = (u64::MAX - rng) % excl;
        while leftover < threshold {
            m = u128::from(g.next_u64()) * u128::from(excl);
            leftover = m as u64;
        }
    }
    (m >> 64) as u64
}

/// Mirrors `random_standard_exponential` + `standard_exponential_unlikely` (numpy recurses on
/// rejection; the loop is equivalent).
#[inline(always)]
fn standard_exponential(g: &mut Pcg64) -> f64 {
    loop {
        let mut ri = g.next_u64() >> 3;
        let idx = (ri & 0xff) as usize;
        ri >>= 8;
        // ri < 2^53, so the conversion is exact.
        let x = ri as f64 * f64::from_bits(WE_BITS[idx]);
        if ri < KE[idx] {
            return x;
        }
        if idx == 0 {
            // Tail: r − log1p(−U) (numpy switched to 1 − U to avoid log(0), GH 13361).
            return f64::from_bits(ZIGGURAT_EXP_R_BITS) - log1p(-g.next_double());
        }
        let fe_hi = f64::from_bits(FE_BITS[idx - 1]);
        let fe_lo = f64::from_bits(FE_BITS[idx]);
        if (fe_hi - fe_lo) * g.next_double() + fe_lo < exp(-x) {
            return x;
        }
    }
}

fn check_binomial(n: i64, p: f64) -> Result<()> {
    if n < 0 {
        return Err(Error::invalid(
            "n",
            n,
            "must be non-negative (numpy: n < 0)",
        ));
    }
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return Err(Error::invalid(
            "p",
            p,
            "must be in [0, 1] (numpy: p < 0, p > 1 or p is NaN)",
        ));
    }
    let nf = n as f64;
    let btpe = if n == 0 || p == 0.0 {
        false
    } else if p <= 0.5 {
        p * nf > 30.0
    } else {
        (1.0 - p) * nf > 30.0
    };
    if btpe {
        return Err(Error::Unsupported(format!(
            "binomial BTPE path (n = {n}, p = {p}: n·min(p, 1−p) > 30) is not ported"
        )));
    }
    Ok(())
}

/// Mirrors `random_binomial` for the inversion path only (checked by [`check_binomial`]).
fn binomial_checked(g: &mut Pcg64, n: i64, p: f64) -> i64 {
    if n == 0 || p == 0.0 {
        return 0;
    }
    if p <= 0.5 {
        binomial_inversion(g, n, p)
    } else {
        n - binomial_inversion(g, n, 1.0 - p)
    }
}

/// The set-up of `random_binomial_inversion` for one (n, p): what numpy's `binomial_t` caches.
#[derive(Debug, Clone, Copy)]
struct Inversion {
    n: i64,
    p: f64,
    q: f64,
    qn: f64,
    bound: i64,
}

impl Inversion {
    /// numpy ≥ 2.4: `q = 1 − p`, `qn = exp(n·log1p(−p))`, `bound = MIN(n, np + 10·sqrt(np·q + 1))`.
    fn new(n: i64, p: f64) -> Self {
        let nf = n as f64;
        let q = 1.0 - p;
        let qn = exp(nf * log1p(-p));
        let np = nf * p;
        let bound_f = np + 10.0 * (np * q + 1.0).sqrt();
        // C: (int64)MIN(n, bound_f), the comparison done in double.
        let bound = if nf < bound_f { n } else { bound_f as i64 };
        Inversion { n, p, q, qn, bound }
    }

    /// The draw loop of `random_binomial_inversion`.
    fn draw(&self, g: &mut Pcg64) -> i64 {
        let Inversion { n, p, q, qn, bound } = *self;
        let mut x: i64 = 0;
        let mut px = qn;
        let mut u = g.next_double();
        while u > px {
            x += 1;
            if x > bound {
                x = 0;
                px = qn;
                u = g.next_double();
            } else {
                u -= px;
                px = ((n - x + 1) as f64 * p * px) / (x as f64 * q);
            }
        }
        x
    }
}

/// Mirrors `random_binomial_inversion` (numpy ≥ 2.4: `qn = exp(n·log1p(−p))`). The
/// `binomial_t` cache only memoises pure functions of (n, p), so recomputing is identical.
fn binomial_inversion(g: &mut Pcg64, n: i64, p: f64) -> i64 {
    Inversion::new(n, p).draw(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ke_correction_applied() {
        // ke[1] = 0 exactly; ke[0] has mask bit 0 set.
        assert_eq!(KE[1], 0);
        assert_eq!(KE[0], KE_EXACT_FLOOR[0] - 1);
    }

    #[test]
    fn errors_not_panics() {
        let mut g = Generator::new(0);
        assert!(g.integers(5, 5, 1).is_err());
        assert!(g.exponential(-1.0, 1).is_err());
        assert!(matches!(g.binomial(100, 0.5), Err(Error::Unsupported(_))));
        assert!(matches!(g.binomial(1000, 0.9), Err(Error::Unsupported(_))));
        // p > 0.5 with n·(1−p) = 10: inversion on q, not BTPE.
        assert!(g.binomial(100, 0.9).is_ok());
        assert!(g.binomial(-1, 0.5).is_err());
        assert!(g.binomial(1, f64::NAN).is_err());
        assert_eq!(g.binomial(1, 0.0).ok(), Some(0));
        assert_eq!(g.binomial(7, 1.0).ok(), Some(7));
    }
}
