//! The JavaScript boundary (wasm32 only): the one file besides `registry/idb.rs` that names
//! `wasm_bindgen`.
//!
//! Big data stays in Rust; JS gets small results. Every error becomes a `JsError` whose message
//! says what and why; nothing reachable from here may panic (a trap would kill the module for the
//! rest of the page).

use wasm_bindgen::prelude::*;

use crate::data::{make_data, Drift};
use crate::fingerprint::fingerprint;
use crate::registry::idb::IdbStore;

/// Parse a seed given as decimal text (JS numbers lose precision beyond 2^53; seeds may exceed 2^64).
fn parse_seed(text: &str) -> Result<u128, JsError> {
    let t = text.trim();
    if t.is_empty() || t.len() > 39 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(JsError::new(&format!(
            "invalid seed = {text:?}: expected a non-negative decimal integer below 2^128"
        )));
    }
    t.parse::<u128>().map_err(|_| {
        JsError::new(&format!(
            "invalid seed = {text:?}: expected a non-negative decimal integer below 2^128"
        ))
    })
}

fn js_err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

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

/// A byte-level key–value store in IndexedDB, the path the registry takes (text values here).
#[wasm_bindgen]
pub struct KvStore {
    inner: IdbStore,
}

#[wasm_bindgen]
impl KvStore {
    /// Open (or create) the IndexedDB database `name`.
    pub async fn open(name: String) -> Result<KvStore, JsValue> {
        if name.is_empty() || name.len() > 200 {
            return Err(JsError::new(&format!(
                "invalid database name (length {}): must be 1 to 200 characters",
                name.len()
            ))
            .into());
        }
        Ok(KvStore {
            inner: IdbStore::open(&name).await?,
        })
    }

    /// Store a text value under `key`; resolves once committed.
    #[wasm_bindgen(js_name = putText)]
    pub async fn put_text(&self, key: String, value: String) -> Result<(), JsValue> {
        self.inner.put(&key, value.as_bytes()).await
    }

    /// Read the text value under `key`, or `undefined`.
    #[wasm_bindgen(js_name = getText)]
    pub async fn get_text(&self, key: String) -> Result<Option<String>, JsValue> {
        match self.inner.get(&key).await? {
            None => Ok(None),
            Some(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
                JsError::new(&format!("record {key:?} is corrupt: not UTF-8 text")).into()
            }),
        }
    }

    /// Delete the value under `key`.
    pub async fn delete(&self, key: String) -> Result<(), JsValue> {
        self.inner.delete(&key).await
    }

    /// Close the connection.
    pub fn close(&self) {
        self.inner.close();
    }
}
