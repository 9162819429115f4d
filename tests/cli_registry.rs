//! `mlops-loop registry ...` run as a process over a registry file written by the library.
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/store_contract.rs"]
mod store_contract;

use mlops_loop::registry::{block_on, Actor, Cause, Evidence, FileStore, Registry, Stage};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use store_contract::sample;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlops-loop"))
        .args(args)
        .output()
        .expect("run mlops-loop")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mlops-loop-cli-registry-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The chapter's registry: 1.0.0 in production, then 1.1.0 promoted by the gate with evidence.
fn chapter_registry(path: &Path) {
    let reg = block_on(Registry::open(FileStore::new(path))).expect("open");
    block_on(reg.register(
        &sample("1.0.0", 42, 0.7105),
        &Cause::new(Actor::Orchestrator, "week 0", 1000.0),
    ))
    .expect("register");
    block_on(reg.promote(1, &Cause::new(Actor::User, "first model", 1001.0))).expect("promote");
    block_on(reg.register(
        &sample("1.1.0", 43, 0.706),
        &Cause::new(Actor::RetrainGate, "drift", 2000.0),
    ))
    .expect("register");
    let evidence = Evidence {
        ks_p: Some(1.2e-19),
        auc_current: Some(0.703),
        auc_candidate: Some(0.706),
        margin: Some(0.002),
        ..Evidence::default()
    };
    block_on(reg.promote(
        2,
        &Cause::new(Actor::PromotionGate, "beats production", 2001.0).with_evidence(evidence),
    ))
    .expect("promote");
    block_on(reg.set_alias("champion", 2, &Cause::new(Actor::PromotionGate, "", 2002.0)))
        .expect("alias");
}

