//! Exercise 3's experiment: the promotion gate (gate 2, the rule of [`crate::gates::promotes`])
//! repeated on many (production, candidate) rounds, the candidate no better or truly better because
//! the world moved, with each round's true gain measured on a large fresh sample.

use super::{check_consecutive, check_count, check_rows, MAX_ROWS_PER_CALL};
use crate::data::{make_data_from, Drift, Frame};
use crate::gbm::GbmModel;
use crate::metrics::roc_auc;
use crate::pipeline::{train_book, GBM_RANDOM_STATE};
use crate::seeds::trial_seed;
use crate::stats::interval::{proportion, Proportion};
use crate::{Error, Result};

/// ROC AUC of `model` on all rows of `df`.
///
/// # Errors
/// One class only in `df`.
pub fn auc_on(model: &GbmModel, df: &Frame) -> Result<f64> {
    roc_auc(df.labels(), &model.predict_proba(&df.features())?)
}

/// Rows of the large fresh sample on which [`promotion_trials`] measures each round's true
/// improvement (what the gate would see with unlimited recent data).
pub const TRUE_GAIN_ROWS: usize = 20_000;

/// Parameters of [`promotion_trials`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PromotionTrialsParams {
    /// Rounds in this call.
    pub rounds: usize,
    /// Index of the first round (for chunked calls).
    pub start: usize,
    /// Rows of each training and each evaluation sample.
    pub rows: usize,
    /// Promote only if `candidate ≥ current + margin`.
    pub margin: f64,
    /// Score both models on the same recent sample (true) or each on its own (false).
    pub same_data: bool,
    /// Base seed.
    pub seed: u128,
    /// Days the world has moved since production was trained (`days_since_login` + `shift`):
    /// the candidate is trained and both are scored in the moved world. 0: the candidate is no
    /// better (every promotion is spurious); a shift of 20–40 days gives production a range
    /// of days it never saw, so the candidate is truly better (by [`PromotionTrials::true_gains`]).
    pub shift: i64,
}

/// `promotionTrials`' defaults (what the WASM API fills in for an omitted key): exercise 3's 20
/// rounds per setting from index 0, the book's rows and margin
/// ([`crate::chapter::ChapterParams`]), both models scored on the same rows, the exercises'
/// simulation seed ([`super::SIMULATION_SEED`]), and a world that has not moved (the
/// candidate no better).
impl Default for PromotionTrialsParams {
    fn default() -> Self {
        let book = crate::chapter::ChapterParams::default();
        PromotionTrialsParams {
            rounds: 20,
            start: 0,
            rows: book.reference.rows,
            margin: book.margin,
            same_data: true,
            seed: super::SIMULATION_SEED,
            shift: 0,
        }
    }
}

/// What [`promotion_trials`] observed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PromotionTrials {
    /// Index of the first round.
    pub start: usize,
    /// Rounds run.
    pub rounds: usize,
    /// Rounds in which the gate promoted the candidate.
    pub promotions: usize,
    /// Rounds in which the same gate with a margin of 0 would have promoted it.
    pub promotions_without_margin: usize,
    /// Per round, candidate AUC minus current AUC as the gate saw it.
    pub diffs: Vec<f64>,
    /// Per round, candidate AUC minus current AUC on [`TRUE_GAIN_ROWS`] fresh rows of the world
    /// both are scored in: the improvement the gate is trying to see.
    pub true_gains: Vec<f64>,
}

