//! Growing one tree: the workspace's set-up per fit (the data as sort keys; which columns are
//! distinct or have few ties, with their presorted lists) and sklearn's depth-first builder
//! (`DepthFirstTreeBuilder.build`): a stack of nodes, each a leaf by its depth, size or
//! impurity, or split by [`Workspace::node_split_best`] into two children.

use super::split::{node_sums, FEATURE_THRESHOLD};
use super::{Tree, TreeConfig, Workspace, SPARSE_TIES_PER};
use crate::gbm::sort::{hi, ordered_bits, SortScratch};

/// `np.finfo(np.float64).eps`, sklearn's `EPSILON` in the tree builder.
const EPSILON: f64 = f64::EPSILON;

#[derive(Clone, Copy)]
pub(super) struct StackRecord {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) depth: usize,
    pub(super) parent: Option<(usize, bool)>,
    pub(super) impurity: f64,
    pub(super) n_constant: usize,
    /// `(Σy, Σy²)` of the node in its sample order, when the parent already summed exactly
    /// that sequence (the left child after a forward `criterion.update`).
    pub(super) sums: Option<(f64, f64)>,
}

impl Workspace {
    /// Prepare for `n` rows of `n_features` float32 columns (column-major `xcols`).
    pub(crate) fn new(xcols: &[f32], n: usize, n_features: usize) -> Self {
        Self::with_sparse_limit(xcols, n, n_features, n / SPARSE_TIES_PER)
    }

    /// [`Workspace::new`], with tied features of at most `max_sparse_ties` ties taking the
    /// sparse-ties sort.
    pub(super) fn with_sparse_limit(
        xcols: &[f32],
        n: usize,
        n_features: usize,
        max_sparse_ties: usize,
    ) -> Self {
        let xbits: Vec<u32> = xcols.iter().map(|&v| ordered_bits(v)).collect();
        // Each column's values replaced by their dense ranks (equal values, equal ranks; the
        // order of the values kept), so comparisons of keys are those of the float32 values.
        let mut xkey = vec![0u32; n * n_features];
        let mut card = Vec::with_capacity(n_features);
        let mut distinct = Vec::with_capacity(n_features);
        let mut gaps_clear = Vec::with_capacity(n_features);
        let mut sparse_ties = Vec::with_capacity(n_features);
        let mut pre_root = vec![0u32; n * n_features];
        let mut sorted: Vec<u64> = Vec::with_capacity(n);
        for f in 0..n_features {
            sorted.clear();
            sorted.extend(
                xbits[f * n..(f + 1) * n]
                    .iter()
                    .zip(0u64..)
                    .map(|(&k, i)| (u64::from(k) << 32) | i),
            );
            sorted.sort_unstable();
            let mut rank = 0u32;
            for (q, &k) in sorted.iter().enumerate() {
                rank += u32::from(q > 0 && hi(k) != hi(sorted[q - 1]));
                xkey[f * n + (k as u32) as usize] = rank;
            }
            card.push(rank + 1);
            let n_ties = n.saturating_sub(rank as usize + 1);
            let d = n_ties == 0;
            let sparse = !d && n_ties <= max_sparse_ties;
            if d || sparse {
                for (o, &k) in pre_root[f * n..(f + 1) * n].iter_mut().zip(&sorted) {
                    *o = k as u32;
                }
            }
            distinct.push(d);
            let col = &xcols[f * n..(f + 1) * n];
            gaps_clear.push(
                d && sorted.windows(2).all(|w| {
                    col[(w[1] as u32) as usize] > col[(w[0] as u32) as usize] + FEATURE_THRESHOLD
                }),
            );
            sparse_ties.push(sparse);
        }
        let any_sparse = sparse_ties.iter().any(|&t| t);
        #[allow(unused_mut)]
        let mut sort_scratch = SortScratch::default();
        #[cfg(not(target_arch = "wasm32"))]
        sort_scratch.set_fork(super::par::sort_fork_min(n));
        Workspace {
            n,
            n_features,
            xf: xcols.to_vec(),
            xkey,
            cum: vec![0; card.iter().max().map_or(0, |&c| c as usize) + 1],
            card,
            cum_valid: false,
            distinct,
            gaps_clear,
            sparse_ties,
            pre: pre_root.clone(),
            sorted_keys: if any_sparse { vec![0; n] } else { Vec::new() },
            tie_count: if any_sparse { vec![0; n] } else { Vec::new() },
            pre_root,
            goes_left: vec![false; n],
            tmp: vec![0; n],
            inv: (0..=n).map(|k| 1.0 / k as f64).collect(),
            root_cache: Vec::new(),
            samples: Vec::with_capacity(n),
            keys: vec![0; n],
            sort_scratch,
            rchain: vec![0.0; n + 1],
            features: Vec::with_capacity(n_features),
            constant_features: vec![0; n_features],
            stack: Vec::with_capacity(64),
            leaves: Vec::with_capacity(64),
            #[cfg(not(target_arch = "wasm32"))]
            par: super::par::Par::new(n),
            #[cfg(test)]
            plain_scan: false,
            #[cfg(test)]
            plain_sort: false,
            #[cfg(test)]
            path_counts: Default::default(),
        }
    }

