//! `make bench` helper (`scripts/bench-python.mjs`): the learner's sandbox natively, as JSON.
//!
//! The two figures of the browser bench, measured here in CPU time (load-independent up to cache
//! effects) beside the same work done by the built-in gates, so their ratio carries over:
//! - `grade`: the starter trigger graded over 1,000 no-drift checks and 1 drifted one at
//!   n = 3000, the built-in gate 1 beside it, as the page's `gradeLearnerTrigger` runs them;
//!   `builtin_grade`: the same grading with the built-in gate alone;
//! - `year`: the built-in 52-week year (step schedule, seed 0) and the same year with both
//!   starters deciding, as `learnerYear` runs them; `builtin_year`: the built-in year alone.
//!
//! Each figure is the best of `REPS` (default 3); `ONLY` (one of the four names) runs that one
//! alone, for a profiler. Usage: `cargo run --release --example bench_python [REPS [ONLY]]`

use mlops_loop::data::Drift;
use mlops_loop::gates::RetrainGate;
use mlops_loop::learner::{grade_triggers, LearnerTrigger, TriggerGradeParams};
use mlops_loop::orchestrator::{run, run_with_learners, Learners, LoopParams, Schedule};
use mlops_loop::python::{Program, STARTER_GATE, STARTER_TRIGGER};
use mlops_loop::registry::{block_on, MemStore, Registry};
use mlops_loop::stats::Correction;

/// CPU time of this process so far (user + system, all threads), in ms (10 ms ticks).
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) * 10.0
}

/// Best wall and best CPU time of `reps` runs of `f`, in ms.
fn best(reps: usize, mut f: impl FnMut()) -> (f64, f64) {
    let (mut wall, mut cpu) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..reps {
        let (c, t) = (cpu_ms(), std::time::Instant::now());
        f();
        wall = wall.min(t.elapsed().as_secs_f64() * 1e3);
        cpu = cpu.min(cpu_ms() - c);
    }
    (wall, cpu)
}

/// A figure as JSON: `null` for one not measured.
fn num(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        format!("{x:.decimals$}")
    } else {
        "null".into()
    }
}

fn main() {
    let reps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let only = std::env::args().nth(2);
    let wanted = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let skip = (f64::NAN, f64::NAN);
    let gp = TriggerGradeParams {
        n: 3000,
        seed: 0,
        null_trials: 1000,
        drift: Drift::Int(3),
        drift_trials: 1,
    };
    let gate1 = || RetrainGate {
        alpha: 0.01,
        correction: Correction::Bonferroni,
    };
    let grade = if !wanted("grade") {
        skip
    } else {
        best(reps, || {
            let mut builtin = gate1();
            let mut learner = Program::trigger(STARTER_TRIGGER, gp.seed).expect("starter");
            let g = grade_triggers(
                &gp,
                &mut [
                    &mut builtin as &mut dyn LearnerTrigger,
                    &mut learner as &mut dyn LearnerTrigger,
                ],
            )
            .expect("grade");
            let same = |k: usize| (&g[k].false_alarms, &g[k].weeks_to_detect);
            assert_eq!(same(0), same(1), "the starter grades as gate 1");
        })
    };
    let builtin_grade = if !wanted("builtin_grade") {
        skip
    } else {
        best(reps, || {
            let mut builtin = gate1();
            grade_triggers(&gp, &mut [&mut builtin as &mut dyn LearnerTrigger]).expect("grade");
        })
    };
    let p = LoopParams::builder()
        .weeks(52)
        .seed(0)
        .schedule(Schedule::parse("step").expect("schedule"))
        .build()
        .expect("params");
    let year = if !wanted("year") {
        skip
    } else {
        best(reps, || {
            let mut t = Program::trigger(STARTER_TRIGGER, 0).expect("starter");
            let mut g = Program::gate(STARTER_GATE, 0).expect("starter");
            std::hint::black_box(run(&p).expect("loop"));
            let reg = block_on(Registry::open(MemStore::new())).expect("registry");
            let learners = Learners {
                trigger: Some(&mut t),
                gate: Some(&mut g),
            };
            std::hint::black_box(block_on(run_with_learners(&p, &reg, learners)).expect("loop"));
        })
    };
    let builtin_year = if !wanted("builtin_year") {
        skip
    } else {
        best(reps, || {
            std::hint::black_box(run(&p).expect("loop"));
        })
    };
    let fig = |name: &str, (wall, cpu): (f64, f64)| {
        format!(
            "\"{name}_wall_ms\":{},\"{name}_cpu_ms\":{}",
            num(wall, 1),
            num(cpu, 0)
        )
    };
    println!(
        "{{{},{},{},{}}}",
        fig("grade", grade),
        fig("builtin_grade", builtin_grade),
        fig("year", year),
        fig("builtin_year", builtin_year)
    );
}
