//! A history event's [`Change`] (what moved: a registration, a stage change, a promotion, a
//! rollback, an alias) and its hand-written reader; [`Change::moves`] and [`Change::describe`] say
//! what it did. Its place in the loop: every decision the registry records ends up as one.

use super::Stage;
use serde::{Deserialize, Serialize};

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
