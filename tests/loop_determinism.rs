//! The same seed gives the same timeline natively and in WebAssembly: the sha256 of the
//! timeline's JSON is pinned here and checked on both targets (the wasm run is part of
//! `make test-wasm`, in headless Chromium).

use mlops_loop::orchestrator::{run, LoopParams, Practices, Schedule};
use sha2::{Digest, Sha256};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn timeline_sha(schedule: &str, practices: Practices) -> String {
    let p = LoopParams::builder()
        .seed(2)
        .weeks(26)
        .rows_per_week(500)
        .schedule(Schedule::parse(schedule).expect("schedule"))
        .practices(practices)
        .counterfactual_weeks(2)
        .build()
        .expect("params");
    let json = serde_json::to_string(&run(&p).expect("run")).expect("json");
    Sha256::digest(json.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn timelines_are_pinned() {
    let got = [
        timeline_sha("step", Practices::default()),
        timeline_sha("seasonal", Practices::default()),
        timeline_sha(
            "broken_feature",
            Practices {
                canary: false,
                seeded_training: false,
                ..Practices::default()
            },
        ),
    ];
    let want = [
        "1dbda01fedd5407de4d85f8ae2d21a6b649ffc8d34b3d31545f10bcef45840e2",
        "64cb087a415db06ea38276b7b024780120c78bcf6211b7925926824eb946561c",
        "e719b4b9868b035fc081f5f670a288a23d8e8066ac848688e1f51651fcd020b2",
    ];
    assert_eq!(got, want);
}
