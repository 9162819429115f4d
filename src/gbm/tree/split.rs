//! The best split of one node (sklearn `node_split_best`, `tree/_splitter.pyx`): features drawn
//! in `rand_r` order, each sorted ([`Workspace::sort_node`]) and scanned for split positions
//! with the criterion's running sums (`RegressionCriterion.update`, the MSE proxy), then the
//! samples partitioned at the best one (`partition_samples_final`) and the children's
//! impurities and sums computed from that order.

use super::{Workspace, RAND_R_MAX};
use crate::gbm::sort::hi;

/// sklearn's `FEATURE_THRESHOLD`, a float32 constant: values closer than this are one value.
pub(super) const FEATURE_THRESHOLD: f32 = 1e-7;
/// `1 − 2^−39`: relative margin of the proxy filter, far above the estimate's error (≤ 10
/// ulps); see [`Scan::set_best`].
const SKIP_FACTOR: f64 = 1.0 - 1.0 / (1u64 << 39) as f64;

/// How many positions ahead the distinct scan asks for the cache lines of `y[s]` and `col[s]`.
const PREFETCH_AHEAD: usize = 16;
/// From this many rows on the distinct scan prefetches: below it the fit's columns, `y`, samples
/// and keys (about 36 bytes a row) fit the 2 MB a core's cache holds, and the hints would only
/// add instructions. The crate's own tests take the prefetching path at every size (the
/// fixture tests, built without `cfg(test)`, take the other one).
#[cfg(not(test))]
const PREFETCH_MIN_ROWS: usize = 1 << 16;
#[cfg(test)]
const PREFETCH_MIN_ROWS: usize = 1;

/// A hint that `y[s]` and `col[s]` for `s = samples[q]` will be read soon: at 225,000 rows
/// these gathers miss the core's cache (see docs/gbm-speed.md). No effect on any value, no
/// panic (out-of-range indices are skipped), and nothing at all on other targets.
#[inline(always)]
fn prefetch_sample(samples: &[u32], q: usize, y: &[f64], col: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if let Some(&s) = samples.get(q) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        if let (Some(yv), Some(cv)) = (y.get(s as usize), col.get(s as usize)) {
            // SAFETY: SSE is part of the x86_64 baseline, and a prefetch reads nothing into
            // the program and never faults; both addresses come from live references.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>((yv as *const f64).cast::<i8>());
                _mm_prefetch::<_MM_HINT_T0>((cv as *const f32).cast::<i8>());
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (samples, q, y, col);
}

/// sklearn `our_rand_r`: xorshift32, seed 0 replaced by 1, result modulo 2^31.
#[inline]
pub(super) fn our_rand_r(state: &mut u32) -> u32 {
    if *state == 0 {
        *state = 1;
    }
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    *state % (RAND_R_MAX + 1)
}

/// sklearn `rand_int(low, high)`: `low + our_rand_r() % (high − low)`.
#[inline]
fn rand_int(low: usize, high: usize, state: &mut u32) -> usize {
    low + (our_rand_r(state) as usize) % (high - low)
}

pub(super) struct Split {
    pub(super) pos: usize,
    pub(super) feature: usize,
    pub(super) threshold: f64,
    pub(super) improvement: f64,
    pub(super) impurity_left: f64,
    pub(super) impurity_right: f64,
    /// `(Σy, Σy²)` over `samples[start..pos]` summed from 0.0 in order, if computed.
    pub(super) left_sums: Option<(f64, f64)>,
    /// The same over `samples[pos..end]`, if computed.
    pub(super) right_sums: Option<(f64, f64)>,
}

/// Sequential `(Σy, Σy²)` over `y[s]` for `s` in `samples`, both from 0.0 in order
/// (`RegressionCriterion.init`; Cython's `**2.0` compiles to x·x).
#[inline]
pub(super) fn node_sums(y: &[f64], samples: &[u32]) -> (f64, f64) {
    let (mut sum, mut sq) = (0.0, 0.0);
    for &s in samples {
        let yi = y[s as usize];
        sum += yi;
        sq += yi * yi;
    }
    (sum, sq)
}

/// The split scan of one feature at one node: `RegressionCriterion.update` at increasing
/// positions of the sorted `samples`, then the MSE proxy (`proxy_impurity_improvement`).
struct Scan<'a> {
    y: &'a [f64],
    samples: &'a [u32],
    /// `rchain[q] = sum_total − y[m−1] − … − y[q]` (the `reverse_reset` chain), filled lazily
    /// from the end down to `r_lo`, the smallest position a reverse update needed.
    rchain: &'a mut [f64],
    inv: &'a [f64],
    r_lo: usize,
    /// The position `sum_left` was last updated to.
    pos: usize,
    sum_left: f64,
    sum_total: f64,
    m: usize,
    w_node: f64,
    best_proxy: f64,
    /// See [`Scan::set_best`].
    skip_below: f64,
}

