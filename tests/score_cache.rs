//! Scores taken from the [`ScoreCache`] are the scores: loops run with the caches cold, warm,
//! too small and off record the same timelines and the same registries, byte for byte; a warm
//! cache answers every score of a second run of the same data (other gates, other practices)
//! without predicting; and the cache never holds more scores than its capacity.

use mlops_loop::fit_cache::FitCache;
use mlops_loop::orchestrator::{run_sharing, Learners, LoopParams, Practices, Schedule};
use mlops_loop::registry::{block_on, MemStore, Registry};
use mlops_loop::score_cache::ScoreCache;
use std::collections::BTreeMap;
use std::sync::Arc;

type Ran = (String, BTreeMap<String, Vec<u8>>);

/// The run's timeline (JSON) and every record of its registry.
fn run(p: &LoopParams, fits: &Arc<FitCache>, scores: &Arc<ScoreCache>) -> Ran {
    let reg = block_on(Registry::open(MemStore::new())).expect("registry");
    let t = block_on(run_sharing(p, &reg, Learners::default(), fits, scores)).expect("run");
    (
        serde_json::to_string(&t).expect("json"),
        reg.store().snapshot(),
    )
}

fn base() -> mlops_loop::orchestrator::LoopParamsBuilder {
    LoopParams::builder()
        .seed(2)
        .weeks(24)
        .rows_per_week(400)
        .schedule(Schedule::parse("step").expect("schedule"))
        .counterfactual_weeks(3)
}

#[test]
fn cached_scores_give_the_same_runs_as_fresh_ones() {
    let p = base().build().expect("params");
    let variants = [
        // Other gates: the same candidates scored on the same weeks, other decisions.
        base().alpha(0.2).margin(0.0).build().expect("params"),
        // No canary, no promotion gate: other versions serve other weeks.
        base()
            .practices(Practices {
                canary: false,
                promotion_gate: false,
                ..Practices::default()
            })
            .build()
            .expect("params"),
        // Unseeded training: other fits, so other model keys (misses, not wrong hits).
        base()
            .practices(Practices {
                seeded_training: false,
                ..Practices::default()
            })
            .build()
            .expect("params"),
        // Another seed: other data, so other rows and other models.
        base().seed(3).build().expect("params"),
    ];
    let off = (Arc::new(FitCache::new(0)), Arc::new(ScoreCache::new(0)));
    let on = (
        Arc::new(FitCache::new(64)),
        Arc::new(ScoreCache::new(1 << 19)),
    );

    let fresh = run(&p, &off.0, &off.1);
    assert!(off.1.is_empty(), "capacity 0 keeps nothing");
    let cold = run(&p, &on.0, &on.1);
    let (_, computed) = on.1.counts();
    assert!(
        computed > 30,
        "the cold run computed {computed} batches of scores"
    );
    let warm = run(&p, &on.0, &on.1);
    assert!(cold == fresh, "cold cache: a different run");
    assert!(warm == fresh, "warm cache: a different run");
    assert_eq!(
        on.1.counts().1,
        computed,
        "the warm run computed scores again"
    );

    for (i, v) in variants.iter().enumerate() {
        let (h0, m0) = on.1.counts();
        let cached = run(v, &on.0, &on.1);
        assert!(
            cached == run(v, &off.0, &off.1),
            "variant {i}: a different run"
        );
        let (h, m) = on.1.counts();
        if i < 2 {
            // The same candidates on the same weeks; only weeks served by another version
            // than before are new.
            assert!(
                h - h0 > 2 * (m - m0),
                "variant {i}: {} hits, {} computed",
                h - h0,
                m - m0
            );
        } else {
            assert!(m > m0, "variant {i} has other models or other rows");
        }
    }
    assert!(on.1.held() <= 1 << 19);
}

#[test]
fn a_cache_too_small_for_a_run_evicts_and_still_gives_the_same_runs() {
    let p = base().build().expect("params");
    let fits = Arc::new(FitCache::new(64));
    let fresh = run(&p, &fits, &Arc::new(ScoreCache::new(0)));
    // Room for 12 batches of 400 scores: a run of 24 weeks asks for many more.
    let small = Arc::new(ScoreCache::new(12 * 400));
    for round in 0..3 {
        assert!(
            run(&p, &fits, &small) == fresh,
            "round {round}: a different run"
        );
        assert!(
            small.held() <= 12 * 400 && small.len() <= 12,
            "round {round}: {} scores in {} batches kept",
            small.held(),
            small.len()
        );
    }
    let (hits, computed) = small.counts();
    assert!(
        computed > 3 * 24,
        "each round computed again what was evicted ({computed} computed, {hits} hits)"
    );
}
