//! The registry's current state (stages, aliases, the production trail) and the one function that
//! moves it: [`State::apply`]. Every mutation builds an [`Event`] and applies it here; replaying the
//! history from an empty state therefore rebuilds the state, which import and migration check.
//!
//! The production trail answers "what was in production before?": when a version leaves
//! Production by a promotion or by hand it is pushed on the trail; a rollback pops the trail's
//! top back into Production and archives the version it replaces *without* pushing it (it was
//! rolled back for a reason), so repeated rollbacks walk further back in time.

use super::model::{check_alias, time_problem, Change, Event, Stage};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The registry's current state, derived from the history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Version labels: `labels[v - 1]` is version `v`'s.
    pub labels: Vec<String>,
    /// Stage of every version not in stage None.
    pub stages: BTreeMap<u32, Stage>,
    /// Alias → version.
    pub aliases: BTreeMap<String, u32>,
    /// Earlier production versions, most recent last (the rollback targets).
    pub trail: Vec<u32>,
    /// Number of events in the history.
    pub events: u64,
    /// Time of the last event.
    pub last_time: Option<f64>,
}

impl State {
    /// Number of registered versions (they are numbered 1..=n).
    pub fn versions(&self) -> u32 {
        u32::try_from(self.labels.len()).unwrap_or(u32::MAX)
    }

    /// Whether `version` is registered.
    pub fn has(&self, version: u32) -> bool {
        version >= 1 && version <= self.versions()
    }

    /// The stage of `version` (None for unknown versions too).
    pub fn stage(&self, version: u32) -> Stage {
        self.stages.get(&version).copied().unwrap_or(Stage::None)
    }

    /// The production version, if any.
    pub fn production(&self) -> Option<u32> {
        self.stages
            .iter()
            .find(|(_, s)| **s == Stage::Production)
            .map(|(v, _)| *v)
    }

    /// The aliases pointing to `version`, sorted.
    pub fn aliases_of(&self, version: u32) -> Vec<String> {
        self.aliases
            .iter()
            .filter(|(_, v)| **v == version)
            .map(|(a, _)| a.clone())
            .collect()
    }

    /// The version with this label, if any.
    pub fn find_label(&self, label: &str) -> Option<u32> {
        self.labels
            .iter()
            .position(|l| l == label)
            .and_then(|i| u32::try_from(i + 1).ok())
    }

    fn set_stage(&mut self, version: u32, stage: Stage) {
        if stage == Stage::None {
            self.stages.remove(&version);
        } else {
            self.stages.insert(version, stage);
        }
    }

    fn push_trail(&mut self, version: u32) {
        self.trail.retain(|v| *v != version);
        self.trail.push(version);
    }

    fn need(&self, version: u32) -> Result<(), String> {
        if self.has(version) {
            Ok(())
        } else {
            Err(format!(
                "version {version} does not exist (the registry has {} version(s))",
                self.versions()
            ))
        }
    }

    fn need_stage(&self, version: u32, from: Stage) -> Result<(), String> {
        self.need(version)?;
        let now = self.stage(version);
        if now == from {
            Ok(())
        } else {
            Err(format!(
                "version {version} is in stage {now}, the event says {from}"
            ))
        }
    }

    /// Apply one event; on error the state is unchanged and the message says why.
    ///
    /// # Errors
    /// The event does not follow from this state: wrong sequence number, time going backwards,
    /// unknown version, a `from` stage that is not the version's stage, a second Production.
    pub fn apply(&mut self, event: &Event) -> Result<(), String> {
        let mut next = self.clone();
        next.apply_in_place(event)?;
        *self = next;
        Ok(())
    }

