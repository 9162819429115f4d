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

fn obj(pairs: &[(&str, wasm_bindgen::JsValue)]) -> wasm_bindgen::JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        js_sys::Reflect::set(&o, &(*k).into(), v).expect("set");
    }
    o.into()
}

fn get(v: &wasm_bindgen::JsValue, k: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(v, &k.into()).expect("get")
}

#[wasm_bindgen_test]
fn ks_samples_gives_the_books_drift_p_value() {
    // scipy.stats.ks_2samp(make_data(1, 0.0).days_since_login, make_data(2, 10).days_since_login)
    let a = obj(&[("seed", "1".into()), ("drift", "0.0".into())]);
    let b = obj(&[("seed", "2".into()), ("drift", "10".into())]);
    let r = mlops_loop::ks_samples(a, b, "days_since_login", None).expect("ks");
    let p = get(&r, "pvalue").as_f64().expect("p");
    let d = get(&r, "statistic").as_f64().expect("d");
    assert_eq!(p.to_bits(), 0x3c0195eac0e06818, "p = {p:e}");
    assert_eq!(d, 0.12133333333333333);
    assert_eq!(get(&r, "method").as_string().as_deref(), Some("exact"));
    assert_eq!(js_sys::Array::from(&get(&r, "a")).length(), 3000);
}

#[wasm_bindgen_test]
fn bad_inputs_throw_readable_errors_and_the_module_survives() {
    let bad_rows = obj(&[("seed", "1".into()), ("rows", 0.0.into())]);
    let ok = obj(&[("seed", "2".into())]);
    assert!(
        mlops_loop::ks_samples(bad_rows, ok.clone(), "days_since_login", None).is_err(),
        "case 1"
    );
    let typo = obj(&[("sed", "1".into())]);
    assert!(
        mlops_loop::ks_samples(typo, ok.clone(), "days_since_login", None).is_err(),
        "case 2"
    );
    assert!(
        mlops_loop::ks_samples(ok.clone(), ok.clone(), "no_such_column", None).is_err(),
        "case 3"
    );
    assert!(
        mlops_loop::data_fingerprint("-1", "0", 10).is_err(),
        "case 4"
    );
    assert!(
        mlops_loop::data_fingerprint("1", "nan", 10).is_err(),
        "case 5"
    );
    let nan_trials = obj(&[("trials", f64::NAN.into())]);
    assert!(mlops_loop::drift_trials_js(nan_trials).is_err(), "case 6");
    // Still alive: a good call after the errors.
    assert_eq!(
        mlops_loop::data_fingerprint("1", "0.0", 3000).expect("fp"),
        "cf0f14ace53e"
    );
}

#[wasm_bindgen_test]
fn drift_trials_catch_a_large_drift() {
    let p = obj(&[
        ("n", 500.0.into()),
        ("drift", "15".into()),
        ("trials", 4.0.into()),
        ("seed", "7".into()),
    ]);
    let r = mlops_loop::drift_trials_js(p).expect("trials");
    assert_eq!(get(&r, "alarms").as_f64(), Some(4.0));
}

#[wasm_bindgen_test]
fn the_chapter_prints_the_books_three_lines_in_wasm() {
    let book = include_str!("fixtures/book_output.txt");
    let r = mlops_loop::chapter(wasm_bindgen::JsValue::UNDEFINED).expect("chapter");
    let lines: Vec<String> = js_sys::Array::from(&get(&r, "lines"))
        .iter()
        .map(|l| l.as_string().expect("line"))
        .collect();
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    assert_eq!(text, book);
    // The full-precision numbers behind the rounded lines (cases_public.json, by bits).
    let auc = get(&get(&r, "registered"), "auc").as_f64().expect("auc");
    assert_eq!(auc.to_bits(), 0x3fe6_d58b_7db9_01ee);
    let cur = get(&r, "current_auc_recent").as_f64().expect("current");
    let cand = get(&r, "candidate_auc_recent").as_f64().expect("candidate");
    assert_eq!(cur.to_bits(), 0x3fe6_7e14_29eb_3965);
    assert_eq!(cand.to_bits(), 0x3fe6_9865_724c_19ef);
    assert_eq!(get(&r, "promote").as_bool(), Some(true));
}

