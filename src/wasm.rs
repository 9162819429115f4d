//! The JavaScript boundary (wasm32 only): the one file besides `registry/idb.rs` that names
//! `wasm_bindgen`.
//!
//! Big data stays in Rust; JS gets small results. Every error becomes a `JsError` whose message
//! says what and why; nothing reachable from here may panic (a trap would kill the module for the
//! rest of the page).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::data::{make_data, Drift};
use crate::fingerprint::fingerprint;
use crate::registry::idb::IdbStore;

/// Parse a seed given as decimal text (JS numbers lose precision beyond 2^53; seeds may exceed 2^64).
fn parse_seed(text: &str) -> Result<u128, JsError> {
    crate::pipeline::parse_seed(text).map_err(js_err)
}

fn js_err(e: crate::Error) -> JsError {
    jserr(e.to_string())
}

/// A `JsError` with at most ~300 characters of message: serde quotes the offending input, and a
/// pasted 100 kB value must not come back as a 100 kB message.
fn jserr(text: impl Into<String>) -> JsError {
    let text: String = text.into();
    if text.chars().count() <= 300 {
        return JsError::new(&text);
    }
    let cut: String = text.chars().take(300).collect();
    JsError::new(&format!("{cut}… (message cut at 300 characters)"))
}

/// The 12-hex data fingerprint (`sha256(hash_pandas_object(df))[:12]`) of `make_data(seed, drift, rows)`.
/// `drift` is a Python literal: `"10"` keeps days int64, `"10.0"` makes them float64.
#[wasm_bindgen(js_name = dataFingerprint)]
pub fn data_fingerprint(seed: &str, drift: &str, rows: u32) -> Result<String, JsError> {
    let seed = parse_seed(seed)?;
    let drift = Drift::parse(drift).map_err(js_err)?;
    let df = make_data(seed, drift, rows as usize).map_err(js_err)?;
    Ok(fingerprint(&df).short)
}

/// The crate version and build id, e.g. `0.1.0`.
#[wasm_bindgen]
pub fn version() -> String {
    crate::build_id()
}

/// A byte-level key–value store in IndexedDB, the path the registry takes (text values here).
#[wasm_bindgen]
pub struct KvStore {
    inner: IdbStore,
}

#[wasm_bindgen]
impl KvStore {
    /// Open (or create) the IndexedDB database `name`.
    pub async fn open(name: String) -> Result<KvStore, JsValue> {
        if name.is_empty() || name.len() > 200 {
            return Err(jserr(format!(
                "invalid database name (length {}): must be 1 to 200 characters",
                name.len()
            ))
            .into());
        }
        Ok(KvStore {
            inner: IdbStore::open(&name).await?,
        })
    }

    /// Store a text value under `key`; resolves once committed.
    #[wasm_bindgen(js_name = putText)]
    pub async fn put_text(&self, key: String, value: String) -> Result<(), JsValue> {
        self.inner.put(&key, value.as_bytes()).await
    }

    /// Read the text value under `key`, or `undefined`.
    #[wasm_bindgen(js_name = getText)]
    pub async fn get_text(&self, key: String) -> Result<Option<String>, JsValue> {
        match self.inner.get(&key).await? {
            None => Ok(None),
            Some(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| jserr(format!("record {key:?} is corrupt: not UTF-8 text")).into()),
        }
    }

    /// Delete the value under `key`.
    pub async fn delete(&self, key: String) -> Result<(), JsValue> {
        self.inner.delete(&key).await
    }

    /// Close the connection.
    pub fn close(&self) {
        self.inner.close();
    }
}

// ---------------------------------------------------------------- experiments (exercises 2 and 3)

use crate::experiments::{
    bootstrap_auc_diff, column, drift_trials, promotion_trials, Correction, DriftTrialsParams,
    PromotionTrialsParams,
};
use crate::pipeline::train_book;
use crate::stats::ks::{ks_2samp, KsMethod};
use serde::Deserialize;

