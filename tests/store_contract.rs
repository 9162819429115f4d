//! The store contract (tests/common/store_contract.rs) against the memory and file stores, plus
//! the faults only these backends can inject for real: a transaction aborted half-way, a quota,
//! a corrupt or locked file.
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/store_contract.rs"]
mod store_contract;

use mlops_loop::registry::{
    block_on, Actor, Batch, Cause, FileStore, MemStore, Registry, Stage, Store, StoreError,
};
use mlops_loop::Error;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use store_contract::{run_contract, sample, CHECKS};

/// A fresh directory under the system temp dir, unique per process and call.
fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("mlops-loop-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

fn cause(t: f64) -> Cause {
    Cause::new(Actor::User, "test", t)
}

#[test]
fn contract_mem_store() {
    let ran =
        block_on(async { Ok::<_, StoreError>(run_contract(|| async { MemStore::new() }).await) })
            .expect("the memory store answers at once");
    assert_eq!(ran, CHECKS);
}

#[test]
fn contract_file_store() {
    let dir = temp_dir("contract");
    let counter = AtomicU32::new(0);
    let ran = block_on(async {
        let make = || {
            let i = counter.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("registry-{i}.json"));
            async move { FileStore::new(path) }
        };
        Ok::<_, StoreError>(run_contract(make).await)
    })
    .expect("the file store answers at once");
    assert_eq!(ran, CHECKS);
    // No temporary or lock file is left behind.
    let stray: Vec<String> = std::fs::read_dir(&dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".json"))
        .collect();
    assert!(stray.is_empty(), "stray files: {stray:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn two_versions<S: Store>(reg: &Registry<S>) {
    block_on(reg.register(&sample("1.0.0", 1, 0.71), &cause(1.0))).expect("register");
    block_on(reg.register(&sample("1.1.0", 2, 0.72), &cause(2.0))).expect("register");
    block_on(reg.promote(1, &cause(3.0))).expect("promote");
}

#[test]
fn mem_abort_in_the_middle_of_a_promotion_changes_nothing() {
    let s = MemStore::new();
    let reg = block_on(Registry::open(s.clone())).expect("open");
    two_versions(&reg);
    let before = s.snapshot();
    // The promotion batch writes meta, state, the event: abort after each prefix of it.
    for n in 0..4 {
        s.abort_next_commit_after(n);
        let e = block_on(reg.promote(2, &cause(4.0))).expect_err("aborted");
        assert!(
            matches!(e, Error::Store(StoreError::Aborted(_))),
            "abort after {n}: {e}"
        );
        assert_eq!(s.snapshot(), before, "abort after {n} write(s)");
    }
    assert_eq!(block_on(reg.production()).expect("prod"), Some(1));
    block_on(reg.promote(2, &cause(4.0))).expect("then it commits");
    let st = block_on(reg.state()).expect("state");
    assert_eq!(
        (st.stage(1), st.stage(2)),
        (Stage::Archived, Stage::Production)
    );
}

#[test]
fn mem_quota_refuses_the_write_and_says_so() {
    let s = MemStore::new();
    let reg = block_on(Registry::open(s.clone())).expect("open");
    two_versions(&reg);
    let before = s.snapshot();
    s.set_quota(Some(s.size() + 100));
    let mut big = sample("2.0.0", 3, 0.7);
    big.lineage.params = serde_json::json!({ "pad": "x".repeat(10_000) });
    let e = block_on(reg.register(&big, &cause(5.0))).expect_err("quota");
    assert!(matches!(e, Error::Store(StoreError::Quota(_))), "{e}");
    assert!(e.to_string().contains("quota"), "{e}");
    assert_eq!(s.snapshot(), before);
    s.set_quota(None);
    assert_eq!(
        block_on(reg.register(&big, &cause(5.0))).expect("fits now"),
        3
    );
}

#[test]
fn mem_injected_conflict_is_retried_then_reported() {
    let s = MemStore::new();
    let reg = block_on(Registry::open(s.clone())).expect("open");
    two_versions(&reg);
    // One injected conflict: the default 3 retries absorb it.
    s.fail_next_commit(StoreError::Conflict("injected".into()));
    block_on(reg.set_alias("champion", 1, &cause(6.0))).expect("retried");
    // With no retries it surfaces, typed.
    let reg0 = reg.clone().with_retries(0);
    s.fail_next_commit(StoreError::Conflict("injected".into()));
    let e = block_on(reg0.set_alias("champion", 2, &cause(7.0))).expect_err("conflict");
    assert!(matches!(e, Error::Store(StoreError::Conflict(_))), "{e}");
    assert_eq!(block_on(reg.alias("champion")).expect("alias"), Some(1));
}

