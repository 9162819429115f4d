//! [`Registry`]: the registry's verbs over any [`Store`]; every mutation is one conditional batch.
//!
//! Its place in the loop: training registers the versions it fits, the promotion gate promotes
//! them, the canary rolls them back, and the page and the CLI read, export and import; every one
//! of those goes through a [`Registry`]. This file holds the type, the storage keys and opening
//! (initialising or migrating a store); `read.rs` the queries (state, listing, versions, the
//! history and its pages), `write.rs` the verbs that append an event (register, transition,
//! promote, archive, rollback, aliases), `transfer.rs` export, import, erase and repair.

mod read;
mod transfer;
mod write;

pub use read::Listing;
pub use transfer::{check_import, validate_export, CheckedImport, Export, ImportSummary};

use super::history::State;
use super::migrate;
use super::store::{Batch, Store, StoreError};
use crate::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The storage layout's schema version (1 had stages inside version records and no aliases; 2 had
/// one event per history record, which 3 still reads).
pub const SCHEMA_VERSION: u32 = 3;
/// The `schema` of an export (its shape has not changed since the storage schema 2).
pub const EXPORT_SCHEMA: u32 = 2;
/// Most events in one history record: an import writes the history in runs of this many.
pub const HISTORY_RUN: u64 = 1000;
/// Largest registry export accepted by [`Registry::import_json`], in bytes (128 MiB): a registry
/// at [`MAX_EVENTS`] fits (a million of the shortest events, as `make bench` generates them, are
/// about 114 MiB of compact JSON), and the export of one imported at this size imports back.
pub const MAX_IMPORT_BYTES: usize = 128 * 1024 * 1024;
/// Most versions in one registry (registration beyond it and larger imports are refused).
pub const MAX_VERSIONS: u32 = 10_000;
/// Most history events in one registry.
pub const MAX_EVENTS: u64 = 1_000_000;
/// Most aliases in one registry.
pub const MAX_ALIASES: usize = 1000;
/// The `format` tag of an export.
pub const EXPORT_FORMAT: &str = "mlops-loop-registry";
/// The `format` tag of the command line's registry file (`FileStore`, native only).
pub const STORE_FORMAT: &str = "mlops-loop-store";

/// The `format` tag at the top of a JSON document, if it is an object holding one: read when a
/// document fails to parse, to say that an export was given as a registry file or the other way.
pub(crate) fn format_tag(text: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Head {
        format: String,
    }
    serde_json::from_slice::<Head>(text).ok().map(|h| h.format)
}
/// Key of the meta record (schema version and revision counter; the compare-and-swap key).
pub const META_KEY: &str = "meta";
/// Key of the state record (labels, stages, aliases, production trail).
pub const STATE_KEY: &str = "state";
/// Prefix of the version records.
pub const VERSION_PREFIX: &str = "version/";
/// Prefix of the history records.
pub const HISTORY_PREFIX: &str = "history/";

/// The meta record: what every writer reads first and conditions its batch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// The layout's schema version.
    pub schema: u32,
    /// Incremented by every committed mutation.
    pub revision: u64,
}

/// The key of version `v`'s record: `version/00000001`.
pub fn version_key(v: u32) -> String {
    format!("{VERSION_PREFIX}{v:08}")
}

/// The key of history event `seq`: `history/00000001`.
pub fn history_key(seq: u64) -> String {
    format!("{HISTORY_PREFIX}{seq:08}")
}

pub(super) fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::corrupt(key, e.to_string()))
}

pub(super) fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| Error::Malformed {
        what,
        reason: e.to_string(),
    })
}

/// The model registry over a store `S`.
///
/// Nothing is cached: every call reads the store, so two registries over one store (two tabs)
/// see each other's changes. Every mutation reads `meta`, computes the new state, and commits
/// one batch conditioned on `meta` being unchanged; on [`StoreError::Conflict`] it re-reads and
/// recomputes, up to `retries` times (default 3), then reports the conflict.
///
/// ```
/// use mlops_loop::registry::{block_on, model_hash, Actor, Cause, Lineage, MemStore};
/// use mlops_loop::registry::{NewVersion, Registry, Stage};
/// use mlops_loop::gbm::GbmParams;
/// let reg = block_on(Registry::open(MemStore::new()))?;
/// // The registry holds only models the loader accepts: fit a one-tree model per label.
/// let new = |label: &str| -> mlops_loop::Result<NewVersion> {
///     let x: Vec<[f64; 3]> = (0..8).map(|i| [f64::from(i), label.len() as f64, 0.0]).collect();
///     let y: Vec<i64> = (0..8).map(|i| i64::from(i >= 4)).collect();
///     let model_json = GbmParams::new().n_estimators(1).check()?.fit(&x, &y)?.to_json();
///     Ok(NewVersion {
///         label: label.into(),
///         model_hash: model_hash(&model_json),
///         model_json,
///         lineage: Lineage {
///             data_fingerprint: "3f2a9c1b7e4d".into(),
///             seed: "42".into(),
///             drift: "0".into(),
///             rows: 20_000,
///             params: serde_json::json!({"max_depth": 3}),
///             code_version: "0.1.0".into(),
///             build_id: "0.1.0".into(),
///         },
///         metrics: vec![],
///     })
/// };
/// let v1 = block_on(reg.register(&new("1.0.0")?, &Cause::new(Actor::User, "", 1.0)))?;
/// let v2 = block_on(reg.register(&new("1.1.0")?, &Cause::new(Actor::User, "", 2.0)))?;
/// block_on(reg.promote(v1, &Cause::new(Actor::User, "first", 3.0)))?;
/// block_on(reg.promote(v2, &Cause::new(Actor::PromotionGate, "better", 4.0)))?;
/// assert_eq!(block_on(reg.state())?.stage(v1), Stage::Archived);
/// block_on(reg.rollback(&Cause::new(Actor::Canary, "errors", 5.0)))?;
/// assert_eq!(block_on(reg.production())?, Some(v1));
/// assert_eq!(block_on(reg.production_at(4.5))?, Some(v2));
/// # Ok::<(), mlops_loop::Error>(())
/// ```
#[derive(Clone)]
pub struct Registry<S: Store> {
    store: S,
    retries: u32,
}

