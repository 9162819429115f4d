//! Native only: one tree grown on two threads, node for node and bit for bit as on one.
//!
//! The two children of a split own disjoint ranges of `samples`, `keys` and the presorted
//! lists, and disjoint sample ids; what links them is the state sklearn threads through the
//! nodes in their depth-first order: the `rand_r` state and the `features` permutation that
//! each `node_split_best` leaves for the next (and the constants it finds). So when a split has
//! two large children, a second thread grows the right subtree in its own workspace (a copy of
//! the right child's range) into its own tree, from the state the left subtree will leave.
//!
//! That state depends on the left subtree's shape and on which features turn out constant in
//! its nodes, but not on the sorts: a feature is constant at a node when its largest value is
//! within `FEATURE_THRESHOLD` of its smallest, which a pass over the node's samples tells. So
//! once every node still to be searched in the left subtree is known (its samples are set and
//! its children are leaves), the state is computed exactly by replaying the feature draws of
//! those nodes without sorting ([`replay_draws`]). Until then it is *speculated*: the nodes
//! known are replayed, and the rest assumed to be a full tree to the depth limit finding no
//! new constant. With speculation on ([`SPECULATE`]) the second thread starts at once from it,
//! and when the exact state becomes known and differs, it is stopped and started again from
//! the exact one; with it off (the default) the second thread waits for the exact state. When the
//! left subtree is done, the state is compared once more: equal, the right subtree is exactly
//! what one thread would have grown next (its nodes are numbered after the left subtree's,
//! its sample order copied back, the state taken from its end); different (which the exact
//! replay should prevent), it is dropped and grown here, as on one thread.
//!
//! What else a node reads is its own or written before it is read: `constant_features` below
//! the node's known constants was set by its ancestors (a node writes only above its own
//! count, which never decreases down a path), `keys`, `goes_left`, the counts and the
//! scratch are filled by the node itself, and the root's sort cache is used at the root only.

use super::build::StackRecord;
use super::split::{our_rand_r, FEATURE_THRESHOLD};
use super::{Tree, TreeConfig, Workspace, TREE_LEAF};
use crate::gbm::sort::SortScratch;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::thread::{Scope, ScopedJoinHandle};

/// The smallest child (in rows) the second thread takes; below it a thread costs more than it
/// saves, so fits of fewer than twice this many rows run on one thread.
const PAR_MIN_ROWS: usize = 2048;

/// The smallest side (in keys) of a partition whose two sides a node's sort gives to two
/// threads (`sort::fork`).
const SORT_FORK_MIN: usize = 4096;

/// Fits of fewer rows sort on one thread: at 22,500 rows the second thread gained nothing
/// measurable (docs/gbm-speed.md), at 225,000 rows about 8 %.
const SORT_FORK_MIN_FIT_ROWS: usize = 65_536;

/// Whether the second thread starts from a speculated state (see the module doc); measured
/// on a shared two-core machine, the work it wastes when the speculation fails cost more than
/// the head start gained.
const SPECULATE: bool = false;

/// When and with what the second thread works.
pub(super) struct Par {
    /// Children of fewer rows stay on this thread; `usize::MAX`: one thread only.
    min_rows: usize,
    /// Start the second thread from a speculated state rather than wait for the exact one.
    pub(super) speculate: bool,
    /// The second thread's workspace, made at the first use and kept for the fit's trees.
    helper: Option<Box<Workspace>>,
    /// Tests: right subtrees taken from the second thread (the speculation held) and grown
    /// again on this one (it did not).
    #[cfg(test)]
    pub(super) hits: usize,
    #[cfg(test)]
    pub(super) misses: usize,
    /// Tests: second threads stopped and started again from the exact state.
    #[cfg(test)]
    pub(super) restarts: usize,
}

#[cfg(test)]
thread_local! {
    /// Tests: the `min_rows` of every workspace made on this thread (`usize::MAX`: one thread).
    pub(crate) static FORCE_MIN_ROWS: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
    /// Tests: the sorts' second thread of every workspace made on this thread (`Some(None)`:
    /// none; `Some(Some(m))`: sides of at least `m` keys, whatever the machine).
    pub(crate) static FORCE_SORT_FORK_MIN: std::cell::Cell<Option<Option<usize>>> = const { std::cell::Cell::new(None) };
}

