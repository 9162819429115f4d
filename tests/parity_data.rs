//! Parity of the data stage with numpy 2.4.6 / pandas 3.1.1 / scikit-learn 1.9.1: every fixture
//! value compared by bits (fixtures written by `tests/oracle/generate.py`).

mod common;

fn report(name: &str, t: &common::Tally) {
    eprintln!(
        "{name}: {} cases, {} values compared, {} mismatches",
        t.cases,
        t.values,
        t.failures.len()
    );
    for f in t.failures.iter().take(30) {
        eprintln!("  {f}");
    }
}

#[test]
fn make_data_fingerprint_and_csv_match_pandas() {
    let t = common::check_data_cases(common::DATA_CASES);
    report("data_cases.json", &t);
    assert!(t.cases >= 25, "only {} cases", t.cases);
    assert!(t.failures.is_empty());
}

#[test]
fn generators_split_and_repr_match_numpy_sklearn_python() {
    let t = common::check_numpy(common::DATA_NUMPY);
    report("data_numpy.json", &t);
    assert!(t.cases >= 30, "only {} cases", t.cases);
    assert!(t.failures.is_empty());
}

/// The book's four reference fingerprints (exact-numpy.md and the chapter's output).
#[test]
fn book_fingerprints() {
    use mlops_loop::data::{make_data, Drift};
    use mlops_loop::fingerprint::fingerprint;
    for (seed, drift, fp) in [
        (0, Drift::Float(0.0), "ec187b238de9"),
        (0, Drift::Int(10), "abcc9f45d0cb"),
        (0, Drift::Float(10.0), "a8d5bf2a67a9"),
        (42, Drift::Float(0.0), "34e57aa80e67"),
        (1, Drift::Float(0.0), "cf0f14ace53e"),
        (2, Drift::Int(10), "d8f6e5f38cea"),
    ] {
        let df = make_data(seed, drift, 3000).expect("make_data");
        assert_eq!(fingerprint(&df).short, fp, "seed {seed} drift {drift}");
    }
    let book = include_str!("fixtures/book_output.txt");
    assert!(book.contains("data=cf0f14ace53e"));
}
