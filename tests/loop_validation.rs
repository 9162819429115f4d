//! Data validation (`Practices::validation`) against the `broken_feature` schedule (spend ×100
//! in weeks 20-39): it quarantines exactly the broken weeks and never a clean batch, refuses any
//! candidate whose weeks include a quarantined one, and switched off gives the loop that existed
//! before it. `the_chapters_two_timelines` pins every number chapters/ex5-weakest-link.md states.

use mlops_loop::data::{Days, Frame};
use mlops_loop::orchestrator::{
    live_batch, run, validate, Decision, DecisionKind, LoopParams, Practices, Schedule, Timeline,
    Verdict,
};
use mlops_loop::stats::Correction;
use sha2::{Digest, Sha256};

fn params(seed: u64, schedule: Schedule, rows: usize, validation: bool) -> LoopParams {
    LoopParams::builder()
        .seed(seed)
        .rows_per_week(rows)
        .schedule(schedule)
        .practices(Practices {
            validation,
            ..Practices::default()
        })
        .build()
        .expect("params")
}

fn broken() -> Schedule {
    Schedule::parse("broken_feature").expect("schedule")
}

fn of_kind(d: &[Decision], kind: DecisionKind) -> Vec<&Decision> {
    d.iter().filter(|d| d.kind == kind).collect()
}

fn auc4(x: f64) -> String {
    format!("{x:.4}")
}

/// The mean AUC of weeks `a..b` (all labelled).
fn mean_auc(t: &Timeline, a: usize, b: usize) -> f64 {
    let v: Vec<f64> = t.weeks[a..b].iter().map(|w| w.auc.expect("auc")).collect();
    v.iter().sum::<f64>() / v.len() as f64
}

/// The first week version `label` is live.
fn live_from(t: &Timeline, label: &str) -> Option<usize> {
    t.weeks
        .iter()
        .find(|w| w.live_label == label)
        .map(|w| w.week)
}