/// Whether the machine offers two threads (asked once per process).
fn two_cores() -> bool {
    static TWO: OnceLock<bool> = OnceLock::new();
    *TWO.get_or_init(|| std::thread::available_parallelism().is_ok_and(|p| p.get() >= 2))
}

/// For a fit of `n` rows: the smallest side a sort's second thread takes, if any.
pub(super) fn sort_fork_min(n: usize) -> Option<usize> {
    let min = SORT_FORK_MIN;
    #[cfg(test)]
    if let Some(m) = FORCE_SORT_FORK_MIN.get() {
        return m;
    }
    (n >= SORT_FORK_MIN_FIT_ROWS.max(2 * min) && two_cores()).then_some(min)
}

impl Par {
    /// For a fit of `n` rows: two threads if it is large enough and the machine has them.
    pub(super) fn new(n: usize) -> Self {
        let on = n >= 2 * PAR_MIN_ROWS && two_cores();
        #[allow(unused_mut)]
        let mut min_rows = if on { PAR_MIN_ROWS } else { usize::MAX };
        #[cfg(test)]
        if let Some(m) = FORCE_MIN_ROWS.get() {
            min_rows = m;
        }
        Par {
            min_rows,
            speculate: SPECULATE,
            ..Par::one_thread()
        }
    }

    /// One thread only (the second thread's own workspace never starts a third).
    fn one_thread() -> Self {
        Par {
            min_rows: usize::MAX,
            speculate: false,
            helper: None,
            #[cfg(test)]
            hits: 0,
            #[cfg(test)]
            misses: 0,
            #[cfg(test)]
            restarts: 0,
        }
    }

    /// Whether a tree of `n` rows is grown with the second thread.
    pub(super) fn wanted(&self, n: usize) -> bool {
        n >= self.min_rows.saturating_mul(2)
    }

    /// Tests: use the second thread for children of at least `min_rows` rows, whatever the
    /// machine.
    #[cfg(test)]
    pub(super) fn force(&mut self, min_rows: usize) {
        self.min_rows = min_rows;
    }

    /// Whether the second thread should take the right child of a split into `left` and
    /// `right`: both are searched (not at the depth limit), both are large, and neither is
    /// less than a quarter of the two (else a later, more even split is a better handoff).
    fn worth(&self, left: &StackRecord, right: &StackRecord, cfg: TreeConfig) -> bool {
        let (l, r) = (left.end - left.start, right.end - right.start);
        left.depth < cfg.max_depth && l.min(r) >= self.min_rows && 4 * l.min(r) >= l + r
    }
}

/// sklearn `rand_int(low, high)`, as in `split`.
#[inline]
fn rand_int(low: usize, high: usize, state: &mut u32) -> usize {
    low + (our_rand_r(state) as usize) % (high - low)
}

/// The feature draws of `node_split_best` at a node with `n_known` known constants, where
/// `is_constant` tells whether a feature is constant at the node: the same loop, the same
/// swaps of `features`, the same `rand_r` calls, without sorting or scanning; then its
/// bookkeeping of the constants. Returns the node's count of constants (its children's known).
pub(super) fn replay_draws(
    features: &mut [usize],
    constant_features: &mut [usize],
    n_known: usize,
    rstate: &mut u32,
    mut is_constant: impl FnMut(usize) -> bool,
) -> usize {
    let n_features = features.len();
    let mut n_total = n_known;
    let mut f_i = n_features;
    let (mut n_visited, mut n_found, mut n_drawn) = (0usize, 0usize, 0usize);
    while f_i > n_total && (n_visited < n_features || n_visited <= n_found + n_drawn) {
        n_visited += 1;
        let mut f_j = rand_int(n_drawn, f_i - n_found, rstate);
        if f_j < n_known {
            features.swap(n_drawn, f_j);
            n_drawn += 1;
            continue;
        }
        f_j += n_found;
        if is_constant(features[f_j]) {
            features.swap(f_j, n_total);
            n_found += 1;
            n_total += 1;
            continue;
        }
        f_i -= 1;
        features.swap(f_i, f_j);
    }
    features[..n_known].copy_from_slice(&constant_features[..n_known]);
    constant_features[n_known..n_total].copy_from_slice(&features[n_known..n_total]);
    n_total
}

