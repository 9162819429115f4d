//! The model registry: versions, lineage, stages and aliases, and an append-only history, over a
//! byte-level store (in memory, a JSON file natively, IndexedDB in the browser).
//!
//! Its place in the loop: training registers a version with its lineage (data fingerprint,
//! seed, drift as typed, rows, params, code version) and metrics; the promotion gate promotes
//! it with the evidence (KS p, both AUCs, the margin); the canary rolls it back; the page and the
//! CLI list, compare, export and import. Like MLflow's registry it has integer versions, the four
//! stages None / Staging / Production / Archived (at most one Production, always: a promotion
//! archives the old one in the same transaction) and aliases (`champion`, `challenger`, yours;
//! one version per alias); unlike MLflow it keeps a history that answers "which version was in
//! production at time t" and makes rollback a verb.
//!
//! # Storage layout (schema 2)
//!
//! | key | record | mutable |
//! |---|---|---|
//! | `meta` | `{"schema": 2, "revision": n}`: every mutation is conditioned on it and bumps it | yes |
//! | `state` | labels, stages, aliases, production trail, event count, last time | yes |
//! | `version/00000001` | a [`ModelVersion`]: label, model JSON + sha256, lineage, metrics, created_at | no |
//! | `history/00000001` | an [`Event`]: time, change (from → to), actor, reason, evidence | no (append-only) |
//!
//! All records are JSON. `state` is derived: replaying `history/` from empty gives it
//! ([`history::replay`]), which import and migration check and [`Registry::repair`] uses.
//! Every record read is validated (shape, limits, model hash, numbering); a bad one is reported as
//! [`StoreError::Corrupt`] naming its key, and the other records stay readable. Schema 1 is
//! migrated on open (see `migrate.rs`).
//!
//! # Concurrency
//!
//! [`Store::commit`] applies a [`Batch`] atomically *if* `meta` still holds the bytes the writer
//! read. Two tabs (two [`Registry`] values over one store) therefore cannot lose an update: the
//! slower one gets a conflict, re-reads and recomputes. Time comes from the caller ([`Cause`]),
//! never from a clock inside the registry, so the simulation stays deterministic.

mod api;
pub mod history;
pub mod mem;
mod migrate;
pub mod model;
pub mod store;

#[cfg(not(target_arch = "wasm32"))]
pub mod file;
#[cfg(target_arch = "wasm32")]
pub mod idb;

pub use api::{
    history_key, validate_export, version_key, Export, ImportSummary, Listing, Meta, Registry,
    EXPORT_FORMAT, HISTORY_PREFIX, MAX_ALIASES, MAX_EVENTS, MAX_IMPORT_BYTES, MAX_VERSIONS,
    META_KEY, SCHEMA_VERSION, STATE_KEY, VERSION_PREFIX,
};
#[cfg(not(target_arch = "wasm32"))]
pub use file::FileStore;
pub use history::State;
pub use mem::MemStore;
pub use model::{
    model_hash, Actor, Cause, Change, Event, Evidence, Lineage, Metric, ModelVersion, Move,
    NewVersion, Stage,
};
#[cfg(not(target_arch = "wasm32"))]
pub use store::block_on;
pub use store::{poll_now, Batch, Store, StoreError, Write};
