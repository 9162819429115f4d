//! The model loader on arbitrary bytes: never a panic; an accepted model predicts without one.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mlops_loop::gbm::GbmModel;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(model) = GbmModel::from_json(text) {
            let n = model.n_features();
            let rows: Vec<Vec<f64>> = vec![vec![0.0; n], vec![f64::MAX; n], vec![-1e300; n]];
            let _ = model.predict_proba(&rows);
            let _ = model.model_hash();
        }
    }
});
