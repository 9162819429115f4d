//! numpy's float64 reductions: `np.add.reduce` (`np.sum`) on a contiguous vector.
//!
//! The loop's leaf values (the gradient-boosting Newton step) and the ROC AUC area are numpy sums;
//! numpy adds pairwise, not left to right, so their last bits depend on this exact order.

/// Runs shorter than this are added left to right (numpy's `PW_BLOCKSIZE` is 128; below 8 it
/// sums sequentially).
const SEQUENTIAL_BELOW: usize = 8;
/// Largest run summed with 8 interleaved accumulators before splitting in two.
const BLOCK: usize = 128;

/// `np.add.reduce(a)` for a contiguous float64 array: numpy's pairwise summation.
///
/// Mirrors numpy `DOUBLE_pairwise_sum` (`loops_utils.h.src`) behind the reduction's identity
/// `0.0`: runs of fewer than 8 values are added left to right starting from `-0.0`; runs of at
/// most 128 use 8 interleaved accumulators combined as `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))`,
/// then the remainder left to right; longer runs split at `n/2` rounded down to a multiple of 8.
/// The empty sum is `0.0`.
///
/// ```
/// use mlops_loop::numpy::reduce::pairwise_sum;
/// let a: Vec<f64> = (1..=1000).map(|i| 1.0 / i as f64).collect();
/// // np.sum(1 / np.arange(1, 1001)) == 7.485470860550345; left to right gives ...343.
/// assert_eq!(pairwise_sum(&a), 7.485470860550345);
/// assert_eq!(a.iter().fold(0.0, |s, v| s + v), 7.485470860550343);
/// assert_eq!(pairwise_sum(&[]).to_bits(), 0.0f64.to_bits());
/// ```
pub fn pairwise_sum(a: &[f64]) -> f64 {
    // The reduction starts from the add identity 0.0 (numpy `get_initial_from_ufunc`), which
    // only turns an all-negative-zero result into +0.0.
    0.0 + pairwise(a)
}

fn pairwise(a: &[f64]) -> f64 {
    let n = a.len();
    if n < SEQUENTIAL_BELOW {
        let mut res = -0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= BLOCK {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let stop = n - n % 8;
        let mut i = 8;
        while i < stop {
            let b = &a[i..i + 8];
            r[0] += b[0];
            r[1] += b[1];
            r[2] += b[2];
            r[3] += b[3];
            r[4] += b[4];
            r[5] += b[5];
            r[6] += b[6];
            r[7] += b[7];
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[stop..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise(&a[..n2]) + pairwise(&a[n2..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_runs_are_sequential() {
        let a = [1e16, 1.0, 1.0, -1e16];
        assert_eq!(pairwise_sum(&a), 1e16_f64 + 1.0 + 1.0 - 1e16);
    }

    #[test]
    fn block_uses_eight_accumulators() {
        // 1e16 in r0 absorbs the 1.0s of the same lane only.
        let mut a = vec![1.0; 16];
        a[0] = 1e16;
        a[15] = -1e16;
        let r0 = 1e16 + 1.0;
        let r7 = 1.0 + -1e16;
        let expect: f64 = ((r0 + 2.0) + (2.0 + 2.0)) + ((2.0 + 2.0) + (2.0 + r7));
        assert_eq!(pairwise_sum(&a).to_bits(), expect.to_bits());
    }

    #[test]
    fn negative_zero_becomes_positive() {
        assert_eq!(pairwise_sum(&[-0.0, -0.0]).to_bits(), 0.0f64.to_bits());
    }
}
