//! One regression tree: its flat-array form ([`Tree`]) and the depth-first builder that grows
//! it on the negative gradients exactly as scikit-learn 1.9's
//! `DecisionTreeRegressor(criterion="squared_error", splitter="best")` does.
//!
//! Mirrors `tree/_tree.pyx` `DepthFirstTreeBuilder.build`, `tree/_splitter.pyx`
//! `node_split_best`, `tree/_partitioner.pyx` `DensePartitioner`
//! (`sort_samples_and_feature_values`, `next_p`, `partition_samples_final`), and
//! `tree/_criterion.pyx` `RegressionCriterion` / `MSE` (`init`, `reset`, `reverse_reset`,
//! `update`, `proxy_impurity_improvement`, `children_impurity`, `impurity_improvement`),
//! `tree/_utils.pyx` `rand_int` and `utils/_random.pxd` `our_rand_r`.
//! Sums are sequential in the current sample order, as in the Cython; the order of samples is
//! the one the (unstable) sort and the partition leave behind.
//!
//! This file holds the tree ([`Tree`]), its growth limits and the [`Workspace`] every tree of a
//! fit is grown in. The builder's parts, in the order a node meets them:
//! - `build`: the workspace's set-up per fit (which columns are distinct or have few ties) and
//!   the depth-first growth (`DepthFirstTreeBuilder.build`);
//! - `split`: the best split of one node (`node_split_best`): the feature draw, the scan of
//!   split positions with the criterion's sums, and the final partition;
//! - `order`: the samples in a feature's sorted order (`sort_samples_and_feature_values`) and
//!   the presorted lists a split partitions into its children.

mod build;
mod order;
#[cfg(not(target_arch = "wasm32"))]
mod par;
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) use par::{FORCE_MIN_ROWS, FORCE_SORT_FORK_MIN};
mod split;
#[cfg(test)]
mod tests;

use super::sort::SortScratch;
use build::StackRecord;

/// Node index marking "no child" (sklearn `_TREE_LEAF`).
pub const TREE_LEAF: i32 = -1;
/// Feature index of a leaf (sklearn `_TREE_UNDEFINED`); its threshold is `-2.0`.
pub const TREE_UNDEFINED: i32 = -2;
/// A tied feature takes the sparse-ties sort when at most one row in this many repeats an
/// earlier row's value.
const SPARSE_TIES_PER: usize = 16;
/// sklearn's `RAND_R_MAX` (2^31 − 1).
pub(crate) const RAND_R_MAX: u32 = 0x7fff_ffff;

/// A fitted regression tree in sklearn's flat layout (`tree_.children_left`, ...). Node 0 is the
/// root; children always have larger indices than their parent (preorder).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tree {
    pub(crate) children_left: Vec<i32>,
    pub(crate) children_right: Vec<i32>,
    pub(crate) feature: Vec<i32>,
    pub(crate) threshold: Vec<f64>,
    pub(crate) value: Vec<f64>,
}

impl Tree {
    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.value.len()
    }
    /// `tree_.children_left`: left child per node, `-1` for a leaf.
    pub fn children_left(&self) -> &[i32] {
        &self.children_left
    }
    /// `tree_.children_right`: right child per node, `-1` for a leaf.
    pub fn children_right(&self) -> &[i32] {
        &self.children_right
    }
    /// `tree_.feature`: split feature per node, `-2` for a leaf.
    pub fn feature(&self) -> &[i32] {
        &self.feature
    }
    /// `tree_.threshold`: go left when `x <= threshold`; `-2.0` for a leaf.
    pub fn threshold(&self) -> &[f64] {
        &self.threshold
    }
    /// `tree_.value[:, 0, 0]`: node means while growing; leaves hold the Newton step.
    pub fn value(&self) -> &[f64] {
        &self.value
    }

    /// Leaf index reached by a float32 row (sklearn `Tree.apply`: `X[i, f] <= threshold`, the
    /// float32 compared as a double). The tree must be well formed (built here or validated by
    /// [`crate::gbm::GbmModel::from_json`]).
    #[inline]
    pub(crate) fn apply(&self, row: &[f32]) -> usize {
        let mut node = 0usize;
        loop {
            let l = self.children_left[node];
            if l == TREE_LEAF {
                return node;
            }
            let f = self.feature[node] as usize;
            node = if f64::from(row[f]) <= self.threshold[node] {
                l as usize
            } else {
                self.children_right[node] as usize
            };
        }
    }

    fn clear(&mut self) {
        self.children_left.clear();
        self.children_right.clear();
        self.feature.clear();
        self.threshold.clear();
        self.value.clear();
    }

    /// sklearn `Tree._add_node`.
    fn add_node(&mut self, parent: Option<(usize, bool)>, split: Option<(usize, f64)>) -> usize {
        let id = self.value.len();
        self.children_left.push(TREE_LEAF);
        self.children_right.push(TREE_LEAF);
        match split {
            Some((f, t)) => {
                self.feature.push(f as i32);
                self.threshold.push(t);
            }
            None => {
                self.feature.push(TREE_UNDEFINED);
                self.threshold.push(f64::from(TREE_UNDEFINED));
            }
        }
        self.value.push(0.0);
        if let Some((p, is_left)) = parent {
            if is_left {
                self.children_left[p] = id as i32;
            } else {
                self.children_right[p] = id as i32;
            }
        }
        id
    }
}

