//! numpy's `SeedSequence`: turns the book's integer seed into PCG64's 128-bit state and increment.
//!
//! Mirrors `numpy/random/bit_generator.pyx`: `_int_to_uint32_array`, `hashmix`, `mix`,
//! `SeedSequence.mix_entropy` and `SeedSequence.generate_state` (no spawn key, pool size 4).

use crate::{Error, Result};

const INIT_A: u32 = 0x43b0_d7e5;
const MULT_A: u32 = 0x931e_8875;
const INIT_B: u32 = 0x8b51_f9dd;
const MULT_B: u32 = 0x58f3_8ded;
const MIX_MULT_L: u32 = 0xca01_f9dd;
const MIX_MULT_R: u32 = 0x4973_f715;
const XSHIFT: u32 = 16;
/// numpy's `DEFAULT_POOL_SIZE` (in 32-bit words).
const POOL_SIZE: usize = 4;

/// A mixed entropy pool, as `SeedSequence(entropy).pool`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedSequence {
    pool: [u32; POOL_SIZE],
}

/// The persistent multiplier of `hashmix` (numpy's `hash_const`, starting at `INIT_A`).
struct HashMix(u32);

impl HashMix {
    /// Mirrors numpy `hashmix(value, hash_const)`.
    fn mix(&mut self, value: u32) -> u32 {
        let mut v = value ^ self.0;
        self.0 = self.0.wrapping_mul(MULT_A);
        v = v.wrapping_mul(self.0);
        v ^ (v >> XSHIFT)
    }
}

/// Mirrors numpy `mix(x, y)`.
fn mix(x: u32, y: u32) -> u32 {
    let r = MIX_MULT_L
        .wrapping_mul(x)
        .wrapping_sub(MIX_MULT_R.wrapping_mul(y));
    r ^ (r >> XSHIFT)
}

impl SeedSequence {
    /// `SeedSequence(seed)` for a non-negative integer below 2^128.
    pub fn from_u128(seed: u128) -> Self {
        Self::from_words(&u128_to_words(seed))
    }

    /// `SeedSequence(seed)` for an integer given as little-endian 32-bit words (any size).
    ///
    /// Trailing zero words are significant only as numpy sees them: numpy's
    /// `_int_to_uint32_array` never produces them (except `[0]` for zero), so callers should pass
    /// the minimal representation; an empty slice is treated as the seed 0.
    pub fn from_words(words: &[u32]) -> Self {
        let zero = [0u32];
        let entropy: &[u32] = if words.is_empty() { &zero } else { words };
        let mut hm = HashMix(INIT_A);
        let mut pool = [0u32; POOL_SIZE];
        // mix_entropy: fill the pool, hashing each entropy word (0 past the end).
        for (i, slot) in pool.iter_mut().enumerate() {
            *slot = hm.mix(entropy.get(i).copied().unwrap_or(0));
        }
        // Mix every pool word into every other one.
        for src in 0..POOL_SIZE {
            for dst in 0..POOL_SIZE {
                if src != dst {
                    let h = hm.mix(pool[src]);
                    pool[dst] = mix(pool[dst], h);
                }
            }
        }
        // Remaining entropy words are mixed into every pool word.
        for &w in entropy.iter().skip(POOL_SIZE) {
            for slot in pool.iter_mut() {
                let h = hm.mix(w);
                *slot = mix(*slot, h);
            }
        }
        SeedSequence { pool }
    }

    /// `SeedSequence(seed)` for a decimal integer string of any size (`"0"`, `"2**130+99"` is not
    /// accepted: digits only).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `seed` if the text is not a non-negative decimal integer.
    pub fn from_decimal(text: &str) -> Result<Self> {
        Ok(Self::from_words(&decimal_to_words(text)?))
    }

    /// The mixed pool (numpy's `SeedSequence.pool`).
    pub fn pool(&self) -> [u32; POOL_SIZE] {
        self.pool
    }

    /// Mirrors `generate_state(n_words, dtype=np.uint32)`.
    pub fn generate_u32(&self, n_words: usize) -> Vec<u32> {
        let mut hc = INIT_B;
        (0..n_words)
            .map(|i| {
                let mut v = self.pool[i % POOL_SIZE] ^ hc;
                hc = hc.wrapping_mul(MULT_B);
                v = v.wrapping_mul(hc);
                v ^ (v >> XSHIFT)
            })
            .collect()
    }

    /// Mirrors `generate_state(n_words, dtype=np.uint64)`: pairs of 32-bit words, little-endian.
    pub fn generate_u64(&self, n_words: usize) -> Vec<u64> {
        self.generate_u32(2 * n_words)
            .chunks_exact(2)
            .map(|p| u64::from(p[0]) | (u64::from(p[1]) << 32))
            .collect()
    }
}

/// Little-endian 32-bit words of `n`, minimal (`[0]` for zero), as numpy `_int_to_uint32_array`.
pub fn u128_to_words(mut n: u128) -> Vec<u32> {
    if n == 0 {
        return vec![0];
    }
    let mut words = Vec::with_capacity(4);
    while n > 0 {
        words.push((n & 0xffff_ffff) as u32);
        n >>= 32;
    }
    words
}

/// Parse a non-negative decimal integer of any size into minimal little-endian 32-bit words.
///
/// # Errors
/// [`Error::Invalid`] naming `seed` if `text` is empty or has a non-digit (signs are rejected:
/// numpy refuses negative seeds).
pub fn decimal_to_words(text: &str) -> Result<Vec<u32>> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            "seed",
            text,
            "expected a non-negative decimal integer (numpy SeedSequence rejects negatives)",
        ));
    }
    if t.len() > 10_000 {
        return Err(Error::invalid(
            "seed",
            format!("{}... ({} digits)", &t[..20], t.len()),
            "at most 10000 digits",
        ));
    }
    let mut words: Vec<u32> = vec![0];
    for b in t.bytes() {
        // words = words * 10 + digit
        let mut carry = u64::from(b - b'0');
        for w in words.iter_mut() {
            let v = u64::from(*w) * 10 + carry;
            *w = (v & 0xffff_ffff) as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            words.push(carry as u32);
        }
    }
    while words.len() > 1 && words.last() == Some(&0) {
        words.pop();
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_zero_and_big_values() {
        assert_eq!(u128_to_words(0), vec![0]);
        assert_eq!(u128_to_words((1u128 << 64) + 3), vec![3, 0, 1]);
        assert_eq!(
            decimal_to_words("1361129467683753853853498429727072845923").ok(),
            Some(vec![99, 0, 0, 0, 4])
        );
        assert_eq!(decimal_to_words("007").ok(), Some(vec![7]));
        assert!(decimal_to_words("-1").is_err());
        assert!(decimal_to_words("").is_err());
    }
}
