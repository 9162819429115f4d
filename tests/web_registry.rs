//! The registry on IndexedDB in headless Chromium: the same store contract as the memory and file
//! stores, plus faults the browser itself produces — a transaction aborted midway through a
//! promotion (the browser rolls the writes back), a quota error, a corrupt record stored as a
//! non-byte value, and a second connection ("tab") writing between a read and a write.
#![cfg(target_arch = "wasm32")]

#[path = "common/store_contract.rs"]
mod store_contract;

use mlops_loop::registry::idb::{inject_fault, IdbFault, IdbStore};
use mlops_loop::registry::{Actor, Cause, Registry, Stage, Store, StoreError};
use mlops_loop::Error;
use std::cell::Cell;
use store_contract::{run_contract, sample, CHECKS};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

thread_local! { static N: Cell<u32> = const { Cell::new(0) }; }

/// A fresh, empty database per call (names never repeat within a test run).
async fn fresh(tag: &str) -> IdbStore {
    let n = N.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let stamp = js_sys::Date::now() as u64;
    IdbStore::open(&format!("mlops-loop-{tag}-{stamp}-{n}"))
        .await
        .expect("open IndexedDB")
}

/// Print one line per injected fault (shown by `make test`, which runs these with --nocapture).
fn report(fault: &str, outcome: &str) {
    web_sys::console::log_1(&format!("fault injected: {fault} -> {outcome}").into());
}

fn cause(t: f64) -> Cause {
    Cause::new(Actor::User, "test", t)
}

#[wasm_bindgen_test]
async fn store_contract_on_indexeddb() {
    let ran = run_contract(|| fresh("contract")).await;
    assert_eq!(ran, CHECKS);
}

async fn registry_with_production() -> (IdbStore, Registry<IdbStore>) {
    let store = fresh("fault").await;
    let reg = Registry::open(store.clone()).await.expect("registry");
    let v1 = reg
        .register(&sample("1.0.0", 1, 0.71), &cause(1.0))
        .await
        .expect("v1");
    reg.promote(v1, &cause(2.0)).await.expect("promote v1");
    reg.register(&sample("1.1.0", 2, 0.72), &cause(3.0))
        .await
        .expect("v2");
    (store, reg)
}

async fn snapshot(store: &IdbStore) -> Vec<(String, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    for k in Store::keys(store, "").await.expect("keys") {
        let v = Store::get(store, &k).await.expect("get");
        out.push((k, v));
    }
    out
}

#[wasm_bindgen_test]
async fn promotion_aborted_midway_leaves_the_registry_as_it_was() {
    let (store, reg) = registry_with_production().await;
    let before = snapshot(&store).await;
    inject_fault(IdbFault::AbortMidway);
    let e = reg.promote(2, &cause(4.0)).await.expect_err("aborted");
    assert!(e.to_string().contains("aborted"), "{e}");
    assert_eq!(
        snapshot(&store).await,
        before,
        "the browser rolled back every write"
    );
    assert_eq!(reg.production().await.expect("production"), Some(1));
    // And the registry still works.
    reg.promote(2, &cause(5.0))
        .await
        .expect("promote after abort");
    assert_eq!(reg.production().await.expect("production"), Some(2));
    assert_eq!(reg.get(1).await.expect("v1").label, "1.0.0");
    report(
        "IndexedDB transaction aborted midway through a promotion",
        "registry byte-identical, 0 records lost",
    );
    let listing = reg.list().await.expect("list");
    assert_eq!(
        listing
            .iter()
            .filter(|l| l.stage == Stage::Production)
            .count(),
        1
    );
}

#[wasm_bindgen_test]
async fn quota_error_changes_nothing_and_says_why() {
    let (store, reg) = registry_with_production().await;
    let before = snapshot(&store).await;
    inject_fault(IdbFault::Quota);
    let e = reg
        .register(&sample("2.0.0", 3, 0.7), &cause(4.0))
        .await
        .expect_err("quota");
    assert!(e.to_string().to_lowercase().contains("quota"), "{e}");
    assert_eq!(snapshot(&store).await, before);
    report(
        "quota exceeded during a registration",
        "registry byte-identical, 0 records lost",
    );
}

