//! One crate error wrapping one enum per module; every message names the field and the value.

/// Errors raised by input validation anywhere in the crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// An argument was outside its domain. `field` names it, `value` shows what was given.
    #[error("invalid {field} = {value}: {reason}")]
    Invalid {
        /// The argument's name as the user wrote it (`rows`, `drift`, ...).
        field: &'static str,
        /// The offending value, as text.
        value: String,
        /// Why it is rejected, and what would be accepted.
        reason: String,
    },
    /// A path of the reference algorithm that this crate does not implement.
    #[error("not supported: {0}")]
    Unsupported(String),
    /// Malformed or hostile serialized input (a model, a registry export).
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A storage failure under the model registry (conflict, quota, corrupt record, I/O).
    #[error("registry storage: {0}")]
    Store(#[from] crate::registry::StoreError),
    /// A learner's gate (exercise 2 or 3 in Python) failed: traceback and line.
    #[error("{0}")]
    Program(#[from] crate::learner::ProgramError),
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    /// The value is shown in full up to 80 characters, else cut there with its length noted (a
    /// pasted 100 kB string must not become a 100 kB message).
    pub fn invalid(field: &'static str, value: impl ToString, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            value: shorten(value.to_string()),
            reason: reason.into(),
        }
    }
}

/// A number as people read it in a message: as Rust writes it when that is short (`0.05`, `-5`,
/// `1796630105711`), else in exponent form (`1e308`, `-1e-320`, not 309 digits).
pub fn num_text(v: f64) -> String {
    let plain = v.to_string();
    if plain.len() <= 24 {
        plain
    } else {
        format!("{v:e}")
    }
}

/// At most 80 characters of `text` (on a char boundary), with the original length noted.
fn shorten(text: String) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}… ({} characters)", text.chars().count())
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
