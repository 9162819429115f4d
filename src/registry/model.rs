//! The registry's records: a model version with its lineage and metrics, the stages, the actors,
//! the evidence behind a decision, and the events of the append-only history.
//!
//! Every record is validated on the way in (arguments) and on the way out (stored bytes): lengths
//! are capped, floats are finite, the model's hash is recomputed. The limits are constants below.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Largest serialised model accepted, in bytes (16 MiB).
pub const MAX_MODEL_BYTES: usize = 16 * 1024 * 1024;
/// Longest free-text field (reason, note, lineage strings), in characters.
pub const MAX_TEXT: usize = 2000;
/// Longest label, alias or metric name, in characters.
pub const MAX_NAME: usize = 64;
/// Most metrics on one version.
pub const MAX_METRICS: usize = 64;
/// Largest serialised `params` value in a lineage, in bytes.
pub const MAX_PARAMS_BYTES: usize = 64 * 1024;

/// A version's lifecycle stage (MLflow's four stages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Stage {
    /// Registered, not yet staged.
    None,
    /// Under evaluation (the canary, a shadow test).
    Staging,
    /// Serving; at most one version at a time.
    Production,
    /// Retired (superseded, rolled back or archived by hand).
    Archived,
}

impl Stage {
    /// The stage's name as stored and shown (`None`, `Staging`, `Production`, `Archived`).
    pub fn name(self) -> &'static str {
        match self {
            Stage::None => "None",
            Stage::Staging => "Staging",
            Stage::Production => "Production",
            Stage::Archived => "Archived",
        }
    }

    /// Parse a stage name, case-insensitively.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `stage` for anything but the four names.
    pub fn parse(s: &str) -> Result<Stage> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Stage::None),
            "staging" => Ok(Stage::Staging),
            "production" => Ok(Stage::Production),
            "archived" => Ok(Stage::Archived),
            _ => Err(Error::invalid(
                "stage",
                format!("{s:?}"),
                "expected None, Staging, Production or Archived",
            )),
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Who made a change: a person or one of the loop's automatic deciders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// A person, through the page or the command line.
    User,
    /// The retraining gate (drift detected → train a candidate).
    RetrainGate,
    /// The promotion gate (candidate beats production by the margin).
    PromotionGate,
    /// The canary (live traffic on the candidate, rolled back on failure).
    Canary,
    /// The orchestrator running the loop over simulated weeks.
    Orchestrator,
}

impl Actor {
    /// The actor's name as stored and shown (`user`, `retrain_gate`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Actor::User => "user",
            Actor::RetrainGate => "retrain_gate",
            Actor::PromotionGate => "promotion_gate",
            Actor::Canary => "canary",
            Actor::Orchestrator => "orchestrator",
        }
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The numbers behind a decision (all optional): the KS test, both AUCs and the margin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Two-sample KS p-value of the drift test, in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ks_p: Option<f64>,
    /// Two-sample KS statistic D, in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ks_d: Option<f64>,
    /// AUC of the current production model on the evaluation data, in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auc_current: Option<f64>,
    /// AUC of the candidate on the same data, in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auc_candidate: Option<f64>,
    /// The promotion margin the candidate had to beat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    /// The dataset the numbers were measured on (fingerprint or description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where a model came from: enough to rebuild it bit for bit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lineage {
    /// Fingerprint of the training data (sha256 of pandas' `hash_pandas_object`, 12 hex).
    pub data_fingerprint: String,
    /// The seed as typed (decimal digits; any size numpy accepts, hence text).
    pub seed: String,
    /// The drift argument exactly as typed (`"10"` and `"10.0"` are different inputs).
    pub drift: String,
    /// Number of rows generated.
    pub rows: u64,
    /// Hyperparameters of the training run.
    pub params: serde_json::Value,
    /// The crate version that trained the model.
    pub code_version: String,
    /// The build id (crate version + commit) that trained the model.
    pub build_id: String,
}

