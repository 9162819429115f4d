//! Fixture checkers for the model stage (gradient boosting, ROC AUC) and the drift test (KS),
//! shared by the native test `tests/parity_model.rs` and the wasm32 tests.
//!
//! Fixtures come from `tests/oracle/generate_model.py` (scikit-learn 1.9.1, scipy 1.17.1).
#![allow(dead_code)]

use super::{arr, bits, f64_of, int, Tally};
use mlops_loop::data::{make_data, Drift};
use mlops_loop::gbm::GbmParams;
use mlops_loop::metrics::roc_auc;
use mlops_loop::split::train_test_split;
use mlops_loop::stats::ks::{ks_2samp, KsMethod};
use serde_json::Value;

/// `tests/fixtures/gbm_cases.json`: trees, init raw, test probabilities and AUC per case.
pub const GBM_CASES: &str = include_str!("../fixtures/gbm_cases.json");
/// `tests/fixtures/ks_cases.json`: `scipy.stats.ks_2samp` cases (samples or their recipes).
pub const KS_CASES: &str = include_str!("../fixtures/ks_cases.json");

/// Relative tolerance on the asymptotic KS p-value (see `KsMethod::Asymptotic`).
pub const ASYMPTOTIC_P_RTOL: f64 = 1e-10;

/// Every GBM case: fit on the book's pipeline and compare every node, probability and AUC.
pub fn check_gbm(json: &str) -> Tally {
    let root: Value = serde_json::from_str(json).expect("gbm_cases.json");
    let mut t = Tally::default();
    for case in arr(&root["cases"]) {
        t.cases += 1;
        let seed = int(&case["seed"]);
        let drift_text = case["drift"].as_str().expect("drift");
        let rows = int(&case["rows"]) as usize;
        let tag = format!("seed {seed} drift {drift_text} rows {rows}");
        let drift = Drift::parse(drift_text).expect("drift literal");
        let df = make_data(seed as u128, drift, rows).expect("make_data");
        let (train, test) = train_test_split(rows, 0.25, 42).expect("split");
        let x: Vec<[f64; 3]> = train
            .iter()
            .map(|&i| df.feature_row(i).expect("row"))
            .collect();
        let y: Vec<i64> = train.iter().map(|&i| df.labels()[i]).collect();
        let model = match GbmParams::new().check().and_then(|p| p.fit(&x, &y)) {
            Ok(m) => m,
            Err(e) => {
                t.fail(format!("{tag}: fit failed: {e}"));
                continue;
            }
        };
        t.eq(
            || format!("{tag}: init_raw"),
            model.init_raw().to_bits(),
            bits(&case["init_raw"]),
        );
        let want_trees = arr(&case["trees"]);
        t.eq(
            || format!("{tag}: tree count"),
            model.trees().len(),
            want_trees.len(),
        );
        for (k, (got, want)) in model.trees().iter().zip(want_trees).enumerate() {
            let ints =
                |key: &str| -> Vec<i32> { arr(&want[key]).iter().map(|v| int(v) as i32).collect() };
            let floats = |key: &str| -> Vec<u64> { arr(&want[key]).iter().map(bits).collect() };
            t.eq(
                || format!("{tag}: tree {k} children_left"),
                got.children_left().to_vec(),
                ints("children_left"),
            );
            t.eq(
                || format!("{tag}: tree {k} children_right"),
                got.children_right().to_vec(),
                ints("children_right"),
            );
            t.eq(
                || format!("{tag}: tree {k} feature"),
                got.feature().to_vec(),
                ints("feature"),
            );
            t.eq(
                || format!("{tag}: tree {k} threshold bits"),
                got.threshold()
                    .iter()
                    .map(|v| v.to_bits())
                    .collect::<Vec<_>>(),
                floats("threshold"),
            );
            t.eq(
                || format!("{tag}: tree {k} value bits"),
                got.value().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                floats("value"),
            );
        }
        let xt: Vec<[f64; 3]> = test
            .iter()
            .map(|&i| df.feature_row(i).expect("row"))
            .collect();
        let yt: Vec<i64> = test.iter().map(|&i| df.labels()[i]).collect();
        let proba = model.predict_proba(&xt).expect("predict");
        let want_p = arr(&case["test_proba"]);
        t.eq(|| format!("{tag}: n test"), proba.len(), want_p.len());
        for (i, (p, w)) in proba.iter().zip(want_p).enumerate() {
            t.eq(|| format!("{tag}: proba[{i}] bits"), p.to_bits(), bits(w));
        }
        match roc_auc(&yt, &proba) {
            Ok(auc) => t.eq(
                || format!("{tag}: auc bits"),
                auc.to_bits(),
                bits(&case["auc"]),
            ),
            Err(e) => t.fail(format!("{tag}: roc_auc failed: {e}")),
        }
        // The saved model predicts the same bits after a JSON round trip.
        match mlops_loop::gbm::GbmModel::from_json(&model.to_json()) {
            Ok(back) => {
                let again = back.predict_proba(&xt).expect("predict");
                t.eq(
                    || format!("{tag}: proba after JSON round trip"),
                    again.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    proba.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                );
                t.eq(
                    || format!("{tag}: model_hash stable"),
                    back.model_hash(),
                    model.model_hash(),
                );
            }
            Err(e) => t.fail(format!("{tag}: from_json(to_json) failed: {e}")),
        }
    }
    t
}