/// Read a plain JS object into `T`; unknown keys are errors (a typo must not silently use a default).
fn from_js<T: for<'de> Deserialize<'de>>(what: &str, v: JsValue) -> Result<T, JsError> {
    if v.is_undefined() || v.is_null() {
        return serde_json::from_str("{}").map_err(|e| jserr(format!("invalid {what}: {e}")));
    }
    reject_non_finite(what, &v, 0)?;
    // Through a JSON value, so that `deny_unknown_fields` sees every key (serde-wasm-bindgen
    // reads only the known fields of a struct).
    let json: serde_json::Value =
        serde_wasm_bindgen::from_value(v).map_err(|e| jserr(format!("invalid {what}: {e}")))?;
    serde_json::from_value(json).map_err(|e| jserr(format!("invalid {what}: {e}")))
}

/// NaN and ±infinity have no JSON form (they would silently become defaults): reject them by
/// name. Nesting deeper than 8 levels is rejected too (no parameter object is that deep).
fn reject_non_finite(path: &str, v: &JsValue, depth: usize) -> Result<(), JsError> {
    if depth > 8 {
        return Err(jserr(format!("invalid {path}: nested too deeply")));
    }
    if let Some(x) = v.as_f64() {
        if !x.is_finite() {
            return Err(jserr(format!(
                "invalid {path} = {x}: must be a finite number"
            )));
        }
    } else if v.is_object() {
        for entry in js_sys::Object::entries(v.unchecked_ref()).iter() {
            let pair = js_sys::Array::from(&entry);
            let key = pair.get(0).as_string().unwrap_or_default();
            reject_non_finite(&format!("{path}.{key}"), &pair.get(1), depth + 1)?;
        }
    }
    Ok(())
}

fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| jserr(format!("could not return the result: {e}")))
}

/// A JS number that must be a whole count in `[min, max]`.
fn count(field: &'static str, v: f64, min: usize, max: usize) -> Result<usize, JsError> {
    if !(v.is_finite() && v.fract() == 0.0 && v >= min as f64 && v <= max as f64) {
        return Err(jserr(format!(
            "invalid {field} = {v}: must be a whole number between {min} and {max}"
        )));
    }
    Ok(v as usize)
}

fn drift_of(field: &'static str, text: &str) -> Result<Drift, JsError> {
    Drift::parse(text).map_err(|e| jserr(e.to_string().replacen("drift", field, 1)))
}

/// One sample's recipe: `make_data(seed, drift, rows)`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SampleSpec {
    seed: Option<String>,
    drift: Option<String>,
    rows: Option<f64>,
}

