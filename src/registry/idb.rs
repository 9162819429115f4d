//! The IndexedDB backend (browser only): a byte-level key–value store in one object store.
//!
//! Each call is one IndexedDB transaction; a write resolves only when its transaction has
//! *completed* (not merely when the request succeeded), so a resolved `put` survives a reload.
//! Every failure (database blocked, quota exceeded, aborted transaction) becomes a `JsValue`
//! error with a readable message; nothing here panics.

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbFactory, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode,
};

/// The name of the single object store holding the records.
pub const STORE: &str = "records";
/// The schema version of the IndexedDB database.
pub const DB_VERSION: u32 = 1;

fn err(context: &str, e: JsValue) -> JsValue {
    let detail = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| {
            e.dyn_ref::<web_sys::DomException>()
                .map(|d| format!("{}: {}", d.name(), d.message()))
        })
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".to_string());
    JsError::new(&format!("IndexedDB {context} failed: {detail}")).into()
}

/// Resolve when `req` succeeds (with its result), reject with its error otherwise.
fn request_future(req: &IdbRequest) -> JsFuture {
    let req = req.clone();
    JsFuture::from(Promise::new(&mut |resolve, reject| {
        let r = req.clone();
        let ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &r.result().unwrap_or(JsValue::UNDEFINED));
        });
        let r = req.clone();
        let ko = Closure::once_into_js(move |_: web_sys::Event| {
            let e = r
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or(JsValue::UNDEFINED);
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(ko.unchecked_ref()));
    }))
}