/// Regenerate a KS sample from its recipe (see `sample()` in `generate_model.py`).
pub fn ks_sample(spec: &Value) -> Vec<f64> {
    if let Some(v) = spec.get("values") {
        return arr(v).iter().map(f64_of).collect();
    }
    if let Some(m) = spec.get("make_data") {
        let drift = Drift::parse(m["drift"].as_str().expect("drift")).expect("drift literal");
        let rows = int(&m["rows"]) as usize;
        let df = make_data(int(&m["seed"]) as u128, drift, rows).expect("make_data");
        let col: Vec<f64> = match m["column"].as_str().expect("column") {
            "days_since_login" => df.days_since_login().to_f64(),
            "spend_per_active_day" => df.spend_per_active_day().to_vec(),
            "is_recent" => df.is_recent().iter().map(|&v| v as f64).collect(),
            other => panic!("unknown column {other}"),
        };
        let start = m.get("start").map_or(0, |v| int(v) as usize);
        let count = m
            .get("count")
            .map_or(col.len() - start, |v| int(v) as usize);
        return col[start..start + count].to_vec();
    }
    let f = &spec["formula"];
    let (n, mult, add, modulus) = (
        int(&f["n"]),
        int(&f["mult"]),
        int(&f["add"]),
        int(&f["mod"]),
    );
    let scale = f["scale"].as_f64().expect("scale");
    let offset = f["offset"].as_f64().expect("offset");
    (0..n)
        .map(|i| ((i * mult + add) % modulus) as f64 * scale + offset)
        .collect()
}

/// Every KS case: D, location and sign by bits; p by bits on the exact path, within
/// [`ASYMPTOTIC_P_RTOL`] on the asymptotic path. Returns the tally and the largest relative
/// p error seen on the asymptotic path.
pub fn check_ks(json: &str) -> (Tally, f64, usize) {
    let root: Value = serde_json::from_str(json).expect("ks_cases.json");
    let mut t = Tally::default();
    let mut worst = 0.0f64;
    let mut asymptotic = 0;
    for case in arr(&root["cases"]) {
        t.cases += 1;
        let name = case["name"].as_str().expect("name");
        let a = ks_sample(&case["a"]);
        let b = ks_sample(&case["b"]);
        t.eq(|| format!("{name}: n1"), a.len() as i64, int(&case["n1"]));
        t.eq(|| format!("{name}: n2"), b.len() as i64, int(&case["n2"]));
        let method = match case["method"].as_str() {
            Some("exact") => KsMethod::Exact,
            Some("asymp") => KsMethod::Asymptotic,
            _ => KsMethod::Auto,
        };
        let r = match ks_2samp(&a, &b, method) {
            Ok(r) => r,
            Err(e) => {
                t.fail(format!("{name}: error {e}"));
                continue;
            }
        };
        t.eq(
            || format!("{name}: D bits"),
            r.statistic.to_bits(),
            bits(&case["statistic"]),
        );
        t.eq(
            || format!("{name}: location bits"),
            r.statistic_location.to_bits(),
            bits(&case["statistic_location"]),
        );
        t.eq(
            || format!("{name}: sign"),
            i64::from(r.statistic_sign),
            int(&case["statistic_sign"]),
        );
        let want = f64_of(&case["pvalue"]);
        if r.method_used == KsMethod::Exact {
            t.eq(
                || format!("{name}: p bits (exact)"),
                r.pvalue.to_bits(),
                want.to_bits(),
            );
        } else {
            asymptotic += 1;
            let rel = if want == r.pvalue {
                0.0
            } else {
                (r.pvalue - want).abs() / want.abs().max(f64::MIN_POSITIVE)
            };
            worst = worst.max(rel);
            t.values += 1;
            if rel > ASYMPTOTIC_P_RTOL {
                t.fail(format!(
                    "{name}: asymptotic p {:e} vs scipy {want:e} (rel {rel:e})",
                    r.pvalue
                ));
            }
        }
    }
    (t, worst, asymptotic)
}

/// The AUC cases of `gbm_cases.json` without a fit: per case its tag, the test split's labels
/// (from `make_data` and `train_test_split`), scikit-learn's test probabilities and its
/// `roc_auc_score` on them.
pub fn auc_cases(json: &str) -> Vec<(String, Vec<i64>, Vec<f64>, f64)> {
    let root: Value = serde_json::from_str(json).expect("gbm_cases.json");
    arr(&root["cases"])
        .iter()
        .map(|case| {
            let seed = int(&case["seed"]);
            let drift_text = case["drift"].as_str().expect("drift");
            let rows = int(&case["rows"]) as usize;
            let df = make_data(seed as u128, Drift::parse(drift_text).expect("drift"), rows)
                .expect("make_data");
            let (_, test) = train_test_split(rows, 0.25, 42).expect("split");
            let y: Vec<i64> = test.iter().map(|&i| df.labels()[i]).collect();
            let proba: Vec<f64> = arr(&case["test_proba"])
                .iter()
                .map(|v| f64::from_bits(bits(v)))
                .collect();
            let tag = format!("seed {seed} drift {drift_text} rows {rows}");
            (tag, y, proba, f64::from_bits(bits(&case["auc"])))
        })
        .collect()
}

/// A fixture's `0x…` hex bits.
pub fn fixture_bits(v: &Value) -> u64 {
    bits(v)
}