impl Scan<'_> {
    /// `criterion.update(p)` (forward adds, or `reverse_reset` and subtractions from the end,
    /// whichever sklearn picks), then whether the proxy at `p` beats the best so far (which it
    /// then becomes).
    #[inline(always)]
    fn improves_at(&mut self, p: usize) -> bool {
        let m = self.m;
        if p - self.pos <= m - p {
            for &s in &self.samples[self.pos..p] {
                self.sum_left += self.y[s as usize];
            }
        } else {
            while self.r_lo > p {
                let q = self.r_lo - 1;
                self.rchain[q] = self.rchain[q + 1] - self.y[self.samples[q] as usize];
                self.r_lo = q;
            }
            self.sum_left = self.rchain[p];
        }
        self.pos = p;
        let sum_right = self.sum_total - self.sum_left;
        let (sl2, sr2) = (self.sum_left * self.sum_left, sum_right * sum_right);
        // Filter: the estimate differs from the exact proxy by a few ulps (both are sums of
        // two non-negative terms, each off by at most 4 roundings; MIN_POSITIVE covers
        // underflow), so when the estimate is below `skip_below`, the exact proxy cannot be
        // strictly larger than the best.
        let estimate = sl2 * self.inv[p] + sr2 * self.inv[m - p];
        if estimate < self.skip_below {
            return false;
        }
        let w_left = p as f64;
        let w_right = self.w_node - w_left;
        let proxy = sl2 / w_left + sr2 / w_right;
        if proxy > self.best_proxy {
            self.set_best(proxy);
            return true;
        }
        false
    }

    /// The scan of a column with no or few ties, over every position in `lo..=hi_p`
    /// (`1 ≤ lo`, `hi_p < m`), from a fresh scan (`pos` 0, `sum_left` 0.0), each tested as
    /// a split position by its value step. Returns the last improving `(p, previous value,
    /// value)`.
    ///
    /// The same operations as [`Scan::improves_at`] at each split position, with the forward
    /// additions done one position at a time as the scan passes them (the same additions on
    /// the same running sum, in the same order: the forward update from `pos` to `p` adds
    /// `y` of `samples[pos..p]` in order); where sklearn updates from the end instead, the
    /// running sum is replaced by that chain's value, as `improves_at` does.
    #[inline(always)]
    fn distinct<const PREFETCH: bool>(
        &mut self,
        col: &[f32],
        lo: usize,
        hi_p: usize,
    ) -> Option<(usize, f32, f32)> {
        let (y, m) = (self.y, self.m);
        let samples = &self.samples[..=hi_p];
        let inv = &self.inv[..=m];
        let mut acc = 0.0;
        for &s in &samples[..lo - 1] {
            acc += y[s as usize];
        }
        let mut prev_s = samples[lo - 1];
        let mut prev_v = col[prev_s as usize];
        let mut found = None;
        let (mut pos, mut best, mut skip_below) = (self.pos, self.best_proxy, self.skip_below);
        for p in lo..=hi_p {
            if PREFETCH {
                prefetch_sample(samples, p + PREFETCH_AHEAD, y, col);
            }
            let s = samples[p];
            let cur_v = col[s as usize];
            acc += y[prev_s as usize];
            prev_s = s;
            let pv = prev_v;
            prev_v = cur_v;
            if cur_v <= pv + FEATURE_THRESHOLD {
                continue;
            }
            if p - pos > m - p {
                acc = self.reverse_sum(p);
            }
            pos = p;
            let sum_right = self.sum_total - acc;
            let (sl2, sr2) = (acc * acc, sum_right * sum_right);
            // The filter of `improves_at`.
            if sl2 * inv[p] + sr2 * inv[m - p] < skip_below {
                continue;
            }
            let w_left = p as f64;
            let w_right = self.w_node - w_left;
            let proxy = sl2 / w_left + sr2 / w_right;
            if proxy > best {
                best = proxy;
                skip_below = (proxy - f64::MIN_POSITIVE) * SKIP_FACTOR;
                found = Some((p, pv, cur_v));
            }
        }
        self.pos = pos;
        self.sum_left = acc;
        self.set_best(best);
        debug_assert_eq!(self.skip_below, skip_below);
        found
    }

    /// [`Scan::distinct`] for a column whose every position is a split position (its values
    /// step past `FEATURE_THRESHOLD` between any two neighbours: `Workspace::gaps_clear`),
    /// over `lo..=hi_p` with `1 ≤ lo ≤ hi_p < m`, from a fresh scan. Returns the last
    /// improving position.
    ///
    /// The first position is [`Scan::improves_at`]'s (sklearn may update it from the end).
    /// After it, the last update is always at the position before (`p − pos = 1 ≤ m − p`), so
    /// sklearn's update is the forward one, one addition: the value test and the choice of
    /// direction drop out of the loop, and each position costs the running sum, the filter
    /// and, rarely, the exact proxy: the same operations, in the same order, as
    /// [`Scan::distinct`] does there.
    #[inline(always)]
    fn every_position(&mut self, lo: usize, hi_p: usize) -> Option<usize> {
        let (y, m) = (self.y, self.m);
        debug_assert!(1 <= lo && lo <= hi_p && hi_p < m);
        let mut found = None;
        if self.improves_at(lo) {
            found = Some(lo);
        }
        let mut acc = self.sum_left;
        let (sum_total, w_node) = (self.sum_total, self.w_node);
        let (mut best, mut skip_below) = (self.best_proxy, self.skip_below);
        // Position p adds samples[p − 1] and weighs by inv[p] and inv[m − p].
        let prev = &self.samples[lo..hi_p];
        let inv_left = &self.inv[lo + 1..=hi_p];
        let inv_right = &self.inv[m - hi_p..m - lo];
        for (p, ((&s, &il), &ir)) in
            (lo + 1..).zip(prev.iter().zip(inv_left).zip(inv_right.iter().rev()))
        {
            acc += y[s as usize];
            let sum_right = sum_total - acc;
            let (sl2, sr2) = (acc * acc, sum_right * sum_right);
            // The filter of `improves_at`.
            if sl2 * il + sr2 * ir < skip_below {
                continue;
            }
            let w_left = p as f64;
            let w_right = w_node - w_left;
            let proxy = sl2 / w_left + sr2 / w_right;
            if proxy > best {
                best = proxy;
                skip_below = (proxy - f64::MIN_POSITIVE) * SKIP_FACTOR;
                found = Some(p);
            }
        }
        self.pos = hi_p;
        self.sum_left = acc;
        self.set_best(best);
        debug_assert_eq!(self.skip_below, skip_below);
        found
    }

    /// `sum_total − y[m−1] − … − y[p]`, the `reverse_reset` chain down to `p`.
    #[inline(never)]
    fn reverse_sum(&mut self, p: usize) -> f64 {
        while self.r_lo > p {
            let q = self.r_lo - 1;
            self.rchain[q] = self.rchain[q + 1] - self.y[self.samples[q] as usize];
            self.r_lo = q;
        }
        self.rchain[p]
    }

    /// Record a new best proxy and the estimate below which a position cannot beat it:
    /// `(best − MIN_POSITIVE)·(1 − 2^−39)`. For an estimate below that (roundings included),
    /// `estimate·(1 + 10 ulps) + MIN_POSITIVE` — a bound on the exact proxy — is below the
    /// best; a best under MIN_POSITIVE (or −∞) gives a bound under 0, so nothing is skipped.
    #[inline(always)]
    fn set_best(&mut self, proxy: f64) {
        self.best_proxy = proxy;
        self.skip_below = (proxy - f64::MIN_POSITIVE) * SKIP_FACTOR;
    }
}

