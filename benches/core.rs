//! `make bench`: native timings of the core (criterion).
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use mlops_loop::data::{make_data, Drift};
use mlops_loop::fingerprint::fingerprint;

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

criterion_group!(benches, bench_make_data, bench_make_data_fingerprint);
criterion_main!(benches);
