//! The model's JSON form: written canonically (fixed field order, every float as the hex string
//! of its IEEE-754 bits, `"0x3fb999999999999a"`, so that a saved model predicts the same bits
//! after loading, whatever the JSON parser does with decimal floats), hashed for lineage, and read
//! back validated. Its place in the fit: after it, when the registry stores, exports, imports and
//! identifies a fitted model.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::GbmModel;
use crate::gbm::boost::MAX_FEATURES;
use crate::gbm::params::GbmParams;
use crate::gbm::tree::{Tree, TREE_LEAF, TREE_UNDEFINED};
use crate::{Error, Result};

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

impl GbmModel {
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
