//! A browser where IndexedDB is unavailable (private mode, storage disabled): opening the
//! registry fails with a message that says so, and the in-memory registry takes over (the page
//! then offers export). Its own test binary, because it hides `indexedDB` from the whole page.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn without_indexeddb_the_registry_falls_back_to_memory_and_says_so() {
    let global = js_sys::global();
    let original = js_sys::Reflect::get(&global, &"indexedDB".into()).expect("indexedDB");
    let desc = js_sys::Object::new();
    js_sys::Reflect::set(&desc, &"value".into(), &JsValue::UNDEFINED).expect("desc");
    js_sys::Reflect::set(&desc, &"configurable".into(), &JsValue::TRUE).expect("desc");
    js_sys::Object::define_property(&global, &"indexedDB".into(), &desc);
    let e = mlops_loop::Registry::open("mlops-loop-private".into())
        .await
        .err();
    // Restore before asserting, so a failure cannot leak into other tests.
    let back = js_sys::Object::new();
    js_sys::Reflect::set(&back, &"value".into(), &original).expect("desc");
    js_sys::Reflect::set(&back, &"configurable".into(), &JsValue::TRUE).expect("desc");
    js_sys::Object::define_property(&global, &"indexedDB".into(), &back);
    let back = js_sys::Reflect::get(&global, &"indexedDB".into()).expect("get");
    assert!(!back.is_undefined(), "indexedDB restored");
    let msg = e
        .map(|e| {
            js_sys::Error::from(e)
                .message()
                .as_string()
                .unwrap_or_default()
        })
        .unwrap_or_default();
    assert!(msg.contains("not available"), "{msg:?}");
    let mem = mlops_loop::Registry::open_in_memory()
        .await
        .expect("memory registry");
    assert!(!mem.persistent());
    let o = js_sys::Object::new();
    for (k, v) in [("seed", "1"), ("drift", "0.0"), ("label", "1.0.0")] {
        js_sys::Reflect::set(&o, &k.into(), &v.into()).expect("set");
    }
    js_sys::Reflect::set(&o, &"rows".into(), &400.0.into()).expect("set");
    let v = mem
        .register_trained(o.into())
        .await
        .expect("register in memory");
    mem.promote(v.into(), None).await.expect("promote");
    let export = mem.export_json().await.expect("export");
    assert!(export.contains("1.0.0"));
    web_sys::console::log_1(
        &"fault injected: no IndexedDB (private mode) -> in-memory registry, export works".into(),
    );
}
