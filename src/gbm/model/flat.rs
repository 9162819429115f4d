//! The trees laid out flat for prediction. Its place in the fit: after it, when a model scores
//! rows ([`GbmModel::predict_raw`](super::GbmModel::predict_raw)): trees no deeper than
//! [`FLAT_MAX_DEPTH`] are descended branch-free, in blocks of rows, with the node walk's
//! comparisons and order of additions (the same bits).

use crate::gbm::tree::{Tree, TREE_LEAF};

/// Deepest tree [`Flat`] lays out (2^depth leaves per tree); deeper models use the node walk.
const FLAT_MAX_DEPTH: usize = 8;
/// Rows [`Flat::accumulate`] takes at once.
pub(super) const PREDICT_BLOCK: usize = 64;

/// The trees as complete binary trees of one depth, for a branch-free descent: node `i` has
/// children `2i + 1` (x ≤ threshold) and `2i + 2`; a leaf above the bottom fills every bottom slot
/// under it, and stores `learning_rate · value` (the same product the node walk computes, so the
/// same bits). The comparisons and the order of the additions are the node walk's.
pub(super) struct Flat {
    depth: usize,
    feature: Vec<usize>,
    threshold: Vec<f64>,
    leaf: Vec<f64>,
}

impl Flat {
    /// `None` when a tree is deeper than [`FLAT_MAX_DEPTH`] (or has no nodes).
    pub(super) fn new(trees: &[Tree], lr: f64) -> Option<Flat> {
        let mut depth = 0;
        for t in trees {
            depth = depth.max(tree_depth(t, 0, 0)?);
        }
        let (inner, leaves) = ((1usize << depth) - 1, 1usize << depth);
        let mut f = Flat {
            depth,
            feature: vec![0; inner * trees.len()],
            threshold: vec![0.0; inner * trees.len()],
            leaf: vec![0.0; leaves * trees.len()],
        };
        for (k, t) in trees.iter().enumerate() {
            f.fill(t, lr, k, 0, 0, 0);
        }
        Some(f)
    }

    /// Lay out node `node` of tree `k` at slot `pos` (depth `d`).
    fn fill(&mut self, t: &Tree, lr: f64, k: usize, node: usize, pos: usize, d: usize) {
        let inner = (1usize << self.depth) - 1;
        if t.children_left[node] == TREE_LEAF {
            // Every bottom slot under `pos`: positions pos·2^r + (2^r − 1) … + 2^r at r levels down.
            let r = self.depth - d;
            let first = (pos << r) + (1 << r) - 1 - inner;
            let v = lr * t.value[node];
            let base = k << self.depth;
            self.leaf[base + first..base + first + (1 << r)].fill(v);
            return;
        }
        self.feature[k * inner + pos] = t.feature[node] as usize;
        self.threshold[k * inner + pos] = t.threshold[node];
        self.fill(t, lr, k, t.children_left[node] as usize, 2 * pos + 1, d + 1);
        self.fill(
            t,
            lr,
            k,
            t.children_right[node] as usize,
            2 * pos + 2,
            d + 1,
        );
    }

