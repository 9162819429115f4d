//! The IndexedDB backend (browser only): a byte-level key–value store in one object store.
//!
//! Each call is one IndexedDB transaction (a scan or a range read too: `getAllKeys` and `getAll`
//! over one key range); a write resolves only when its transaction has
//! *completed* (not merely when the request succeeded), so a resolved `put` survives a reload.
//! Every failure (database blocked, quota exceeded, aborted transaction) becomes a `JsValue`
//! error with a readable message; nothing here panics.

use js_sys::{Array, Promise, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbFactory, IdbKeyRange, IdbOpenDbRequest, IdbRequest, IdbTransaction,
    IdbTransactionMode,
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
///
/// The connection gives way to other tabs: when another tab upgrades or deletes the database
/// (`versionchange`), or the browser closes it (site data cleared), this handle closes and every
/// later call fails with a message saying why, instead of blocking them or failing obscurely.
#[derive(Debug, Clone)]
pub struct IdbStore {
    db: IdbDatabase,
    closed: Rc<RefCell<Option<&'static str>>>,
}

impl IdbStore {
    /// Open (creating or upgrading as needed) the database `name`.
    ///
    /// # Errors
    /// IndexedDB missing, blocked by an old tab, or refused (private mode, storage disabled).
    pub async fn open(name: &str) -> Result<IdbStore, JsValue> {
        Self::open_version(name, DB_VERSION).await
    }

    /// Open the database `name` at schema `version` (tests and future migrations).
    ///
    /// # Errors
    /// As [`IdbStore::open`]; an upgrade blocked by another tab that keeps an older version open
    /// is reported at once (with what to do) rather than waiting forever.
    pub async fn open_version(name: &str, version: u32) -> Result<IdbStore, JsValue> {
        let req: IdbOpenDbRequest = factory()?
            .open_with_u32(name, version)
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
        let r = req.clone();
        let opened = JsFuture::from(Promise::new(&mut |resolve, reject| {
            let rq = r.clone();
            let ok = Closure::once_into_js(move |_: web_sys::Event| {
                let _ = resolve.call1(&JsValue::NULL, &rq.result().unwrap_or(JsValue::UNDEFINED));
            });
            let rq = r.clone();
            let rj = reject.clone();
            let ko = Closure::once_into_js(move |_: web_sys::Event| {
                let e = rq
                    .error()
                    .ok()
                    .flatten()
                    .map(JsValue::from)
                    .unwrap_or(JsValue::UNDEFINED);
                let _ = rj.call1(&JsValue::NULL, &e);
            });
            let blocked = Closure::once_into_js(move |_: web_sys::Event| {
                let _ = reject.call1(
                    &JsValue::NULL,
                    &JsValue::from_str(
                        "blocked: another tab keeps an older version of this database open; \
                         close or reload the other tabs of this page",
                    ),
                );
            });
            r.set_onsuccess(Some(ok.unchecked_ref()));
            r.set_onerror(Some(ko.unchecked_ref()));
            r.set_onblocked(Some(blocked.unchecked_ref()));
        }));
        let db = opened.await.map_err(|e| err("open", e))?;
        let db: IdbDatabase = db.dyn_into().map_err(|e| err("open", e))?;
        let closed: Rc<RefCell<Option<&'static str>>> = Rc::new(RefCell::new(None));
        // Give way to another tab's upgrade or deletion instead of blocking it.
        let (d, c) = (db.clone(), closed.clone());
        let on_version_change =
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
                d.close();
                *c.borrow_mut() = Some("another tab upgraded or deleted this database");
            });
        db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        on_version_change.forget();
        let c = closed.clone();
        let on_close = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            *c.borrow_mut() = Some("the browser closed the database (site data cleared?)");
        });
        let _ = Reflect::set(&db, &JsValue::from_str("onclose"), on_close.as_ref());
        on_close.forget();
        Ok(IdbStore { db, closed })
    }

    /// Why this handle no longer works, if it does not.
    pub fn closed_reason(&self) -> Option<&'static str> {
        *self.closed.borrow()
    }

    fn tx(
        &self,
        mode: IdbTransactionMode,
    ) -> Result<(IdbTransaction, web_sys::IdbObjectStore), JsValue> {
        if let Some(why) = self.closed_reason() {
            return Err(JsError::new(&format!(
                "IndexedDB is closed: {why}; nothing was written. Reload the page \
                 (export your registry first if you can)"
            ))
            .into());
        }
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

    /// The database's name.
    pub fn name(&self) -> String {
        self.db.name()
    }

    /// Close the connection.
    pub fn close(&self) {
        self.db.close();
    }
}

