//! Browser tests (wasm32, headless Chromium): the boundary and the IndexedDB store.
#![cfg(target_arch = "wasm32")]

use mlops_loop::registry::idb::IdbStore;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    assert!(mlops_loop::version().starts_with(env!("CARGO_PKG_VERSION")));
}

#[wasm_bindgen_test]
async fn indexeddb_round_trip_survives_reopen() {
    let name = "mlops-loop-test-roundtrip";
    let store = IdbStore::open(name).await.expect("open");
    let payload: Vec<u8> = (0..=255u8).collect();
    store.put("k1", &payload).await.expect("put");
    store.put("k2", b"second").await.expect("put");
    assert_eq!(store.get("k1").await.expect("get"), Some(payload.clone()));
    assert_eq!(store.get("absent").await.expect("get"), None);
    store.close();
    // A fresh connection (as after a reload) reads what was committed.
    let again = IdbStore::open(name).await.expect("reopen");
    assert_eq!(again.get("k1").await.expect("get"), Some(payload));
    let mut keys = again.keys().await.expect("keys");
    keys.sort();
    assert_eq!(keys, vec!["k1".to_string(), "k2".to_string()]);
    again.delete("k1").await.expect("delete");
    assert_eq!(again.get("k1").await.expect("get"), None);
    again.delete("k2").await.expect("delete");
}

#[wasm_bindgen_test]
async fn batch_write_is_all_or_nothing_visible() {
    let store = IdbStore::open("mlops-loop-test-batch").await.expect("open");
    let recs: Vec<(String, Vec<u8>)> = (0..50)
        .map(|i| (format!("r{i:02}"), vec![i as u8; 10]))
        .collect();
    store.put_all(&recs).await.expect("put_all");
    assert_eq!(store.keys().await.expect("keys").len(), 50);
    assert_eq!(store.get("r49").await.expect("get"), Some(vec![49u8; 10]));
}
