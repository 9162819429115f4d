//! A registry import of arbitrary bytes: never a panic; a rejected import changes nothing.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mlops_loop::registry::{block_on, validate_export, MemStore, Registry};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = validate_export(text);
    let store = MemStore::new();
    let Ok(reg) = block_on(Registry::open(store.clone())) else { return };
    let before = block_on(reg.export_json()).ok();
    if block_on(reg.import_json(text)).is_err() {
        assert_eq!(block_on(reg.export_json()).ok(), before, "a rejected import changed the registry");
    }
});
