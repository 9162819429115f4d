//! The exercises' experiments: what happens to the loop's two gates over many repetitions.
//!
//! The chapter makes one decision per gate; a reader learns what a gate is worth by repeating it.
//! [`drift_trials`] runs the retraining trigger on many fresh reference/live pairs (false alarms
//! when there is no drift, power when there is); [`promotion_trials`] runs the promotion gate on
//! many candidates that are no better than production (every promotion is spurious);
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
use crate::numpy::{Generator, SeedSequence};
use crate::pipeline::{train_book, GBM_RANDOM_STATE};
use crate::seeds::trial_seed;
use crate::stats::correction::check_alpha;
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
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DriftTrials {
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
        trials: p.trials,
        alarms: 0,
        alarms_per_feature: [0; 3],
        pvalues: Vec::with_capacity(3 * p.trials),
        statistics: Vec::with_capacity(3 * p.trials),
    };
    for t in p.start..p.start + p.trials {
        let reference = sorted_features(&trial_seed(p.seed, t, 0), zero_like(p.drift), p.n)?;
        let live = sorted_features(&trial_seed(p.seed, t, 1), p.drift, p.n)?;
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

/// ROC AUC of `model` on all rows of `df`.
///
/// # Errors
/// One class only in `df`.
pub fn auc_on(model: &GbmModel, df: &Frame) -> Result<f64> {
    roc_auc(df.labels(), &model.predict_proba(&df.features())?)
}

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
}

/// What [`promotion_trials`] observed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PromotionTrials {
    /// Rounds run.
    pub rounds: usize,
    /// Rounds in which the gate promoted the candidate (all spurious: it is no better).
    pub promotions: usize,
    /// Per round, candidate AUC minus current AUC as the gate saw it.
    pub diffs: Vec<f64>,
}

/// Run the promotion gate on `rounds` candidates drawn from the same distribution as production.
///
/// Production is trained once on sample `(seed, u32::MAX, 0)`; round `i` trains a candidate on
/// `(seed, i, 1)` and evaluates on `(seed, i, 2)` (and, when `same_data` is false, the candidate
/// on `(seed, i, 3)`).
///
/// # Errors
/// [`Error::Invalid`] naming `rounds`, `rows` or `margin` when out of range.
pub fn promotion_trials(p: &PromotionTrialsParams) -> Result<PromotionTrials> {
    check_count("rounds", p.rounds)?;
    check_rows("rows", p.rows)?;
    if !(p.margin.is_finite() && p.margin.abs() <= 1.0) {
        return Err(Error::invalid("margin", p.margin, "must be within [-1, 1]"));
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
    let zero = Drift::Float(0.0);
    let production = train_book(
        &make_data_from(&trial_seed(p.seed, u32::MAX as usize, 0), zero, p.rows)?,
        GBM_RANDOM_STATE,
    )?;
    let mut out = PromotionTrials {
        rounds: p.rounds,
        promotions: 0,
        diffs: Vec::with_capacity(p.rounds),
    };
    for r in p.start..p.start + p.rounds {
        let candidate = train_book(
            &make_data_from(&trial_seed(p.seed, r, 1), zero, p.rows)?,
            GBM_RANDOM_STATE,
        )?;
        let recent = make_data_from(&trial_seed(p.seed, r, 2), zero, p.rows)?;
        let current_auc = auc_on(&production.model, &recent)?;
        let candidate_auc = if p.same_data {
            auc_on(&candidate.model, &recent)?
        } else {
            auc_on(
                &candidate.model,
                &make_data_from(&trial_seed(p.seed, r, 3), zero, p.rows)?,
            )?
        };
        out.diffs.push(candidate_auc - current_auc);
        if crate::gates::promotes(candidate_auc, current_auc, p.margin) {
            out.promotions += 1;
        }
    }
    Ok(out)
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
        };
        let plain = promotion_trials(&p).expect("plain");
        let strict =
            promotion_trials(&PromotionTrialsParams { margin: 0.05, ..p }).expect("margin");
        assert_eq!(plain.diffs, strict.diffs);
        assert!(strict.promotions <= plain.promotions);
        assert_eq!(
            plain.promotions,
            plain.diffs.iter().filter(|&&d| d >= 0.0).count()
        );
    }
}
