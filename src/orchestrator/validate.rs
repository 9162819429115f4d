//! Data-validation tests: the contract a batch of churn data must meet before the loop uses it
//! (for the drift test or as training data).
//!
//! When [`Practices::validation`](super::Practices) is on, the run checks each live batch as it
//! is drawn: a failing week is `quarantine`d (a `Validation` decision in its week; the drift
//! monitor skips it), and gate 1 `refuse`s any candidate whose training or evaluation weeks
//! include a quarantined one, so no candidate reaches gate 2 on broken rows. The tests
//! check what an upstream bug can break, not what the world can drift: `days_since_login`
//! may shift by any number of days (that is the drift monitor's business), so its range is not
//! tested, but `is_recent` must still agree with it.

use crate::data::Frame;

/// `spend_per_active_day` is drawn with mean 5 (currency units a day); a batch whose mean is
/// outside `[SPEND_MEAN_MIN, SPEND_MEAN_MAX]` has a broken column (200 rows put a clean
/// batch's mean within ±1.5 of 5 with overwhelming probability).
pub const SPEND_MEAN_MIN: f64 = 2.5;
/// See [`SPEND_MEAN_MIN`].
pub const SPEND_MEAN_MAX: f64 = 10.0;
/// No single day's spend may exceed this (a clean row exceeds it with probability e⁻⁴⁰).
pub const SPEND_MAX: f64 = 200.0;

/// The first failed test of `df`'s contract, as a sentence naming the column and the value;
/// `None` when every test passes.
///
/// Schema: the four columns with their dtypes (`days_since_login` int64 or float64). Ranges:
/// spend finite in `[0, SPEND_MAX]`, `days_since_login` finite, `is_recent` and `churned` in
/// {0, 1}, `is_recent` equal to `days_since_login < 30`. A broken feature: spend constant, or
/// its mean outside `[SPEND_MEAN_MIN, SPEND_MEAN_MAX]`.
///
/// ```
/// use mlops_loop::orchestrator::{live_batch, validate, Schedule};
/// let s = Schedule::parse("broken_feature")?; // spend ×100 in weeks 20-39
/// assert!(validate(&live_batch(1, &s, 500, 19)?).is_none());
/// assert!(validate(&live_batch(1, &s, 500, 20)?).unwrap().contains("spend_per_active_day"));
/// # Ok::<(), mlops_loop::Error>(())
/// ```
pub fn validate(df: &Frame) -> Option<String> {
    let want = [
        ("spend_per_active_day", "float64"),
        ("is_recent", "int64"),
        ("days_since_login", "int64|float64"),
        ("churned", "int64"),
    ];
    for ((name, dtype), (want_name, want_dtype)) in df.dtypes().into_iter().zip(want) {
        if name != want_name || !want_dtype.split('|').any(|d| d == dtype) {
            return Some(format!(
                "schema: column {name} has dtype {dtype}, expected {want_name} as {want_dtype}"
            ));
        }
    }
    if df.is_empty() {
        return Some("schema: the batch has no rows".into());
    }
    let spend = df.spend_per_active_day();
    if let Some((i, v)) = spend
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && (0.0..=SPEND_MAX).contains(*v)))
    {
        return Some(format!(
            "range: spend_per_active_day is {v} in row {i}, expected a number in [0, {SPEND_MAX}]"
        ));
    }
    let days = df.days_since_login().to_f64();
    for (i, (&d, &r)) in days.iter().zip(df.is_recent()).enumerate() {
        if !d.is_finite() {
            return Some(format!(
                "range: days_since_login is {d} in row {i}, expected a finite number"
            ));
        }
        if r != i64::from(d < 30.0) {
            return Some(format!(
                "range: is_recent is {r} in row {i} but days_since_login is {d} \
                 (expected is_recent = 1 exactly when days < 30)"
            ));
        }
    }
    if let Some((i, c)) = df
        .churned()
        .iter()
        .enumerate()
        .find(|(_, c)| !(0..=1).contains(*c))
    {
        return Some(format!("range: churned is {c} in row {i}, expected 0 or 1"));
    }
    if spend.windows(2).all(|w| w[0] == w[1]) {
        return Some(format!(
            "broken feature: spend_per_active_day is {} in all {} rows",
            spend[0],
            spend.len()
        ));
    }
    let mean = spend.iter().sum::<f64>() / spend.len() as f64;
    if !(SPEND_MEAN_MIN..=SPEND_MEAN_MAX).contains(&mean) {
        return Some(format!(
            "broken feature: spend_per_active_day averages {mean:.4}, expected \
             {SPEND_MEAN_MIN}..={SPEND_MEAN_MAX} (the column's mean is 5)"
        ));
    }
    None
}