/// Run the promotion gate on `rounds` (production, candidate) pairs.
///
/// Round `i` trains production on sample `(seed, i, 0)` of the original world (no drift) and
/// the candidate on `(seed, i, 1)` of the world moved by `shift` days; both are scored on
/// `(seed, i, 2)` of the moved world (when `same_data` is false, the candidate on `(seed, i, 3)`
/// instead), and on `(seed, i, 4)`, [`TRUE_GAIN_ROWS`] rows, for the true improvement. Each round
/// draws its own production model, so the rates are averages over productions as well as
/// candidates: with `shift = 0` the two models of a round are exchangeable.
///
/// ```
/// use mlops_loop::experiments::{promotion_trials, PromotionTrialsParams};
/// let p = PromotionTrialsParams { rounds: 2, start: 0, rows: 600, margin: 0.0,
///                                 same_data: true, seed: 1, shift: 40 };
/// let r = promotion_trials(&p)?;
/// // production never saw 90 days or more; a 40-day move puts a third of the customers there
/// assert!(r.true_gains.iter().all(|&g| g > 0.0));
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming `rounds`, `rows`, `margin` or `shift` when out of range.
pub fn promotion_trials(p: &PromotionTrialsParams) -> Result<PromotionTrials> {
    check_promotion(p)?;
    let mut out = PromotionTrials {
        start: p.start,
        rounds: p.rounds,
        promotions: 0,
        promotions_without_margin: 0,
        diffs: Vec::with_capacity(p.rounds),
        true_gains: Vec::with_capacity(p.rounds),
    };
    for r in p.start..p.start + p.rounds {
        let round = promotion_round(p, r)?;
        let current_auc = auc_on(&round.production, &round.recent)?;
        let candidate_auc = if p.same_data {
            auc_on(&round.candidate, &round.recent)?
        } else {
            let other = make_data_from(&trial_seed(p.seed, r, 3), Drift::Int(p.shift), p.rows)?;
            auc_on(&round.candidate, &other)?
        };
        out.true_gains.push(round.true_gain);
        out.diffs.push(candidate_auc - current_auc);
        if crate::gates::promotes(candidate_auc, current_auc, p.margin) {
            out.promotions += 1;
        }
        if crate::gates::promotes(candidate_auc, current_auc, 0.0) {
            out.promotions_without_margin += 1;
        }
    }
    Ok(out)
}

/// The parameter checks of [`promotion_trials`] and [`gate_trials`](super::gate_trials).
pub(super) fn check_promotion(p: &PromotionTrialsParams) -> Result<()> {
    check_count("rounds", p.rounds)?;
    check_rows("rows", p.rows)?;
    if !(p.margin.is_finite() && p.margin.abs() <= 1.0) {
        return Err(Error::invalid("margin", p.margin, "must be within [-1, 1]"));
    }
    if !(0..=360).contains(&p.shift) {
        return Err(Error::invalid(
            "shift",
            p.shift,
            "must be between 0 and 360 days",
        ));
    }
    if p.rounds.saturating_mul(3).saturating_mul(p.rows) > MAX_ROWS_PER_CALL / 20 {
        return Err(Error::invalid(
            "rounds",
            p.rounds,
            "rounds × rows is too much training for one call; use smaller chunks",
        ));
    }
    p.start
        .checked_add(p.rounds)
        .ok_or_else(|| Error::invalid("start", p.start, "start + rounds overflows"))?;
    Ok(())
}

/// Round `r` of [`promotion_trials`] and [`gate_trials`](super::gate_trials): production trained on
/// `(seed, r, 0)` of the original world, the candidate on `(seed, r, 1)` of the world moved by
/// `shift` days, the recent rows `(seed, r, 2)` of the moved world, and the true gain (candidate
/// AUC minus production AUC) on [`TRUE_GAIN_ROWS`] rows `(seed, r, 4)` of the moved world.
pub(super) struct PromotionRound {
    pub(super) production: GbmModel,
    pub(super) candidate: GbmModel,
    pub(super) recent: Frame,
    pub(super) true_gain: f64,
}

pub(super) fn promotion_round(p: &PromotionTrialsParams, r: usize) -> Result<PromotionRound> {
    let data = |role: u32, drift: Drift, rows: usize| {
        make_data_from(&trial_seed(p.seed, r, role), drift, rows)
    };
    let after = Drift::Int(p.shift);
    let production = train_book(&data(0, Drift::Int(0), p.rows)?, GBM_RANDOM_STATE)?.model;
    let candidate = train_book(&data(1, after, p.rows)?, GBM_RANDOM_STATE)?.model;
    let recent = data(2, after, p.rows)?;
    let truth = data(4, after, TRUE_GAIN_ROWS)?;
    let true_gain = auc_on(&candidate, &truth)? - auc_on(&production, &truth)?;
    Ok(PromotionRound {
        production,
        candidate,
        recent,
        true_gain,
    })
}

