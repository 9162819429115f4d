//! `mlops-loop loop` as a process: the weekly table, JSON that parses back into a timeline,
//! a registry file that matches it, and exit code 2 naming the bad argument.
#![cfg(not(target_arch = "wasm32"))]

use mlops_loop::orchestrator::{Outcome, Timeline};
use std::process::Command;

fn mlops(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mlops-loop"))
        .args(args)
        .output()
        .expect("run mlops-loop");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The same run printed twice: its table, and its `--json` timeline parsed.
fn table_and_timeline(args: &[&str]) -> (String, Timeline) {
    let (code, table, err) = mlops(args);
    assert_eq!(code, 0, "{err}");
    let (code, json, err) = mlops(&[args, &["--json"]].concat());
    assert_eq!(code, 0, "{err}");
    (table, serde_json::from_str(&json).expect("timeline JSON"))
}

#[test]
fn loop_prints_a_table_and_json() {
    let (code, table, _) = mlops(&[
        "loop",
        "--weeks",
        "6",
        "--seed",
        "2",
        "--rows-per-week",
        "300",
    ]);
    assert_eq!(code, 0);
    assert!(table.starts_with("week  drift  live"), "{table}");
    assert!(table.lines().filter(|l| l.contains("1.0.0")).count() >= 6);
    assert!(table
        .lines()
        .last()
        .unwrap_or("")
        .starts_with("summary: mean AUC"));

    let args = [
        "loop",
        "--weeks",
        "6",
        "--seed",
        "2",
        "--rows-per-week",
        "300",
        "--json",
    ];
    let (code, json, _) = mlops(&args);
    assert_eq!(code, 0);
    let t: Timeline = serde_json::from_str(&json).expect("timeline JSON");
    assert_eq!(t.weeks.len(), 6);
    assert_eq!(t.params.seed, 2);
    let (_, again, _) = mlops(&args);
    assert_eq!(json, again, "same seed, same output");
}

#[test]
fn loop_records_into_a_registry_file() {
    let dir = std::env::temp_dir().join(format!("mlops-loop-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("reg.json");
    let _ = std::fs::remove_file(&path);
    let p = path.to_string_lossy().to_string();
    let args = [
        "loop",
        "--weeks",
        "16",
        "--seed",
        "2",
        "--schedule",
        "step",
        "--json",
    ];
    let (code, json, err) = mlops(&[&args[..], &["--registry", &p]].concat());
    assert_eq!(code, 0, "{err}");
    let t: Timeline = serde_json::from_str(&json).expect("timeline");
    let (code, list, _) = mlops(&["registry", "--registry", &p, "list"]);
    assert_eq!(code, 0);
    assert!(list.contains(&t.summary.final_label), "{list}");
    // A second run into the same (non-empty) registry is refused, naming it.
    let (code, _, err) = mlops(&["loop", "--weeks", "2", "--registry", &p]);
    assert_eq!(code, 2);
    assert!(err.contains(&p), "names the file: {err}");
    assert!(err.contains("version(s)"), "{err}");
    assert!(err.contains("a new file"), "says what to do: {err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_exit_2_naming_them() {
    for (args, want) in [
        (vec!["loop", "--weeks", "0"], "weeks = 0"),
        (vec!["loop", "--schedule", "tidal"], "schedule = tidal"),
        (vec!["loop", "--alpha", "2"], "alpha = 2"),
        (vec!["loop", "--reference", "last0"], "reference = last0"),
        (vec!["loop", "--correction", "holm"], "correction = holm"),
        // A number as people read it, not 309 digits cut at 80.
        (vec!["loop", "--margin", "1e308"], "margin = 1e308: "),
        (vec!["loop", "--alpha", "-1e-320"], "alpha = -1e-320: "),
        // A negative value is a value, refused for what it is.
        (vec!["loop", "--seed", "-1"], "'-1' for '--seed"),
    ] {
        let (code, _, err) = mlops(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn each_counterfactual_line_says_how_the_road_not_taken_did() {
    // The step schedule from week 3: gate 1 decides every week, so most decisions carry a
    // counterfactual; the table's words must be the JSON's outcome, and that outcome the sign of
    // its AUC difference.
    let base = [
        "loop",
        "--weeks",
        "10",
        "--seed",
        "2",
        "--schedule",
        "step",
        "--rows-per-week",
        "400",
        "--counterfactual-weeks",
        "2",
    ];
    let (table, t) = table_and_timeline(&base);
    let mut want = Vec::new();
    for w in &t.weeks {
        for d in &w.decisions {
            if let Some(c) = &d.counterfactual {
                let words = match c.outcome {
                    Outcome::Better => "would have done better",
                    Outcome::Worse => "would have done worse",
                    Outcome::Same => "would have scored the same",
                };
                let sign = c.other_auc.partial_cmp(&c.chosen_auc);
                assert_eq!(
                    sign,
                    Some(match c.outcome {
                        Outcome::Better => std::cmp::Ordering::Greater,
                        Outcome::Worse => std::cmp::Ordering::Less,
                        Outcome::Same => std::cmp::Ordering::Equal,
                    }),
                    "week {}: {c:?}",
                    w.week
                );
                want.push(format!("; {} {words}]", c.other));
            }
        }
    }
    assert!(
        want.len() >= 3,
        "too few counterfactuals to test: {}",
        want.len()
    );
    let got: Vec<&str> = table
        .lines()
        .filter(|l| l.contains("[weeks "))
        .map(|l| &l[l.rfind(';').expect("outcome after ';'")..])
        .collect();
    assert_eq!(got, want);
}

#[test]
fn decision_reasons_read_rounded_in_the_table_and_exact_in_json() {
    // The table's reasons follow the page's rule (4 significant digits); `--json` keeps every
    // p-value exact, and the table's sentence is the JSON's with only its numbers rounded.
    let base = [
        "loop",
        "--weeks",
        "8",
        "--seed",
        "2",
        "--schedule",
        "step",
        "--rows-per-week",
        "400",
    ];
    let (table, t) = table_and_timeline(&base);
    let reasons: Vec<&str> = t
        .weeks
        .iter()
        .flat_map(|w| &w.decisions)
        .map(|d| d.reason.as_str())
        .collect();
    assert!(!reasons.is_empty());
    let mut rounded = 0;
    for r in reasons {
        let short = mlops_loop::cli::words::readable(r);
        assert!(table.contains(&format!("— {short}")), "{short}\n{table}");
        assert_eq!(
            mlops_loop::cli::words::readable(&short),
            short,
            "nothing left to round"
        );
        if short != r {
            rounded += 1;
            let p = r.split("p = ").nth(1).and_then(|x| x.split(' ').next());
            let p: f64 = p
                .and_then(|x| x.parse().ok())
                .expect("an exact p-value in JSON");
            assert!(p.to_string().len() > 6, "{r}");
        }
    }
    assert!(rounded > 0, "some reason carries a full-precision p-value");
}

#[test]
fn the_summary_says_when_no_week_was_labelled() {
    // One week with labels a week late: no week has an AUC, so there is no mean to print.
    let (code, table, err) = mlops(&["loop", "--weeks", "1", "--rows-per-week", "300"]);
    assert_eq!(code, 0, "{err}");
    let summary = table.lines().last().unwrap_or("");
    assert!(summary.starts_with("summary: mean AUC -"), "{summary}");
    assert!(!summary.contains("0.0000"), "{summary}");
    // Otherwise the mean, and what the weeks below are below.
    let (code, table, err) = mlops(&["loop", "--weeks", "3", "--rows-per-week", "300"]);
    assert_eq!(code, 0, "{err}");
    let summary = table.lines().last().unwrap_or("");
    assert!(summary.starts_with("summary: mean AUC 0."), "{summary}");
    assert!(summary.contains("week(s) with AUC below 0.68"), "{summary}");
}
