//! The chapter's three steps, computed end to end: register a model, detect input drift,
//! retrain and decide the promotion — the whole loop in its smallest form.
//!
//! The book prints three lines (`tests/fixtures/book_output.txt`):
//!
//! ```text
//! registered model 1.0.0 data=cf0f14ace53e AUC=0.714
//! input drift p=1.2e-19 -> retrain triggered: True
//! on recent data: current=0.703 candidate=0.706 -> promote: True
//! ```
//!
//! [`run_chapter`] recomputes every number (data, fingerprint, split, boosting, AUC, KS), decides
//! through the two gates of [`crate::gates`] and formats the lines as Python's `f"{x:.3f}"`,
//! `f"{p:.1e}"` and `str(bool)` do. This is the one computation of the chapter: the replay
//! through a registry ([`crate::orchestrator::record_chapter`]) records what it returns.

use serde::Serialize;

use crate::data::{make_data, Drift, Frame};
use crate::fingerprint::fingerprint;
use crate::fit_cache::FitCache;
use crate::gates::{FeatureTest, GateDecision, GateMetric, PromotionGate, RetrainGate};
use crate::gbm::GbmModel;
use crate::metrics::roc_auc;
use crate::pipeline::{held_out_auc, Trained, GBM_RANDOM_STATE};
use crate::stats::ks::{ks_2samp, KsMethod, KsResult};
use crate::stats::Correction;
use crate::{Error, Result};

/// One dataset of the chapter: `make_data(seed, drift)` with `rows` rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DataSpec {
    /// `np.random.default_rng(seed)`.
    pub seed: u128,
    /// Added to `days_since_login` (int keeps the column int64).
    #[serde(serialize_with = "drift_text")]
    pub drift: Drift,
    /// Number of rows.
    pub rows: usize,
}

fn drift_text<S: serde::Serializer>(d: &Drift, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

impl DataSpec {
    fn frame(&self) -> Result<Frame> {
        make_data(self.seed, self.drift, self.rows)
    }
}

/// What the chapter does; [`ChapterParams::default`] is the book.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChapterParams {
    /// Training data of the registered model (book: seed 1, drift 0.0, 3000 rows).
    pub reference: DataSpec,
    /// Live data compared with the reference by KS, and the candidate's training data
    /// (book: seed 2, drift 10).
    pub live: DataSpec,
    /// Recent labelled data both models are scored on (book: seed 3, drift 10, all rows).
    pub recent: DataSpec,
    /// Version of the registered model (book: "1.0.0").
    pub current_version: String,
    /// Version of the retrained candidate (book: "1.1.0").
    pub candidate_version: String,
    /// Retrain when the KS p-value is below this (book: 0.01).
    pub alpha: f64,
    /// Who decides whether a candidate is trained: gate 1 at `alpha` (the book), or a person
    /// who already decided to retrain (exercise 4's turn by hand).
    pub retrain: RetrainBy,
    /// Promote when `candidate_auc >= current_auc + margin` (book: 0.0), within [-1, 1].
    pub margin: f64,
}

impl Default for ChapterParams {
    fn default() -> Self {
        let spec = |seed, drift| DataSpec {
            seed,
            drift,
            rows: 3000,
        };
        ChapterParams {
            reference: spec(1, Drift::Float(0.0)),
            live: spec(2, Drift::Int(10)),
            recent: spec(3, Drift::Int(10)),
            current_version: "1.0.0".into(),
            candidate_version: "1.1.0".into(),
            // The book's gates, from their one home.
            alpha: RetrainGate::book().alpha,
            margin: PromotionGate::book().margin,
            retrain: RetrainBy::Gate,
        }
    }
}

/// Who decides whether the chapter trains a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetrainBy {
    /// Gate 1: a candidate when the KS p-value is below `alpha` (the book's run).
    #[default]
    Gate,
    /// A person decided to retrain, whatever the test says: the candidate is trained and
    /// judged by gate 2; gate 1 still tests and records its verdict (`retrain_gate`), which
    /// then decides nothing.
    Always,
}

