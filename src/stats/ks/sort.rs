//! The sort the KS statistic needs: ascending by `f64::total_cmp`, as `np.sort` orders the
//! samples, by radix on long samples. The experiments sort a column once with it and reuse it.

use std::borrow::Cow;

/// Sort ascending by `f64::total_cmp` (no NaN here). Equal keys are equal bits, so any correct
/// sort gives the same array as numpy's `np.sort`; short samples use pdqsort, long ones
/// [`radix_sort_keys`] on the order-preserving integer key.
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
    radix_sort_keys(&mut keys, &mut Vec::new());
    for (x, &k) in v.iter_mut().zip(&keys) {
        // Invert the key: positives had only the sign bit flipped, negatives every bit.
        let b = if k >> 63 == 1 { k ^ (1 << 63) } else { !k };
        *x = f64::from_bits(b);
    }
}

/// Bits of one radix digit.
const DIGIT: u32 = 8;
/// Digits sorted by radix: the leading `DIGITS · DIGIT` bits of `key − min`.
const DIGITS: usize = 2;
const _: () = assert!(DIGITS % 2 == 0, "the passes must end in `keys`");

/// Sort `keys` ascending: an LSD radix sort on the leading [`DIGITS`] digits of `key − min`
/// (the bits above them are all zero), which leaves out of order only keys that share those
/// bits; an insertion sort then finishes the job (random doubles rarely share 16 leading bits of
/// their spread, so it moves little). Should it move more than a few times the keys (keys
/// crowded into a sliver of their range), the standard sort takes over from where it stands.
/// `scratch` is working space (resized to `keys.len()`; callers sorting many arrays keep it).
pub(crate) fn radix_sort_keys(keys: &mut [u64], scratch: &mut Vec<u64>) {
    let n = keys.len();
    let (min, max) = keys
        .iter()
        .fold((u64::MAX, 0), |(lo, hi), &k| (lo.min(k), hi.max(k)));
    if n < 2 || min == max {
        return;
    }
    let spread = 64 - (max - min).leading_zeros();
    let shift = spread.saturating_sub(DIGIT * DIGITS as u32);
    let digit = |k: u64, d: usize| {
        (((k - min) >> (shift + DIGIT * d as u32)) & ((1 << DIGIT) - 1)) as usize
    };
    let mut counts = [[0u32; 1 << DIGIT]; DIGITS];
    for &k in keys.iter() {
        // Both digits from one subtraction and shift.
        let x = (k - min) >> shift;
        for (d, c) in counts.iter_mut().enumerate() {
            c[((x >> (DIGIT * d as u32)) & ((1 << DIGIT) - 1)) as usize] += 1;
        }
    }
    scratch.resize(n, 0);
    let tmp = &mut scratch[..n];
    for (d, c) in counts.iter().enumerate() {
        let mut start = [0u32; 1 << DIGIT];
        let mut acc = 0;
        for (s, &m) in start.iter_mut().zip(c.iter()) {
            *s = acc;
            acc += m;
        }
        // Even digits go from `keys` to `tmp`, odd ones back: DIGITS is even, so the sorted
        // keys end in `keys`.
        let (from, to): (&[u64], &mut [u64]) = if d % 2 == 0 {
            (&*keys, &mut *tmp)
        } else {
            (&*tmp, &mut *keys)
        };
        for &k in from {
            let b = digit(k, d);
            to[start[b] as usize] = k;
            start[b] += 1;
        }
    }
    if shift == 0 {
        return; // the digits were the whole key: sorted
    }
    finish_by_insertion(keys);
}

/// Sort keys that are sorted but for a few short stretches: an insertion sort, which leaves a
/// key in place after one comparison when it is not below its neighbour. Should it move more
/// than a few times the keys, the standard sort takes over from where it stands.
fn finish_by_insertion(keys: &mut [u64]) {
    let n = keys.len();
    let budget = 4 * n + 64;
    let mut moved = 0;
    for i in 1..n {
        let k = keys[i];
        if keys[i - 1] <= k {
            continue;
        }
        let mut j = i;
        while j > 0 && keys[j - 1] > k {
            keys[j] = keys[j - 1];
            j -= 1;
        }
        keys[j] = k;
        moved += i - j;
        if moved > budget {
            keys.sort_unstable();
            return;
        }
    }
}

