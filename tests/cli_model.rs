//! Process tests of `mlops-loop chapter | train | predict | ks`: the chapter's output byte for
//! byte, the model round trip through a file, and exit code 2 naming the bad argument.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlops-loop"))
        .args(args)
        .output()
        .expect("run mlops-loop")
}

#[test]
fn chapter_prints_the_book_output_byte_for_byte() {
    let o = run(&["chapter"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        include_str!("fixtures/book_output.txt")
    );
}

#[test]
fn train_save_then_predict_reproduces_the_book_aucs() {
    let dir = std::env::temp_dir().join(format!("mlops-loop-cli-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join("model.json");
    let p = path.to_str().expect("utf8 path");
    let o = run(&[
        "train", "--seed", "1", "--drift", "0.0", "--json", "--save", p,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    // cases_public.json: registered_auc 0.7135674911042409 = 0x1.6d58b7db901eep-1
    assert_eq!(doc["auc_bits"], "0x3fe6d58b7db901ee");
    assert_eq!(doc["data_fingerprint"], "cf0f14ace53e");
    let hash = doc["model_hash"].as_str().expect("hash").to_string();
    assert_eq!(hash.len(), 64);

    let o = run(&[
        "predict", "--model", p, "--seed", "3", "--drift", "10", "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    // cases_public.json: current_auc_on_recent 0.7028904741980965
    assert_eq!(doc["auc"].as_f64(), Some(0.7028904741980965));
    assert_eq!(doc["model_hash"].as_str(), Some(hash.as_str()));
    assert_eq!(doc["proba"].as_array().map(Vec::len), Some(3000));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ks_prints_the_book_drift_test() {
    let o = run(&[
        "ks",
        "--seed-a",
        "1",
        "--drift-a",
        "0.0",
        "--rows-a",
        "3000",
        "--seed-b",
        "2",
        "--drift-b",
        "10",
        "--rows-b",
        "3000",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "D 0.12133333333333333\np 1.191647509223885e-19\nmethod exact\n"
    );
}

#[test]
fn bad_input_exits_2_naming_the_argument() {
    let o = run(&["ks", "--seed-a", "1", "--seed-b", "2", "--rows-b", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("rows = 0"));

    let dir = std::env::temp_dir().join(format!("mlops-loop-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join("bad.json");
    std::fs::write(&path, "{\"format\": \"mlops-loop/gbm\"").expect("write");
    let o = run(&[
        "predict",
        "--model",
        path.to_str().expect("utf8"),
        "--seed",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("malformed model"));
    std::fs::remove_dir_all(&dir).ok();
}

/// The JSON of train, predict and ks gives each exact number the same three ways: the value,
/// `<name>_repr` (Python's repr) and `<name>_bits` (the f64's bits), so a script reads them alike.
#[test]
fn every_exact_number_has_its_repr_and_bits() {
    let dir = std::env::temp_dir().join(format!("mlops-loop-cli-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let model = dir.join("model.json");
    let m = model.to_str().expect("utf8 path");
    for args in [
        vec!["train", "--seed", "1", "--json", "--save", m],
        vec![
            "predict", "--model", m, "--seed", "3", "--drift", "10", "--json",
        ],
        vec![
            "ks",
            "--seed-a",
            "1",
            "--seed-b",
            "2",
            "--drift-b",
            "10",
            "--json",
        ],
    ] {
        let o = run(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        let obj = doc.as_object().expect("object");
        let exact: Vec<&str> = obj.keys().filter_map(|k| k.strip_suffix("_bits")).collect();
        assert!(!exact.is_empty(), "{args:?}");
        for name in exact {
            let v = obj[name].as_f64().expect("number");
            let repr = obj
                .get(&format!("{name}_repr"))
                .and_then(serde_json::Value::as_str);
            assert!(repr.is_some(), "{args:?}: {name}_repr missing");
            assert_eq!(repr.and_then(|r| r.parse::<f64>().ok()), Some(v), "{name}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
