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
        "36c5ff474d7ee98554a5afeea66088e1b3b8b0184ef3e2db0460b44dbb0588d0",
        "a6f23859f6357a2cb27cfc28e911161de5a33cf51d1d59e00db902adcfc6ce14",
        "921693b66b7bbd86dcf52354470e5d66a68b1d4979a6c6f0fed4eeadb36cb4c8",
    ];
    assert_eq!(got, want);
}
