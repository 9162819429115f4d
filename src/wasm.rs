//! The JavaScript boundary (wasm32 only).
use wasm_bindgen::prelude::*;

/// The crate version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::build_id()
}
