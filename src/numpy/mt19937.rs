//! numpy's legacy `RandomState` (MT19937), the generator scikit-learn draws from: the split's
//! permutation and the boosting trees' seeds.
//!
//! Mirrors `numpy/random/_mt19937.pyx` `_legacy_seeding` (an int seed goes through
//! `mt19937_seed`, i.e. Matsumoto–Nishimura `init_genrand`), `src/mt19937/mt19937.c`
//! (`mt19937_gen`, `mt19937_next32/64/double`), `distributions.c` `random_interval`,
//! `mtrand.pyx` `RandomState.permutation` / `_shuffle_raw`, and `_bounded_integers.pyx.in`
//! with `use_masked=True` for `RandomState.randint`.

use crate::{Error, Result};

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// The MT19937 state (624 words and a position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mt19937 {
    mt: [u32; N],
    pos: usize,
}

impl Mt19937 {
    /// `np.random.RandomState(seed)` for an int seed: `init_genrand(seed)`.
    pub fn new(seed: u32) -> Self {
        let mut mt = [0u32; N];
        mt[0] = seed;
        for i in 1..N {
            let prev = mt[i - 1];
            mt[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Mt19937 { mt, pos: N }
    }

    /// Mirrors `mt19937_gen`: regenerate all 624 words.
    fn twist(&mut self) {
        for i in 0..N {
            let y = (self.mt[i] & UPPER_MASK) | (self.mt[(i + 1) % N] & LOWER_MASK);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            self.mt[i] = self.mt[(i + M) % N] ^ (y >> 1) ^ mag;
        }
        self.pos = 0;
    }

    /// Next tempered 32-bit output (`mt19937_next32`).
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= N {
            self.twist();
        }
        let mut y = self.mt[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `mt19937_next64`: the first 32-bit output is the high half.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        (hi << 32) | u64::from(self.next_u32())
    }

    /// `mt19937_next_double`: 53 bits from two outputs, `(a>>5 · 2^26 + b>>6) / 2^53`.
    #[inline]
    pub fn next_double(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) / 9_007_199_254_740_992.0
    }

    /// Mirrors `random_interval(max)`: uniform in [0, max] by masked rejection.
    pub fn random_interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mask = smallest_mask(max);
        if max <= 0xffff_ffff {
            loop {
                let v = u64::from(self.next_u32()) & mask;
                if v <= max {
                    return v;
                }
            }
        }
        loop {
            let v = self.next_u64() & mask;
            if v <= max {
                return v;
            }
        }
    }

    /// `RandomState.permutation(n)`: `arange(n)` shuffled by Fisher–Yates from the end
    /// (`_shuffle_raw`: for i = n−1 … 1 swap i with `random_interval(i)`).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut arr: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            // j <= i < n, so the index is in range.
            let j = self.random_interval(i as u64) as usize;
            arr.swap(i, j);
        }
        arr
    }

    /// `RandomState.randint(low, high)` (int64, one value): legacy masked rejection over
    /// `high − 1 − low` (32-bit draws when the range fits in 32 bits, else 64-bit draws).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `high` if `low >= high` (numpy: "low >= high").
    pub fn randint_masked(&mut self, low: i64, high: i64) -> Result<i64> {
        if low >= high {
            return Err(Error::invalid(
                "high",
                high,
                format!("low >= high (low = {low}); numpy requires low < high"),
            ));
        }
        let rng = (i128::from(high) - 1 - i128::from(low)) as u64;
        let off = low as u64;
        let v = if rng == 0 {
            0
        } else if rng <= 0xffff_ffff {
            if rng == 0xffff_ffff {
                u64::from(self.next_u32())
            } else {
                let mask = smallest_mask(rng);
                loop {
                    let v = u64::from(self.next_u32()) & mask;
                    if v <= rng {
                        break v;
                    }
                }
            }
        } else if rng == u64::MAX {
            self.next_u64()
        } else {
            let mask = smallest_mask(rng);
            loop {
                let v = self.next_u64() & mask;
                if v <= rng {
                    break v;
                }
            }
        };
        Ok(off.wrapping_add(v) as i64)
    }
}

/// The smallest 2^k − 1 that is ≥ `max`.
fn smallest_mask(max: u64) -> u64 {
    let mut mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    mask
}

impl rand_core::RngCore for Mt19937 {
    fn next_u32(&mut self) -> u32 {
        Mt19937::next_u32(self)
    }
    fn next_u64(&mut self) -> u64 {
        Mt19937::next_u64(self)
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(4) {
            let b = Mt19937::next_u32(self).to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_outputs_seed_5489() {
        // The reference mt19937ar.c with init_genrand(5489): first output 3499211612.
        let mut g = Mt19937::new(5489);
        assert_eq!(g.next_u32(), 3_499_211_612);
        assert_eq!(g.next_u32(), 581_869_302);
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut p = Mt19937::new(42).permutation(101);
        p.sort_unstable();
        assert_eq!(p, (0..101).collect::<Vec<_>>());
        assert!(Mt19937::new(0).randint_masked(3, 3).is_err());
    }
}
