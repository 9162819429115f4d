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
//!
//! `tests.rs` checks every part against sklearn's swap loops as written.

/// Runs of at most this many keys are finished by insertion sort (sklearn ≥ 1.9).
const INSERTION_CUTOFF: usize = 15;

mod fork;
use fork::Fork;

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

/// The value part of a packed key.
#[inline(always)]
pub(crate) fn hi(k: u64) -> u32 {
    (k >> 32) as u32
}

/// Scratch buffers for [`simultaneous_sort`]'s branch-free partition, grown on demand and
/// reused across sorts.
#[derive(Debug, Default)]
pub(crate) struct SortScratch {
    /// The back part's slots that take a key from the front (see [`partition3_known`]).
    holes: Vec<u32>,
    /// The keys not above the pivot in the back part, from the right.
    bnv: Vec<u64>,
    /// The keys above the pivot in the front part, in order, plus a sentinel.
    fg: Vec<u64>,
    /// The sparse-ties sort's subarray in a run of lopsided levels, each sample's slot there,
    /// and two short lists (see [`SortScratch::lopsided_right`]).
    q: Vec<u64>,
    pos: Vec<u32>,
    fg_list: Vec<u64>,
    back_slots: Vec<u64>,
    /// Natively: the second thread that sorts one side of a large partition ([`Fork`]).
    fork: Option<Box<Fork>>,
    /// Tests: how often the sparse-ties sort's partitions took each path.
    #[cfg(test)]
    pub(crate) sparse_paths: SparsePaths,
}

/// Tests: the sparse-ties sort's partitions by path ([`partition3_one_equal`] computing both
/// sides, the left or the right only; [`partition3_known`] when several keys equal the pivot
/// or none is above it).
#[cfg(test)]
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SparsePaths {
    pub(crate) both: usize,
    pub(crate) left_only: usize,
    pub(crate) right_only: usize,
    pub(crate) general: usize,
    /// Levels followed in `SortScratch::q` (`lopsided_right`).
    pub(crate) lopsided: usize,
}

#[cfg(test)]
impl SparsePaths {
    /// Adds another scratch's counts.
    pub(crate) fn add(&mut self, o: SparsePaths) {
        self.both += o.both;
        self.left_only += o.left_only;
        self.right_only += o.right_only;
        self.general += o.general;
        self.lopsided += o.lopsided;
    }

    /// Every path ran more than `min` times.
    pub(crate) fn each_over(&self, min: usize) -> bool {
        [
            self.both,
            self.left_only,
            self.right_only,
            self.general,
            self.lopsided,
        ]
        .iter()
        .all(|&c| c > min)
    }
}

impl SortScratch {
    fn reserve(&mut self, n: usize) {
        if self.holes.len() < n + 2 {
            self.holes.resize(n + 2, 0);
            self.bnv.resize(n + 2, 0);
            self.fg.resize(n + 2, 0);
        }
    }

    /// Natively: sort the two sides of a partition on two threads when both need sorting and
    /// hold at least `min` keys, the smaller a third of the two (`None`: one thread; see
    /// `fork`).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn set_fork(&mut self, min: Option<usize>) {
        self.fork = min.map(|min| Box::new(Fork::new(min)));
    }

    /// Natively: keep the sorts on this thread while `paused` (the other core is busy).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn pause_fork(&mut self, paused: bool) {
        if let Some(f) = &mut self.fork {
            f.paused = paused;
        }
    }

    /// Tests: the second thread takes every left side handed to it before this thread goes
    /// on (`true`), or only those it picks up in time (`false`, as in a fit).
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub(crate) fn fork_wait_taken(&mut self, on: bool) {
        if let Some(f) = &mut self.fork {
            f.wait_taken = on;
        }
    }

    /// Tests: sorts whose two sides were given to the second thread, and of those the ones
    /// it ran (the others were taken back and run here).
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub(crate) fn forks(&self) -> (usize, usize) {
        self.fork.as_ref().map_or((0, 0), |f| f.counts())
    }

    /// The second thread's scratch for a sort of `n` keys, if it may fork.
    fn take_fork(&mut self, n: usize) -> Option<Box<Fork>> {
        match &self.fork {
            Some(f) if !f.paused && n >= f.min().saturating_mul(2) => self.fork.take(),
            _ => None,
        }
    }

    /// Put back what [`SortScratch::take_fork`] took (tests: with its path counts).
    fn put_fork(&mut self, fork: Option<Box<Fork>>) {
        if let Some(f) = fork {
            #[cfg(test)]
            self.sparse_paths.add(f.take_paths());
            self.fork = Some(f);
        }
    }
}

