//! The registry's verbs that append one event: register, transition, promote, archive, rollback,
//! set and remove an alias. Its place in the loop: training registers, the promotion gate promotes,
//! the canary rolls back, a person moves stages and aliases; each is read-compute-commit on `meta`,
//! retried on a conflict.

use super::{encode, history_key, Meta, Registry, MAX_EVENTS, MAX_VERSIONS, META_KEY};
use super::{version_key, HISTORY_RUN, MAX_ALIASES, SCHEMA_VERSION, STATE_KEY};
use crate::registry::history::State;
use crate::registry::model::{
    check_alias, time_problem, time_text, Cause, Change, Event, ModelVersion, NewVersion, Stage,
};
use crate::registry::store::{Batch, Store, StoreError, Write};
use crate::{Error, Result};

impl<S: Store> Registry<S> {
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

    /// Check that the record of `version` reads back whole (fields, model hash) before it is
    /// put into production: a hand-edited or damaged record is refused, as `get` and `export`
    /// refuse it. An unknown version passes here; the verb's own check names it.
    async fn servable(&self, version: u32) -> Result<()> {
        match self.get(version).await {
            Ok(_) | Err(Error::Invalid { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Promote `version` to Production; the production version, if any, goes to Archived in
    /// the same batch (so there is never more than one Production version).
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unknown version or one already in Production;
    /// [`Error::Store`] with [`StoreError::Corrupt`] when the version's record is damaged (its
    /// model does not match its hash, ...), and as for [`Registry::register`].
    pub async fn promote(&self, version: u32, cause: &Cause) -> Result<Event> {
        self.servable(version).await?;
        self.promote_registered(version, cause).await
    }

    /// [`Registry::promote`] without reading the version's record back: for the loop, which
    /// promotes only versions it registered itself in the same run (checked as they were
    /// written). The read would cost each promotion a decode and hash of the model, and its
    /// allocations shift the page's heap from one identical year to the next (tests/web_limits.rs).
    pub(crate) async fn promote_registered(&self, version: u32, cause: &Cause) -> Result<Event> {
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
    /// [`Error::Store`] with [`StoreError::Corrupt`] when that version's record is damaged, and
    /// as for [`Registry::register`].
    pub async fn rollback(&self, cause: &Cause) -> Result<Event> {
        let checked = self.state().await?.trail.last().copied();
        if let Some(to) = checked {
            self.servable(to).await?;
        }
        self.rollback_to(cause, Some(checked)).await
    }

    /// [`Registry::rollback`] without reading the target's record back: for the loop, as
    /// [`Registry::promote_registered`].
    pub(crate) async fn rollback_registered(&self, cause: &Cause) -> Result<Event> {
        self.rollback_to(cause, None).await
    }

    /// Roll back; with `checked`, only to the version whose record was checked (`Some(None)`:
    /// the trail was empty when checked).
    async fn rollback_to(&self, cause: &Cause, checked: Option<Option<u32>>) -> Result<Event> {
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
            if checked.is_some_and(|c| c != Some(to)) {
                // Another writer changed the trail since its target was checked.
                return Err(StoreError::Conflict(format!(
                    "the registry changed under this rollback: it now returns to version {to}; \
                     nothing was written: look at the registry again and retry"
                ))
                .into());
            }
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
