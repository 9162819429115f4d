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
//! # Storage layout (schema 3)
//!
//! | key | record | mutable |
//! |---|---|---|
//! | `meta` | `{"schema": 3, "revision": n}`: every mutation is conditioned on it and bumps it | yes |
//! | `state` | labels, stages, aliases, production trail, event count, last time | yes |
//! | `version/00000001` | a [`ModelVersion`]: label, model JSON + sha256, lineage, metrics, created_at | no |
//! | `history/00000001` | an [`Event`] (time, change, actor, reason, evidence), or a run of up to [`HISTORY_RUN`] consecutive events starting at that number | no (append-only) |
//!
//! A write appends one event record; an import writes the history in runs, so that a history at
//! the size limit is a few hundred records (fast to write and to page through) rather than a few
//! hundred thousand. Schema 2 (one event per record) is read as it is; opening it only updates
//! `meta`. Reading a page of the history ([`Registry::history_page`]) reads only the records
//! holding it. Every time stored is in a JavaScript `Date`'s range ([`model::MAX_TIME_MS`]).
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
    check_import, history_key, validate_export, version_key, CheckedImport, Export, ImportSummary,
    Listing, Meta, Registry, EXPORT_FORMAT, EXPORT_SCHEMA, HISTORY_PREFIX, HISTORY_RUN,
    MAX_ALIASES, MAX_EVENTS, MAX_IMPORT_BYTES, MAX_VERSIONS, META_KEY, SCHEMA_VERSION, STATE_KEY,
    STORE_FORMAT, VERSION_PREFIX,
};
#[cfg(not(target_arch = "wasm32"))]
pub use file::FileStore;
pub use history::State;
pub use mem::MemStore;
pub use model::{
    check_loadable, model_hash, time_text, Actor, Cause, Change, Event, Evidence, Lineage, Metric,
    ModelVersion, Move, NewVersion, Stage, MAX_TIME_MS,
};
pub use store::{block_on, Batch, Store, StoreError, Write};
