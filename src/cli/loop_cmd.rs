//! `mlops-loop loop`: the whole loop over simulated weeks, printed as a weekly table (or the
//! timeline as JSON), optionally recorded in a registry file.

use super::Failure;
use crate::monitor::Reference;
use crate::orchestrator::{run_with_learners, LoopParams, Outcome, Practices, Schedule, Timeline};
use crate::registry::{block_on, FileStore, MemStore, Registry, StoreError};
use crate::stats::Correction;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `mlops-loop loop`. Every default is [`LoopParams::default`]'s (and
/// [`Practices::default`]'s: a `--no-…` flag switches a practice off), read here, not restated.
#[derive(Debug, Clone, Args)]
pub struct LoopArgs {
    /// Simulated weeks (1 to 520).
    #[arg(long, default_value_t = LoopParams::default().weeks, allow_hyphen_values = true)]
    pub weeks: usize,
    /// The run's seed (a non-negative 64-bit integer).
    #[arg(long, default_value_t = LoopParams::default().seed, allow_hyphen_values = true)]
    pub seed: u64,
    /// Drift schedule: none, step, gradual, seasonal or broken_feature (spend ×100 in weeks 20-39).
    #[arg(long, default_value = LoopParams::default().schedule.name())]
    pub schedule: String,
    /// Live rows per week (200 to 5000).
    #[arg(long, default_value_t = LoopParams::default().rows_per_week, allow_hyphen_values = true)]
    pub rows_per_week: usize,
    /// Gate 1's significance level (0 to 1, exclusive).
    #[arg(long, default_value_t = LoopParams::default().alpha, allow_hyphen_values = true)]
    pub alpha: f64,
    /// Gate 1's correction over the three features: none, bonferroni or bh.
    #[arg(long, default_value = LoopParams::default().correction.name())]
    pub correction: String,
    /// Drift reference: `training`, `expanding` or `last<N>` (e.g. `last4`).
    #[arg(long, default_value_t = LoopParams::default().reference.name())]
    pub reference: String,
    /// Gate 2's margin: promote iff candidate AUC >= current AUC + margin (-1 to 1).
    #[arg(long, default_value_t = LoopParams::default().margin, allow_hyphen_values = true)]
    pub margin: f64,
    /// Weeks until labels arrive (0 to 8).
    #[arg(long, default_value_t = LoopParams::default().label_delay, allow_hyphen_values = true)]
    pub label_delay: usize,
    /// Future weeks each gate decision's counterfactual is scored on (0 to 8; 0: none).
    #[arg(long, default_value_t = LoopParams::default().counterfactual_weeks, allow_hyphen_values = true)]
    pub counterfactual_weeks: usize,
    /// Switch off drift monitoring (and so retraining).
    #[arg(long)]
    pub no_monitoring: bool,
    /// Switch off gate 2 (every candidate goes on).
    #[arg(long)]
    pub no_promotion_gate: bool,
    /// Switch off the canary (promote at once).
    #[arg(long)]
    pub no_canary: bool,
    /// Switch off canary aborts and rollbacks.
    #[arg(long)]
    pub no_rollback: bool,
    /// Train each candidate with an unrecorded random_state.
    #[arg(long)]
    pub unseeded: bool,
    /// Switch off the data-validation tests (broken batches are then monitored and trained on).
    #[arg(long)]
    pub no_validation: bool,
    /// Record into this registry file (must hold no versions yet) instead of memory.
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// Print the timeline as JSON.
    #[arg(long)]
    pub json: bool,
    /// Gate 1 written in Python: a file defining `should_retrain(reference, live)`
    /// (docs/learner-code.md).
    #[arg(long, value_name = "FILE.py")]
    pub trigger: Option<PathBuf>,
    /// Gate 2 written in Python: a file defining
    /// `should_promote(y_true, current_scores, candidate_scores)`.
    #[arg(long, value_name = "FILE.py")]
    pub gate: Option<PathBuf>,
}

impl LoopArgs {
    /// The validated parameters.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] naming the argument.
    pub fn params(&self) -> crate::Result<LoopParams> {
        let on = Practices::default();
        LoopParams::builder()
            .weeks(self.weeks)
            .seed(self.seed)
            .schedule(Schedule::parse(&self.schedule)?)
            .rows_per_week(self.rows_per_week)
            .alpha(self.alpha)
            .correction(Correction::parse(&self.correction)?)
            .reference(Reference::parse(&self.reference)?)
            .margin(self.margin)
            .label_delay(self.label_delay)
            .counterfactual_weeks(self.counterfactual_weeks)
            .practices(Practices {
                monitoring: on.monitoring && !self.no_monitoring,
                promotion_gate: on.promotion_gate && !self.no_promotion_gate,
                canary: on.canary && !self.no_canary,
                rollback: on.rollback && !self.no_rollback,
                seeded_training: on.seeded_training && !self.unseeded,
                validation: on.validation && !self.no_validation,
            })
            .build()
    }
}

