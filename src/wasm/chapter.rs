//! The walkthrough: `chapter` (the chapter's three steps, computed) and `trainModel` (one of its
//! two fits, for a second worker).

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::{count, drift_of, from_js, js_err, jserr, parse_seed, to_js};
use crate::chapter::{
    run_chapter_with, ChapterParams, DataSpec, Pretrained, Registered, RetrainBy,
};
use crate::data::make_data;
use crate::fit_cache::FitCache;
use crate::gbm::GbmModel;
use crate::pipeline::GBM_RANDOM_STATE;
use crate::stats::ks::KsMethod;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChapterJs {
    seed_train: Option<String>,
    drift_train: Option<String>,
    seed_live: Option<String>,
    drift_live: Option<String>,
    seed_recent: Option<String>,
    drift_recent: Option<String>,
    rows: Option<f64>,
    alpha: Option<f64>,
    margin: Option<f64>,
    /// Who decides whether a candidate is trained: `"gate"` (gate 1 at alpha, the default) or
    /// `"always"` (a person decided to retrain: `RetrainBy::Always`).
    retrain: Option<RetrainBy>,
    /// A model from `trainModel` on the reference data, used instead of fitting it here.
    current_model: Option<String>,
    /// A model from `trainModel` on the live data, used instead of fitting it here.
    candidate_model: Option<String>,
}

#[derive(serde::Serialize)]
struct RegisteredJs {
    version: String,
    fingerprint: String,
    auc: f64,
    model_hash: String,
}

impl From<&Registered> for RegisteredJs {
    fn from(r: &Registered) -> Self {
        RegisteredJs {
            version: r.version.clone(),
            fingerprint: r.data_fingerprint.clone(),
            auc: r.auc,
            model_hash: r.model_hash.clone(),
        }
    }
}

#[derive(serde::Serialize)]
struct KsJs {
    statistic: f64,
    pvalue: f64,
    method: KsMethod,
}

#[derive(serde::Serialize)]
struct ChapterRunJs {
    lines: Vec<String>,
    registered: RegisteredJs,
    ks: KsJs,
    /// Gate 1's verdict (`ks.pvalue < alpha`).
    retrain_gate: bool,
    /// Whether a candidate was trained (gate 1's verdict, or always with `retrain: "always"`).
    retrain: bool,
    candidate: Option<RegisteredJs>,
    current_auc_recent: Option<f64>,
    candidate_auc_recent: Option<f64>,
    /// Candidate AUC − current AUC on the recent data (when there is a candidate).
    candidate_minus_current: Option<f64>,
    promote: bool,
    promote_on_own_splits: Option<bool>,
    /// Whether the two kinds of evidence give opposite verdicts (`ChapterRun::own_splits_disagree`).
    own_splits_disagree: Option<bool>,
    /// The alpha gate 1 decided with and the margin gate 2 decided with.
    alpha: f64,
    margin: f64,
}

/// The chapter's three steps, computed: register a model, test the live inputs for drift and
/// retrain, promote the candidate if it is at least as good on the same recent data. With no
/// arguments the lines are the book's, byte for byte.
#[wasm_bindgen]
pub fn chapter(params: JsValue) -> Result<JsValue, JsError> {
    let p: ChapterJs = from_js("chapter params", params)?;
    // What is not given is the book's (ChapterParams::default, the one home of these values).
    let book = ChapterParams::default();
    let rows = count(
        "rows",
        p.rows.unwrap_or(book.reference.rows as f64),
        4,
        crate::data::MAX_ROWS,
    )?;
    let spec =
        |field: &'static str, seed: &Option<String>, drift: &Option<String>, book: &DataSpec| {
            Ok::<_, JsError>(DataSpec {
                seed: match seed {
                    Some(s) => parse_seed(s)?,
                    None => book.seed,
                },
                drift: match drift {
                    Some(d) => drift_of(field, d)?,
                    None => book.drift,
                },
                rows,
            })
        };
    let params = ChapterParams {
        reference: spec(
            "drift_train",
            &p.seed_train,
            &p.drift_train,
            &book.reference,
        )?,
        live: spec("drift_live", &p.seed_live, &p.drift_live, &book.live)?,
        recent: spec(
            "drift_recent",
            &p.seed_recent,
            &p.drift_recent,
            &book.recent,
        )?,
        alpha: p.alpha.unwrap_or(book.alpha),
        margin: p.margin.unwrap_or(book.margin),
        retrain: p.retrain.unwrap_or(book.retrain),
        ..book
    };
    let model = |field: &'static str, json: &Option<String>| {
        json.as_deref()
            .map(|text| {
                GbmModel::from_json(text)
                    .map_err(|e| jserr(format!("{field}: not a model from trainModel ({e})")))
            })
            .transpose()
    };
    let pretrained = Pretrained {
        current: model("current_model", &p.current_model)?,
        candidate: model("candidate_model", &p.candidate_model)?,
    };
    let run = run_chapter_with(&params, &pretrained).map_err(js_err)?;
    to_js(&ChapterRunJs {
        lines: run.lines.clone(),
        registered: (&run.current).into(),
        ks: KsJs {
            statistic: run.ks.statistic,
            pvalue: run.ks.pvalue,
            method: run.ks.method_used,
        },
        retrain_gate: run.retrain_gate.decision,
        retrain: run.retrain,
        candidate: run.candidate.as_ref().map(Into::into),
        current_auc_recent: run.current_auc_recent,
        candidate_auc_recent: run.candidate_auc_recent,
        candidate_minus_current: run
            .candidate_auc_recent
            .zip(run.current_auc_recent)
            .map(|(candidate, current)| candidate - current),
        promote: run.promote,
        promote_on_own_splits: run.promote_on_own_splits,
        own_splits_disagree: run.own_splits_disagree(),
        alpha: params.alpha,
        margin: params.margin,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainModelJs {
    seed: Option<String>,
    drift: Option<String>,
    rows: Option<f64>,
}

/// Fit the book's model on `make_data(seed, drift, rows)` (`train_book`: the 75 % split,
/// `random_state=42`) and return it as JSON: what `chapter` takes as `current_model` /
/// `candidate_model`, so that a second worker can fit one of the chapter's two models meanwhile.
/// A fit this worker made before is not made again (`FitCache::shared`).
#[wasm_bindgen(js_name = trainModel)]
pub fn train_model(params: JsValue) -> Result<String, JsError> {
    let p: TrainModelJs = from_js("trainModel params", params)?;
    // An omitted key is the book's reference sample's.
    let book = ChapterParams::default().reference;
    let spec = DataSpec {
        seed: match &p.seed {
            Some(s) => parse_seed(s)?,
            None => book.seed,
        },
        drift: match &p.drift {
            Some(d) => drift_of("drift", d)?,
            None => book.drift,
        },
        rows: count(
            "rows",
            p.rows.unwrap_or(book.rows as f64),
            4,
            crate::data::MAX_ROWS,
        )?,
    };
    let df = make_data(spec.seed, spec.drift, spec.rows).map_err(js_err)?;
    Ok(FitCache::shared()
        .train_book(&df, GBM_RANDOM_STATE)
        .map_err(js_err)?
        .model
        .to_json())
}
