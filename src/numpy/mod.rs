//! Bit-exact numpy randomness: `default_rng(seed)` (SeedSequence → PCG64, `Generator.integers`,
//! `exponential`, `binomial`) and the legacy `RandomState` (MT19937) that scikit-learn uses.
