//! Regression pin for the whole loop: the timeline of 24 simulated years (every drift schedule ×
//! four seeds, and each practice switched off) as sha256 of its JSON, against
//! `fixtures/loop_golden.json`. The loop has no Python original, so this is a change detector,
//! not a parity test: a deliberate change to the loop regenerates the file with
//! `UPDATE_GOLDEN=1 cargo test --test loop_golden` and says why in its commit.

use mlops_loop::orchestrator::{run, LoopParams, Practices, Schedule};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Switches one practice off.
type Switch = fn(&mut Practices);

fn configs() -> Vec<(String, LoopParams)> {
    let mut out = Vec::new();
    let build = |seed: u64, schedule: &str, practices: Practices| {
        LoopParams::builder()
            .seed(seed)
            .rows_per_week(300)
            .schedule(Schedule::parse(schedule).expect("schedule"))
            .practices(practices)
            .build()
            .expect("params")
    };
    for schedule in ["none", "step", "gradual", "seasonal", "broken_feature"] {
        for seed in 1..=4 {
            out.push((
                format!("{schedule}/seed{seed}/full"),
                build(seed, schedule, Practices::default()),
            ));
        }
    }
    let off: [(&str, Switch); 5] = [
        ("monitoring", |p| p.monitoring = false),
        ("promotion_gate", |p| p.promotion_gate = false),
        ("canary", |p| p.canary = false),
        ("rollback", |p| p.rollback = false),
        ("seeded_training", |p| p.seeded_training = false),
    ];
    for (name, switch) in off {
        let mut p = Practices::default();
        switch(&mut p);
        out.push((format!("step/seed2/no_{name}"), build(2, "step", p)));
    }
    out
}

#[test]
fn timelines_are_pinned() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/loop_golden.json"
    );
    let got: BTreeMap<String, String> = configs()
        .into_iter()
        .map(|(name, p)| {
            let json = serde_json::to_string(&run(&p).expect("run")).expect("json");
            let hex: String = Sha256::digest(json.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            (name, hex)
        })
        .collect();
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        let text = serde_json::to_string_pretty(&got).expect("json");
        std::fs::write(path, text + "\n").expect("write the golden file");
        return;
    }
    let want: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("golden file"))
            .expect("golden json");
    assert_eq!(got.len(), want.len(), "configurations");
    let changed: Vec<&String> = got
        .iter()
        .filter(|(k, v)| want.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        changed.is_empty(),
        "the loop's timeline changed for {changed:?} (see the module docs)"
    );
}