/// A model trained the book's way and what the registry records about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    /// Its version string.
    pub version: String,
    /// `sha256(hash_pandas_object(df))[:12]` of its training frame.
    pub data_fingerprint: String,
    /// ROC AUC on its own held-out 25 %.
    pub auc: f64,
    /// sha256 of the model's canonical JSON.
    pub model_hash: String,
    /// The model.
    pub model: GbmModel,
}

/// Everything [`run_chapter`] computed.
#[derive(Debug, Clone, PartialEq)]
pub struct ChapterRun {
    /// The registered model (trained on the reference data).
    pub current: Registered,
    /// `ks_2samp(reference.days_since_login, live.days_since_login)`.
    pub ks: KsResult,
    /// Gate 1 on the KS test ([`RetrainGate`] at `alpha`, one feature, no correction), its
    /// evidence naming both datasets' fingerprints.
    pub retrain_gate: GateDecision,
    /// Whether a candidate was trained: `retrain_gate.decision` (`ks.pvalue < alpha`), or
    /// always with [`RetrainBy::Always`].
    pub retrain: bool,
    /// The retrained candidate (only when `retrain`).
    pub candidate: Option<Registered>,
    /// Current model's AUC on all recent rows (only when `retrain`).
    pub current_auc_recent: Option<f64>,
    /// Candidate's AUC on all recent rows (only when `retrain`).
    pub candidate_auc_recent: Option<f64>,
    /// Gate 2 on the recent rows ([`PromotionGate`] at `margin`), only when `retrain`.
    pub promotion_gate: Option<GateDecision>,
    /// `candidate_auc_recent >= current_auc_recent + margin`: `promotion_gate`'s decision (false
    /// when not retrained).
    pub promote: bool,
    /// What the same rule would decide on each model's AUC on its own test split (different
    /// rows for each model) instead of on the same recent data; `None` without a candidate. On
    /// the book's data the two verdicts disagree (exercise 3).
    pub promote_on_own_splits: Option<bool>,
    /// The printed lines, formatted as the book's Python does.
    pub lines: Vec<String>,
    /// The reference frame (the current model's training data).
    pub reference: Frame,
    /// The live frame (the candidate's training data).
    pub live: Frame,
}

impl ChapterRun {
    /// Whether the rule on each model's own test split decides otherwise than on the same recent
    /// rows (`promote_on_own_splits != promote`); `None` without a candidate.
    pub fn own_splits_disagree(&self) -> Option<bool> {
        self.promote_on_own_splits.map(|own| own != self.promote)
    }

    /// The printed output: the lines, each ending in a newline.
    pub fn text(&self) -> String {
        self.lines.iter().map(|l| format!("{l}\n")).collect()
    }
}

/// Train `GradientBoostingClassifier(random_state=42)` on the train 75 % of `df` and score its
/// test 25 % (`train_test_split(test_size=0.25, random_state=42)`); a fit of the same data made
/// before in this process comes from [`FitCache::shared`].
///
/// # Errors
/// Errors of the split, the fit (e.g. one class only) or the AUC.
pub fn train_registered(df: &Frame, version: &str) -> Result<Registered> {
    let Trained { model, auc } = FitCache::shared().train_book(df, GBM_RANDOM_STATE)?;
    Ok(registered(df, version, model, auc))
}

fn registered(df: &Frame, version: &str, model: GbmModel, auc: f64) -> Registered {
    Registered {
        version: version.to_string(),
        data_fingerprint: fingerprint(df).short,
        auc,
        model_hash: model.model_hash(),
        model,
    }
}

/// Models already fitted the book's way on the chapter's data, for [`run_chapter_with`] to use
/// instead of fitting them itself (the page fits the two in two workers at once).
#[derive(Debug, Clone, Default)]
pub struct Pretrained {
    /// `train_book(reference frame, 42).model`.
    pub current: Option<GbmModel>,
    /// `train_book(live frame, 42).model`.
    pub candidate: Option<GbmModel>,
}

/// Use `model` when given (its held-out AUC, fingerprint and hash computed here), else train.
fn register_or_train(df: &Frame, version: &str, model: Option<&GbmModel>) -> Result<Registered> {
    match model {
        Some(m) => Ok(registered(df, version, m.clone(), held_out_auc(df, m)?)),
        None => train_registered(df, version),
    }
}

