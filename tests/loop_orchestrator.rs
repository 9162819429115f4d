//! The loop over simulated weeks: determinism, every schedule, each practice switched off, and
//! the registry's history agreeing with the timeline.
#![cfg(not(target_arch = "wasm32"))]

use mlops_loop::orchestrator::{
    rederive, run, run_with, DecisionKind, LoopParams, Practices, Schedule, Timeline, Verdict,
};
use mlops_loop::registry::{block_on, Actor, Change, MemStore, Registry, Stage};

fn params(seed: u64, schedule: &str, practices: Practices) -> LoopParams {
    LoopParams::builder()
        .seed(seed)
        .schedule(Schedule::parse(schedule).expect("schedule"))
        .practices(practices)
        .build()
        .expect("params")
}

fn decisions(t: &Timeline) -> impl Iterator<Item = &mlops_loop::orchestrator::Decision> {
    t.weeks.iter().flat_map(|w| &w.decisions)
}

#[test]
fn same_seed_same_timeline_json() {
    let p = params(2, "step", Practices::default());
    let a = serde_json::to_string(&run(&p).expect("a")).expect("json");
    let b = serde_json::to_string(&run(&p).expect("b")).expect("json");
    assert_eq!(a, b);
    let other = serde_json::to_string(&run(&params(3, "step", Practices::default())).expect("c"))
        .expect("json");
    assert_ne!(a, other);
}

#[test]
fn every_schedule_runs_and_the_registry_agrees() {
    for name in ["none", "step", "gradual", "seasonal", "broken_feature"] {
        let p = params(1, name, Practices::default());
        let reg = block_on(Registry::open(MemStore::new())).expect("open");
        let t = block_on(run_with(&p, &reg)).expect(name);
        assert_eq!(t.weeks.len(), 52, "{name}");
        // Labels of the last week have not arrived yet (delay 1); all others have.
        assert!(t.weeks[51].auc.is_none());
        assert!(t.weeks[..51].iter().all(|w| w.auc.is_some()), "{name}");
        let h = block_on(reg.history()).expect("history");
        let count =
            |f: &dyn Fn(&Change, Actor) -> bool| h.iter().filter(|e| f(&e.change, e.actor)).count();
        let promotions =
            count(&|c, a| matches!(c, Change::Promote { .. }) && a != Actor::Orchestrator);
        assert_eq!(promotions, t.summary.promotions, "{name}");
        assert_eq!(
            count(&|c, _| matches!(c, Change::Rollback { .. })),
            t.summary.rollbacks,
            "{name}"
        );
        let aborts = count(&|c, a| {
            matches!(
                c,
                Change::Transition {
                    to: Stage::Archived,
                    ..
                }
            ) && a == Actor::Canary
        });
        assert_eq!(aborts, t.summary.canary_aborts, "{name}");
        assert_eq!(h.len() as u64, t.summary.registry_events);
        let state = block_on(reg.state()).expect("state");
        assert_eq!(state.production(), Some(t.summary.final_version));
        // Week by week, the live version is the registry's production version at that time.
        for w in &t.weeks {
            let at = block_on(reg.production_at(w.week as f64 * 604_800_000.0)).expect("at");
            assert_eq!(at, Some(w.live_version), "{name} week {}", w.week);
        }
    }
    let none = run(&params(1, "none", Practices::default())).expect("none");
    assert_eq!(none.summary.alarms, none.summary.false_alarms);
    // Without data validation (which quarantines the batch before any drift test).
    let no_validation = Practices {
        validation: false,
        ..Practices::default()
    };
    let broken = run(&params(1, "broken_feature", no_validation)).expect("broken");
    let w = &broken.weeks[20];
    assert!(w.broken_feature);
    let d = w.drift.as_ref().expect("monitored");
    assert!(
        d.alarm && d.pvalues[0] < 1e-100,
        "KS on spend catches the ×100: {d:?}"
    );
}

