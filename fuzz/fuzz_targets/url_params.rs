//! The textual parameters a link carries into the core (seed, drift, schedule, correction) on
//! arbitrary text: never a panic; accepted drifts make data.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mlops_loop::data::{make_data, Drift};
use mlops_loop::stats::Correction;
use mlops_loop::orchestrator::Schedule;
use mlops_loop::pipeline::parse_seed;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = Schedule::parse(text);
    let _ = Correction::parse(text);
    let seed = parse_seed(text).ok();
    if let Ok(drift) = Drift::parse(text) {
        if let Ok(df) = make_data(seed.unwrap_or(1), drift, 16) {
            assert_eq!(df.len(), 16);
        }
    }
});
