//! Benchmarks for `make bench`: `benchFit` and `benchLoop` (the full module only).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{count, js_err};
use crate::data::{make_data, Drift};
use crate::orchestrator::{run as run_loop_core, LoopParams, Schedule};

fn now_ms() -> f64 {
    // performance.now() in a page or a worker; Date.now() if absent.
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).ok();
    perf.and_then(|p| {
        let now = js_sys::Reflect::get(&p, &JsValue::from_str("now")).ok()?;
        let f: js_sys::Function = now.dyn_into().ok()?;
        f.call0(&p).ok()?.as_f64()
    })
    .unwrap_or_else(js_sys::Date::now)
}

/// Milliseconds taken by each of `reps` fits of the book's model on the 75 % training split of
/// `make_data(1, 0.0, rows)` (rows 3000 → the chapter's 2250-row fit). For `make bench`.
#[wasm_bindgen(js_name = benchFit)]
pub fn bench_fit(rows: u32, reps: u32) -> Result<Vec<f64>, JsError> {
    let rows = count("rows", f64::from(rows), 4, crate::data::MAX_ROWS)?;
    let reps = count("reps", f64::from(reps), 1, 1000)?;
    let df = make_data(1, Drift::Float(0.0), rows).map_err(js_err)?;
    let (train, _) = crate::split::train_test_split(
        rows,
        crate::pipeline::TEST_SIZE,
        crate::pipeline::SPLIT_RANDOM_STATE,
    )
    .map_err(js_err)?;
    let feats = df.features();
    let x: Vec<[f64; 3]> = train
        .iter()
        .filter_map(|&i| feats.get(i).copied())
        .collect();
    let y: Vec<i64> = train
        .iter()
        .filter_map(|&i| df.labels().get(i).copied())
        .collect();
    let params = crate::gbm::GbmParams::new().check().map_err(js_err)?;
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = now_ms();
        params.fit(&x, &y).map_err(js_err)?;
        times.push(now_ms() - t);
    }
    Ok(times)
}

/// Milliseconds taken by each of `reps` runs of the loop over `weeks` simulated weeks (seed 2,
/// step schedule: retraining happens). For `make bench`.
#[wasm_bindgen(js_name = benchLoop)]
pub fn bench_loop(weeks: u32, reps: u32) -> Result<Vec<f64>, JsError> {
    let reps = count("reps", f64::from(reps), 1, 100)?;
    let p = LoopParams::builder()
        .weeks(weeks as usize)
        .seed(2)
        .schedule(Schedule::parse("step").map_err(js_err)?)
        .build()
        .map_err(js_err)?;
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = now_ms();
        run_loop_core(&p).map_err(js_err)?;
        times.push(now_ms() - t);
    }
    Ok(times)
}
