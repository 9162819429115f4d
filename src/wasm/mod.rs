//! The JavaScript boundary (wasm32 only): with `registry/idb.rs`, the only code that names
//! `wasm_bindgen`, `js_sys` or `web_sys` (`tests/boundary.rs` checks it).
//!
//! Big data stays in Rust; JS gets small results. Every error becomes a `JsError` whose message
//! says what and why; nothing reachable from here may panic (a trap would kill the module for the
//! rest of the page).
//!
//! One file per exported area (the JS names are in `docs/wasm-api.md`):
//!
//! | file | exports |
//! |---|---|
//! | `mod.rs` | `version`, `dataFingerprint`; the shared argument readers and error helpers |
//! | `kv.rs` | `KvStore` (a key–value store in IndexedDB) |
//! | `experiments.rs` | `ksSamples`, `driftTrials`, `promotionTrials`, `mergeDriftTrials`, `mergePromotionTrials`, `bootstrapAucDiff` (exercises 2–3) |
//! | `exercises.rs` | `challenges`, `gradeTriggerChallenge`, `gradeGateChallenge`, `weakestFailures`, `failuresShown`, `compareYears`, `defaults` |
//! | `chapter.rs` | `chapter`, `trainModel` (the walkthrough) |
//! | `registry.rs` | `Registry` (full module only) |
//! | `run_loop.rs` | `runLoop` (full module only) |
//! | `bench.rs` | `benchFit`, `benchLoop` (for `make bench`; full module only) |
//! | `learner.rs` | `learnerStarters`, `gradeLearnerTrigger`, `gradeLearnerGate`, `gradeLearnerTriggerPart`, `gradeLearnerGatePart`, `mergeLearnerTrigger`, `mergeLearnerGate`, `learnerYear`, `warmBuiltinYear` (sandbox module only) |
//!
//! The full module (feature `loop-exports`) has every file but `learner.rs`; the lite first-load
//! module (`--no-default-features`) leaves out `registry.rs`, `run_loop.rs` and `bench.rs` too; the sandbox
//! module (`loop-exports` and `python`, loaded when a learner opens the editor) has them all.

use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::data::{make_data, Drift};
use crate::fingerprint::fingerprint;

// The benchmarks run on the full module only (`make bench`), so the first load never carries them.
#[cfg(feature = "loop-exports")]
mod bench;
mod chapter;
mod exercises;
mod experiments;
mod kv;
#[cfg(all(feature = "loop-exports", feature = "python"))]
mod learner;
#[cfg(feature = "loop-exports")]
mod registry;
#[cfg(feature = "loop-exports")]
mod run_loop;

#[cfg(feature = "loop-exports")]
pub use bench::*;
pub use chapter::*;
pub use exercises::*;
pub use experiments::*;
pub use kv::*;
#[cfg(all(feature = "loop-exports", feature = "python"))]
pub use learner::*;
#[cfg(feature = "loop-exports")]
pub use registry::*;
#[cfg(feature = "loop-exports")]
pub use run_loop::*;

/// The 12-hex data fingerprint (`sha256(hash_pandas_object(df))[:12]`) of `make_data(seed, drift, rows)`.
/// `drift` is a Python literal: `"10"` keeps days int64, `"10.0"` makes them float64.
#[wasm_bindgen(js_name = dataFingerprint)]
pub fn data_fingerprint(seed: &str, drift: &str, rows: u32) -> Result<String, JsError> {
    let seed = parse_seed(seed)?;
    let drift = Drift::parse(drift).map_err(js_err)?;
    let df = make_data(seed, drift, rows as usize).map_err(js_err)?;
    Ok(fingerprint(&df).short)
}

/// The crate version and build id, e.g. `0.1.0`.
#[wasm_bindgen]
pub fn version() -> String {
    crate::build_id()
}

// ---------------------------------------------------------------- shared by every file

/// Parse a seed given as decimal text (JS numbers lose precision beyond 2^53; seeds may exceed 2^64).
fn parse_seed(text: &str) -> Result<u128, JsError> {
    crate::pipeline::parse_seed(text).map_err(js_err)
}

fn js_err(e: crate::Error) -> JsError {
    jserr(e.to_string())
}

/// A `JsError` with at most ~300 characters of message: serde quotes the offending input, and a
/// pasted 100 kB value must not come back as a 100 kB message.
fn jserr(text: impl Into<String>) -> JsError {
    let text: String = text.into();
    if text.chars().count() <= 300 {
        return JsError::new(&text);
    }
    let cut: String = text.chars().take(300).collect();
    JsError::new(&format!("{cut}… (message cut at 300 characters)"))
}

/// Read a plain JS object into `T`; unknown keys are errors (a typo must not silently use a default).
fn from_js<T: for<'de> Deserialize<'de>>(what: &str, v: JsValue) -> Result<T, JsError> {
    if v.is_undefined() || v.is_null() {
        // An empty object, read like any other (not parsed from text: that would build serde_json's
        // text reader for every parameter type, which the lite module does not otherwise need).
        let empty = serde_json::Value::Object(serde_json::Map::new());
        return serde_json::from_value(empty).map_err(|e| jserr(format!("invalid {what}: {e}")));
    }
    reject_non_finite(what, &v, 0)?;
    // Through a JSON value, so that `deny_unknown_fields` sees every key (serde-wasm-bindgen
    // reads only the known fields of a struct).
    let json: serde_json::Value =
        serde_wasm_bindgen::from_value(v).map_err(|e| jserr(format!("invalid {what}: {e}")))?;
    serde_json::from_value(json).map_err(|e| jserr(format!("invalid {what}: {e}")))
}

/// NaN and ±infinity have no JSON form (they would silently become defaults): reject them by
/// name. Nesting deeper than 8 levels is rejected too (no parameter object is that deep).
fn reject_non_finite(path: &str, v: &JsValue, depth: usize) -> Result<(), JsError> {
    if depth > 8 {
        return Err(jserr(format!("invalid {path}: nested too deeply")));
    }
    if let Some(x) = v.as_f64() {
        if !x.is_finite() {
            return Err(jserr(format!(
                "invalid {path} = {x}: must be a finite number"
            )));
        }
    } else if v.is_object() {
        for entry in js_sys::Object::entries(v.unchecked_ref()).iter() {
            let pair = js_sys::Array::from(&entry);
            let key = pair.get(0).as_string().unwrap_or_default();
            reject_non_finite(&format!("{path}.{key}"), &pair.get(1), depth + 1)?;
        }
    }
    Ok(())
}

fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| jserr(format!("could not return the result: {e}")))
}

/// A JS number that must be a whole count in `[min, max]`.
fn count(field: &'static str, v: f64, min: usize, max: usize) -> Result<usize, JsError> {
    if !(v.is_finite() && v.fract() == 0.0 && v >= min as f64 && v <= max as f64) {
        return Err(jserr(format!(
            "invalid {field} = {v}: must be a whole number between {min} and {max}"
        )));
    }
    Ok(v as usize)
}

fn drift_of(field: &'static str, text: &str) -> Result<Drift, JsError> {
    Drift::parse(text).map_err(|e| jserr(e.to_string().replacen("drift", field, 1)))
}