/// Whether `rec` is searched by `node_split_best` (not a leaf by depth, size or impurity; the
/// root, whose impurity is computed when it is popped, is never asked).
fn searched(rec: &StackRecord, cfg: TreeConfig) -> bool {
    let m = rec.end - rec.start;
    !(rec.depth >= cfg.max_depth
        || m < cfg.min_samples_split
        || m < cfg.min_samples_leaf.saturating_mul(2)
        || rec.impurity <= f64::EPSILON)
}

/// Whether `rec`'s subtree searches at most `rec` itself (its children are leaves by depth,
/// or it is a leaf).
fn bottom(rec: &StackRecord, cfg: TreeConfig) -> bool {
    rec.depth + 1 >= cfg.max_depth || !searched(rec, cfg)
}

/// The number of nodes searched in a subtree rooted at depth `depth` if every node above the
/// depth limit is searched: a full binary tree of `max_depth − depth` levels.
fn full_searches(depth: usize, cfg: TreeConfig) -> usize {
    let levels = cfg
        .max_depth
        .saturating_sub(depth)
        .min(usize::BITS as usize - 1);
    (1usize << levels) - 1
}

/// Append `sub` (a subtree numbered from 0) to `tree` as the right child of `parent`.
fn append_right(tree: &mut Tree, parent: usize, sub: &Tree) {
    let offset = tree.node_count() as i32;
    let shift = |c: i32| if c == TREE_LEAF { c } else { c + offset };
    tree.children_left
        .extend(sub.children_left.iter().map(|&c| shift(c)));
    tree.children_right
        .extend(sub.children_right.iter().map(|&c| shift(c)));
    tree.feature.extend_from_slice(&sub.feature);
    tree.threshold.extend_from_slice(&sub.threshold);
    tree.value.extend_from_slice(&sub.value);
    tree.children_right[parent] = offset;
}

/// The state sklearn threads from node to node: the `rand_r` state and the feature order.
#[derive(Clone, PartialEq)]
struct State {
    rstate: u32,
    features: Vec<usize>,
}

/// The second thread's result: its workspace back, and the subtree with its final `rand_r`
/// state unless stopped.
type Grown<'scope> = ScopedJoinHandle<'scope, (&'scope mut Workspace, Option<(Tree, u32)>)>;

/// Start the second thread on the subtree of `right` from `seed`.
fn spawn_right<'scope>(
    sc: &'scope Scope<'scope, '_>,
    h: &'scope mut Workspace,
    y: &'scope [f64],
    cfg: TreeConfig,
    right: StackRecord,
    seed: u32,
    stop: &'scope AtomicBool,
) -> Grown<'scope> {
    sc.spawn(move || {
        let r = h.grow_subtree(y, cfg, right, seed, stop);
        (h, r)
    })
}

/// The second thread, on a right subtree or waiting for its exact state.
enum Worker<'scope> {
    Running(Grown<'scope>),
    Idle(&'scope mut Workspace),
    /// Only while it is being replaced.
    Moved,
}

/// A right subtree given to the second thread.
struct Pending<'scope> {
    worker: Worker<'scope>,
    /// The stack's length when the left subtree is done.
    base: usize,
    right: StackRecord,
    /// The state the second thread started from.
    spec: State,
    /// `spec` is the exact state (computed, not speculated).
    exact: bool,
}

impl Workspace {
    /// The second thread's workspace: this one's data, its own buffers.
    fn helper(&self) -> Box<Workspace> {
        let n = self.n;
        Box::new(Workspace {
            n,
            n_features: self.n_features,
            xf: self.xf.clone(),
            xkey: self.xkey.clone(),
            card: self.card.clone(),
            cum: vec![0; self.cum.len()],
            cum_valid: false,
            samples: vec![0; n],
            keys: vec![0; n],
            sort_scratch: SortScratch::default(),
            rchain: vec![0.0; n + 1],
            features: self.features.clone(),
            constant_features: self.constant_features.clone(),
            stack: Vec::with_capacity(64),
            distinct: self.distinct.clone(),
            gaps_clear: self.gaps_clear.clone(),
            sparse_ties: self.sparse_ties.clone(),
            pre_root: Vec::new(),
            pre: vec![0; self.pre.len()],
            sorted_keys: vec![0; self.sorted_keys.len()],
            tie_count: vec![0; self.tie_count.len()],
            goes_left: vec![false; n],
            tmp: vec![0; n],
            inv: self.inv.clone(),
            root_cache: Vec::new(),
            leaves: Vec::with_capacity(64),
            par: Par::one_thread(),
            #[cfg(test)]
            plain_scan: self.plain_scan,
            #[cfg(test)]
            plain_sort: self.plain_sort,
            #[cfg(test)]
            path_counts: Default::default(),
        })
    }