impl<S: Store> std::fmt::Debug for Registry<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("retries", &self.retries)
            .finish_non_exhaustive()
    }
}

impl<S: Store> Registry<S> {
    /// Open the registry in `store`: initialise an empty store, migrate a schema-1 store.
    ///
    /// # Errors
    /// [`Error::Store`] for storage failures or a corrupt `meta` (or schema-1 records that cannot
    /// be migrated; nothing is written then); [`Error::Unsupported`] for a schema newer than
    /// [`SCHEMA_VERSION`].
    pub async fn open(store: S) -> Result<Self> {
        let reg = Registry { store, retries: 3 };
        for _ in 0..=reg.retries {
            match reg.store.get(META_KEY).await? {
                None => {
                    let stray = !reg.store.keys(VERSION_PREFIX).await?.is_empty()
                        || !reg.store.keys(HISTORY_PREFIX).await?.is_empty()
                        || reg.store.get(STATE_KEY).await?.is_some();
                    if stray {
                        return Err(StoreError::corrupt(
                            META_KEY,
                            "missing, but registry records exist (import an export or erase)",
                        )
                        .into());
                    }
                    let meta = Meta {
                        schema: SCHEMA_VERSION,
                        revision: 0,
                    };
                    let batch = Batch::new()
                        .expect(META_KEY, None)
                        .put(META_KEY, encode("meta", &meta)?)
                        .put(STATE_KEY, encode("state", &State::default())?);
                    match reg.store.commit(batch).await {
                        Ok(()) => return Ok(reg),
                        Err(StoreError::Conflict(_)) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
                Some(bytes) => {
                    let meta: Meta = decode(META_KEY, &bytes)?;
                    match meta.schema {
                        SCHEMA_VERSION => return Ok(reg),
                        // Schema 3 reads schema 2's records as they are: only `meta` changes.
                        2 => {
                            let next = Meta {
                                schema: SCHEMA_VERSION,
                                revision: meta.revision + 1,
                            };
                            let batch = Batch::new()
                                .expect(META_KEY, Some(bytes))
                                .put(META_KEY, encode("meta", &next)?);
                            match reg.store.commit(batch).await {
                                Ok(()) => return Ok(reg),
                                Err(StoreError::Conflict(_)) => continue,
                                Err(e) => return Err(e.into()),
                            }
                        }
                        1 => match migrate::migrate_v1(&reg.store, bytes, meta.revision).await {
                            Ok(()) => return Ok(reg),
                            Err(Error::Store(StoreError::Conflict(_))) => continue,
                            Err(e) => return Err(e),
                        },
                        n => return Err(newer(n)),
                    }
                }
            }
        }
        Err(StoreError::Conflict("the store kept changing while opening it".into()).into())
    }

    /// The same registry, retrying a conflicting mutation `retries` times before reporting it.
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// The store underneath.
    pub fn store(&self) -> &S {
        &self.store
    }

    async fn meta(&self) -> Result<(Vec<u8>, Meta)> {
        let bytes = self.store.get(META_KEY).await?.ok_or_else(|| {
            StoreError::corrupt(META_KEY, "missing (the registry was not opened?)")
        })?;
        let meta: Meta = decode(META_KEY, &bytes)?;
        if meta.schema != SCHEMA_VERSION {
            return Err(newer(meta.schema));
        }
        Ok((bytes, meta))
    }

    async fn head(&self) -> Result<(Vec<u8>, Meta, State)> {
        let (bytes, meta) = self.meta().await?;
        let s = self
            .store
            .get(STATE_KEY)
            .await?
            .ok_or_else(|| StoreError::corrupt(STATE_KEY, "missing"))?;
        let state: State = decode(STATE_KEY, &s)?;
        state
            .check()
            .map_err(|r| StoreError::corrupt(STATE_KEY, r))?;
        Ok((bytes, meta, state))
    }
}

fn newer(schema: u32) -> Error {
    Error::Unsupported(format!(
        "registry schema {schema}: this build reads schema {SCHEMA_VERSION} (and migrates 1 and 2); \
         it was written by a newer version of mlops-loop"
    ))
}
