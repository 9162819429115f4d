//! The same parity checks as the native tests, run inside WebAssembly in headless Chromium: the
//! fixtures are embedded, so every value is compared by bits in the browser's engine.
#![cfg(target_arch = "wasm32")]

mod common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn assert_clean(name: &str, t: &common::Tally, min_cases: usize) {
    web_sys::console::log_1(
        &format!(
            "{name}: {} cases, {} values compared, {} mismatches",
            t.cases,
            t.values,
            t.failures.len()
        )
        .into(),
    );
    assert!(t.cases >= min_cases, "{name}: only {} cases", t.cases);
    assert!(
        t.failures.is_empty(),
        "{name}: {:?}",
        &t.failures[..t.failures.len().min(20)]
    );
}

#[wasm_bindgen_test]
fn data_cases_match_in_wasm() {
    assert_clean(
        "data_cases.json",
        &common::check_data_cases(common::DATA_CASES),
        25,
    );
}

#[wasm_bindgen_test]
fn numpy_pieces_match_in_wasm() {
    assert_clean(
        "data_numpy.json",
        &common::check_numpy(common::DATA_NUMPY),
        30,
    );
}

#[wasm_bindgen_test]
fn gbm_trees_probabilities_and_auc_match_in_wasm() {
    assert_clean(
        "gbm_cases.json",
        &common::model::check_gbm(common::model::GBM_CASES),
        11,
    );
}

#[wasm_bindgen_test]
fn ks_statistics_and_pvalues_match_in_wasm() {
    let (t, worst, asymptotic) = common::model::check_ks(common::model::KS_CASES);
    web_sys::console::log_1(
        &format!("ks: worst asymptotic relative error {worst:e} over {asymptotic} cases").into(),
    );
    assert_clean("ks_cases.json", &t, 40);
}
