//! The comparison itself: one criterion group per message × protocol × direction with every implementation
//! side by side, and the check that they all write the same bytes.

use std::fmt::Debug;
use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};

use crate::apache_impl::Apache;
use crate::idlc_impl::faststr::IdlcFastStr;
use crate::idlc_impl::string::Idlc;
use crate::pilota_impl::{self, Pilota};
use crate::{Codec, Messages, reference};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Binary,
    Compact,
}

impl Protocol {
    const ALL: [Protocol; 2] = [Protocol::Binary, Protocol::Compact];

    fn name(self) -> &'static str {
        match self {
            Protocol::Binary => "binary",
            Protocol::Compact => "compact",
        }
    }
}

fn encode<T: Codec>(value: &T, protocol: Protocol, buf: &mut T::Buffer) {
    match protocol {
        Protocol::Binary => value.encode_binary(buf),
        Protocol::Compact => value.encode_compact(buf),
    }
}

fn encoded<T: Codec>(value: &T, protocol: Protocol) -> Bytes {
    let mut buf = T::Buffer::default();
    encode(value, protocol, &mut buf);
    Bytes::copy_from_slice(T::written(&buf))
}

fn decode<T: Codec>(bytes: &Bytes, protocol: Protocol) -> T {
    match protocol {
        Protocol::Binary => T::decode_binary(bytes),
        Protocol::Compact => T::decode_compact(bytes),
    }
}

/// One message in every implementation.
struct Message<I, F, A, P> {
    name: &'static str,
    idlc: I,
    /// idlc's types with `string` as `FastStr`.
    idlc_faststr: F,
    apache: A,
    pilota: P,
    /// The idlc value with every double's bytes reversed: its compact encoding is what pilota writes for
    /// the true value (pilota 0.13 writes compact doubles big-endian; the protocol says little-endian).
    idlc_doubles_swapped: I,
}

/// Reverses a double's bytes.
fn swapped(value: f64) -> f64 {
    f64::from_bits(value.to_bits().swap_bytes())
}

fn small() -> Message<
    <Idlc as Messages>::Small,
    <IdlcFastStr as Messages>::Small,
    <Apache as Messages>::Small,
    <Pilota as Messages>::Small,
> {
    let value = reference::small();
    let mut doubles_swapped = value.clone();
    doubles_swapped.score = swapped(doubles_swapped.score);
    Message {
        name: "small",
        idlc: Idlc::small(&value),
        idlc_faststr: IdlcFastStr::small(&value),
        apache: Apache::small(&value),
        pilota: Pilota::small(&value),
        idlc_doubles_swapped: Idlc::small(&doubles_swapped),
    }
}

fn medium() -> Message<
    <Idlc as Messages>::Medium,
    <IdlcFastStr as Messages>::Medium,
    <Apache as Messages>::Medium,
    <Pilota as Messages>::Medium,
> {
    let value = reference::medium();
    Message {
        name: "medium",
        idlc: Idlc::medium(&value),
        idlc_faststr: IdlcFastStr::medium(&value),
        apache: Apache::medium(&value),
        pilota: Pilota::medium(&value),
        idlc_doubles_swapped: Idlc::medium(&value),
    }
}

fn large() -> Message<
    <Idlc as Messages>::Large,
    <IdlcFastStr as Messages>::Large,
    <Apache as Messages>::Large,
    <Pilota as Messages>::Large,
> {
    let value = reference::large();
    let mut doubles_swapped = value.clone();
    for item in &mut doubles_swapped.items {
        item.score = swapped(item.score);
    }
    Message {
        name: "large",
        idlc: Idlc::large(&value),
        idlc_faststr: IdlcFastStr::large(&value),
        apache: Apache::large(&value),
        pilota: Pilota::large(&value),
        idlc_doubles_swapped: Idlc::large(&doubles_swapped),
    }
}

/// The first offset where two encodings differ, described for a failure message.
fn difference(left: &[u8], right: &[u8]) -> Option<String> {
    if left == right {
        return None;
    }
    let at = left
        .iter()
        .zip(right)
        .position(|(l, r)| l != r)
        .unwrap_or(left.len().min(right.len()));
    let window = |b: &[u8]| format!("{:02x?}", &b[at.saturating_sub(4)..(at + 8).min(b.len())]);
    Some(format!(
        "lengths {} and {}, first difference at byte {at}: {} vs {}",
        left.len(),
        right.len(),
        window(left),
        window(right)
    ))
}

