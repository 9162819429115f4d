//! The exercises' experiments: what happens to the loop's two gates over many repetitions.
//!
//! The chapter makes one decision per gate; a reader learns what a gate is worth by repeating it.
//! [`drift_trials`] runs the retraining trigger on many fresh reference/live pairs (false alarms
//! when there is no drift, power when there is); [`promotion_trials`] runs the promotion gate on
//! many (production, candidate) pairs, the candidate either no better (every promotion is
//! spurious) or truly better because the world moved since production was trained;
//! [`bootstrap_auc_diff`] gives a paired bootstrap interval for "candidate minus current" on the
//! same recent data.
//!
//! Every experiment is seeded: trial `i` of seed `S` draws its data from numpy's
//! `SeedSequence([S, i, role])` (`role` separates reference, live, candidate and evaluation
//! samples), so a chunk `start..start+count` gives the same trials whatever the chunking, and
//! the page can report progress between chunks.

use crate::data::{add_int_drift, make_data_from, Drift, Frame, MAX_ROWS};
use crate::gbm::GbmModel;
use crate::metrics::roc_auc;
use crate::monitor::Columns;
use crate::numpy::{Generator, SeedSequence};
use crate::pipeline::{train_book, GBM_RANDOM_STATE};
use crate::seeds::trial_seed;
use crate::stats::correction::check_alpha;
use crate::stats::interval::{proportion, Proportion};
use crate::stats::ks::{ks_sorted, sort_total, KsMethod};
use crate::stats::Correction;
use crate::{Error, Result};

/// Most trials (or rounds, or resamples) one call may run; the page calls in chunks.
pub const MAX_TRIALS_PER_CALL: usize = 100_000;
/// Most rows one experiment call may draw in total (`trials · 2 · n`): about a second of work in a
/// browser tab, so a hostile link cannot freeze it.
pub const MAX_ROWS_PER_CALL: usize = 200_000_000;

fn check_count(field: &'static str, v: usize) -> Result<()> {
    if v == 0 || v > MAX_TRIALS_PER_CALL {
        return Err(Error::invalid(
            field,
            v,
            format!("must be between 1 and {MAX_TRIALS_PER_CALL} per call (run more in chunks)"),
        ));
    }
    Ok(())
}

fn check_rows(field: &'static str, n: usize) -> Result<()> {
    if !(2..=MAX_ROWS).contains(&n) {
        return Err(Error::invalid(
            field,
            n,
            format!("must be between 2 and {MAX_ROWS}"),
        ));
    }
    Ok(())
}

/// The zero drift of the same Python type as `drift` (so the reference keeps the live dtype).
pub fn zero_like(drift: Drift) -> Drift {
    match drift {
        Drift::Int(_) => Drift::Int(0),
        Drift::Float(_) => Drift::Float(0.0),
    }
}

/// The three features of `make_data_from(seed, drift, n)`, each sorted ascending as
/// `ks_2samp` sorts it, in [`FEATURES`](crate::data::FEATURES) order — without drawing `churned`, which numpy draws
/// after every feature value (so the features are the same), and without sorting the two
/// integer-valued features: `days` is the draw `x ∈ [0, 90)` plus a fixed drift (a monotone map),
/// so counting the draws sorts it, and `is_recent` is `days < 30`.
///
/// # Errors
/// As [`make_data_from`]: an int drift that overflows int64.
fn sorted_features(seed: &SeedSequence, drift: Drift, n: usize) -> Result<[Vec<f64>; 3]> {
    let mut rng = Generator::from_seed_sequence(seed);
    let ints = rng.integers(0, 90, n)?;
    let mut spend = rng.exponential(5.0, n)?;
    sort_total(&mut spend);
    let mut counts = [0usize; 90];
    for &x in &ints {
        if let Some(c) = usize::try_from(x).ok().and_then(|i| counts.get_mut(i)) {
            *c += 1;
        }
    }
    let mut days = Vec::with_capacity(n);
    let mut recent = 0;
    for (x, &c) in (0i64..).zip(counts.iter()) {
        if c == 0 {
            continue;
        }
        // The column's value and `(days < 30)` exactly as make_data computes them.
        let (value, is_recent) = match drift {
            Drift::Int(d) => {
                let v = add_int_drift(x, d)?;
                (v as f64, v < 30)
            }
            Drift::Float(d) => {
                let v = x as f64 + d;
                (v, v < 30.0)
            }
        };
        days.resize(days.len() + c, value);
        if is_recent {
            recent += c;
        }
    }
    let mut is_recent = vec![0.0; n - recent];
    is_recent.resize(n, 1.0);
    Ok([spend, is_recent, days])
}

