//! `Registry`: the model registry stored in this browser's IndexedDB, or in memory when the
//! browser refuses storage (full module only).

use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{count, from_js, js_err, to_js};
use crate::orchestrator::rederive;
use crate::pipeline::{train_for_registry, Recipe};
use crate::registry::idb::IdbStore;
use crate::registry::{Actor, Cause, Registry as CoreRegistry, Stage};

fn version_arg(v: f64) -> Result<u32, JsError> {
    count("version", v, 1, u32::MAX as usize).map(|v| v as u32)
}

fn user_cause(reason: Option<String>) -> Cause {
    let reason = reason
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "by hand in the registry panel".to_string());
    Cause::new(Actor::User, reason, js_sys::Date::now())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterJs {
    seed: Option<String>,
    drift: Option<String>,
    rows: Option<f64>,
    label: String,
}

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

#[derive(serde::Serialize)]
struct EventJs<'a> {
    #[serde(flatten)]
    event: &'a crate::registry::Event,
    text: String,
}

/// The model registry, stored in this browser's IndexedDB (survives reloads; shared by tabs).
#[wasm_bindgen]
pub struct Registry {
    inner: CoreRegistry<AnyStore>,
    persistent: bool,
}

/// The registry's medium in the browser: IndexedDB, or memory when the browser refuses storage
/// (private mode, storage disabled or full) — the page then says so and offers export.
#[derive(Clone)]
enum AnyStore {
    Idb(IdbStore),
    Mem(crate::registry::MemStore),
}

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
    async fn scan(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, crate::registry::StoreError> {
        match self {
            AnyStore::Idb(s) => crate::registry::Store::scan(s, prefix).await,
            AnyStore::Mem(s) => s.scan(prefix).await,
        }
    }
    async fn range(
        &self,
        start: &str,
        end: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, crate::registry::StoreError> {
        match self {
            AnyStore::Idb(s) => crate::registry::Store::range(s, start, end).await,
            AnyStore::Mem(s) => s.range(start, end).await,
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

    /// The append-only history, oldest first; each event also carries `text`, its change in
    /// words ([`crate::registry::Change::describe`], as the CLI prints it).
    pub async fn history(&self) -> Result<JsValue, JsError> {
        let events = self.inner.history().await.map_err(js_err)?;
        let out: Vec<EventJs> = events
            .iter()
            .map(|event| EventJs {
                text: event.change.describe(),
                event,
            })
            .collect();
        to_js(&out)
    }

    /// One page of the history: `{total, from, events}` (each event with its `text`, as in
    /// [`Self::history`]), at most `count` (1 to 1000) events from
    /// event `from` (1-based; `undefined`: the last page). Reads only the records holding them,
    /// so a page costs the same in a history of ten events or of a million.
    #[wasm_bindgen(js_name = historyPage)]
    pub async fn history_page(&self, from: Option<f64>, size: f64) -> Result<JsValue, JsError> {
        let size = count("count", size, 1, 1000)? as u64;
        let from = match from {
            Some(f) => Some(count("from", f, 1, crate::registry::MAX_EVENTS as usize)? as u64),
            None => None,
        };
        let (total, events) = self.inner.history_page(from, size).await.map_err(js_err)?;
        let first = events.first().map_or(0, |e| e.seq);
        let events: Vec<EventJs> = events
            .iter()
            .map(|event| EventJs {
                text: event.change.describe(),
                event,
            })
            .collect();
        to_js(&serde_json::json!({ "total": total, "from": first, "events": events }))
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
        // An omitted key is the book's reference sample's.
        let book = crate::chapter::ChapterParams::default().reference;
        let recipe = Recipe {
            seed: p.seed.unwrap_or_else(|| book.seed.to_string()),
            drift: p.drift.unwrap_or_else(|| book.drift.to_string()),
            rows: count(
                "rows",
                p.rows.unwrap_or(book.rows as f64),
                4,
                crate::data::MAX_ROWS,
            )?,
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
    /// nothing). `export` is its text, or its bytes (a `Uint8Array`, UTF-8: what the page reads
    /// from the chosen file, so that a 100 MB export is not also held as a JS string). Returns
    /// `{versions, events}`.
    #[wasm_bindgen(js_name = importJson)]
    pub async fn import_json(&self, export: JsValue) -> Result<JsValue, JsError> {
        let malformed = |reason: String| {
            js_err(crate::Error::Malformed {
                what: "registry import",
                reason,
            })
        };
        let text = match export.as_string() {
            Some(t) => t,
            None => {
                let bytes = export.dyn_into::<js_sys::Uint8Array>().map_err(|v| {
                    malformed(format!(
                        "the export must be text or a Uint8Array, not {}",
                        v.js_typeof().as_string().unwrap_or_default()
                    ))
                })?;
                let n = bytes.length() as usize;
                if n > crate::registry::MAX_IMPORT_BYTES {
                    // Refused before it is copied into the module's memory.
                    return Err(malformed(format!(
                        "{n} bytes, the limit is {}",
                        crate::registry::MAX_IMPORT_BYTES
                    )));
                }
                String::from_utf8(bytes.to_vec())
                    .map_err(|e| malformed(format!("not UTF-8 text: {e}")))?
            }
        };
        let checked = crate::registry::check_import(&text).map_err(js_err)?;
        drop(text);
        let s = self.inner.import_checked(checked).await.map_err(js_err)?;
        to_js(&serde_json::json!({ "versions": s.versions, "events": s.events }))
    }

    /// Erase every record of this registry.
    pub async fn erase(&self) -> Result<(), JsError> {
        self.inner.erase_all().await.map_err(js_err)
    }
}