    /// Give `helper` the node `rec`'s range (its sample order and presorted lists) and the
    /// feature order and constants to start from.
    fn hand_over(&self, helper: &mut Workspace, rec: &StackRecord, features: &[usize]) {
        let (n, start, end) = (self.n, rec.start, rec.end);
        helper.samples[start..end].copy_from_slice(&self.samples[start..end]);
        for f in 0..self.n_features {
            if self.distinct[f] || self.sparse_ties[f] {
                let r = f * n + start..f * n + end;
                helper.pre[r.clone()].copy_from_slice(&self.pre[r]);
            }
        }
        helper.features.copy_from_slice(features);
        helper
            .constant_features
            .copy_from_slice(&self.constant_features);
    }

    /// Grow the subtree of `rec` alone, from `rstate`, into a tree of its own (node 0 is
    /// `rec`); leaves are recorded with that numbering. Returns the tree and the final state,
    /// or `None` if `stop` was raised (checked before each node).
    fn grow_subtree(
        &mut self,
        y: &[f64],
        cfg: TreeConfig,
        rec: StackRecord,
        seed: u32,
        stop: &AtomicBool,
    ) -> Option<(Tree, u32)> {
        let mut tree = Tree::default();
        let mut rstate = seed;
        self.leaves.clear();
        self.stack.clear();
        self.stack.push(StackRecord {
            parent: None,
            ..rec
        });
        let mut first = false;
        while let Some(rec) = self.stack.pop() {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            if let Some((left, right)) =
                self.grow_node(y, &mut rstate, cfg, &mut tree, rec, &mut first)
            {
                self.stack.push(right);
                self.stack.push(left);
            }
        }
        Some((tree, rstate))
    }

    /// Whether `feature` is constant on `samples[start..end]` as `node_split_best` finds it
    /// (largest value ≤ smallest + `FEATURE_THRESHOLD`, the float32 sum).
    fn constant_at(&self, feature: usize, start: usize, end: usize) -> bool {
        let col = &self.xf[feature * self.n..(feature + 1) * self.n];
        let first = col[self.samples[start] as usize];
        let (mut lo, mut hi) = (first, first);
        for &s in &self.samples[start..end] {
            let v = col[s as usize];
            lo = lo.min(v);
            hi = hi.max(v);
            if hi > lo + FEATURE_THRESHOLD {
                return false;
            }
        }
        true
    }

    /// The state after the searches of the nodes `recs` (in the order they are popped) and of
    /// their subtrees, from the current one. Exact when every one of them is [`bottom`];
    /// otherwise the nodes below them are assumed a full tree finding no new constant.
    fn predict(
        &self,
        recs: impl Iterator<Item = StackRecord>,
        cfg: TreeConfig,
        rstate: u32,
    ) -> (State, bool) {
        let mut st = State {
            rstate,
            features: self.features.clone(),
        };
        let mut consts = self.constant_features.clone();
        let mut exact = true;
        for rec in recs {
            if !searched(&rec, cfg) {
                continue;
            }
            let known = replay_draws(
                &mut st.features,
                &mut consts,
                rec.n_constant,
                &mut st.rstate,
                |f| self.constant_at(f, rec.start, rec.end),
            );
            if !bottom(&rec, cfg) {
                exact = false;
                for _ in 0..2 * full_searches(rec.depth + 1, cfg) {
                    replay_draws(&mut st.features, &mut consts, known, &mut st.rstate, |_| {
                        false
                    });
                }
            }
        }
        (st, exact)
    }

