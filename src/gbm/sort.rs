//! scikit-learn's `simultaneous_sort` with three-way partitioning, on packed keys.
//!
//! Mirrors sklearn 1.9 `utils/_sorting.pyx` `simultaneous_sort(use_three_way_partition=True)`:
//! `introsort_3way` (median-of-3 pivot of `v[0]`, `v[n/2]`, `v[n-1]` after Bentley–McIlroy,
//! 3-way partition, recursion on the left part, loop on the right), `heapsort` once the depth
//! budget `2·⌊log2 n⌋` is spent, and `insertion_sort` for runs of at most 15.
//! The sort is not stable; the order it leaves equal keys in decides later float summation
//! orders, so every comparison and swap is copied exactly.
//!
//! A key packs `(ordered f32 bits) << 32 | sample index` into a `u64` so that one swap moves the
//! value and its index together; comparisons look at the high 32 bits only, which order like the
//! float32 values (NaN excluded, `-0.0` mapped to `+0.0` beforehand by [`ordered_bits`]).

/// Runs of at most this many keys are finished by insertion sort (sklearn ≥ 1.9).
const INSERTION_CUTOFF: usize = 15;

/// The float32 value's bits mapped to a `u32` that orders like the value (no NaN; `-0.0` →
/// `+0.0`, which compares equal to it anyway).
#[inline]
pub(crate) fn ordered_bits(v: f32) -> u32 {
    let b = if v == 0.0 { 0 } else { v.to_bits() };
    if b & 0x8000_0000 != 0 {
        !b
    } else {
        b | 0x8000_0000
    }
}

/// Inverse of [`ordered_bits`].
#[cfg(test)]
fn from_ordered_bits(o: u32) -> f32 {
    let b = if o & 0x8000_0000 != 0 {
        o & 0x7fff_ffff
    } else {
        !o
    };
    f32::from_bits(b)
}

#[inline(always)]
fn hi(k: u64) -> u32 {
    (k >> 32) as u32
}

/// Sort `keys` by their high 32 bits exactly as sklearn's `simultaneous_sort` would sort the
/// (values, indices) pair.
pub(crate) fn simultaneous_sort(keys: &mut [u64]) {
    let n = keys.len();
    if n == 0 {
        return;
    }
    // maxd = 2 * <intp_t>log2(n)
    let maxd = 2 * (usize::BITS - 1 - n.leading_zeros());
    introsort_3way(keys, maxd);
}

fn median3(v: &[u64]) -> u32 {
    let n = v.len();
    let (a, b, c) = (hi(v[0]), hi(v[n / 2]), hi(v[n - 1]));
    if a < b {
        if b < c {
            b
        } else if a < c {
            c
        } else {
            a
        }
    } else if b < c {
        if a < c {
            a
        } else {
            c
        }
    } else {
        b
    }
}

fn introsort_3way(keys: &mut [u64], mut maxd: u32) {
    let mut v = keys;
    while v.len() > INSERTION_CUTOFF {
        if maxd == 0 {
            heapsort(v);
            return;
        }
        maxd -= 1;
        let pivot = median3(v);
        let (l, r) = partition3(v, pivot);
        let (left, rest) = v.split_at_mut(l);
        introsort_3way(left, maxd);
        v = &mut rest[r - l..];
    }
    insertion_sort(v);
}

/// One three-way partition pass of sklearn's `introsort` around `pivot`: returns `(l, r)` with
/// `v[..l] < pivot`, `v[l..r] == pivot`, `v[r..] > pivot`, each key where the Cython swap loop
/// leaves it. (Branch-free and run-aware variants of this loop were measured on the sorts of
/// a real fit and were no faster, so it stays the plain transcription.)
#[inline]
fn partition3(v: &mut [u64], pivot: u32) -> (usize, usize) {
    let (mut i, mut l, mut r) = (0usize, 0usize, v.len());
    while i < r {
        let x = hi(v[i]);
        if x < pivot {
            v.swap(i, l);
            i += 1;
            l += 1;
        } else if x > pivot {
            r -= 1;
            v.swap(i, r);
        } else {
            i += 1;
        }
    }
    (l, r)
}

