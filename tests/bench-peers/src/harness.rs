//! The comparison itself: one criterion group per message × protocol × direction with every implementation
//! side by side, and the check that they all write the same bytes.

use std::fmt::Debug;
use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};

use crate::apache_impl::Apache;
use crate::idlc_impl::Idlc;
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
struct Message<I, A, P> {
    name: &'static str,
    idlc: I,
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

fn small()
-> Message<<Idlc as Messages>::Small, <Apache as Messages>::Small, <Pilota as Messages>::Small> {
    let value = reference::small();
    let mut doubles_swapped = value.clone();
    doubles_swapped.score = swapped(doubles_swapped.score);
    Message {
        name: "small",
        idlc: Idlc::small(&value),
        apache: Apache::small(&value),
        pilota: Pilota::small(&value),
        idlc_doubles_swapped: Idlc::small(&doubles_swapped),
    }
}

fn medium()
-> Message<<Idlc as Messages>::Medium, <Apache as Messages>::Medium, <Pilota as Messages>::Medium> {
    let value = reference::medium();
    Message {
        name: "medium",
        idlc: Idlc::medium(&value),
        apache: Apache::medium(&value),
        pilota: Pilota::medium(&value),
        idlc_doubles_swapped: Idlc::medium(&value),
    }
}

fn large()
-> Message<<Idlc as Messages>::Large, <Apache as Messages>::Large, <Pilota as Messages>::Large> {
    let value = reference::large();
    let mut doubles_swapped = value.clone();
    for item in &mut doubles_swapped.items {
        item.score = swapped(item.score);
    }
    Message {
        name: "large",
        idlc: Idlc::large(&value),
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

impl<I, A, P> Message<I, A, P>
where
    I: Codec + PartialEq + Debug,
    A: Codec + PartialEq + Debug,
    P: Codec + PartialEq + Debug + pilota::thrift::Message,
{
    /// Every implementation writes the idlc encoding byte for byte, and reads it back to its own value.
    fn check(&self, problems: &mut Vec<String>) {
        for protocol in Protocol::ALL {
            let context = format!("{} {}", self.name, protocol.name());
            let reference = encoded(&self.idlc, protocol);
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
