//! `KvStore`: a byte-level key–value store in IndexedDB (text values), the path the registry takes.

use wasm_bindgen::prelude::*;

use super::jserr;
use crate::registry::idb::IdbStore;

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
            return Err(jserr(format!(
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
            Some(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| jserr(format!("record {key:?} is corrupt: not UTF-8 text")).into()),
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
