//! Exercise 3's challenge: several promotion gates (the built-in gate 2, a learner's program) run
//! on the same rounds as [`promotion_trials`](super::promotion_trials),
//! each promotion judged by the candidate's true gain: spurious promotions and real improvements
//! turned away.

use super::promotion::{check_promotion, promotion_round};
use super::PromotionTrialsParams;
use crate::metrics::roc_auc;
use crate::Result;

/// What one gate did in [`gate_trials`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GateRecord {
    /// Rounds run.
    pub rounds: usize,
    /// Rounds in which the gate promoted.
    pub promotions: usize,
    /// Promotions of a candidate that is not better on the large sample (spurious).
    pub spurious: usize,
    /// Really better candidates the gate kept out (real improvements turned away).
    pub turned_away: usize,
    /// Per round, the gate's verdict.
    pub promoted: Vec<bool>,
    /// The reason the gate gave in the first round, if any.
    pub first_reason: Option<String>,
}

/// What [`gate_trials`] observed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GateTrials {
    /// Rounds run.
    pub rounds: usize,
    /// Per round, candidate AUC minus current AUC on the recent rows (what a gate sees).
    pub diffs: Vec<f64>,
    /// Per round, the true gain (as
    /// [`PromotionTrials::true_gains`](super::PromotionTrials::true_gains)): the candidate is
    /// really better when it is positive.
    pub true_gains: Vec<f64>,
    /// Rounds whose candidate is really better.
    pub better: usize,
    /// One record per gate, in the order given.
    pub gates: Vec<GateRecord>,
}

/// Run each of `gates` (the built-in gate 2 as a [`crate::gates::PromotionGate`], a learner's
/// program, ...) on the same rounds as [`promotion_trials`](super::promotion_trials) (same seeds,
/// same `shift`): every gate sees the recent rows' labels and both models' scores on them. Whether
/// a candidate is really better is its true gain (on [`TRUE_GAIN_ROWS`](super::TRUE_GAIN_ROWS)
/// fresh rows), so a promotion is spurious and a refusal turns an improvement away by measurement,
/// not by assumption. Round `i` is check number `i`. `p.margin` and `p.same_data` are not used (a
/// gate brings its own rule and sees both models on the same rows).
///
/// # Errors
/// As [`promotion_trials`](super::promotion_trials); the first error of a gate (a learner's
/// exception) stops the run.
pub fn gate_trials(
    p: &PromotionTrialsParams,
    gates: &mut [&mut dyn crate::learner::LearnerGate],
) -> Result<GateTrials> {
    check_promotion(p)?;
    let mut out = GateTrials {
        rounds: p.rounds,
        diffs: Vec::with_capacity(p.rounds),
        true_gains: Vec::with_capacity(p.rounds),
        better: 0,
        gates: gates
            .iter()
            .map(|_| GateRecord {
                rounds: p.rounds,
                promotions: 0,
                spurious: 0,
                turned_away: 0,
                promoted: Vec::with_capacity(p.rounds),
                first_reason: None,
            })
            .collect(),
    };
    for r in p.start..p.start + p.rounds {
        let round = promotion_round(p, r)?;
        let x = round.recent.features();
        let current_scores = round.production.predict_proba(&x)?;
        let candidate_scores = round.candidate.predict_proba(&x)?;
        let y = round.recent.labels();
        out.diffs
            .push(roc_auc(y, &candidate_scores)? - roc_auc(y, &current_scores)?);
        out.true_gains.push(round.true_gain);
        let better = round.true_gain > 0.0;
        if better {
            out.better += 1;
        }
        for (gate, rec) in gates.iter_mut().zip(out.gates.iter_mut()) {
            let v = gate.should_promote(y, &current_scores, &candidate_scores, r as u64)?;
            if r == p.start {
                rec.first_reason = v.reason;
            }
            rec.promoted.push(v.decision);
            if v.decision {
                rec.promotions += 1;
                if !better {
                    rec.spurious += 1;
                }
            } else if better {
                rec.turned_away += 1;
            }
        }
    }
    Ok(out)
}
