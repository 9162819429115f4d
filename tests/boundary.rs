//! The boundary rule: only `src/wasm/` (the JavaScript exports) and `src/registry/idb.rs` (the
//! IndexedDB store) name `wasm_bindgen`, `js_sys` or `web_sys`. The rest of the core is plain
//! Rust, so that it runs natively (CLI, tests) exactly as in the browser.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

const BINDINGS: [&str; 3] = ["wasm_bindgen", "js_sys", "web_sys"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

fn is_boundary(rel: &str) -> bool {
    rel.starts_with("src/wasm/") || rel == "src/registry/idb.rs"
}

#[test]
fn only_the_boundary_names_the_js_bindings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut offenders = Vec::new();
    let mut boundary_hits = 0;
    for path in &files {
        let rel = path
            .strip_prefix(root)
            .expect("under the crate")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).expect("read source");
        for (n, line) in text.lines().enumerate() {
            if let Some(name) = BINDINGS.iter().find(|b| line.contains(*b)) {
                if is_boundary(&rel) {
                    boundary_hits += 1;
                } else {
                    offenders.push(format!("{rel}:{}: names {name}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "only src/wasm/ and src/registry/idb.rs may name the JS bindings:\n{}",
        offenders.join("\n")
    );
    // The scan saw the boundary itself (a wrong root or pattern would pass vacuously).
    assert!(
        boundary_hits > 20,
        "the scan found only {boundary_hits} binding lines in the boundary"
    );
    assert!(
        files.iter().any(|p| p.ends_with("src/wasm/mod.rs")),
        "src/wasm/mod.rs not found"
    );
}
