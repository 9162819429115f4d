//! The experiments of exercises 2 and 3: `ksSamples`, `driftTrials`, `promotionTrials`,
//! `triggerCosts`, `bootstrapAucDiff` (see [`crate::experiments`]).

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::{count, drift_of, from_js, js_err, jserr, parse_seed, to_js};
use crate::chapter::{ChapterParams, DataSpec};
use crate::data::{column, make_data};
use crate::defaults::GATE_RESAMPLES;
use crate::exercises::{read_bootstrap, BootstrapReading};
use crate::experiments::{
    bootstrap_auc_diff, drift_trials, promotion_trials, BootstrapDiff, DriftTrials,
    DriftTrialsParams, PromotionTrials, PromotionTrialsParams, SIMULATION_SEED,
};
use crate::gates::{FeatureTest, RetrainGate};
use crate::pipeline::{train_book, GBM_RANDOM_STATE};
use crate::stats::interval::Proportion;
use crate::stats::ks::{ks_2samp, KsMethod};
use crate::stats::Correction;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SampleSpec {
    seed: Option<String>,
    drift: Option<String>,
    rows: Option<f64>,
}

impl SampleSpec {
    /// The sample's frame; an omitted key is the book's reference sample's
    /// ([`ChapterParams::default`]).
    fn frame(&self, name: &'static str) -> Result<crate::data::Frame, JsError> {
        let book = ChapterParams::default().reference;
        let seed = match &self.seed {
            Some(s) => parse_seed(s)?,
            None => book.seed,
        };
        let drift = match &self.drift {
            Some(d) => drift_of(name, d)?,
            None => book.drift,
        };
        let rows = count(
            "rows",
            self.rows.unwrap_or(book.rows as f64),
            1,
            crate::data::MAX_ROWS,
        )?;
        make_data(seed, drift, rows).map_err(js_err)
    }
}

#[derive(serde::Serialize)]
struct KsSamples {
    statistic: f64,
    pvalue: f64,
    method: KsMethod,
    location: f64,
    sign: i8,
    alpha: f64,
    retrain: bool,
    a: Vec<f64>,
    b: Vec<f64>,
}

