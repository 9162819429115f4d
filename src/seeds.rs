//! Seed derivation: how one user seed becomes the many independent streams the loop draws
//! (trial `i`'s samples, week `w`'s live batch, a request's routing bucket, an unseeded
//! training's random state).
//!
//! It sits below every stage that draws: the data ([`crate::data`]), the experiments, serving
//! and the orchestrator all call it, and it calls only [`crate::numpy`].

use crate::numpy::seed_sequence::u128_to_words;
use crate::numpy::SeedSequence;

/// The seed sequence of trial `index`, sample `role`, under base seed `seed`.
pub fn trial_seed(seed: u128, index: usize, role: u32) -> SeedSequence {
    let mut words = u128_to_words(seed);
    let i = index as u64;
    words.extend([i as u32, (i >> 32) as u32, role]);
    SeedSequence::from_words(&words)
}

/// SplitMix64's output function (Steele, Lea & Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014): a bijective 64-bit mix.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