impl PromotionTrials {
    /// Merge the results of consecutive round ranges, as
    /// [`DriftTrials::merge`](super::DriftTrials::merge).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `parts` as [`DriftTrials::merge`](super::DriftTrials::merge).
    pub fn merge(parts: &[PromotionTrials]) -> Result<PromotionTrials> {
        let ranges: Vec<(usize, usize)> = parts.iter().map(|p| (p.start, p.rounds)).collect();
        let start = check_consecutive("parts", &ranges)?;
        let mut out = PromotionTrials {
            start,
            rounds: 0,
            promotions: 0,
            promotions_without_margin: 0,
            diffs: Vec::new(),
            true_gains: Vec::new(),
        };
        for (i, p) in parts.iter().enumerate() {
            if p.diffs.len() != p.rounds
                || p.true_gains.len() != p.rounds
                || p.promotions > p.rounds
                || p.promotions_without_margin > p.rounds
            {
                return Err(Error::invalid(
                    "parts",
                    format!("part {i}"),
                    "not a promotionTrials result: counts and differences disagree",
                ));
            }
            out.rounds += p.rounds;
            out.promotions += p.promotions;
            out.promotions_without_margin += p.promotions_without_margin;
            out.diffs.extend_from_slice(&p.diffs);
            out.true_gains.extend_from_slice(&p.true_gains);
        }
        Ok(out)
    }

    /// The share of rounds in which the (no better) candidate was promoted, with its 95 % interval.
    ///
    /// # Errors
    /// As [`proportion`]: an empty result.
    pub fn promotion_rate(&self) -> Result<Proportion> {
        proportion(self.promotions, self.rounds)
    }

    /// The share of rounds in which the same gate with a margin of 0 would have promoted.
    ///
    /// # Errors
    /// As [`proportion`]: an empty result.
    pub fn promotion_rate_without_margin(&self) -> Result<Proportion> {
        proportion(self.promotions_without_margin, self.rounds)
    }

    /// The mean of [`Self::true_gains`]: the candidates' average true improvement.
    pub fn mean_true_gain(&self) -> f64 {
        if self.true_gains.is_empty() {
            return 0.0;
        }
        self.true_gains.iter().sum::<f64>() / self.true_gains.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What exercise 3 says about its two kinds of candidate: with the world unmoved the
    /// candidate is no better on average (true gains centred on zero, either sign), with the
    /// world moved by 40 days it is better on average by more than 0.01 AUC.
    #[test]
    fn page_claims_about_candidates() {
        let p = PromotionTrialsParams {
            rounds: 8,
            start: 0,
            rows: 1500,
            margin: 0.0,
            same_data: true,
            seed: 0,
            shift: 0,
        };
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let same = promotion_trials(&p).expect("no shift");
        assert!(
            mean(&same.true_gains).abs() < 0.005,
            "{:?}",
            same.true_gains
        );
        assert!(same.true_gains.iter().any(|&g| g > 0.0));
        assert!(same.true_gains.iter().any(|&g| g < 0.0));
        let moved = promotion_trials(&PromotionTrialsParams { shift: 40, ..p }).expect("moved");
        assert!(mean(&moved.true_gains) > 0.01, "{:?}", moved.true_gains);
        let e = promotion_trials(&PromotionTrialsParams { shift: -1, ..p })
            .expect_err("negative shift")
            .to_string();
        assert!(e.contains("shift"), "{e}");
    }

    #[test]
    fn promotion_gate_with_margin_promotes_less() {
        let p = PromotionTrialsParams {
            rounds: 4,
            start: 0,
            rows: 400,
            margin: 0.0,
            same_data: true,
            seed: 5,
            shift: 0,
        };
        let plain = promotion_trials(&p).expect("plain");
        let strict =
            promotion_trials(&PromotionTrialsParams { margin: 0.05, ..p }).expect("margin");
        assert_eq!(plain.diffs, strict.diffs);
        assert_eq!(strict.promotions_without_margin, plain.promotions);
        assert!(strict.promotions <= plain.promotions);
        assert_eq!(
            plain.promotions,
            plain.diffs.iter().filter(|&&d| d >= 0.0).count()
        );
    }

    /// Exercise 3 ("The experiment") says its rates are averages over productions as well as
    /// candidates: each round trains its own production model on its own data.
    #[test]
    fn each_round_draws_its_own_production_model() {
        let p = PromotionTrialsParams {
            rounds: 2,
            start: 0,
            rows: 300,
            margin: 0.0,
            same_data: true,
            seed: 3,
            shift: 0,
        };
        let (a, b) = (
            promotion_round(&p, 0).expect("0"),
            promotion_round(&p, 1).expect("1"),
        );
        assert_ne!(a.production, b.production);
        assert_ne!(a.production, a.candidate);
        assert_eq!(
            promotion_round(&p, 1).expect("1 again").production,
            b.production
        );
    }
}
