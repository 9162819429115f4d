//! The sort the KS statistic needs: ascending by `f64::total_cmp`, as `np.sort` orders the
//! samples, by radix on long samples. The experiments sort a column once with it and reuse it.

use std::borrow::Cow;

/// Sort ascending by `f64::total_cmp` (no NaN here). Equal keys are equal bits, so any correct
/// sort gives the same array as numpy's `np.sort`; long samples use an LSD radix sort on the
/// order-preserving integer key (digits that every key shares are skipped), short ones pdqsort.
pub(crate) fn sort_total(v: &mut [f64]) {
    const RADIX_MIN: usize = 256;
    if v.len() < RADIX_MIN {
        v.sort_unstable_by(f64::total_cmp);
        return;
    }
    // The key of `total_cmp`: flip all bits of negatives, only the sign bit of the rest.
    let key = |x: f64| {
        let b = x.to_bits();
        b ^ ((((b as i64) >> 63) as u64) | (1 << 63))
    };
    let mut keys: Vec<u64> = v.iter().map(|&x| key(x)).collect();
    let mut counts = vec![[0usize; 256]; 8];
    for &k in &keys {
        for (d, c) in counts.iter_mut().enumerate() {
            c[((k >> (8 * d)) & 0xff) as usize] += 1;
        }
    }
    let mut tmp = vec![0u64; keys.len()];
    for (d, c) in counts.iter().enumerate() {
        if c.contains(&keys.len()) {
            continue; // every key has the same digit here: the pass would not move anything
        }
        let mut start = [0usize; 256];
        let mut acc = 0;
        for (s, &n) in start.iter_mut().zip(c.iter()) {
            *s = acc;
            acc += n;
        }
        for &k in &keys {
            let b = ((k >> (8 * d)) & 0xff) as usize;
            tmp[start[b]] = k;
            start[b] += 1;
        }
        std::mem::swap(&mut keys, &mut tmp);
    }
    for (x, &k) in v.iter_mut().zip(&keys) {
        // Invert the key: positives had only the sign bit flipped, negatives every bit.
        let b = if k >> 63 == 1 { k ^ (1 << 63) } else { !k };
        *x = f64::from_bits(b);
    }
}

/// `v` in ascending `total_cmp` order: `v` itself when it already is (checked in one pass),
/// else a sorted copy. Both are the array [`sort_total`] gives: `total_cmp` calls two values
/// equal only when their bits are, so a sorted array is the one sorted permutation of its values.
pub(crate) fn sorted_total(v: &[f64]) -> Cow<'_, [f64]> {
    if v.is_sorted_by(|a, b| a.total_cmp(b).is_le()) {
        Cow::Borrowed(v)
    } else {
        let mut s = v.to_vec();
        sort_total(&mut s);
        Cow::Owned(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::ks::tests::random_sample;

    #[test]
    fn a_sorted_sample_is_used_in_place_and_equals_its_sort() {
        let mut state = 0x51_7CC1_B727_220A;
        for round in 0..400 {
            let len = [0, 1, 2, 5, 255, 256, 257, 3000][round % 8];
            let v = random_sample(&mut state, len);
            let mut want = v.clone();
            sort_total(&mut want);
            let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&sorted_total(&v)), bits(&want), "round {round}");
            let again = sorted_total(&want);
            assert!(matches!(again, Cow::Borrowed(_)), "round {round}");
            assert_eq!(bits(&again), bits(&want), "round {round}");
        }
        // -0.0 sorts before 0.0: [0.0, -0.0] is not in order and is sorted.
        let z = [0.0, -0.0];
        assert!(matches!(sorted_total(&z), Cow::Owned(_)));
        assert_eq!(sorted_total(&z)[0].to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn radix_sort_equals_total_cmp_sort() {
        let mut state = 0x9E37_79B9_7F4A_7C15;
        for round in 0..400 {
            let len = [0, 1, 5, 255, 256, 257, 1000, 3000][round % 8];
            let v = random_sample(&mut state, len);
            let mut want = v.clone();
            want.sort_by(f64::total_cmp);
            let mut got = v;
            sort_total(&mut got);
            let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "round {round}");
        }
    }
}
