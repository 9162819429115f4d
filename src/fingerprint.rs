//! The data's lineage: the book's fingerprint, `sha256(pd.util.hash_pandas_object(df).values)`,
//! whose first 12 hex digits are recorded with every model version.
//!
//! Mirrors pandas 3 `pandas/core/util/hashing.py`: `hash_pandas_object` (DataFrame branch,
//! `index=True`), `hash_array` / `_hash_ndarray` (NaN canonicalised, −0.0 → +0.0, then the
//! splitmix64-style mixer) and `combine_hash_arrays` (a CPython tuple hash); the digest is
//! `hashlib.sha256` over the row hashes' little-endian bytes.

use crate::data::{Days, Frame};
use sha2::{Digest, Sha256};

/// A frame's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    /// The full sha256, 64 lowercase hex digits.
    pub full: String,
    /// Its first 12 hex digits, as the book prints it.
    pub short: String,
}

/// `_hash_ndarray`'s mixer for one 64-bit value (mod 2^64).
#[inline]
fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// float64 bits after pandas 3's canonicalisation (one NaN, −0.0 → +0.0).
#[inline]
fn float_bits(v: f64) -> u64 {
    if v.is_nan() {
        f64::NAN.to_bits()
    } else if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

/// `hash_pandas_object(df)` (index=True, RangeIndex 0..n−1): one uint64 per row.
///
/// ```
/// use mlops_loop::{data::{make_data, Drift}, fingerprint::row_hashes};
/// let df = make_data(1, Drift::Float(0.0), 10).unwrap();
/// assert_eq!(row_hashes(&df).len(), 10);
/// ```
pub fn row_hashes(df: &Frame) -> Vec<u64> {
    let n = df.len();
    // Columns in order, then the index: num_items = 5.
    const NUM_ITEMS: u64 = 5;
    let mut out = vec![0x34_5678u64; n];
    let mut mult: u64 = 1_000_003;
    let mut combine = |i: u64, hashes: &mut dyn Iterator<Item = u64>| {
        for (o, h) in out.iter_mut().zip(hashes) {
            *o = (*o ^ h).wrapping_mul(mult);
        }
        mult = mult.wrapping_add(82_520 + 2 * (NUM_ITEMS - i));
    };
    combine(
        0,
        &mut df
            .spend_per_active_day()
            .iter()
            .map(|&v| mix64(float_bits(v))),
    );
    combine(1, &mut df.is_recent().iter().map(|&v| mix64(v as u64)));
    match df.days_since_login() {
        Days::Int(v) => combine(2, &mut v.iter().map(|&d| mix64(d as u64))),
        Days::Float(v) => combine(2, &mut v.iter().map(|&d| mix64(float_bits(d)))),
    }
    combine(3, &mut df.churned().iter().map(|&v| mix64(v as u64)));
    combine(4, &mut (0..n as u64).map(mix64));
    for o in out.iter_mut() {
        *o = o.wrapping_add(97_531);
    }
    out
}

/// sha256 of the row hashes' little-endian bytes (`hashlib.sha256(series.values)`).
pub fn fingerprint_hashes(hashes: &[u64]) -> Fingerprint {
    let mut h = Sha256::new();
    for v in hashes {
        h.update(v.to_le_bytes());
    }
    let full: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let short = full[..12].to_string();
    Fingerprint { full, short }
}

/// The book's fingerprint of a frame.
///
/// ```
/// use mlops_loop::{data::{make_data, Drift}, fingerprint::fingerprint};
/// let df = make_data(1, Drift::Float(0.0), 3000).unwrap();
/// assert_eq!(fingerprint(&df).short, "cf0f14ace53e");
/// ```
pub fn fingerprint(df: &Frame) -> Fingerprint {
    fingerprint_hashes(&row_hashes(df))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_floats() {
        assert_eq!(float_bits(-0.0), 0);
        assert_eq!(float_bits(-f64::NAN), f64::NAN.to_bits());
        assert_eq!(mix64(0), 0);
    }
}
