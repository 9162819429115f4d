//! [`Registry`]: the registry's verbs over any [`Store`]; every mutation is one conditional batch.

use super::history::{self, State};
use super::migrate;
use super::model::{
    check_alias, check_loadable, time_problem, time_text, Cause, Change, Event, ModelVersion,
    NewVersion, Stage,
};
use super::store::{Batch, Store, StoreError, Write};
use crate::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

/// One line of [`Registry::list`]: read from the state alone, so a corrupt version record does
/// not hide the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    /// The version number.
    pub version: u32,
    /// Its label.
    pub label: String,
    /// Its stage.
    pub stage: Stage,
    /// The aliases pointing to it.
    pub aliases: Vec<String>,
}

/// A whole registry as exported and imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// Always [`EXPORT_SCHEMA`].
    pub schema: u32,
    /// Every version, in order.
    pub versions: Vec<ModelVersion>,
    /// The whole history, in order.
    pub history: Vec<Event>,
    /// The stages the history leads to (checked on import).
    pub stages: BTreeMap<u32, Stage>,
    /// The aliases the history leads to (checked on import).
    pub aliases: BTreeMap<String, u32>,
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    /// Versions imported.
    pub versions: u32,
    /// History events imported.
    pub events: u64,
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

fn malformed(reason: impl Into<String>) -> Error {
    Error::Malformed {
        what: "registry import",
        reason: reason.into(),
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

    /// The revision counter: changes whenever anyone commits a mutation (cheap to poll).
    ///
    /// # Errors
    /// [`Error::Store`] when `meta` cannot be read.
    pub async fn revision(&self) -> Result<u64> {
        Ok(self.meta().await?.1.revision)
    }

    /// The current state: labels, stages, aliases, production trail.
    ///
    /// # Errors
    /// [`Error::Store`] when `meta` or `state` cannot be read or is corrupt.
    pub async fn state(&self) -> Result<State> {
        Ok(self.head().await?.2)
    }

    /// The production version's number, if any.
    ///
    /// # Errors
    /// As [`Registry::state`].
    pub async fn production(&self) -> Result<Option<u32>> {
        Ok(self.state().await?.production())
    }

    /// The version an alias points to, if the alias exists.
    ///
    /// # Errors
    /// As [`Registry::state`].
    pub async fn alias(&self, name: &str) -> Result<Option<u32>> {
        Ok(self.state().await?.aliases.get(name).copied())
    }

    /// Every version with its label, stage and aliases.
    ///
    /// # Errors
    /// As [`Registry::state`].
    pub async fn list(&self) -> Result<Vec<Listing>> {
        let s = self.state().await?;
        Ok((1..=s.versions())
            .zip(&s.labels)
            .map(|(v, l)| Listing {
                version: v,
                label: l.clone(),
                stage: s.stage(v),
                aliases: s.aliases_of(v),
            })
            .collect())
    }

    /// The version record `version`, validated (fields, model hash).
    ///
    /// # Errors
    /// [`Error::Invalid`] when there is no such version; [`Error::Store`] with
    /// [`StoreError::Corrupt`] naming the key when the record is damaged.
    pub async fn get(&self, version: u32) -> Result<ModelVersion> {
        let key = version_key(version);
        let bytes = match self.store.get(&key).await? {
            Some(b) if version > 0 => b,
            _ => {
                return Err(Error::invalid(
                    "version",
                    version,
                    "no such version in the registry",
                ))
            }
        };
        let v: ModelVersion = decode(&key, &bytes)?;
        v.check()
            .map_err(|e| StoreError::corrupt(&key, e.to_string()))?;
        if v.version != version {
            return Err(StoreError::corrupt(&key, format!("holds version {}", v.version)).into());
        }
        Ok(v)
    }

    /// The whole history, in order, each event validated.
    ///
    /// # Errors
    /// [`Error::Store`] with [`StoreError::Corrupt`] naming the first damaged or missing record.
    pub async fn history(&self) -> Result<Vec<Event>> {
        let records = self.store.scan(HISTORY_PREFIX).await?;
        let mut events = Vec::with_capacity(records.len());
        for (key, bytes) in &records {
            let next = events.len() as u64 + 1;
            if *key != history_key(next) {
                return Err(StoreError::corrupt(
                    history_key(next),
                    format!("missing (the next history key is {key})"),
                )
                .into());
            }
            events.extend(decode_events(next, key, bytes)?);
        }
        Ok(events)
    }

    /// At most `count` consecutive events starting at event `from` (1-based; `None`: the last
    /// `count`), and the number of events in the history. Reads only the records holding them,
    /// so a page of a long history costs the same as a page of a short one.
    ///
    /// # Errors
    /// [`Error::Store`] when `state` cannot be read, or [`StoreError::Corrupt`] naming a damaged or
    /// missing record among those holding the page (the rest of the registry stays readable).
    pub async fn history_page(&self, from: Option<u64>, count: u64) -> Result<(u64, Vec<Event>)> {
        let total = self.state().await?.events;
        let count = count.min(total);
        if count == 0 {
            return Ok((total, Vec::new()));
        }
        let from = from
            .unwrap_or(total + 1 - count)
            .clamp(1, total + 1 - count);
        let to = from + count - 1;
        // The record holding event `from` starts at most HISTORY_RUN - 1 events earlier.
        let first_key = history_key(from.saturating_sub(HISTORY_RUN - 1).max(1));
        let records = self.store.range(&first_key, &history_key(to)).await?;
        let starts: Vec<Option<u64>> = records
            .iter()
            .map(|(k, _)| k.strip_prefix(HISTORY_PREFIX).and_then(|n| n.parse().ok()))
            .collect();
        // Skip the records that end before `from`: the last one starting at or before it holds it.
        let skip = starts
            .iter()
            .rposition(|s| s.is_some_and(|s| s <= from))
            .unwrap_or(0);
        let mut events: Vec<Event> = Vec::with_capacity(count as usize);
        let mut next = starts.get(skip).copied().flatten().unwrap_or(from);
        for (key, bytes) in &records[skip..] {
            if next > to {
                break;
            }
            if *key != history_key(next) {
                break;
            }
            let run = decode_events(next, key, bytes)?;
            next += run.len() as u64;
            events.extend(run.into_iter().filter(|e| (from..=to).contains(&e.seq)));
        }
        if events.len() as u64 != count {
            let missing = from + events.len() as u64;
            return Err(StoreError::corrupt(
                history_key(missing.max(next)),
                format!("missing: the history should hold events {from} to {to} of {total}"),
            )
            .into());
        }
        Ok((total, events))
    }

    /// The version that was in production at time `time` (after every event at or before it).
    ///
    /// # Errors
    /// As [`Registry::history`], or a history that does not replay (reported as corrupt).
    pub async fn production_at(&self, time: f64) -> Result<Option<u32>> {
        let events = self.history().await?;
        history::production_at(&events, time)
            .map_err(|r| StoreError::corrupt(HISTORY_PREFIX, r).into())
    }

    /// The key of the history record holding event `seq` (a run starts at most [`HISTORY_RUN`]
    /// - 1 events earlier); `history_key(seq)` if it cannot be found.
    async fn holder_key(&self, seq: u64) -> String {
        let start = history_key(seq.saturating_sub(HISTORY_RUN - 1).max(1));
        match self.store.range(&start, &history_key(seq)).await {
            Ok(records) => records.last().map(|(k, _)| k.clone()),
            Err(_) => None,
        }
        .unwrap_or_else(|| history_key(seq))
    }

    /// Read, compute, commit-if-unchanged; retry on conflict.
    async fn mutate<F>(&self, cause: &Cause, build: F) -> Result<Event>
    where
        F: Fn(&State) -> Result<(Change, Vec<Write>)>,
    {
        cause.check()?;
        let mut last = None;
        let mut seen: Option<u64> = None;
        for _ in 0..=self.retries {
            let (meta_bytes, meta, state) = self.head().await?;
            // A registry holding an out-of-range time (left by an older build's import) stays
            // readable but takes no new event: name the record holding it.
            if let Some(why) = state.last_time.and_then(time_problem) {
                return Err(StoreError::corrupt(
                    self.holder_key(state.events).await,
                    format!(
                        "event {}: its time {why}; the registry can be read but takes no new \
                         event until it is erased or replaced by an import",
                        state.events
                    ),
                )
                .into());
            }
            let checked = next_event(&state, cause).and_then(|()| build(&state));
            let (change, extra) = match (checked, seen) {
                (Ok(c), _) => c,
                (Err(e), None) => return Err(e),
                // The state changed between our first read and now: say so, not just why the
                // change no longer applies to the new state.
                (Err(e), Some(before)) => return Err(changed_under(before, &state, e)),
            };
            seen.get_or_insert(state.events);
            let event = Event {
                seq: state.events + 1,
                time: cause.time,
                change,
                actor: cause.actor,
                reason: cause.reason.clone(),
                evidence: cause.evidence.clone(),
            };
            let mut next = state.clone();
            next.apply(&event)
                .map_err(|r| Error::invalid("change", event.change.describe(), r))?;
            let new_meta = Meta {
                schema: SCHEMA_VERSION,
                revision: meta.revision + 1,
            };
            let mut batch = Batch::new()
                .expect(META_KEY, Some(meta_bytes))
                .put(META_KEY, encode("meta", &new_meta)?)
                .put(STATE_KEY, encode("state", &next)?)
                .put(history_key(event.seq), encode("event", &event)?);
            batch.writes.extend(extra);
            match self.store.commit(batch).await {
                Ok(()) => return Ok(event),
                Err(StoreError::Conflict(m)) => last = Some(m),
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict(format!(
            "gave up after {} attempt(s): {}",
            self.retries + 1,
            last.unwrap_or_default()
        ))
        .into())
    }

    /// Register a new immutable version (stage None); returns its number.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad field (see [`NewVersion::check`]), a label already used, a
    /// full registry, a time earlier than the last event; [`Error::Store`] when the write fails
    /// (nothing is written then).
    pub async fn register(&self, new: &NewVersion, cause: &Cause) -> Result<u32> {
        new.check()?;
        let event = self
            .mutate(cause, |s| {
                if let Some(v) = s.find_label(&new.label) {
                    return Err(Error::invalid(
                        "label",
                        format!("{:?}", new.label),
                        format!("already used by version {v}"),
                    ));
                }
                if s.versions() >= MAX_VERSIONS {
                    return Err(Error::invalid(
                        "version",
                        s.versions() + 1,
                        format!("the registry holds at most {MAX_VERSIONS} versions"),
                    ));
                }
                let version = s.versions() + 1;
                let record = ModelVersion {
                    version,
                    label: new.label.clone(),
                    model_json: new.model_json.clone(),
                    model_hash: new.model_hash.clone(),
                    lineage: new.lineage.clone(),
                    metrics: new.metrics.clone(),
                    created_at: cause.time,
                };
                let write = Write::Put(version_key(version), encode("version", &record)?);
                Ok((
                    Change::Register {
                        version,
                        label: new.label.clone(),
                    },
                    vec![write],
                ))
            })
            .await?;
        match event.change {
            Change::Register { version, .. } => Ok(version),
            _ => Err(Error::Unsupported(
                "register recorded another change".into(),
            )),
        }
    }

    /// Move `version` to `stage`; a move to Production is a [`Registry::promote`].
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unknown version or a version already in `stage`;
    /// [`Error::Store`] as for [`Registry::register`].
    pub async fn transition(&self, version: u32, stage: Stage, cause: &Cause) -> Result<Event> {
        if stage == Stage::Production {
            return self.promote(version, cause).await;
        }
        self.mutate(cause, |s| {
            need(s, version)?;
            let from = s.stage(version);
            if from == stage {
                return Err(Error::invalid(
                    "stage",
                    stage,
                    format!("version {version} is already in stage {stage}"),
                ));
            }
            Ok((
                Change::Transition {
                    version,
                    from,
                    to: stage,
                },
                Vec::new(),
            ))
        })
        .await
    }

    /// Promote `version` to Production; the production version, if any, goes to Archived in
    /// the same batch (so there is never more than one Production version).
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unknown version or one already in Production;
    /// [`Error::Store`] as for [`Registry::register`].
    pub async fn promote(&self, version: u32, cause: &Cause) -> Result<Event> {
        self.mutate(cause, |s| {
            need(s, version)?;
            let from = s.stage(version);
            if from == Stage::Production {
                return Err(Error::invalid("version", version, "already in Production"));
            }
            Ok((
                Change::Promote {
                    version,
                    from,
                    replaced: s.production(),
                },
                Vec::new(),
            ))
        })
        .await
    }

    /// Move `version` to Archived.
    ///
    /// # Errors
    /// As [`Registry::transition`].
    pub async fn archive(&self, version: u32, cause: &Cause) -> Result<Event> {
        self.transition(version, Stage::Archived, cause).await
    }

    /// Return production to the previous production version (archiving the current one).
    ///
    /// # Errors
    /// [`Error::Invalid`] when the history holds no earlier production version;
    /// [`Error::Store`] as for [`Registry::register`].
    pub async fn rollback(&self, cause: &Cause) -> Result<Event> {
        self.mutate(cause, |s| {
            let Some(&to) = s.trail.last() else {
                return Err(Error::invalid(
                    "rollback",
                    match s.production() {
                        Some(p) => format!("production = version {p}"),
                        None => "no production version".to_string(),
                    },
                    "the history holds no earlier production version to return to",
                ));
            };
            Ok((
                Change::Rollback {
                    from: s.production(),
                    to,
                    to_was: s.stage(to),
                },
                Vec::new(),
            ))
        })
        .await
    }

    /// Point alias `name` (`champion`, `challenger`, or your own) to `version`.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad alias name (see [`check_alias`]), an unknown version, an
    /// alias already pointing there, too many aliases; [`Error::Store`] as for
    /// [`Registry::register`].
    pub async fn set_alias(&self, name: &str, version: u32, cause: &Cause) -> Result<Event> {
        check_alias(name)?;
        self.mutate(cause, |s| {
            need(s, version)?;
            let previous = s.aliases.get(name).copied();
            if previous == Some(version) {
                return Err(Error::invalid(
                    "version",
                    version,
                    format!("alias {name} already points to it"),
                ));
            }
            if previous.is_none() && s.aliases.len() >= MAX_ALIASES {
                return Err(Error::invalid(
                    "alias",
                    name,
                    format!("the registry holds at most {MAX_ALIASES} aliases"),
                ));
            }
            Ok((
                Change::SetAlias {
                    alias: name.to_string(),
                    version,
                    previous,
                },
                Vec::new(),
            ))
        })
        .await
    }

    /// Remove alias `name`.
    ///
    /// # Errors
    /// [`Error::Invalid`] when there is no such alias; [`Error::Store`] as for
    /// [`Registry::register`].
    pub async fn remove_alias(&self, name: &str, cause: &Cause) -> Result<Event> {
        self.mutate(cause, |s| match s.aliases.get(name) {
            Some(&previous) => Ok((
                Change::RemoveAlias {
                    alias: name.to_string(),
                    previous,
                },
                Vec::new(),
            )),
            None => Err(Error::invalid(
                "alias",
                format!("{name:?}"),
                "no such alias",
            )),
        })
        .await
    }

    /// The whole registry as compact JSON (every version, the history, the resulting stages and
    /// aliases).
    ///
    /// # Errors
    /// [`Error::Store`] when any record cannot be read or is corrupt (an export is complete or
    /// refused).
    pub async fn export_json(&self) -> Result<String> {
        // A consistent snapshot: retry if anyone committed while the records were being read.
        for _ in 0..=self.retries {
            let (_, before) = self.meta().await?;
            let state = self.state().await?;
            let mut versions = Vec::with_capacity(state.labels.len());
            for v in 1..=state.versions() {
                versions.push(self.get(v).await?);
            }
            let history = self.history().await?;
            let (_, after) = self.meta().await?;
            if before.revision != after.revision {
                continue;
            }
            let export = Export {
                format: EXPORT_FORMAT.to_string(),
                schema: EXPORT_SCHEMA,
                versions,
                history,
                stages: state.stages,
                aliases: state.aliases,
            };
            // Compact: an export of a registry imported at the size limit imports back.
            return serde_json::to_string(&export).map_err(|e| Error::Malformed {
                what: "registry export",
                reason: e.to_string(),
            });
        }
        Err(StoreError::Conflict("the registry kept changing during the export".into()).into())
    }

    /// Replace the whole registry with an export, validated in full before anything is written.
    ///
    /// Checked: size ≤ [`MAX_IMPORT_BYTES`], the JSON shape (unknown fields refused), format and
    /// schema, ≤ [`MAX_VERSIONS`] versions numbered 1..n, every field of every version (model
    /// hash recomputed), ≤ [`MAX_EVENTS`] events numbered 1..m that replay from empty, labels and
    /// registration times agreeing with the versions, and the stated stages and aliases equal to
    /// the replay's. Then one conditional batch replaces every record, or nothing changes.
    ///
    /// # Errors
    /// [`Error::Malformed`] saying what is wrong; [`Error::Store`] when the write fails
    /// (nothing is written then; a concurrent writer gives [`StoreError::Conflict`]).
    pub async fn import_json(&self, text: &str) -> Result<ImportSummary> {
        self.import_checked(check_import(text)?).await
    }

    /// Write an import already checked by [`check_import`] (so that the caller can drop the
    /// export's text first: at the size limit it is a hundred megabytes). The records are encoded
    /// as the history is consumed, so the events and their encoding are not both held in full.
    ///
    /// # Errors
    /// As [`Registry::import_json`]'s writing half.
    pub async fn import_checked(&self, checked: CheckedImport) -> Result<ImportSummary> {
        let CheckedImport { export, state } = checked;
        let mut batch = self.replace_all(&state).await?;
        for v in &export.versions {
            batch = batch.put(version_key(v.version), encode("version", v)?);
        }
        drop(export.versions);
        // From the last run back: each run is split off, encoded and dropped.
        let mut history = export.history;
        while !history.is_empty() {
            let start = (history.len() - 1) / HISTORY_RUN as usize * HISTORY_RUN as usize;
            let run = history.split_off(start);
            if let Some(first) = run.first() {
                batch = batch.put(history_key(first.seq), encode("events", &run)?);
            }
        }
        drop(history);
        self.store.commit(batch).await?;
        Ok(ImportSummary {
            versions: state.versions(),
            events: state.events,
        })
    }

    /// Delete every version and event, leaving an empty registry (the revision still increases,
    /// so other tabs notice).
    ///
    /// # Errors
    /// [`Error::Store`] when the write fails (nothing is deleted then).
    pub async fn erase_all(&self) -> Result<()> {
        let batch = self.replace_all(&State::default()).await?;
        self.store.commit(batch).await?;
        Ok(())
    }

    /// A batch, conditioned on the current `meta`, that deletes every version and event and
    /// writes `state` with the next revision (import and erase add to it, then commit).
    async fn replace_all(&self, state: &State) -> Result<Batch> {
        let (meta_bytes, meta) = self.meta().await?;
        let mut batch = Batch::new().expect(META_KEY, Some(meta_bytes));
        for k in self.store.keys(VERSION_PREFIX).await? {
            batch = batch.delete(k);
        }
        for k in self.store.keys(HISTORY_PREFIX).await? {
            batch = batch.delete(k);
        }
        let new_meta = Meta {
            schema: SCHEMA_VERSION,
            revision: meta.revision + 1,
        };
        Ok(batch
            .put(META_KEY, encode("meta", &new_meta)?)
            .put(STATE_KEY, encode("state", state)?))
    }

    /// Rebuild a damaged `state` record from the history, after checking every version record.
    ///
    /// # Errors
    /// [`Error::Store`] when the history or a version record is itself damaged (then only an
    /// import or [`Registry::erase_all`] can help), or when the write fails.
    pub async fn repair(&self) -> Result<State> {
        let (meta_bytes, meta) = self.meta().await?;
        let events = self.history().await?;
        let state = history::replay(&events).map_err(|r| StoreError::corrupt(HISTORY_PREFIX, r))?;
        for v in 1..=state.versions() {
            let record = self.get(v).await?;
            let label = state.labels.get(v as usize - 1);
            if label != Some(&record.label) {
                return Err(StoreError::corrupt(
                    version_key(v),
                    format!("label {:?} disagrees with the history", record.label),
                )
                .into());
            }
        }
        let new_meta = Meta {
            schema: SCHEMA_VERSION,
            revision: meta.revision + 1,
        };
        let batch = Batch::new()
            .expect(META_KEY, Some(meta_bytes))
            .put(META_KEY, encode("meta", &new_meta)?)
            .put(STATE_KEY, encode("state", &state)?);
        self.store.commit(batch).await?;
        Ok(state)
    }
}

/// The events of the history record `key` (`bytes`), which must start at event `first`: one event
/// (a JSON object, as every write stores it) or a run of up to [`HISTORY_RUN`] consecutive events
/// (a JSON array, as an import stores them, so that a long history is a few large records rather
/// than a million small ones). Every event is checked as on the way in.
///
/// # Errors
/// [`StoreError::Corrupt`] naming `key`.
pub(super) fn decode_events(first: u64, key: &str, bytes: &[u8]) -> Result<Vec<Event>, StoreError> {
    let run: Vec<Event> = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => decode(key, bytes)?,
        _ => vec![decode(key, bytes)?],
    };
    if run.is_empty() || run.len() as u64 > HISTORY_RUN {
        return Err(StoreError::corrupt(
            key,
            format!(
                "holds {} events, a record holds 1 to {HISTORY_RUN}",
                run.len()
            ),
        ));
    }
    for (i, e) in run.iter().enumerate() {
        let seq = first + i as u64;
        if e.seq != seq {
            return Err(StoreError::corrupt(
                key,
                format!("holds event {} where event {seq} belongs", e.seq),
            ));
        }
        e.check()
            .map_err(|err| StoreError::corrupt(key, format!("event {seq}: {err}")))?;
    }
    Ok(run)
}

fn newer(schema: u32) -> Error {
    Error::Unsupported(format!(
        "registry schema {schema}: this build reads schema {SCHEMA_VERSION} (and migrates 1 and 2); \
         it was written by a newer version of mlops-loop"
    ))
}

/// Whether the next event may be recorded at `cause.time` on `state`: the new time not earlier
/// than the last, the history not full.
fn next_event(state: &State, cause: &Cause) -> Result<()> {
    if let Some(t) = state.last_time {
        if cause.time < t {
            return Err(Error::invalid(
                "time",
                time_text(cause.time),
                format!(
                    "earlier than the last event in the history (#{} at {})",
                    state.events,
                    time_text(t)
                ),
            ));
        }
    }
    if state.events >= MAX_EVENTS {
        return Err(Error::invalid(
            "history",
            state.events,
            format!("the history is full ({MAX_EVENTS} events): export, prune, import"),
        ));
    }
    Ok(())
}

/// The error of a write whose first attempt lost a race: another writer committed after it read
/// the registry (which had `before` events), and the change no longer applies (`why`).
fn changed_under(before: u64, now: &State, why: Error) -> Error {
    let what = match now.events.saturating_sub(before) {
        0 => "changed the registry".to_string(),
        1 => format!("recorded event #{}", now.events),
        n => format!("recorded {n} events (#{}–#{})", before + 1, now.events),
    };
    let later = match (why, now.last_time) {
        (Error::Invalid { field: "time", .. }, Some(t)) => format!(
            "its last event is at {}, later than this change's time",
            time_text(t)
        ),
        (e, _) => format!("on the new state: {e}"),
    };
    StoreError::Conflict(format!(
        "the registry changed under this write: another tab or process {what} after it was \
         read; {later}. Nothing was written: look at the registry again and retry"
    ))
    .into()
}

fn need(s: &State, version: u32) -> Result<()> {
    if s.has(version) {
        Ok(())
    } else {
        Err(Error::invalid(
            "version",
            version,
            format!(
                "no such version (the registry has {} version(s))",
                s.versions()
            ),
        ))
    }
}

/// An export checked in full (shape, every record, the replay) and ready to be written by
/// [`Registry::import_checked`].
#[derive(Debug)]
pub struct CheckedImport {
    export: Export,
    state: State,
}

/// Check an export as [`Registry::import_json`] does, before anything is written: the text can
/// then be dropped.
///
/// # Errors
/// [`Error::Malformed`] saying what is wrong.
pub fn check_import(text: &str) -> Result<CheckedImport> {
    let export = validate_export(text)?;
    let state = replay_export(&export)?;
    Ok(CheckedImport { export, state })
}

/// Parse and check an export's shape and every record's fields (not yet the replay).
///
/// # Errors
/// [`Error::Malformed`] saying what is wrong.
pub fn validate_export(text: &str) -> Result<Export> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(malformed(format!(
            "{} bytes, the limit is {MAX_IMPORT_BYTES}",
            text.len()
        )));
    }
    let export: Export =
        serde_json::from_str(text).map_err(|e| malformed(format!("not a registry export: {e}")))?;
    if export.format != EXPORT_FORMAT {
        return Err(malformed(format!(
            "format is {:?}, expected {EXPORT_FORMAT:?}",
            export.format
        )));
    }
    if export.schema != EXPORT_SCHEMA {
        return Err(malformed(format!(
            "schema {}, this build imports schema {EXPORT_SCHEMA}",
            export.schema
        )));
    }
    if export.versions.len() > MAX_VERSIONS as usize {
        return Err(malformed(format!(
            "{} versions, the limit is {MAX_VERSIONS}",
            export.versions.len()
        )));
    }
    if export.history.len() as u64 > MAX_EVENTS {
        return Err(malformed(format!(
            "{} events, the limit is {MAX_EVENTS}",
            export.history.len()
        )));
    }
    for (i, v) in export.versions.iter().enumerate() {
        if v.version as usize != i + 1 {
            return Err(malformed(format!(
                "versions[{i}] is version {}, expected {}",
                v.version,
                i + 1
            )));
        }
        v.check()
            .map_err(|e| malformed(format!("version {}: {e}", v.version)))?;
        check_loadable(&v.model_json)
            .map_err(|e| malformed(format!("version {} ({:?}): {e}", v.version, v.label)))?;
    }
    for (i, e) in export.history.iter().enumerate() {
        e.check()
            .map_err(|err| malformed(format!("history[{i}]: {err}")))?;
    }
    Ok(export)
}