impl<I, F, A, P> Message<I, F, A, P>
where
    I: Codec + PartialEq + Debug,
    F: Codec + PartialEq + Debug,
    A: Codec + PartialEq + Debug,
    P: Codec + PartialEq + Debug + pilota::thrift::Message,
{
    /// Every implementation writes the idlc encoding byte for byte, and reads it back to its own value.
    fn check(&self, problems: &mut Vec<String>) {
        for protocol in Protocol::ALL {
            let context = format!("{} {}", self.name, protocol.name());
            let reference = encoded(&self.idlc, protocol);
            if let Some(diff) = difference(&reference, &encoded(&self.idlc_faststr, protocol)) {
                problems.push(format!(
                    "{context}: idlc with String and with FastStr encode differently: {diff}"
                ));
            }
            if decode::<F>(&reference, protocol) != self.idlc_faststr {
                problems.push(format!(
                    "{context}: idlc with FastStr does not read the bytes back"
                ));
            }
            if let Some(diff) = difference(&reference, &encoded(&self.apache, protocol)) {
                problems.push(format!(
                    "{context}: idlc and apache encode differently: {diff}"
                ));
            }
            let pilota_expected = match protocol {
                Protocol::Binary => reference.clone(),
                Protocol::Compact => encoded(&self.idlc_doubles_swapped, protocol),
            };
            if let Some(diff) = difference(&pilota_expected, &encoded(&self.pilota, protocol)) {
                problems.push(format!(
                    "{context}: idlc and pilota encode differently: {diff}"
                ));
            }
            if protocol == Protocol::Binary {
                let mut buf = BytesMut::new();
                pilota_impl::encode_binary_unsafe(&self.pilota, &mut buf);
                if let Some(diff) = difference(&reference, &buf) {
                    problems.push(format!(
                        "{context}: idlc and pilota-unsafe encode differently: {diff}"
                    ));
                }
                if pilota_impl::decode_binary_unsafe::<P>(&reference) != self.pilota {
                    problems.push(format!(
                        "{context}: pilota-unsafe decodes idlc's bytes to another value"
                    ));
                }
            }
            if decode::<I>(&reference, protocol) != self.idlc {
                problems.push(format!("{context}: idlc does not read its own bytes back"));
            }
            if decode::<A>(&reference, protocol) != self.apache {
                problems.push(format!(
                    "{context}: apache decodes idlc's bytes to another value"
                ));
            }
            if decode::<P>(&reference, protocol) != self.pilota {
                problems.push(format!(
                    "{context}: pilota decodes idlc's bytes to another value"
                ));
            }
        }
    }

    fn bench(&self, c: &mut Criterion) {
        for protocol in Protocol::ALL {
            let bytes = encoded(&self.idlc, protocol);
            let id = format!("{}/{}", self.name, protocol.name());

            let mut group = c.benchmark_group(format!("{id}/encode"));
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            bench_encode(&mut group, "idlc", &self.idlc, protocol);
            bench_encode(&mut group, "idlc-faststr", &self.idlc_faststr, protocol);
            bench_encode(&mut group, "apache", &self.apache, protocol);
            bench_encode(&mut group, "pilota", &self.pilota, protocol);
            if protocol == Protocol::Binary {
                let mut buf = BytesMut::new();
                group.bench_function("pilota-unsafe", |b| {
                    b.iter(|| {
                        pilota_impl::encode_binary_unsafe(black_box(&self.pilota), &mut buf);
                        black_box(&buf);
                    })
                });
            }
            group.finish();

            let mut group = c.benchmark_group(format!("{id}/decode"));
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            bench_decode::<I>(&mut group, "idlc", &bytes, protocol);
            bench_decode::<F>(&mut group, "idlc-faststr", &bytes, protocol);
            bench_decode::<A>(&mut group, "apache", &bytes, protocol);
            bench_decode::<P>(&mut group, "pilota", &bytes, protocol);
            if protocol == Protocol::Binary {
                group.bench_function("pilota-unsafe", |b| {
                    b.iter(|| black_box(pilota_impl::decode_binary_unsafe::<P>(black_box(&bytes))))
                });
            }
            group.finish();
        }
    }
}

/// One implementation's work in a best-of cell, run `iterations` times per call.
type Work<'a> = (&'static str, Box<dyn FnMut(u64) + 'a>);

impl<I, F, A, P> Message<I, F, A, P>
where
    I: Codec + PartialEq + Debug,
    F: Codec + PartialEq + Debug,
    A: Codec + PartialEq + Debug,
    P: Codec + PartialEq + Debug + pilota::thrift::Message,
{
    fn best_of(&self, rounds: usize, batch: Duration, rows: &mut Vec<BestOfRow>) {
        for protocol in Protocol::ALL {
            let bytes = encoded(&self.idlc, protocol);
            let mut encoders: Vec<Work<'_>> = vec![
                ("idlc", encoder(&self.idlc, protocol)),
                ("idlc-faststr", encoder(&self.idlc_faststr, protocol)),
                ("apache", encoder(&self.apache, protocol)),
                ("pilota", encoder(&self.pilota, protocol)),
            ];
            let mut decoders: Vec<Work<'_>> = vec![
                ("idlc", decoder::<I>(&bytes, protocol)),
                ("idlc-faststr", decoder::<F>(&bytes, protocol)),
                ("apache", decoder::<A>(&bytes, protocol)),
                ("pilota", decoder::<P>(&bytes, protocol)),
            ];
            if protocol == Protocol::Binary {
                let mut buf = BytesMut::new();
                encoders.push((
                    "pilota-unsafe",
                    Box::new(move |iterations| {
                        for _ in 0..iterations {
                            pilota_impl::encode_binary_unsafe(black_box(&self.pilota), &mut buf);
                            black_box(&buf);
                        }
                    }),
                ));
                let bytes = bytes.clone();
                decoders.push((
                    "pilota-unsafe",
                    Box::new(move |iterations| {
                        for _ in 0..iterations {
                            black_box(pilota_impl::decode_binary_unsafe::<P>(black_box(&bytes)));
                        }
                    }),
                ));
            }
            for (direction, work) in [("encode", encoders), ("decode", decoders)] {
                rows.push(BestOfRow {
                    cell: format!("{}/{}/{direction}", self.name, protocol.name()),
                    times: interleaved_minimum(work, rounds, batch),
                });
            }
        }
    }
}

