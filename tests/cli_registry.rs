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