/// Run the chapter: register, test drift, retrain and compare on recent data.
///
/// ```
/// use mlops_loop::chapter::{run_chapter, ChapterParams};
/// let run = run_chapter(&ChapterParams::default())?;
/// assert_eq!(run.lines[0], "registered model 1.0.0 data=cf0f14ace53e AUC=0.714");
/// assert_eq!(run.lines[1], "input drift p=1.2e-19 -> retrain triggered: True");
/// # Ok::<(), mlops_loop::Error>(())
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming `alpha` outside (0, 1) or `margin` outside [-1, 1]; errors of
/// `make_data`, the fit, the AUC or the KS test for unusable data.
pub fn run_chapter(params: &ChapterParams) -> Result<ChapterRun> {
    run_chapter_with(params, &Pretrained::default())
}

/// [`run_chapter`] with models fitted elsewhere: each given model is used as the caller's
/// promise that it is `train_book` of that frame (the result is then identical); a missing one is
/// fitted here.
///
/// # Errors
/// As [`run_chapter`].
pub fn run_chapter_with(params: &ChapterParams, pretrained: &Pretrained) -> Result<ChapterRun> {
    if !(params.alpha > 0.0 && params.alpha < 1.0) {
        return Err(Error::invalid("alpha", params.alpha, "must be in (0, 1)"));
    }
    if !(params.margin.is_finite() && params.margin.abs() <= 1.0) {
        return Err(Error::invalid(
            "margin",
            params.margin,
            "must be within [-1, 1]",
        ));
    }
    let reference = params.reference.frame()?;
    let current = register_or_train(
        &reference,
        &params.current_version,
        pretrained.current.as_ref(),
    )?;
    let mut lines = vec![format!(
        "registered model {} data={} AUC={}",
        current.version,
        current.data_fingerprint,
        py_format_f(current.auc, 3)
    )];

    let live = params.live.frame()?;
    let ks = ks_2samp(
        &reference.days_since_login().to_f64(),
        &live.days_since_login().to_f64(),
        KsMethod::Auto,
    )?;
    let mut retrain_gate = RetrainGate {
        alpha: params.alpha,
        correction: Correction::None,
    }
    .decide(&[FeatureTest {
        feature: "days_since_login".into(),
        pvalue: ks.pvalue,
        statistic: ks.statistic,
    }])?;
    retrain_gate.evidence.dataset = Some(format!(
        "reference {} vs live {}",
        current.data_fingerprint,
        fingerprint(&live).short
    ));
    let retrain = retrain_gate.decision || params.retrain == RetrainBy::Always;
    lines.push(format!(
        "input drift p={} -> retrain triggered: {}",
        py_format_e(ks.pvalue, 1),
        py_bool(retrain_gate.decision)
    ));

    let (mut candidate, mut cur_recent, mut cand_recent, mut promote) = (None, None, None, false);
    let (mut promotion_gate, mut promote_own) = (None, None);
    if retrain {
        let cand = register_or_train(
            &live,
            &params.candidate_version,
            pretrained.candidate.as_ref(),
        )?;
        let recent = params.recent.frame()?;
        let x = recent.features();
        let a_cur = roc_auc(recent.labels(), &current.model.predict_proba(&x)?)?;
        let a_cand = roc_auc(recent.labels(), &cand.model.predict_proba(&x)?)?;
        let gate = PromotionGate {
            metric: GateMetric::Auc,
            margin: params.margin,
        }
        .decide_scores(
            a_cur,
            a_cand,
            &format!(
                "make_data({}, {}) {}",
                params.recent.seed,
                params.recent.drift,
                fingerprint(&recent).short
            ),
        )?;
        promote = gate.decision;
        promotion_gate = Some(gate);
        // The same rule on the wrong evidence: each model's AUC on its own test split.
        promote_own = Some(crate::gates::promotes(cand.auc, current.auc, params.margin));
        lines.push(format!(
            "on recent data: current={} candidate={} -> promote: {}",
            py_format_f(a_cur, 3),
            py_format_f(a_cand, 3),
            py_bool(promote)
        ));
        candidate = Some(cand);
        cur_recent = Some(a_cur);
        cand_recent = Some(a_cand);
    }
    Ok(ChapterRun {
        current,
        ks,
        retrain_gate,
        retrain,
        candidate,
        current_auc_recent: cur_recent,
        candidate_auc_recent: cand_recent,
        promotion_gate,
        promote,
        promote_on_own_splits: promote_own,
        lines,
        reference,
        live,
    })
}

