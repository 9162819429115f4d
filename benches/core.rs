//! `make bench`: native timings of the core (criterion).
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use mlops_loop::data::{make_data, Drift};
use mlops_loop::fingerprint::fingerprint;
use mlops_loop::gbm::GbmParams;
use mlops_loop::split::train_test_split;

/// The book's frame: `make_data(1, 0.0)`, 3000 rows.
fn bench_make_data(c: &mut Criterion) {
    c.bench_function("make_data_3000", |b| {
        b.iter(|| make_data(black_box(1), Drift::Float(0.0), 3000))
    });
}

/// The frame plus its fingerprint (what the page recomputes on every seed/drift change).
fn bench_make_data_fingerprint(c: &mut Criterion) {
    c.bench_function("make_data+fingerprint_3000", |b| {
        b.iter(|| make_data(black_box(1), Drift::Float(0.0), 3000).map(|df| fingerprint(&df)))
    });
}

/// The train rows of `make_data(1, 0.0, rows)` (the 75 % of `train_test_split`).
fn train_rows(rows: usize) -> (Vec<[f64; 3]>, Vec<i64>) {
    let df = make_data(1, Drift::Float(0.0), rows).expect("make_data");
    let (train, _) = train_test_split(rows, 0.25, 42).expect("split");
    let x = train.iter().filter_map(|&i| df.feature_row(i)).collect();
    let y = train.iter().map(|&i| df.labels()[i]).collect();
    (x, y)
}

/// `GradientBoostingClassifier(random_state=42).fit` on 2250, 22500 and 225000 rows (the book
/// fits 2250; sklearn 1.9.1 takes about 200 ms for it).
fn bench_gbm_fit(c: &mut Criterion) {
    let params = GbmParams::new().check().expect("params");
    let mut group = c.benchmark_group("gbm");
    group.sample_size(10);
    for (name, rows) in [
        ("gbm_fit_2250", 3000),
        ("gbm_fit_22500", 30_000),
        ("gbm_fit_225000", 300_000),
    ] {
        let (x, y) = train_rows(rows);
        group.bench_function(name, |b| b.iter(|| params.fit(black_box(&x), &y)));
    }
    group.finish();
}

/// The whole chapter: three frames, two fits, the KS test, three AUCs, formatted lines.
fn bench_chapter(c: &mut Criterion) {
    let p = mlops_loop::chapter::ChapterParams::default();
    let mut group = c.benchmark_group("chapter");
    group.sample_size(10);
    group.bench_function("chapter", |b| {
        b.iter(|| mlops_loop::chapter::run_chapter(black_box(&p)))
    });
    group.finish();
}

/// The loop: 52 simulated weeks of 1000 rows with the step schedule (seed 2: 8 retrains,
/// canaries, promotions), every practice on, in-memory registry.
fn bench_loop_52_weeks(c: &mut Criterion) {
    use mlops_loop::orchestrator::{run, LoopParams, Schedule};
    let p = LoopParams::builder()
        .seed(2)
        .schedule(Schedule::parse("step").expect("schedule"))
        .build()
        .expect("params");
    let mut group = c.benchmark_group("loop");
    group.sample_size(10);
    group.bench_function("loop_52_weeks", |b| b.iter(|| run(black_box(&p))));
    group.finish();
}

criterion_group!(
    benches,
    bench_make_data,
    bench_make_data_fingerprint,
    bench_gbm_fit,
    bench_chapter,
    bench_loop_52_weeks
);
criterion_main!(benches);
