//! Exercise 5, the weakest link: the failures each missing practice lets into a year of the loop,
//! and how to see each one in the timelines the loop returns.
//!
//! A [`Failure`] names the year it shows in (a seed and a drift schedule, the rest of
//! [`LoopParams`] at its defaults) and the practice whose absence lets it in; [`Failure::shows`]
//! reads it from two timelines of that year: with the reader's chosen practice switched off, and
//! the full loop's. The page runs both years and asks; it never reads a timeline for a verdict
//! itself. The seeds are the ones `tests/loop_orchestrator.rs` and `tests/loop_validation.rs` use
//! for each failure.

use serde::Serialize;

use crate::orchestrator::{
    DecisionKind, LoopParams, Practices, Schedule, Timeline, Verdict, WeekRecord,
};
use crate::{Error, Result};

/// The practices a reader can switch off, by their names in [`Practices`] (and in the page's
/// links): `monitoring`, `promotion_gate`, `canary`, `rollback`, `seeded_training`, `validation`.
pub const PRACTICES: [&str; 6] = [
    "monitoring",
    "promotion_gate",
    "canary",
    "rollback",
    "seeded_training",
    "validation",
];

/// The full loop's practices with the one named `off` switched off (`None`: the full loop).
///
/// # Errors
/// [`Error::Invalid`] naming `off` for a name not in [`PRACTICES`].
pub fn practices_without(off: Option<&str>) -> Result<Practices> {
    let mut p = Practices::default();
    match off {
        None => {}
        Some("monitoring") => p.monitoring = false,
        Some("promotion_gate") => p.promotion_gate = false,
        Some("canary") => p.canary = false,
        Some("rollback") => p.rollback = false,
        Some("seeded_training") => p.seeded_training = false,
        Some("validation") => p.validation = false,
        Some(other) => {
            return Err(Error::invalid(
                "off",
                other,
                "expected one of monitoring, promotion_gate, canary, rollback, seeded_training, validation",
            ))
        }
    }
    Ok(p)
}

/// One failure of the challenge: the year it shows in and what it looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Its name (`stale`, `worse`, `canary`, `blast`, `unrepro`, `learnt`).
    pub id: &'static str,
    /// The loop's seed of the year it shows in.
    pub seed: u64,
    /// The drift schedule of that year, by name ([`Schedule::parse`]).
    pub schedule: &'static str,
    /// What the reader sees when it happens (the page's words for it).
    pub text: &'static str,
    /// The practice whose absence lets it in: the challenge's answer, never serialized (the
    /// page is not sent it).
    #[serde(skip)]
    pub answer: &'static str,
}

/// The challenge's failures, in the order the page lists them.
pub static FAILURES: [Failure; 6] = [
    Failure {
        id: "stale",
        seed: 2,
        schedule: "step",
        text: "The +10-day shift from week 12 is never acted on: the first model serves the whole year.",
        answer: "monitoring",
    },
    Failure {
        id: "worse",
        seed: 1,
        schedule: "step",
        text: "A candidate that scored below production on the gate's own data is sent towards production.",
        answer: "promotion_gate",
    },
    Failure {
        id: "canary",
        seed: 3,
        schedule: "step",
        text: "A canary that failed its analysis goes on to more traffic.",
        answer: "rollback",
    },
    Failure {
        id: "blast",
        seed: 4,
        schedule: "step",
        text: "A new version that does worse than its predecessor serves all traffic before its first labels are in.",
        answer: "canary",
    },
    Failure {
        id: "unrepro",
        seed: 2,
        schedule: "step",
        text: "The same data and the same decisions, yet other models: weekly AUCs change, and the lineage cannot rebuild them.",
        answer: "seeded_training",
    },
    Failure {
        id: "learnt",
        seed: 0,
        schedule: "broken_feature",
        text: "An upstream bug is taken for drift: a model trained on the broken column is live when the column is fixed, and its AUC falls that week.",
        answer: "validation",
    },
];

/// A failure by its id.
///
/// # Errors
/// [`Error::Invalid`] naming `failure` for an unknown id.
pub fn failure(id: &str) -> Result<&'static Failure> {
    FAILURES.iter().find(|f| f.id == id).ok_or_else(|| {
        Error::invalid(
            "failure",
            id,
            "expected stale, worse, canary, blast, unrepro or learnt",
        )
    })
}

impl Failure {
    /// The year it shows in, with the practice `off` switched off (`None`: the full loop):
    /// 52 weeks, its seed and schedule, every other parameter at its default.
    ///
    /// # Errors
    /// As [`practices_without`]; [`Error::Invalid`] if the schedule's name is unknown.
    pub fn params(&self, off: Option<&str>) -> Result<LoopParams> {
        Ok(LoopParams {
            weeks: 52,
            seed: self.seed,
            schedule: Schedule::parse(self.schedule)?,
            practices: practices_without(off)?,
            ..LoopParams::default()
        })
    }