#[test]
fn list_show_history() {
    let dir = temp_dir();
    let path = dir.join("reg.json");
    chapter_registry(&path);
    let p = path.to_str().expect("utf8 path");
    let o = run(&["registry", "list", "--registry", p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("version"), "{lines:?}");
    let cols: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(cols, vec!["1", "1.0.0", "Archived"]);
    let cols: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(cols, vec!["2", "1.1.0", "Production", "champion"]);

    for spec in ["2", "v2", "champion", "1.1.0"] {
        let o = run(&["registry", "--registry", p, "show", spec]);
        assert_eq!(o.status.code(), Some(0), "show {spec}: {}", stderr(&o));
        let text = stdout(&o);
        assert!(
            text.starts_with("version 2 (1.1.0)\nstage: Production\n"),
            "{text}"
        );
        assert!(text.contains("metric auc = 0.706 on "), "{text}");
        assert!(text.contains("drift=10.0 "), "{text}");
    }

    let o = run(&["registry", "history", "--registry", p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 5, "{text}");
    let promo = text.lines().nth(3).expect("4th event");
    assert_eq!(
        promo,
        "#4 t=2001 promotion_gate promote: v1 Production → Archived; v2 None → Production \
         — beats production [ks_p=1.2e-19 auc_current=0.703 \
         auc_candidate=0.706 margin=0.002]"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn promote_rollback_and_their_refusals() {
    let dir = temp_dir();
    let path = dir.join("reg.json");
    chapter_registry(&path);
    let p = path.to_str().expect("utf8 path");
    let o = run(&[
        "registry",
        "rollback",
        "--registry",
        p,
        "--time",
        "3000",
        "--reason",
        "canary",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "#6 t=3000 user rollback: v2 Production → Archived; v1 Archived → Production — canary\n"
    );
    // Nothing earlier than 1 was in production.
    let o = run(&["registry", "rollback", "--registry", p, "--time", "3001"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no earlier production version"),
        "{}",
        stderr(&o)
    );
    // Unknown version, time going backwards, missing --registry: exit 2, file untouched.
    let before = std::fs::read(&path).expect("read");
    for (args, needle) in [
        (
            vec![
                "registry",
                "promote",
                "9",
                "--registry",
                p,
                "--time",
                "4000",
            ],
            "version",
        ),
        (
            vec![
                "registry",
                "promote",
                "nope",
                "--registry",
                p,
                "--time",
                "4000",
            ],
            "\"nope\"",
        ),
        (
            vec!["registry", "promote", "2", "--registry", p, "--time", "5"],
            "earlier",
        ),
        (vec!["registry", "list"], "--registry"),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
    assert_eq!(std::fs::read(&path).expect("read"), before);
    let o = run(&[
        "registry",
        "promote",
        "1.1.0",
        "--registry",
        p,
        "--time",
        "4000",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let reg = block_on(Registry::open(FileStore::new(&path))).expect("open");
    let st = block_on(reg.state()).expect("state");
    assert_eq!(
        (st.stage(1), st.stage(2)),
        (Stage::Archived, Stage::Production)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn export_import_round_trip_and_hostile_import() {
    let dir = temp_dir();
    let a = dir.join("a.json");
    chapter_registry(&a);
    let pa = a.to_str().expect("utf8");
    let o = run(&["registry", "export", "--registry", pa]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let export = stdout(&o);
    let out = dir.join("export.json");
    let o = run(&[
        "registry",
        "export",
        "--registry",
        pa,
        "--out",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).expect("read"), export);

    let b = dir.join("b.json");
    let pb = b.to_str().expect("utf8");
    let o = run(&[
        "registry",
        "import",
        out.to_str().expect("utf8"),
        "--registry",
        pb,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "imported 2 version(s) and 5 event(s)\n");
    let o = run(&["registry", "export", "--registry", pb]);
    assert_eq!(
        stdout(&o),
        export,
        "export → import → export is the identity"
    );

    let bad = dir.join("bad.json");
    let before = std::fs::read(&b).expect("read");
    for (name, text) in [
        ("truncated", &export[..export.len() / 3]),
        ("not json", "hello"),
        (
            "two productions",
            &export.replace("\"Archived\"", "\"Production\""),
        ),
    ] {
        std::fs::write(&bad, text).expect("write");
        let o = run(&[
            "registry",
            "import",
            bad.to_str().expect("utf8"),
            "--registry",
            pb,
        ]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("malformed registry import"),
            "{name}: {}",
            stderr(&o)
        );
        assert_eq!(
            std::fs::read(&b).expect("read"),
            before,
            "{name}: registry unchanged"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn corrupt_registry_file_is_exit_2_naming_the_file() {
    let dir = temp_dir();
    let path = dir.join("broken.json");
    std::fs::write(&path, "{ not json").expect("write");
    let o = run(&[
        "registry",
        "list",
        "--registry",
        path.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("broken.json"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Run the CLI under a 1 GiB address-space limit, so that a read without a cap fails fast
/// instead of eating the machine's memory.
fn run_limited(args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_mlops-loop"))
        .args(args)
        .output()
        .expect("run mlops-loop")
}

#[test]
fn a_time_outside_a_js_date_is_refused_naming_the_field_and_value() {
    let dir = temp_dir();
    let path = dir.join("reg.json");
    chapter_registry(&path);
    let p = path.to_str().expect("utf8 path");
    let before = std::fs::read(&path).expect("read");
    for t in ["1e308", "8640000000000001", "inf"] {
        let o = run(&["registry", "promote", "1", "--time", t, "--registry", p]);
        assert_eq!(o.status.code(), Some(2), "{t}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("invalid time = "), "{t}: {err}");
        assert!(err.contains("8.64e15"), "{t}: says the range: {err}");
        assert_eq!(std::fs::read(&path).expect("read"), before, "{t}");
    }
    let o = run(&[
        "registry",
        "promote",
        "1",
        "--time",
        "1e308",
        "--registry",
        p,
    ]);
    assert!(stderr(&o).contains("time = 1e308"), "{}", stderr(&o));
    for (t, want) in [("-5", "time = -5: "), ("1e-300", "time = 1e-300: ")] {
        let o = run(&["registry", "promote", "1", "--time", t, "--registry", p]);
        assert_eq!(o.status.code(), Some(2), "{t}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{t}: {}", stderr(&o));
    }
    assert_eq!(std::fs::read(&path).expect("read"), before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_registry_holding_a_bad_time_still_lists_and_says_which_record() {
    let dir = temp_dir();
    let path = dir.join("reg.json");
    chapter_registry(&path);
    // What an older build's import could leave: the last event past the end of a JS Date.
    let store = FileStore::new(&path);
    let key = "history/00000005";
    let mut e: serde_json::Value = serde_json::from_slice(
        &block_on(mlops_loop::registry::Store::get(&store, key))
            .expect("get")
            .expect("event"),
    )
    .expect("json");
    e["time"] = serde_json::json!(8_640_000_000_000_001u64);
    let mut st: serde_json::Value = serde_json::from_slice(
        &block_on(mlops_loop::registry::Store::get(&store, "state"))
            .expect("get")
            .expect("state"),
    )
    .expect("json");
    st["last_time"] = serde_json::json!(8_640_000_000_000_001u64);
    block_on(mlops_loop::registry::Store::commit(
        &store,
        mlops_loop::registry::Batch::new()
            .put(key, e.to_string().into_bytes())
            .put("state", st.to_string().into_bytes()),
    ))
    .expect("write");
    let p = path.to_str().expect("utf8 path");
    let o = run(&["registry", "list", "--registry", p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("Production"), "{}", stdout(&o));
    let o = run(&["registry", "history", "--registry", p]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(key) && stderr(&o).contains("8640000000000001"),
        "{}",
        stderr(&o)
    );
    let o = run(&["registry", "rollback", "--time", "9", "--registry", p]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(key), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn commands_on_a_missing_file_say_so_and_do_not_create_it() {
    let dir = temp_dir();
    let path = dir.join("absent.json");
    let p = path.to_str().expect("utf8 path");
    // A mistyped path is not an empty registry: an export of it would be an empty export, and
    // importing that would replace a real registry with nothing.
    let out = dir.join("out.json");
    for args in [
        &["list"][..],
        &["history"],
        &["export"],
        &["export", "--out", out.to_str().expect("utf8")],
        &["show", "1"],
        &["promote", "1"],
        &["rollback"],
    ] {
        let mut a = vec!["registry"];
        a.extend_from_slice(args);
        a.extend(["--registry", p]);
        let o = run(&a);
        assert_eq!(o.status.code(), Some(2), "{a:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("no registry file"),
            "{a:?}: {}",
            stderr(&o)
        );
        assert!(stderr(&o).contains(p), "{a:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{a:?}");
    }
    // Nor does a refused import.
    let bad = dir.join("bad-export.json");
    std::fs::write(&bad, "{}").expect("write");
    let o = run(&[
        "registry",
        "import",
        bad.to_str().expect("utf8"),
        "--registry",
        p,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    std::fs::remove_file(&bad).expect("remove");
    assert!(
        !path.exists(),
        "a reading command created {}",
        path.display()
    );
    let entries = std::fs::read_dir(&dir).expect("dir").count();
    assert_eq!(entries, 0, "no lock or temporary file either");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg(unix)]
fn a_lock_left_by_a_killed_writer_is_taken_over_at_once() {
    let dir = temp_dir();
    let path = dir.join("reg.json");
    chapter_registry(&path);
    let p = path.to_str().expect("utf8 path");
    // A writer killed mid-commit leaves its lock file behind (nobody holds the lock).
    let lock = dir.join("reg.json.lock");
    std::fs::write(&lock, "12345").expect("stale lock");
    let t0 = std::time::Instant::now();
    let o = run(&["registry", "rollback", "--time", "9000", "--registry", p]);
    let took = t0.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        took < std::time::Duration::from_secs(2),
        "took {took:?} to take over a dead writer's lock"
    );
    assert!(!lock.exists(), "the lock file is removed after the write");
    // A live holder is waited for, then the write goes through: the lock still excludes.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .expect("lock file");
    // SAFETY: flock(2) on a descriptor `f` owns; the lock is released when `f` is dropped.
    let held = unsafe { libc::flock(std::os::unix::io::AsRawFd::as_raw_fd(&f), libc::LOCK_EX) };
    assert_eq!(held, 0, "hold the lock");
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(400));
        drop(f);
    });
    let t0 = std::time::Instant::now();
    let o = run(&[
        "registry",
        "promote",
        "2",
        "--time",
        "9001",
        "--registry",
        p,
    ]);
    let took = t0.elapsed();
    release.join().expect("release");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        took >= std::time::Duration::from_millis(350),
        "it waited for the holder ({took:?})"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reads_are_capped_before_reading_dev_zero() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let dir = temp_dir();
    let path = dir.join("reg.json");
    chapter_registry(&path);
    let p = path.to_str().expect("utf8 path");
    for (args, needle) in [
        (
            vec!["registry", "import", "/dev/zero", "--registry", p],
            "more than 134217728 bytes",
        ),
        (
            vec!["registry", "list", "--registry", "/dev/zero"],
            "more than 268435456 bytes",
        ),
        (
            vec!["predict", "--model", "/dev/zero", "--seed", "1"],
            "more than 67108864 bytes",
        ),
        // A learner's gate: at most the sandbox's source limit (64 KiB) is read.
        (
            vec!["loop", "--weeks", "1", "--gate", "/dev/zero"],
            "more than 65536 bytes",
        ),
        (
            vec!["loop", "--weeks", "1", "--trigger", "/dev/zero"],
            "more than 65536 bytes",
        ),
    ] {
        let t0 = std::time::Instant::now();
        let o = run_limited(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(10),
            "{args:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    if Command::new("bash").arg("--version").output().is_err() {
        return;
    }
    let o = Command::new("bash")
        .arg("-c")
        .arg("\"$0\" data --seed 1 --rows 100000 2>&1 | head -1; echo \"exit=${PIPESTATUS[0]}\"")
        .arg(env!("CARGO_BIN_EXE_mlops-loop"))
        .output()
        .expect("bash");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "one line of data, then the status: {out}");
    assert!(lines[0].contains("days_since_login"), "{out}");
    assert_eq!(lines[1], "exit=141", "ended as by SIGPIPE, quietly: {out}");
    assert!(!out.contains("panicked"), "{out}");
}

/// The decimal numbers of `text` written with more than 4 significant digits (`0.6920407734`,
/// `1.4776675436423948` of `1.4776675436423948e-7`, `1796630105711.152`); labels such as `1.1.0`
/// and whole numbers are not decimals.
fn long_decimals(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts = b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
            j += 1;
        }
        let run = text[i..j].trim_end_matches('.');
        let digits = run.replace('.', "");
        if run.matches('.').count() == 1 && digits.trim_start_matches('0').len() > 4 {
            found.push(run.to_string());
        }
        i = j;
    }
    found
}

#[test]
fn history_and_show_read_rounded_and_export_keeps_every_digit() {
    let dir = temp_dir();
    let path = dir.join("reg.json");
    let p = path.to_str().expect("utf8 path");
    let o = run(&[
        "loop",
        "--weeks",
        "16",
        "--seed",
        "2",
        "--schedule",
        "step",
        "--registry",
        p,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A change stamped by the wall clock (no --time): a whole number of ms.
    let o = run(&["registry", "promote", "2", "--registry", p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(long_decimals(&stdout(&o)).is_empty(), "{}", stdout(&o));
    let o = run(&["registry", "history", "--registry", p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let history = stdout(&o);
    assert!(history.contains("retrain_gate register"), "{history}");
    assert!(history.contains("ks_p="), "{history}");
    for line in history.lines() {
        assert!(long_decimals(line).is_empty(), "{line}");
    }
    let o = run(&["registry", "show", "2", "--registry", p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("metric auc = 0."), "{}", stdout(&o));
    assert!(long_decimals(&stdout(&o)).is_empty(), "{}", stdout(&o));
    // The exact values stay in the export.
    let o = run(&["registry", "export", "--registry", p]);
    assert!(!long_decimals(&stdout(&o)).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Run the CLI with files limited to one block (512 or 1024 bytes) and SIGXFSZ ignored: a write
/// past that fails with "File too large" part-way, as on a full disk.
fn run_small_files(args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 1 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_mlops-loop"))
        .args(args)
        .output()
        .expect("run mlops-loop")
}

#[test]
fn export_out_never_damages_the_registry_or_an_earlier_file() {
    let dir = temp_dir();
    let path = dir.join("reg.json");
    chapter_registry(&path);
    let p = path.to_str().expect("utf8 path");
    let before = std::fs::read(&path).expect("read");
    // --out naming the registry file itself (under another spelling too) is refused.
    let other = format!("{}/./reg.json", dir.display());
    for out in [p, other.as_str()] {
        let o = run(&["registry", "export", "--registry", p, "--out", out]);
        assert_eq!(o.status.code(), Some(2), "{out}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("registry file itself"),
            "{}",
            stderr(&o)
        );
        assert_eq!(std::fs::read(&path).expect("read"), before, "{out}");
    }
    // A write that fails part-way leaves the earlier file as it was, and says which file.
    let old = dir.join("old-export.json");
    std::fs::write(&old, "the earlier export\n").expect("write");
    let o = run_small_files(&[
        "registry",
        "export",
        "--registry",
        p,
        "--out",
        old.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("old-export.json"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&old).expect("read"),
        "the earlier export\n"
    );
    let left: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left.len(), 2, "no temporary file left: {left:?}");
    // A directory is named in the message.
    let o = run(&[
        "registry",
        "export",
        "--registry",
        p,
        "--out",
        dir.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(dir.to_str().expect("utf8")),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_export_and_a_registry_file_taken_for_each_other_are_named() {
    let dir = temp_dir();
    let path = dir.join("reg.json");
    chapter_registry(&path);
    let p = path.to_str().expect("utf8 path");
    let export = dir.join("export.json");
    let e = export.to_str().expect("utf8 path");
    let o = run(&["registry", "export", "--registry", p, "--out", e]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = std::fs::read(&export).expect("read");
    // An export given as the registry: what it is and how to use it, not "corrupt".
    for args in [
        vec!["registry", "list", "--registry", e],
        vec![
            "registry",
            "promote",
            "1",
            "--registry",
            e,
            "--time",
            "9000",
        ],
        vec!["loop", "--weeks", "1", "--registry", e],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("is a registry export"), "{args:?}: {err}");
        assert!(err.contains("registry import"), "{args:?}: {err}");
        assert_eq!(std::fs::read(&export).expect("read"), before);
    }
    // A registry file given as an export.
    let b = dir.join("b.json");
    let o = run(&[
        "registry",
        "import",
        p,
        "--registry",
        b.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("is a registry file"), "{err}");
    assert!(err.contains("registry export"), "{err}");
    assert!(!b.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_empty_file_is_named_as_empty_and_left_alone() {
    let dir = temp_dir();
    let path = dir.join("class.json");
    std::fs::write(&path, "").expect("touch");
    let p = path.to_str().expect("utf8 path");
    for args in [
        vec!["registry", "list", "--registry", p],
        vec!["loop", "--weeks", "1", "--registry", p],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("is empty"), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("does not exist yet"),
            "{args:?}: {}",
            stderr(&o)
        );
        assert_eq!(std::fs::read(&path).expect("read").len(), 0);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
