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
        "2c5a2305641ce518122b15bda26d6f28b660ea39843318a9466918b941c31b13",
        "c0632c418d9721ec087a9a12dbbe987cfdb274b252cfe45b076443837b9e70eb",
        "517cef5f62c97df15809093737d61560865558a7aaffbc6693bbadf4a2f32a5c",
    ];
    assert_eq!(got, want);
}