/// Sort `keys` by their high 32 bits exactly as sklearn's `simultaneous_sort` would sort the
/// (values, indices) pair.
pub(crate) fn simultaneous_sort(keys: &mut [u64], scratch: &mut SortScratch) {
    let n = keys.len();
    if n == 0 {
        return;
    }
    scratch.reserve(n);
    // maxd = 2 * <intp_t>log2(n)
    let maxd = 2 * (usize::BITS - 1 - n.leading_zeros());
    let mut fork = scratch.take_fork(n);
    introsort_3way(keys, maxd, scratch, fork.as_deref_mut());
    scratch.put_fork(fork);
}

/// [`simultaneous_sort`] for keys whose high parts are small integers (a column's dense
/// ranks), given `cum[v]`, the number of keys below `v` (`cum.len()` is one more than the
/// largest high part).
///
/// The 3-way partitions leave each subarray holding exactly the keys of a range of values
/// (below the pivot on the left, above it on the right), so the counts a partition needs come
/// from `cum` instead of a pass over the keys, and a subarray of one value, which the swap loop
/// would leave as it is, is not visited. Everything else is sklearn's introsort unchanged.
pub(crate) fn simultaneous_sort_counted(keys: &mut [u64], cum: &[u32], scratch: &mut SortScratch) {
    let n = keys.len();
    if n == 0 {
        return;
    }
    scratch.reserve(n);
    let maxd = 2 * (usize::BITS - 1 - n.leading_zeros());
    let mut fork = scratch.take_fork(n);
    let hi_end = (cum.len() - 1) as u32;
    introsort_3way_counted(keys, cum, 0, hi_end, maxd, scratch, fork.as_deref_mut());
    scratch.put_fork(fork);
}

/// [`introsort_3way`] on a subarray holding exactly the keys with high parts in `lo..hi_end`.
fn introsort_3way_counted(
    keys: &mut [u64],
    cum: &[u32],
    mut lo: u32,
    hi_end: u32,
    mut maxd: u32,
    scratch: &mut SortScratch,
    mut fork: Option<&mut Fork>,
) {
    let mut v = keys;
    loop {
        let len = v.len();
        if len <= INSERTION_CUTOFF {
            insertion_sort(v);
            return;
        }
        if maxd == 0 {
            heapsort(v);
            return;
        }
        // One value only: the partition moves nothing and leaves both sides empty.
        let x = hi(v[0]) as usize;
        if (cum[x + 1] - cum[x]) as usize == len {
            return;
        }
        maxd -= 1;
        let pivot = median3(v);
        let p = pivot as usize;
        let nl = (cum[p] - cum[lo as usize]) as usize;
        let ng = (cum[hi_end as usize] - cum[p + 1]) as usize;
        let (l, r) = partition3_known(v, pivot, nl, ng, scratch);
        let (left, rest) = v.split_at_mut(l);
        let right = &mut rest[r - l..];
        // A side of one value is done at once: not worth the second thread.
        let several = |s: &[u64]| {
            s.first().is_some_and(|&k| {
                ((cum[hi(k) as usize + 1] - cum[hi(k) as usize]) as usize) < s.len()
            })
        };
        if let Some(f) = fork.as_deref_mut() {
            if f.worth(l, right.len()) && several(left) && several(right) {
                let left_side = |s: &mut SortScratch| {
                    introsort_3way_counted(left, cum, lo, pivot, maxd, s, None);
                };
                f.run(l, scratch, left_side, |s| {
                    introsort_3way_counted(right, cum, pivot + 1, hi_end, maxd, s, None);
                });
                return;
            }
        }
        introsort_3way_counted(left, cum, lo, pivot, maxd, scratch, fork.as_deref_mut());
        v = right;
        lo = pivot + 1;
    }
}