impl SampleSpec {
    fn frame(&self, name: &'static str) -> Result<crate::data::Frame, JsError> {
        let seed = parse_seed(self.seed.as_deref().unwrap_or("1"))?;
        let drift = drift_of(name, self.drift.as_deref().unwrap_or("0.0"))?;
        let rows = count(
            "rows",
            self.rows.unwrap_or(3000.0),
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
    a: Vec<f64>,
    b: Vec<f64>,
}

/// Two-sample KS test of one column of two generated samples, with both samples sorted (for
/// ECDF charts). `a`, `b`: `{seed, drift, rows}`; `column`: a feature name.
#[wasm_bindgen(js_name = ksSamples)]
pub fn ks_samples(a: JsValue, b: JsValue, column_name: &str) -> Result<JsValue, JsError> {
    let sa: SampleSpec = from_js("a", a)?;
    let sb: SampleSpec = from_js("b", b)?;
    let mut xa = column(&sa.frame("a.drift")?, column_name).map_err(js_err)?;
    let mut xb = column(&sb.frame("b.drift")?, column_name).map_err(js_err)?;
    let r = ks_2samp(&xa, &xb, KsMethod::Auto).map_err(js_err)?;
    xa.sort_by(f64::total_cmp);
    xb.sort_by(f64::total_cmp);
    to_js(&KsSamples {
        statistic: r.statistic,
        pvalue: r.pvalue,
        method: r.method_used,
        location: r.statistic_location,
        sign: r.statistic_sign,
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
    let params = DriftTrialsParams {
        n: count("n", p.n.unwrap_or(3000.0), 2, crate::data::MAX_ROWS)?,
        drift: drift_of("drift", p.drift.as_deref().unwrap_or("0"))?,
        trials: count("trials", p.trials.unwrap_or(100.0), 1, max)?,
        start: count("start", p.start.unwrap_or(0.0), 0, 1 << 30)?,
        alpha: p.alpha.unwrap_or(0.01),
        seed: parse_seed(p.seed.as_deref().unwrap_or("0"))?,
        correction: Correction::parse(p.correction.as_deref().unwrap_or("none")).map_err(js_err)?,
    };
    to_js(&drift_trials(&params).map_err(js_err)?)
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
}

/// Run the promotion gate on candidates that are no better than production; see
/// [`crate::experiments::promotion_trials`].
#[wasm_bindgen(js_name = promotionTrials)]
pub fn promotion_trials_js(params: JsValue) -> Result<JsValue, JsError> {
    let p: PromotionTrialsJs = from_js("promotionTrials params", params)?;
    let max = crate::experiments::MAX_TRIALS_PER_CALL;
    let params = PromotionTrialsParams {
        rounds: count("rounds", p.rounds.unwrap_or(20.0), 1, max)?,
        start: count("start", p.start.unwrap_or(0.0), 0, 1 << 31)?,
        rows: count("rows", p.rows.unwrap_or(3000.0), 2, crate::data::MAX_ROWS)?,
        margin: p.margin.unwrap_or(0.0),
        same_data: p.same_data.unwrap_or(true),
        seed: parse_seed(p.seed.as_deref().unwrap_or("0"))?,
    };
    to_js(&promotion_trials(&params).map_err(js_err)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BootstrapJs {
    current: Option<SampleSpec>,
    candidate: Option<SampleSpec>,
    recent: Option<SampleSpec>,
    resamples: Option<f64>,
    seed: Option<String>,
}

/// Paired bootstrap interval of AUC(candidate) − AUC(current) on the same recent rows. Defaults
/// are the chapter's: current on seed 1 drift 0.0, candidate on seed 2 drift 10, recent seed 3
/// drift 10.
#[wasm_bindgen(js_name = bootstrapAucDiff)]
pub fn bootstrap_auc_diff_js(params: JsValue) -> Result<JsValue, JsError> {
    let p: BootstrapJs = from_js("bootstrapAucDiff params", params)?;
    let spec = |s: Option<SampleSpec>, seed: &str, drift: &str| {
        s.unwrap_or(SampleSpec {
            seed: Some(seed.into()),
            drift: Some(drift.into()),
            rows: None,
        })
    };
    let current =
        train_book(&spec(p.current, "1", "0.0").frame("current.drift")?, 42).map_err(js_err)?;
    let candidate =
        train_book(&spec(p.candidate, "2", "10").frame("candidate.drift")?, 42).map_err(js_err)?;
    let recent = spec(p.recent, "3", "10").frame("recent.drift")?;
    let resamples = count("resamples", p.resamples.unwrap_or(1000.0), 1, 100_000)?;
    let seed = parse_seed(p.seed.as_deref().unwrap_or("0"))?;
    to_js(
        &bootstrap_auc_diff(&current.model, &candidate.model, &recent, resamples, seed)
            .map_err(js_err)?,
    )
}

// ---------------------------------------------------------------- the chapter (walkthrough)

use crate::chapter::{run_chapter_with, ChapterParams, DataSpec, Pretrained, Registered};
use crate::gbm::GbmModel;

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
    retrain: bool,
    candidate: Option<RegisteredJs>,
    current_auc_recent: Option<f64>,
    candidate_auc_recent: Option<f64>,
    promote: bool,
}

/// The chapter's three steps, computed: register a model, test the live inputs for drift and
/// retrain, promote the candidate if it is at least as good on the same recent data. With no
/// arguments the lines are the book's, byte for byte.
#[wasm_bindgen]
pub fn chapter(params: JsValue) -> Result<JsValue, JsError> {
    let p: ChapterJs = from_js("chapter params", params)?;
    let rows = count("rows", p.rows.unwrap_or(3000.0), 4, crate::data::MAX_ROWS)?;
    let spec = |field: &'static str,
                seed: &Option<String>,
                dseed: &str,
                drift: &Option<String>,
                ddrift: &str| {
        Ok::<_, JsError>(DataSpec {
            seed: parse_seed(seed.as_deref().unwrap_or(dseed))?,
            drift: drift_of(field, drift.as_deref().unwrap_or(ddrift))?,
            rows,
        })
    };
    let params = ChapterParams {
        reference: spec("drift_train", &p.seed_train, "1", &p.drift_train, "0.0")?,
        live: spec("drift_live", &p.seed_live, "2", &p.drift_live, "10")?,
        recent: spec("drift_recent", &p.seed_recent, "3", &p.drift_recent, "10")?,
        alpha: p.alpha.unwrap_or(0.01),
        margin: p.margin.unwrap_or(0.0),
        ..ChapterParams::default()
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
        retrain: run.retrain,
        candidate: run.candidate.as_ref().map(Into::into),
        current_auc_recent: run.current_auc_recent,
        candidate_auc_recent: run.candidate_auc_recent,
        promote: run.promote,
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
#[wasm_bindgen(js_name = trainModel)]
pub fn train_model(params: JsValue) -> Result<String, JsError> {
    let p: TrainModelJs = from_js("trainModel params", params)?;
    let spec = DataSpec {
        seed: parse_seed(p.seed.as_deref().unwrap_or("1"))?,
        drift: drift_of("drift", p.drift.as_deref().unwrap_or("0.0"))?,
        rows: count("rows", p.rows.unwrap_or(3000.0), 4, crate::data::MAX_ROWS)?,
    };
    let df = make_data(spec.seed, spec.drift, spec.rows).map_err(js_err)?;
    Ok(train_book(&df, 42).map_err(js_err)?.model.to_json())
}

// ---------------------------------------------------------------- the registry on IndexedDB

#[cfg(feature = "loop-exports")]
use crate::pipeline::{rederive, train_for_registry, Recipe};
#[cfg(feature = "loop-exports")]
use crate::registry::{Actor, Cause, Registry as CoreRegistry, Stage};

#[cfg(feature = "loop-exports")]
fn version_arg(v: f64) -> Result<u32, JsError> {
    count("version", v, 1, u32::MAX as usize).map(|v| v as u32)
}

#[cfg(feature = "loop-exports")]
fn user_cause(reason: Option<String>) -> Cause {
    let reason = reason
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "by hand in the registry panel".to_string());
    Cause::new(Actor::User, reason, js_sys::Date::now())
}

#[cfg(feature = "loop-exports")]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterJs {
    seed: Option<String>,
    drift: Option<String>,
    rows: Option<f64>,
    label: String,
}

#[cfg(feature = "loop-exports")]
#[derive(serde::Serialize)]
struct VersionJs {
    version: u32,
    label: String,
    stage: Stage,
    aliases: Vec<String>,
    model_hash: String,
    model_bytes: usize,
    lineage: crate::registry::Lineage,
    metrics: Vec<crate::registry::Metric>,
    created_at: f64,
}

/// The model registry, stored in this browser's IndexedDB (survives reloads; shared by tabs).
#[cfg(feature = "loop-exports")]
#[wasm_bindgen]
pub struct Registry {
    inner: CoreRegistry<AnyStore>,
    persistent: bool,
}

/// The registry's medium in the browser: IndexedDB, or memory when the browser refuses storage
/// (private mode, storage disabled or full) — the page then says so and offers export.
#[cfg(feature = "loop-exports")]
#[derive(Clone)]
enum AnyStore {
    Idb(IdbStore),
    Mem(crate::registry::MemStore),
}

#[cfg(feature = "loop-exports")]
impl crate::registry::Store for AnyStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, crate::registry::StoreError> {
        match self {
            AnyStore::Idb(s) => crate::registry::Store::get(s, key).await,
            AnyStore::Mem(s) => s.get(key).await,
        }
    }
    async fn keys(&self, prefix: &str) -> Result<Vec<String>, crate::registry::StoreError> {
        match self {
            AnyStore::Idb(s) => crate::registry::Store::keys(s, prefix).await,
            AnyStore::Mem(s) => s.keys(prefix).await,
        }
    }
    async fn commit(
        &self,
        batch: crate::registry::Batch,
    ) -> Result<(), crate::registry::StoreError> {
        match self {
            AnyStore::Idb(s) => s.commit(batch).await,
            AnyStore::Mem(s) => s.commit(batch).await,
        }
    }
}

#[cfg(feature = "loop-exports")]
#[wasm_bindgen]
impl Registry {
    /// Open (or create) the registry in the IndexedDB database `name`.
    pub async fn open(name: String) -> Result<Registry, JsValue> {
        if name.is_empty() || name.len() > 200 {
            return Err(JsError::new("invalid registry name: must be 1 to 200 characters").into());
        }
        let store = IdbStore::open(&name).await?;
        let inner = CoreRegistry::open(AnyStore::Idb(store))
            .await
            .map_err(js_err)?;
        Ok(Registry {
            inner,
            persistent: true,
        })
    }

    /// A registry kept in memory only (lost on reload): the fallback when `open` fails because
    /// the browser refuses storage. Export it to keep it.
    #[wasm_bindgen(js_name = openInMemory)]
    pub async fn open_in_memory() -> Result<Registry, JsValue> {
        let store = AnyStore::Mem(crate::registry::MemStore::new());
        let inner = CoreRegistry::open(store).await.map_err(js_err)?;
        Ok(Registry {
            inner,
            persistent: false,
        })
    }

    /// Whether this registry survives a reload (IndexedDB) or lives in memory only.
    #[wasm_bindgen(getter)]
    pub fn persistent(&self) -> bool {
        self.persistent
    }

    /// A counter that changes with every write (poll it to notice another tab's changes).
    pub async fn revision(&self) -> Result<f64, JsError> {
        self.inner
            .revision()
            .await
            .map(|r| r as f64)
            .map_err(js_err)
    }

    /// Every version: number, label, stage, aliases, hash, lineage and metrics (not the model).
    pub async fn list(&self) -> Result<JsValue, JsError> {
        let listing = self.inner.list().await.map_err(js_err)?;
        let mut out = Vec::with_capacity(listing.len());
        for l in listing {
            let v = self.inner.get(l.version).await.map_err(js_err)?;
            out.push(VersionJs {
                version: l.version,
                label: l.label,
                stage: l.stage,
                aliases: l.aliases,
                model_hash: v.model_hash,
                model_bytes: v.model_json.len(),
                lineage: v.lineage,
                metrics: v.metrics,
                created_at: v.created_at,
            });
        }
        to_js(&out)
    }

    /// The append-only history, oldest first.
    pub async fn history(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.history().await.map_err(js_err)?)
    }

    /// The production version, or `undefined`.
    pub async fn production(&self) -> Result<Option<u32>, JsError> {
        self.inner.production().await.map_err(js_err)
    }

    /// Which version was in production at time `t` (ms), from the history.
    #[wasm_bindgen(js_name = productionAt)]
    pub async fn production_at(&self, t: f64) -> Result<Option<u32>, JsError> {
        self.inner.production_at(t).await.map_err(js_err)
    }

    /// Train the book's model on `{seed, drift, rows}` and register it as `label`.
    #[wasm_bindgen(js_name = registerTrained)]
    pub async fn register_trained(&self, params: JsValue) -> Result<u32, JsError> {
        let p: RegisterJs = from_js("registerTrained params", params)?;
        let recipe = Recipe {
            seed: p.seed.unwrap_or_else(|| "1".into()),
            drift: p.drift.unwrap_or_else(|| "0.0".into()),
            rows: count("rows", p.rows.unwrap_or(3000.0), 4, crate::data::MAX_ROWS)?,
        };
        let new = train_for_registry(&recipe, &p.label).map_err(js_err)?;
        let cause = user_cause(Some(format!(
            "trained on seed {} drift {}",
            recipe.seed, recipe.drift
        )));
        self.inner.register(&new, &cause).await.map_err(js_err)
    }

    /// Promote `version` to Production (the old one is archived in the same transaction).
    pub async fn promote(&self, version: f64, reason: Option<String>) -> Result<JsValue, JsError> {
        let e = self
            .inner
            .promote(version_arg(version)?, &user_cause(reason))
            .await
            .map_err(js_err)?;
        to_js(&e)
    }

    /// Move `version` to `stage` (`None`, `Staging`, `Archived`).
    pub async fn transition(
        &self,
        version: f64,
        stage: String,
        reason: Option<String>,
    ) -> Result<JsValue, JsError> {
        let stage = Stage::parse(&stage).map_err(js_err)?;
        let e = self
            .inner
            .transition(version_arg(version)?, stage, &user_cause(reason))
            .await
            .map_err(js_err)?;
        to_js(&e)
    }

    /// Return production to the previous production version.
    pub async fn rollback(&self, reason: Option<String>) -> Result<JsValue, JsError> {
        to_js(
            &self
                .inner
                .rollback(&user_cause(reason))
                .await
                .map_err(js_err)?,
        )
    }

    /// Point alias `name` at `version`.
    #[wasm_bindgen(js_name = setAlias)]
    pub async fn set_alias(&self, name: String, version: f64) -> Result<JsValue, JsError> {
        let e = self
            .inner
            .set_alias(&name, version_arg(version)?, &user_cause(None))
            .await
            .map_err(js_err)?;
        to_js(&e)
    }

    /// Remove alias `name`.
    #[wasm_bindgen(js_name = removeAlias)]
    pub async fn remove_alias(&self, name: String) -> Result<JsValue, JsError> {
        to_js(
            &self
                .inner
                .remove_alias(&name, &user_cause(None))
                .await
                .map_err(js_err)?,
        )
    }

    /// Retrain `version` from its lineage and compare data fingerprint and model hash.
    pub async fn rederive(&self, version: f64) -> Result<JsValue, JsError> {
        let v = self
            .inner
            .get(version_arg(version)?)
            .await
            .map_err(js_err)?;
        to_js(&rederive(&v).map_err(js_err)?)
    }

    /// The whole registry as JSON text.
    #[wasm_bindgen(js_name = exportJson)]
    pub async fn export_json(&self) -> Result<String, JsError> {
        self.inner.export_json().await.map_err(js_err)
    }

    /// Replace the registry with an export, validated in full first (a rejected import changes
    /// nothing). Returns `{versions, events}`.
    #[wasm_bindgen(js_name = importJson)]
    pub async fn import_json(&self, text: String) -> Result<JsValue, JsError> {
        let s = self.inner.import_json(&text).await.map_err(js_err)?;
        to_js(&serde_json::json!({ "versions": s.versions, "events": s.events }))
    }

    /// Erase every record of this registry.
    pub async fn erase(&self) -> Result<(), JsError> {
        self.inner.erase_all().await.map_err(js_err)
    }
}

// ---------------------------------------------------------------- the loop over simulated weeks

#[cfg(feature = "loop-exports")]
use crate::orchestrator::{run as run_loop_core, run_and_rederive, LoopParams, Schedule};

/// Run the whole loop over simulated weeks and return its timeline (per week: the live version,
/// the drift evidence, the AUC once labels arrive, every decision with its evidence).
///
/// `params` is [`LoopParams`] as a plain object (snake_case keys, every key optional);
/// `schedule` may be a name (`"none"`, `"step"`, `"gradual"`, `"seasonal"`, `"broken_feature"`)
/// or an object `{kind, ...}`. The same parameters give the same timeline, natively and here.
#[cfg(feature = "loop-exports")]
#[wasm_bindgen(js_name = runLoop)]
pub fn run_loop(params: JsValue) -> Result<JsValue, JsError> {
    let mut json: serde_json::Value = if params.is_undefined() || params.is_null() {
        serde_json::json!({})
    } else {
        reject_non_finite("runLoop params", &params, 0)?;
        serde_wasm_bindgen::from_value(params)
            .map_err(|e| jserr(format!("invalid runLoop params: {e}")))?
    };
    // `rederive: true` (not a loop parameter): also rebuild every registered version from its
    // lineage and add `rederivations: [{version, label, data_matches, recorded_hash,
    // rederived_hash, seeded, matches}]` to the timeline.
    let rederive = match json.as_object_mut().and_then(|o| o.remove("rederive")) {
        None => false,
        Some(serde_json::Value::Bool(b)) => b,
        Some(other) => {
            return Err(jserr(format!(
                "invalid rederive = {other}: expected true or false"
            )))
        }
    };
    if let Some(name) = json
        .get("schedule")
        .and_then(|s| s.as_str())
        .map(str::to_owned)
    {
        let schedule = Schedule::parse(&name).map_err(js_err)?;
        json["schedule"] =
            serde_json::to_value(schedule).map_err(|e| jserr(format!("invalid schedule: {e}")))?;
    }
    let p: LoopParams =
        serde_json::from_value(json).map_err(|e| jserr(format!("invalid runLoop params: {e}")))?;
    p.check().map_err(js_err)?;
    if !rederive {
        return to_js(&run_loop_core(&p).map_err(js_err)?);
    }
    let (timeline, rederivations) = run_and_rederive(&p).map_err(js_err)?;
    to_js(&TimelineWithRederivations {
        timeline: &timeline,
        rederivations: &rederivations,
    })
}

#[cfg(feature = "loop-exports")]
#[derive(serde::Serialize)]
struct TimelineWithRederivations<'a> {
    #[serde(flatten)]
    timeline: &'a crate::orchestrator::Timeline,
    rederivations: &'a [crate::orchestrator::Rederivation],
}

// ---------------------------------------------------------------- benchmarks (make bench)

fn now_ms() -> f64 {
    // performance.now() in a page or a worker; Date.now() if absent.
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).ok();
    perf.and_then(|p| {
        let now = js_sys::Reflect::get(&p, &JsValue::from_str("now")).ok()?;
        let f: js_sys::Function = now.dyn_into().ok()?;
        f.call0(&p).ok()?.as_f64()
    })
    .unwrap_or_else(js_sys::Date::now)
}

/// Milliseconds taken by each of `reps` fits of the book's model on the 75 % training split of
/// `make_data(1, 0.0, rows)` (rows 3000 → the chapter's 2250-row fit). For `make bench`.
#[wasm_bindgen(js_name = benchFit)]
pub fn bench_fit(rows: u32, reps: u32) -> Result<Vec<f64>, JsError> {
    let rows = count("rows", f64::from(rows), 4, crate::data::MAX_ROWS)?;
    let reps = count("reps", f64::from(reps), 1, 1000)?;
    let df = make_data(1, Drift::Float(0.0), rows).map_err(js_err)?;
    let (train, _) = crate::split::train_test_split(rows, 0.25, 42).map_err(js_err)?;
    let feats = df.features();
    let x: Vec<[f64; 3]> = train
        .iter()
        .filter_map(|&i| feats.get(i).copied())
        .collect();
    let y: Vec<i64> = train
        .iter()
        .filter_map(|&i| df.labels().get(i).copied())
        .collect();
    let params = crate::gbm::GbmParams::new().check().map_err(js_err)?;
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = now_ms();
        params.fit(&x, &y).map_err(js_err)?;
        times.push(now_ms() - t);
    }
    Ok(times)
}

/// Milliseconds taken by each of `reps` runs of the loop over `weeks` simulated weeks (seed 2,
/// step schedule: retraining happens). For `make bench`.
#[cfg(feature = "loop-exports")]
#[wasm_bindgen(js_name = benchLoop)]
pub fn bench_loop(weeks: u32, reps: u32) -> Result<Vec<f64>, JsError> {
    let reps = count("reps", f64::from(reps), 1, 100)?;
    let p = LoopParams::builder()
        .weeks(weeks as usize)
        .seed(2)
        .schedule(Schedule::parse("step").map_err(js_err)?)
        .build()
        .map_err(js_err)?;
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = now_ms();
        run_loop_core(&p).map_err(js_err)?;
        times.push(now_ms() - t);
    }
    Ok(times)
}