fn insertion_sort(v: &mut [u64]) {
    for i in 1..v.len() {
        let t = v[i];
        let tv = hi(t);
        let mut j = i;
        while j > 0 && hi(v[j - 1]) > tv {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = t;
    }
}

fn heapsort(v: &mut [u64]) {
    let n = v.len();
    // heapify; n > 15 here so (n - 2) / 2 does not underflow.
    let mut start = (n - 2) / 2;
    loop {
        sift_down(v, start, n);
        if start == 0 {
            break;
        }
        start -= 1;
    }
    let mut end = n - 1;
    while end > 0 {
        v.swap(0, end);
        sift_down(v, 0, end);
        end -= 1;
    }
}

fn sift_down(v: &mut [u64], start: usize, end: usize) {
    let mut root = start;
    loop {
        let child = root * 2 + 1;
        let mut maxind = root;
        if child < end && hi(v[maxind]) < hi(v[child]) {
            maxind = child;
        }
        if child + 1 < end && hi(v[maxind]) < hi(v[child + 1]) {
            maxind = child + 1;
        }
        if maxind == root {
            break;
        }
        v.swap(root, maxind);
        root = maxind;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The straightforward transcription of sklearn's `introsort` (swap loop), for comparison.
    fn reference_introsort(v: &mut [u64], mut maxd: u32) {
        let mut v = v;
        while v.len() > INSERTION_CUTOFF {
            if maxd == 0 {
                heapsort(v);
                return;
            }
            maxd -= 1;
            let pivot = median3(v);
            let n = v.len();
            let (mut i, mut l, mut r) = (0usize, 0usize, n);
            while i < r {
                let x = hi(v[i]);
                if x < pivot {
                    v.swap(i, l);
                    i += 1;
                    l += 1;
                } else if x > pivot {
                    r -= 1;
                    v.swap(i, r);
                } else {
                    i += 1;
                }
            }
            let (left, rest) = v.split_at_mut(l);
            reference_introsort(left, maxd);
            v = &mut rest[r - l..];
        }
        insertion_sort(v);
    }

    fn reference_sort(v: &mut [u64]) {
        if !v.is_empty() {
            let maxd = 2 * (usize::BITS - 1 - v.len().leading_zeros());
            reference_introsort(v, maxd);
        }
    }

    /// xorshift64 for test inputs.
    fn next(s: &mut u64) -> u64 {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    #[test]
    fn matches_reference_introsort_on_heavy_ties() {
        // Random lengths (1..3000), cardinalities (1..=200 distinct keys or nearly all distinct)
        // and shapes (random, sorted, reversed, sorted then rotated, organ pipe): the packed
        // index makes every key unique, so equal outputs mean equal tie orders.
        let mut s = 0x2545_f491_4f6c_dd1d_u64;
        let mut checked = 0;
        for case in 0..3000 {
            let n = 1 + (next(&mut s) % if case % 10 == 0 { 3000 } else { 400 }) as usize;
            let card = match case % 4 {
                0 => 2,
                1 => 1 + next(&mut s) % 200,
                2 => 1 + next(&mut s) % 8,
                _ => 1 << 31,
            };
            let mut vals: Vec<u32> = (0..n).map(|_| (next(&mut s) % card) as u32).collect();
            match case % 5 {
                1 => vals.sort_unstable(),
                2 => vals.sort_unstable_by(|a, b| b.cmp(a)),
                3 => {
                    vals.sort_unstable();
                    let k = (next(&mut s) as usize) % n;
                    vals.rotate_left(k);
                }
                4 => {
                    vals.sort_unstable();
                    let (a, b) = vals.split_at_mut(n / 2);
                    b.reverse();
                    a.swap_with_slice(&mut b[..a.len()]);
                }
                _ => {}
            }
            let keys: Vec<u64> = vals
                .iter()
                .enumerate()
                .map(|(i, &v)| (u64::from(v) << 32) | i as u64)
                .collect();
            let mut a = keys.clone();
            let mut b = keys;
            reference_sort(&mut a);
            simultaneous_sort(&mut b);
            assert_eq!(a, b, "case {case}: n {n}, {card} distinct keys");
            checked += 1;
        }
        assert_eq!(checked, 3000);
    }

    #[test]
    fn ordered_bits_round_trip_and_order() {
        let vals = [-3.5f32, -1e-30, 0.0, 1e-30, 2.0, f32::MAX, -f32::MAX];
        for &a in &vals {
            assert_eq!(from_ordered_bits(ordered_bits(a)), a);
            for &b in &vals {
                assert_eq!(a < b, ordered_bits(a) < ordered_bits(b), "{a} {b}");
            }
        }
        assert_eq!(ordered_bits(-0.0), ordered_bits(0.0));
    }

    #[test]
    fn sorts_values_and_keeps_pairs() {
        // A deterministic pseudo-random input with many ties.
        let mut s = 12345u32;
        let mut keys: Vec<u64> = (0..1000u64)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                let v = (s % 37) as f32 - 18.0;
                (u64::from(ordered_bits(v)) << 32) | i
            })
            .collect();
        let mut expect: Vec<(u32, u64)> = keys.iter().map(|k| (hi(*k), *k)).collect();
        simultaneous_sort(&mut keys);
        for w in keys.windows(2) {
            assert!(hi(w[0]) <= hi(w[1]));
        }
        let mut got: Vec<(u32, u64)> = keys.iter().map(|k| (hi(*k), *k)).collect();
        got.sort_unstable();
        expect.sort_unstable();
        assert_eq!(got, expect);
    }
}
