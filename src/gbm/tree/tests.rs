//! The builder's randomized equivalence tests: each fast path (presorted distinct columns, the
//! filtered key-driven scan, the sparse-ties sort) against the plain builder over random sizes,
//! tie patterns, depths, split and leaf minimums; and small known trees.

use super::split::{our_rand_r, FEATURE_THRESHOLD};
use super::*;

/// A xorshift64 stream from `seed` (the tests' random cases; any nonzero seed).
fn xorshift(mut s: u64) -> impl FnMut() -> u64 {
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

#[test]
fn presorted_path_builds_the_same_trees_as_sorting() {
    // Columns with all-distinct values take the presorted path; forcing every column
    // through sklearn's introsort must give the same trees node for node and the same
    // final sample order, over random sizes, depths and leaf minimums.
    let mut next = xorshift(0x853c_49e6_748f_ea9b_u64);
    for case in 0..200 {
        let n = 2 + (next() % 600) as usize;
        let nf = 1 + (next() % 3) as usize;
        let mut x = vec![0f32; n * nf];
        for f in 0..nf {
            for i in 0..n {
                x[f * n + i] = match f {
                    // distinct: a permutation of 0..n scaled
                    0 => ((i * 7919) % n) as f32 * 0.25,
                    1 => (next() % 5) as f32,
                    _ => (next() % 1000) as f32 * 1e-3,
                };
            }
        }
        let y: Vec<f64> = (0..n)
            .map(|_| (next() % 1000) as f64 / 500.0 - 1.0)
            .collect();
        let cfg = TreeConfig {
            max_depth: 1 + (next() % 5) as usize,
            min_samples_split: 2 + (next() % 6) as usize,
            min_samples_leaf: 1 + (next() % 4) as usize,
        };
        let seed = (next() % 1000) as u32;
        let mut fast = Workspace::new(&x, n, nf);
        let mut slow = Workspace::new(&x, n, nf);
        assert!(fast.distinct[0]);
        slow.distinct.iter_mut().for_each(|d| *d = false);
        slow.plain_sort = true;
        let (mut a, mut b) = (Tree::default(), Tree::default());
        for round in 0..3 {
            fast.build(&y, seed + round, cfg, &mut a);
            slow.build(&y, seed + round, cfg, &mut b);
            assert_eq!(a, b, "case {case} round {round}: n {n}, {cfg:?}");
            assert_eq!(fast.samples(), slow.samples(), "case {case} round {round}");
        }
    }
}

/// The split scan as the Cython reads: gather y and the values in sample order, test
/// every position (`next_p`, `min_samples_leaf`), update forward or from the end
/// (recomputing the reverse chain each time), and compare the exact proxy, unfiltered.
/// Returns the new best `(p, prev value, value)` if the feature improves `best_proxy`.
pub(super) fn plain_scan(
    y: &[f64],
    col: &[f32],
    samples: &[u32],
    min_samples_leaf: usize,
    sum_total: f64,
    best_proxy: &mut f64,
) -> Option<(usize, f32, f32)> {
    let m = samples.len();
    let ys: Vec<f64> = samples.iter().map(|&s| y[s as usize]).collect();
    let fvs: Vec<f32> = samples.iter().map(|&s| col[s as usize]).collect();
    let (mut pos, mut sum_left, mut found) = (0usize, 0.0f64, None);
    for p in 1..m {
        if fvs[p] <= fvs[p - 1] + FEATURE_THRESHOLD {
            continue;
        }
        if p < min_samples_leaf || m - p < min_samples_leaf {
            continue;
        }
        if p - pos <= m - p {
            for &v in &ys[pos..p] {
                sum_left += v;
            }
        } else {
            sum_left = sum_total;
            for &v in ys[p..].iter().rev() {
                sum_left -= v;
            }
        }
        pos = p;
        let sum_right = sum_total - sum_left;
        let proxy = sum_left * sum_left / p as f64 + sum_right * sum_right / (m - p) as f64;
        if proxy > *best_proxy {
            *best_proxy = proxy;
            found = Some((p, fvs[p - 1], fvs[p]));
        }
    }
    found
}

#[test]
fn fast_scan_builds_the_same_trees_as_the_plain_scan() {
    // The filtered, key-driven scan against `plain_scan`, over random sizes, depths, leaf
    // minimums, tie patterns (distinct, 2, 5, 90 values, float32 steps below
    // FEATURE_THRESHOLD, tied or distinct) and targets with few or many distinct values.
    let mut next = xorshift(0x2545_f491_4f6c_dd1d_u64);
    let mut paths = super::PathCounts::default();
    for case in 0..300 {
        let n = 2 + (next() % 700) as usize;
        let nf = 1 + (next() % 3) as usize;
        let mut x = vec![0f32; n * nf];
        for f in 0..nf {
            let kind = next() % 6;
            for i in 0..n {
                x[f * n + i] = match kind {
                    0 => ((i * 7919) % n) as f32 * 0.5,
                    // distinct, but the lower 60 % in steps below the threshold: the first
                    // split position is far from the start (a reverse update)
                    5 => {
                        let r = ((i * 7919) % n) as f32;
                        if r < 0.6 * n as f32 {
                            1e-3 + r * 1e-9
                        } else {
                            r
                        }
                    }
                    1 => (next() % 2) as f32,
                    2 => (next() % 5) as f32 - 2.0,
                    3 => (next() % 90) as f32,
                    // steps of 1e-8 around 1: many values closer than the threshold
                    _ => 1.0 + (next() % 50) as f32 * 1e-8,
                };
            }
        }
        let levels = 1 + next() % 1000;
        let y: Vec<f64> = (0..n)
            .map(|_| (next() % levels) as f64 / 37.0 - 0.4)
            .collect();
        let cfg = TreeConfig {
            max_depth: 1 + (next() % 5) as usize,
            min_samples_split: 2 + (next() % 6) as usize,
            min_samples_leaf: 1 + (next() % 5) as usize,
        };
        let seed = (next() % 1000) as u32;
        let mut fast = Workspace::new(&x, n, nf);
        let mut slow = Workspace::new(&x, n, nf);
        slow.plain_scan = true;
        slow.plain_sort = true;
        let (mut a, mut b) = (Tree::default(), Tree::default());
        for round in 0..3 {
            fast.build(&y, seed + round, cfg, &mut a);
            slow.build(&y, seed + round, cfg, &mut b);
            assert_eq!(a, b, "case {case} round {round}: n {n}, {cfg:?}");
            assert_eq!(fast.samples(), slow.samples(), "case {case} round {round}");
        }
        paths.every_position += fast.path_counts.every_position;
        paths.distinct += fast.path_counts.distinct;
        paths.rotated += fast.path_counts.rotated;
        paths.own_list_kept += fast.path_counts.own_list_kept;
    }
    // Both scans of a distinct column ran: every position a split position (values 0.5
    // apart), and the value test needed (steps below the threshold); and the final partition
    // as a rotation (the plain builder always runs sklearn's loop), and a split on a listed
    // feature that keeps its own presorted list (the plain builder partitions every list).
    assert!(
        paths.every_position > 100
            && paths.distinct > 100
            && paths.rotated > 100
            && paths.own_list_kept > 100,
        "{paths:?}"
    );
}

#[test]
fn sparse_ties_path_builds_the_same_trees_as_the_plain_builder() {
    // Columns with few ties (distinct values with a few repeated), many ties, or none,
    // taking the sparse-ties sort (by its own choice or forced) against the plain builder
    // (every column through sklearn's full introsort, the plain scan), over random sizes,
    // depths, split and leaf minimums.
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15_u64);
    let mut paths = crate::gbm::sort::SparsePaths::default();
    for case in 0..250 {
        let n = 2 + (next() % if case % 10 == 0 { 3000 } else { 600 }) as usize;
        let nf = 1 + (next() % 3) as usize;
        let mut x = vec![0f32; n * nf];
        for f in 0..nf {
            let kind = next() % 5;
            let col = &mut x[f * n..(f + 1) * n];
            for (i, v) in col.iter_mut().enumerate() {
                *v = match kind {
                    0 | 1 => ((i * 7919) % n) as f32 * 0.5 + (next() % 3) as f32 * 1e-9,
                    2 => (next() % 90) as f32,
                    // the lower 60 % in steps below the threshold (a reverse update)
                    4 => {
                        let r = ((i * 7919) % n) as f32;
                        if r < 0.6 * n as f32 {
                            1e-3 + r * 1e-9
                        } else {
                            r
                        }
                    }
                    _ => (next() % 2) as f32,
                };
            }
            if kind == 1 || kind == 4 {
                // a few ties among distinct values
                for _ in 0..1 + next() % 6 {
                    let (a, b) = ((next() as usize) % n, (next() as usize) % n);
                    col[a] = col[b];
                }
            }
        }
        let levels = 1 + next() % 1000;
        let y: Vec<f64> = (0..n)
            .map(|_| (next() % levels) as f64 / 37.0 - 0.4)
            .collect();
        let cfg = TreeConfig {
            max_depth: 1 + (next() % 6) as usize,
            min_samples_split: 2 + (next() % 6) as usize,
            min_samples_leaf: 1 + (next() % 5) as usize,
        };
        let seed = (next() % 1000) as u32;
        let limit = if case % 2 == 0 {
            n
        } else {
            n / SPARSE_TIES_PER
        };
        let mut fast = Workspace::with_sparse_limit(&x, n, nf, limit);
        let mut slow = Workspace::new(&x, n, nf);
        slow.plain_scan = true;
        slow.plain_sort = true;
        slow.distinct.iter_mut().for_each(|d| *d = false);
        slow.sparse_ties.iter_mut().for_each(|d| *d = false);
        let (mut a, mut b) = (Tree::default(), Tree::default());
        for round in 0..3 {
            fast.build(&y, seed + round, cfg, &mut a);
            slow.build(&y, seed + round, cfg, &mut b);
            assert_eq!(a, b, "case {case} round {round}: n {n}, {cfg:?}");
            assert_eq!(fast.samples(), slow.samples(), "case {case} round {round}");
        }
        paths.add(fast.sort_scratch.sparse_paths);
    }
    // The sparse-ties sort's partitions took each path: one key equal to the pivot with ties
    // on both sides, on the left or the right only (the other side filled from the list), the
    // general partition, and lopsided levels followed without moving the subarray.
    assert!(paths.each_over(20), "{paths:?}");
}