fn fmt_p(p: f64) -> String {
    if p >= 0.001 {
        format!("{p:.3}")
    } else {
        format!("{p:.0e}")
    }
}

/// The timeline as a readable table: one line per week, then its decisions, then the summary.
pub fn table(t: &Timeline) -> String {
    let mut s = String::new();
    s.push_str("week  drift  live           p(spend) p(recent) p(days) alarm  AUC     canary\n");
    for w in &t.weeks {
        let (ps, alarm) = match &w.drift {
            Some(d) => (
                format!(
                    "{:>8} {:>9} {:>7}",
                    fmt_p(d.pvalues[0]),
                    fmt_p(d.pvalues[1]),
                    fmt_p(d.pvalues[2])
                ),
                if d.alarm { "ALARM" } else { "-" },
            ),
            None => (format!("{:>8} {:>9} {:>7}", "-", "-", "-"), "-"),
        };
        let auc = w.auc.map_or("-".to_string(), |a| format!("{a:.4}"));
        let canary = w
            .canary
            .as_ref()
            .map_or("-".to_string(), |c| format!("{} @ {} %", c.label, c.weight));
        let drift = if w.broken_feature {
            "broken".to_string()
        } else {
            format!("{:+.1}", w.drift_days)
        };
        s.push_str(&format!(
            "{:>4}  {:>6} v{:<2} {:<9} {ps} {alarm:<5}  {auc:<7} {canary}\n",
            w.week, drift, w.live_version, w.live_label
        ));
        for d in &w.decisions {
            let cf = d.counterfactual.as_ref().map_or(String::new(), |c| {
                // The core's verdict on the road not taken, in words (no comparison here).
                let outcome = match c.outcome {
                    Outcome::Better => "would have done better",
                    Outcome::Worse => "would have done worse",
                    Outcome::Same => "would have scored the same",
                };
                format!(
                    " [weeks {}-{}: {} {:.4} vs {} {:.4}; {} {outcome}]",
                    c.weeks[0], c.weeks[1], c.chosen, c.chosen_auc, c.other, c.other_auc, c.other
                )
            });
            s.push_str(&format!(
                "        {:?}/{}: {} — {}{cf}\n",
                d.kind,
                d.actor,
                d.verdict,
                super::words::readable(&d.reason)
            ));
        }
    }
    let m = &t.summary;
    // The mean of no AUC is not 0: say that no week was labelled (labels come `label_delay`
    // weeks late).
    let mean = if t.weeks.iter().any(|w| w.auc.is_some()) {
        format!("{:.4}", m.mean_auc)
    } else {
        "- (no week labelled yet)".to_string()
    };
    s.push_str(&format!(
        "summary: mean AUC {mean}, {} week(s) with AUC below {}, {} alarm(s) ({} false), \
         {} retrain(s), {} promotion(s), {} canary abort(s), {} rollback(s); production at the \
         end: v{} ({}); {} registry event(s)\n",
        m.weeks_below,
        m.auc_threshold,
        m.alarms,
        m.false_alarms,
        m.retrains,
        m.promotions,
        m.canary_aborts,
        m.rollbacks,
        m.final_version,
        m.final_label,
        m.registry_events
    ));
    s
}

/// Run `mlops-loop loop`.
///
/// # Errors
/// Code 2 for bad arguments or a non-empty registry file, 1 for I/O failures.
pub fn run_loop(args: &LoopArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let p = args.params()?;
    let storage = |e: crate::Error| Failure {
        code: match e {
            crate::Error::Store(
                StoreError::Io(_)
                | StoreError::Quota(_)
                | StoreError::Aborted(_)
                | StoreError::Conflict(_),
            ) => 1,
            _ => 2,
        },
        message: match (&e, &args.registry) {
            (crate::Error::Program(pe), _) => program_message(pe, args),
            // The core refuses a registry holding versions; here it is a file the user named.
            (
                crate::Error::Invalid {
                    field: "registry",
                    value,
                    ..
                },
                Some(path),
            ) => format!(
                "{} already holds {value}: the loop records a year into a registry holding none; \
                 give --registry a new file",
                path.display()
            ),
            _ => e.to_string(),
        },
    };
    let timeline = with_learners(args, u128::from(p.seed), |learners| match &args.registry {
        Some(path) => {
            let reg = block_on(Registry::open(FileStore::new(path))).map_err(storage)?;
            block_on(run_with_learners(&p, &reg, learners)).map_err(storage)
        }
        None => {
            let reg = block_on(Registry::open(MemStore::new())).map_err(storage)?;
            block_on(run_with_learners(&p, &reg, learners)).map_err(storage)
        }
    })?;
    let text = if args.json {
        serde_json::to_string_pretty(&timeline).map_err(|e| Failure {
            code: 1,
            message: e.to_string(),
        })? + "\n"
    } else {
        table(&timeline)
    };
    out.write_all(text.as_bytes()).map_err(|e| Failure {
        code: 1,
        message: e.to_string(),
    })
}