#[wasm_bindgen_test]
fn the_chapter_with_models_from_train_model_is_the_same_run() {
    let fit = |seed: &str, drift: &str| {
        mlops_loop::train_model(obj(&[("seed", seed.into()), ("drift", drift.into())]))
            .expect("trainModel")
    };
    let plain = mlops_loop::chapter(obj(&[("margin", 0.01.into())])).expect("chapter");
    let with = mlops_loop::chapter(obj(&[
        ("margin", 0.01.into()),
        ("current_model", fit("1", "0.0").into()),
        ("candidate_model", fit("2", "10").into()),
    ]))
    .expect("chapter with models");
    let json = |v: &wasm_bindgen::JsValue| js_sys::JSON::stringify(v).expect("json");
    assert_eq!(json(&with), json(&plain));
    let bad = mlops_loop::chapter(obj(&[("candidate_model", "{\"trees\": 1}".into())]));
    let msg = bad.map(|_| ()).map_err(|e| {
        let v: wasm_bindgen::JsValue = e.into();
        js_sys::Error::from(v)
            .message()
            .as_string()
            .unwrap_or_default()
    });
    assert!(
        matches!(&msg, Err(m) if m.starts_with("candidate_model: not a model from trainModel")),
        "{msg:?}"
    );
}

#[wasm_bindgen_test]
fn run_loop_rederives_seeded_versions_only() {
    for seeded in [true, false] {
        let practices = obj(&[("seeded_training", seeded.into())]);
        let t = mlops_loop::run_loop(obj(&[
            ("seed", 2.0.into()),
            ("schedule", "step".into()),
            ("practices", practices),
            ("rederive", true.into()),
        ]))
        .expect("loop");
        let rs = js_sys::Array::from(&get(&t, "rederivations"));
        assert!(rs.length() > 1, "the loop registered retrained versions");
        for r in rs.iter() {
            assert_eq!(get(&r, "data_matches").as_bool(), Some(true));
            assert_eq!(get(&r, "seeded").as_bool(), Some(seeded));
            assert_eq!(get(&r, "reproducible").as_bool(), Some(seeded));
        }
        assert!(js_sys::Array::from(&get(&t, "weeks")).length() == 52);
    }
    assert!(mlops_loop::run_loop(obj(&[("rederive", "yes".into())])).is_err());
}

#[wasm_bindgen_test]
fn run_loop_is_deterministic_and_rejects_bad_params() {
    let params = || {
        obj(&[
            ("weeks", 6.0.into()),
            ("seed", 3.0.into()),
            ("schedule", "step".into()),
        ])
    };
    let a = mlops_loop::run_loop(params()).expect("loop");
    let b = mlops_loop::run_loop(params()).expect("loop");
    let ja = js_sys::JSON::stringify(&a).expect("json");
    let jb = js_sys::JSON::stringify(&b).expect("json");
    assert_eq!(ja, jb);
    assert_eq!(js_sys::Array::from(&get(&a, "weeks")).length(), 6);
    assert!(mlops_loop::run_loop(obj(&[("weeks", 0.0.into())])).is_err());
    assert!(mlops_loop::run_loop(obj(&[("weeks", 100000.0.into())])).is_err());
    assert!(mlops_loop::run_loop(obj(&[("schedule", "tsunami".into())])).is_err());
    assert!(mlops_loop::run_loop(obj(&[("wekks", 5.0.into())])).is_err());
}

/// A person's decision to retrain, as the page sends it for exercise 4's turn by hand: with the
/// live data the reference (p = 1, no gate at any alpha below 1 fires), `retrain: "always"`
/// trains the candidate anyway; gate 1's verdict is still reported.
#[wasm_bindgen_test]
fn the_chapter_retrains_when_a_person_decided_to() {
    let same = |retrain: Option<&str>| {
        let mut pairs = vec![("seed_live", "1".into()), ("drift_live", "0.0".into())];
        if let Some(r) = retrain {
            pairs.push(("retrain", r.into()));
        }
        mlops_loop::chapter(obj(&pairs)).expect("chapter")
    };
    let gate = same(None);
    assert_eq!(get(&get(&gate, "ks"), "pvalue").as_f64(), Some(1.0));
    assert_eq!(get(&gate, "retrain_gate").as_bool(), Some(false));
    assert_eq!(get(&gate, "retrain").as_bool(), Some(false));
    assert!(get(&gate, "candidate").is_null());
    let person = same(Some("always"));
    assert_eq!(get(&person, "retrain_gate").as_bool(), Some(false));
    assert_eq!(get(&person, "retrain").as_bool(), Some(true));
    assert!(get(&person, "candidate_auc_recent").as_f64().is_some());
    assert!(mlops_loop::chapter(obj(&[("retrain", "sometimes".into())])).is_err());
}