    /// `raw[r] += learning_rate · value(leaf of row r)` for each tree, in order, for the rows of
    /// `x` (row-major, `nf` float32 values a row, one `raw` each). Tree by tree over a block of
    /// rows: each row's additions are the node walk's, in the same order (so the same bits), while
    /// the rows' independent chains overlap.
    pub(super) fn accumulate(&self, x: &[f32], nf: usize, raw: &mut [f64]) {
        let depth = self.depth;
        let inner = (1usize << depth) - 1;
        let x4: Vec<[f64; 4]> = if depth == 3 && nf > 0 && nf <= 4 {
            x.chunks_exact(nf)
                .map(|row| {
                    let mut r = [0.0; 4];
                    for (o, &v) in r.iter_mut().zip(row) {
                        *o = f64::from(v);
                    }
                    r
                })
                .collect()
        } else {
            Vec::new()
        };
        for k in 0..self.leaf.len() >> depth {
            let leaf = &self.leaf[k << depth..(k + 1) << depth];
            if depth == 3 && nf > 0 && nf <= 4 {
                // The book's depth, unrolled: 7 thresholds, 8 leaves (the same comparisons),
                // in arrays of 8, and each row's values widened to float64 in an array of 4, so
                // that masked indices need no bounds checks (a feature index is below `nf`).
                let (mut f, mut t, mut l) = ([0usize; 8], [0f64; 8], [0f64; 8]);
                f[..7].copy_from_slice(&self.feature[k * 7..k * 7 + 7]);
                t[..7].copy_from_slice(&self.threshold[k * 7..k * 7 + 7]);
                l.copy_from_slice(leaf);
                for (row, o) in x4.iter().zip(raw.iter_mut()) {
                    let go = |i: usize| usize::from(row[f[i & 7] & 3] <= t[i & 7]);
                    let i = 2 - go(0);
                    let i = 2 * i + 2 - go(i);
                    let i = 2 * i + 2 - go(i);
                    *o += l[(i - 7) & 7];
                }
                continue;
            }
            let (feat, thr) = (
                &self.feature[k * inner..(k + 1) * inner],
                &self.threshold[k * inner..(k + 1) * inner],
            );
            for (r, o) in raw.iter_mut().enumerate() {
                let row = &x[r * nf..(r + 1) * nf];
                let mut i = 0;
                for _ in 0..depth {
                    let go_left = f64::from(row[feat[i]]) <= thr[i];
                    i = 2 * i + 2 - usize::from(go_left);
                }
                *o += leaf[i - inner];
            }
        }
    }
}

/// Depth below `node` (a leaf is 0), or `None` past [`FLAT_MAX_DEPTH`].
fn tree_depth(t: &Tree, node: usize, d: usize) -> Option<usize> {
    if d > FLAT_MAX_DEPTH {
        return None;
    }
    let l = *t.children_left.get(node)?;
    if l == TREE_LEAF {
        return Some(d);
    }
    let r = *t.children_right.get(node)?;
    let left = tree_depth(t, usize::try_from(l).ok()?, d + 1)?;
    let right = tree_depth(t, usize::try_from(r).ok()?, d + 1)?;
    Some(left.max(right))
}

#[cfg(test)]
mod flat_tests {
    use super::super::GbmModel;
    use crate::gbm::GbmParams;

    /// The node walk, as predict_raw did it before the flat layout.
    fn walk(m: &GbmModel, rows: &[[f64; 3]]) -> Vec<f64> {
        let lr = m.params.learning_rate();
        rows.iter()
            .map(|row| {
                let r32: Vec<f32> = row.iter().map(|&v| v as f32).collect();
                let mut raw = m.init_raw;
                for t in &m.trees {
                    raw += lr * t.value[t.apply(&r32)];
                }
                raw
            })
            .collect()
    }

    #[test]
    fn flat_layout_predicts_the_node_walks_bits() {
        let mut state = 0x853c_49e6_748f_ea9bu64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for case in 0..24 {
            let n = 60 + (next() % 300) as usize;
            let rows: Vec<[f64; 3]> = (0..n)
                .map(|_| {
                    let a = (next() >> 11) as f64 / (1u64 << 53) as f64 * 20.0;
                    [a, (next() % 2) as f64, (next() % 90) as f64]
                })
                .collect();
            let y: Vec<i64> = rows
                .iter()
                .map(|r| i64::from(r[2] + 20.0 * (next() % 3) as f64 > 45.0))
                .collect();
            let depth = 1 + case % 10; // 9 and 10 exceed FLAT_MAX_DEPTH: the walk is used
            let m = GbmParams::new()
                .n_estimators(15)
                .max_depth(depth)
                .min_samples_leaf(1 + case % 3)
                .check()
                .unwrap()
                .fit(&rows, &y)
                .unwrap();
            let got = m.predict_raw(&rows).unwrap();
            let want = walk(&m, &rows);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "case {case}, max_depth {depth}");
        }
    }
}
