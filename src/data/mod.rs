//! The loop's first stage: the book's `make_data(seed, drift)`, a typed frame of 4 columns drawn
//! from `np.random.default_rng(seed)`, bit for bit.
//!
//! The book's Python (numpy 2.4.6, pandas 3.1.1):
//!
//! ```python
//! rng = np.random.default_rng(seed)
//! days = rng.integers(0, 90, n) + drift          # int drift keeps int64, float drift -> float64
//! spend = rng.exponential(5, n)
//! is_recent = (days < 30).astype(int)
//! churned = rng.binomial(1, 1 / (1 + np.exp(-(days / 30 - 1))))
//! df = pd.DataFrame({"spend_per_active_day": spend, "is_recent": is_recent,
//!                    "days_since_login": days, "churned": churned})
//! ```
//!
//! Draw order (integers, exponential, binomial) and column order are the book's; both change the
//! numbers and the fingerprint. [`Drift`] keeps Python's int/float distinction because
//! `drift=10` and `drift=10.0` give different dtypes and so different fingerprints.
//!
//! Its files: `drift.rs` ([`Drift`], the drift as Python typed it, and [`py_repr`], Python's
//! float repr), `frame.rs` ([`Frame`] and its typed `days_since_login`, [`Days`]); this file
//! draws the data ([`make_data`]).

mod drift;
mod frame;

pub use drift::{py_repr, Drift};
pub use frame::{Days, Frame};

use crate::numpy::{Generator, SeedSequence};
use crate::{Error, Result};

/// Largest accepted `rows`: one frame of 10^6 rows takes ~50 ms natively and a few hundred ms in
/// a browser tab; beyond that a tab would freeze (and allocate 32 bytes per row per copy).
pub const MAX_ROWS: usize = 1_000_000;

/// The book's default number of rows.
pub const DEFAULT_ROWS: usize = 3000;

/// Column names, in the book's DataFrame order.
pub const COLUMNS: [&str; 4] = [
    "spend_per_active_day",
    "is_recent",
    "days_since_login",
    "churned",
];

/// The model's feature columns, in the order of `X = df[[...]]`.
pub const FEATURES: [&str; 3] = ["spend_per_active_day", "is_recent", "days_since_login"];

/// The book's `make_data(seed, drift)` with `rows` rows (the book uses 3000).
///
/// ```
/// use mlops_loop::data::{make_data, Drift};
/// let df = make_data(1, Drift::Float(0.0), 3000).unwrap();
/// assert_eq!(df.len(), 3000);
/// assert_eq!(df.dtypes()[2], ("days_since_login", "float64"));
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming `rows` if it is 0 or above [`MAX_ROWS`], or `drift` if an int drift
/// overflows int64 when added (numpy would silently wrap around).
pub fn make_data(seed: u128, drift: Drift, rows: usize) -> Result<Frame> {
    make_data_from(&SeedSequence::from_u128(seed), drift, rows)
}

/// `days + drift` for an int drift, refusing what would overflow int64 (numpy wraps around).
///
/// # Errors
/// [`Error::Invalid`] naming `drift`.
pub(crate) fn add_int_drift(days: i64, drift: i64) -> Result<i64> {
    days.checked_add(drift).ok_or_else(|| {
        Error::invalid(
            "drift",
            drift,
            "days + drift overflows int64 (numpy would wrap around silently)",
        )
    })
}

/// [`make_data`] for a seed of any size, given as its `SeedSequence` (see
/// [`SeedSequence::from_decimal`]).
///
/// # Errors
/// As [`make_data`].
pub fn make_data_from(seed: &SeedSequence, drift: Drift, rows: usize) -> Result<Frame> {
    if rows == 0 || rows > MAX_ROWS {
        return Err(Error::invalid(
            "rows",
            rows,
            format!("must be between 1 and {MAX_ROWS}"),
        ));
    }
    let mut rng = Generator::from_seed_sequence(seed);
    let ints = rng.integers(0, 90, rows)?;
    let days = match drift {
        Drift::Int(d) => {
            let mut v = Vec::with_capacity(rows);
            for &x in &ints {
                v.push(add_int_drift(x, d)?);
            }
            Days::Int(v)
        }
        // int64 array + Python float -> float64: each int converted, then added.
        Drift::Float(d) => Days::Float(ints.iter().map(|&x| x as f64 + d).collect()),
    };
    let spend = rng.exponential(5.0, rows)?;
    // (days < 30).astype(int) and days / 30 (true division in float64).
    let (is_recent, scaled): (Vec<i64>, Vec<f64>) = match &days {
        Days::Int(v) => v
            .iter()
            .map(|&d| (i64::from(d < 30), d as f64 / 30.0))
            .unzip(),
        Days::Float(v) => v.iter().map(|&d| (i64::from(d < 30.0), d / 30.0)).unzip(),
    };
    // 1 / (1 + np.exp(-(days / 30 - 1))), elementwise in that order. `days` takes at most 90
    // values (the draw plus a fixed drift), so each distinct scaled value's exp is computed once:
    // the same function of the same input, hence the same bits, about 30 times fewer exp calls.
    let mut memo: Vec<Option<(u64, f64)>> = vec![None; 90];
    let probs: Vec<f64> = scaled
        .iter()
        .zip(&ints)
        .map(|(&s, &x)| {
            let slot = usize::try_from(x).ok().and_then(|i| memo.get_mut(i));
            match slot {
                Some(Some((bits, p))) if *bits == s.to_bits() => *p,
                Some(slot) => {
                    let p = 1.0 / (1.0 + crate::libm::exp(-(s - 1.0)));
                    *slot = Some((s.to_bits(), p));
                    p
                }
                None => 1.0 / (1.0 + crate::libm::exp(-(s - 1.0))),
            }
        })
        .collect();
    let churned = rng.binomial_each(1, &probs)?;
    Frame::new(spend, is_recent, days, churned)
}

/// Column `name` of `df` as float64 (the model's three features, or `churned`).
///
/// # Errors
/// [`Error::Invalid`] naming `column` for an unknown name.
pub fn column(df: &Frame, name: &str) -> Result<Vec<f64>> {
    match name {
        "spend_per_active_day" => Ok(df.spend_per_active_day().to_vec()),
        "is_recent" => Ok(df.is_recent().iter().map(|&v| v as f64).collect()),
        "days_since_login" => Ok(df.days_since_login().to_f64()),
        "churned" => Ok(df.churned().iter().map(|&v| v as f64).collect()),
        _ => Err(Error::invalid(
            "column",
            name,
            "expected spend_per_active_day, is_recent, days_since_login or churned",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_bounds() {
        assert!(make_data(0, Drift::Int(0), 0).is_err());
        assert!(make_data(0, Drift::Int(0), MAX_ROWS + 1).is_err());
        assert!(make_data(0, Drift::Int(i64::MAX), 10).is_err());
        assert!(make_data(0, Drift::Int(i64::MAX - 89), 10).is_ok());
    }
}