/// Bits of [`bucket_sort_keys`]' bucket.
pub(crate) const BUCKET_BITS: u32 = 14;

/// `keys` sorted ascending into `out` (resized to `keys.len()`): one counting pass on a
/// monotone bucket of each key, `min((key − base) >> shift, 2^BUCKET_BITS − 1)` (keys below
/// `base` in bucket 0), then [`finish_by_insertion`] for keys that share a bucket. Any `base`
/// and `shift` sort correctly; the caller picks them so that its keys spread over the buckets
/// (one pass instead of [`radix_sort_keys`]' two, for keys whose distribution it knows).
pub(crate) fn bucket_sort_keys(keys: &[u64], out: &mut Vec<u64>, base: u64, shift: u32) {
    const TOP: u64 = (1 << BUCKET_BITS) - 1;
    let bucket = |k: u64| (k.saturating_sub(base) >> shift).min(TOP) as usize;
    let mut start = [0u32; 1 << BUCKET_BITS];
    for &k in keys {
        start[bucket(k)] += 1;
    }
    let mut acc = 0;
    for s in start.iter_mut() {
        (*s, acc) = (acc, acc + *s);
    }
    // Every slot is written below: only the length matters.
    out.resize(keys.len(), 0);
    for &k in keys {
        let b = bucket(k);
        out[start[b] as usize] = k;
        start[b] += 1;
    }
    finish_by_insertion(out);
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
    use crate::stats::ks::tests::{random_sample, xorshift};

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

    /// The radix sort's other endings: keys whose whole spread fits its digits (no insertion
    /// pass), and keys crowded into a sliver of their spread by one outlier (the insertion
    /// pass gives up and the standard sort finishes).
    #[test]
    fn narrow_and_crowded_keys_sort_as_total_cmp() {
        let mut state = 0x2F1E_6B3D_0C4A_9587;
        for round in 0..60 {
            let len = [256, 300, 3000][round % 3];
            let v: Vec<f64> = (0..len)
                .map(|i| {
                    let r = xorshift(&mut state);
                    match round % 4 {
                        // within a few thousand ulps of 1
                        0 => f64::from_bits(1f64.to_bits() + r % 4096),
                        // crowded near 1 (bottom 30 bits random), one outlier per sample
                        1 if i == 7 => 1e300,
                        1 => f64::from_bits(1f64.to_bits() + r % (1 << 30)),
                        // crowded negatives and a far positive
                        2 if i == 0 => 3.0,
                        2 => -f64::from_bits(1e-3f64.to_bits() + r % (1 << 30)),
                        _ => (r % 5) as f64 * 0.5,
                    }
                })
                .collect();
            let mut want = v.clone();
            want.sort_by(f64::total_cmp);
            let mut got = v;
            sort_total(&mut got);
            let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "round {round}");
        }
    }

    /// The one-pass bucket sort sorts any keys, whatever its base and shift: keys below the
    /// base, above the last bucket, crowded into one bucket (the standard sort finishing),
    /// equal keys, and the spread its caller tunes it for.
    #[test]
    fn bucket_sort_sorts_any_keys() {
        let mut state = 0x3C6E_F372_FE94_F82B;
        let mut out = Vec::new();
        for round in 0..300 {
            let len = [0, 1, 2, 7, 100, 1000, 6000][round % 7];
            let base = xorshift(&mut state) >> (round % 64);
            let shift = (xorshift(&mut state) % 64) as u32;
            let keys: Vec<u64> = (0..len)
                .map(|_| {
                    let r = xorshift(&mut state);
                    match round % 4 {
                        0 => r,
                        1 => base.wrapping_add(r % 64),
                        2 => r % 3,
                        _ => base.wrapping_add(r >> (r % 64)),
                    }
                })
                .collect();
            let mut want = keys.clone();
            want.sort_unstable();
            bucket_sort_keys(&keys, &mut out, base, shift);
            assert_eq!(out, want, "round {round}");
        }
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