/// One measured metric, tied to the dataset it was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    /// The metric's name (`auc`).
    pub name: String,
    /// Its value (finite).
    pub value: f64,
    /// The dataset it was measured on (fingerprint or description).
    pub dataset: String,
}

/// What the caller supplies to register a version.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVersion {
    /// The user's label, e.g. `1.1.0`; unique in the registry.
    pub label: String,
    /// The serialised model (opaque JSON text).
    pub model_json: String,
    /// sha256 of `model_json` as 64 lowercase hex digits; see [`model_hash`].
    pub model_hash: String,
    /// Where the model came from.
    pub lineage: Lineage,
    /// Metrics measured at registration.
    pub metrics: Vec<Metric>,
}

/// An immutable registered model version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelVersion {
    /// The version number: 1, 2, 3, ... in order of registration.
    pub version: u32,
    /// The user's label, unique in the registry.
    pub label: String,
    /// The serialised model (opaque JSON text).
    pub model_json: String,
    /// sha256 of `model_json`, 64 lowercase hex digits.
    pub model_hash: String,
    /// Where the model came from.
    pub lineage: Lineage,
    /// Metrics measured at registration.
    pub metrics: Vec<Metric>,
    /// Registration time (the caller's clock, ms).
    pub created_at: f64,
}

/// Who, why, when and on what evidence: the context of every change.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    /// Who made the change.
    pub actor: Actor,
    /// Why, in words.
    pub reason: String,
    /// The numbers behind it, if any.
    pub evidence: Option<Evidence>,
    /// When (the caller's clock in ms; simulated time in the simulation).
    pub time: f64,
}

impl Cause {
    /// A cause without evidence.
    pub fn new(actor: Actor, reason: impl Into<String>, time: f64) -> Self {
        Cause {
            actor,
            reason: reason.into(),
            evidence: None,
            time,
        }
    }

    /// The same cause with evidence attached.
    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence = Some(evidence);
        self
    }
}

/// One version's move from a stage to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    /// The version that moved.
    pub version: u32,
    /// Its stage before.
    pub from: Stage,
    /// Its stage after.
    pub to: Stage,
}

/// What an event changed.
///
/// Written as a JSON object tagged by `kind` (`{"kind": "promote", "version": 3, ...}`). It is read
/// by [`ChangeVisitor`], written by hand: serde's derive for a tagged enum first copies every
/// object into an intermediate tree, which made reading a million-event import several times
/// slower. The rules are the derive's: the `kind` names a variant, its fields are all required,
/// and a field it does not have (or one given twice) is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A new version, in stage None.
    Register {
        /// Its number.
        version: u32,
        /// Its label.
        label: String,
    },
    /// A stage change that is not a promotion (to None, Staging or Archived).
    Transition {
        /// The version.
        version: u32,
        /// Its stage before.
        from: Stage,
        /// Its stage after (never Production).
        to: Stage,
    },
    /// `version` goes to Production; the previous production version, if any, to Archived.
    Promote {
        /// The promoted version.
        version: u32,
        /// Its stage before.
        from: Stage,
        /// The production version it replaced (now Archived).
        replaced: Option<u32>,
    },
    /// Production goes back to the previous production version; the current one to Archived.
    Rollback {
        /// The production version rolled back (now Archived), if there was one.
        from: Option<u32>,
        /// The version restored to Production.
        to: u32,
        /// The restored version's stage before.
        to_was: Stage,
    },
    /// An alias now points to `version`.
    SetAlias {
        /// The alias.
        alias: String,
        /// Its new target.
        version: u32,
        /// Its previous target.
        previous: Option<u32>,
    },
    /// An alias was removed.
    RemoveAlias {
        /// The alias.
        alias: String,
        /// Its target before removal.
        previous: u32,
    },
}