#[test]
fn without_monitoring_step_drift_is_never_retrained() {
    // Seed 2, +10 days from week 12: with monitoring the loop retrains and promotes; without,
    // 1.0.0 serves all year and the mean AUC is lower. (The effect is seed-dependent: at +10
    // days three of seeds 1-6 do better with monitoring.)
    let on = run(&params(2, "step", Practices::default())).expect("on");
    let off = run(&params(
        2,
        "step",
        Practices {
            monitoring: false,
            ..Practices::default()
        },
    ))
    .expect("off");
    assert!(on.summary.retrains > 0 && on.summary.promotions > 0);
    assert_eq!(off.summary.retrains, 0);
    assert_eq!(off.summary.alarms, 0);
    assert!(off
        .weeks
        .iter()
        .all(|w| w.live_label == "1.0.0" && w.drift.is_none()));
    assert!(
        off.summary.mean_auc < on.summary.mean_auc,
        "{} vs {}",
        off.summary.mean_auc,
        on.summary.mean_auc
    );
    assert!(off.summary.weeks_below > on.summary.weeks_below);
}

#[test]
fn without_gate_2_a_worse_candidate_is_promoted() {
    let worse = |t: &Timeline| {
        decisions(t)
            .filter(|d| {
                d.kind == DecisionKind::PromotionGate
                    && matches!(d.verdict, Verdict::Promote | Verdict::PromoteGateOff)
                    && d.evidence.auc_candidate < d.evidence.auc_current
            })
            .count()
    };
    let on = run(&params(1, "step", Practices::default())).expect("on");
    let off = run(&params(
        1,
        "step",
        Practices {
            promotion_gate: false,
            ..Practices::default()
        },
    ))
    .expect("off");
    assert_eq!(worse(&on), 0);
    assert!(
        worse(&off) >= 1,
        "gate 2 off must let a worse candidate through"
    );
    assert!(decisions(&off).any(|d| d.verdict == Verdict::PromoteGateOff));
}

#[test]
fn without_rollback_a_failed_canary_stays() {
    // Seed 3, step: a canary fails its analysis. With rollback it is aborted (weight 0,
    // archived by the canary); without, it goes on to the next weight.
    let on = run(&params(3, "step", Practices::default())).expect("on");
    let abort = decisions(&on)
        .find(|d| d.kind == DecisionKind::CanaryAnalysis && d.verdict == Verdict::Abort)
        .expect("an aborted canary");
    assert!(abort.evidence.auc_candidate < abort.evidence.auc_current);
    let aborted_at = on
        .weeks
        .iter()
        .position(|w| w.decisions.iter().any(|d| std::ptr::eq(d, abort)))
        .expect("week");
    assert!(
        on.weeks[aborted_at + 1].canary.is_none(),
        "weight 0 after abort"
    );
    assert_eq!(on.summary.canary_aborts, 1);

    let off = run(&params(
        3,
        "step",
        Practices {
            rollback: false,
            ..Practices::default()
        },
    ))
    .expect("off");
    assert_eq!(off.summary.canary_aborts, 0);
    let kept = decisions(&off)
        .find(|d| {
            d.kind == DecisionKind::CanaryAnalysis
                && matches!(d.verdict, Verdict::AdvanceAnyway { .. })
        })
        .expect("a failed canary kept");
    let v = kept.version.expect("version");
    assert!(off.weeks.iter().any(|w| w
        .canary
        .as_ref()
        .is_some_and(|c| c.version == v && c.weight == 50)));
}

#[test]
fn without_canary_a_regression_is_rolled_back_and_without_rollback_it_stays() {
    // Seed 4, step, no canary: a promoted version does worse than its predecessor on its first
    // labelled week and is rolled back; with rollback off too, it stays.
    let no_canary = Practices {
        canary: false,
        ..Practices::default()
    };
    let t = run(&params(4, "step", no_canary)).expect("run");
    assert_eq!(t.summary.rollbacks, 1);
    let rb = decisions(&t)
        .find(|d| d.kind == DecisionKind::RollbackCheck && d.verdict == Verdict::Rollback)
        .expect("rollback");
    let (now, prev) = (
        rb.evidence.auc_current.expect("now"),
        rb.evidence.auc_candidate.expect("prev"),
    );
    assert!(now < prev - 0.02, "{now} vs {prev}");
    let stays = run(&params(
        4,
        "step",
        Practices {
            rollback: false,
            ..no_canary
        },
    ))
    .expect("stays");
    assert_eq!(stays.summary.rollbacks, 0);
    assert!(decisions(&stays).any(|d| d.verdict == Verdict::KeepRollbackOff));
}