// ---------------------------------------------------------------- the registry's Store over IndexedDB

use super::store::{Batch, Store, StoreError, Write};

/// A fault to inject into the next [`Store::commit`] of an [`IdbStore`] (tests and the page's
/// "what if" demos): the batch's writes are issued inside the real transaction, which is then
/// aborted, so the browser itself rolls them back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdbFault {
    /// Abort the transaction after its writes were issued (a tab closed mid-promotion).
    AbortMidway,
    /// As `AbortMidway`, reported as the `QuotaExceededError` a full disk would give.
    Quota,
}

thread_local! {
    static NEXT_FAULT: Cell<Option<IdbFault>> = const { Cell::new(None) };
}

/// Arm a fault for the next commit on any [`IdbStore`] of this thread.
pub fn inject_fault(f: IdbFault) {
    NEXT_FAULT.with(|c| c.set(Some(f)));
}

fn dom_error_name(e: &JsValue) -> String {
    e.dyn_ref::<web_sys::DomException>()
        .map(|d| d.name())
        .unwrap_or_default()
}

fn store_err(context: &str, e: &JsValue) -> StoreError {
    let msg = err(context, e.clone())
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| context.to_string());
    match dom_error_name(e).as_str() {
        "QuotaExceededError" => StoreError::Quota(msg),
        "AbortError" => StoreError::Aborted(msg),
        _ => StoreError::Io(msg),
    }
}

fn bytes_of(key: &str, v: JsValue) -> Result<Option<Vec<u8>>, StoreError> {
    if v.is_undefined() {
        return Ok(None);
    }
    v.dyn_into::<Uint8Array>()
        .map(|a| Some(a.to_vec()))
        .map_err(|_| StoreError::corrupt(key, "stored value is not a byte array"))
}

impl IdbStore {
    /// Store a raw JS value under `key`, bypassing the byte encoding (tests: a corrupt record).
    ///
    /// # Errors
    /// As [`IdbStore::put`].
    pub async fn put_raw(&self, key: &str, value: &JsValue) -> Result<(), JsValue> {
        let (tx, store) = self.tx(IdbTransactionMode::Readwrite)?;
        let done = transaction_future(&tx);
        store
            .put_with_key(value, &JsValue::from_str(key))
            .map_err(|e| err("put", e))?;
        done.await.map_err(|e| err("put", e))?;
        Ok(())
    }
}

/// The key range of every string key starting with `prefix` (keys are ASCII).
fn prefix_range(prefix: &str) -> Result<IdbKeyRange, JsValue> {
    IdbKeyRange::bound(
        &JsValue::from_str(prefix),
        &JsValue::from_str(&format!("{prefix}\u{ffff}")),
    )
}

impl IdbStore {
    /// Every record in `range`, sorted by key, read in one transaction (both requests are issued
    /// before either is awaited, so the transaction stays active).
    async fn read_range(
        &self,
        range: &IdbKeyRange,
        what: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let (_tx, store) = self
            .tx(IdbTransactionMode::Readonly)
            .map_err(|e| store_err(what, &e))?;
        let keys_req = store
            .get_all_keys_with_key(range)
            .map_err(|e| store_err(what, &e))?;
        let vals_req = store
            .get_all_with_key(range)
            .map_err(|e| store_err(what, &e))?;
        let (keys, vals) = (request_future(&keys_req), request_future(&vals_req));
        let keys: Array = keys
            .await
            .and_then(|v| v.dyn_into())
            .map_err(|e| store_err(what, &e))?;
        let vals: Array = vals
            .await
            .and_then(|v| v.dyn_into())
            .map_err(|e| store_err(what, &e))?;
        let mut out = Vec::with_capacity(keys.length() as usize);
        for (k, v) in keys.iter().zip(vals.iter()) {
            let Some(k) = k.as_string() else { continue };
            if let Some(bytes) = bytes_of(&k, v)? {
                out.push((k, bytes));
            }
        }
        Ok(out)
    }
}

/// Issue every write of `writes` on `store` (inside the caller's transaction).
fn issue_writes(store: &web_sys::IdbObjectStore, writes: &[Write]) -> Result<(), JsValue> {
    for w in writes {
        match w {
            Write::Put(k, v) => {
                store.put_with_key(&Uint8Array::from(v.as_slice()), &JsValue::from_str(k))?;
            }
            Write::Delete(k) => {
                store.delete(&JsValue::from_str(k))?;
            }
        }
    }
    Ok(())
}