/// [`simultaneous_sort`]'s result, computed only where it is not unique.
///
/// `sorted` holds the same keys sorted by value (equal values in any order) and
/// `ties[q]` counts the positions `1..=q` of `sorted` whose value equals the one before.
/// The introsort's 3-way partitions leave every subarray holding exactly the keys of its final
/// positions, so a subarray whose range of `sorted` holds no tie has a unique sorted order:
/// it is filled from `sorted` instead of being partitioned further. Subarrays with a tie run
/// sklearn's passes unchanged (same pivots, same swaps), so equal keys end in its order; their
/// counts below and above a pivot are binary searches in `sorted`. For
/// columns with few ties (a continuous feature at tens of thousands of rows) this replaces
/// about `log2 n` partition passes by about `log2(#ties)` plus one copy. When one key equals
/// the pivot (the usual case), a side of the partition whose final range holds no tie is not
/// computed at all, since the next step fills it from `sorted` ([`partition3_one_equal`]);
/// a run of lopsided levels (a short left side without a tie) is followed in a copy of the
/// subarray, each level moving only the keys that change slots
/// ([`SortScratch::lopsided_right`]).
pub(crate) fn simultaneous_sort_sparse_ties(
    keys: &mut [u64],
    sorted: &[u64],
    ties: &[u32],
    scratch: &mut SortScratch,
) {
    let n = keys.len();
    if n == 0 {
        return;
    }
    scratch.reserve(n);
    let maxd = 2 * (usize::BITS - 1 - n.leading_zeros());
    let mut fork = scratch.take_fork(n);
    introsort_3way_sparse(keys, 0, maxd, sorted, ties, scratch, fork.as_deref_mut());
    scratch.put_fork(fork);
}

fn introsort_3way_sparse(
    keys: &mut [u64],
    mut base: usize,
    mut maxd: u32,
    sorted: &[u64],
    ties: &[u32],
    scratch: &mut SortScratch,
    mut fork: Option<&mut Fork>,
) {
    let mut v = keys;
    // In a run of lopsided levels, the subarray's keys are held in `scratch.q[q0..q0 + len]`
    // instead of `v` (see `lopsided_right`).
    let mut held: Option<usize> = None;
    loop {
        let len = v.len();
        // No tie among the final positions base+1 .. base+len−1: the order is unique.
        if len < 2 || ties[base + len - 1] == ties[base] {
            v.copy_from_slice(&sorted[base..base + len]);
            return;
        }
        // The subarray holds the keys of sorted[base..base + len]: the counts below and
        // above the pivot are two binary searches there, and a subarray of one value, which
        // the partition leaves as it is, is done.
        let s = &sorted[base..base + len];
        if len > INSERTION_CUTOFF && maxd != 0 && hi(s[0]) != hi(s[len - 1]) {
            let pivot = match held {
                Some(q0) => median3(&scratch.q[q0..q0 + len]),
                None => median3(v),
            };
            let nl = s.partition_point(|&k| hi(k) < pivot);
            let ng = len - s.partition_point(|&k| hi(k) <= pivot);
            let r = nl + 1;
            // One key equal to the pivot, a short left side without a tie and a right side
            // with one: the level is followed in `scratch.q` (the left side filled here).
            if ng != 0
                && len - ng == r
                && r * LOPSIDED <= len
                && ties[base + nl - usize::from(nl != 0)] == ties[base]
            {
                maxd -= 1;
                let q0 = match held {
                    Some(q0) => q0,
                    None => {
                        scratch.hold(v);
                        0
                    }
                };
                scratch.lopsided_right(q0, len, r, pivot, &s[..r]);
                v[..nl].copy_from_slice(&s[..nl]);
                v[nl] = s[nl];
                v = &mut std::mem::take(&mut v)[r..];
                base += r;
                held = Some(q0 + r + 1);
                continue;
            }
        }
        if let Some(q0) = held.take() {
            v.copy_from_slice(&scratch.q[q0..q0 + len]);
        }
        if len <= INSERTION_CUTOFF {
            insertion_sort(v);
            return;
        }
        if maxd == 0 {
            heapsort(v);
            return;
        }
        if hi(s[0]) == hi(s[len - 1]) {
            return;
        }
        maxd -= 1;
        let pivot = median3(v);
        let nl = s.partition_point(|&k| hi(k) < pivot);
        let ng = len - s.partition_point(|&k| hi(k) <= pivot);
        let (l, r) = if ng != 0 && len - ng - nl == 1 {
            // One key equals the pivot (the usual case here): a side whose final positions
            // hold no tie is filled from `sorted` by the next step, so it is not computed.
            let r = len - ng;
            let need_left = ties[base + nl - usize::from(nl != 0)] != ties[base];
            let need_right = ties[base + len - 1] != ties[base + r];
            partition3_one_equal(v, s[nl], nl, need_left, need_right, scratch)
        } else {
            #[cfg(test)]
            {
                scratch.sparse_paths.general += 1;
            }
            partition3_known(v, pivot, nl, ng, scratch)
        };
        let (left, rest) = v.split_at_mut(l);
        let right = &mut rest[r - l..];
        // A side with no tie is a copy from `sorted`: not worth the second thread.
        let tied = |b: usize, m: usize| m > 1 && ties[b + m - 1] != ties[b];
        if let Some(f) = fork.as_deref_mut() {
            let (m, rb) = (right.len(), base + r);
            if f.worth(l, m) && tied(base, l) && tied(rb, m) {
                let left_side = |s: &mut SortScratch| {
                    introsort_3way_sparse(left, base, maxd, sorted, ties, s, None);
                };
                f.run(l, scratch, left_side, |s| {
                    introsort_3way_sparse(right, rb, maxd, sorted, ties, s, None);
                });
                return;
            }
        }
        introsort_3way_sparse(left, base, maxd, sorted, ties, scratch, fork.as_deref_mut());
        v = right;
        base += r;
    }
}

