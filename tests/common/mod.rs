//! Fixture checkers shared by the native parity tests (`tests/parity_data.rs`) and the browser
//! tests (wasm32): the fixtures are embedded with `include_str!`, so no filesystem is needed.
//!
//! Each checker compares every value by bits and returns how many values it compared, or the
//! list of mismatches (first few per case).
#![allow(dead_code)]

pub mod model;

use mlops_loop::data::{make_data_from, py_repr, Days, Drift, Frame, COLUMNS};
use mlops_loop::fingerprint::{fingerprint, row_hashes};
use mlops_loop::numpy::{Generator, Mt19937, Pcg64, SeedSequence};
use mlops_loop::split::train_test_split;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// `tests/fixtures/data_cases.json`: make_data / fingerprint cases and CSV text.
pub const DATA_CASES: &str = include_str!("../fixtures/data_cases.json");
/// `tests/fixtures/data_numpy.json`: generator pieces, MT19937, splits, py_repr samples.
pub const DATA_NUMPY: &str = include_str!("../fixtures/data_numpy.json");

/// What a checker compared.
#[derive(Debug, Default)]
pub struct Tally {
    /// Cases (one seed/drift/rows, one generator sequence, one split...) checked.
    pub cases: usize,
    /// Individual values compared (bits, ints, hashes).
    pub values: usize,
    /// Mismatches, human-readable.
    pub failures: Vec<String>,
}

impl Tally {
    fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: impl Fn() -> String, got: T, want: T) {
        self.values += 1;
        if got != want && self.failures.len() < 200 {
            self.failures
                .push(format!("{}: got {got:?}, want {want:?}", what()));
        }
    }
    fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }
}

fn bits(v: &Value) -> u64 {
    let s = v.as_str().expect("hex string");
    u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex bits")
}

fn f64_of(v: &Value) -> f64 {
    f64::from_bits(bits(v))
}

fn int(v: &Value) -> i64 {
    v.as_i64().expect("int")
}

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().expect("array")
}

fn seed_of(v: &Value) -> SeedSequence {
    SeedSequence::from_decimal(v.as_str().expect("seed string")).expect("decimal seed")
}

fn drift_of(v: &Value) -> Drift {
    let d = match v["kind"].as_str() {
        Some("int") => Drift::Int(int(&v["value"])),
        _ => Drift::Float(f64_of(&v["bits"])),
    };
    // The literal text must parse to the same drift (Python repr round trip).
    let text = v["text"].as_str().expect("drift text");
    assert_eq!(Drift::parse(text).ok(), Some(d), "Drift::parse({text:?})");
    d
}