/// Two-sample KS test of one column of two generated samples, with both samples sorted (for
/// ECDF charts). `a`, `b`: `{seed, drift, rows}`; `column`: a feature name; `alpha` (default
/// 0.01, the book's): the level at which the retraining gate decides `retrain`.
#[wasm_bindgen(js_name = ksSamples)]
pub fn ks_samples(
    a: JsValue,
    b: JsValue,
    column_name: &str,
    alpha: Option<f64>,
) -> Result<JsValue, JsError> {
    let sa: SampleSpec = from_js("a", a)?;
    let sb: SampleSpec = from_js("b", b)?;
    let mut xa = column(&sa.frame("a.drift")?, column_name).map_err(js_err)?;
    let mut xb = column(&sb.frame("b.drift")?, column_name).map_err(js_err)?;
    let r = ks_2samp(&xa, &xb, KsMethod::Auto).map_err(js_err)?;
    let gate = RetrainGate {
        alpha: alpha.unwrap_or(RetrainGate::book().alpha),
        ..RetrainGate::book()
    };
    let test = FeatureTest {
        feature: column_name.to_string(),
        pvalue: r.pvalue,
        statistic: r.statistic,
    };
    let retrain = gate.decide(&[test]).map_err(js_err)?.decision;
    xa.sort_by(f64::total_cmp);
    xb.sort_by(f64::total_cmp);
    to_js(&KsSamples {
        statistic: r.statistic,
        pvalue: r.pvalue,
        method: r.method_used,
        location: r.statistic_location,
        sign: r.statistic_sign,
        alpha: gate.alpha,
        retrain,
        a: xa,
        b: xb,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DriftTrialsJs {
    n: Option<f64>,
    drift: Option<String>,
    trials: Option<f64>,
    start: Option<f64>,
    alpha: Option<f64>,
    seed: Option<String>,
    correction: Option<String>,
}

/// Run the retraining trigger on many fresh (reference, live) pairs; see
/// [`crate::experiments::drift_trials`]. Call in chunks with `start` to show progress.
#[wasm_bindgen(js_name = driftTrials)]
pub fn drift_trials_js(params: JsValue) -> Result<JsValue, JsError> {
    let p: DriftTrialsJs = from_js("driftTrials params", params)?;
    let max = crate::experiments::MAX_TRIALS_PER_CALL;
    let d = DriftTrialsParams::default();
    let params = DriftTrialsParams {
        n: count("n", p.n.unwrap_or(d.n as f64), 2, crate::data::MAX_ROWS)?,
        drift: match &p.drift {
            Some(s) => drift_of("drift", s)?,
            None => d.drift,
        },
        trials: count("trials", p.trials.unwrap_or(d.trials as f64), 1, max)?,
        start: count("start", p.start.unwrap_or(d.start as f64), 0, 1 << 30)?,
        alpha: p.alpha.unwrap_or(d.alpha),
        seed: match &p.seed {
            Some(s) => parse_seed(s)?,
            None => d.seed,
        },
        correction: match &p.correction {
            Some(c) => Correction::parse(c).map_err(js_err)?,
            None => d.correction,
        },
    };
    drift_trials_out(&drift_trials(&params).map_err(js_err)?)
}

/// A `driftTrials` result as JS gets it: the counts, with the alarm rates and their 95 %
/// intervals ([`crate::stats::interval`]), and the alarms a year of weekly checks at that rate
/// (`alarms_per_year`, [`crate::trigger_cost::expected_alarms`]; false alarms when the trials
/// had no drift).
#[derive(serde::Serialize)]
struct DriftTrialsOut<'a> {
    #[serde(flatten)]
    trials: &'a DriftTrials,
    alarm_rate: Proportion,
    feature_alarm_rates: [Proportion; 3],
    alarms_per_year: f64,
}

fn drift_trials_out(r: &DriftTrials) -> Result<JsValue, JsError> {
    let alarm_rate = r.alarm_rate().map_err(js_err)?;
    let alarms_per_year =
        crate::trigger_cost::expected_alarms(crate::trigger_cost::CHECKS_PER_YEAR, alarm_rate.rate);
    to_js(&DriftTrialsOut {
        trials: r,
        alarm_rate,
        feature_alarm_rates: r.feature_alarm_rates().map_err(js_err)?,
        alarms_per_year,
    })
}

/// Merge `driftTrials` results of consecutive index ranges (in order) into the result of the
/// whole range; see [`DriftTrials::merge`]. The rates are recomputed from the merged counts.
#[wasm_bindgen(js_name = mergeDriftTrials)]
pub fn merge_drift_trials(parts: JsValue) -> Result<JsValue, JsError> {
    let parts: Vec<DriftTrials> = from_js("mergeDriftTrials parts", parts)?;
    drift_trials_out(&DriftTrials::merge(&parts).map_err(js_err)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromotionTrialsJs {
    rounds: Option<f64>,
    start: Option<f64>,
    rows: Option<f64>,
    margin: Option<f64>,
    same_data: Option<bool>,
    seed: Option<String>,
    shift: Option<f64>,
}

/// Run the promotion gate on (production, candidate) pairs, the candidate no better
/// (`shift` 0) or trained after the world moved by `shift` days; see
/// [`crate::experiments::promotion_trials`].
#[wasm_bindgen(js_name = promotionTrials)]
pub fn promotion_trials_js(params: JsValue) -> Result<JsValue, JsError> {
    let p: PromotionTrialsJs = from_js("promotionTrials params", params)?;
    let max = crate::experiments::MAX_TRIALS_PER_CALL;
    let d = PromotionTrialsParams::default();
    let params = PromotionTrialsParams {
        rounds: count("rounds", p.rounds.unwrap_or(d.rounds as f64), 1, max)?,
        start: count("start", p.start.unwrap_or(d.start as f64), 0, 1 << 31)?,
        rows: count(
            "rows",
            p.rows.unwrap_or(d.rows as f64),
            2,
            crate::data::MAX_ROWS,
        )?,
        margin: p.margin.unwrap_or(d.margin),
        same_data: p.same_data.unwrap_or(d.same_data),
        seed: match &p.seed {
            Some(s) => parse_seed(s)?,
            None => d.seed,
        },
        shift: count("shift", p.shift.unwrap_or(d.shift as f64), 0, 360)? as i64,
    };
    promotion_trials_out(&promotion_trials(&params).map_err(js_err)?)
}

/// A `promotionTrials` result as JS gets it: the counts with the promotion rate and its interval.
#[derive(serde::Serialize)]
struct PromotionTrialsOut<'a> {
    #[serde(flatten)]
    trials: &'a PromotionTrials,
    promotion_rate: Proportion,
    promotion_rate_without_margin: Proportion,
    mean_true_gain: f64,
}

fn promotion_trials_out(r: &PromotionTrials) -> Result<JsValue, JsError> {
    to_js(&PromotionTrialsOut {
        trials: r,
        promotion_rate: r.promotion_rate().map_err(js_err)?,
        promotion_rate_without_margin: r.promotion_rate_without_margin().map_err(js_err)?,
        mean_true_gain: r.mean_true_gain(),
    })
}

/// Merge `promotionTrials` results of consecutive round ranges; see [`PromotionTrials::merge`].
#[wasm_bindgen(js_name = mergePromotionTrials)]
pub fn merge_promotion_trials(parts: JsValue) -> Result<JsValue, JsError> {
    let parts: Vec<PromotionTrials> = from_js("mergePromotionTrials parts", parts)?;
    promotion_trials_out(&PromotionTrials::merge(&parts).map_err(js_err)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggerCostsJs {
    null_pvalues: Vec<f64>,
    drift_pvalues: Vec<f64>,
    alphas: Vec<f64>,
    corrections: Option<Vec<String>>,
    false_alarm_cost: f64,
    stale_week_cost: f64,
    drifts: Option<f64>,
    unnoticed_weeks: Option<f64>,
    checks: Option<f64>,
}

/// The yearly cost of the retraining trigger at each alpha and correction, from the p-values
/// of two `driftTrials` runs (no drift, drift); see [`crate::trigger_cost::trigger_costs`].
#[wasm_bindgen(js_name = triggerCosts)]
pub fn trigger_costs_js(params: JsValue) -> Result<JsValue, JsError> {
    let p: TriggerCostsJs = from_js("triggerCosts params", params)?;
    let corrections = p
        .corrections
        .unwrap_or_else(|| vec!["none".into(), "bonferroni".into(), "bh".into()])
        .iter()
        .map(|c| Correction::parse(c))
        .collect::<crate::Result<Vec<_>>>()
        .map_err(js_err)?;
    let cost = crate::trigger_cost::CostParams {
        false_alarm_cost: p.false_alarm_cost,
        stale_week_cost: p.stale_week_cost,
        drifts: p.drifts.unwrap_or(1.0),
        unnoticed_weeks: count(
            "unnoticed_weeks",
            p.unnoticed_weeks
                .unwrap_or(crate::defaults::UNNOTICED_WEEKS.into()),
            1,
            520,
        )?,
        checks: count(
            "checks",
            p.checks
                .unwrap_or(crate::trigger_cost::CHECKS_PER_YEAR as f64),
            1,
            520,
        )?,
    };
    let rows = crate::trigger_cost::trigger_costs(
        &p.null_pvalues,
        &p.drift_pvalues,
        &p.alphas,
        &corrections,
        &cost,
    )
    .map_err(js_err)?;
    to_js(&rows)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BootstrapJs {
    current: Option<SampleSpec>,
    candidate: Option<SampleSpec>,
    recent: Option<SampleSpec>,
    resamples: Option<f64>,
    seed: Option<String>,
    margin: Option<f64>,
}

#[derive(serde::Serialize)]
struct BootstrapOut {
    #[serde(flatten)]
    diff: BootstrapDiff,
    margin: f64,
    reading: BootstrapReading,
}

/// Paired bootstrap interval of AUC(candidate) − AUC(current) on the same recent rows. Defaults
/// are the chapter's: current on seed 1 drift 0.0, candidate on seed 2 drift 10, recent seed 3
/// drift 10. `margin` (default 0): `reading` says how the interval reads against it
/// ([`read_bootstrap`]).
#[wasm_bindgen(js_name = bootstrapAucDiff)]
pub fn bootstrap_auc_diff_js(params: JsValue) -> Result<JsValue, JsError> {
    let p: BootstrapJs = from_js("bootstrapAucDiff params", params)?;
    let book = ChapterParams::default();
    let spec = |s: Option<SampleSpec>, d: &DataSpec| {
        s.unwrap_or(SampleSpec {
            seed: Some(d.seed.to_string()),
            drift: Some(d.drift.to_string()),
            rows: None,
        })
    };
    let current = train_book(
        &spec(p.current, &book.reference).frame("current.drift")?,
        GBM_RANDOM_STATE,
    )
    .map_err(js_err)?;
    let candidate = train_book(
        &spec(p.candidate, &book.live).frame("candidate.drift")?,
        GBM_RANDOM_STATE,
    )
    .map_err(js_err)?;
    let recent = spec(p.recent, &book.recent).frame("recent.drift")?;
    let resamples = count(
        "resamples",
        p.resamples.unwrap_or(GATE_RESAMPLES as f64),
        1,
        100_000,
    )?;
    let seed = match &p.seed {
        Some(s) => parse_seed(s)?,
        None => SIMULATION_SEED,
    };
    let margin = p.margin.unwrap_or(book.margin);
    if !(margin.is_finite() && margin.abs() <= 1.0) {
        return Err(jserr(format!(
            "invalid margin = {margin}: must be within [-1, 1]"
        )));
    }
    let diff = bootstrap_auc_diff(&current.model, &candidate.model, &recent, resamples, seed)
        .map_err(js_err)?;
    to_js(&BootstrapOut {
        reading: read_bootstrap(&diff, margin),
        margin,
        diff,
    })
}
