//! Schema migration: schema 1 → 2, run by [`super::Registry::open`] in one conditional batch.
//!
//! Schema 1 (the first layout) kept each version's stage *inside* its version record
//! (`version/NNNNNNNN` = the version fields + `"stage"`), had no aliases and no `state` record,
//! and its history events were bare stage moves `{time, version, from, to, actor, reason}` where
//! `from: null` meant a registration. Schema 2 makes version records immutable (no stage), adds
//! `state` (labels, stages, aliases, production trail) and typed events with evidence.
//!
//! The migration reads every schema-1 record, converts the events (registration → `register`,
//! a move to Production → `promote`, anything else → `transition`), replays them, checks that
//! the replay gives each version the stage its schema-1 record says, and writes the schema-2
//! records and `meta` (schema 2, revision + 1) in one batch conditioned on the schema-1 `meta`.
//! A record it cannot read or a history that does not replay stops it with
//! [`StoreError::Corrupt`] naming the key, and nothing is written.

use super::api::{decode, encode, history_key, version_key, Meta, HISTORY_PREFIX, META_KEY};
use super::api::{SCHEMA_VERSION, STATE_KEY, VERSION_PREFIX};
use super::history::State;
use super::model::{Actor, Change, Event, Lineage, Metric, ModelVersion, Stage};
use super::store::{Batch, Store, StoreError};
use crate::Result;
use serde::Deserialize;

/// A schema-1 version record.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct V1Version {
    version: u32,
    label: String,
    model_json: String,
    model_hash: String,
    lineage: Lineage,
    metrics: Vec<Metric>,
    created_at: f64,
    stage: Stage,
}

/// A schema-1 history event.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct V1Event {
    time: f64,
    version: u32,
    from: Option<Stage>,
    to: Stage,
    actor: Actor,
    reason: String,
}

/// Migrate a schema-1 store whose `meta` holds `meta_bytes` (revision `revision`).
///
/// # Errors
/// [`StoreError::Corrupt`] naming the first unreadable record or the event that does not
/// replay; [`StoreError::Conflict`] if another writer changed `meta` meanwhile; other storage
/// errors. In every case nothing is written.
pub(super) async fn migrate_v1<S: Store>(
    store: &S,
    meta_bytes: Vec<u8>,
    revision: u64,
) -> Result<()> {
    let mut versions = Vec::new();
    let mut v1_stages = Vec::new();
    for (i, key) in store.keys(VERSION_PREFIX).await?.iter().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if *key != version_key(n) {
            return Err(
                StoreError::corrupt(version_key(n), format!("missing (found {key})")).into(),
            );
        }
        let bytes = store
            .get(key)
            .await?
            .ok_or_else(|| StoreError::corrupt(key, "vanished while migrating"))?;
        let v1: V1Version = decode(key, &bytes)?;
        let v = ModelVersion {
            version: v1.version,
            label: v1.label,
            model_json: v1.model_json,
            model_hash: v1.model_hash,
            lineage: v1.lineage,
            metrics: v1.metrics,
            created_at: v1.created_at,
        };
        v.check()
            .map_err(|e| StoreError::corrupt(key, e.to_string()))?;
        if v.version != n {
            return Err(StoreError::corrupt(key, format!("holds version {}", v.version)).into());
        }
        versions.push(v);
        v1_stages.push(v1.stage);
    }
    let mut state = State::default();
    let mut events = Vec::new();
    for (i, key) in store.keys(HISTORY_PREFIX).await?.iter().enumerate() {
        let seq = i as u64 + 1;
        if *key != history_key(seq) {
            return Err(
                StoreError::corrupt(history_key(seq), format!("missing (found {key})")).into(),
            );
        }
        let bytes = store
            .get(key)
            .await?
            .ok_or_else(|| StoreError::corrupt(key, "vanished while migrating"))?;
        let e1: V1Event = decode(key, &bytes)?;
        let change = match (e1.from, e1.to) {
            (None, _) => {
                let label = versions
                    .get((e1.version as usize).wrapping_sub(1))
                    .map(|v| v.label.clone())
                    .ok_or_else(|| {
                        StoreError::corrupt(
                            key,
                            format!("registers unknown version {}", e1.version),
                        )
                    })?;
                Change::Register {
                    version: e1.version,
                    label,
                }
            }
            (Some(from), Stage::Production) => Change::Promote {
                version: e1.version,
                from,
                replaced: state.production(),
            },
            (Some(from), to) => Change::Transition {
                version: e1.version,
                from,
                to,
            },
        };
        let event = Event {
            seq,
            time: e1.time,
            change,
            actor: e1.actor,
            reason: e1.reason,
            evidence: None,
        };
        event
            .check()
            .map_err(|e| StoreError::corrupt(key, e.to_string()))?;
        state
            .apply(&event)
            .map_err(|r| StoreError::corrupt(key, format!("does not replay: {r}")))?;
        events.push(event);
    }
    if state.labels.len() != versions.len() {
        return Err(StoreError::corrupt(
            HISTORY_PREFIX,
            format!(
                "registers {} version(s), the store holds {}",
                state.labels.len(),
                versions.len()
            ),
        )
        .into());
    }
    for (v, stage) in versions.iter().zip(&v1_stages) {
        if state.stage(v.version) != *stage {
            return Err(StoreError::corrupt(
                version_key(v.version),
                format!(
                    "stage {stage} disagrees with the history's {}",
                    state.stage(v.version)
                ),
            )
            .into());
        }
    }
    let meta = Meta {
        schema: SCHEMA_VERSION,
        revision: revision + 1,
    };
    let mut batch = Batch::new()
        .expect(META_KEY, Some(meta_bytes))
        .put(META_KEY, encode("meta", &meta)?)
        .put(STATE_KEY, encode("state", &state)?);
    for v in &versions {
        batch = batch.put(version_key(v.version), encode("version", v)?);
    }
    for e in &events {
        batch = batch.put(history_key(e.seq), encode("event", e)?);
    }
    store.commit(batch).await?;
    Ok(())
}
