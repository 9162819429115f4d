//! A whole registry in and out: export, import (checked in full before anything is written),
//! erase and repair. Its place in the loop: the page's and the CLI's export and import, and the
//! way back from a damaged `state` record.

use super::{encode, history_key, version_key, Meta, Registry, EXPORT_FORMAT, EXPORT_SCHEMA};
use super::{HISTORY_PREFIX, HISTORY_RUN, MAX_EVENTS, MAX_IMPORT_BYTES, MAX_VERSIONS, META_KEY};
use super::{SCHEMA_VERSION, STATE_KEY, VERSION_PREFIX};
use crate::registry::history::{self, State};
use crate::registry::model::{check_loadable, Change, Event, ModelVersion, Stage};
use crate::registry::store::{Batch, Store, StoreError};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

fn malformed(reason: impl Into<String>) -> Error {
    Error::Malformed {
        what: "registry import",
        reason: reason.into(),
    }
}

impl<S: Store> Registry<S> {
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
    let export: Export = serde_json::from_str(text).map_err(|e| {
        if super::format_tag(text.as_bytes()).as_deref() == Some(super::STORE_FORMAT) {
            malformed(format!(
                "this is a registry file of the command line (format {:?}), not a registry \
                 export: write its export with `mlops-loop registry export --registry FILE --out \
                 EXPORT.json` and import that",
                super::STORE_FORMAT
            ))
        } else {
            malformed(format!("not a registry export: {e}"))
        }
    })?;
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
