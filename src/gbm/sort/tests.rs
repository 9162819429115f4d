//! The sort's randomized equivalence tests: the introsort, the sparse-ties sort, the bottom-up
//! heapsort and the branch-free partition against sklearn's swap loops as written, over heavy and
//! sparse ties, short depth budgets and every short key pattern. Their place in the fit: they pin
//! the tie order every node's sort leaves, which decides the fit's summation orders.

use super::*;

/// sklearn's `heapsort` as written (the swap loop of `sift_down`), for comparison.
fn reference_heapsort(v: &mut [u64]) {
    let n = v.len();
    if n < 2 {
        return;
    }
    let mut start = (n - 2) / 2;
    loop {
        reference_sift_down(v, start, n);
        if start == 0 {
            break;
        }
        start -= 1;
    }
    let mut end = n - 1;
    while end > 0 {
        v.swap(0, end);
        reference_sift_down(v, 0, end);
        end -= 1;
    }
}

fn reference_sift_down(v: &mut [u64], start: usize, end: usize) {
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

/// The straightforward transcription of sklearn's `introsort` (swap loop), for comparison.
fn reference_introsort(v: &mut [u64], mut maxd: u32) {
    let mut v = v;
    while v.len() > INSERTION_CUTOFF {
        if maxd == 0 {
            reference_heapsort(v);
            return;
        }
        maxd -= 1;
        let pivot = median3(v);
        let (l, r) = partition3(v, pivot);
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
    let mut scratch = SortScratch::default();
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
        let mut c = b.clone();
        reference_sort(&mut a);
        simultaneous_sort(&mut b, &mut scratch);
        assert_eq!(a, b, "case {case}: n {n}, {card} distinct keys");
        if card <= 1000 {
            let cum = counts_below(&c, card as usize);
            simultaneous_sort_counted(&mut c, &cum, &mut scratch);
            assert_eq!(a, c, "case {case} (counted): n {n}, {card} distinct keys");
        }
        checked += 1;
    }
    assert_eq!(checked, 3000);
}

#[test]
fn sparse_ties_sort_matches_reference_introsort() {
    // Few ties (a handful of repeated values among distinct ones), many ties, none, and
    // all equal; random, sorted and reversed inputs; lengths around the insertion cutoff
    // and up to 5000.
    let mut s = 0x6a09_e667_f3bc_c909_u64;
    let mut scratch = SortScratch::default();
    for case in 0..4000 {
        let n = 1 + (next(&mut s) % if case % 10 == 0 { 5000 } else { 300 }) as usize;
        let mut vals: Vec<u32> = match case % 4 {
            0 => (0..n as u32)
                .map(|i| i.wrapping_mul(2_654_435_761))
                .collect(),
            1 => (0..n).map(|_| (next(&mut s) % 90) as u32).collect(),
            2 => vec![7; n],
            _ => (0..n).map(|_| next(&mut s) as u32).collect(),
        };
        // Sprinkle ties: copy a few values onto other positions.
        let sprinkle = if case % 4 == 2 { 0 } else { next(&mut s) % 8 };
        for _ in 0..sprinkle {
            let (a, b) = ((next(&mut s) as usize) % n, (next(&mut s) as usize) % n);
            vals[a] = vals[b];
        }
        match case % 3 {
            1 => vals.sort_unstable(),
            2 => vals.sort_unstable_by(|a, b| b.cmp(a)),
            _ => {}
        }
        let keys = keyed(&vals);
        let mut sorted = keys.clone();
        sorted.sort_unstable_by_key(|&k| hi(k));
        let mut ties = vec![0u32; n];
        for q in 1..n {
            ties[q] = ties[q - 1] + u32::from(hi(sorted[q]) == hi(sorted[q - 1]));
        }
        let mut a = keys.clone();
        let mut b = keys;
        reference_sort(&mut a);
        simultaneous_sort_sparse_ties(&mut b, &sorted, &ties, &mut scratch);
        assert_eq!(a, b, "case {case}: n {n}, {} ties", ties[n - 1]);
    }
    // Every partition path ran: one key equal to the pivot with ties on both sides, on the
    // left or the right only, the general partition, and lopsided levels followed in place.
    let p = scratch.sparse_paths;
    assert!(p.each_over(100), "{p:?}");
}

/// Test inputs: `n` values of `card` distinct levels in one of five shapes (random, sorted,
/// reversed, sorted then rotated, organ pipe).
fn shaped_values(s: &mut u64, n: usize, card: u64, shape: usize) -> Vec<u32> {
    let mut vals: Vec<u32> = (0..n).map(|_| (next(s) % card) as u32).collect();
    match shape % 5 {
        1 => vals.sort_unstable(),
        2 => vals.sort_unstable_by(|a, b| b.cmp(a)),
        3 => {
            vals.sort_unstable();
            let k = (next(s) as usize) % n;
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
    vals
}

#[test]
fn bottom_up_heapsort_matches_the_swap_loop() {
    // Lengths 2..3000, 1 to 2^31 levels (all equal, two values, the dense columns' 90,
    // nearly distinct), five shapes: equal outputs of unique keys mean equal tie orders.
    let mut s = 0xbb67_ae85_84ca_a73b_u64;
    for case in 0..3000 {
        let n = 2 + (next(&mut s) % if case % 10 == 0 { 3000 } else { 300 }) as usize;
        let card = [1, 2, 3, 8, 90, 1 << 31][case % 6];
        let vals = shaped_values(&mut s, n, card, case / 6);
        let mut a = keyed(&vals);
        let mut b = a.clone();
        reference_heapsort(&mut a);
        heapsort(&mut b);
        assert_eq!(a, b, "case {case}: n {n}, {card} levels");
    }
}

#[test]
fn short_depth_budgets_match_reference_introsort() {
    // Depth budgets of 0..6 send most subarrays to heapsort after a few partitions, in the
    // plain and the sparse-ties sort, with dense and sparse ties.
    let mut s = 0x3c6e_f372_fe94_f82b_u64;
    let mut scratch = SortScratch::default();
    for case in 0..3000 {
        let n = 1 + (next(&mut s) % if case % 10 == 0 { 3000 } else { 400 }) as usize;
        let card = [2, 90, 1 << 31][case % 3];
        let mut vals = shaped_values(&mut s, n, card, case / 3);
        for _ in 0..next(&mut s) % 8 {
            let (a, b) = ((next(&mut s) as usize) % n, (next(&mut s) as usize) % n);
            vals[a] = vals[b];
        }
        let maxd = (next(&mut s) % 7) as u32;
        let keys = keyed(&vals);
        let mut a = keys.clone();
        reference_introsort(&mut a, maxd);
        let mut b = keys.clone();
        scratch.reserve(n);
        introsort_3way(&mut b, maxd, &mut scratch, None);
        assert_eq!(a, b, "case {case}: n {n}, {card} levels, maxd {maxd}");
        if card <= 1000 {
            let mut d = keys.clone();
            let cum = counts_below(&d, card as usize);
            introsort_3way_counted(&mut d, &cum, 0, card as u32, maxd, &mut scratch, None);
            assert_eq!(
                a, d,
                "case {case} (counted): n {n}, {card} levels, maxd {maxd}"
            );
        }
        let mut sorted = keys.clone();
        sorted.sort_unstable_by_key(|&k| hi(k));
        let mut ties = vec![0u32; n];
        for q in 1..n {
            ties[q] = ties[q - 1] + u32::from(hi(sorted[q]) == hi(sorted[q - 1]));
        }
        let mut c = keys;
        introsort_3way_sparse(&mut c, 0, maxd, &sorted, &ties, &mut scratch, None);
        assert_eq!(
            a, c,
            "case {case} (sparse ties): n {n}, {card} levels, maxd {maxd}"
        );
    }
}

/// `cum[v]`: the number of keys with high part below `v`, for `v` in `0..=card`.
fn counts_below(keys: &[u64], card: usize) -> Vec<u32> {
    let mut cum = vec![0u32; card + 1];
    for &k in keys {
        cum[hi(k) as usize + 1] += 1;
    }
    for v in 1..=card {
        cum[v] += cum[v - 1];
    }
    cum
}

/// Keys with the given high parts, made unique by their position.
fn keyed(vals: &[u32]) -> Vec<u64> {
    vals.iter()
        .zip(0u64..)
        .map(|(&v, i)| (u64::from(v) << 32) | i)
        .collect()
}

#[test]
fn branch_free_partition_matches_the_swap_loop_on_every_short_pattern() {
    // Every sequence of {<, ==, >} keys of length 0..=10 (88 573 patterns).
    let mut scratch = SortScratch::default();
    scratch.reserve(16);
    let mut count = 0;
    for n in 0..=10u32 {
        for code in 0..3u32.pow(n) {
            let vals: Vec<u32> = (0..n).map(|i| (code / 3u32.pow(i)) % 3 + 5).collect();
            let mut a = keyed(&vals);
            let mut b = a.clone();
            let ra = partition3(&mut a, 6);
            let rb = partition3_branch_free(&mut b, 6, &mut scratch);
            assert_eq!((ra, &a), (rb, &b), "pattern {vals:?}");
            count += 1;
        }
    }
    assert_eq!(count, 88_573);
}

#[test]
fn branch_free_partition_matches_the_swap_loop_on_random_inputs() {
    let mut s = 0x9e37_79b9_7f4a_7c15_u64;
    let mut scratch = SortScratch::default();
    for case in 0..20_000 {
        let n = 1 + (next(&mut s) % if case % 20 == 0 { 5000 } else { 300 }) as usize;
        let card = 1 + next(&mut s) % [2, 3, 5, 90, 1000][case % 5];
        let vals: Vec<u32> = (0..n).map(|_| (next(&mut s) % card) as u32).collect();
        // Pivot: an element (as median-of-3 gives), or any value in range.
        let pivot = if case % 3 == 0 {
            (next(&mut s) % (card + 1)) as u32
        } else {
            vals[(next(&mut s) as usize) % n]
        };
        scratch.reserve(n);
        let mut a = keyed(&vals);
        let mut b = a.clone();
        let ra = partition3(&mut a, pivot);
        let rb = partition3_branch_free(&mut b, pivot, &mut scratch);
        assert_eq!((ra, &a), (rb, &b), "case {case}: n {n}, pivot {pivot}");
    }
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
    simultaneous_sort(&mut keys, &mut SortScratch::default());
    for w in keys.windows(2) {
        assert!(hi(w[0]) <= hi(w[1]));
    }
    let mut got: Vec<(u32, u64)> = keys.iter().map(|k| (hi(*k), *k)).collect();
    got.sort_unstable();
    expect.sort_unstable();
    assert_eq!(got, expect);
}

/// Run `sort` with `two`'s second thread (taken out of it and put back, with its path
/// counts).
#[cfg(not(target_arch = "wasm32"))]
fn with_fork(two: &mut SortScratch, sort: impl FnOnce(&mut SortScratch, Option<&mut Fork>)) {
    let mut fork = two.fork.take();
    sort(two, fork.as_deref_mut());
    two.put_fork(fork);
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn two_threads_sort_the_same_as_one() {
    // The plain, counted and sparse-ties sorts with a partition's two sides on two threads
    // (sides from 16 to 415 keys up, whatever the machine's cores; the second thread made to
    // take every side handed to it, or only those it picks up before this thread is done with
    // the other side, as in a fit) against the same sorts on one thread and sklearn's swap
    // loops: dense ties (2 and 90 levels), sparse ties, nearly distinct keys, five shapes, full
    // and short depth budgets (heapsort on both sides). The packed index makes every key
    // unique, so equal outputs mean equal tie orders.
    let mut s = 0x510e_527f_ade6_82d1_u64;
    let mut one = SortScratch::default();
    let mut two = SortScratch::default();
    let (mut given, mut ran) = (0, 0);
    for case in 0..1200 {
        if case % 40 == 0 {
            let (g, r) = two.forks();
            given += g;
            ran += r;
            two.set_fork(Some(16 + (next(&mut s) % 400) as usize));
            two.fork_wait_taken(case % 80 == 0);
        }
        let n = 1 + (next(&mut s) % if case % 5 == 0 { 20_000 } else { 2_500 }) as usize;
        let card = [2, 90, 1 << 31, 1 << 31][case % 4];
        let mut vals = shaped_values(&mut s, n, card, case / 4);
        if case % 4 == 3 {
            // Sparse ties: a few values copied onto other positions.
            for _ in 0..1 + next(&mut s) % 12 {
                let (a, b) = ((next(&mut s) as usize) % n, (next(&mut s) as usize) % n);
                vals[a] = vals[b];
            }
        }
        let full = 2 * (usize::BITS - 1 - n.leading_zeros());
        let maxd = if case % 3 == 2 {
            (next(&mut s) % 9) as u32
        } else {
            full
        };
        let keys = keyed(&vals);
        let mut expect = keys.clone();
        reference_introsort(&mut expect, maxd);
        one.reserve(n);
        two.reserve(n);
        let msg = format!("case {case}: n {n}, {card} levels, maxd {maxd}");

        let mut a = keys.clone();
        let mut b = keys.clone();
        introsort_3way(&mut a, maxd, &mut one, None);
        with_fork(&mut two, |sc, f| introsort_3way(&mut b, maxd, sc, f));
        assert_eq!(a, expect, "{msg} (one thread)");
        assert_eq!(b, expect, "{msg} (two threads)");

        if card <= 1000 {
            let cum = counts_below(&keys, card as usize);
            let (mut a, mut b) = (keys.clone(), keys.clone());
            let c = card as u32;
            introsort_3way_counted(&mut a, &cum, 0, c, maxd, &mut one, None);
            with_fork(&mut two, |sc, f| {
                introsort_3way_counted(&mut b, &cum, 0, c, maxd, sc, f)
            });
            assert_eq!(a, expect, "{msg} (counted, one thread)");
            assert_eq!(b, expect, "{msg} (counted, two threads)");
        }

        let mut sorted = keys.clone();
        sorted.sort_unstable_by_key(|&k| hi(k));
        let mut ties = vec![0u32; n];
        for q in 1..n {
            ties[q] = ties[q - 1] + u32::from(hi(sorted[q]) == hi(sorted[q - 1]));
        }
        let (mut a, mut b) = (keys.clone(), keys.clone());
        introsort_3way_sparse(&mut a, 0, maxd, &sorted, &ties, &mut one, None);
        with_fork(&mut two, |sc, f| {
            introsort_3way_sparse(&mut b, 0, maxd, &sorted, &ties, sc, f)
        });
        assert_eq!(a, expect, "{msg} (sparse ties, one thread)");
        assert_eq!(b, expect, "{msg} (sparse ties, two threads)");

        // The entry points, which hand a side over only in sorts of at least twice the
        // smallest side.
        let mut c = keys.clone();
        simultaneous_sort_sparse_ties(&mut c, &sorted, &ties, &mut two);
        let mut d = keys;
        reference_sort(&mut d);
        assert_eq!(c, d, "{msg} (sparse ties, entry point)");
    }
    let (g, r) = two.forks();
    given += g;
    ran += r;
    // Both threads sorted sides, and some sides were taken back and sorted here; the second
    // thread's sparse-ties partitions took every path.
    eprintln!("given {given}, ran {ran}");
    assert!(
        given > 1000 && ran > 300 && given - ran > 10,
        "given {given}, ran {ran}"
    );
    let p = two.sparse_paths;
    assert!(p.each_over(100), "{p:?}");
}
