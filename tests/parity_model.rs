//! Parity of the model stage with scikit-learn 1.9.1 and of the drift test with scipy 1.17.1
//! (fixtures written by `tests/oracle/generate_model.py`), plus the error paths of the public
//! API: bad training data, bad scores, bad samples and hostile model files.

mod common;

use mlops_loop::gbm::{GbmModel, GbmParams};
use mlops_loop::metrics::roc_auc;
use mlops_loop::stats::ks::{ks_2samp, KsMethod};
use mlops_loop::Error;

fn report(name: &str, t: &common::Tally) {
    eprintln!(
        "{name}: {} cases, {} values compared, {} mismatches",
        t.cases,
        t.values,
        t.failures.len()
    );
    for f in t.failures.iter().take(30) {
        eprintln!("  {f}");
    }
}

#[test]
fn gbm_trees_probabilities_and_auc_match_sklearn() {
    let t = common::model::check_gbm(common::model::GBM_CASES);
    report("gbm_cases.json", &t);
    assert!(t.cases >= 11, "only {} cases", t.cases);
    assert!(t.failures.is_empty());
}

#[test]
fn ks_statistic_and_pvalue_match_scipy() {
    let (t, worst, asymptotic) = common::model::check_ks(common::model::KS_CASES);
    report("ks_cases.json", &t);
    eprintln!("asymptotic cases: {asymptotic}, worst relative p error {worst:e}");
    assert!(t.cases >= 40, "only {} cases", t.cases);
    assert!(asymptotic >= 5);
    assert!(t.failures.is_empty());
}

// ------------------------------------------------------------------ training errors

fn params() -> mlops_loop::gbm::GbmValidParams {
    GbmParams::new().n_estimators(3).check().expect("valid")
}

#[test]
fn fit_rejects_empty_data() {
    let x: Vec<[f64; 3]> = vec![];
    let e = params().fit(&x, &[]).unwrap_err();
    assert!(matches!(e, Error::Invalid { field: "y", .. }), "{e}");
}

#[test]
fn fit_rejects_one_class() {
    let x = vec![[1.0, 0.0, 3.0], [2.0, 1.0, 4.0]];
    let e = params().fit(&x, &[1, 1]).unwrap_err();
    assert!(e.to_string().contains("only one class"), "{e}");
}

#[test]
fn fit_rejects_nan_and_inf_and_f32_overflow() {
    for bad in [f64::NAN, f64::INFINITY, 1e39] {
        let x = vec![[1.0, 0.0, 3.0], [2.0, bad, 4.0]];
        let e = params().fit(&x, &[0, 1]).unwrap_err();
        assert!(
            matches!(&e, Error::Invalid { field: "x", value, .. } if value.contains("row 1, column 1")),
            "{e}"
        );
    }
}

#[test]
fn fit_rejects_mismatched_lengths_and_ragged_rows() {
    let x = vec![[1.0, 0.0, 3.0], [2.0, 1.0, 4.0]];
    let e = params().fit(&x, &[0, 1, 1]).unwrap_err();
    assert!(matches!(e, Error::Invalid { field: "y", .. }), "{e}");
    let ragged: Vec<Vec<f64>> = vec![vec![1.0, 2.0], vec![3.0]];
    let e = params().fit(&ragged, &[0, 1]).unwrap_err();
    assert!(matches!(e, Error::Invalid { field: "x", .. }), "{e}");
    let e = params()
        .fit_matrix(&[1.0, 2.0, 3.0], 2, &[0, 1])
        .unwrap_err();
    assert!(matches!(e, Error::Invalid { field: "x", .. }), "{e}");
}

#[test]
fn fit_rejects_three_classes_and_bad_params() {
    let x = vec![[1.0], [2.0], [3.0]];
    assert!(matches!(
        params().fit(&x, &[0, 1, 2]),
        Err(Error::Unsupported(_))
    ));
    for (p, field) in [
        (GbmParams::new().n_estimators(0), "n_estimators"),
        (GbmParams::new().learning_rate(f64::NAN), "learning_rate"),
        (GbmParams::new().max_depth(0), "max_depth"),
        (GbmParams::new().min_samples_split(1), "min_samples_split"),
        (GbmParams::new().min_samples_leaf(0), "min_samples_leaf"),
    ] {
        let e = p.check().unwrap_err();
        assert!(
            matches!(e, Error::Invalid { field: f, .. } if f == field),
            "{e}"
        );
    }
}

#[test]
fn predict_rejects_wrong_width_and_nan() {
    let x = vec![[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0]];
    let m = params().fit(&x, &[0, 0, 1, 1]).expect("fit");
    assert!(m.predict_proba(&[[1.0, 2.0, 3.0]]).is_err());
    assert!(m.predict_proba(&[[f64::NAN, 2.0]]).is_err());
    assert_eq!(m.predict_proba(&[[2.5, 0.0]]).expect("ok").len(), 1);
}

// ------------------------------------------------------------------ AUC and KS errors