    /// Whether the failure shows in `off` (its year with the reader's practice switched off),
    /// read against `full` (the same year with every practice).
    pub fn shows(&self, off: &Timeline, full: &Timeline) -> bool {
        let decisions = || off.weeks.iter().flat_map(|w| &w.decisions);
        match self.id {
            // Never retrained although the full loop retrains that year.
            "stale" => off.summary.retrains == 0 && full.summary.retrains > 0,
            // A promotion (gated or not) of a candidate below production on the gate's data.
            "worse" => decisions().any(|d| {
                d.kind == DecisionKind::PromotionGate
                    && matches!(d.verdict, Verdict::Promote | Verdict::PromoteGateOff)
                    && matches!(
                        (d.evidence.auc_candidate, d.evidence.auc_current),
                        (Some(c), Some(p)) if c < p
                    )
            }),
            // A failed canary analysis advanced anyway.
            "canary" => decisions().any(|d| {
                d.kind == DecisionKind::CanaryAnalysis
                    && matches!(d.verdict, Verdict::AdvanceAnyway { .. })
            }),
            // A new production version below its predecessor by more than the tolerance, found
            // only by the post-promotion check (all traffic was already on it).
            "blast" => decisions().any(|d| {
                d.kind == DecisionKind::RollbackCheck
                    && matches!(
                        (d.evidence.auc_current, d.evidence.auc_candidate),
                        (Some(new), Some(old)) if new < old - off.params.rollback_tolerance
                    )
            }),
            // The same decisions, other models.
            "unrepro" => {
                signature(off) == signature(full)
                    && off
                        .weeks
                        .iter()
                        .zip(&full.weeks)
                        .any(|(a, b)| a.auc != b.auc)
            }
            // A model trained while the feature was broken is still live the week it is fixed.
            "learnt" => learnt_the_bug(&off.weeks),
            _ => false,
        }
    }
}

/// The decisions of a run as one comparable list (kind, verdict with its fields, version).
fn signature(t: &Timeline) -> Vec<(DecisionKind, Verdict, Option<u32>)> {
    t.weeks
        .iter()
        .flat_map(|w| &w.decisions)
        .map(|d| (d.kind, d.verdict, d.version))
        .collect()
}

/// The first week of the broken feature is `b`, the first fixed week after it `f`: the failure
/// shows when the version live in `f` is not the one live before `b`.
fn learnt_the_bug(weeks: &[WeekRecord]) -> bool {
    let Some(b) = weeks.iter().position(|w| w.broken_feature) else {
        return false;
    };
    let Some(f) = weeks
        .iter()
        .skip(b + 1)
        .position(|w| !w.broken_feature)
        .map(|k| k + b + 1)
    else {
        return false;
    };
    b > 0 && weeks[f].live_version != weeks[b - 1].live_version
}

/// How two timelines of one year differ, week by week (the side-by-side view of exercise 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearDiff {
    /// Per week: another version was live.
    pub live: Vec<bool>,
    /// Per week: the decisions differ (kind, verdict with its fields, or version).
    pub decisions: Vec<bool>,
    /// Weeks in which another version was live.
    pub live_weeks: usize,
    /// Weeks in which the decisions differ.
    pub decision_weeks: usize,
}

/// Week by week, where `a` and `b` differ (over the weeks both have).
pub fn differences(a: &Timeline, b: &Timeline) -> YearDiff {
    let key = |w: &WeekRecord| -> Vec<(DecisionKind, Verdict, Option<u32>)> {
        w.decisions
            .iter()
            .map(|d| (d.kind, d.verdict, d.version))
            .collect()
    };
    let (live, decisions): (Vec<bool>, Vec<bool>) = a
        .weeks
        .iter()
        .zip(&b.weeks)
        .map(|(x, y)| (x.live_version != y.live_version, key(x) != key(y)))
        .unzip();
    YearDiff {
        live_weeks: live.iter().filter(|&&d| d).count(),
        decision_weeks: decisions.iter().filter(|&&d| d).count(),
        live,
        decisions,
    }
}

/// The ids of the failures that show in `off` read against `full`, in [`FAILURES`] order.
pub fn shown(off: &Timeline, full: &Timeline) -> Vec<&'static str> {
    FAILURES
        .iter()
        .filter(|f| f.shows(off, full))
        .map(|f| f.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn practices_by_name() {
        assert_eq!(practices_without(None).ok(), Some(Practices::default()));
        for name in PRACTICES {
            let p = practices_without(Some(name)).expect("known");
            assert_ne!(p, Practices::default(), "{name}");
        }
        let e = practices_without(Some("testing")).expect_err("unknown");
        assert!(e.to_string().contains("off"), "{e}");
        assert!(failure("nope").is_err());
        assert_eq!(failure("learnt").map(|f| f.seed).ok(), Some(0));
    }

    #[test]
    fn every_answer_is_a_practice_and_the_answers_stay_private() {
        for f in FAILURES {
            assert!(PRACTICES.contains(&f.answer), "{}", f.id);
            let json = serde_json::to_string(&f).expect("json");
            assert!(!json.contains("answer"), "{json}");
        }
    }
}