/// A learner's error as the CLI prints it: the learner's file and line, then the traceback and
/// the message (the traceback's last line when the message repeats it). The sandbox names the
/// file `trigger.py` or `gate.py`, as the page's editor does; here it is the path given.
fn program_message(e: &crate::learner::ProgramError, args: &LoopArgs) -> String {
    let given = if e.file == "gate.py" {
        &args.gate
    } else {
        &args.trigger
    };
    let name = given
        .as_ref()
        .map_or_else(|| e.file.clone(), |p| p.display().to_string());
    let ours = |text: &str| text.replace(e.file.as_str(), &name);
    let at = e.line.map_or(String::new(), |l| format!(" line {l}"));
    let traceback = e.traceback.trim_end();
    let (head, last) = traceback.rsplit_once('\n').unwrap_or(("", traceback));
    let traceback = if e.message.contains(last.trim()) {
        head
    } else {
        traceback
    };
    let body = if traceback.is_empty() {
        ours(&e.message)
    } else {
        format!("{}\n{}", ours(traceback), ours(&e.message))
    };
    format!("{name}{at}:\n{body}")
}

/// Run `f` with the learner's gates of `--trigger` / `--gate` loaded (none: the built-in gates).
#[cfg(feature = "python")]
fn with_learners<T>(
    args: &LoopArgs,
    seed: u128,
    f: impl FnOnce(crate::orchestrator::Learners<'_>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    use crate::python::Program;
    let load = |path: &PathBuf, kind: crate::python::Entry| -> Result<Program, Failure> {
        // Read through the sandbox's source limit: `/dev/zero` or a huge file is refused after
        // that many bytes, never read until memory runs out.
        let what = match kind {
            crate::python::Entry::Trigger => "the trigger",
            crate::python::Entry::Gate => "the gate",
        };
        let bytes = super::read_capped(path, crate::python::LIMITS.source_bytes, what)?;
        let source = String::from_utf8(bytes).map_err(|e| Failure {
            code: 2,
            message: format!("cannot read {what} {}: not UTF-8 text: {e}", path.display()),
        })?;
        Program::new(kind, &source, seed).map_err(|e| Failure {
            code: 2,
            message: match &e {
                crate::Error::Program(pe) => program_message(pe, args),
                _ => e.to_string(),
            },
        })
    };
    let mut trigger = match &args.trigger {
        Some(path) => Some(load(path, crate::python::Entry::Trigger)?),
        None => None,
    };
    let mut gate = match &args.gate {
        Some(path) => Some(load(path, crate::python::Entry::Gate)?),
        None => None,
    };
    f(crate::orchestrator::Learners {
        trigger: trigger
            .as_mut()
            .map(|t| t as &mut dyn crate::learner::LearnerTrigger),
        gate: gate
            .as_mut()
            .map(|g| g as &mut dyn crate::learner::LearnerGate),
    })
}

/// Without the `python` feature, `--trigger` and `--gate` are refused.
#[cfg(not(feature = "python"))]
fn with_learners<T>(
    args: &LoopArgs,
    _seed: u128,
    f: impl FnOnce(crate::orchestrator::Learners<'_>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    if args.trigger.is_some() || args.gate.is_some() {
        return Err(Failure {
            code: 2,
            message: "--trigger and --gate need the Python sandbox: build with the default cargo feature `python`".into(),
        });
    }
    f(crate::orchestrator::Learners::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        args: LoopArgs,
    }

    #[test]
    fn no_arguments_give_the_cores_defaults() {
        let cmd = Cmd::try_parse_from(["loop"]).expect("parses");
        assert_eq!(cmd.args.params().expect("valid"), LoopParams::default());
        // A flag switches its practice off and nothing else.
        let cmd = Cmd::try_parse_from(["loop", "--no-canary"]).expect("parses");
        let p = cmd.args.params().expect("valid");
        assert!(!p.practices.canary);
        assert_eq!(
            p.practices,
            Practices {
                canary: false,
                ..Practices::default()
            }
        );
    }
}
