//! Fuzzing the JavaScript boundary in headless Chromium: every export is called with hostile
//! arguments (NaN, ±inf, −0, negatives, 0, huge numbers, wrong types, empty and oversized strings,
//! markup, deep JSON). A panic would trap and fail the test, so passing means 0 traps; every
//! rejection must be a readable `Error` naming what was wrong.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect};
use mlops_loop::{KvStore, Registry};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// splitmix64: deterministic, so a failure replays.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn pick_str(rng: &mut Rng, xs: &[&'static str]) -> &'static str {
    xs[(rng.next() % xs.len() as u64) as usize]
}

const NUMBERS: &[f64] = &[
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    -0.0,
    -1.0,
    0.0,
    0.5,
    1e300,
    -1e300,
    9_007_199_254_740_993.0,
    4_294_967_296.0,
    1e-320,
];

fn hostile_string(rng: &mut Rng) -> String {
    match rng.next() % 9 {
        0 => String::new(),
        1 => "9".repeat(100_000),
        2 => "<img src=x onerror=alert(1)>".into(),
        3 => "1.2.3".into(),
        4 => "-5".into(),
        5 => "nan".into(),
        6 => "1e400".into(),
        7 => "\u{0}\u{feff}\u{202e}".into(),
        _ => "[".repeat(5000),
    }
}

fn deep(depth: usize) -> JsValue {
    let mut v: JsValue = JsValue::from_f64(1.0);
    for _ in 0..depth {
        let o = Object::new();
        let _ = Reflect::set(&o, &"a".into(), &v);
        v = o.into();
    }
    v
}

/// A hostile value of any JS type.
fn hostile(rng: &mut Rng) -> JsValue {
    match rng.next() % 10 {
        0..=3 => JsValue::from_f64(*rng.pick(NUMBERS)),
        4 => JsValue::from_str(&hostile_string(rng)),
        5 => JsValue::from_bool(rng.next() & 1 == 1),
        6 => JsValue::NULL,
        7 => JsValue::UNDEFINED,
        8 => Array::of2(&JsValue::from_f64(f64::NAN), &JsValue::from_str("x")).into(),
        _ => deep(3 + (rng.next() % 60) as usize),
    }
}

/// A parameter object with some of `keys` set to hostile values and always at least one
/// certainly invalid entry (so no call starts a long computation).
fn params(rng: &mut Rng, keys: &[&str]) -> JsValue {
    let o = Object::new();
    for k in keys {
        if rng.next() % 3 == 0 {
            let _ = Reflect::set(&o, &(*k).into(), &hostile(rng));
        }
    }
    let poison: JsValue = match rng.next() % 4 {
        0 => JsValue::from_f64(f64::NAN),
        1 => deep(40),
        2 => JsValue::from_str("not a number"),
        _ => JsValue::from_f64(-1e300),
    };
    let key = if rng.next() % 5 == 0 {
        "no_such_key"
    } else {
        rng.pick(keys)
    };
    let _ = Reflect::set(&o, &key.into(), &poison);
    o.into()
}

#[derive(Default)]
struct Count {
    calls: usize,
    rejected: usize,
}

impl Count {
    fn check<T>(&mut self, what: &str, r: Result<T, impl Into<JsValue>>) {
        self.calls += 1;
        if let Err(e) = r {
            self.rejected += 1;
            let v: JsValue = e.into();
            let msg = v
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .or_else(|| v.as_string())
                .unwrap_or_default();
            assert!(!msg.trim().is_empty(), "{what}: an error without a message");
            assert!(
                !msg.contains("panicked") && !msg.contains("unreachable"),
                "{what}: {msg}"
            );
            assert!(
                msg.len() < 2000,
                "{what}: message too long ({} bytes)",
                msg.len()
            );
        }
    }
}

const SAMPLE_KEYS: &[&str] = &["seed", "drift", "rows"];
const DRIFT_KEYS: &[&str] = &[
    "n",
    "drift",
    "trials",
    "start",
    "alpha",
    "seed",
    "correction",
];
const PROMO_KEYS: &[&str] = &[
    "rounds",
    "start",
    "rows",
    "margin",
    "same_data",
    "seed",
    "shift",
];
const COST_KEYS: &[&str] = &[
    "null_pvalues",
    "drift_pvalues",
    "alphas",
    "corrections",
    "false_alarm_cost",
    "stale_week_cost",
    "drifts",
    "unnoticed_weeks",
    "checks",
];
const BOOT_KEYS: &[&str] = &["current", "candidate", "recent", "resamples", "seed"];
const CHAPTER_KEYS: &[&str] = &[
    "seed_train",
    "drift_train",
    "seed_live",
    "drift_live",
    "seed_recent",
    "drift_recent",
    "rows",
    "alpha",
    "margin",
    "current_model",
    "candidate_model",
];
const LOOP_KEYS: &[&str] = &[
    "weeks",
    "seed",
    "schedule",
    "rows_per_week",
    "train_weeks",
    "practices",
    "alpha",
    "correction",
    "reference",
    "margin",
    "label_delay",
    "canary",
    "rollback_tolerance",
    "counterfactual_weeks",
    "rederive",
    "auc_threshold",
];
const COLUMNS: &[&str] = &[
    "days_since_login",
    "spend_per_active_day",
    "is_recent",
    "churned",
    "",
    "x",
];