#[test]
fn unseeded_training_cannot_be_rederived() {
    for seeded in [true, false] {
        let p = params(
            2,
            "step",
            Practices {
                seeded_training: seeded,
                ..Practices::default()
            },
        );
        let reg = block_on(Registry::open(MemStore::new())).expect("open");
        let t = block_on(run_with(&p, &reg)).expect("run");
        assert!(t.summary.retrains > 0);
        let state = block_on(reg.state()).expect("state");
        for v in 1..=state.versions() {
            let mv = block_on(reg.get(v)).expect("version");
            let r = rederive(&mv).expect("rederive");
            assert!(r.data_matches, "the data are always rebuilt from the seed");
            assert_eq!(r.seeded, seeded);
            assert_eq!(
                r.reproducible, seeded,
                "{} seeded={seeded}: {r:?}",
                mv.label
            );
            if !seeded {
                assert!(r.explanation.contains("random_state"), "{r:?}");
            }
        }
    }
}

#[test]
fn bad_parameters_name_the_field() {
    let err = |b: mlops_loop::orchestrator::LoopParamsBuilder| b.build().unwrap_err().to_string();
    assert!(err(LoopParams::builder().weeks(521)).contains("weeks = 521"));
    assert!(err(LoopParams::builder().rows_per_week(10)).contains("rows_per_week = 10"));
    assert!(err(LoopParams::builder().alpha(1.5)).contains("alpha"));
    assert!(err(LoopParams::builder().margin(f64::NAN)).contains("margin"));
    assert!(err(LoopParams::builder().label_delay(9)).contains("label_delay"));
    assert!(err(LoopParams::builder().schedule(Schedule::Step {
        week: 3,
        days: f64::INFINITY
    }))
    .contains("schedule.days"));
    assert!(Schedule::parse("tidal")
        .unwrap_err()
        .to_string()
        .contains("schedule"));
    let json = r#"{"weeks": 10, "sead": 1}"#;
    assert!(
        serde_json::from_str::<LoopParams>(json).is_err(),
        "unknown keys rejected"
    );
    // A registry that already holds versions is refused.
    let reg = block_on(Registry::open(MemStore::new())).expect("open");
    let p = LoopParams::builder().weeks(2).build().expect("p");
    block_on(run_with(&p, &reg)).expect("first run");
    let e = block_on(run_with(&p, &reg)).unwrap_err().to_string();
    assert!(e.contains("registry"), "{e}");
}

#[test]
fn each_weeks_drift_evidence_says_what_the_correction_did() {
    use mlops_loop::stats::Correction;
    for correction in [Correction::None, Correction::Bonferroni, Correction::Bh] {
        let p = LoopParams::builder()
            .seed(3)
            .weeks(8)
            .rows_per_week(300)
            .schedule(Schedule::parse("step").expect("schedule"))
            .correction(correction)
            .alpha(0.03)
            .build()
            .expect("params");
        let t = run(&p).expect("run");
        let mut tested = 0;
        for w in &t.weeks {
            let Some(d) = &w.drift else { continue };
            tested += 1;
            let rejected = correction.reject(&d.pvalues, 0.03).expect("reject");
            assert_eq!(d.rejected.to_vec(), rejected, "week {}", w.week);
            assert_eq!(d.alarm, rejected.iter().any(|&r| r), "week {}", w.week);
            let levels = correction.levels(&d.pvalues, 0.03).expect("levels");
            assert_eq!(d.levels.to_vec(), levels, "week {}", w.week);
        }
        assert!(tested > 0, "{correction:?}: no week was tested");
    }
}

/// Each week's `live_since` is the core's account of the version it serves: the first week of
/// the unbroken stretch it has served (recounted here from `live_version` alone), the week
/// before as the week it was decided, and the decisions of that week that put it live: a
/// promotion of that very version, or the rollback that put it back; never gate 1.
fn check_live_since(t: &Timeline) -> (usize, usize) {
    let (mut changes, mut rollbacks) = (0, 0);
    for (w, wk) in t.weeks.iter().enumerate() {
        let mut first = w;
        while first > 0 && t.weeks[first - 1].live_version == wk.live_version {
            first -= 1;
        }
        let s = &wk.live_since;
        assert_eq!(s.week, first, "week {w}");
        if first == 0 {
            assert_eq!((s.decided_in, s.because.len()), (None, 0), "week {w}");
            continue;
        }
        assert_eq!(s.decided_in, Some(first - 1), "week {w}");
        let decided = &t.weeks[first - 1].decisions;
        assert!(
            !s.because.is_empty(),
            "week {w}: a version change with no decision behind it"
        );
        for &i in &s.because {
            let d = &decided[i];
            assert_ne!(d.kind, DecisionKind::RetrainGate, "week {w}");
            if d.kind == DecisionKind::RollbackCheck {
                assert_eq!(d.verdict, Verdict::Rollback, "week {w}");
                rollbacks += usize::from(first == w);
            } else {
                assert_eq!(d.version, Some(wk.live_version), "week {w}");
            }
        }
        if first == w {
            changes += 1;
        }
    }
    (changes, rollbacks)
}