    /// [`Workspace::build`]'s loop with the second thread: the root record is on the stack.
    pub(super) fn grow_par(
        &mut self,
        y: &[f64],
        rstate: &mut u32,
        cfg: TreeConfig,
        tree: &mut Tree,
    ) {
        let mut helper = match self.par.helper.take() {
            Some(h) => h,
            None => self.helper(),
        };
        let stop = AtomicBool::new(false);
        let stop = &stop;
        std::thread::scope(|sc| {
            let spawn = |h, right, seed| spawn_right(sc, h, y, cfg, right, seed, stop);
            let mut free: Option<&mut Workspace> = Some(&mut helper);
            let mut pending: Option<Pending> = None;
            let mut first = true;
            loop {
                // The sorts keep to this thread while the second one grows a subtree.
                let busy = pending
                    .as_ref()
                    .is_some_and(|p| matches!(p.worker, Worker::Running(_)));
                self.sort_scratch.pause_fork(busy);
                if let Some(p) = pending.take_if(|p| self.stack.len() == p.base) {
                    let (h, grown) = match p.worker {
                        Worker::Running(handle) => handle
                            .join()
                            .unwrap_or_else(|e| std::panic::resume_unwind(e)),
                        Worker::Idle(h) => (h, None),
                        Worker::Moved => unreachable!("a worker is put back at once"),
                    };
                    let real = State {
                        rstate: *rstate,
                        features: self.features.clone(),
                    };
                    match grown {
                        Some((sub, end_state)) if real == p.spec => {
                            let (parent, _) = p.right.parent.expect("a right child has a parent");
                            let offset = tree.node_count();
                            append_right(tree, parent, &sub);
                            self.leaves
                                .extend(h.leaves.iter().map(|&(id, s, e)| (id + offset, s, e)));
                            let r = p.right.start..p.right.end;
                            self.samples[r.clone()].copy_from_slice(&h.samples[r]);
                            self.features.copy_from_slice(&h.features);
                            *rstate = end_state;
                            #[cfg(test)]
                            {
                                self.par.hits += 1;
                            }
                        }
                        _ => {
                            // Grown again here: this thread's copy of its range is untouched.
                            self.stack.push(p.right);
                            #[cfg(test)]
                            {
                                self.par.misses += 1;
                            }
                        }
                    }
                    free = Some(h);
                } else if let Some(p) = pending.as_mut().filter(|p| !p.exact) {
                    let rest = &self.stack[p.base..];
                    if rest.iter().all(|r| bottom(r, cfg)) {
                        let (exact, _) = self.predict(rest.iter().rev().copied(), cfg, *rstate);
                        let h = match std::mem::replace(&mut p.worker, Worker::Moved) {
                            Worker::Idle(h) => Some(h),
                            Worker::Running(handle) if exact != p.spec => {
                                // Stop the speculation; start again from the exact state.
                                stop.store(true, Ordering::Relaxed);
                                let (h, _) = handle
                                    .join()
                                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                                stop.store(false, Ordering::Relaxed);
                                #[cfg(test)]
                                {
                                    self.par.restarts += 1;
                                }
                                Some(h)
                            }
                            running => {
                                p.worker = running;
                                None
                            }
                        };
                        if let Some(h) = h {
                            self.hand_over(h, &p.right, &exact.features);
                            p.worker = Worker::Running(spawn(h, p.right, exact.rstate));
                            p.spec = exact;
                        }
                        p.exact = true;
                    }
                }
                let Some(rec) = self.stack.pop() else { break };
                let Some((left, right)) = self.grow_node(y, rstate, cfg, tree, rec, &mut first)
                else {
                    continue;
                };
                match free.take() {
                    Some(h) if self.par.worth(&left, &right, cfg) => {
                        let (spec, exact) = self.predict(std::iter::once(left), cfg, *rstate);
                        let worker = if exact || self.par.speculate {
                            self.hand_over(h, &right, &spec.features);
                            Worker::Running(spawn(h, right, spec.rstate))
                        } else {
                            Worker::Idle(h)
                        };
                        pending = Some(Pending {
                            worker,
                            base: self.stack.len(),
                            right,
                            spec,
                            exact,
                        });
                        self.stack.push(left);
                    }
                    h => {
                        free = h;
                        self.stack.push(right);
                        self.stack.push(left);
                    }
                }
            }
        });
        self.sort_scratch.pause_fork(false);
        self.par.helper = Some(helper);
    }
}