#[wasm_bindgen_test]
async fn ten_thousand_hostile_calls_and_no_trap() {
    let mut rng = Rng(0x5eed);
    let mut n = Count::default();
    for _ in 0..1500 {
        let seed = hostile_string(&mut rng);
        let drift = hostile_string(&mut rng);
        let rows = *rng.pick(&[0u32, 1_000_001, u32::MAX]);
        n.check(
            "dataFingerprint",
            mlops_loop::data_fingerprint(&seed, &drift, rows),
        );
        n.check(
            "dataFingerprint",
            mlops_loop::data_fingerprint("1", &drift, 7),
        );
        n.check(
            "ksSamples",
            mlops_loop::ks_samples(
                params(&mut rng, SAMPLE_KEYS),
                hostile(&mut rng),
                pick_str(&mut rng, COLUMNS),
                *rng.pick(&[None, Some(f64::NAN), Some(-1.0), Some(0.01)]),
            ),
        );
        n.check(
            "mergeDriftTrials",
            mlops_loop::merge_drift_trials(hostile(&mut rng)),
        );
        n.check(
            "mergePromotionTrials",
            mlops_loop::merge_promotion_trials(hostile(&mut rng)),
        );
        n.check(
            "gradeTriggerChallenge",
            mlops_loop::grade_trigger_challenge(params(
                &mut rng,
                &["null", "drifted", "correction"],
            )),
        );
        n.check(
            "gradeGateChallenge",
            mlops_loop::grade_gate_challenge(params(&mut rng, &["trials", "margin"])),
        );
        n.check(
            "driftTrials",
            mlops_loop::drift_trials_js(params(&mut rng, DRIFT_KEYS)),
        );
        n.check(
            "promotionTrials",
            mlops_loop::promotion_trials_js(params(&mut rng, PROMO_KEYS)),
        );
        n.check(
            "triggerCosts",
            mlops_loop::trigger_costs_js(params(&mut rng, COST_KEYS)),
        );
        n.check(
            "bootstrapAucDiff",
            mlops_loop::bootstrap_auc_diff_js(params(&mut rng, BOOT_KEYS)),
        );
        n.check(
            "chapter",
            mlops_loop::chapter(params(&mut rng, CHAPTER_KEYS)),
        );
        n.check(
            "trainModel",
            mlops_loop::train_model(params(&mut rng, SAMPLE_KEYS)),
        );
        n.check("runLoop", mlops_loop::run_loop(params(&mut rng, LOOP_KEYS)));
        n.check(
            "runLoop",
            mlops_loop::run_loop(
                hostile(&mut rng)
                    .dyn_into::<Object>()
                    .map(JsValue::from)
                    .unwrap_or(JsValue::from_f64(f64::NAN)),
            ),
        );
        let (a, b) = (
            *rng.pick(&[0u32, u32::MAX, 2_000_000]),
            *rng.pick(&[0u32, u32::MAX, 5000]),
        );
        n.check("benchFit", mlops_loop::bench_fit(a, b));
        n.check(
            "benchLoop",
            mlops_loop::bench_loop(*rng.pick(&[0u32, u32::MAX, 100_000]), b),
        );
    }

    // The stateful exports: the registry and the key-value store on IndexedDB.
    let name = format!("mlops-loop-fuzz-{}", js_sys::Date::now() as u64);
    let reg = Registry::open(name.clone()).await.expect("open registry");
    let kv = KvStore::open(name.clone()).await.expect("open kv");
    for _ in 0..250 {
        let v = *rng.pick(NUMBERS);
        let s = hostile_string(&mut rng);
        n.check("Registry.promote", reg.promote(v, Some(s.clone())).await);
        n.check(
            "Registry.transition",
            reg.transition(v, s.clone(), None).await,
        );
        n.check("Registry.setAlias", reg.set_alias(s.clone(), v).await);
        n.check("Registry.removeAlias", reg.remove_alias(s.clone()).await);
        n.check("Registry.rederive", reg.rederive(v).await);
        n.check("Registry.productionAt", reg.production_at(v).await);
        n.check(
            "Registry.historyPage",
            reg.history_page(Some(v), *rng.pick(NUMBERS)).await,
        );
        n.check(
            "Registry.importJson",
            reg.import_json(JsValue::from_str(&s)).await,
        );
        n.check(
            "Registry.importJson (bytes)",
            reg.import_json(js_sys::Uint8Array::from(s.as_bytes()).into())
                .await,
        );
        n.check(
            "Registry.importJson (a number)",
            reg.import_json(JsValue::from_f64(v)).await,
        );
        n.check(
            "Registry.registerTrained",
            reg.register_trained(params(&mut rng, &["seed", "drift", "rows", "label"]))
                .await,
        );
        n.check(
            "KvStore.open",
            KvStore::open(s.clone()).await.map(|k| k.close()),
        );
        n.check("KvStore.getText", kv.get_text(s.clone()).await);
    }
    // Still alive and correct after all of that.
    assert_eq!(
        mlops_loop::data_fingerprint("1", "0.0", 3000).expect("fp"),
        "cf0f14ace53e"
    );
    assert!(reg.list().await.is_ok());
    web_sys::console::log_1(
        &format!(
            "boundary fuzz: {} calls, {} rejected with a readable error, 0 traps",
            n.calls, n.rejected
        )
        .into(),
    );
    assert!(n.calls >= 10_000, "only {} calls", n.calls);
}