impl Workspace {
    /// sklearn `node_split_best` for dense float32 data without missing values, the MSE
    /// criterion, `max_features = n_features` and no monotonic constraints.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn node_split_best(
        &mut self,
        y: &[f64],
        rstate: &mut u32,
        min_samples_leaf: usize,
        start: usize,
        end: usize,
        (sum_total, sq_total): (f64, f64),
        w_total: f64,
        impurity: f64,
        n_constant: &mut usize,
        want_child_sums: bool,
    ) -> Split {
        let n = self.n;
        let n_features = self.n_features;
        let m = end - start;
        let w_node = m as f64;
        let n_known_constants = *n_constant;
        let mut n_total_constants = n_known_constants;
        let mut f_i = n_features;
        let (mut n_visited, mut n_found_constants, mut n_drawn_constants) =
            (0usize, 0usize, 0usize);
        let mut best_proxy = f64::NEG_INFINITY;
        let at_root = start == 0 && end == n && n_known_constants == 0;
        let mut root_seq: Vec<usize> = Vec::new();
        // The feature whose sorted order `samples[start..end]` is in.
        let mut last_sorted = None;
        let mut best = Split {
            pos: end,
            feature: 0,
            threshold: 0.0,
            improvement: f64::NEG_INFINITY,
            impurity_left: f64::INFINITY,
            impurity_right: f64::INFINITY,
            left_sums: None,
            right_sums: None,
        };
        while f_i > n_total_constants
            && (n_visited < n_features || n_visited <= n_found_constants + n_drawn_constants)
        {
            n_visited += 1;
            let mut f_j = rand_int(n_drawn_constants, f_i - n_found_constants, rstate);
            if f_j < n_known_constants {
                self.features.swap(n_drawn_constants, f_j);
                n_drawn_constants += 1;
                continue;
            }
            f_j += n_found_constants;
            let feature = self.features[f_j];

            // sort_samples_and_feature_values
            if at_root {
                root_seq.push(feature);
            }
            self.sort_node(feature, start, end, at_root.then_some(&root_seq[..]));
            last_sorted = Some(feature);
            let col = &self.xf[feature * n..(feature + 1) * n];
            let samples = &self.samples[start..end];
            let (first, last) = (col[samples[0] as usize], col[samples[m - 1] as usize]);
            if last <= first + FEATURE_THRESHOLD {
                self.features.swap(f_j, n_total_constants);
                n_found_constants += 1;
                n_total_constants += 1;
                continue;
            }
            f_i -= 1;
            self.features.swap(f_i, f_j);

            // criterion.reset(), then scan the split positions (next_p): p is a split
            // position when value[p] > value[p−1] + FEATURE_THRESHOLD (float32 add).
            let mut scan = Scan {
                y,
                samples,
                rchain: &mut self.rchain[..m + 1],
                inv: &self.inv,
                r_lo: m,
                pos: 0,
                sum_left: 0.0,
                sum_total,
                m,
                w_node,
                best_proxy: f64::NEG_INFINITY,
                skip_below: f64::NEG_INFINITY,
            };
            scan.set_best(best_proxy);
            scan.rchain[m] = sum_total;
            let mut found = None;
            #[cfg(test)]
            let plain = self.plain_scan;
            #[cfg(not(test))]
            let plain = false;
            if plain {
                #[cfg(test)]
                {
                    found = super::tests::plain_scan(
                        y,
                        col,
                        samples,
                        min_samples_leaf,
                        sum_total,
                        &mut best_proxy,
                    );
                    scan.best_proxy = best_proxy;
                }
            } else if self.distinct[feature] || self.sparse_ties[feature] {
                // Every position in order, with its value test (few or no ties to skip).
                // Positions outside [min_samples_leaf, m − min_samples_leaf] are never split
                // positions.
                let lo = min_samples_leaf.max(1);
                let hi_p = m.saturating_sub(min_samples_leaf);
                if lo <= hi_p && hi_p < m && self.gaps_clear[feature] {
                    #[cfg(test)]
                    {
                        self.path_counts.every_position += 1;
                    }
                    found = scan
                        .every_position(lo, hi_p)
                        .map(|p| (p, col[samples[p - 1] as usize], col[samples[p] as usize]));
                } else if lo <= hi_p {
                    #[cfg(test)]
                    {
                        self.path_counts.distinct += 1;
                    }
                    found = if y.len() >= PREFETCH_MIN_ROWS {
                        scan.distinct::<true>(col, lo, hi_p)
                    } else {
                        scan.distinct::<false>(col, lo, hi_p)
                    };
                }
            } else if self.cum_valid {
                // The sort counted the node's values: the positions where the key changes
                // are the counts below each value, cum[v] in (0, m), in increasing order.
                let card = self.card[feature] as usize;
                let mut last = 0usize;
                for &c in &self.cum[1..card] {
                    let p = c as usize;
                    if p >= m {
                        break;
                    }
                    if p == last {
                        continue;
                    }
                    last = p;
                    let (pv, cur_v) = (col[samples[p - 1] as usize], col[samples[p] as usize]);
                    if cur_v <= pv + FEATURE_THRESHOLD
                        || p < min_samples_leaf
                        || m - p < min_samples_leaf
                    {
                        continue;
                    }
                    if scan.improves_at(p) {
                        found = Some((p, pv, cur_v));
                    }
                }
            } else {
                // Sorted keys: only where the key changes can the value step past the
                // threshold, so equal keys are skipped without looking at the values.
                let keys = &self.keys[start..end];
                let mut prev_k = hi(keys[0]);
                for (p, &k) in keys.iter().enumerate().skip(1) {
                    let hk = hi(k);
                    if hk == prev_k {
                        continue;
                    }
                    prev_k = hk;
                    let (pv, cur_v) = (col[samples[p - 1] as usize], col[samples[p] as usize]);
                    if cur_v <= pv + FEATURE_THRESHOLD
                        || p < min_samples_leaf
                        || m - p < min_samples_leaf
                    {
                        continue;
                    }
                    if scan.improves_at(p) {
                        found = Some((p, pv, cur_v));
                    }
                }
            }
            best_proxy = scan.best_proxy;
            if let Some((p, prev_v, cur_v)) = found {
                best.pos = start + p;
                best.feature = feature;
                best.threshold = f64::from(prev_v) / 2.0 + f64::from(cur_v) / 2.0;
            }
        }

        if best.pos < end {
            // partition_samples_final
            let (feature, thr) = (best.feature, best.threshold);
            let col = &self.xf[feature * n..(feature + 1) * n];
            let samples = &mut self.samples[start..end];
            #[cfg(test)]
            let plain = self.plain_scan;
            #[cfg(not(test))]
            let plain = false;
            if last_sorted == Some(feature) && !plain {
                // The samples are in this feature's sorted order, so the first `best.pos −
                // start` are at or below the threshold (the split's lower value, at most the
                // threshold) and the others above it (the upper value is above the rounded
                // midpoint: two distinct float32 values are 2^29 float64 ulps apart or more).
                // The loop below then walks `ps` to the split and swaps each sample found
                // there with the right part's end in turn, `pe` = m − 1, m − 2, …: the right
                // part rotated left by one (the first swap puts its first sample last, and
                // the rest is the same loop on one sample fewer).
                #[cfg(test)]
                {
                    self.path_counts.rotated += 1;
                }
                samples[best.pos - start..].rotate_left(1);
            } else {
                let (mut ps, mut pe) = (0usize, m);
                while ps < pe {
                    if f64::from(col[samples[ps] as usize]) <= thr {
                        ps += 1;
                    } else {
                        pe -= 1;
                        samples.swap(ps, pe);
                    }
                }
            }
            // criterion.reset(); criterion.update(best.pos) on the partitioned order, and
            // children_impurity's Σy² on the left. The left part's (Σy, Σy²) from 0.0 in order
            // are also the left child's init sums; the right child's are summed alongside when
            // it will be searched (independent chains, interleaved for speed, each in order).
            let bpos = best.pos - start;
            let (left, right) = samples.split_at(bpos);
            let (fwd_sum, sq_left) = if want_child_sums {
                let (mut a, mut b, mut c, mut d) = (0.0, 0.0, 0.0, 0.0);
                let common = left.len().min(right.len());
                for (&sl, &sr) in left[..common].iter().zip(&right[..common]) {
                    let (yl, yr) = (y[sl as usize], y[sr as usize]);
                    a += yl;
                    b += yl * yl;
                    c += yr;
                    d += yr * yr;
                }
                for &s in &left[common..] {
                    let yl = y[s as usize];
                    a += yl;
                    b += yl * yl;
                }
                for &s in &right[common..] {
                    let yr = y[s as usize];
                    c += yr;
                    d += yr * yr;
                }
                best.right_sums = Some((c, d));
                (a, b)
            } else {
                node_sums(y, left)
            };
            let sl = if bpos <= m - bpos {
                fwd_sum
            } else {
                let mut sl = sum_total;
                for &s in right.iter().rev() {
                    sl -= y[s as usize];
                }
                sl
            };
            best.left_sums = Some((fwd_sum, sq_left));
            let w_left = bpos as f64;
            let w_right = w_node - w_left;
            let sr = sum_total - sl;
            let sq_right = sq_total - sq_left;
            let (ml, mr) = (sl / w_left, sr / w_right);
            best.impurity_left = sq_left / w_left - ml * ml;
            best.impurity_right = sq_right / w_right - mr * mr;
            best.improvement = (w_node / w_total)
                * ((impurity - (w_right / w_node * best.impurity_right))
                    - (w_left / w_node * best.impurity_left));
        }

        // Constant-feature bookkeeping: keep the known constants' order for the children.
        self.features[..n_known_constants]
            .copy_from_slice(&self.constant_features[..n_known_constants]);
        self.constant_features[n_known_constants..n_known_constants + n_found_constants]
            .copy_from_slice(
                &self.features[n_known_constants..n_known_constants + n_found_constants],
            );
        *n_constant = n_total_constants;
        best
    }
}