fn encoder<'a, T: Codec>(value: &'a T, protocol: Protocol) -> Box<dyn FnMut(u64) + 'a> {
    let mut buf = T::Buffer::default();
    Box::new(move |iterations| {
        for _ in 0..iterations {
            encode(black_box(value), protocol, &mut buf);
            black_box(T::written(&buf));
        }
    })
}

fn decoder<'a, T: Codec>(bytes: &'a Bytes, protocol: Protocol) -> Box<dyn FnMut(u64) + 'a> {
    Box::new(move |iterations| {
        for _ in 0..iterations {
            black_box(decode::<T>(black_box(bytes), protocol));
        }
    })
}

/// Times every implementation in turn, `rounds` times over, each for a batch of about `batch`, and keeps each
/// one's fastest batch (nanoseconds per operation). On a shared machine another process only ever adds time,
/// so the minimum over many short interleaved batches is the figure least disturbed by it, and every
/// implementation gets the same chances.
fn interleaved_minimum(
    mut work: Vec<Work<'_>>,
    rounds: usize,
    batch: Duration,
) -> Vec<(&'static str, f64)> {
    let iterations: Vec<u64> = work
        .iter_mut()
        .map(|(_, run)| {
            let mut iterations = 1;
            loop {
                let start = Instant::now();
                run(iterations);
                if start.elapsed() >= batch / 2 || iterations >= 1 << 30 {
                    return iterations;
                }
                iterations *= 2;
            }
        })
        .collect();
    let mut best = vec![f64::INFINITY; work.len()];
    for _ in 0..rounds {
        for (index, (_, run)) in work.iter_mut().enumerate() {
            let start = Instant::now();
            run(iterations[index]);
            let per_op = start.elapsed().as_nanos() as f64 / iterations[index] as f64;
            best[index] = best[index].min(per_op);
        }
    }
    work.iter().map(|(name, _)| *name).zip(best).collect()
}

/// One cell of [`best_of`]: the fastest time per operation of each implementation.
#[derive(Debug, Clone)]
pub struct BestOfRow {
    /// `message/protocol/direction`.
    pub cell: String,
    /// Implementation name and its best nanoseconds per operation.
    pub times: Vec<(&'static str, f64)>,
}

/// Every cell timed by interleaved best-of (see [`interleaved_minimum`]), after [`check_same_bytes`].
pub fn best_of(rounds: usize, batch: Duration) -> Vec<BestOfRow> {
    if let Err(problems) = check_same_bytes() {
        panic!("the implementations do not agree:\n{problems}");
    }
    let mut rows = Vec::new();
    small().best_of(rounds, batch, &mut rows);
    medium().best_of(rounds, batch, &mut rows);
    large().best_of(rounds, batch, &mut rows);
    rows
}

fn bench_encode<T: Codec>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    value: &T,
    protocol: Protocol,
) {
    let mut buf = T::Buffer::default();
    group.bench_function(name, |b| {
        b.iter(|| {
            encode(black_box(value), protocol, &mut buf);
            black_box(T::written(&buf));
        })
    });
}

fn bench_decode<T: Codec>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    bytes: &Bytes,
    protocol: Protocol,
) {
    group.bench_function(name, |b| {
        b.iter(|| black_box(decode::<T>(black_box(bytes), protocol)))
    });
}

/// Checks that idlc, Apache Thrift and pilota encode the reference values to identical bytes in the binary
/// and compact protocols, and decode those bytes back to the reference values.
pub fn check_same_bytes() -> Result<(), String> {
    let mut problems = Vec::new();
    small().check(&mut problems);
    medium().check(&mut problems);
    large().check(&mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Runs every group, after [`check_same_bytes`] (a bench of codecs that disagree would compare nothing).
pub fn bench_all(c: &mut Criterion) {
    if let Err(problems) = check_same_bytes() {
        panic!("the implementations do not agree:\n{problems}");
    }
    small().bench(c);
    medium().bench(c);
    large().bench(c);
}