fn sha256_hex(bytes: impl IntoIterator<Item = [u8; 8]>) -> String {
    let mut h = Sha256::new();
    for b in bytes {
        h.update(b);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A column's values as (u64 bits) for comparison, plus its little-endian bytes' sha256.
fn column(df: &Frame, name: &str) -> Vec<u64> {
    match name {
        "spend_per_active_day" => df
            .spend_per_active_day()
            .iter()
            .map(|v| v.to_bits())
            .collect(),
        "is_recent" => df.is_recent().iter().map(|&v| v as u64).collect(),
        "days_since_login" => match df.days_since_login() {
            Days::Int(v) => v.iter().map(|&d| d as u64).collect(),
            Days::Float(v) => v.iter().map(|d| d.to_bits()).collect(),
        },
        _ => df.churned().iter().map(|&v| v as u64).collect(),
    }
}

fn expected_cell(v: &Value) -> u64 {
    if v.is_string() {
        bits(v)
    } else {
        int(v) as u64
    }
}

/// Check every make_data case: raw PCG64 words, each column (or its sha256 + head), dtypes,
/// row hashes and fingerprints; and the CSV text.
pub fn check_data_cases(json: &str) -> Tally {
    let root: Value = serde_json::from_str(json).expect("data_cases.json");
    let mut t = Tally::default();
    for case in arr(&root["cases"]) {
        t.cases += 1;
        let ss = seed_of(&case["seed"]);
        let drift = drift_of(&case["drift"]);
        let rows = case["rows"].as_u64().expect("rows") as usize;
        let tag = format!("seed {} drift {} rows {rows}", case["seed"], drift);
        let mut g = Pcg64::from_seed_sequence(&ss);
        for (i, w) in arr(&case["pcg64_raw10"]).iter().enumerate() {
            t.eq(|| format!("{tag}: raw[{i}]"), g.next_u64(), bits(w));
        }
        let df = match make_data_from(&ss, drift, rows) {
            Ok(df) => df,
            Err(e) => {
                t.fail(format!("{tag}: make_data failed: {e}"));
                continue;
            }
        };
        t.eq(|| format!("{tag}: len"), df.len(), rows);
        for (name, dtype) in df.dtypes() {
            t.eq(
                || format!("{tag}: dtype {name}"),
                dtype,
                case["dtypes"][name].as_str().unwrap_or(""),
            );
        }
        for name in COLUMNS {
            let got = column(&df, name);
            if let Some(col) = case["columns"].get(name) {
                for (i, v) in arr(col).iter().enumerate() {
                    t.eq(
                        || format!("{tag}: {name}[{i}]"),
                        got.get(i).copied(),
                        Some(expected_cell(v)),
                    );
                }
                t.eq(
                    || format!("{tag}: {name} length"),
                    got.len(),
                    arr(col).len(),
                );
            } else {
                for (i, v) in arr(&case["columns_head20"][name]).iter().enumerate() {
                    t.eq(
                        || format!("{tag}: {name}[{i}]"),
                        got.get(i).copied(),
                        Some(expected_cell(v)),
                    );
                }
                let sha = sha256_hex(got.iter().map(|v| v.to_le_bytes()));
                t.eq(
                    || format!("{tag}: sha256({name})"),
                    sha.as_str(),
                    case["columns_sha256"][name].as_str().unwrap_or(""),
                );
            }
        }
        let hashes = row_hashes(&df);
        for (i, h) in arr(&case["row_hashes_head5"]).iter().enumerate() {
            t.eq(
                || format!("{tag}: row hash {i}"),
                hashes.get(i).copied(),
                Some(bits(h)),
            );
        }
        let fp = fingerprint(&df);
        t.eq(
            || format!("{tag}: fingerprint"),
            fp.full.as_str(),
            case["fingerprint_full"].as_str().unwrap_or(""),
        );
        t.eq(
            || format!("{tag}: short fingerprint"),
            fp.short.as_str(),
            case["fingerprint_short"].as_str().unwrap_or(""),
        );
    }
    for case in arr(&root["csv"]) {
        t.cases += 1;
        let ss = seed_of(&case["seed"]);
        let drift = drift_of(&case["drift"]);
        let rows = case["rows"].as_u64().expect("rows") as usize;
        match make_data_from(&ss, drift, rows) {
            Ok(df) => t.eq(
                || format!("csv seed {} drift {drift}", case["seed"]),
                df.to_csv().as_str(),
                case["csv"].as_str().unwrap_or(""),
            ),
            Err(e) => t.fail(format!("csv case: {e}")),
        }
    }
    t
}

fn check_generator(root: &Value, t: &mut Tally) {
    for case in arr(&root["generator"]) {
        t.cases += 1;
        let mut g = Generator::from_seed_sequence(&seed_of(&case["seed"]));
        let tag = format!("generator seed {}", case["seed"]);
        for (k, step) in arr(&case["steps"]).iter().enumerate() {
            match step["op"].as_str().unwrap_or("") {
                "integers" => {
                    let (low, high) = (int(&step["low"]), int(&step["high"]));
                    let size = step["size"].as_u64().unwrap_or(0) as usize;
                    match g.integers(low, high, size) {
                        Ok(v) => {
                            let want: Vec<i64> = arr(&step["values"]).iter().map(int).collect();
                            t.values += want.len() - 1;
                            t.eq(
                                || format!("{tag} step {k}: integers({low}, {high})"),
                                v,
                                want,
                            );
                        }
                        Err(e) => t.fail(format!("{tag} step {k}: {e}")),
                    }
                }
                "exponential" => {
                    let scale = f64_of(&step["scale"]);
                    let size = step["size"].as_u64().unwrap_or(0) as usize;
                    match g.exponential(scale, size) {
                        Ok(v) => {
                            for (i, w) in arr(&step["head100"]).iter().enumerate() {
                                t.eq(
                                    || format!("{tag} step {k}: exponential[{i}]"),
                                    v.get(i).map(|x| x.to_bits()),
                                    Some(bits(w)),
                                );
                            }
                            let sha = sha256_hex(v.iter().map(|x| x.to_le_bytes()));
                            t.values += size;
                            t.eq(
                                || format!("{tag} step {k}: sha256(exponential x{size})"),
                                sha.as_str(),
                                step["sha256"].as_str().unwrap_or(""),
                            );
                        }
                        Err(e) => t.fail(format!("{tag} step {k}: {e}")),
                    }
                }
                "raw_after" => {
                    for (i, w) in arr(&step["values"]).iter().enumerate() {
                        let got = g.bit_generator().next_u64();
                        t.eq(|| format!("{tag} step {k}: raw[{i}]"), got, bits(w));
                    }
                }
                other => t.fail(format!("{tag}: unknown op {other}")),
            }
        }
    }
    for case in arr(&root["binomial"]) {
        t.cases += 1;
        let n = int(&case["n"]);
        let ps: Vec<f64> = arr(&case["p"]).iter().map(f64_of).collect();
        let mut g = Generator::from_seed_sequence(&seed_of(&case["seed"]));
        let want: Vec<i64> = arr(&case["values"]).iter().map(int).collect();
        match g.binomial_each(n, &ps) {
            Ok(v) => {
                for (i, (a, b)) in v.iter().zip(&want).enumerate() {
                    t.eq(
                        || format!("binomial seed {} n {n} [{i}] p={}", case["seed"], ps[i]),
                        a,
                        b,
                    );
                }
                t.eq(|| "binomial length".to_string(), v.len(), want.len());
            }
            Err(e) => t.fail(format!("binomial seed {} n {n}: {e}", case["seed"])),
        }
    }
}

fn check_mt(root: &Value, t: &mut Tally) {
    for case in arr(&root["mt19937"]) {
        t.cases += 1;
        let seed = case["seed"].as_u64().expect("u32 seed") as u32;
        let mut g = Mt19937::new(seed);
        for (k, step) in arr(&case["steps"]).iter().enumerate() {
            let tag = format!("RandomState({seed}) step {k}");
            let want = arr(&step["values"]);
            match step["op"].as_str().unwrap_or("") {
                "randint" => {
                    let (low, high) = (int(&step["low"]), int(&step["high"]));
                    for (i, w) in want.iter().enumerate() {
                        let got = g.randint_masked(low, high).ok();
                        t.eq(|| format!("{tag}: randint[{i}]"), got, Some(int(w)));
                    }
                }
                "random_sample" => {
                    for (i, w) in want.iter().enumerate() {
                        let got = g.next_double().to_bits();
                        t.eq(|| format!("{tag}: random_sample[{i}]"), got, bits(w));
                    }
                }
                "permutation" => {
                    let n = step["n"].as_u64().unwrap_or(0) as usize;
                    let got: Vec<i64> = g.permutation(n).iter().map(|&v| v as i64).collect();
                    let want: Vec<i64> = want.iter().map(int).collect();
                    t.values += want.len().saturating_sub(1);
                    t.eq(|| format!("{tag}: permutation({n})"), got, want);
                }
                other => t.fail(format!("{tag}: unknown op {other}")),
            }
        }
    }
}

fn check_split(root: &Value, t: &mut Tally) {
    for case in arr(&root["split"]) {
        t.cases += 1;
        let n = case["n"].as_u64().expect("n") as usize;
        let ts = f64_of(&case["test_size"]);
        let rs = case["random_state"].as_u64().expect("random_state") as u32;
        let tag = format!("train_test_split(n={n}, test_size={ts}, random_state={rs})");
        let (train, test) = match train_test_split(n, ts, rs) {
            Ok(v) => v,
            Err(e) => {
                t.fail(format!("{tag}: {e}"));
                continue;
            }
        };
        let as_i64 = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<_>>();
        if let Some(tr) = case.get("train") {
            let want: Vec<i64> = arr(tr).iter().map(int).collect();
            t.values += want.len();
            t.eq(|| format!("{tag}: train"), as_i64(&train), want);
            let want: Vec<i64> = arr(&case["test"]).iter().map(int).collect();
            t.values += want.len();
            t.eq(|| format!("{tag}: test"), as_i64(&test), want);
        } else {
            for (name, got) in [("train", &train), ("test", &test)] {
                let head: Vec<i64> = arr(&case[format!("{name}_head20")])
                    .iter()
                    .map(int)
                    .collect();
                t.eq(|| format!("{tag}: {name} head"), as_i64(&got[..20]), head);
                t.eq(
                    || format!("{tag}: {name} len"),
                    got.len() as u64,
                    case[format!("{name}_len")].as_u64().unwrap_or(0),
                );
                let sha = sha256_hex(got.iter().map(|&x| (x as i64).to_le_bytes()));
                t.values += got.len();
                t.eq(
                    || format!("{tag}: sha256({name})"),
                    sha.as_str(),
                    case[format!("{name}_sha256")].as_str().unwrap_or(""),
                );
            }
        }
    }
    for case in arr(&root["split_errors"]) {
        t.cases += 1;
        let n = case["n"].as_u64().expect("n") as usize;
        let ts = f64_of(&case["test_size"]);
        let msg = case["message"].as_str().unwrap_or("");
        // sklearn names either the sample count or test_size; so must we.
        let field = if msg.contains("n_samples") {
            "n_samples"
        } else {
            "test_size"
        };
        match train_test_split(n, ts, 42) {
            Ok(_) => t.fail(format!(
                "split n={n} test_size={ts}: no error (sklearn: {msg})"
            )),
            Err(e) => {
                let got = match &e {
                    mlops_loop::Error::Invalid { field, .. } => *field,
                    _ => "",
                };
                t.eq(|| format!("split n={n} test_size={ts}: {e}"), got, field);
            }
        }
    }
}

fn check_repr(root: &Value, t: &mut Tally) {
    t.cases += 1;
    for s in arr(&root["py_repr"]) {
        let x = f64_of(&s["bits"]);
        let want = s["repr"].as_str().unwrap_or("");
        t.eq(|| format!("py_repr({x:e})"), py_repr(x).as_str(), want);
    }
}

/// Check `data_numpy.json`: generator pieces, MT19937 draws, splits and py_repr samples.
pub fn check_numpy(json: &str) -> Tally {
    let root: Value = serde_json::from_str(json).expect("data_numpy.json");
    let mut t = Tally::default();
    check_generator(&root, &mut t);
    check_mt(&root, &mut t);
    check_split(&root, &mut t);
    check_repr(&root, &mut t);
    t
}
