//! The loop's train/test split: scikit-learn 1.9.1 `train_test_split(..., test_size,
//! random_state)` as row indices.
//!
//! Mirrors `sklearn/model_selection/_split.py`: `train_test_split` → `_validate_shuffle_split`
//! (float `test_size`: n_test = ceil(test_size·n), n_train = n − n_test) →
//! `ShuffleSplit._iter_indices` (`permutation = RandomState(random_state).permutation(n)`,
//! test = `permutation[:n_test]`, train = `permutation[n_test:n_test + n_train]`).

use crate::numpy::Mt19937;
use crate::{Error, Result};

/// `train_test_split` on `n` rows with a float `test_size` and an int `random_state`:
/// returns `(train, test)` row indices, in sklearn's (permuted) order.
///
/// ```
/// use mlops_loop::split::train_test_split;
/// let (train, test) = train_test_split(3000, 0.25, 42).unwrap();
/// assert_eq!((train.len(), test.len()), (2250, 750));
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming `test_size` if it is NaN or outside (0, 1) (sklearn's parameter
/// validation: "The 'test_size' parameter of train_test_split must be a float in the range
/// (0.0, 1.0), ..."), or naming `n_samples` if the train set would be empty (sklearn: "With n_samples=…,
/// test_size=… and train_size=None, the resulting train set will be empty").
pub fn train_test_split(
    n: usize,
    test_size: f64,
    random_state: u32,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let (n_train, n_test) = validate_shuffle_split(n, test_size)?;
    let perm = Mt19937::new(random_state).permutation(n);
    // n_test + n_train == n, so both slices are in range.
    let test = perm[..n_test].to_vec();
    let train = perm[n_test..n_test + n_train].to_vec();
    Ok((train, test))
}

/// `_validate_shuffle_split(n, test_size, None)`: `(n_train, n_test)`.
///
/// # Errors
/// As [`train_test_split`].
pub fn validate_shuffle_split(n: usize, test_size: f64) -> Result<(usize, usize)> {
    if test_size.is_nan() || test_size <= 0.0 || test_size >= 1.0 {
        return Err(Error::invalid(
            "test_size",
            crate::data::py_repr(test_size),
            "must be a float in the range (0.0, 1.0), as scikit-learn requires",
        ));
    }
    // Python: ceil(test_size * n_samples), the int converted to float first.
    let n_test = (test_size * n as f64).ceil() as usize;
    let n_train = n.saturating_sub(n_test);
    if n_train == 0 {
        return Err(Error::invalid(
            "n_samples",
            n,
            format!(
                "with test_size={} and train_size=None, the resulting train set will be empty",
                crate::data::py_repr(test_size)
            ),
        ));
    }
    Ok((n_train, n_test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_errors() {
        assert_eq!(validate_shuffle_split(3000, 0.25).ok(), Some((2250, 750)));
        assert_eq!(validate_shuffle_split(10, 0.3).ok(), Some((7, 3)));
        // 0.55 * 100.0 == 55.00000000000001 in float64, so sklearn takes 56 test rows.
        assert_eq!(validate_shuffle_split(100, 0.55).ok(), Some((44, 56)));
        assert!(validate_shuffle_split(1, 0.25).is_err());
        assert!(validate_shuffle_split(0, 0.25).is_err());
        assert!(validate_shuffle_split(10, 0.0).is_err());
        assert!(validate_shuffle_split(10, 1.0).is_err());
        assert!(validate_shuffle_split(10, f64::NAN).is_err());
    }
}
