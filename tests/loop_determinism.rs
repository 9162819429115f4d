//! The same seed gives the same timeline natively and in WebAssembly: the sha256 of the
//! timeline's JSON is pinned here and checked on both targets (the wasm run is part of
//! `make test-wasm`, in headless Chromium). Re-pinned when each week gained `live_since` and each
//! counterfactual its `outcome` and `difference`: with those stripped, the JSON hashes to the
//! pins before.

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
        "15c93da3d27dd5243da94bfde480ec38a28bf0f1326387cf700ded9e9595cbcc",
        "e12821da611ccb0c601adcb7dd3c3179e4aa62e3d3c436af0d025de663875a1a",
        "11a1d22f85b2a45a42adb419a96e450893435d4cd853527144449b786f243b90",
    ];
    assert_eq!(got, want);
}
