//! `make bench`: native timings of the core (criterion).
use criterion::{criterion_group, criterion_main, Criterion};

fn bench_placeholder(c: &mut Criterion) {
    c.bench_function("build_id", |b| b.iter(mlops_loop::build_id));
}

criterion_group!(benches, bench_placeholder);
criterion_main!(benches);