/// A level of the sparse-ties sort is followed without moving the subarray when its left
/// side (with no tie) is at most `1 / LOPSIDED` of it; the first level of such a run copies
/// the subarray once, so short left sides are the ones worth it (8 and 4 did worse at 22,500
/// rows).
const LOPSIDED: usize = 16;

impl SortScratch {
    /// Hold `v`'s keys in `q[..v.len()]`, each sample's slot in `pos`.
    fn hold(&mut self, v: &[u64]) {
        self.q.clear();
        self.q.extend_from_slice(v);
        for (i, &k) in v.iter().enumerate() {
            let s = k as u32 as usize;
            if s >= self.pos.len() {
                self.pos.resize(s + 1, 0);
            }
            self.pos[s] = i as u32;
        }
    }

    /// [`partition3_one_equal`]'s right side for the subarray held in `q[q0..q0 + len]`, given
    /// `low`, its `r` keys not above the pivot (the left side and the key equal to it): the
    /// right side is left in `q[q0 + r + 1..q0 + len + 1]`, moving only the keys that change
    /// slots, so a level costs about the left side's length, not the subarray's.
    ///
    /// In [`partition3_known`]'s back pass, slot `t − 1` takes `v[t]` when it is above the pivot
    /// and is a hole otherwise; slot `len − 1` is the first hole, then the slots left by the
    /// back's other keys from the right, and the holes take the front's keys above the pivot in
    /// order, then `v[r]`. Read from slot `r + 1` on, that is: every key above the pivot in the
    /// back stays in its slot of `q`, each of the back's other keys (beyond slot `r`) is
    /// replaced where it is, and one slot is appended for the first hole. The back's other keys
    /// are found by their samples' slots (`pos`), not by a pass over the back.
    fn lopsided_right(&mut self, q0: usize, len: usize, r: usize, pivot: u32, low: &[u64]) {
        #[cfg(test)]
        {
            self.sparse_paths.lopsided += 1;
        }
        let fg = &mut self.fg_list;
        fg.clear();
        fg.extend(self.q[q0..q0 + r].iter().filter(|&&o| hi(o) > pivot));
        fg.push(self.q[q0 + r]);
        let back = &mut self.back_slots;
        back.clear();
        back.extend(
            low.iter()
                .map(|&k| u64::from(self.pos[k as u32 as usize]))
                .filter(|&p| p as usize > q0 + r),
        );
        // Ascending, then read from the right: the slots are distinct, and `[u64]`'s sort is
        // the one the presorted lists already use (one sort fewer in the WASM modules).
        back.sort_unstable();
        debug_assert_eq!(self.q.len(), q0 + len);
        self.q.push(fg[0]);
        self.pos[fg[0] as u32 as usize] = (q0 + len) as u32;
        for (&p, &g) in back.iter().rev().zip(&fg[1..]) {
            self.q[p as usize] = g;
            self.pos[g as u32 as usize] = p as u32;
        }
    }
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

fn introsort_3way(
    keys: &mut [u64],
    mut maxd: u32,
    scratch: &mut SortScratch,
    mut fork: Option<&mut Fork>,
) {
    let mut v = keys;
    while v.len() > INSERTION_CUTOFF {
        if maxd == 0 {
            heapsort(v);
            return;
        }
        maxd -= 1;
        let pivot = median3(v);
        let (l, r) = partition3_branch_free(v, pivot, scratch);
        let (left, rest) = v.split_at_mut(l);
        let right = &mut rest[r - l..];
        if let Some(f) = fork.as_deref_mut().filter(|f| f.worth(l, right.len())) {
            let left_side = |s: &mut SortScratch| introsort_3way(left, maxd, s, None);
            f.run(l, scratch, left_side, |s| {
                introsort_3way(right, maxd, s, None)
            });
            return;
        }
        introsort_3way(left, maxd, scratch, fork.as_deref_mut());
        v = right;
    }
    insertion_sort(v);
}

/// `if c { a } else { b }` by masks, so that the compiler cannot turn it into a branch.
///
/// LLVM sees through the masks and forms a select, and its x86 back end turned the partition's
/// selects back into branches (around the load of `bnv[k]`, and for the swap loop's index),
/// which mispredicted: callgrind's branch simulation counted 382k of the 822k mispredicts of a
/// 2,250-row fit there. `std::hint::select_unpredictable` would say so but is newer than the
/// crate's rust-version, so natively the mask passes through `black_box`, which hides that it
/// is all ones or zeros (a store and a load more); WebAssembly keeps its `select` instruction
/// without it.
#[inline(always)]
fn select(c: bool, a: u64, b: u64) -> u64 {
    let m = u64::from(c).wrapping_neg();
    #[cfg(target_arch = "x86_64")]
    let m = std::hint::black_box(m);
    (a & m) | (b & !m)
}

/// [`partition3`]'s result computed without its data-dependent branches: the counts of keys
/// below and above the pivot, then [`partition3_known`].
#[inline(always)]
fn partition3_branch_free(v: &mut [u64], pivot: u32, scratch: &mut SortScratch) -> (usize, usize) {
    let (nl, ng) = v.iter().fold((0usize, 0usize), |(l, g), &k| {
        (
            l + usize::from(hi(k) < pivot),
            g + usize::from(hi(k) > pivot),
        )
    });
    partition3_known(v, pivot, nl, ng, scratch)
}

/// [`partition3_known`]'s back pass over `v[r..]` from the right: slot `t − 1` takes `v[t]` if
/// it is above the pivot (a G), else it is a hole for the next front G (slot `n − 1` is the
/// first hole). The back's other keys are listed in `bnv` and the holes in `holes`, in that
/// order; returns the number of holes. Writes at index `j + 1` / `j` before `j` moves are
/// overwritten unless `j` moves, so they need no branch. Shared with
/// [`partition3_one_equal`]'s right side.
#[inline(always)]
fn back_pass(v: &mut [u64], r: usize, pivot: u32, holes: &mut [u32], bnv: &mut [u64]) -> usize {
    let n = v.len();
    holes[0] = (n - 1) as u32;
    let mut j = 0usize;
    let mut e = v[n - 1];
    for (t, slot) in (r as u32..(n - 1) as u32).zip(&mut v[r..n - 1]).rev() {
        let ng_e = hi(e) <= pivot;
        let e_next = *slot;
        *slot = e;
        bnv[j] = e;
        holes[j + 1] = t;
        j += usize::from(ng_e);
        e = e_next;
    }
    bnv[j] = e;
    j + 1
}

/// [`partition3`]'s result, given the number of keys below (`nl`) and above (`ng`) the pivot,
/// computed without data-dependent branches.
///
/// The swap loop examines each key once: keys from the front in place, and after each key
/// above the pivot ("G") the next key from the back. With `r = n − ng` (every G ends in
/// `v[r..]`, every other key in `v[..r]`), the k-th G of `v[..r]` is exchanged with the k-th
/// non-G of `v[r..]` counted from the right, and within the back each G moves one slot left
/// while the k-th front G takes the slot just left of the (k−1)-th back non-G (slot `n − 1`
/// for the first; if no front G is left for that slot, `v[r]` itself is the G that takes it).
/// So: one pass over the back from the right shifts its G left and lists its non-G and the
/// slots ("holes") the front G will fill; one pass over the front puts the k-th back non-G in
/// place of the k-th G (listing the G) and runs the `<` / `==` part of the swap loop on the
/// result at the same time, its only branch made a select; the holes then take the front G.
/// Checked against [`partition3`] on every key pattern up to length 10 and on random inputs
/// (tests).
#[inline(always)]
fn partition3_known(
    v: &mut [u64],
    pivot: u32,
    nl: usize,
    ng: usize,
    scratch: &mut SortScratch,
) -> (usize, usize) {
    let n = v.len();
    let r = n - ng;
    let lomuto = nl != 0 && nl != r;
    if ng == 0 {
        if lomuto {
            let mut l = 0usize;
            for i in 0..r {
                let e = v[i];
                let lt = hi(e) < pivot;
                let t = select(lt, l as u64, i as u64) as usize;
                v[i] = v[t];
                v[t] = e;
                l += usize::from(lt);
            }
        }
        return (nl, r);
    }
    let is_g = |k: u64| hi(k) > pivot;
    let holes = &mut scratch.holes[..n + 2];
    let bnv = &mut scratch.bnv[..n + 2];
    let fg = &mut scratch.fg[..n + 2];
    // The back, from the right (back_pass).
    let v_r = v[r];
    let n_holes = back_pass(v, r, pivot, holes, bnv);
    // The front: the k-th G takes the k-th back non-G, and the `<` / `==` swap loop runs
    // on the keys so replaced (a no-op unless the front holds both).
    let mut k = 0usize;
    if lomuto {
        let mut l = 0usize;
        for i in 0..r {
            let o = v[i];
            let g = is_g(o);
            let e = select(g, bnv[k], o);
            fg[k] = o;
            k += usize::from(g);
            let lt = hi(e) < pivot;
            let t = select(lt, l as u64, i as u64) as usize;
            v[i] = v[t];
            v[t] = e;
            l += usize::from(lt);
        }
    } else {
        for x in &mut v[..r] {
            let o = *x;
            let g = is_g(o);
            *x = select(g, bnv[k], o);
            fg[k] = o;
            k += usize::from(g);
        }
    }
    // Sentinel: v[r] takes the last hole when no front G is left for it.
    fg[k] = v_r;
    for (&h, &g) in holes[..n_holes].iter().zip(&fg[..n_holes]) {
        v[h as usize] = g;
    }
    (nl, r)
}

/// [`partition3_known`] when exactly one key, `e_key`, equals the pivot and at least one is
/// above it, computing only the sides asked for: the left part `v[..nl]` if `need_left`, the
/// right part `v[nl + 1..]` if `need_right` (a side not asked for is left holding any keys);
/// `v[nl]` takes `e_key`.
///
/// With one key equal to the pivot, the `<` / `==` swap loop over the front (its keys above
/// the pivot replaced by the back's others, as in [`partition3_known`]) keeps the keys below
/// the pivot in their order: each one found after the equal key swaps with it, so the equal
/// key sits just after the keys below found so far and ends at `nl`. So the front is a stable
/// compaction of the keys below the pivot, and the right part is [`partition3_known`]'s back
/// pass and holes unchanged. A side not computed still has its keys read: the front's keys above
/// the pivot fill the right part's holes, and the back's others replace them in the left part.
#[inline(always)]
fn partition3_one_equal(
    v: &mut [u64],
    e_key: u64,
    nl: usize,
    need_left: bool,
    need_right: bool,
    scratch: &mut SortScratch,
) -> (usize, usize) {
    #[cfg(test)]
    match (need_left, need_right) {
        (true, true) => scratch.sparse_paths.both += 1,
        (true, false) => scratch.sparse_paths.left_only += 1,
        (false, true) => scratch.sparse_paths.right_only += 1,
        (false, false) => {}
    }
    let n = v.len();
    let r = nl + 1;
    let pivot = hi(e_key);
    let is_g = |k: u64| hi(k) > pivot;
    let holes = &mut scratch.holes[..n + 2];
    let bnv = &mut scratch.bnv[..n + 2];
    let fg = &mut scratch.fg[..n + 2];
    let v_r = v[r];
    let mut n_holes = 0usize;
    if need_right {
        // As in partition3_known: the back's keys above the pivot shift one slot left, the
        // others are listed with the slots they leave.
        n_holes = back_pass(v, r, pivot, holes, bnv);
    } else if need_left {
        // Only the back's keys not above the pivot, from the right.
        let mut j = 0usize;
        for &e in v[r..].iter().rev() {
            bnv[j] = e;
            j += usize::from(!is_g(e));
        }
    }
    let mut k = 0usize;
    if need_left {
        // The front with its k-th key above the pivot replaced by the k-th listed back key,
        // its keys below the pivot compacted in order (l ≤ i: each key is read before its
        // slot is written).
        let mut l = 0usize;
        for i in 0..r {
            let o = v[i];
            let g = is_g(o);
            let e = select(g, bnv[k], o);
            fg[k] = o;
            k += usize::from(g);
            v[l] = e;
            l += usize::from(hi(e) != pivot);
        }
    } else if need_right {
        for &o in &v[..r] {
            fg[k] = o;
            k += usize::from(is_g(o));
        }
    }
    v[nl] = e_key;
    if need_right {
        // Sentinel: v[r] takes the last hole when no front key above the pivot is left for it.
        fg[k] = v_r;
        for (&h, &g) in holes[..n_holes].iter().zip(&fg[..n_holes]) {
            v[h as usize] = g;
        }
    }
    (nl, r)
}

/// One three-way partition pass of sklearn's `introsort` around `pivot`, as the Cython swap loop
/// does it: returns `(l, r)` with `v[..l] < pivot`, `v[l..r] == pivot`, `v[r..] > pivot`. The
/// reference that [`partition3_branch_free`] (used by the fit) is tested against.
#[cfg(test)]
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

/// sklearn's `heapsort` (a max-heap built by `sift_down` from the last parent, then the root
/// swapped to the end and sifted down again), with [`sift_down`] computed bottom-up.
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

/// sklearn's `sift_down` (`tests::reference_sift_down`), with the same result and fewer
/// comparisons (Floyd's bottom-up variant).
///
/// sklearn's loop moves `x = v[start]` down the chain of larger children (the right child
/// only when strictly larger than the left: its `maxind` tests are `<`), swapping as long as
/// that child is strictly larger than `x`. Which child comes next does not depend on `x`, and
/// below `start` the subtrees are heaps, so the values along the chain never increase: the
/// nodes larger than `x` are a prefix of it. So: walk the chain to its end (one comparison per
/// level), climb back to the deepest node larger than `x`, and shift that prefix up one level,
/// `x` taking the freed slot: the same moves as the swaps.
#[inline]
fn sift_down(v: &mut [u64], start: usize, end: usize) {
    let x = v[start];
    let xv = hi(x);
    let mut c = start;
    loop {
        let l = 2 * c + 1;
        if l + 1 < end {
            // The right child when strictly larger, as an addition (the comparison is random
            // for the processor; a branch here mispredicted about once per level).
            c = l + usize::from(hi(v[l]) < hi(v[l + 1]));
        } else {
            if l < end {
                c = l;
            }
            break;
        }
    }
    while c != start && hi(v[c]) <= xv {
        c = (c - 1) / 2;
    }
    let mut t = v[c];
    v[c] = x;
    while c != start {
        c = (c - 1) / 2;
        std::mem::swap(&mut v[c], &mut t);
    }
}

#[cfg(test)]
mod tests;