#[wasm_bindgen_test]
async fn a_corrupt_record_is_reported_by_key_and_others_stay_readable() {
    let (store, reg) = registry_with_production().await;
    store
        .put_raw("version/00000002", &JsValue::from_str("not bytes"))
        .await
        .expect("put raw");
    let e = reg.get(2).await.expect_err("corrupt");
    assert!(e.to_string().contains("version/00000002"), "{e}");
    assert_eq!(reg.get(1).await.expect("v1 readable").label, "1.0.0");
    let err = Store::get(&store, "version/00000002")
        .await
        .expect_err("corrupt");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    report(
        "corrupt stored record",
        "reported by key, other records readable",
    );
}

#[wasm_bindgen_test]
async fn a_second_tab_writing_concurrently_loses_nothing() {
    let (store, reg) = registry_with_production().await;
    // Tab B: its own connection to the same database.
    let name = store.name();
    let tab_b = Registry::open(IdbStore::open(&name).await.expect("tab b"))
        .await
        .expect("reg b");
    // Both tabs write at once; IndexedDB serialises the transactions, the conditional batch makes
    // the later one re-read and retry.
    let (a, b) = futures_join(
        reg.register(&sample("3.0.0", 4, 0.7), &cause(10.0)),
        tab_b.register(&sample("3.1.0", 5, 0.7), &cause(10.5)),
    )
    .await;
    let (a, b) = (a.expect("tab a"), b.expect("tab b"));
    assert_ne!(a, b);
    let labels: Vec<String> = reg
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|l| l.label)
        .collect();
    assert!(
        labels.contains(&"3.0.0".to_string()) && labels.contains(&"3.1.0".to_string()),
        "{labels:?}"
    );
    // Each tab sees the other's change.
    assert_eq!(tab_b.get(a).await.expect("a from b").label, "3.0.0");
    assert_eq!(reg.get(b).await.expect("b from a").label, "3.1.0");
    report(
        "a second tab writing concurrently",
        "both writes kept, 0 records lost",
    );
}

/// Poll two futures concurrently on the single wasm thread.
async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    use std::task::Poll;
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    match (ra, rb) {
        (Some(x), Some(y)) => (x, y),
        _ => unreachable!("both futures completed"),
    }
}

#[wasm_bindgen_test]
fn errors_are_crate_errors() {
    let e: Error = StoreError::Quota("full".into()).into();
    assert!(e.to_string().contains("full"));
}

#[wasm_bindgen_test]
async fn the_exported_registry_trains_registers_promotes_rolls_back_and_rederives() {
    let name = format!("mlops-loop-js-{}", js_sys::Date::now() as u64);
    let reg = mlops_loop::Registry::open(name.clone())
        .await
        .expect("open");
    let params = |seed: &str, drift: &str, label: &str| {
        let o = js_sys::Object::new();
        for (k, v) in [("seed", seed), ("drift", drift), ("label", label)] {
            js_sys::Reflect::set(&o, &k.into(), &v.into()).expect("set");
        }
        js_sys::Reflect::set(&o, &"rows".into(), &800.0.into()).expect("set");
        JsValue::from(o)
    };
    let v1 = reg
        .register_trained(params("1", "0.0", "1.0.0"))
        .await
        .expect("v1");
    let v2 = reg
        .register_trained(params("2", "10", "1.1.0"))
        .await
        .expect("v2");
    reg.promote(v1.into(), None).await.expect("promote v1");
    reg.promote(v2.into(), Some("beats 1.0.0".into()))
        .await
        .expect("promote v2");
    assert_eq!(reg.production().await.expect("production"), Some(v2));
    reg.rollback(None).await.expect("rollback");
    assert_eq!(reg.production().await.expect("production"), Some(v1));
    let r = reg.rederive(v2.into()).await.expect("rederive");
    let reproducible = js_sys::Reflect::get(&r, &"reproducible".into()).expect("field");
    assert_eq!(reproducible.as_bool(), Some(true));
    // The same database opened again (a reload) has everything.
    let again = mlops_loop::Registry::open(name).await.expect("reopen");
    assert_eq!(again.production().await.expect("production"), Some(v1));
    let history = js_sys::Array::from(&again.history().await.expect("history"));
    // Two registrations, two promotions (the second archives 1.0.0 in the same event), a rollback.
    assert_eq!(history.length(), 5);
    // Bad input is an error, not a trap.
    assert!(reg.promote(f64::NAN, None).await.is_err());
    assert!(reg.promote(99.0, None).await.is_err());
    assert!(reg.import_json("{not json".into()).await.is_err());
    assert_eq!(again.production().await.expect("still fine"), Some(v1));
}