#[test]
fn broken_feature_is_broken_in_weeks_20_to_39() {
    let s = broken();
    assert_eq!(s.fault(19), None);
    assert!(s.fault(20).is_some() && s.fault(39).is_some());
    assert_eq!(s.fault(40), None);
    // The fix week is checked like any schedule field.
    let bad: Schedule =
        serde_json::from_str(r#"{"kind":"broken_feature","week":20,"fault":"zero","until":20}"#)
            .expect("json");
    let err = LoopParams::builder()
        .schedule(bad)
        .build()
        .expect_err("until <= week");
    assert!(err.to_string().contains("schedule.until"), "{err}");
}

/// A batch of `spend` with days 10 and 40 alternating (is_recent 1 and 0) and churned 0/1.
fn frame(spend: Vec<f64>) -> Frame {
    let n = spend.len();
    let days: Vec<i64> = (0..n).map(|i| if i % 2 == 0 { 10 } else { 40 }).collect();
    let recent = days.iter().map(|&d| i64::from(d < 30)).collect();
    let churned = (0..n).map(|i| (i % 3 == 0) as i64).collect();
    Frame::new(spend, recent, Days::Int(days), churned).expect("frame")
}

/// Spend rows around `mean` (mean exactly `mean`, not constant).
fn spend_around(mean: f64) -> Vec<f64> {
    (0..100)
        .map(|i| mean + if i % 2 == 0 { 0.5 } else { -0.5 })
        .collect()
}

/// Every bound chapters/ex5-weakest-link.md states for the contract.
#[test]
fn the_contract_the_chapter_states() {
    let ok = |f: &Frame| validate(f).is_none();
    let why = |f: &Frame| validate(f).unwrap_or_default();
    assert!(ok(&frame(spend_around(5.0))));
    // spend between 0 and 200 a day
    let mut s = spend_around(5.0);
    s[3] = 200.0;
    s[4] = 0.0;
    assert!(ok(&frame(s.clone())));
    s[3] = 200.01;
    assert!(why(&frame(s.clone())).starts_with("range: spend_per_active_day"));
    s[3] = -0.01;
    assert!(why(&frame(s)).starts_with("range: spend_per_active_day"));
    // averaging outside 2.5 to 10 a day, or constant: a broken feature
    assert!(ok(&frame(spend_around(2.5))) && ok(&frame(spend_around(10.0))));
    for m in [2.49, 10.01] {
        assert!(
            why(&frame(spend_around(m))).starts_with("broken feature"),
            "{m}"
        );
    }
    assert!(why(&frame(vec![5.0; 100])).starts_with("broken feature"));
    // ... where its mean is 5
    let b = live_batch(0, &Schedule::None, 5000, 0).expect("batch");
    let mean = b.spend_per_active_day().iter().sum::<f64>() / 5000.0;
    assert!((4.8..5.2).contains(&mean), "{mean}");
    // is_recent and churned 0 or 1; is_recent 1 exactly when days_since_login is under 30
    let spend = spend_around(5.0);
    let n = spend.len();
    let days = |d0: i64| Days::Int((0..n as i64).map(|i| d0 + i % 2).collect());
    let at = |d0: i64, recent: i64, churned: i64| {
        Frame::new(spend.clone(), vec![recent; n], days(d0), vec![churned; n]).expect("frame")
    };
    assert!(ok(&at(28, 1, 0)) && ok(&at(30, 0, 1)));
    assert!(why(&at(29, 1, 0)).starts_with("range: is_recent"));
    assert!(why(&at(28, 0, 0)).starts_with("range: is_recent"));
    assert!(why(&at(28, 1, 2)).starts_with("range: churned"));
    let mut bad = vec![1; n];
    bad[0] = 2;
    let f = Frame::new(spend.clone(), bad, days(28), vec![0; n]).expect("frame");
    assert!(why(&f).starts_with("range: is_recent"));
}

#[test]
fn quarantines_exactly_the_broken_weeks() {
    for seed in 1..=4 {
        let t = run(&params(seed, broken(), 300, true)).expect("run");
        for rec in &t.weeks {
            let q = of_kind(&rec.decisions, DecisionKind::Validation);
            if rec.broken_feature {
                assert_eq!(q.len(), 1, "seed {seed} week {}", rec.week);
                assert_eq!(q[0].verdict, Verdict::Quarantine);
                assert!(
                    q[0].reason.contains("spend_per_active_day"),
                    "{}",
                    q[0].reason
                );
                assert!(
                    rec.drift.is_none(),
                    "a quarantined batch is not drift-tested"
                );
            } else {
                assert!(
                    q.iter().all(|d| d.verdict != Verdict::Quarantine),
                    "false positive: seed {seed} week {}",
                    rec.week
                );
            }
        }
        let broken_weeks: Vec<usize> = t
            .weeks
            .iter()
            .filter(|r| r.broken_feature)
            .map(|r| r.week)
            .collect();
        assert_eq!(broken_weeks, (20..40).collect::<Vec<_>>());
    }
}

#[test]
fn clean_batches_pass_over_seeds_and_schedules() {
    for schedule in ["none", "step", "gradual", "seasonal"] {
        let s = Schedule::parse(schedule).expect("schedule");
        for seed in 0..8 {
            for w in (0..52).step_by(5) {
                let b = live_batch(seed, &s, 200, w).expect("batch");
                assert_eq!(validate(&b), None, "{schedule} seed {seed} week {w}");
            }
        }
    }
}

#[test]
fn both_faults_are_caught() {
    for (fault, test) in [("zero", "broken feature"), ("scale100", "range")] {
        let s: Schedule = serde_json::from_str(&format!(
            r#"{{"kind":"broken_feature","week":3,"fault":"{fault}"}}"#
        ))
        .expect("schedule");
        assert_eq!(validate(&live_batch(5, &s, 300, 2).expect("batch")), None);
        let why = validate(&live_batch(5, &s, 300, 3).expect("batch")).expect("caught");
        assert!(
            why.starts_with(test) && why.contains("spend_per_active_day"),
            "{why}"
        );
    }
}

/// Gate 1 of week `w` trains on weeks `w-4..=w-2` and scores on `w-1` (label delay 1, three
/// training weeks): with an alarm, a candidate is refused exactly when one of them was
/// quarantined, and trained otherwise.
#[test]
fn a_candidate_on_quarantined_weeks_is_refused() {
    // Alpha 0.5, no correction: gate 1 alarms most weeks, so it asks for candidates on every
    // window across the fault (weeks 20-23 here).
    let s: Schedule = serde_json::from_str(
        r#"{"kind":"broken_feature","week":20,"fault":"scale100","until":24}"#,
    )
    .expect("schedule");
    let p = LoopParams::builder()
        .seed(1)
        .weeks(32)
        .alpha(0.5)
        .correction(Correction::None)
        .schedule(s)
        .build()
        .expect("params");
    let t = run(&p).expect("run");
    let mut refused = Vec::new();
    let mut trained_after = 0;
    for rec in &t.weeks {
        let asked = of_kind(&rec.decisions, DecisionKind::RetrainGate)
            .iter()
            .any(|d| d.reason.contains(": retrain"));
        let refuse = of_kind(&rec.decisions, DecisionKind::Validation)
            .into_iter()
            .find(|d| d.verdict == Verdict::Refuse);
        let scored = !of_kind(&rec.decisions, DecisionKind::PromotionGate).is_empty();
        let w = rec.week;
        let touches = w >= 5 && (w - 4..w).any(|k| (20..24).contains(&k));
        if let Some(d) = refuse {
            assert!(asked && touches && !scored, "week {w}: {}", d.reason);
            assert!(d.reason.contains("failed data validation"), "{}", d.reason);
            refused.push(w);
        } else if asked
            && touches
            && !rec.broken_feature
            && !rec
                .decisions
                .iter()
                .any(|d| d.reason.contains("canary is in progress"))
        {
            panic!("week {w}: a candidate on quarantined weeks was not refused");
        }
        if w >= 28 && scored {
            trained_after += 1;
        }
    }
    assert!(refused.contains(&24), "refused in weeks {refused:?}");
    assert!(trained_after > 0, "clean windows train candidates again");
}

/// `mlops-loop loop --schedule broken_feature [--no-validation]` (seed 0, 1000 rows a week, 52
/// weeks), the two timelines chapters/ex5-weakest-link.md walks through: every number it
/// states is asserted here.
#[test]
fn the_chapters_two_timelines() {
    let on = run(&params(0, broken(), 1000, true)).expect("run");
    let off = run(&params(0, broken(), 1000, false)).expect("run");

    // Identical before the fault: weeks 0-19 average 0.7116.
    assert_eq!(on.weeks[..20], off.weeks[..20]);
    assert_eq!(auc4(mean_auc(&on, 0, 20)), "0.7116");

    // With validation: weeks 20-39 quarantined, 1.0.0 serves them at 0.6604 on average
    // (0.6299 to 0.6923); back above 0.71 from week 40 with no retrain.
    let q: Vec<usize> = on
        .weeks
        .iter()
        .filter(|w| {
            of_kind(&w.decisions, DecisionKind::Validation)
                .iter()
                .any(|d| d.verdict == Verdict::Quarantine)
        })
        .map(|w| w.week)
        .collect();
    assert_eq!(q, (20..40).collect::<Vec<_>>());
    assert!(on.weeks[20..40]
        .iter()
        .all(|w| w.decisions[0].reason.contains("spend_per_active_day")));
    assert!(on.weeks.iter().all(|w| w.live_label == "1.0.0"));
    assert_eq!(auc4(mean_auc(&on, 20, 40)), "0.6604");
    let (lo, hi) = on.weeks[20..40]
        .iter()
        .map(|w| w.auc.expect("auc"))
        .fold((1.0f64, 0.0f64), |(l, h), a| (l.min(a), h.max(a)));
    assert_eq!((auc4(lo), auc4(hi)), ("0.6299".into(), "0.6923".into()));
    assert_eq!(auc4(on.weeks[40].auc.expect("auc")), "0.7117");
    // Week 42: a false alarm; its candidate would train on weeks 38-40, two of them quarantined.
    let w42 = &on.weeks[42].decisions;
    let refuse = of_kind(w42, DecisionKind::Validation);
    assert_eq!(refuse.len(), 1);
    assert_eq!(refuse[0].verdict, Verdict::Refuse);
    assert!(
        refuse[0]
            .reason
            .contains("week 38 of its data (weeks 38-41)"),
        "{}",
        refuse[0].reason
    );
    let s = &on.summary;
    assert_eq!(auc4(s.mean_auc), "0.6908");
    assert_eq!(
        (
            s.weeks_below,
            s.alarms,
            s.false_alarms,
            s.retrains,
            s.promotions
        ),
        (18, 1, 1, 0, 0)
    );
    assert_eq!(s.final_label, "1.0.0");

    // Without: week 20's spend is drift (p = 0), the loop retrains on broken rows; 1.3.0
    // (weeks 18-20, one broken) is live from week 28, 1.4.0 (weeks 23-25, all broken) from 33.
    let d20 = off.weeks[20].drift.as_ref().expect("monitored");
    assert!(d20.alarm && d20.pvalues[0] == 0.0, "{d20:?}");
    assert!(off
        .weeks
        .iter()
        .all(|w| of_kind(&w.decisions, DecisionKind::Validation).is_empty()));
    let scored_on = |w: usize| {
        of_kind(&off.weeks[w].decisions, DecisionKind::PromotionGate)
            .iter()
            .find(|d| d.verdict == Verdict::Promote)
            .map(|d| d.reason.clone())
            .unwrap_or_default()
    };
    assert!(
        scored_on(22).starts_with("on week 21 "),
        "{}",
        scored_on(22)
    );
    assert!(
        scored_on(27).starts_with("on week 26 "),
        "{}",
        scored_on(27)
    );
    assert_eq!(live_from(&off, "1.3.0"), Some(28));
    assert_eq!(live_from(&off, "1.4.0"), Some(33));
    assert_eq!(auc4(mean_auc(&off, 33, 40)), "0.7008");
    // The fix in week 40 breaks the model that learnt the bug: 0.6388 that week; 1.6.0,
    // trained across the fix, is live from week 47 and scores 0.5998 to 0.6280.
    assert_eq!(off.weeks[39].live_label, "1.4.0");
    assert_eq!(auc4(off.weeks[40].auc.expect("auc")), "0.6388");
    assert_eq!(live_from(&off, "1.6.0"), Some(47));
    let (lo, hi) = off.weeks[47..51]
        .iter()
        .map(|w| w.auc.expect("auc"))
        .fold((1.0f64, 0.0f64), |(l, h), a| (l.min(a), h.max(a)));
    assert_eq!((auc4(lo), auc4(hi)), ("0.5998".into(), "0.6280".into()));
    let s = &off.summary;
    assert_eq!(auc4(s.mean_auc), "0.6849");
    assert_eq!(
        (s.weeks_below, s.alarms, s.retrains, s.promotions),
        (19, 20, 7, 3)
    );
    assert_eq!(s.final_label, "1.6.0");

    // Switched off, the field appears in the JSON; on (the default) it does not.
    assert!(serde_json::to_string(&off.params)
        .expect("json")
        .contains("\"validation\":false"));
    assert!(!serde_json::to_string(&on.params)
        .expect("json")
        .contains("validation"));
}

/// Without validation, on the never-fixed fault of the earlier `broken_feature`, the loop is
/// the one pinned before validation existed: the same timelines, hash for hash (the golden
/// file's `broken_feature/seed1-4/full` before this practice, in the serialization where a
/// decision's verdict is a tag plus its fields and each week's drift evidence carries the
/// correction's `levels` and `rejected`), once the params say `validation: true` as those records
/// implied. (With `levels` and `rejected` stripped, these timelines hash to the pins from before
/// those fields existed; with each week's `live_since` stripped too, to the pins from before it.)
#[test]
fn without_validation_the_loop_is_the_one_before() {
    let before = [
        "90c0ff3edce751b0bcca23a8765dc5400754cf89f449418342d149c1aabe95c4",
        "94793d4f1e3e0e28279c24aed6ad2adb25404dc9e3aca6788b199d1df698554a",
        "bd0f9848133157b8d634587b639a6574df416c8318c106ea62d82219c18e2a10",
        "de9f4081eed22867976ffdd28459c79d0fd3bf85f5dd181b4bd8920f6db6950f",
    ];
    let never_fixed: Schedule =
        serde_json::from_str(r#"{"kind":"broken_feature","week":20,"fault":"scale100"}"#)
            .expect("schedule");
    for (seed, want) in (1..=4).zip(before) {
        let mut t = run(&params(seed, never_fixed, 300, false)).expect("run");
        t.params.practices.validation = true;
        let json = serde_json::to_string(&t).expect("json");
        let got: String = Sha256::digest(json.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(got, want, "seed {seed}");
    }
}

/// On a schedule without a broken feature, switching validation off changes no week (so the
/// page's other Ex 5 failures, on `step` seeds 1-4, do not show with validation off).
#[test]
fn on_clean_schedules_validation_changes_nothing() {
    for seed in 1..=4 {
        let s = Schedule::parse("step").expect("schedule");
        let on = run(&params(seed, s, 1000, true)).expect("run");
        let off = run(&params(seed, s, 1000, false)).expect("run");
        assert_eq!(on.weeks, off.weeks, "step seed {seed}");
        assert_eq!(on.summary, off.summary, "step seed {seed}");
    }
}

/// The page's Ex 5 failure for validation (www/src/panels/weakest.js, `learnt`: seed 0,
/// `broken_feature`): a version promoted during the fault is live the week the column is fixed
/// only with validation off; with any other practice off, 1.0.0 still is.
#[test]
fn only_without_validation_is_a_bug_trained_model_live_at_the_fix() {
    type Switch = fn(&mut Practices);
    let off: [(&str, Switch); 6] = [
        ("monitoring", |p| p.monitoring = false),
        ("promotion_gate", |p| p.promotion_gate = false),
        ("canary", |p| p.canary = false),
        ("rollback", |p| p.rollback = false),
        ("seeded_training", |p| p.seeded_training = false),
        ("validation", |p| p.validation = false),
    ];
    for (name, switch) in off {
        let mut practices = Practices::default();
        switch(&mut practices);
        let p = LoopParams::builder()
            .seed(0)
            .schedule(broken())
            .practices(practices)
            .build()
            .expect("params");
        let t = run(&p).expect("run");
        let changed = t.weeks[40].live_version != t.weeks[19].live_version;
        assert_eq!(changed, name == "validation", "without {name}");
    }
}