#[test]
fn file_store_persists_across_handles_and_is_readable_json() {
    let dir = temp_dir("persist");
    let path = dir.join("reg.json");
    {
        let reg = block_on(Registry::open(FileStore::new(&path))).expect("open");
        two_versions(&reg);
    }
    let reg = block_on(Registry::open(FileStore::new(&path))).expect("reopen");
    assert_eq!(block_on(reg.production()).expect("prod"), Some(1));
    let text = std::fs::read_to_string(&path).expect("read");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("the file is JSON");
    assert_eq!(doc["format"], "mlops-loop-store");
    assert!(doc["records"]["version/00000002"]
        .as_str()
        .is_some_and(|s| s.contains("\"1.1.0\"")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn file_store_corrupt_file_is_reported_not_panicked() {
    let dir = temp_dir("corrupt");
    let path = dir.join("reg.json");
    for (name, text) in [
        ("garbage", "{{{{"),
        ("wrong format", r#"{"format":"other","records":{}}"#),
        (
            "bad hex",
            r#"{"format":"mlops-loop-store","records":{"k":{"hex":"zz"}}}"#,
        ),
        ("truncated", r#"{"format":"mlops-loop-store","rec"#),
    ] {
        std::fs::write(&path, text).expect("write");
        let s = FileStore::new(&path);
        let e = block_on(s.get("meta")).expect_err(name);
        assert!(matches!(e, StoreError::Corrupt { .. }), "{name}: {e}");
        assert!(
            e.to_string().contains("reg.json"),
            "{name}: names the file: {e}"
        );
        let e = block_on(s.commit(Batch::new().put("a", b"b".to_vec()))).expect_err(name);
        assert!(
            matches!(e, StoreError::Corrupt { .. }),
            "{name}: a commit does not overwrite it"
        );
        assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
        let e = block_on(Registry::open(s)).expect_err(name);
        assert!(
            matches!(e, Error::Store(StoreError::Corrupt { .. })),
            "{name}: {e}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn file_store_binary_values_round_trip_as_hex() {
    let dir = temp_dir("hex");
    let path = dir.join("s.json");
    let s = FileStore::new(&path);
    block_on(
        s.commit(
            Batch::new()
                .put("bin", vec![0xff, 0x00, 0x80])
                .put("txt", b"ok".to_vec()),
        ),
    )
    .expect("commit");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains("\"hex\": \"ff0080\""), "{text}");
    assert_eq!(
        block_on(s.get("bin")).expect("get"),
        Some(vec![0xff, 0x00, 0x80])
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg(unix)]
fn file_store_lock_a_stale_file_is_taken_over_a_held_lock_is_waited_for() {
    let dir = temp_dir("lock");
    let path = dir.join("reg.json");
    let s = FileStore::new(&path);
    block_on(s.commit(Batch::new().put("a", b"1".to_vec()))).expect("commit");
    // A lock file nobody holds (its writer was killed): taken over at once.
    let lock = dir.join("reg.json.lock");
    std::fs::write(&lock, b"4242").expect("stale lock file");
    let t0 = std::time::Instant::now();
    block_on(s.commit(Batch::new().put("a", b"2".to_vec()))).expect("taken over");
    assert!(t0.elapsed() < std::time::Duration::from_secs(1));
    assert!(!lock.exists(), "removed after the commit");
    // A held lock: the commit waits for its release, then goes through.
    let f = std::fs::File::create(&lock).expect("lock file");
    // SAFETY: flock(2) on a descriptor `f` owns; the lock is released when `f` is dropped.
    let held = unsafe { libc::flock(std::os::unix::io::AsRawFd::as_raw_fd(&f), libc::LOCK_EX) };
    assert_eq!(held, 0, "hold the lock");
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(f);
    });
    let t0 = std::time::Instant::now();
    block_on(s.commit(Batch::new().put("a", b"3".to_vec()))).expect("after the release");
    assert!(t0.elapsed() >= std::time::Duration::from_millis(250));
    release.join().expect("thread");
    assert_eq!(block_on(s.get("a")).expect("get"), Some(b"3".to_vec()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn file_store_two_threads_lose_no_update() {
    let dir = temp_dir("threads");
    let path = dir.join("reg.json");
    block_on(Registry::open(FileStore::new(&path))).expect("open");
    let handles: Vec<_> = (0..4u64)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let reg = block_on(Registry::open(FileStore::new(&path)))
                    .expect("open")
                    .with_retries(50);
                for i in 0..5u64 {
                    let label = format!("t{t}-{i}");
                    block_on(reg.register(&sample(&label, t * 10 + i, 0.6), &cause(0.0)))
                        .expect("register");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    let reg = block_on(Registry::open(FileStore::new(&path))).expect("open");
    let st = block_on(reg.state()).expect("state");
    assert_eq!(st.labels.len(), 20, "every registration kept");
    assert_eq!(block_on(reg.history()).expect("history").len(), 20);
    let _ = std::fs::remove_dir_all(&dir);
}
