//! Property tests over the core APIs: whatever the input, no panic; when an input is accepted,
//! the output keeps its invariants (determinism, ranges). Natively; the browser boundary has its
//! own fuzz test (tests/web_fuzz.rs).
#![cfg(not(target_arch = "wasm32"))]

use mlops_loop::data::{make_data, Drift};
use mlops_loop::fingerprint::fingerprint;
use mlops_loop::gbm::{GbmModel, GbmParams};
use mlops_loop::metrics::roc_auc;
use mlops_loop::split::train_test_split;
use mlops_loop::stats::ks::{ks_2samp, KsMethod};
use proptest::prelude::*;
use std::sync::OnceLock;

fn small_model_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let x: Vec<[f64; 2]> = (0..40).map(|i| [i as f64, (i % 7) as f64]).collect();
        let y: Vec<i64> = (0..40).map(|i| i64::from(i % 3 == 0)).collect();
        GbmParams::new()
            .n_estimators(3)
            .check()
            .expect("params")
            .fit(&x, &y)
            .expect("fit")
            .to_json()
    })
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(-0.0),
        -1e6..1e6f64
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn drift_parse_never_panics_and_round_trips(s in ".{0,40}", i in any::<i64>(), f in -1e12..1e12f64) {
        let _ = Drift::parse(&s);
        prop_assert_eq!(Drift::parse(&i.to_string()).ok(), Some(Drift::Int(i)));
        let text = format!("{f:?}");
        prop_assert_eq!(Drift::parse(&text).ok(), Some(Drift::Float(f)));
    }

    #[test]
    fn make_data_is_deterministic_and_typed(seed in any::<u128>(), d in -1000i64..1000, float in any::<bool>(), rows in 1usize..60) {
        let drift = if float { Drift::Float(d as f64 + 0.5) } else { Drift::Int(d) };
        let a = make_data(seed, drift, rows).expect("valid input");
        let b = make_data(seed, drift, rows).expect("valid input");
        prop_assert_eq!(fingerprint(&a), fingerprint(&b));
        prop_assert_eq!(a.len(), rows);
        prop_assert!(a.labels().iter().all(|&v| v == 0 || v == 1));
        prop_assert!(a.spend_per_active_day().iter().all(|&v| v >= 0.0 && v.is_finite()));
    }

    #[test]
    fn split_never_panics(n in 0usize..5000, t in any_f64()) {
        if let Ok((train, test)) = train_test_split(n, t, 42) {
            prop_assert_eq!(train.len() + test.len(), n);
            let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
            all.sort_unstable();
            prop_assert!(all.iter().enumerate().all(|(i, &v)| i == v));
        }
    }

    #[test]
    fn ks_never_panics_and_stays_in_range(a in prop::collection::vec(any_f64(), 0..40), b in prop::collection::vec(any_f64(), 0..40)) {
        if let Ok(r) = ks_2samp(&a, &b, KsMethod::Auto) {
            prop_assert!((0.0..=1.0).contains(&r.statistic));
            prop_assert!((0.0..=1.0).contains(&r.pvalue));
        }
    }

    #[test]
    fn auc_never_panics_and_stays_in_range(y in prop::collection::vec(-1i64..3, 0..50), s in prop::collection::vec(any_f64(), 0..50)) {
        if let Ok(auc) = roc_auc(&y, &s) {
            prop_assert!((0.0..=1.0).contains(&auc));
        }
    }

    #[test]
    fn model_loader_rejects_mutations_without_panicking(pos in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let json = small_model_json();
        let mut bytes = json.as_bytes().to_vec();
        let i = pos.index(bytes.len());
        bytes[i] = byte;
        let mutated = String::from_utf8_lossy(&bytes).into_owned();
        if let Ok(m) = GbmModel::from_json(&mutated) {
            // Whatever was accepted must predict without panicking.
            let _ = m.predict_proba(&[[1.0, 2.0], [f64::MAX, -1.0]]);
        }
        let truncated = &json[..cut.index(json.len())];
        prop_assert!(GbmModel::from_json(truncated).is_err() || truncated == json);
    }
}