// ---------------------------------------------------------------- faults beyond the registry's

/// Resolve with the request's result (or the event's error) — for raw IndexedDB calls in tests.
async fn raw(req: &web_sys::IdbRequest) -> Result<JsValue, JsValue> {
    use wasm_bindgen::JsCast;
    let r = req.clone();
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::new(&mut |resolve, reject| {
        let rq = r.clone();
        let ok = wasm_bindgen::closure::Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &rq.result().unwrap_or(JsValue::UNDEFINED));
        });
        let ko = wasm_bindgen::closure::Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("request failed"));
        });
        r.set_onsuccess(Some(ok.unchecked_ref()));
        r.set_onerror(Some(ko.unchecked_ref()));
    }))
    .await
}

fn factory() -> web_sys::IdbFactory {
    use wasm_bindgen::JsCast;
    js_sys::Reflect::get(&js_sys::global(), &"indexedDB".into())
        .expect("indexedDB")
        .dyn_into()
        .expect("IdbFactory")
}

#[wasm_bindgen_test]
async fn an_upgrade_blocked_by_an_old_tab_says_so_at_once() {
    use wasm_bindgen::JsCast;
    let name = format!("mlops-loop-blocked-{}", js_sys::Date::now() as u64);
    // The "old tab": a raw connection at version 1 that ignores versionchange.
    let req: web_sys::IdbRequest = factory()
        .open_with_u32(&name, 1)
        .expect("open")
        .unchecked_into();
    let old: web_sys::IdbDatabase = raw(&req).await.expect("old tab").dyn_into().expect("db");
    let e = IdbStore::open_version(&name, 2).await.expect_err("blocked");
    let msg = js_sys::Error::from(e)
        .message()
        .as_string()
        .unwrap_or_default();
    assert!(
        msg.contains("blocked") && msg.contains("other tabs"),
        "{msg}"
    );
    report("upgrade blocked by an old tab", "reported at once");
    old.close();
}

#[wasm_bindgen_test]
async fn storage_cleared_while_open_fails_loudly_and_loses_nothing_silently() {
    let name = format!("mlops-loop-cleared-{}", js_sys::Date::now() as u64);
    let store = IdbStore::open(&name).await.expect("open");
    let reg = Registry::open(store.clone()).await.expect("registry");
    reg.register(&sample("1.0.0", 1, 0.7), &cause(1.0))
        .await
        .expect("register");
    // Another tab (or "clear site data") deletes the database: our handle gives way...
    let del = factory().delete_database(&name).expect("delete");
    raw(&del).await.expect("deleted without being blocked");
    assert!(store.closed_reason().is_some());
    // ...and every later write is an error that says why, never a silent no-op.
    let e = reg
        .register(&sample("1.1.0", 2, 0.7), &cause(2.0))
        .await
        .expect_err("closed");
    assert!(e.to_string().contains("closed"), "{e}");
    report(
        "storage cleared while the page is open",
        "later writes fail loudly",
    );
}

