//! The promotion rule is written once (`gates::promotes`: promote iff `candidate >= current +
//! margin`, the book's `candidate_auc >= current_auc` at margin 0) and every path decides
//! through it: the gate, the chapter, the promotion trials and the loop. Equal AUCs at margin
//! 0 promote in each.
#![cfg(not(target_arch = "wasm32"))]

use mlops_loop::chapter::{run_chapter_with, ChapterParams, Pretrained};
use mlops_loop::data::{make_data, Drift};
use mlops_loop::experiments::{promotion_trials, PromotionTrialsParams};
use mlops_loop::gates::{promotes, PromotionGate};
use mlops_loop::orchestrator::{run, DecisionKind, LoopParams, Schedule, Verdict};
use mlops_loop::pipeline::{train_book, GBM_RANDOM_STATE};

#[test]
fn the_rule_itself() {
    assert!(promotes(0.7, 0.7, 0.0), "a tie promotes at margin 0");
    assert!(promotes(0.75, 0.7, 0.05 - 1e-12));
    assert!(!promotes(0.7, 0.7 + f64::EPSILON, 0.0));
    assert!(!promotes(0.7, 0.7, 0.01));
    assert!(promotes(0.69, 0.7, -0.01));
}

#[test]
fn the_gate_promotes_a_tie() -> mlops_loop::Result<()> {
    let d = PromotionGate::book().decide_scores(0.7029, 0.7029, "recent")?;
    assert!(d.decision, "{}", d.reason);
    let d = PromotionGate {
        margin: 0.01,
        ..PromotionGate::book()
    }
    .decide_scores(0.70, 0.71, "recent")?;
    assert_eq!(d.decision, promotes(0.71, 0.70, 0.01), "{}", d.reason);
    Ok(())
}

#[test]
fn the_chapter_promotes_a_tie() -> mlops_loop::Result<()> {
    // The same model as current and candidate: equal AUCs on the recent data.
    let m = train_book(&make_data(1, Drift::Float(0.0), 3000)?, GBM_RANDOM_STATE)?.model;
    let run = run_chapter_with(
        &ChapterParams::default(),
        &Pretrained {
            current: Some(m.clone()),
            candidate: Some(m),
        },
    )?;
    assert!(run.retrain, "the book's drift triggers a retrain");
    assert_eq!(run.current_auc_recent, run.candidate_auc_recent);
    assert!(run.promote, "a tie promotes: {:?}", run.lines);
    Ok(())
}

#[test]
fn the_trials_promote_ties() {
    // Small samples make equal AUCs common; a round promotes iff its difference is >= 0. Rounds
    // run one at a time: a sample this small sometimes holds one class only (an error, skipped).
    let (mut ties, mut rounds) = (0, 0);
    for start in 0..300 {
        let Ok(t) = promotion_trials(&PromotionTrialsParams {
            rounds: 1,
            start,
            rows: 24,
            margin: 0.0,
            same_data: true,
            seed: 5,
            shift: 0,
        }) else {
            continue;
        };
        rounds += 1;
        let d = t.diffs[0];
        ties += usize::from(d == 0.0);
        assert_eq!(
            t.promotions,
            usize::from(d >= 0.0),
            "round {start}: diff {d}"
        );
    }
    assert!(rounds >= 100, "only {rounds} rounds ran");
    assert!(ties > 0, "no tie in {rounds} rounds of 24 rows");
}

#[test]
fn the_loop_decides_gate_2_by_the_rule() -> mlops_loop::Result<()> {
    // The loop's gate 2 is `PromotionGate::decide` (a tie promotes: see the gate's test); every
    // gate-2 decision the loop records agrees with the rule on its own evidence, at margin 0 and
    // with a margin.
    let mut decisions = 0;
    for (seed, margin) in [(0, 0.0), (1, 0.0), (2, 0.004), (3, -0.004)] {
        let t = run(&LoopParams::builder()
            .seed(seed)
            .weeks(40)
            .rows_per_week(300)
            .margin(margin)
            .schedule(Schedule::parse("gradual")?)
            .build()?)?;
        for d in t.weeks.iter().flat_map(|w| &w.decisions) {
            if d.kind != DecisionKind::PromotionGate {
                continue;
            }
            let cur = d.evidence.auc_current.expect("auc_current");
            let cand = d.evidence.auc_candidate.expect("auc_candidate");
            assert_eq!(d.evidence.margin, Some(margin));
            decisions += 1;
            assert_eq!(
                d.verdict == Verdict::Promote,
                promotes(cand, cur, margin),
                "{d:?}"
            );
        }
    }
    assert!(decisions >= 4, "only {decisions} gate-2 decisions");
    Ok(())
}

#[test]
fn the_learners_built_in_gate_promotes_a_tie() -> mlops_loop::Result<()> {
    // The learner's panel grades its gate beside the built-in one through the same door
    // (`LearnerGate for PromotionGate`): the same scores give equal AUCs, which promote at
    // margin 0 and not at a positive margin.
    use mlops_loop::learner::LearnerGate;
    let y = [0, 1, 0, 1, 1, 0];
    let s = [0.2, 0.7, 0.4, 0.6, 0.9, 0.1];
    assert!(
        PromotionGate::book()
            .should_promote(&y, &s, &s, 0)?
            .decision
    );
    let mut strict = PromotionGate {
        margin: 0.01,
        ..PromotionGate::book()
    };
    assert!(!strict.should_promote(&y, &s, &s, 0)?.decision);
    Ok(())
}

#[test]
fn the_bootstrap_reading_clears_a_margin_it_equals() {
    // Exercise 3's bootstrap reads its interval by the same rule: a lower end equal to the
    // margin clears it.
    use mlops_loop::exercises::{read_bootstrap, BootstrapReading};
    use mlops_loop::experiments::BootstrapDiff;
    let b = BootstrapDiff {
        diff: 0.02,
        lo: 0.01,
        hi: 0.03,
        resamples: 1000,
        share_candidate_wins: 0.99,
    };
    assert_eq!(read_bootstrap(&b, 0.01), BootstrapReading::ClearsMargin);
    assert_eq!(read_bootstrap(&b, 0.0), BootstrapReading::ClearsMargin);
    assert_eq!(
        read_bootstrap(&b, 0.0100001),
        BootstrapReading::NotConvincing
    );
}
