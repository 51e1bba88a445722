//! Encode and decode throughput of each protocol on a small, a medium and a large message, next to a memcpy
//! of the same number of bytes.
//!
//! Encoding reuses one buffer (cleared each time), so the figures show the codec, not allocation; decoding
//! reads from `Bytes`, so `binary` values are shared rather than copied.
//!
//! `cargo bench -p idlc-runtime --bench protocols`

mod messages;

use std::hint::black_box;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use idlc_runtime::protocol::binary::{BinaryReader, BinaryWriter};
use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
use idlc_runtime::protocol::json::{JsonReader, JsonWriter};
use idlc_runtime::{BytesInput, Limits, ThriftStruct};

/// One protocol's writer and reader, so every message runs through the same bench code.
trait Protocol {
    const NAME: &'static str;
    fn encode<T: ThriftStruct>(value: &T, buf: &mut BytesMut);
    fn decode<T: ThriftStruct>(bytes: Bytes) -> T;
}

struct Binary;
struct Compact;
struct Json;

impl Protocol for Binary {
    const NAME: &'static str = "binary";
    fn encode<T: ThriftStruct>(value: &T, buf: &mut BytesMut) {
        value.encode(&mut BinaryWriter::new(buf)).expect("encodes");
    }
    fn decode<T: ThriftStruct>(bytes: Bytes) -> T {
        T::decode(&mut BinaryReader::new(
            BytesInput::new(bytes),
            Limits::default(),
        ))
        .expect("decodes")
    }
}

impl Protocol for Compact {
    const NAME: &'static str = "compact";
    fn encode<T: ThriftStruct>(value: &T, buf: &mut BytesMut) {
        value.encode(&mut CompactWriter::new(buf)).expect("encodes");
    }
    fn decode<T: ThriftStruct>(bytes: Bytes) -> T {
        T::decode(&mut CompactReader::new(
            BytesInput::new(bytes),
            Limits::default(),
        ))
        .expect("decodes")
    }
}

impl Protocol for Json {
    const NAME: &'static str = "json";
    fn encode<T: ThriftStruct>(value: &T, buf: &mut BytesMut) {
        value.encode(&mut JsonWriter::new(buf)).expect("encodes");
    }
    fn decode<T: ThriftStruct>(bytes: Bytes) -> T {
        T::decode(&mut JsonReader::new(
            BytesInput::new(bytes),
            Limits::default(),
        ))
        .expect("decodes")
    }
}

fn bench_protocol<P: Protocol, T: ThriftStruct + PartialEq + std::fmt::Debug>(
    c: &mut Criterion,
    message: &str,
    value: &T,
) {
    let mut group = c.benchmark_group(message);
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);

    let mut buf = BytesMut::new();
    P::encode(value, &mut buf);
    let encoded = buf.split().freeze();
    assert_eq!(
        &P::decode::<T>(encoded.clone()),
        value,
        "{} round trip",
        P::NAME
    );
    group.throughput(Throughput::Bytes(encoded.len() as u64));

    group.bench_function(BenchmarkId::new("encode", P::NAME), |b| {
        let mut buf = BytesMut::with_capacity(encoded.len());
        b.iter(|| {
            buf.clear();
            P::encode(black_box(value), &mut buf);
            black_box(buf.len())
        })
    });
    group.bench_function(BenchmarkId::new("decode", P::NAME), |b| {
        b.iter(|| P::decode::<T>(black_box(encoded.clone())))
    });
    group.bench_function(BenchmarkId::new("memcpy", P::NAME), |b| {
        let mut copy = vec![0u8; encoded.len()];
        b.iter(|| {
            copy.copy_from_slice(black_box(&encoded));
            black_box(copy.as_ptr());
        })
    });
    group.finish();
}

fn bench_message<T: ThriftStruct + PartialEq + std::fmt::Debug>(
    c: &mut Criterion,
    message: &str,
    value: &T,
) {
    bench_protocol::<Binary, T>(c, message, value);
    bench_protocol::<Compact, T>(c, message, value);
    bench_protocol::<Json, T>(c, message, value);
}

fn protocols(c: &mut Criterion) {
    bench_message(c, "small", &messages::small(42));
    bench_message(c, "medium", &messages::medium());
    bench_message(c, "large", &messages::large());
}

criterion_group!(benches, protocols);
criterion_main!(benches);