/// Python's `str(b)`: `True` / `False`.
pub fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// Python's `format(x, ".{prec}f")` (correctly rounded, half to even on the exact binary
/// value, as Rust's formatter also does).
///
/// ```
/// assert_eq!(mlops_loop::chapter::py_format_f(0.7135674911042409, 3), "0.714");
/// assert_eq!(mlops_loop::chapter::py_format_f(f64::INFINITY, 3), "inf");
/// ```
pub fn py_format_f(x: f64, prec: usize) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    format!("{x:.prec$}")
}

/// Python's `format(x, ".{prec}e")`: mantissa as Rust prints it, exponent with a sign and at
/// least two digits (`1.2e-19`, `5.0e-05`, `0.0e+00`).
///
/// ```
/// use mlops_loop::chapter::py_format_e;
/// assert_eq!(py_format_e(1.191647509223885e-19, 1), "1.2e-19");
/// assert_eq!(py_format_e(4.9e-5, 1), "4.9e-05");
/// assert_eq!(py_format_e(0.0, 1), "0.0e+00");
/// assert_eq!(py_format_e(123456.0, 2), "1.23e+05");
/// ```
pub fn py_format_e(x: f64, prec: usize) -> String {
    if !x.is_finite() {
        return py_format_f(x, prec);
    }
    let s = format!("{x:.prec$e}");
    match s.split_once('e') {
        Some((mant, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mant}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::train_book;

    #[test]
    fn pretrained_models_give_the_same_run() {
        let mut params = ChapterParams::default();
        for margin in [0.0, 0.02] {
            params.margin = margin;
            let plain = run_chapter(&params).unwrap();
            // The models as another worker sends them: fitted, then through their JSON.
            let fit = |spec: &DataSpec| {
                let m = train_book(&spec.frame().unwrap(), GBM_RANDOM_STATE)
                    .unwrap()
                    .model;
                GbmModel::from_json(&m.to_json()).unwrap()
            };
            let pre = Pretrained {
                current: Some(fit(&params.reference)),
                candidate: Some(fit(&params.live)),
            };
            let with = run_chapter_with(&params, &pre).unwrap();
            assert_eq!(with, plain);
            assert_eq!(with.current.auc.to_bits(), plain.current.auc.to_bits());
            let only_current = Pretrained {
                candidate: None,
                ..pre
            };
            assert_eq!(run_chapter_with(&params, &only_current).unwrap(), plain);
        }
    }

    #[test]
    fn book_output_is_reproduced() {
        let run = run_chapter(&ChapterParams::default()).expect("chapter");
        assert_eq!(
            run.text(),
            include_str!("../tests/fixtures/book_output.txt")
        );
        assert_eq!(run.current.auc.to_bits(), 0x3fe6_d58b_7db9_01ee);
        assert_eq!(run.ks.pvalue, 1.191647509223885e-19);
        assert_eq!(run.current_auc_recent, Some(0.7028904741980965));
        assert_eq!(run.candidate_auc_recent, Some(0.7061030609482354));
        let cand = run.candidate.expect("candidate");
        assert_eq!(cand.data_fingerprint, "d8f6e5f38cea");
        assert_eq!(cand.auc, 0.6879815407707847);
    }

    /// Exercise 3's "book case": judged each on its own test split the current model wins
    /// (0.714 against 0.688) and the rule keeps it; judged on the same recent rows the candidate
    /// wins (0.706 against 0.703) and the rule promotes it.
    #[test]
    fn own_splits_and_same_data_disagree_on_the_book() {
        let run = run_chapter(&ChapterParams::default()).expect("chapter");
        let cand = run.candidate.as_ref().expect("candidate");
        assert!(cand.auc < run.current.auc);
        assert_eq!(run.promote_on_own_splits, Some(false));
        assert!(run.promote);
        assert_eq!(run.own_splits_disagree(), Some(true));
        // without a candidate there is nothing to disagree on
        let mut p = ChapterParams::default();
        p.live = p.reference;
        assert_eq!(
            run_chapter(&p).expect("no drift").own_splits_disagree(),
            None
        );
    }

    /// The walkthrough's step 1: another training seed gives another fingerprint and another
    /// AUC, not another version number; the same seed gives the same bits.
    #[test]
    fn a_new_seed_changes_fingerprint_and_auc_not_the_version() {
        let book = run_chapter(&ChapterParams::default()).expect("book");
        let mut p = ChapterParams::default();
        p.reference.seed = 7;
        let other = run_chapter(&p).expect("seed 7");
        assert_eq!(other.current.version, book.current.version);
        assert_ne!(
            other.current.data_fingerprint,
            book.current.data_fingerprint
        );
        assert_ne!(other.current.auc, book.current.auc);
        let again = run_chapter(&p).expect("seed 7 again");
        assert_eq!(again.current.model_hash, other.current.model_hash);
        assert_eq!(again.current.auc.to_bits(), other.current.auc.to_bits());
    }

    #[test]
    fn no_drift_no_candidate() {
        let mut p = ChapterParams::default();
        p.live = p.reference;
        let run = run_chapter(&p).expect("chapter");
        assert!(!run.retrain && run.candidate.is_none() && !run.promote);
        assert_eq!(run.lines.len(), 2);
        assert_eq!(
            run.lines[1],
            "input drift p=1.0e+00 -> retrain triggered: False"
        );
    }

    /// A person's decision to retrain trains the candidate even where no alpha below 1 would
    /// (p = 1: the live data is the reference); gate 1's verdict is still recorded, and gate 2
    /// judges the candidate as in the book.
    #[test]
    fn retrain_always_trains_where_gate_1_would_not() {
        let mut p = ChapterParams::default();
        p.live = p.reference;
        p.retrain = RetrainBy::Always;
        let run = run_chapter(&p).expect("chapter");
        assert_eq!(run.ks.pvalue, 1.0);
        assert!(!run.retrain_gate.decision);
        assert!(run.retrain);
        let cand = run.candidate.as_ref().expect("a candidate");
        // trained on the same rows as the current model, the book's way: the same model
        assert_eq!(cand.model_hash, run.current.model_hash);
        assert_eq!(run.current_auc_recent, run.candidate_auc_recent);
        // equal AUCs at margin 0 promote (the promotion rule)
        assert!(run.promote && run.promotion_gate.as_ref().expect("gate 2").decision);
        assert_eq!(run.lines.len(), 3);
        assert_eq!(
            run.lines[1],
            "input drift p=1.0e+00 -> retrain triggered: False"
        );
        // on the book's data the person and the gate agree, bit for bit
        let book = run_chapter(&ChapterParams::default()).expect("book");
        let by_hand = run_chapter(&ChapterParams {
            retrain: RetrainBy::Always,
            ..ChapterParams::default()
        })
        .expect("by hand");
        assert_eq!(by_hand.lines, book.lines);
    }

    #[test]
    fn python_formatting_ties_and_exponents() {
        // Python: format(0.125, '.2f') == '0.12', format(0.375, '.2f') == '0.38',
        // format(2.5, '.0e') == '2e+00', format(-1.5e-300, '.1e') == '-1.5e-300'.
        assert_eq!(py_format_f(0.125, 2), "0.12");
        assert_eq!(py_format_f(0.375, 2), "0.38");
        assert_eq!(py_format_e(2.5, 0), "2e+00");
        assert_eq!(py_format_e(-1.5e-300, 1), "-1.5e-300");
        assert_eq!(py_bool(false), "False");
    }

    #[test]
    fn rejects_bad_alpha() {
        let p = ChapterParams {
            alpha: 1.5,
            ..ChapterParams::default()
        };
        assert!(matches!(
            run_chapter(&p),
            Err(Error::Invalid { field: "alpha", .. })
        ));
    }
}