#[test]
fn rand_r_matches_xorshift() {
    let mut s = 0u32;
    // seed 0 -> 1; 1 ^ 1<<13 = 8193; ^ >>17 = 8193; ^ <<5 = 8193 ^ 262176 = 270369
    assert_eq!(our_rand_r(&mut s), 270_369);
    assert_eq!(s, 270_369);
}

#[test]
fn splits_a_step_function() {
    // y jumps at x = 5: the root splits there, threshold 4.5 + 0.5 halves.
    let n = 10;
    let x: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let y: Vec<f64> = (0..n).map(|i| if i < 5 { -1.0 } else { 1.0 }).collect();
    let mut ws = Workspace::new(&x, n, 1);
    let mut tree = Tree::default();
    let cfg = TreeConfig {
        max_depth: 3,
        min_samples_split: 2,
        min_samples_leaf: 1,
    };
    ws.build(&y, 7, cfg, &mut tree);
    assert_eq!(tree.feature[0], 0);
    assert_eq!(tree.threshold[0], 4.5);
    assert_eq!(tree.node_count(), 3);
    // Leaf values are the boosting step's to fill.
    assert_eq!(tree.value, vec![0.0, 0.0, 0.0]);
    assert_eq!(tree.apply(&[4.0]), 1);
    assert_eq!(tree.apply(&[6.0]), 2);
}