/// Parameters of [`drift_trials`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriftTrialsParams {
    /// Rows in each reference and each live sample.
    pub n: usize,
    /// Drift added to the live samples' `days_since_login` (0 measures false alarms).
    pub drift: Drift,
    /// Number of trials in this call.
    pub trials: usize,
    /// Index of the first trial (for chunked calls).
    pub start: usize,
    /// Significance level of the trigger.
    pub alpha: f64,
    /// Base seed.
    pub seed: u128,
    /// How the three features' tests are combined.
    pub correction: Correction,
}

/// What [`drift_trials`] observed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DriftTrials {
    /// Index of the first trial.
    pub start: usize,
    /// Trials run.
    pub trials: usize,
    /// Trials in which the trigger fired (at least one feature rejected after correction).
    pub alarms: usize,
    /// Per feature (in [`FEATURES`](crate::data::FEATURES) order), trials in which that feature was rejected.
    pub alarms_per_feature: [usize; 3],
    /// The p-values, trial-major: `pvalues[3·t + f]`.
    pub pvalues: Vec<f64>,
    /// The KS statistics, same layout.
    pub statistics: Vec<f64>,
}

/// Run the retraining trigger on `trials` fresh (reference, live) pairs: each compares all three
/// features with the exact two-sample KS test (scipy `ks_2samp`, `method='auto'`).
///
/// ```
/// use mlops_loop::data::Drift;
/// use mlops_loop::experiments::{drift_trials, DriftTrialsParams};
/// use mlops_loop::stats::Correction;
/// let p = DriftTrialsParams { n: 500, drift: Drift::Int(15), trials: 3, start: 0, alpha: 0.01,
///                             seed: 7, correction: Correction::None };
/// let r = drift_trials(&p)?;
/// assert_eq!(r.alarms, 3); // a 15-day shift is caught every time at n = 500
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming `n`, `trials`, `alpha` or `start` when out of range (see
/// [`MAX_TRIALS_PER_CALL`], [`MAX_ROWS_PER_CALL`]).
pub fn drift_trials(p: &DriftTrialsParams) -> Result<DriftTrials> {
    check_rows("n", p.n)?;
    check_count("trials", p.trials)?;
    check_alpha(p.alpha)?;
    if p.trials.saturating_mul(2).saturating_mul(p.n) > MAX_ROWS_PER_CALL {
        return Err(Error::invalid(
            "trials",
            p.trials,
            format!("trials × 2 × n must stay below {MAX_ROWS_PER_CALL} rows per call"),
        ));
    }
    p.start
        .checked_add(p.trials)
        .ok_or_else(|| Error::invalid("start", p.start, "start + trials overflows"))?;
    let mut out = DriftTrials {
        start: p.start,
        trials: p.trials,
        alarms: 0,
        alarms_per_feature: [0; 3],
        pvalues: Vec::with_capacity(3 * p.trials),
        statistics: Vec::with_capacity(3 * p.trials),
    };
    for t in p.start..p.start + p.trials {
        let (reference, live) = trial_pair(p, t, 0)?;
        let mut ps = [0.0; 3];
        for (f, (a, b)) in reference.iter().zip(&live).enumerate() {
            let r = ks_sorted(a, b, KsMethod::Auto);
            ps[f] = r.pvalue;
            out.pvalues.push(r.pvalue);
            out.statistics.push(r.statistic);
        }
        let rejected = p.correction.reject(&ps, p.alpha)?;
        for (f, &r) in rejected.iter().enumerate() {
            if r {
                out.alarms_per_feature[f] += 1;
            }
        }
        if rejected.iter().any(|&r| r) {
            out.alarms += 1;
        }
    }
    Ok(out)
}

/// Trial `t`'s reference sample and its live sample `week` weeks after the first (week 0 is the
/// sample [`drift_trials`] tests; later weeks are fresh samples with the same drift, role
/// `1 + week`), each feature sorted ascending.
fn trial_pair(p: &DriftTrialsParams, t: usize, week: u32) -> Result<(Columns, Columns)> {
    let reference = sorted_features(&trial_seed(p.seed, t, 0), zero_like(p.drift), p.n)?;
    let live = sorted_features(&trial_seed(p.seed, t, 1 + week), p.drift, p.n)?;
    Ok((reference, live))
}

/// Most weekly checks [`trigger_trials`] follows a drifted trial for before calling it missed.
pub const MAX_WEEKS_TO_DETECT: u32 = 12;

/// What one trigger did in [`trigger_trials`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TriggerRecord {
    /// Trials run.
    pub trials: usize,
    /// Trials in which the trigger fired on the first check (false alarms when there is no drift,
    /// detections when there is).
    pub alarms: usize,
    /// With drift: per trial, the weekly check (1-based) on which the trigger first fired, or
    /// `None` if it had not fired after [`MAX_WEEKS_TO_DETECT`] checks. Empty without drift.
    pub weeks_to_detect: Vec<Option<u32>>,
    /// The reason the trigger gave on the first trial's first check, if any.
    pub first_reason: Option<String>,
}

