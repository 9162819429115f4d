//! The native CLI, run as a process: `data` and `fingerprint` outputs and their exit codes.

use std::process::{Command, Output};

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

/// The book's fingerprints: `hashlib.sha256(pd.util.hash_pandas_object(make_data(seed, drift))
/// .values).hexdigest()[:12]` with pandas 3.1.1 / numpy 2.4.6.
#[test]
fn fingerprint_prints_the_books_values() {
    for (seed, drift, fp) in [
        ("1", "0.0", "cf0f14ace53e"),
        ("2", "10", "d8f6e5f38cea"),
        ("2", "10.0", "e1b0cc66c590"),
        ("3", "10", "4f5d70530ac3"),
        ("0", "10", "abcc9f45d0cb"),
    ] {
        let o = run(&["fingerprint", "--seed", seed, "--drift", drift]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(stdout(&o), format!("{fp}\n"), "seed {seed} drift {drift}");
    }
    // Defaults: drift 0.0 (float), 3000 rows.
    assert_eq!(
        stdout(&run(&["fingerprint", "--seed", "1"])),
        "cf0f14ace53e\n"
    );
}

/// `df.to_csv(index=False)` text from the oracle (tests/fixtures/data_cases.json "csv").
#[test]
fn data_csv_matches_pandas_to_csv() {
    let root: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/data_cases.json")).expect("fixture");
    let cases = root["csv"].as_array().expect("csv cases");
    assert!(cases.len() >= 3);
    for case in cases {
        let seed = case["seed"].as_str().expect("seed");
        let drift = case["drift"]["text"].as_str().expect("drift");
        let rows = case["rows"].to_string();
        let o = run(&["data", "--seed", seed, "--drift", drift, "--rows", &rows]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(
            stdout(&o),
            case["csv"].as_str().expect("csv"),
            "seed {seed} drift {drift}"
        );
    }
    let o = run(&["data", "--seed", "1"]);
    assert_eq!(
        stdout(&o).lines().count(),
        3001,
        "header + 3000 rows by default"
    );
}

#[test]
fn data_json_has_columns_dtypes_and_fingerprint() {
    let o = run(&["data", "--seed", "2", "--drift", "10", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(doc["fingerprint"], "d8f6e5f38cea");
    assert_eq!(doc["dtypes"]["days_since_login"], "int64");
    assert_eq!(doc["dtypes"]["spend_per_active_day"], "float64");
    for c in [
        "spend_per_active_day",
        "is_recent",
        "days_since_login",
        "churned",
    ] {
        assert_eq!(
            doc["columns"][c].as_array().map(Vec::len),
            Some(3000),
            "{c}"
        );
    }
    assert!(doc["columns"]["days_since_login"][0].is_i64());
}

#[test]
fn negative_drift_and_huge_seeds_are_accepted() {
    for args in [
        ["fingerprint", "--seed", "3", "--drift", "-3"],
        ["fingerprint", "--seed", "3", "--drift", "-3.0"],
        [
            "fingerprint",
            "--seed",
            "18446744073709551619",
            "--drift",
            "10",
        ],
        [
            "fingerprint",
            "--seed",
            "1361129467683753853853498429727072845923",
            "--drift",
            "0",
        ],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o).trim().len(), 12);
    }
    // int vs float drift: different dtypes, different fingerprints.
    let a = stdout(&run(&["fingerprint", "--seed", "3", "--drift", "-3"]));
    let b = stdout(&run(&["fingerprint", "--seed", "3", "--drift", "-3.0"]));
    assert_ne!(a, b);
}

/// Every bad input exits 2 with the argument's name and the value on stderr, never a panic.
#[test]
fn bad_inputs_exit_2_naming_argument_and_value() {
    for (args, name, value) in [
        (vec!["--rows", "0"], "rows", "0"),
        (vec!["--rows", "1000001"], "rows", "1000001"),
        (vec!["--rows", "-1"], "rows", "-1"),
        (vec!["--rows", "abc"], "rows", "abc"),
        (vec!["--drift", "nan"], "drift", "nan"),
        (vec!["--drift", "inf"], "drift", "inf"),
        (vec!["--drift", "-inf"], "drift", "-inf"),
        (vec!["--drift", "1e400"], "drift", "1e400"),
        (
            vec!["--drift", "9223372036854775807"],
            "drift",
            "9223372036854775807",
        ),
        (
            vec!["--drift", "9223372036854775808"],
            "drift",
            "9223372036854775808",
        ),
        (vec!["--drift", "1.2.3"], "drift", "1.2.3"),
        (vec!["--drift", "ten"], "drift", "ten"),
        (vec!["--drift", ""], "drift", ""),
        (vec!["--drift", "010"], "drift", "010"),
        (vec!["--seed", "-1"], "seed", "-1"),
        (vec!["--seed", "1.5"], "seed", "1.5"),
    ] {
        for cmd in ["fingerprint", "data"] {
            let mut full = vec![cmd, "--seed", "1"];
            if args[0] == "--seed" {
                full.truncate(1);
            }
            full.extend(&args);
            let o = run(&full);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{full:?}: {err}");
            assert!(err.contains(name) && err.contains(value), "{full:?}: {err}");
            assert!(!err.contains("panicked"), "{full:?}: {err}");
            assert!(o.stdout.is_empty(), "{full:?} wrote to stdout");
        }
    }
}

/// The help a newcomer reads: the tool described as the command line it is, and each number
/// option with the range the core accepts (what a refusal would otherwise be the first to say).
#[test]
fn the_help_describes_the_cli_and_states_each_numbers_range() {
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let top = stdout(&o);
    let first = top.lines().next().unwrap_or("");
    assert!(!first.contains("browser"), "{first}");
    assert!(first.contains("command line"), "{first}");
    for (cmd, option, range) in [
        ("loop", "--alpha", "(0 to 1, exclusive)"),
        ("loop", "--margin", "(-1 to 1)"),
        ("ks", "--rows-a", "(1 to 1000000)"),
        ("ks", "--rows-b", "(1 to 1000000)"),
    ] {
        let text = stdout(&run(&[cmd, "--help"]));
        let line = text
            .lines()
            .skip_while(|l| !l.trim_start().starts_with(option))
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(line.contains(range), "{cmd} {option}: {line}");
    }
}

/// A write to standard output that fails (a full disk) says that it was standard output.
#[test]
fn a_failed_write_to_standard_output_says_so() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    for args in [
        &["fingerprint", "--seed", "1"][..],
        &["data", "--seed", "1", "--rows", "10"],
        &["loop", "--weeks", "1", "--rows-per-week", "200"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_mlops-loop"))
            .args(args)
            .stdout(full.try_clone().expect("fd"))
            .output()
            .expect("run mlops-loop");
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains("cannot write standard output"),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}
