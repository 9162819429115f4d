//! `mlops-loop loop`: the whole loop over simulated weeks, printed as a weekly table (or the
//! timeline as JSON), optionally recorded in a registry file.

use super::Failure;
use crate::monitor::Reference;
use crate::orchestrator::{run_with, LoopParams, Practices, Schedule, Timeline};
use crate::registry::{block_on, FileStore, MemStore, Registry, StoreError};
use crate::stats::Correction;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `mlops-loop loop`.
#[derive(Debug, Clone, Args)]
pub struct LoopArgs {
    /// Simulated weeks (1 to 520).
    #[arg(long, default_value_t = 52, allow_hyphen_values = true)]
    pub weeks: usize,
    /// The run's seed (a non-negative 64-bit integer).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Drift schedule: none, step, gradual, seasonal or broken_feature.
    #[arg(long, default_value = "none")]
    pub schedule: String,
    /// Live rows per week (200 to 5000).
    #[arg(long, default_value_t = 1000, allow_hyphen_values = true)]
    pub rows_per_week: usize,
    /// Gate 1's significance level.
    #[arg(long, default_value_t = 0.01, allow_hyphen_values = true)]
    pub alpha: f64,
    /// Gate 1's correction over the three features: none, bonferroni or bh.
    #[arg(long, default_value = "bonferroni")]
    pub correction: String,
    /// Drift reference: `training`, `expanding` or `last<N>` (e.g. `last4`).
    #[arg(long, default_value = "training")]
    pub reference: String,
    /// Gate 2's margin: promote iff candidate AUC >= current AUC + margin.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub margin: f64,
    /// Weeks until labels arrive (0 to 8).
    #[arg(long, default_value_t = 1, allow_hyphen_values = true)]
    pub label_delay: usize,
    /// Future weeks each gate decision's counterfactual is scored on (0 to 8; 0: none).
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
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
    /// Record into this registry file (must hold no versions yet) instead of memory.
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// Print the timeline as JSON.
    #[arg(long)]
    pub json: bool,
}

impl LoopArgs {
    /// The validated parameters.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] naming the argument.
    pub fn params(&self) -> crate::Result<LoopParams> {
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
                monitoring: !self.no_monitoring,
                promotion_gate: !self.no_promotion_gate,
                canary: !self.no_canary,
                rollback: !self.no_rollback,
                seeded_training: !self.unseeded,
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
                format!(
                    " [weeks {}-{}: {} {:.4} vs {} {:.4}]",
                    c.weeks[0], c.weeks[1], c.chosen, c.chosen_auc, c.other, c.other_auc
                )
            });
            s.push_str(&format!(
                "        {:?}/{}: {} — {}{cf}\n",
                d.kind, d.actor, d.decision, d.reason
            ));
        }
    }
    let m = &t.summary;
    s.push_str(&format!(
        "summary: mean AUC {:.4}, {} week(s) below {}, {} alarm(s) ({} false), {} retrain(s), \
         {} promotion(s), {} canary abort(s), {} rollback(s); production at the end: v{} ({}); \
         {} registry event(s)\n",
        m.mean_auc,
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
        message: e.to_string(),
    };
    let timeline = match &args.registry {
        Some(path) => {
            let reg = block_on(Registry::open(FileStore::new(path))).map_err(storage)?;
            block_on(run_with(&p, &reg)).map_err(storage)?
        }
        None => {
            let reg = block_on(Registry::open(MemStore::new())).map_err(storage)?;
            block_on(run_with(&p, &reg)).map_err(storage)?
        }
    };
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
