//! The fitted model: prediction with flat arrays, and its JSON form (validated on the way in,
//! hashed for lineage).
//!
//! The JSON form stores every float as the hex string of its IEEE-754 bits (`"0x3fb999999999999a"`)
//! so that a saved model predicts the same bits after loading, whatever the JSON parser does with
//! decimal floats.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::boost::{expit, to_f32, MAX_FEATURES};
use super::params::{GbmParams, GbmValidParams};
use super::tree::{Tree, TREE_LEAF, TREE_UNDEFINED};
use crate::{Error, Result};

/// Deepest tree [`Flat`] lays out (2^depth leaves per tree); deeper models use the node walk.
const FLAT_MAX_DEPTH: usize = 8;
/// Rows [`Flat::accumulate`] takes at once.
const PREDICT_BLOCK: usize = 64;

/// The trees as complete binary trees of one depth, for a branch-free descent: node `i` has
/// children `2i + 1` (x ≤ threshold) and `2i + 2`; a leaf above the bottom fills every bottom slot
/// under it, and stores `learning_rate · value` (the same product the node walk computes, so the
/// same bits). The comparisons and the order of the additions are the node walk's.
struct Flat {
    depth: usize,
    feature: Vec<usize>,
    threshold: Vec<f64>,
    leaf: Vec<f64>,
}