/// A field value of a [`Change`] before its variant is known (`from`, `to` and `previous` hold a
/// stage or a version number depending on the kind).
enum ChangeValue {
    Null,
    Int(u64),
    Text(String),
    /// Anything else (a negative or fractional number, a bool, an object, an array): refused once
    /// the field's type is known, with what it was.
    Other(String),
}

impl<'de> Deserialize<'de> for ChangeValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ChangeValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("null, a version number or a name")
            }
            fn visit_unit<E>(self) -> std::result::Result<ChangeValue, E> {
                Ok(ChangeValue::Null)
            }
            fn visit_none<E>(self) -> std::result::Result<ChangeValue, E> {
                Ok(ChangeValue::Null)
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<ChangeValue, E> {
                Ok(ChangeValue::Int(v))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<ChangeValue, E> {
                Ok(u64::try_from(v).map_or_else(
                    |_| ChangeValue::Other(format!("integer `{v}`")),
                    ChangeValue::Int,
                ))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<ChangeValue, E> {
                Ok(ChangeValue::Other(format!("floating point `{v}`")))
            }
            fn visit_bool<E>(self, v: bool) -> std::result::Result<ChangeValue, E> {
                Ok(ChangeValue::Other(format!("boolean `{v}`")))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<ChangeValue, E> {
                Ok(ChangeValue::Text(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<ChangeValue, E> {
                Ok(ChangeValue::Text(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<ChangeValue, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(ChangeValue::Other("sequence".into()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<ChangeValue, A::Error> {
                while a
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(ChangeValue::Other("map".into()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The names of [`Change`]'s kinds, as they are written.
const CHANGE_KINDS: &[&str] = &[
    "register",
    "transition",
    "promote",
    "rollback",
    "set_alias",
    "remove_alias",
];

/// Reads a [`Change`] from a JSON object (see [`Change`]).
struct ChangeVisitor;

impl<'de> serde::de::Visitor<'de> for ChangeVisitor {
    type Value = Change;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a change: an object with a `kind`")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Change, A::Error> {
        use serde::de::Error as _;
        const NAMES: [&str; 9] = [
            "kind", "version", "label", "from", "to", "replaced", "to_was", "alias", "previous",
        ];
        let mut values: [Option<ChangeValue>; 9] = Default::default();
        /// A key, read as its index in `NAMES` (no copy of the text).
        struct Key(usize);
        impl<'de> Deserialize<'de> for Key {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                struct K;
                impl serde::de::Visitor<'_> for K {
                    type Value = Key;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("a field name")
                    }
                    fn visit_str<E: serde::de::Error>(
                        self,
                        v: &str,
                    ) -> std::result::Result<Key, E> {
                        NAMES
                            .iter()
                            .position(|n| *n == v)
                            .map(Key)
                            .ok_or_else(|| E::unknown_field(v, &NAMES))
                    }
                }
                d.deserialize_identifier(K)
            }
        }
        while let Some(Key(i)) = map.next_key::<Key>()? {
            let name = NAMES.get(i).copied().unwrap_or_default();
            let slot = values.get_mut(i).ok_or_else(|| A::Error::custom("field"))?;
            if slot.is_some() {
                return Err(A::Error::duplicate_field(name));
            }
            *slot = Some(map.next_value()?);
        }
        let [kind, version, label, from, to, replaced, to_was, alias, previous] = values;
        let kind = match kind {
            Some(ChangeValue::Text(k)) => k,
            Some(_) => return Err(A::Error::custom("invalid type: `kind` must be a name")),
            None => return Err(A::Error::missing_field("kind")),
        };
        // The fields present, and the ones this kind has.
        let present = [
            ("version", version.is_some()),
            ("label", label.is_some()),
            ("from", from.is_some()),
            ("to", to.is_some()),
            ("replaced", replaced.is_some()),
            ("to_was", to_was.is_some()),
            ("alias", alias.is_some()),
            ("previous", previous.is_some()),
        ];
        let fields: &'static [&'static str] = match kind.as_str() {
            "register" => &["version", "label"],
            "transition" => &["version", "from", "to"],
            "promote" => &["version", "from", "replaced"],
            "rollback" => &["from", "to", "to_was"],
            "set_alias" => &["alias", "version", "previous"],
            "remove_alias" => &["alias", "previous"],
            other => return Err(A::Error::unknown_variant(other, CHANGE_KINDS)),
        };
        if let Some((name, _)) = present.iter().find(|(n, p)| *p && !fields.contains(n)) {
            return Err(A::Error::unknown_field(name, fields));
        }
        let need = |name: &'static str, v: Option<ChangeValue>| {
            v.ok_or_else(|| A::Error::missing_field(name))
        };
        let wrong = |name: &str, got: &ChangeValue, expected: &str| {
            let got = match got {
                ChangeValue::Null => "null".to_string(),
                ChangeValue::Int(n) => format!("integer `{n}`"),
                ChangeValue::Text(t) => format!("string {t:?}"),
                ChangeValue::Other(o) => o.clone(),
            };
            A::Error::custom(format_args!(
                "invalid type for `{name}`: {got}, expected {expected}"
            ))
        };
        let number = |name: &'static str, v: ChangeValue| match v {
            ChangeValue::Int(n) => u32::try_from(n).map_err(|_| {
                A::Error::custom(format_args!(
                    "invalid value for `{name}`: integer `{n}`, expected u32"
                ))
            }),
            other => Err(wrong(name, &other, "u32")),
        };
        // A missing `Option` field is `None`, as serde's derive reads it.
        let maybe = |name: &'static str, v: Option<ChangeValue>| match v {
            None | Some(ChangeValue::Null) => Ok(None),
            Some(other) => number(name, other).map(Some),
        };
        let text = |name: &'static str, v: ChangeValue| match v {
            ChangeValue::Text(t) => Ok(t),
            other => Err(wrong(name, &other, "a string")),
        };
        let stage = |name: &'static str, v: ChangeValue| match v {
            ChangeValue::Text(t) => match t.as_str() {
                "None" => Ok(Stage::None),
                "Staging" => Ok(Stage::Staging),
                "Production" => Ok(Stage::Production),
                "Archived" => Ok(Stage::Archived),
                other => Err(A::Error::unknown_variant(
                    other,
                    &["None", "Staging", "Production", "Archived"],
                )),
            },
            other => Err(wrong(name, &other, "a stage")),
        };
        Ok(match kind.as_str() {
            "register" => Change::Register {
                version: number("version", need("version", version)?)?,
                label: text("label", need("label", label)?)?,
            },
            "transition" => Change::Transition {
                version: number("version", need("version", version)?)?,
                from: stage("from", need("from", from)?)?,
                to: stage("to", need("to", to)?)?,
            },
            "promote" => Change::Promote {
                version: number("version", need("version", version)?)?,
                from: stage("from", need("from", from)?)?,
                replaced: maybe("replaced", replaced)?,
            },
            "rollback" => Change::Rollback {
                from: maybe("from", from)?,
                to: number("to", need("to", to)?)?,
                to_was: stage("to_was", need("to_was", to_was)?)?,
            },
            "set_alias" => Change::SetAlias {
                alias: text("alias", need("alias", alias)?)?,
                version: number("version", need("version", version)?)?,
                previous: maybe("previous", previous)?,
            },
            _ => Change::RemoveAlias {
                alias: text("alias", need("alias", alias)?)?,
                previous: number("previous", need("previous", previous)?)?,
            },
        })
    }
}

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(ChangeVisitor)
    }
}

impl Change {
    /// The stage moves this change makes, in order (empty for registrations and aliases).
    pub fn moves(&self) -> Vec<Move> {
        match *self {
            Change::Register { .. } | Change::SetAlias { .. } | Change::RemoveAlias { .. } => {
                Vec::new()
            }
            Change::Transition { version, from, to } => vec![Move { version, from, to }],
            Change::Promote {
                version,
                from,
                replaced,
            } => {
                let mut m: Vec<Move> = replaced
                    .map(|p| Move {
                        version: p,
                        from: Stage::Production,
                        to: Stage::Archived,
                    })
                    .into_iter()
                    .collect();
                m.push(Move {
                    version,
                    from,
                    to: Stage::Production,
                });
                m
            }
            Change::Rollback { from, to, to_was } => {
                let mut m: Vec<Move> = from
                    .map(|p| Move {
                        version: p,
                        from: Stage::Production,
                        to: Stage::Archived,
                    })
                    .into_iter()
                    .collect();
                m.push(Move {
                    version: to,
                    from: to_was,
                    to: Stage::Production,
                });
                m
            }
        }
    }

    /// A one-line description: `v2 Staging → Production; v1 Production → Archived`.
    pub fn describe(&self) -> String {
        match self {
            Change::Register { version, label } => format!("register v{version} ({label})"),
            Change::SetAlias {
                alias,
                version,
                previous,
            } => match previous {
                Some(p) => format!("alias {alias}: v{p} → v{version}"),
                None => format!("alias {alias} → v{version}"),
            },
            Change::RemoveAlias { alias, previous } => {
                format!("alias {alias} removed (was v{previous})")
            }
            _ => {
                let kind = match self {
                    Change::Promote { .. } => "promote",
                    Change::Rollback { .. } => "rollback",
                    _ => "transition",
                };
                let moves: Vec<String> = self
                    .moves()
                    .iter()
                    .map(|m| format!("v{} {} → {}", m.version, m.from, m.to))
                    .collect();
                format!("{kind}: {}", moves.join("; "))
            }
        }
    }
}

/// One entry of the append-only history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Position in the history: 1, 2, 3, ...
    pub seq: u64,
    /// When (the caller's clock, ms); never earlier than the previous event.
    pub time: f64,
    /// What changed.
    pub change: Change,
    /// Who changed it.
    pub actor: Actor,
    /// Why.
    pub reason: String,
    /// The numbers behind the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// sha256 of the model's JSON text, as 64 lowercase hex digits (the registry's model hash).
pub fn model_hash(model_json: &str) -> String {
    Sha256::digest(model_json.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn check_text(field: &'static str, s: &str, max: usize, allow_empty: bool) -> Result<()> {
    let n = s.chars().count();
    if n > max {
        return Err(Error::invalid(
            field,
            format!("<{n} characters>"),
            format!("at most {max} characters"),
        ));
    }
    if !allow_empty && s.trim().is_empty() {
        return Err(Error::invalid(field, format!("{s:?}"), "must not be empty"));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::invalid(
            field,
            format!("{s:?}"),
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Check a version label: 1–64 characters, no control characters, no surrounding spaces.
///
/// # Errors
/// [`Error::Invalid`] naming `label`.
pub fn check_label(label: &str) -> Result<()> {
    check_text("label", label, MAX_NAME, false)?;
    if label.trim() != label || label.contains(['\n', '\t']) {
        return Err(Error::invalid(
            "label",
            format!("{label:?}"),
            "must not have surrounding spaces or line breaks",
        ));
    }
    Ok(())
}

/// Check an alias name: `[a-z][a-z0-9_-]*`, at most 64 characters, and not `v<digits>`
/// (reserved for versions, as in MLflow).
///
/// # Errors
/// [`Error::Invalid`] naming `alias`.
pub fn check_alias(alias: &str) -> Result<()> {
    let mut chars = alias.chars();
    let ok_first = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let ok_rest =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !ok_first || !ok_rest || alias.len() > MAX_NAME {
        return Err(Error::invalid(
            "alias",
            format!("{alias:?}"),
            "expected a lowercase letter then lowercase letters, digits, '_' or '-', at most 64 in all",
        ));
    }
    if alias.len() > 1 && alias.starts_with('v') && alias[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            "alias",
            format!("{alias:?}"),
            "v<number> is reserved for version numbers",
        ));
    }
    Ok(())
}

/// The latest time a record may carry, in ms since the Unix epoch: the end of a JavaScript
/// `Date`'s range (8.64e15 ms, 100,000,000 days, the year 275760), so the page can show every
/// time it stores.
pub const MAX_TIME_MS: f64 = 8.64e15;

/// A time as people read it: plain up to 1e16, in exponent form beyond (`1e308`, not 309 digits).
pub fn time_text(time: f64) -> String {
    if time.abs() < 1e16 {
        time.to_string()
    } else {
        format!("{time:e}")
    }
}

/// Why `time` is not a valid time stamp, if it is not: the one range check of every time the
/// registry writes, imports or reads back (0 to [`MAX_TIME_MS`], finite).
pub fn time_problem(time: f64) -> Option<String> {
    if (0.0..=MAX_TIME_MS).contains(&time) {
        None
    } else {
        Some(format!(
            "{} is outside the valid range of times: 0 to 8.64e15 ms since 1970 \
             (a JavaScript Date's range)",
            time_text(time)
        ))
    }
}

/// Check a time stamp: finite, from 0 to [`MAX_TIME_MS`].
///
/// # Errors
/// [`Error::Invalid`] naming `time`.
pub fn check_time(time: f64) -> Result<()> {
    match time_problem(time) {
        None => Ok(()),
        Some(_) => Err(Error::invalid(
            "time",
            time_text(time),
            "expected a time in ms from 0 to 8.64e15 (a JavaScript Date's range)",
        )),
    }
}

fn check_unit(field: &'static str, v: Option<f64>) -> Result<()> {
    match v {
        Some(x) if !(0.0..=1.0).contains(&x) => {
            Err(Error::invalid(field, x, "expected a number in [0, 1]"))
        }
        _ => Ok(()),
    }
}

impl Evidence {
    /// Check every field: probabilities and AUCs in [0, 1], a finite margin, short texts.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn check(&self) -> Result<()> {
        check_unit("evidence.ks_p", self.ks_p)?;
        check_unit("evidence.ks_d", self.ks_d)?;
        check_unit("evidence.auc_current", self.auc_current)?;
        check_unit("evidence.auc_candidate", self.auc_candidate)?;
        if let Some(m) = self.margin {
            if !m.is_finite() {
                return Err(Error::invalid(
                    "evidence.margin",
                    m,
                    "expected a finite number",
                ));
            }
        }
        if let Some(d) = &self.dataset {
            check_text("evidence.dataset", d, MAX_TEXT, true)?;
        }
        if let Some(n) = &self.note {
            check_text("evidence.note", n, MAX_TEXT, true)?;
        }
        Ok(())
    }
}

impl Cause {
    /// Check the reason, the evidence and the time.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn check(&self) -> Result<()> {
        check_text("reason", &self.reason, MAX_TEXT, true)?;
        if let Some(e) = &self.evidence {
            e.check()?;
        }
        check_time(self.time)
    }
}

impl Lineage {
    /// Check lengths and the size of `params`.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn check(&self) -> Result<()> {
        check_text(
            "lineage.data_fingerprint",
            &self.data_fingerprint,
            MAX_TEXT,
            true,
        )?;
        check_text("lineage.seed", &self.seed, MAX_TEXT, true)?;
        check_text("lineage.drift", &self.drift, MAX_TEXT, true)?;
        check_text("lineage.code_version", &self.code_version, MAX_TEXT, true)?;
        check_text("lineage.build_id", &self.build_id, MAX_TEXT, true)?;
        let n = serde_json::to_string(&self.params)
            .map(|s| s.len())
            .unwrap_or(usize::MAX);
        if n > MAX_PARAMS_BYTES {
            return Err(Error::invalid(
                "lineage.params",
                format!("<{n} bytes>"),
                format!("at most {MAX_PARAMS_BYTES} bytes of JSON"),
            ));
        }
        Ok(())
    }
}

fn check_metrics(metrics: &[Metric]) -> Result<()> {
    if metrics.len() > MAX_METRICS {
        return Err(Error::invalid(
            "metrics",
            format!("<{} metrics>", metrics.len()),
            format!("at most {MAX_METRICS}"),
        ));
    }
    for m in metrics {
        check_text("metrics.name", &m.name, MAX_NAME, false)?;
        check_text("metrics.dataset", &m.dataset, MAX_TEXT, true)?;
        if !m.value.is_finite() {
            return Err(Error::invalid(
                "metrics.value",
                m.value,
                format!("metric {:?} must be finite", m.name),
            ));
        }
    }
    Ok(())
}

fn check_model(model_json: &str, model_hash_hex: &str) -> Result<()> {
    if model_json.len() > MAX_MODEL_BYTES {
        return Err(Error::invalid(
            "model_json",
            format!("<{} bytes>", model_json.len()),
            format!("at most {MAX_MODEL_BYTES} bytes"),
        ));
    }
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(model_json) {
        return Err(Error::invalid(
            "model_json",
            format!("<{} bytes>", model_json.len()),
            format!("not JSON: {e}"),
        ));
    }
    let actual = model_hash(model_json);
    if actual != model_hash_hex {
        return Err(Error::invalid(
            "model_hash",
            format!("{model_hash_hex:?}"),
            format!("does not match sha256 of model_json ({actual})"),
        ));
    }
    Ok(())
}

/// Check that `model_json` is a model the loader accepts: the one validation of a model, shared
/// by loading ([`crate::gbm::GbmModel::from_json`], which serving uses), registration and import,
/// so the registry never holds a model that cannot be served (a cycle, a NaN threshold, a child
/// index out of range are refused even with a matching hash).
///
/// # Errors
/// [`Error::Invalid`] naming `model_json` and saying what the loader refused.
pub fn check_loadable(model_json: &str) -> Result<()> {
    match crate::gbm::GbmModel::from_json(model_json) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::invalid(
            "model_json",
            format!("<{} bytes>", model_json.len()),
            format!("not a model this build can load: {e}"),
        )),
    }
}

impl NewVersion {
    /// Check the label, the model (JSON, size, hash, and that it loads), the lineage and the
    /// metrics.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn check(&self) -> Result<()> {
        check_label(&self.label)?;
        check_model(&self.model_json, &self.model_hash)?;
        check_loadable(&self.model_json)?;
        self.lineage.check()?;
        check_metrics(&self.metrics)
    }
}

impl ModelVersion {
    /// Check every field as at registration, plus the version number and time.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn check(&self) -> Result<()> {
        if self.version == 0 {
            return Err(Error::invalid("version", 0, "versions start at 1"));
        }
        check_label(&self.label)?;
        check_model(&self.model_json, &self.model_hash)?;
        self.lineage.check()?;
        check_metrics(&self.metrics)?;
        check_time(self.created_at)
    }
}

impl Event {
    /// Check the event's own fields (texts, evidence, time, alias names, labels); whether it
    /// applies to the registry's state is [`super::history::State::apply`]'s business.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn check(&self) -> Result<()> {
        check_text("reason", &self.reason, MAX_TEXT, true)?;
        if let Some(e) = &self.evidence {
            e.check()?;
        }
        check_time(self.time)?;
        match &self.change {
            Change::Register { label, .. } => check_label(label),
            Change::SetAlias { alias, .. } | Change::RemoveAlias { alias, .. } => {
                check_alias(alias)
            }
            _ => Ok(()),
        }
    }
}