/// Resolve when the transaction completes; reject if it aborts or errors.
fn transaction_future(tx: &IdbTransaction) -> JsFuture {
    let tx = tx.clone();
    JsFuture::from(Promise::new(&mut |resolve, reject| {
        let done = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let t = tx.clone();
        let rj = reject.clone();
        let aborted = Closure::once_into_js(move |_: web_sys::Event| {
            let e = t
                .error()
                .map(JsValue::from)
                .unwrap_or_else(|| JsValue::from_str("transaction aborted"));
            let _ = rj.call1(&JsValue::NULL, &e);
        });
        let t = tx.clone();
        let failed = Closure::once_into_js(move |_: web_sys::Event| {
            let e = t
                .error()
                .map(JsValue::from)
                .unwrap_or_else(|| JsValue::from_str("transaction error"));
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        tx.set_oncomplete(Some(done.unchecked_ref()));
        tx.set_onabort(Some(aborted.unchecked_ref()));
        tx.set_onerror(Some(failed.unchecked_ref()));
    }))
}

fn factory() -> Result<IdbFactory, JsValue> {
    let f = Reflect::get(&js_sys::global(), &JsValue::from_str("indexedDB"))
        .map_err(|e| err("lookup", e))?;
    if f.is_undefined() || f.is_null() {
        return Err(JsError::new("IndexedDB is not available in this browser context (private mode or disabled storage?)").into());
    }
    f.dyn_into::<IdbFactory>().map_err(|e| err("lookup", e))
}

/// A byte-level key–value store in one IndexedDB database.
#[derive(Debug, Clone)]
pub struct IdbStore {
    db: IdbDatabase,
}

impl IdbStore {
    /// Open (creating or upgrading as needed) the database `name`.
    ///
    /// # Errors
    /// IndexedDB missing, blocked by an old tab, or refused (private mode, storage disabled).
    pub async fn open(name: &str) -> Result<IdbStore, JsValue> {
        let req: IdbOpenDbRequest = factory()?
            .open_with_u32(name, DB_VERSION)
            .map_err(|e| err("open", e))?;
        let upgrade = Closure::once_into_js(move |ev: web_sys::IdbVersionChangeEvent| {
            let db = ev
                .target()
                .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                .and_then(|r| r.result().ok())
                .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
            if let Some(db) = db {
                if !db.object_store_names().contains(STORE) {
                    let _ = db.create_object_store(STORE);
                }
            }
        });
        req.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
        let blocked = Closure::once_into_js(move |_: web_sys::Event| {
            web_sys::console::warn_1(&JsValue::from_str(
                "mlops-loop: the database upgrade is blocked by another open tab; close it to continue",
            ));
        });
        req.set_onblocked(Some(blocked.unchecked_ref()));
        let db = request_future(&req).await.map_err(|e| err("open", e))?;
        let db: IdbDatabase = db.dyn_into().map_err(|e| err("open", e))?;
        Ok(IdbStore { db })
    }

    fn tx(
        &self,
        mode: IdbTransactionMode,
    ) -> Result<(IdbTransaction, web_sys::IdbObjectStore), JsValue> {
        let tx = self
            .db
            .transaction_with_str_and_mode(STORE, mode)
            .map_err(|e| err("transaction", e))?;
        let store = tx.object_store(STORE).map_err(|e| err("transaction", e))?;
        Ok((tx, store))
    }

    /// Store `value` under `key`; resolves once the transaction has committed.
    ///
    /// # Errors
    /// Quota exceeded, transaction aborted, database closed.
    pub async fn put(&self, key: &str, value: &[u8]) -> Result<(), JsValue> {
        let (tx, store) = self.tx(IdbTransactionMode::Readwrite)?;
        let done = transaction_future(&tx);
        let arr = Uint8Array::from(value);
        store
            .put_with_key(&arr, &JsValue::from_str(key))
            .map_err(|e| err("put", e))?;
        done.await.map_err(|e| err("put", e))?;
        Ok(())
    }

    /// Store several records in one transaction: all of them or none.
    ///
    /// # Errors
    /// As [`IdbStore::put`]; on error no record of the batch is written.
    pub async fn put_all(&self, records: &[(String, Vec<u8>)]) -> Result<(), JsValue> {
        let (tx, store) = self.tx(IdbTransactionMode::Readwrite)?;
        let done = transaction_future(&tx);
        for (k, v) in records {
            if let Err(e) =
                store.put_with_key(&Uint8Array::from(v.as_slice()), &JsValue::from_str(k))
            {
                let _ = tx.abort();
                let _ = done.await;
                return Err(err("put", e));
            }
        }
        done.await.map_err(|e| err("put", e))?;
        Ok(())
    }

    /// Read the record under `key`, if any.
    ///
    /// # Errors
    /// Transaction failure, or a stored value that is not bytes (a corrupt record).
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, JsValue> {
        let (_tx, store) = self.tx(IdbTransactionMode::Readonly)?;
        let req = store
            .get(&JsValue::from_str(key))
            .map_err(|e| err("get", e))?;
        let v = request_future(&req).await.map_err(|e| err("get", e))?;
        if v.is_undefined() {
            return Ok(None);
        }
        match v.dyn_into::<Uint8Array>() {
            Ok(a) => Ok(Some(a.to_vec())),
            Err(_) => Err(JsError::new(&format!(
                "IndexedDB record {key:?} is corrupt: not a byte array"
            ))
            .into()),
        }
    }

    /// Delete the record under `key` (no error if absent).
    ///
    /// # Errors
    /// Transaction failure.
    pub async fn delete(&self, key: &str) -> Result<(), JsValue> {
        let (tx, store) = self.tx(IdbTransactionMode::Readwrite)?;
        let done = transaction_future(&tx);
        store
            .delete(&JsValue::from_str(key))
            .map_err(|e| err("delete", e))?;
        done.await.map_err(|e| err("delete", e))?;
        Ok(())
    }

    /// All keys, in IndexedDB's key order.
    ///
    /// # Errors
    /// Transaction failure.
    pub async fn keys(&self) -> Result<Vec<String>, JsValue> {
        let (_tx, store) = self.tx(IdbTransactionMode::Readonly)?;
        let req = store.get_all_keys().map_err(|e| err("keys", e))?;
        let v = request_future(&req).await.map_err(|e| err("keys", e))?;
        let arr: Array = v.dyn_into().map_err(|e| err("keys", e))?;
        Ok(arr.iter().filter_map(|k| k.as_string()).collect())
    }

    /// Close the connection.
    pub fn close(&self) {
        self.db.close();
    }
}
