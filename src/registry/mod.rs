//! The model registry: versions, lineage, stages and aliases, and an append-only history, over a
//! byte-level store (in memory, a JSON file natively, IndexedDB in the browser).

#[cfg(target_arch = "wasm32")]
pub mod idb;