impl Store for IdbStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let (_tx, store) = self
            .tx(IdbTransactionMode::Readonly)
            .map_err(|e| store_err("get", &e))?;
        let req = store
            .get(&JsValue::from_str(key))
            .map_err(|e| store_err("get", &e))?;
        let v = request_future(&req)
            .await
            .map_err(|e| store_err("get", &e))?;
        bytes_of(key, v)
    }

    async fn keys(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let (_tx, store) = self
            .tx(IdbTransactionMode::Readonly)
            .map_err(|e| store_err("keys", &e))?;
        let range = prefix_range(prefix).map_err(|e| store_err("keys", &e))?;
        let req = store
            .get_all_keys_with_key(&range)
            .map_err(|e| store_err("keys", &e))?;
        let v = request_future(&req)
            .await
            .map_err(|e| store_err("keys", &e))?;
        let arr: Array = v.dyn_into().map_err(|e| store_err("keys", &e))?;
        let mut keys: Vec<String> = arr.iter().filter_map(|k| k.as_string()).collect();
        keys.retain(|k| k.starts_with(prefix));
        keys.sort();
        Ok(keys)
    }

    /// One `readonly` transaction: `getAllKeys` and `getAll` over the prefix's key range.
    async fn scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let range = prefix_range(prefix).map_err(|e| store_err("scan", &e))?;
        let mut out = self.read_range(&range, "scan").await?;
        out.retain(|(k, _)| k.starts_with(prefix));
        Ok(out)
    }

    /// One `readonly` transaction: `getAllKeys` and `getAll` over `[start, end]`.
    async fn range(&self, start: &str, end: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        if start > end {
            return Ok(Vec::new());
        }
        let range = IdbKeyRange::bound(&JsValue::from_str(start), &JsValue::from_str(end))
            .map_err(|e| store_err("range", &e))?;
        self.read_range(&range, "range").await
    }

    /// One `readwrite` transaction: read the expected key, compare, issue the writes — all in the
    /// request's success callback, so the transaction is still active — or abort. IndexedDB
    /// serialises overlapping `readwrite` transactions, across tabs too.
    async fn commit(&self, batch: Batch) -> Result<(), StoreError> {
        let (tx, store) = self
            .tx(IdbTransactionMode::Readwrite)
            .map_err(|e| store_err("commit", &e))?;
        let done = transaction_future(&tx);
        let fault = NEXT_FAULT.with(|c| c.take());
        let outcome: Rc<RefCell<Option<StoreError>>> = Rc::new(RefCell::new(None));
        let Batch { expect, writes } = batch;
        match expect {
            None => {
                let issued = issue_writes(&store, &writes);
                if let Err(e) = issued {
                    *outcome.borrow_mut() = Some(store_err("commit", &e));
                    let _ = tx.abort();
                } else if fault.is_some() {
                    let _ = tx.abort();
                }
            }
            Some((key, want)) => {
                let req = store
                    .get(&JsValue::from_str(&key))
                    .map_err(|e| store_err("commit", &e))?;
                let (st, t, out, r) = (store.clone(), tx.clone(), outcome.clone(), req.clone());
                let on_success = Closure::once_into_js(move |_: web_sys::Event| {
                    let current = bytes_of(&key, r.result().unwrap_or(JsValue::UNDEFINED));
                    let verdict = match current {
                        Err(e) => Err(e),
                        Ok(cur) => Batch {
                            expect: Some((key.clone(), want)),
                            writes: Vec::new(),
                        }
                        .check(cur.as_deref()),
                    };
                    match verdict {
                        Err(e) => {
                            *out.borrow_mut() = Some(e);
                            let _ = t.abort();
                        }
                        Ok(()) => {
                            if let Err(e) = issue_writes(&st, &writes) {
                                *out.borrow_mut() = Some(store_err("commit", &e));
                                let _ = t.abort();
                            } else if fault.is_some() {
                                let _ = t.abort();
                            }
                        }
                    }
                });
                req.set_onsuccess(Some(on_success.unchecked_ref()));
            }
        }
        let result = done.await;
        if let Some(e) = outcome.borrow_mut().take() {
            return Err(e);
        }
        match (result, fault) {
            (Ok(_), _) => Ok(()),
            (Err(_), Some(IdbFault::Quota)) => Err(StoreError::Quota(
                "IndexedDB QuotaExceededError (injected): nothing was written".into(),
            )),
            (Err(_), Some(IdbFault::AbortMidway)) => Err(StoreError::Aborted(
                "the transaction was aborted midway (injected): nothing was written".into(),
            )),
            (Err(e), None) => Err(store_err("commit", &e)),
        }
    }
}
