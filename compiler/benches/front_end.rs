//! Front-end throughput: parsing alone, and parsing plus resolving and checking, in bytes of
//! IDL per second, on the large generated example (idl-examples/large/large.thrift).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use idlc::{CheckOptions, check_source, parse};

const LARGE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../idl-examples/large/large.thrift"
);

fn front_end(c: &mut Criterion) {
    let text = std::fs::read_to_string(LARGE).expect("idl-examples/large/large.thrift is present");
    let checked = check_source(LARGE, &text, &CheckOptions::default());
    assert!(
        !checked.has_errors(),
        "the bench input must be valid:\n{}",
        checked.render()
    );

    let mut group = c.benchmark_group("front_end");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(20);
    group.bench_function("parse", |b| {
        b.iter(|| parse("large.thrift", black_box(&text)))
    });
    group.bench_function("parse_and_check", |b| {
        b.iter(|| check_source(LARGE, black_box(&text), &CheckOptions::default()))
    });
    group.finish();
}

criterion_group!(benches, front_end);
criterion_main!(benches);