/// A long import into IndexedDB: one version and 175,001 of the shortest events (175 runs of
/// `HISTORY_RUN`, and one more event). It imports, pages read the right events from either end and
/// across runs, a write appends, and the export imports back. (The import of exactly the event
/// limit, 1,000,000, and one event more are tested natively in `tests/registry_hardening.rs` and
/// in the page by `tests/e2e/registry-limits.spec.mjs`; the timings are in `make bench`.)
#[wasm_bindgen_test]
async fn a_long_import_pages_appends_and_exports_back() {
    use mlops_loop::registry::{
        Change, Event, Export, EXPORT_FORMAT, EXPORT_SCHEMA, HISTORY_RUN, MAX_IMPORT_BYTES,
    };
    let model = sample("1.0.0", 1, 0.7);
    let version = mlops_loop::registry::ModelVersion {
        version: 1,
        label: model.label.clone(),
        model_json: model.model_json.clone(),
        model_hash: model.model_hash.clone(),
        lineage: model.lineage.clone(),
        metrics: model.metrics.clone(),
        created_at: 0.0,
    };
    let event = |seq: u64| Event {
        seq,
        time: 0.0,
        change: match seq {
            1 => Change::Register {
                version: 1,
                label: "1.0.0".into(),
            },
            s if s % 2 == 0 => Change::SetAlias {
                alias: "a".into(),
                version: 1,
                previous: None,
            },
            _ => Change::RemoveAlias {
                alias: "a".into(),
                previous: 1,
            },
        },
        actor: Actor::User,
        reason: String::new(),
        evidence: None,
    };
    // An odd count: the history ends with the alias removed, so the stated aliases are empty.
    let n = 175 * HISTORY_RUN + 1;
    let history: Vec<Event> = (1..=n).map(event).collect();
    let export = Export {
        format: EXPORT_FORMAT.into(),
        schema: EXPORT_SCHEMA,
        versions: vec![version],
        history,
        stages: Default::default(),
        aliases: Default::default(),
    };
    let text = serde_json::to_string(&export).expect("export text");
    assert!(text.len() <= MAX_IMPORT_BYTES, "{} bytes", text.len());

    let store = fresh("limit").await;
    let reg = Registry::open(store.clone()).await.expect("open");
    let t0 = js_sys::Date::now();
    let s = reg.import_json(&text).await.expect("a long import");
    let took = js_sys::Date::now() - t0;
    assert_eq!(s.events, n);
    let records = Store::keys(&store, "history/").await.expect("keys").len() as u64;
    assert_eq!(records, n.div_ceil(HISTORY_RUN), "runs of {HISTORY_RUN}");
    web_sys::console::log_1(
        &format!(
            "a long import: {n} events, {} bytes, {took} ms (IndexedDB)",
            text.len()
        )
        .into(),
    );
    let (total, last) = reg.history_page(None, 50).await.expect("last page");
    assert_eq!(total, n);
    assert_eq!(last.len(), 50);
    assert_eq!(last[49], event(n));
    assert_eq!(last[0], event(n - 49));
    let (_, first) = reg.history_page(Some(1), 50).await.expect("first page");
    assert_eq!(first[0], event(1));
    let (_, mid) = reg
        .history_page(Some(HISTORY_RUN - 10), 20)
        .await
        .expect("across two runs");
    assert_eq!(mid[10], event(HISTORY_RUN));
    assert_eq!(mid[11], event(HISTORY_RUN + 1));
    // A write appends after the runs; then the export imports back into another database.
    reg.promote(1, &cause(1.0))
        .await
        .expect("promote after a long import");
    let (total, last) = reg.history_page(None, 2).await.expect("last page");
    assert_eq!(total, n + 1);
    assert_eq!(last[0], event(n));
    assert_eq!(last[1].seq, n + 1);
    let again = reg.export_json().await.expect("export");
    assert!(again.len() <= MAX_IMPORT_BYTES, "{} bytes", again.len());
    let other = Registry::open(fresh("limit-back").await)
        .await
        .expect("open");
    assert_eq!(
        other.import_json(&again).await.expect("import back").events,
        n + 1
    );
    assert_eq!(other.production().await.expect("prod"), Some(1));
}