/// The two-thread tests' targets (pure below `cut` in the scrambled order, one case in three),
/// tree limits and `rand_r` seed, drawn from `next`.
#[cfg(not(target_arch = "wasm32"))]
fn two_thread_case(
    next: &mut impl FnMut() -> u64,
    n: usize,
    cut: usize,
) -> (Vec<f64>, TreeConfig, u32) {
    let levels = 1 + next() % 400;
    let pure_low = next() % 3 == 0;
    let y: Vec<f64> = (0..n)
        .map(|i| {
            if pure_low && ((i * 7919) % n) < cut {
                0.25
            } else {
                (next() % levels) as f64 / 37.0 - 0.4
            }
        })
        .collect();
    let cfg = TreeConfig {
        max_depth: 1 + (next() % 6) as usize,
        min_samples_split: 2 + (next() % 6) as usize,
        min_samples_leaf: 1 + (next() % 5) as usize,
    };
    let seed = (next() % 100_000) as u32;
    (y, cfg, seed)
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn two_threads_build_the_same_trees_as_one() {
    // The right subtree grown on a second thread from a speculated rand_r state and feature
    // order, against the same workspace on one thread and the plain builder, over columns
    // with dense ties, sparse ties, distinct values and constants in one part of the data,
    // targets that make pure nodes, depths 1-6, split and leaf minimums: equal trees, leaves
    // and sample orders, with the speculation both holding and failing.
    let mut next = xorshift(0x6a09_e667_f3bc_c909_u64);
    let (mut hits, mut misses, mut restarts) = (0, 0, 0);
    for case in 0..300 {
        let n = 40 + (next() % if case % 10 == 0 { 5000 } else { 900 }) as usize;
        let nf = 1 + (next() % 3) as usize;
        let mut x = vec![0f32; n * nf];
        // Column 0 decides the "regions": constant columns and pure targets in one of them.
        let cut = (next() % n as u64) as usize;
        for f in 0..nf {
            let kind = next() % 6;
            for i in 0..n {
                let r = ((i * 7919) % n) as f32;
                x[f * n + i] = match kind {
                    0 => r * 0.5,
                    1 => r * 0.5 + (next() % 3) as f32 * 1e-9,
                    2 => (next() % 2) as f32,
                    3 => (next() % 7) as f32,
                    // constant in the lower region of column 0
                    4 if f > 0 && ((i * 7919) % n) < cut => 3.0,
                    4 => (next() % 40) as f32,
                    _ => (next() % 300) as f32,
                };
            }
        }
        let (y, cfg, seed) = two_thread_case(&mut next, n, cut);
        let mut par = Workspace::new(&x, n, nf);
        par.par.force(1 + (next() % (n as u64 / 6)) as usize);
        par.par.speculate = case % 2 == 0;
        let mut one = Workspace::new(&x, n, nf);
        let mut plain = Workspace::new(&x, n, nf);
        plain.plain_scan = true;
        plain.plain_sort = true;
        plain.distinct.iter_mut().for_each(|d| *d = false);
        plain.sparse_ties.iter_mut().for_each(|d| *d = false);
        let (mut a, mut b, mut c) = (Tree::default(), Tree::default(), Tree::default());
        for round in 0..3 {
            par.build(&y, seed + round, cfg, &mut a);
            one.build(&y, seed + round, cfg, &mut b);
            plain.build(&y, seed + round, cfg, &mut c);
            assert_eq!(a, b, "case {case} round {round}: n {n}, {cfg:?}");
            assert_eq!(b, c, "case {case} round {round}: n {n}, {cfg:?}");
            assert_eq!(par.samples(), one.samples(), "case {case} round {round}");
            assert_eq!(par.leaves, one.leaves, "case {case} round {round}");
            assert_eq!(one.samples(), plain.samples(), "case {case} round {round}");
        }
        hits += par.par.hits;
        misses += par.par.misses;
        restarts += par.par.restarts;
    }
    eprintln!("hits {hits}, misses {misses}, restarts {restarts}");
    assert!(
        hits > 50 && misses > 5 && restarts > 5,
        "hits {hits}, misses {misses}, restarts {restarts}"
    );
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn two_threads_sort_the_same_trees_as_one() {
    // Every node's sort with its two sides on two threads (sides from 16 keys up, whatever the
    // machine), alone or with the right subtrees on the tree's second thread too, against one
    // thread and the plain builder, over columns with dense ties, sparse ties, distinct values
    // and constants in one region, pure nodes, depths 1-6, split and leaf minimums: equal
    // trees, leaves and sample orders.
    let mut next = xorshift(0xbb67_ae85_84ca_a73b_u64);
    let (mut given, mut ran) = (0, 0);
    for case in 0..200 {
        let n = 40 + (next() % if case % 10 == 0 { 6000 } else { 1500 }) as usize;
        let nf = 1 + (next() % 3) as usize;
        let mut x = vec![0f32; n * nf];
        let cut = (next() % n as u64) as usize;
        for f in 0..nf {
            let kind = next() % 6;
            let col = &mut x[f * n..(f + 1) * n];
            for (i, v) in col.iter_mut().enumerate() {
                let r = ((i * 7919) % n) as f32;
                *v = match kind {
                    0 => r * 0.5,
                    1 => r * 0.5 + (next() % 3) as f32 * 1e-9,
                    2 => (next() % 2) as f32,
                    3 => (next() % 90) as f32,
                    4 if f > 0 && ((i * 7919) % n) < cut => 3.0,
                    4 => (next() % 40) as f32,
                    _ => (next() % 300) as f32,
                };
            }
            if kind == 1 {
                // a few ties among distinct values: the sparse-ties sort
                for _ in 0..1 + next() % 8 {
                    let (a, b) = ((next() as usize) % n, (next() as usize) % n);
                    col[a] = col[b];
                }
            }
        }
        let (y, cfg, seed) = two_thread_case(&mut next, n, cut);
        let mut two = Workspace::new(&x, n, nf);
        two.sort_scratch
            .set_fork(Some(16 + (next() % (n as u64 / 4)) as usize));
        two.sort_scratch.fork_wait_taken(case % 2 == 0);
        if case % 3 == 0 {
            two.par.force(1 + (next() % (n as u64 / 6)) as usize);
        }
        let mut one = Workspace::new(&x, n, nf);
        one.sort_scratch.set_fork(None);
        one.par.force(usize::MAX);
        let mut plain = Workspace::new(&x, n, nf);
        plain.sort_scratch.set_fork(None);
        plain.par.force(usize::MAX);
        plain.plain_scan = true;
        plain.plain_sort = true;
        plain.distinct.iter_mut().for_each(|d| *d = false);
        plain.sparse_ties.iter_mut().for_each(|d| *d = false);
        let (mut a, mut b, mut c) = (Tree::default(), Tree::default(), Tree::default());
        for round in 0..3 {
            two.build(&y, seed + round, cfg, &mut a);
            one.build(&y, seed + round, cfg, &mut b);
            plain.build(&y, seed + round, cfg, &mut c);
            assert_eq!(a, b, "case {case} round {round}: n {n}, {cfg:?}");
            assert_eq!(b, c, "case {case} round {round}: n {n}, {cfg:?}");
            assert_eq!(two.samples(), one.samples(), "case {case} round {round}");
            assert_eq!(two.leaves, one.leaves, "case {case} round {round}");
            assert_eq!(one.samples(), plain.samples(), "case {case} round {round}");
        }
        let (g, r) = two.sort_scratch.forks();
        given += g;
        ran += r;
    }
    eprintln!("given {given}, ran {ran}");
    assert!(given > 500 && ran > 200, "given {given}, ran {ran}");
}