/// Run each of `triggers` (the built-in gate 1 as a [`crate::gates::RetrainGate`], a learner's
/// program, ...) on the same trials as [`drift_trials`]: the first check of trial `i` compares the
/// same reference and live samples (each column sorted ascending). With drift, a trial whose first
/// check stays quiet is followed for up to [`MAX_WEEKS_TO_DETECT`] weekly checks (fresh live samples
/// with the same drift, against the same reference) to measure how many weeks a trigger needs.
/// Check number `16·i + week` is passed to the trigger (it seeds the learner's `resample`).
///
/// # Errors
/// As [`drift_trials`]; the first error of a trigger (a learner's exception) stops the run.
pub fn trigger_trials(
    p: &DriftTrialsParams,
    triggers: &mut [&mut dyn crate::learner::LearnerTrigger],
) -> Result<Vec<TriggerRecord>> {
    check_rows("n", p.n)?;
    check_count("trials", p.trials)?;
    if p.trials.saturating_mul(2).saturating_mul(p.n) > MAX_ROWS_PER_CALL {
        return Err(Error::invalid(
            "trials",
            p.trials,
            format!("trials × 2 × n must stay below {MAX_ROWS_PER_CALL} rows per call"),
        ));
    }
    p.start
        .checked_add(p.trials)
        .ok_or_else(|| Error::invalid("start", p.start, "start + trials overflows"))?;
    let drifted = p.drift != zero_like(p.drift);
    let mut out: Vec<TriggerRecord> = triggers
        .iter()
        .map(|_| TriggerRecord {
            trials: p.trials,
            alarms: 0,
            weeks_to_detect: Vec::new(),
            first_reason: None,
        })
        .collect();
    for t in p.start..p.start + p.trials {
        let (reference, live) = trial_pair(p, t, 0)?;
        let mut missed = Vec::new();
        for (k, (trigger, rec)) in triggers.iter_mut().zip(out.iter_mut()).enumerate() {
            let v = trigger.should_retrain(&reference, &live, 16 * t as u64)?;
            if t == p.start {
                rec.first_reason = v.reason;
            }
            if v.decision {
                rec.alarms += 1;
                if drifted {
                    rec.weeks_to_detect.push(Some(1));
                }
            } else if drifted {
                rec.weeks_to_detect.push(None);
                missed.push(k);
            }
        }
        for week in 1..MAX_WEEKS_TO_DETECT {
            if missed.is_empty() {
                break;
            }
            let (_, live) = trial_pair(p, t, week)?;
            let mut still = Vec::new();
            for k in missed {
                let v = triggers[k].should_retrain(
                    &reference,
                    &live,
                    16 * t as u64 + u64::from(week),
                )?;
                if v.decision {
                    if let Some(w) = out[k].weeks_to_detect.last_mut() {
                        *w = Some(week + 1);
                    }
                } else {
                    still.push(k);
                }
            }
            missed = still;
        }
    }
    Ok(out)
}

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

