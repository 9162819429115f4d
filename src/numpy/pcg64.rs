//! numpy's PCG64 bit generator (PCG XSL-RR 128/64), the engine behind `np.random.default_rng`.
//!
//! Mirrors `numpy/random/_pcg64.pyx` `PCG64.__init__` and `src/pcg64/pcg64.{c,h}`:
//! `pcg64_set_seed`, `pcg_setseq_128_srandom_r`, `pcg_setseq_128_step_r`,
//! `pcg_output_xsl_rr_128_64`, `pcg64_next32` (buffered halves) and `_common.pxd`
//! `uint64_to_double`.

use super::seed_sequence::SeedSequence;

/// The 128-bit LCG multiplier (numpy `PCG_DEFAULT_MULTIPLIER_128`).
const MULT: u128 = (2_549_297_995_355_413_924u128 << 64) | 4_865_540_595_714_422_341u128;

/// The PCG64 state plus numpy's buffered 32-bit half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcg64 {
    state: u128,
    inc: u128,
    has_uint32: bool,
    uinteger: u32,
}

impl Pcg64 {
    /// `np.random.PCG64(seed_sequence)`: state and increment from `generate_state(4, uint64)`.
    pub fn from_seed_sequence(ss: &SeedSequence) -> Self {
        let w = ss.generate_u64(4);
        let initstate = (u128::from(w[0]) << 64) | u128::from(w[1]);
        let initseq = (u128::from(w[2]) << 64) | u128::from(w[3]);
        Self::from_state_seq(initstate, initseq)
    }

    /// `np.random.PCG64(seed)` for an integer seed below 2^128.
    pub fn from_u128(seed: u128) -> Self {
        Self::from_seed_sequence(&SeedSequence::from_u128(seed))
    }

    /// Mirrors `pcg_setseq_128_srandom_r(initstate, initseq)`.
    pub fn from_state_seq(initstate: u128, initseq: u128) -> Self {
        let mut g = Pcg64 {
            state: 0,
            inc: (initseq << 1) | 1,
            has_uint32: false,
            uinteger: 0,
        };
        g.step();
        g.state = g.state.wrapping_add(initstate);
        g.step();
        g
    }

    #[inline(always)]
    fn step(&mut self) {
        self.state = mul_mult(self.state).wrapping_add(self.inc);
    }

    /// Next 64-bit output (`pcg64_next64`: step, then XSL-RR); ignores the 32-bit buffer.
    #[inline(always)]
    pub fn next_u64(&mut self) -> u64 {
        self.step();
        let hi = (self.state >> 64) as u64;
        let lo = self.state as u64;
        (hi ^ lo).rotate_right((hi >> 58) as u32)
    }

    /// Next 32-bit output (`pcg64_next32`): the low half of a fresh output, then its high half.
    #[inline(always)]
    pub fn next_u32(&mut self) -> u32 {
        if self.has_uint32 {
            self.has_uint32 = false;
            return self.uinteger;
        }
        let v = self.next_u64();
        self.has_uint32 = true;
        self.uinteger = (v >> 32) as u32;
        v as u32
    }

    /// Next double in [0, 1): `(next_u64 >> 11) * 2^-53` (`uint64_to_double`).
    #[inline]
    pub fn next_double(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }
}

/// `x * MULT` modulo 2^128. Natively the compiler's `u128` product (two or three hardware
/// multiplies). On wasm32, which has no 64 x 64 -> 128 multiply, LLVM calls `__multi3` for a
/// `u128` product, passing both operands and the result through memory; written out in 64-bit
/// halves (the high half of the low product from four 32 x 32 products), the same value stays in
/// locals. The same arithmetic modulo 2^128: `wasm_product_is_the_u128_product` compares the two.
#[inline(always)]
fn mul_mult(x: u128) -> u128 {
    #[cfg(target_arch = "wasm32")]
    {
        mul_halves(x, MULT)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        x.wrapping_mul(MULT)
    }
}

/// `a * b` modulo 2^128 from 64-bit halves: `lo(a) * lo(b)` in full, plus the two cross products'
/// low halves shifted up (the high x high product falls outside 2^128).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[inline(always)]
fn mul_halves(a: u128, b: u128) -> u128 {
    let (a_lo, a_hi) = (a as u64, (a >> 64) as u64);
    let (b_lo, b_hi) = (b as u64, (b >> 64) as u64);
    let (a0, a1) = (a_lo & 0xffff_ffff, a_lo >> 32);
    let (b0, b1) = (b_lo & 0xffff_ffff, b_lo >> 32);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // The middle column: at most 3 * (2^32 - 1) < 2^34, no overflow.
    let mid = (p00 >> 32) + (p01 & 0xffff_ffff) + (p10 & 0xffff_ffff);
    let lo = (mid << 32) | (p00 & 0xffff_ffff);
    let hi = p11
        .wrapping_add(p01 >> 32)
        .wrapping_add(p10 >> 32)
        .wrapping_add(mid >> 32)
        .wrapping_add(a_lo.wrapping_mul(b_hi))
        .wrapping_add(a_hi.wrapping_mul(b_lo));
    (u128::from(hi) << 64) | u128::from(lo)
}

impl rand_core::RngCore for Pcg64 {
    fn next_u32(&mut self) -> u32 {
        Pcg64::next_u32(self)
    }
    fn next_u64(&mut self) -> u64 {
        Pcg64::next_u64(self)
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let b = Pcg64::next_u64(self).to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn wasm_product_is_the_u128_product() {
        // Edge operands (0, 1, all ones, each half all ones) and a PCG64 stream's own states.
        let edges = [
            0u128,
            1,
            u128::MAX,
            u128::from(u64::MAX),
            u128::from(u64::MAX) << 64,
            MULT,
        ];
        for &a in &edges {
            for &b in &edges {
                assert_eq!(
                    super::mul_halves(a, b),
                    a.wrapping_mul(b),
                    "{a:#x} * {b:#x}"
                );
            }
        }
        let mut g = Pcg64::from_u128(12345);
        for _ in 0..100_000 {
            let (a, b) = (g.state, g.state ^ g.inc.rotate_left(17));
            assert_eq!(super::mul_halves(a, b), a.wrapping_mul(b));
            assert_eq!(super::mul_halves(a, MULT), a.wrapping_mul(MULT));
            g.next_u64();
        }
    }

    use super::*;

    #[test]
    fn seed_1_first_raw_matches_numpy() {
        // np.random.PCG64(1).random_raw(2) (cases_public.json)
        let mut g = Pcg64::from_u128(1);
        assert_eq!(g.next_u64(), 9_441_442_522_235_856_127);
        assert_eq!(g.next_u64(), 17_532_960_557_476_522_086);
    }

    #[test]
    fn next_u32_buffers_the_high_half() {
        let mut a = Pcg64::from_u128(7);
        let mut b = a.clone();
        let v = b.next_u64();
        assert_eq!(a.next_u32(), v as u32);
        assert_eq!(a.next_u32(), (v >> 32) as u32);
    }
}
