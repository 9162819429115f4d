//! The registry's queries: the revision, the state, the production version (now and at a past
//! time), aliases, the listing, a version record, the whole history and a page of it. Its place in
//! the loop: what the page, the CLI and the loop's lineage read; nothing here writes.

use super::{decode, history_key, version_key, Registry, HISTORY_PREFIX, HISTORY_RUN};
use crate::registry::history::{self, State};
use crate::registry::model::{Event, ModelVersion, Stage};
use crate::registry::store::{Store, StoreError};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

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

impl<S: Store> Registry<S> {
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
}

/// The events of the history record `key` (`bytes`), which must start at event `first`: one event
/// (a JSON object, as every write stores it) or a run of up to [`HISTORY_RUN`] consecutive events
/// (a JSON array, as an import stores them, so that a long history is a few large records rather
/// than a million small ones). Every event is checked as on the way in.
///
/// # Errors
/// [`StoreError::Corrupt`] naming `key`.
fn decode_events(first: u64, key: &str, bytes: &[u8]) -> Result<Vec<Event>, StoreError> {
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