#[test]
fn roc_auc_errors() {
    assert!(roc_auc(&[], &[]).is_err());
    assert!(roc_auc(&[0, 1], &[0.5]).is_err());
    assert!(roc_auc(&[0, 1], &[f64::NAN, 0.1]).is_err());
    let e = roc_auc(&[1, 1, 1], &[0.1, 0.2, 0.3]).unwrap_err();
    assert!(e.to_string().contains("Only one class"), "{e}");
}

#[test]
fn ks_errors() {
    assert!(matches!(
        ks_2samp(&[], &[1.0], KsMethod::Auto),
        Err(Error::Invalid { field: "a", .. })
    ));
    assert!(matches!(
        ks_2samp(&[1.0], &[], KsMethod::Exact),
        Err(Error::Invalid { field: "b", .. })
    ));
    assert!(matches!(
        ks_2samp(&[1.0, f64::NAN], &[1.0], KsMethod::Asymptotic),
        Err(Error::Invalid { field: "a", .. })
    ));
}

// ------------------------------------------------------------------ hostile model files

fn small_model() -> GbmModel {
    let x: Vec<[f64; 2]> = (0..40).map(|i| [i as f64, (i % 3) as f64]).collect();
    let y: Vec<i64> = (0..40).map(|i| i64::from(i % 5 < 2)).collect();
    GbmParams::new()
        .n_estimators(2)
        .check()
        .and_then(|p| p.fit(&x, &y))
        .expect("fit")
}

/// Edit the model's JSON as a value and expect `from_json` to fail with `needle` in the message.
fn expect_malformed(edit: impl Fn(&mut serde_json::Value), needle: &str) {
    let mut v: serde_json::Value = serde_json::from_str(&small_model().to_json()).expect("json");
    edit(&mut v);
    let text = serde_json::to_string(&v).expect("json");
    match GbmModel::from_json(&text) {
        Ok(_) => panic!("accepted a hostile model ({needle})"),
        Err(e) => assert!(e.to_string().contains(needle), "{needle}: {e}"),
    }
}

#[test]
fn model_json_round_trips_and_hash_is_stable() {
    let m = small_model();
    let back = GbmModel::from_json(&m.to_json()).expect("round trip");
    assert_eq!(back, m);
    assert_eq!(back.model_hash(), m.model_hash());
    assert_eq!(m.model_hash().len(), 64);
}

#[test]
fn model_json_rejects_out_of_range_child() {
    expect_malformed(
        |v| v["trees"][0]["children_left"][0] = 999.into(),
        "child 999",
    );
}

#[test]
fn model_json_rejects_cycle() {
    // Node 1 pointing back at the root would loop forever in predict.
    expect_malformed(
        |v| {
            let t = &mut v["trees"][0];
            let l = t["children_left"][0].as_i64().unwrap() as usize;
            t["children_left"][l] = 0.into();
            t["children_right"][l] = 0.into();
            t["feature"][l] = 0.into();
            t["threshold"][l] = "0x3ff0000000000000".into();
        },
        "forward-only",
    );
}

#[test]
fn model_json_rejects_nan_threshold_and_bad_feature() {
    expect_malformed(
        |v| v["trees"][0]["threshold"][0] = "0x7ff8000000000000".into(),
        "not finite",
    );
    expect_malformed(|v| v["trees"][0]["feature"][0] = 99.into(), "feature 99");
    expect_malformed(|v| v["init_raw"] = "0x7ff0000000000000".into(), "init_raw");
}

#[test]
fn model_json_rejects_inconsistent_sizes_and_params() {
    expect_malformed(
        |v| {
            v["trees"][1]["value"].as_array_mut().unwrap().pop();
        },
        "entries",
    );
    expect_malformed(|v| v["params"]["n_estimators"] = 3.into(), "trees");
    expect_malformed(|v| v["format_version"] = 2.into(), "format_version");
    expect_malformed(|v| v["n_features"] = 0.into(), "n_features");
}

#[test]
fn model_json_rejects_truncated_garbage_and_huge() {
    let text = small_model().to_json();
    for bad in [&text[..text.len() / 2], "", "null", "[]", "{\"format\":1}"] {
        assert!(
            matches!(GbmModel::from_json(bad), Err(Error::Malformed { .. })),
            "{bad:?}"
        );
    }
    let huge = " ".repeat(mlops_loop::gbm::MAX_JSON_BYTES + 1);
    let e = GbmModel::from_json(&huge).unwrap_err();
    assert!(e.to_string().contains("limit"), "{e}");
    // A tree with more nodes than the cap is refused while parsing.
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let n = mlops_loop::gbm::MAX_NODES_PER_TREE + 1;
    v["trees"][0]["value"] = vec!["0x0000000000000000"; n].into();
    let e = GbmModel::from_json(&serde_json::to_string(&v).expect("json")).unwrap_err();
    assert!(e.to_string().contains("nodes"), "{e}");
}