#[test]
fn live_since_names_the_stretch_and_the_decisions_behind_it() {
    let t = run(&params(2, "step", Practices::default())).expect("run");
    let (changes, _) = check_live_since(&t);
    assert!(changes >= 1 && changes == t.summary.promotions + t.summary.rollbacks);
    // a rollback puts the previous version back: its live_since is the rollback check
    let no_canary = Practices {
        canary: false,
        ..Practices::default()
    };
    let t = run(&params(4, "step", no_canary)).expect("run");
    let (changes, rollbacks) = check_live_since(&t);
    assert_eq!(rollbacks, 1);
    assert_eq!(changes, t.summary.promotions + t.summary.rollbacks);
}

/// A counterfactual carries its verdict as data: the other road's AUC against the chosen one's,
/// compared exactly, with the difference it was judged on; and reads back from its JSON.
#[test]
fn each_counterfactual_says_whether_the_road_not_taken_was_better() {
    use mlops_loop::orchestrator::Outcome;
    let p = LoopParams::builder()
        .seed(2)
        .weeks(30)
        .rows_per_week(300)
        .schedule(Schedule::parse("step").expect("schedule"))
        .counterfactual_weeks(4)
        .build()
        .expect("params");
    let t = run(&p).expect("run");
    let mut seen = std::collections::BTreeSet::new();
    for c in decisions(&t).filter_map(|d| d.counterfactual.as_ref()) {
        let want = if c.other_auc > c.chosen_auc {
            Outcome::Better
        } else if c.other_auc < c.chosen_auc {
            Outcome::Worse
        } else {
            Outcome::Same
        };
        assert_eq!(c.outcome, want, "{c:?}");
        assert_eq!(c.difference, c.other_auc - c.chosen_auc);
        seen.insert(serde_json::to_string(&c.outcome).expect("json"));
    }
    // this year has roads not taken that were better and ones that were worse
    assert!(
        seen.contains("\"better\"") && seen.contains("\"worse\""),
        "{seen:?}"
    );
    let json = serde_json::to_string(&t).expect("json");
    let back: Timeline = serde_json::from_str(&json).expect("back");
    assert_eq!(back, t);
}

/// Counterfactuals only annotate: a year run with them is the year run without them, field for
/// field, once each decision's `counterfactual` is taken away (the timeline panel draws the year
/// from a run without them first and shows the full run when it arrives).
#[test]
fn counterfactuals_change_nothing_but_themselves() {
    let variants = [
        ("step", Practices::default()),
        ("gradual", Practices::default()),
        ("broken_feature", Practices::default()),
        (
            "step",
            Practices {
                canary: false,
                promotion_gate: false,
                ..Practices::default()
            },
        ),
        (
            "seasonal",
            Practices {
                seeded_training: false,
                validation: false,
                ..Practices::default()
            },
        ),
    ];
    for (schedule, practices) in variants {
        let base = LoopParams::builder()
            .seed(2)
            .weeks(40)
            .rows_per_week(300)
            .schedule(Schedule::parse(schedule).expect("schedule"))
            .practices(practices);
        let without = run(&base.clone().build().expect("params")).expect("run");
        for cf in [1, 4] {
            let mut with = run(&base
                .clone()
                .counterfactual_weeks(cf)
                .build()
                .expect("params"))
            .expect("run");
            let mut annotated = 0;
            for d in with.weeks.iter_mut().flat_map(|w| &mut w.decisions) {
                annotated += usize::from(d.counterfactual.take().is_some());
            }
            assert!(
                annotated > 0,
                "{schedule} {practices:?}: no counterfactual at {cf} weeks"
            );
            assert_eq!(with.params.counterfactual_weeks, cf);
            with.params.counterfactual_weeks = 0;
            assert_eq!(with, without, "{schedule} {practices:?}, {cf} weeks");
        }
    }
}