    fn apply_in_place(&mut self, event: &Event) -> Result<(), String> {
        if event.seq != self.events + 1 {
            return Err(format!(
                "event number {} should be {}",
                event.seq,
                self.events + 1
            ));
        }
        if let Some(why) = time_problem(event.time) {
            return Err(format!("event time {why}"));
        }
        if let Some(last) = self.last_time {
            if event.time < last {
                return Err(format!(
                    "event time {} is earlier than the previous event's {last}",
                    event.time
                ));
            }
        }
        match &event.change {
            Change::Register { version, label } => {
                if *version != self.versions().saturating_add(1) {
                    return Err(format!(
                        "registers version {version}, the next version is {}",
                        self.versions().saturating_add(1)
                    ));
                }
                if let Some(v) = self.find_label(label) {
                    return Err(format!("label {label:?} is already version {v}"));
                }
                self.labels.push(label.clone());
            }
            Change::Transition { version, from, to } => {
                self.need_stage(*version, *from)?;
                if from == to {
                    return Err(format!("version {version} is already in stage {to}"));
                }
                if *to == Stage::Production {
                    return Err("a move to Production must be a promotion".to_string());
                }
                if *from == Stage::Production {
                    self.push_trail(*version);
                }
                self.set_stage(*version, *to);
            }
            Change::Promote {
                version,
                from,
                replaced,
            } => {
                self.need_stage(*version, *from)?;
                if *from == Stage::Production {
                    return Err(format!("version {version} is already in Production"));
                }
                if *replaced != self.production() {
                    return Err(format!(
                        "the event replaces {replaced:?}, the production version is {:?}",
                        self.production()
                    ));
                }
                if let Some(p) = replaced {
                    self.set_stage(*p, Stage::Archived);
                    self.push_trail(*p);
                }
                self.trail.retain(|v| v != version);
                self.set_stage(*version, Stage::Production);
            }
            Change::Rollback { from, to, to_was } => {
                if *from != self.production() {
                    return Err(format!(
                        "the rollback leaves {from:?}, the production version is {:?}",
                        self.production()
                    ));
                }
                if self.trail.last() != Some(to) {
                    return Err(format!(
                        "the rollback restores {to}, the previous production version is {:?}",
                        self.trail.last()
                    ));
                }
                self.need_stage(*to, *to_was)?;
                self.trail.pop();
                if let Some(p) = from {
                    self.set_stage(*p, Stage::Archived);
                }
                self.set_stage(*to, Stage::Production);
            }
            Change::SetAlias {
                alias,
                version,
                previous,
            } => {
                check_alias(alias).map_err(|e| e.to_string())?;
                self.need(*version)?;
                let now = self.aliases.get(alias).copied();
                if now != *previous {
                    return Err(format!(
                        "alias {alias} points to {now:?}, the event says {previous:?}"
                    ));
                }
                if now == Some(*version) {
                    return Err(format!("alias {alias} already points to {version}"));
                }
                self.aliases.insert(alias.clone(), *version);
            }
            Change::RemoveAlias { alias, previous } => {
                let now = self.aliases.get(alias).copied();
                if now != Some(*previous) {
                    return Err(format!(
                        "alias {alias} points to {now:?}, the event says {previous}"
                    ));
                }
                self.aliases.remove(alias);
            }
        }
        if self
            .stages
            .values()
            .filter(|s| **s == Stage::Production)
            .count()
            > 1
        {
            return Err("two versions would be in Production".to_string());
        }
        self.events += 1;
        self.last_time = Some(event.time);
        Ok(())
    }

    /// Check the state's own invariants (for a state read back from storage).
    ///
    /// # Errors
    /// A message naming the broken invariant.
    pub fn check(&self) -> Result<(), String> {
        for (i, l) in self.labels.iter().enumerate() {
            if self.labels[..i].contains(l) {
                return Err(format!("label {l:?} is used twice"));
            }
        }
        let mut production = 0;
        for (v, s) in &self.stages {
            self.need(*v)?;
            match s {
                Stage::None => return Err(format!("version {v} is stored with stage None")),
                Stage::Production => production += 1,
                _ => {}
            }
        }
        if production > 1 {
            return Err(format!("{production} versions are in Production"));
        }
        for (a, v) in &self.aliases {
            check_alias(a).map_err(|e| e.to_string())?;
            self.need(*v)?;
        }
        for (i, v) in self.trail.iter().enumerate() {
            self.need(*v)?;
            if self.trail[..i].contains(v) || Some(*v) == self.production() {
                return Err(format!("version {v} appears twice in the production trail"));
            }
        }
        if self.events < u64::from(self.versions()) {
            return Err(format!(
                "{} events cannot register {} versions",
                self.events,
                self.versions()
            ));
        }
        if let Some(t) = self.last_time {
            if !t.is_finite() || t < 0.0 {
                return Err(format!("last event time {t} is not a valid time"));
            }
        }
        Ok(())
    }
}

/// Replay a history from the empty state.
///
/// # Errors
/// The first event that does not apply, with its number and why.
pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<State, String> {
    let mut s = State::default();
    for e in events {
        s.apply_in_place(e)
            .map_err(|r| format!("event {}: {r}", e.seq))?;
    }
    Ok(s)
}

/// The production version after the last event at or before `time`.
///
/// # Errors
/// As [`replay`].
pub fn production_at<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    time: f64,
) -> Result<Option<u32>, String> {
    let mut s = State::default();
    for e in events {
        if e.time > time {
            break;
        }
        s.apply_in_place(e)
            .map_err(|r| format!("event {}: {r}", e.seq))?;
    }
    Ok(s.production())
}