impl Flat {
    /// `None` when a tree is deeper than [`FLAT_MAX_DEPTH`] (or has no nodes).
    fn new(trees: &[Tree], lr: f64) -> Option<Flat> {
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
    fn accumulate(&self, x: &[f32], nf: usize, raw: &mut [f64]) {
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

/// Version of the JSON model format written by [`GbmModel::to_json`].
pub const FORMAT_VERSION: u32 = 1;
/// The `format` tag of a model file.
pub const FORMAT_NAME: &str = "mlops-loop/gbm";
/// Largest model JSON accepted by [`GbmModel::from_json`], in bytes.
pub const MAX_JSON_BYTES: usize = 64 << 20;
/// Largest number of nodes per tree accepted by [`GbmModel::from_json`].
pub const MAX_NODES_PER_TREE: usize = 1 << 16;
/// Largest total number of nodes accepted by [`GbmModel::from_json`].
pub const MAX_TOTAL_NODES: usize = 1 << 22;

/// A fitted `GradientBoostingClassifier`: the initial raw score, the trees and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct GbmModel {
    params: GbmValidParams,
    n_features: usize,
    classes: [i64; 2],
    init_raw: f64,
    trees: Vec<Tree>,
}

impl GbmModel {
    pub(crate) fn from_parts(
        params: GbmValidParams,
        n_features: usize,
        classes: [i64; 2],
        init_raw: f64,
        trees: Vec<Tree>,
    ) -> Self {
        GbmModel {
            params,
            n_features,
            classes,
            init_raw,
            trees,
        }
    }

    /// The parameters it was fitted with.
    pub fn params(&self) -> GbmValidParams {
        self.params
    }
    /// Number of features a row must have.
    pub fn n_features(&self) -> usize {
        self.n_features
    }
    /// The two labels, sorted; probabilities are for `classes()[1]`.
    pub fn classes(&self) -> [i64; 2] {
        self.classes
    }
    /// The raw score before any tree: `logit(prior of classes()[1])`.
    pub fn init_raw(&self) -> f64 {
        self.init_raw
    }
    /// The trees, in boosting order.
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// Raw scores (log-odds) of rows: `init_raw`, then `+= learning_rate · leaf value` per tree in
    /// order (sklearn `predict_stages`), features cast to float32 first.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `x` if a row has the wrong length or a value that is NaN,
    /// infinite or too large for float32.
    pub fn predict_raw<R: AsRef<[f64]>>(&self, rows: &[R]) -> Result<Vec<f64>> {
        let lr = self.params.learning_rate();
        let nf = self.n_features;
        // Every row as float32 first (the first bad row is the one named).
        let mut x = Vec::with_capacity(rows.len() * nf);
        for (i, row) in rows.iter().enumerate() {
            let row = row.as_ref();
            if row.len() != nf {
                return Err(Error::invalid(
                    "x",
                    format!("row {i} with {} values", row.len()),
                    format!("the model expects {nf} features"),
                ));
            }
            for (j, &v) in row.iter().enumerate() {
                x.push(to_f32(v, i, j)?);
            }
        }
        let mut out = vec![self.init_raw; rows.len()];
        match Flat::new(&self.trees, lr) {
            // Blocks of rows small enough for the cache, large enough to overlap the chains.
            Some(f) => {
                for (b, raw) in out.chunks_mut(PREDICT_BLOCK).enumerate() {
                    let start = b * PREDICT_BLOCK * nf;
                    f.accumulate(&x[start..start + raw.len() * nf], nf, raw);
                }
            }
            None => {
                for (r, raw) in out.iter_mut().enumerate() {
                    let row = &x[r * nf..(r + 1) * nf];
                    for t in &self.trees {
                        *raw += lr * t.value[t.apply(row)];
                    }
                }
            }
        }
        Ok(out)
    }

    /// Probability of `classes()[1]` per row: `expit(raw)` (sklearn `predict_proba[:, 1]`).
    ///
    /// # Errors
    /// As [`GbmModel::predict_raw`].
    pub fn predict_proba<R: AsRef<[f64]>>(&self, rows: &[R]) -> Result<Vec<f64>> {
        let mut raw = self.predict_raw(rows)?;
        for r in &mut raw {
            *r = expit(*r);
        }
        Ok(raw)
    }

    /// The canonical JSON form (compact, fixed field order, floats as hex bits).
    pub fn to_json(&self) -> String {
        let file = ModelFile {
            format: FORMAT_NAME.to_string(),
            format_version: FORMAT_VERSION,
            n_features: self.n_features,
            classes: self.classes,
            params: self.params.params(),
            learning_rate: self.params.learning_rate(),
            init_raw: self.init_raw,
            trees: self
                .trees
                .iter()
                .map(|t| TreeFile {
                    children_left: t.children_left.clone(),
                    children_right: t.children_right.clone(),
                    feature: t.feature.clone(),
                    threshold: t.threshold.clone(),
                    value: t.value.clone(),
                })
                .collect(),
        };
        // Serialising plain integers, strings and vectors of them cannot fail.
        serde_json::to_string(&file).unwrap_or_default()
    }

    /// sha256 (hex) of [`GbmModel::to_json`]: the model's identity in lineage records.
    pub fn model_hash(&self) -> String {
        let digest = Sha256::digest(self.to_json().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Read a model written by [`GbmModel::to_json`], validating everything a prediction relies
    /// on: sizes, node indices (children strictly after their parent, each node with one
    /// parent, so prediction terminates), feature indices, finite floats and size caps.
    ///
    /// # Errors
    /// [`Error::Malformed`] (what = "model") saying what is wrong; [`Error::Invalid`] for
    /// out-of-domain parameters.
    pub fn from_json(text: &str) -> Result<Self> {
        let bad = |reason: String| Error::Malformed {
            what: "model",
            reason,
        };
        if text.len() > MAX_JSON_BYTES {
            return Err(bad(format!(
                "{} bytes, more than the {MAX_JSON_BYTES}-byte limit",
                text.len()
            )));
        }
        let file: ModelFile = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        if file.format != FORMAT_NAME {
            return Err(bad(format!(
                "format {:?}, expected {FORMAT_NAME:?}",
                file.format
            )));
        }
        if file.format_version != FORMAT_VERSION {
            return Err(bad(format!(
                "format_version {}, this build reads {FORMAT_VERSION}",
                file.format_version
            )));
        }
        let params = file.params.check()?;
        if file.learning_rate.to_bits() != params.learning_rate().to_bits() {
            return Err(bad(format!(
                "learning_rate {} differs from params.learning_rate {}",
                file.learning_rate,
                params.learning_rate()
            )));
        }
        if file.n_features == 0 || file.n_features > MAX_FEATURES {
            return Err(bad(format!(
                "n_features {} outside [1, {MAX_FEATURES}]",
                file.n_features
            )));
        }
        if file.classes[0] >= file.classes[1] {
            return Err(bad(format!(
                "classes {:?} must be two increasing labels",
                file.classes
            )));
        }
        if !file.init_raw.is_finite() {
            return Err(bad(format!("init_raw {} is not finite", file.init_raw)));
        }
        if file.trees.len() != params.n_estimators() {
            return Err(bad(format!(
                "{} trees but params.n_estimators = {}",
                file.trees.len(),
                params.n_estimators()
            )));
        }
        let mut total = 0usize;
        let mut trees = Vec::with_capacity(file.trees.len());
        for (k, t) in file.trees.into_iter().enumerate() {
            total += t.value.len();
            if total > MAX_TOTAL_NODES {
                return Err(bad(format!("more than {MAX_TOTAL_NODES} nodes in total")));
            }
            validate_tree(&t, file.n_features).map_err(|r| bad(format!("tree {k}: {r}")))?;
            trees.push(Tree {
                children_left: t.children_left,
                children_right: t.children_right,
                feature: t.feature,
                threshold: t.threshold,
                value: t.value,
            });
        }
        Ok(GbmModel {
            params,
            n_features: file.n_features,
            classes: file.classes,
            init_raw: file.init_raw,
            trees,
        })
    }
}

fn validate_tree(t: &TreeFile, n_features: usize) -> std::result::Result<(), String> {
    let n = t.value.len();
    if n == 0 {
        return Err("no nodes".into());
    }
    if n > MAX_NODES_PER_TREE {
        return Err(format!("{n} nodes, more than {MAX_NODES_PER_TREE}"));
    }
    for (name, len) in [
        ("children_left", t.children_left.len()),
        ("children_right", t.children_right.len()),
        ("feature", t.feature.len()),
        ("threshold", t.threshold.len()),
    ] {
        if len != n {
            return Err(format!("{name} has {len} entries, value has {n}"));
        }
    }
    let mut parents = vec![0u8; n];
    for i in 0..n {
        let (l, r, f, thr, v) = (
            t.children_left[i],
            t.children_right[i],
            t.feature[i],
            t.threshold[i],
            t.value[i],
        );
        if !v.is_finite() {
            return Err(format!("node {i}: value {v} is not finite"));
        }
        if l == TREE_LEAF || r == TREE_LEAF {
            if l != TREE_LEAF || r != TREE_LEAF {
                return Err(format!("node {i}: one child is -1 and the other {l}/{r}"));
            }
            if f != TREE_UNDEFINED || thr.to_bits() != (-2.0f64).to_bits() {
                return Err(format!(
                    "node {i}: a leaf must have feature -2 and threshold -2.0, got {f} and {thr}"
                ));
            }
            continue;
        }
        for c in [l, r] {
            // Forward-only: a child index after its parent makes the tree acyclic, so
            // prediction terminates.
            if c <= i as i32 || c as usize >= n {
                return Err(format!(
                    "node {i}: child {c} must be in ({i}, {n}) (forward-only node order)"
                ));
            }
            parents[c as usize] += 1;
            if parents[c as usize] > 1 {
                return Err(format!("node {c} has more than one parent"));
            }
        }
        if f < 0 || f as usize >= n_features {
            return Err(format!("node {i}: feature {f} outside [0, {n_features})"));
        }
        if !thr.is_finite() {
            return Err(format!("node {i}: threshold {thr} is not finite"));
        }
    }
    if let Some(orphan) = (1..n).find(|&i| parents[i] == 0) {
        return Err(format!("node {orphan} is unreachable (no parent)"));
    }
    Ok(())
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    format: String,
    format_version: u32,
    n_features: usize,
    classes: [i64; 2],
    params: GbmParams,
    #[serde(with = "f64_bits")]
    learning_rate: f64,
    #[serde(with = "f64_bits")]
    init_raw: f64,
    trees: Vec<TreeFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TreeFile {
    children_left: Vec<i32>,
    children_right: Vec<i32>,
    feature: Vec<i32>,
    #[serde(with = "vec_f64_bits")]
    threshold: Vec<f64>,
    #[serde(with = "vec_f64_bits")]
    value: Vec<f64>,
}

/// `"0x%016x"` of the float's bits.
pub(crate) fn f64_to_hex(v: f64) -> String {
    format!("0x{:016x}", v.to_bits())
}

/// Parse `"0x"` + 1–16 hex digits into a float's bits.
pub(crate) fn f64_from_hex(s: &str) -> std::result::Result<f64, String> {
    let digits = s
        .strip_prefix("0x")
        .ok_or_else(|| format!("float bits {s:?} must start with 0x"))?;
    if digits.is_empty() || digits.len() > 16 {
        return Err(format!("float bits {s:?} must have 1 to 16 hex digits"));
    }
    u64::from_str_radix(digits, 16)
        .map(f64::from_bits)
        .map_err(|e| format!("float bits {s:?}: {e}"))
}

/// serde helper: an `f64` as the hex string of its bits.
pub(crate) mod f64_bits {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::f64_to_hex(*v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let s = <&str>::deserialize(d)?;
        super::f64_from_hex(s).map_err(serde::de::Error::custom)
    }
}

/// serde helper: a `Vec<f64>` as hex strings of the bits.
mod vec_f64_bits {
    use serde::de::{SeqAccess, Visitor};
    use serde::ser::SerializeSeq;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for x in v {
            seq.serialize_element(&super::f64_to_hex(*x))?;
        }
        seq.end()
    }

    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<f64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of float bit strings")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<f64>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
            while let Some(s) = seq.next_element::<&str>()? {
                out.push(super::f64_from_hex(s).map_err(serde::de::Error::custom)?);
                if out.len() > super::MAX_NODES_PER_TREE {
                    return Err(serde::de::Error::custom(format!(
                        "more than {} nodes in a tree",
                        super::MAX_NODES_PER_TREE
                    )));
                }
            }
            Ok(out)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        d.deserialize_seq(V)
    }
}

#[cfg(test)]
mod flat_tests {
    use super::*;

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