/// Growth limits of one tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TreeConfig {
    pub max_depth: usize,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
}

/// Buffers reused by every tree of one fit: the data as sort keys, the sample order, scratch.
pub(crate) struct Workspace {
    n: usize,
    n_features: usize,
    /// Column-major float32 features.
    xf: Vec<f32>,
    /// Column-major dense ranks of the float32 values within their column (0 for the
    /// smallest; equal values share a rank): the high part of the sort keys.
    xkey: Vec<u32>,
    /// Per feature: the number of distinct values (ranks).
    card: Vec<u32>,
    /// Scratch of the counted sort: `cum[v]` = keys of the node below rank `v`.
    cum: Vec<u32>,
    /// `cum` holds the counts of the last [`Workspace::sort_node`]'s feature and node.
    cum_valid: bool,
    samples: Vec<u32>,
    keys: Vec<u64>,
    /// Scratch of the tied columns' sort.
    sort_scratch: SortScratch,
    /// The reverse chain of `split::Scan`.
    rchain: Vec<f64>,
    features: Vec<usize>,
    constant_features: Vec<usize>,
    stack: Vec<StackRecord>,
    /// Per feature: no two rows share a float32 value, so every node's sort has a unique
    /// result and any correct sort gives sklearn's order.
    distinct: Vec<bool>,
    /// Per feature: distinct, and every two neighbouring values of its sorted column step past
    /// `FEATURE_THRESHOLD` (`b > a + FEATURE_THRESHOLD` in float32). Then every two neighbours
    /// of a node's sorted samples do too (`a + FEATURE_THRESHOLD` rounds monotonically, and a
    /// node's next value is at least the column's), so every position is a split position
    /// ([`split`]'s `Scan::distinct` skips the value test).
    gaps_clear: Vec<bool>,
    /// Per feature: tied, but with few ties (at most one row in [`SPARSE_TIES_PER`] repeats a
    /// value), so its sorts run sklearn's passes only inside tied ranges
    /// ([`super::sort::simultaneous_sort_sparse_ties`]).
    sparse_ties: Vec<bool>,
    /// For each distinct or sparse-ties feature, all samples sorted by its value (equal values
    /// in any order; column-major, copied into `pre` at the start of each tree).
    pre_root: Vec<u32>,
    /// For each distinct or sparse-ties feature, `pre[f·n + start .. f·n + end]` holds the
    /// samples of the node `start..end` sorted by that feature: for a distinct feature the
    /// node's sort result, without sorting. A split partitions it stably into the children's
    /// ranges.
    pre: Vec<u32>,
    /// Scratch of the sparse-ties sort: the node's keys sorted by value, and the running count
    /// of ties in them.
    sorted_keys: Vec<u64>,
    tie_count: Vec<u32>,
    /// Per sample: in the left child of the split being applied.
    goes_left: Vec<bool>,
    /// Scratch for the stable partition of `pre`.
    tmp: Vec<u32>,
    /// `inv[k] = 1.0 / k`: a cheap, slightly inexact proxy used only to skip split positions
    /// whose exact proxy provably cannot beat the best so far.
    inv: Vec<f64>,
    /// Root-node sort results keyed by the features sorted so far at the root: the root starts
    /// from samples 0..n in every tree, so the k-th sort there depends only on the sequence of
    /// features drawn (at most n_features! · e entries).
    root_cache: Vec<(Vec<usize>, Vec<u64>)>,
    /// (leaf node id, start, end) of each leaf in `samples`, filled by [`Workspace::build`].
    pub(crate) leaves: Vec<(usize, usize, usize)>,
    /// Native: the second thread's workspace and when it is used (see `par`).
    #[cfg(not(target_arch = "wasm32"))]
    par: par::Par,
    /// Tests: scan every position the plain way (see `tests::plain_scan`).
    #[cfg(test)]
    plain_scan: bool,
    /// Tests: sort tied columns by the plain introsort only (no counted sort).
    #[cfg(test)]
    plain_sort: bool,
    /// Tests: how often each scan path ran (each path must be covered).
    #[cfg(test)]
    path_counts: PathCounts,
}

/// Tests: the number of scans that took each path of a distinct or sparse-ties column, and
/// of final partitions done by rotation.
#[cfg(test)]
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct PathCounts {
    pub(super) every_position: usize,
    pub(super) distinct: usize,
    /// `partition_samples_final` as a rotation (the samples in the best feature's order).
    pub(super) rotated: usize,
    /// `partition_presorted` leaving the split feature's own list as it is.
    pub(super) own_list_kept: usize,
}