/// The parameter checks of [`promotion_trials`] and [`gate_trials`].
fn check_promotion(p: &PromotionTrialsParams) -> Result<()> {
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

/// Round `r` of [`promotion_trials`] and [`gate_trials`]: production trained on `(seed, r, 0)`
/// of the original world, the candidate on `(seed, r, 1)` of the world moved by `shift` days, the
/// recent rows `(seed, r, 2)` of the moved world, and the true gain (candidate AUC minus
/// production AUC) on [`TRUE_GAIN_ROWS`] rows `(seed, r, 4)` of the moved world.
struct PromotionRound {
    production: GbmModel,
    candidate: GbmModel,
    recent: Frame,
    true_gain: f64,
}

fn promotion_round(p: &PromotionTrialsParams, r: usize) -> Result<PromotionRound> {
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

/// What one gate did in [`gate_trials`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GateTrials {
    /// Rounds run.
    pub rounds: usize,
    /// Per round, candidate AUC minus current AUC on the recent rows (what a gate sees).
    pub diffs: Vec<f64>,
    /// Per round, the true gain (as [`PromotionTrials::true_gains`]): the candidate is really
    /// better when it is positive.
    pub true_gains: Vec<f64>,
    /// Rounds whose candidate is really better.
    pub better: usize,
    /// One record per gate, in the order given.
    pub gates: Vec<GateRecord>,
}

/// Run each of `gates` (the built-in gate 2 as a [`crate::gates::PromotionGate`], a learner's
/// program, ...) on the same rounds as [`promotion_trials`] (same seeds, same `shift`): every gate
/// sees the recent rows' labels and both models' scores on them. Whether a candidate is really
/// better is its true gain (on [`TRUE_GAIN_ROWS`] fresh rows), so a promotion is spurious and a
/// refusal turns an improvement away by measurement, not by assumption. Round `i` is check number
/// `i`. `p.margin` and `p.same_data` are not used (a gate brings its own rule and sees both models
/// on the same rows).
///
/// # Errors
/// As [`promotion_trials`]; the first error of a gate (a learner's exception) stops the run.
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

/// Checks that `parts` cover consecutive index ranges, in order; returns the first start.
fn check_consecutive(what: &'static str, parts: &[(usize, usize)]) -> Result<usize> {
    let Some(&(first, _)) = parts.first() else {
        return Err(Error::invalid(what, "[]", "nothing to merge"));
    };
    let mut next = first;
    for (i, &(start, count)) in parts.iter().enumerate() {
        if start != next {
            return Err(Error::invalid(
                what,
                format!("part {i} starting at {start}"),
                format!("parts must cover consecutive ranges in order; expected a start of {next}"),
            ));
        }
        next = start
            .checked_add(count)
            .ok_or_else(|| Error::invalid(what, start, "start + count overflows"))?;
    }
    Ok(first)
}

impl DriftTrials {
    /// Merge the results of consecutive index ranges of one experiment into the result of the
    /// whole range: trial `i` is seeded by its index alone, so `[s, s+h)` and `[s+h, s+n)` (in
    /// chunks, or in two workers) merge into exactly what one call over `[s, s+n)` returns.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `parts` when there are none, when their ranges are not
    /// consecutive and in order, or when a part's p-values do not match its trial count.
    pub fn merge(parts: &[DriftTrials]) -> Result<DriftTrials> {
        let ranges: Vec<(usize, usize)> = parts.iter().map(|p| (p.start, p.trials)).collect();
        let start = check_consecutive("parts", &ranges)?;
        let mut out = DriftTrials {
            start,
            trials: 0,
            alarms: 0,
            alarms_per_feature: [0; 3],
            pvalues: Vec::new(),
            statistics: Vec::new(),
        };
        for (i, p) in parts.iter().enumerate() {
            let cells = p.trials.checked_mul(3);
            if cells != Some(p.pvalues.len())
                || cells != Some(p.statistics.len())
                || p.alarms > p.trials
                || p.alarms_per_feature.iter().any(|&a| a > p.alarms)
            {
                return Err(Error::invalid(
                    "parts",
                    format!("part {i}"),
                    "not a driftTrials result: counts and p-values disagree",
                ));
            }
            out.trials += p.trials;
            out.alarms += p.alarms;
            for (a, b) in out.alarms_per_feature.iter_mut().zip(p.alarms_per_feature) {
                *a += b;
            }
            out.pvalues.extend_from_slice(&p.pvalues);
            out.statistics.extend_from_slice(&p.statistics);
        }
        Ok(out)
    }

    /// The share of trials in which the trigger fired, with its 95 % interval.
    ///
    /// # Errors
    /// As [`proportion`]: an empty result.
    pub fn alarm_rate(&self) -> Result<Proportion> {
        proportion(self.alarms, self.trials)
    }

    /// Per feature (in [`FEATURES`](crate::data::FEATURES) order), the share of trials in which
    /// that feature's test rejected, with its 95 % interval.
    ///
    /// # Errors
    /// As [`proportion`].
    pub fn feature_alarm_rates(&self) -> Result<[Proportion; 3]> {
        let [a, b, c] = self.alarms_per_feature;
        Ok([
            proportion(a, self.trials)?,
            proportion(b, self.trials)?,
            proportion(c, self.trials)?,
        ])
    }
}

impl PromotionTrials {
    /// Merge the results of consecutive round ranges, as [`DriftTrials::merge`].
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `parts` as [`DriftTrials::merge`].
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

/// A paired bootstrap interval for AUC(candidate) − AUC(current) on the same recent rows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BootstrapDiff {
    /// The observed difference on all recent rows.
    pub diff: f64,
    /// 2.5th percentile of the resampled differences.
    pub lo: f64,
    /// 97.5th percentile.
    pub hi: f64,
    /// Resamples used (resamples with one class only are skipped).
    pub resamples: usize,
    /// Share of resamples in which the candidate was at least as good.
    pub share_candidate_wins: f64,
}

/// Paired bootstrap of the AUC difference: the same resampled rows score both models.
/// Resampling uses numpy's `default_rng(seed).integers(0, n, n)` per resample.
///
/// # Errors
/// [`Error::Invalid`] naming `resamples` (1..=100000) or `seed`; AUC errors for one-class data.
pub fn bootstrap_auc_diff(
    current: &GbmModel,
    candidate: &GbmModel,
    recent: &Frame,
    resamples: usize,
    seed: u128,
) -> Result<BootstrapDiff> {
    check_count("resamples", resamples)?;
    if resamples.saturating_mul(recent.len()) > MAX_ROWS_PER_CALL / 10 {
        return Err(Error::invalid(
            "resamples",
            resamples,
            "resamples × rows is too much for one call",
        ));
    }
    let x = recent.features();
    let y = recent.labels();
    let pc = current.predict_proba(&x)?;
    let pn = candidate.predict_proba(&x)?;
    let diff = roc_auc(y, &pn)? - roc_auc(y, &pc)?;
    let n = recent.len();
    let high = i64::try_from(n).map_err(|_| Error::invalid("rows", n, "too many rows"))?;
    let mut rng = Generator::new(seed);
    let mut diffs = Vec::with_capacity(resamples);
    let (mut ys, mut sc, mut sn) = (vec![0i64; n], vec![0.0; n], vec![0.0; n]);
    for _ in 0..resamples {
        let idx = rng.integers(0, high, n)?;
        for (k, &i) in idx.iter().enumerate() {
            let i = i as usize;
            ys[k] = y[i];
            sc[k] = pc[i];
            sn[k] = pn[i];
        }
        if let (Ok(a), Ok(b)) = (roc_auc(&ys, &sn), roc_auc(&ys, &sc)) {
            diffs.push(a - b);
        }
    }
    if diffs.is_empty() {
        return Err(Error::invalid(
            "rows",
            n,
            "every resample had one class only; use more recent rows",
        ));
    }
    diffs.sort_by(f64::total_cmp);
    let q = |f: f64| diffs[((diffs.len() - 1) as f64 * f).round() as usize];
    let wins = diffs.iter().filter(|&&d| d >= 0.0).count();
    Ok(BootstrapDiff {
        diff,
        lo: q(0.025),
        hi: q(0.975),
        resamples: diffs.len(),
        share_candidate_wins: wins as f64 / diffs.len() as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{column, FEATURES};
    use crate::stats::ks::ks_2samp;

    #[test]
    fn fast_trials_equal_ks_2samp_on_columns() {
        for (seed, drift, n) in [
            (1u128, Drift::Int(0), 3000),
            (2, Drift::Int(10), 500),
            (3, Drift::Float(2.5), 800),
            (4, Drift::Int(-40), 257),
            (5, Drift::Float(0.0), 40),
        ] {
            let p = DriftTrialsParams {
                n,
                drift,
                trials: 4,
                start: 3,
                alpha: 0.05,
                seed,
                correction: Correction::None,
            };
            let r = drift_trials(&p).unwrap();
            for t in 0..4 {
                let reference =
                    make_data_from(&trial_seed(seed, 3 + t, 0), zero_like(drift), n).unwrap();
                let live = make_data_from(&trial_seed(seed, 3 + t, 1), drift, n).unwrap();
                let sorted = sorted_features(&trial_seed(seed, 3 + t, 1), drift, n).unwrap();
                for (f, name) in FEATURES.iter().enumerate() {
                    let mut want = column(&live, name).unwrap();
                    want.sort_by(f64::total_cmp);
                    let got = &sorted[f];
                    assert_eq!(
                        got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                        want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
                    );
                    let k = ks_2samp(
                        &column(&reference, name).unwrap(),
                        &column(&live, name).unwrap(),
                        KsMethod::Auto,
                    )
                    .unwrap();
                    assert_eq!(
                        r.pvalues[3 * t + f].to_bits(),
                        k.pvalue.to_bits(),
                        "{seed} {t} {name}"
                    );
                    assert_eq!(
                        r.statistics[3 * t + f].to_bits(),
                        k.statistic.to_bits(),
                        "{seed} {t} {name}"
                    );
                }
            }
        }
    }

    #[test]
    fn chunking_does_not_change_trials() {
        let base = DriftTrialsParams {
            n: 300,
            drift: Drift::Int(0),
            trials: 6,
            start: 0,
            alpha: 0.05,
            seed: 3,
            correction: Correction::None,
        };
        let all = drift_trials(&base).expect("trials");
        let a = drift_trials(&DriftTrialsParams { trials: 2, ..base }).expect("a");
        let b = drift_trials(&DriftTrialsParams {
            trials: 4,
            start: 2,
            ..base
        })
        .expect("b");
        let joined: Vec<u64> = a
            .pvalues
            .iter()
            .chain(&b.pvalues)
            .map(|p| p.to_bits())
            .collect();
        let whole: Vec<u64> = all.pvalues.iter().map(|p| p.to_bits()).collect();
        assert_eq!(joined, whole);
        assert_eq!(a.alarms + b.alarms, all.alarms);
    }

    #[test]
    fn merged_parts_equal_the_one_call_result() {
        // Any split of the range (chunks in a worker, halves in two workers) merges into the
        // one-call result, field for field; parts out of order or with gaps are refused.
        let base = DriftTrialsParams {
            n: 200,
            drift: Drift::Int(2),
            trials: 7,
            start: 5,
            alpha: 0.05,
            seed: 11,
            correction: Correction::Bh,
        };
        let all = drift_trials(&base).expect("trials");
        let part = |start, trials| {
            drift_trials(&DriftTrialsParams {
                start,
                trials,
                ..base
            })
            .expect("part")
        };
        let (a, b, c) = (part(5, 1), part(6, 3), part(9, 3));
        let merged = DriftTrials::merge(&[a.clone(), b.clone(), c.clone()]).expect("merge");
        assert_eq!(merged, all);
        assert_eq!(merged.alarm_rate().expect("rate").count, all.alarms);
        for bad in [
            vec![b.clone(), a.clone()],
            vec![a.clone(), c.clone()],
            vec![],
        ] {
            let e = DriftTrials::merge(&bad).expect_err("not consecutive");
            assert!(e.to_string().contains("parts"), "{e}");
        }
        let mut broken = b;
        broken.pvalues.pop();
        assert!(DriftTrials::merge(&[a, broken]).is_err());

        let pb = PromotionTrialsParams {
            rounds: 3,
            start: 0,
            rows: 300,
            margin: 0.0,
            same_data: true,
            seed: 4,
            shift: 0,
        };
        let whole = promotion_trials(&pb).expect("rounds");
        let x = promotion_trials(&PromotionTrialsParams { rounds: 1, ..pb }).expect("x");
        let y = promotion_trials(&PromotionTrialsParams {
            rounds: 2,
            start: 1,
            ..pb
        })
        .expect("y");
        assert_eq!(
            PromotionTrials::merge(&[x.clone(), y.clone()]).expect("merge"),
            whole
        );
        assert!(PromotionTrials::merge(&[y, x]).is_err());
        let rate = whole.promotion_rate().expect("rate");
        assert_eq!((rate.count, rate.total), (whole.promotions, 3));
    }

    #[test]
    fn no_drift_false_alarm_rate_is_near_alpha_or_below() {
        // Under no drift the continuous feature's p-values are uniform: about alpha·trials
        // alarms (the discrete features' KS p-values are conservative, so fewer).
        let p = DriftTrialsParams {
            n: 200,
            drift: Drift::Int(0),
            trials: 400,
            start: 0,
            alpha: 0.1,
            seed: 11,
            correction: Correction::None,
        };
        let r = drift_trials(&p).expect("trials");
        let spend = r.alarms_per_feature[0] as f64 / 400.0;
        assert!(
            (0.05..0.16).contains(&spend),
            "spend false-alarm rate {spend}"
        );
        assert!(r.alarms >= r.alarms_per_feature[0]);
        let bonf = drift_trials(&DriftTrialsParams {
            correction: Correction::Bonferroni,
            ..p
        })
        .expect("bonferroni");
        assert!(bonf.alarms <= r.alarms);
    }

    /// What the page says about false alarms (exercise 2, "False alarms"): at alpha 0.01 with
    /// no correction, the tied features `days_since_login` and `is_recent` alarm less often than
    /// alpha, the continuous `spend_per_active_day` about as often as alpha; the chance that
    /// some feature alarms is above alpha (three tests) yet below what three independent exact
    /// tests would give; Bonferroni and Benjamini–Hochberg keep it at or below alpha.
    #[test]
    fn page_claims_about_false_alarms_at_alpha_001() {
        let p = DriftTrialsParams {
            n: 3000,
            drift: Drift::Int(0),
            trials: 4000,
            start: 0,
            alpha: 0.01,
            seed: 0,
            correction: Correction::None,
        };
        let r = drift_trials(&p).expect("trials");
        let rate = |k: usize| k as f64 / p.trials as f64;
        let [spend, recent, days] = r.alarms_per_feature.map(rate);
        assert!(days < 0.01 * 0.75, "days_since_login rate {days}");
        assert!(recent < 0.01 * 0.75, "is_recent rate {recent}");
        assert!((0.007..0.013).contains(&spend), "spend rate {spend}");
        let family = rate(r.alarms);
        assert!(family > 0.01, "family rate {family}");
        assert!(
            family < 1.0 - 0.99f64.powi(3) - 0.005,
            "family rate {family}"
        );
        for correction in [Correction::Bonferroni, Correction::Bh] {
            let c = drift_trials(&DriftTrialsParams { correction, ..p }).expect("corrected");
            assert!(rate(c.alarms) <= 0.01, "{correction:?}: {}", rate(c.alarms));
        }
    }

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
    fn bad_parameters_name_the_field() {
        let p = DriftTrialsParams {
            n: 1,
            drift: Drift::Int(0),
            trials: 1,
            start: 0,
            alpha: 0.01,
            seed: 0,
            correction: Correction::None,
        };
        let e = drift_trials(&p).expect_err("n = 1").to_string();
        assert!(e.contains("n = 1"), "{e}");
        let e = drift_trials(&DriftTrialsParams {
            n: 100,
            alpha: f64::NAN,
            ..p
        })
        .expect_err("alpha")
        .to_string();
        assert!(e.contains("alpha"), "{e}");
        let e = drift_trials(&DriftTrialsParams {
            n: 100,
            trials: 0,
            ..p
        })
        .expect_err("trials")
        .to_string();
        assert!(e.contains("trials = 0"), "{e}");
        assert!(Correction::parse("holm").is_err());
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
}