/// Replay an export's history and check it against its versions, stages and aliases.
fn replay_export(export: &Export) -> Result<State> {
    let state = history::replay(&export.history).map_err(|r| malformed(format!("history {r}")))?;
    if state.labels.len() != export.versions.len() {
        return Err(malformed(format!(
            "the history registers {} version(s), the export holds {}",
            state.labels.len(),
            export.versions.len()
        )));
    }
    for e in &export.history {
        if let Change::Register { version, label } = &e.change {
            let v = export.versions.get(*version as usize - 1);
            if v.map(|v| (&v.label, v.created_at.to_bits())) != Some((label, e.time.to_bits())) {
                return Err(malformed(format!(
                    "event {} registers version {version} as {label:?} at {}, which the version \
                     record does not say",
                    e.seq, e.time
                )));
            }
        }
    }
    if state.stages != export.stages {
        return Err(malformed(format!(
            "the stages {:?} are not what the history leads to ({:?})",
            export.stages, state.stages
        )));
    }
    if state.aliases != export.aliases {
        return Err(malformed(format!(
            "the aliases {:?} are not what the history leads to ({:?})",
            export.aliases, state.aliases
        )));
    }
    state
        .check()
        .map_err(|r| malformed(format!("the resulting state: {r}")))?;
    Ok(state)
}
