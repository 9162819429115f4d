//! The loop with the learner's gates (`--trigger` / `--gate`): the starters, which re-implement
//! gates 1 and 2 in Python, give the built-in run's alarms, decisions and counts, week for week;
//! a broken gate stops the CLI with the traceback on stderr and a non-zero exit.
#![cfg(all(feature = "python", not(target_arch = "wasm32")))]

use mlops_loop::orchestrator::{run, run_with_learners, Learners, LoopParams, Schedule, Timeline};
use mlops_loop::python::{Program, STARTER_GATE, STARTER_TRIGGER};
use mlops_loop::registry::{block_on, MemStore, Registry};
use std::process::Command;

fn decisions(t: &Timeline) -> Vec<(usize, Option<bool>, Vec<String>)> {
    t.weeks
        .iter()
        .map(|w| {
            (
                w.week,
                w.drift.as_ref().map(|d| d.alarm),
                w.decisions
                    .iter()
                    .map(|d| format!("{:?} {} {:?}", d.kind, d.verdict, d.version))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn the_starters_give_the_built_in_run_week_for_week() {
    for schedule in ["step", "gradual"] {
        let p = LoopParams::builder()
            .weeks(30)
            .seed(3)
            .schedule(Schedule::parse(schedule).unwrap())
            .build()
            .unwrap();
        let builtin = run(&p).unwrap();
        let mut trigger = Program::trigger(STARTER_TRIGGER, 3).unwrap();
        let mut gate = Program::gate(STARTER_GATE, 3).unwrap();
        let reg = block_on(Registry::open(MemStore::new())).unwrap();
        let learned = block_on(run_with_learners(
            &p,
            &reg,
            Learners {
                trigger: Some(&mut trigger),
                gate: Some(&mut gate),
            },
        ))
        .unwrap();
        assert_eq!(decisions(&learned), decisions(&builtin), "{schedule}");
        let (a, b) = (&learned.summary, &builtin.summary);
        assert_eq!(
            (
                a.alarms,
                a.false_alarms,
                a.retrains,
                a.promotions,
                a.rollbacks,
                a.final_version
            ),
            (
                b.alarms,
                b.false_alarms,
                b.retrains,
                b.promotions,
                b.rollbacks,
                b.final_version
            ),
            "{schedule}"
        );
        assert!(
            b.retrains > 0,
            "{schedule}: the schedule must exercise gate 1"
        );
        // The learner's reasons are in the record.
        assert!(learned
            .weeks
            .iter()
            .flat_map(|w| &w.decisions)
            .any(|d| d.reason.starts_with("trigger.py says")));
    }
}

#[test]
fn a_trigger_that_always_fires_retrains_more() {
    let p = LoopParams::builder().weeks(12).seed(1).build().unwrap();
    let mut always = Program::trigger(
        "def should_retrain(reference, live):\n    return True, 'always'\n",
        0,
    )
    .unwrap();
    let reg = block_on(Registry::open(MemStore::new())).unwrap();
    let t = block_on(run_with_learners(
        &p,
        &reg,
        Learners {
            trigger: Some(&mut always),
            gate: None,
        },
    ))
    .unwrap();
    assert_eq!(
        t.summary.alarms,
        t.weeks.iter().filter(|w| w.drift.is_some()).count()
    );
    assert!(t.summary.retrains > run(&p).unwrap().summary.retrains);
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mlops-loop"))
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn the_cli_runs_the_loop_with_python_gates_and_reports_their_errors() {
    let dir = std::env::temp_dir().join(format!("mlops-loop-python-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trigger = dir.join("trigger.py");
    let gate = dir.join("gate.py");
    std::fs::write(&trigger, STARTER_TRIGGER).unwrap();
    std::fs::write(&gate, STARTER_GATE).unwrap();
    let base = ["loop", "--weeks", "10", "--schedule", "step", "--json"];
    let builtin = cli(&base);
    assert!(builtin.status.success());
    let mut with = base.to_vec();
    with.extend([
        "--trigger",
        trigger.to_str().unwrap(),
        "--gate",
        gate.to_str().unwrap(),
    ]);
    let learned = cli(&with);
    assert!(
        learned.status.success(),
        "{}",
        String::from_utf8_lossy(&learned.stderr)
    );
    let a: Timeline = serde_json::from_slice(&learned.stdout).unwrap();
    let b: Timeline = serde_json::from_slice(&builtin.stdout).unwrap();
    assert_eq!(decisions(&a), decisions(&b));

    let broken = dir.join("broken.py");
    std::fs::write(
        &broken,
        "def should_retrain(reference, live):\n    return live['nope']\n",
    )
    .unwrap();
    let out = cli(&[
        "loop",
        "--weeks",
        "6",
        "--trigger",
        broken.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // The learner's own file is named (the sandbox calls it trigger.py), the error said once.
    assert!(err.contains("broken.py line 2"), "{err}");
    assert!(err.contains("File \""), "{err}");
    assert!(!err.contains("trigger.py"), "{err}");
    assert_eq!(err.matches("KeyError").count(), 1, "{err}");
    assert!(err.contains("week "), "{err}");
    assert!(out.stdout.is_empty());

    std::fs::write(
        &broken,
        "def should_retrain(reference, live)\n    return True\n",
    )
    .unwrap();
    let out = cli(&["loop", "--trigger", broken.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("SyntaxError").count(), 1, "{err}");
    assert!(err.contains("broken.py line 1"), "{err}");
    std::fs::write(&broken, "x = 1\n").unwrap();
    let out = cli(&[
        "loop",
        "--weeks",
        "14",
        "--schedule",
        "step",
        "--gate",
        broken.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.py does not define should_promote"),
        "{err}"
    );
    let out = cli(&["loop", "--gate", dir.join("missing.py").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    std::fs::remove_dir_all(&dir).ok();
}

/// `learnerYear`'s built-in run is kept by its parameters: the same parameters give the kept
/// timeline (the same allocation, equal to a fresh run), other parameters a run of their own.
#[test]
fn the_built_in_year_is_kept_for_the_same_parameters_only() {
    use mlops_loop::learner::BuiltinYear;
    let params = |seed| {
        LoopParams::builder()
            .weeks(6)
            .rows_per_week(300)
            .seed(seed)
            .schedule(Schedule::parse("step").unwrap())
            .build()
            .unwrap()
    };
    let (a, b) = (params(1), params(2));
    let mut kept = BuiltinYear::default();
    let first = kept.of(&a).unwrap();
    assert_eq!(*first, run(&a).unwrap());
    let again = kept.of(&a).unwrap();
    assert!(
        std::rc::Rc::ptr_eq(&first, &again),
        "the same parameters ran again"
    );
    let other = kept.of(&b).unwrap();
    assert!(!std::rc::Rc::ptr_eq(&first, &other));
    assert_eq!(*other, run(&b).unwrap());
    assert_ne!(*other, *first, "seeds 1 and 2 give the same year");
    // Only the last parameters are kept.
    let back = kept.of(&a).unwrap();
    assert!(!std::rc::Rc::ptr_eq(&first, &back));
    assert_eq!(*back, *first);
}

/// The page warms the built-in year ahead of a learner's click (`warmBuiltinYear`: the kept
/// year of the parameters, run in the background): the year a learner's run then shows beside
/// theirs, and their own year, are the cold ones byte for byte, as JSON.
#[test]
fn a_warmed_built_in_year_is_the_cold_one_byte_for_byte() {
    use mlops_loop::learner::BuiltinYear;
    let params = |seed| {
        LoopParams::builder()
            .weeks(8)
            .rows_per_week(300)
            .seed(seed)
            .schedule(Schedule::parse("step").unwrap())
            .build()
            .unwrap()
    };
    // `learnerYear`'s two runs, the built-in one from `kept`, as the export serializes them.
    let year = |kept: &mut BuiltinYear, p: &LoopParams| {
        let builtin = kept.of(p).unwrap();
        let mut trigger = Program::trigger(STARTER_TRIGGER, u128::from(p.seed)).unwrap();
        let mut gate =
            Program::gate(&format!("{STARTER_GATE}\n# an edit\n"), u128::from(p.seed)).unwrap();
        let reg = block_on(Registry::open(MemStore::new())).unwrap();
        let learner = block_on(run_with_learners(
            p,
            &reg,
            Learners {
                trigger: Some(&mut trigger),
                gate: Some(&mut gate),
            },
        ))
        .unwrap();
        serde_json::to_string(&serde_json::json!({"builtin": *builtin, "learner": learner}))
            .unwrap()
    };
    let p = params(4);
    let cold = year(&mut BuiltinYear::default(), &p);
    // Warmed: another year kept first (the page's earlier parameters), then these warmed.
    let mut kept = BuiltinYear::default();
    drop(kept.of(&params(9)).unwrap());
    let warmed = kept.of(&p).unwrap();
    let warm = year(&mut kept, &p);
    assert_eq!(warm, cold, "the warmed year differs from the cold one");
    // The learner's run used the warmed year, not a run of its own.
    assert!(std::rc::Rc::ptr_eq(&warmed, &kept.of(&p).unwrap()));
    assert_eq!(
        serde_json::to_string(&*warmed).unwrap(),
        serde_json::to_string(&run(&p).unwrap()).unwrap()
    );
}
