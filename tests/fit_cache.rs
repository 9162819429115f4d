//! A fit taken from the [`FitCache`] is the fit: loops run with the cache cold, warm and off
//! record the same timelines and the same registries, byte for byte, and a warm cache answers
//! every fit of a second run of the same data (other gates, other practices) without fitting.

use mlops_loop::chapter::{run_chapter, ChapterParams};
use mlops_loop::fit_cache::FitCache;
use mlops_loop::orchestrator::{run_sharing_fits, Learners, LoopParams, Practices, Schedule};
use mlops_loop::registry::{block_on, MemStore, Registry};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The run's timeline (JSON) and every record of its registry.
fn run(p: &LoopParams, fits: &Arc<FitCache>) -> (String, BTreeMap<String, Vec<u8>>) {
    let reg = block_on(Registry::open(MemStore::new())).expect("registry");
    let t = block_on(run_sharing_fits(p, &reg, Learners::default(), fits)).expect("run");
    (
        serde_json::to_string(&t).expect("json"),
        reg.store().snapshot(),
    )
}

#[test]
fn cached_fits_give_the_same_runs_as_fresh_ones() {
    let base = || {
        LoopParams::builder()
            .seed(2)
            .weeks(20)
            .rows_per_week(400)
            .schedule(Schedule::parse("step").expect("schedule"))
            .counterfactual_weeks(2)
    };
    let p = base().build().expect("params");
    // Other gates and practices: the same candidates, other decisions.
    let variants = [
        // Without canaries gate 1 decides every week that has its labelled weeks, so this run
        // trains every candidate any run of this data can ask for.
        base()
            .practices(Practices {
                canary: false,
                promotion_gate: false,
                ..Practices::default()
            })
            .build()
            .expect("params"),
        base().alpha(0.2).margin(0.01).build().expect("params"),
        // Unseeded training: other random states, so other fits (misses, not wrong hits).
        base()
            .practices(Practices {
                seeded_training: false,
                ..Practices::default()
            })
            .build()
            .expect("params"),
    ];
    let off = Arc::new(FitCache::new(0));
    let cache = Arc::new(FitCache::new(64));

    let fresh = run(&p, &off);
    let cold = run(&p, &cache);
    assert_eq!(cache.counts().0, 0, "a cold cache has nothing to give");
    let warm = run(&p, &cache);
    assert!(
        cache.counts().0 > 10,
        "the warm run's fits came from the cache"
    );
    assert!(cold == fresh, "cold cache: a different run");
    assert!(warm == fresh, "warm cache: a different run");

    // Without a horizon no second thread trains ahead, so the counts are exact: a second run of
    // the same data fits nothing.
    let plain = base().counterfactual_weeks(0).build().expect("params");
    let own = Arc::new(FitCache::new(64));
    let once = run(&plain, &own);
    let (_, fitted) = own.counts();
    assert!(fitted >= 2, "the run fitted {fitted} models");
    assert!(run(&plain, &own) == once);
    assert_eq!(
        own.counts(),
        (fitted, fitted),
        "the second run fitted again"
    );

    for (i, v) in variants.iter().enumerate() {
        let before = cache.counts();
        let cached = run(v, &cache);
        assert!(cached == run(v, &off), "variant {i}: a different run");
        let (h, m) = cache.counts();
        if i == 0 {
            // The candidates of the weeks the first run decided, and new ones for the weeks a
            // canary kept it from deciding (unless its second thread had trained them ahead).
            assert!(
                h - before.0 > m - before.1,
                "variant {i} has the same data: {} hits, {} fits",
                h - before.0,
                m - before.1
            );
        } else if i == 1 {
            assert_eq!(
                m,
                before.1,
                "variant {i}: every candidate was there ({} hits)",
                h - before.0
            );
        } else {
            assert!(m > before.1, "unseeded training fits other models");
        }
    }
    assert!(cache.len() <= 64);
}

#[test]
fn the_chapter_is_the_same_from_the_shared_cache() {
    let p = ChapterParams::default();
    let first = run_chapter(&p).expect("chapter");
    let (hits, _) = FitCache::shared().counts();
    let again = run_chapter(&p).expect("chapter");
    assert!(
        FitCache::shared().counts().0 >= hits + 2,
        "both of the chapter's fits came from the cache"
    );
    assert_eq!(first.lines, again.lines);
    assert_eq!(first.current.model_hash, again.current.model_hash);
    assert_eq!(
        first.candidate.as_ref().map(|c| &c.model_hash),
        again.candidate.as_ref().map(|c| &c.model_hash)
    );
    assert_eq!(
        first.candidate_auc_recent.map(f64::to_bits),
        again.candidate_auc_recent.map(f64::to_bits)
    );
}
