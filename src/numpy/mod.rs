//! Bit-exact numpy randomness: `default_rng(seed)` (SeedSequence → PCG64, `Generator.integers`,
//! `exponential`, `binomial`) and the legacy `RandomState` (MT19937) that scikit-learn uses.
//!
//! Layout: [`seed_sequence`] (SeedSequence), [`pcg64`] (the bit generator), [`generator`]
//! (`Generator.integers`, `exponential`, `binomial`), [`mt19937`] (`RandomState`: permutation,
//! masked `randint`). Each function cites the numpy C/Cython function whose order of operations
//! it copies.

pub mod reduce;

pub mod generator;
pub mod mt19937;
pub mod pcg64;
pub mod seed_sequence;
mod ziggurat_tables;

pub use generator::Generator;
pub use mt19937::Mt19937;
pub use pcg64::Pcg64;
pub use seed_sequence::SeedSequence;