    /// The sample order left by the last [`Workspace::build`] (leaves are ranges of it).
    pub(crate) fn samples(&self) -> &[u32] {
        &self.samples
    }

    /// Grow one tree on targets `y` with the tree's `rand_r` seed, into `tree` (cleared first).
    /// Internal nodes get their mean as value; leaf values are left at 0.0 for the caller's
    /// Newton step (boosting replaces every leaf value).
    pub(crate) fn build(&mut self, y: &[f64], seed: u32, cfg: TreeConfig, tree: &mut Tree) {
        tree.clear();
        self.leaves.clear();
        self.samples.clear();
        self.samples.extend(0..self.n as u32);
        self.features.clear();
        self.features.extend(0..self.n_features);
        self.constant_features.iter_mut().for_each(|c| *c = 0);
        if self.distinct.iter().chain(&self.sparse_ties).any(|&d| d) {
            self.pre.copy_from_slice(&self.pre_root);
        }
        let mut rstate = seed;
        self.stack.push(StackRecord {
            start: 0,
            end: self.n,
            depth: 0,
            parent: None,
            impurity: f64::INFINITY,
            n_constant: 0,
            sums: None,
        });
        #[cfg(not(target_arch = "wasm32"))]
        if self.par.wanted(self.n) {
            self.grow_par(y, &mut rstate, cfg, tree);
            return;
        }
        let mut first = true;
        while let Some(rec) = self.stack.pop() {
            if let Some((left, right)) = self.grow_node(y, &mut rstate, cfg, tree, rec, &mut first)
            {
                self.stack.push(right);
                self.stack.push(left);
            }
        }
    }

    /// One node popped from the stack: made a leaf (recorded in `leaves`) or split, in which
    /// case its children's records `(left, right)` are returned for the stack. `first` is set
    /// for the root only (its impurity is computed here).
    pub(super) fn grow_node(
        &mut self,
        y: &[f64],
        rstate: &mut u32,
        cfg: TreeConfig,
        tree: &mut Tree,
        rec: StackRecord,
        first: &mut bool,
    ) -> Option<(StackRecord, StackRecord)> {
        let w_total = self.n as f64;
        let (start, end) = (rec.start, rec.end);
        let n_node = end - start;
        let w_node = n_node as f64;
        let mut is_leaf = rec.depth >= cfg.max_depth
            || n_node < cfg.min_samples_split
            || n_node < cfg.min_samples_leaf.saturating_mul(2);
        let mut impurity = rec.impurity;
        // RegressionCriterion.init sums, in the current sample order; a leaf's value is
        // replaced by the Newton step, so a node that is a leaf by its size or depth needs
        // none (its impurity comes from the parent).
        let mut sums = None;
        if *first || !is_leaf {
            let (sum_total, sq_total) = match rec.sums {
                Some(s) => s,
                None => node_sums(y, &self.samples[start..end]),
            };
            if *first {
                // MSE.node_impurity; Cython's `**2.0` compiles to x*x.
                let mean = sum_total / w_node;
                impurity = sq_total / w_node - mean * mean;
                *first = false;
            }
            sums = Some((sum_total, sq_total));
        }
        is_leaf = is_leaf || impurity <= EPSILON;
        let mut split = None;
        let mut n_constant = rec.n_constant;
        if let (false, Some((sum_total, sq_total))) = (is_leaf, sums) {
            let s = self.node_split_best(
                y,
                rstate,
                cfg.min_samples_leaf,
                start,
                end,
                (sum_total, sq_total),
                w_total,
                impurity,
                &mut n_constant,
                rec.depth + 1 < cfg.max_depth,
            );
            is_leaf = s.pos >= end || s.improvement + EPSILON < 0.0;
            split = Some(s);
        }
        let node_split = match (&split, is_leaf) {
            (Some(s), false) => Some((s.feature, s.threshold)),
            _ => None,
        };
        let id = tree.add_node(rec.parent, node_split);
        if !is_leaf {
            if let Some((sum_total, _)) = sums {
                tree.value[id] = sum_total / w_node;
            }
        }
        match (split, is_leaf) {
            (Some(s), false) => {
                if rec.depth + 1 < cfg.max_depth {
                    self.partition_presorted(start, s.pos, end, s.feature);
                }
                let right = StackRecord {
                    start: s.pos,
                    end,
                    depth: rec.depth + 1,
                    parent: Some((id, false)),
                    impurity: s.impurity_right,
                    n_constant,
                    sums: s.right_sums,
                };
                let left = StackRecord {
                    start,
                    end: s.pos,
                    depth: rec.depth + 1,
                    parent: Some((id, true)),
                    impurity: s.impurity_left,
                    n_constant,
                    sums: s.left_sums,
                };
                Some((left, right))
            }
            _ => {
                self.leaves.push((id, start, end));
                None
            }
        }
    }
}
