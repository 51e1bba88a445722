//! Hostile input: every reader, through every entry point, on truncated, corrupted and malicious bytes must
//! return `Ok` or a typed error: never panic, never recurse without bound, never allocate what a length prefix
//! claims before the bytes are there.
//!
//! `fixed_budget_fuzz` is a deterministic mutation fuzzer over the same entry points as the cargo-fuzz targets
//! in `runtime/fuzz`, so every CI run does some fuzzing without a nightly toolchain.

mod common;

use common::{
    Entry, InMessage, PROTOCOLS, Protocol, TIGHT, full_sample, full_value, run_entry_points,
};
use idlc_runtime::{
    DecodeError, DecodeErrorKind, EncodeError, Limits, MessageHeader, MessageType, Reader, TType,
    Writer,
};

/// Valid encodings to mutate: sample struct, dynamic value, and each inside a message, in that order.
fn seeds(protocol: Protocol) -> Vec<(Entry, Vec<u8>)> {
    let header = MessageHeader {
        name: "Service:method".into(),
        kind: MessageType::Call,
        seqid: 77,
    };
    vec![
        (Entry::Struct, protocol.encode(&full_sample())),
        (Entry::Struct, protocol.encode(&full_value())),
        (
            Entry::Message,
            protocol.encode(&InMessage(&header, &full_sample())),
        ),
        (
            Entry::Message,
            protocol.encode(&InMessage(&header, &full_value())),
        ),
    ]
}

#[test]
fn seeds_decode_cleanly() {
    // The baseline the other tests mutate: with default limits, skipping accepts every seed, the struct decoder
    // the sample seeds and the dynamic reader the dynamic-value seeds.
    for protocol in PROTOCOLS {
        for (index, (entry, bytes)) in seeds(protocol).into_iter().enumerate() {
            let results = run_entry_points(protocol, &bytes, entry);
            let is_sample = index % 2 == 0;
            for (name, result) in &results[..3] {
                let applies = match *name {
                    "struct decode" => is_sample,
                    "dynamic read" => !is_sample,
                    _ => true,
                };
                if applies {
                    assert!(result.is_ok(), "{protocol:?} {entry:?} {name}: {result:?}");
                }
            }
        }
    }
}

#[test]
fn every_truncation_is_an_error() {
    for protocol in PROTOCOLS {
        for (entry, bytes) in seeds(protocol) {
            for len in 0..bytes.len() {
                for (name, result) in run_entry_points(protocol, &bytes[..len], entry) {
                    let error = match result {
                        Ok(()) => panic!(
                            "{protocol:?} {entry:?} {name}: a {len}-byte prefix of {} bytes decoded",
                            bytes.len()
                        ),
                        Err(error) => error,
                    };
                    // Binary and compact know exactly when bytes run out; JSON may also see a half number or
                    // a half literal first.
                    let expected = match protocol {
                        Protocol::Json => true,
                        _ => matches!(
                            error.kind(),
                            DecodeErrorKind::UnexpectedEof { .. }
                                | DecodeErrorKind::LimitExceeded { .. }
                                | DecodeErrorKind::DepthExceeded { .. }
                        ),
                    };
                    assert!(
                        expected,
                        "{protocol:?} {entry:?} {name} prefix {len}: {error:?}"
                    );
                }
            }
        }
    }
}

/// A small deterministic generator (SplitMix64): the fuzz loop must be reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Byte strings that make readers believe in huge or negative sizes, or that change a value's type.
fn hostile_snippets(protocol: Protocol) -> Vec<Vec<u8>> {
    match protocol {
        Protocol::Binary => vec![
            vec![0x7f, 0xff, 0xff, 0xff],
            vec![0x80, 0x00, 0x00, 0x00],
            vec![0xff, 0xff, 0xff, 0xff],
            vec![0x0f, 0x0c, 0x7f, 0xff, 0xff, 0xff],
            vec![0x0d, 0x0b, 0x0b, 0x7f, 0xff, 0xff, 0xff],
            vec![0x0c, 0x00, 0x01],
        ],
        Protocol::Compact => vec![
            vec![0xff, 0xff, 0xff, 0xff, 0x07],
            vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            vec![
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ],
            vec![0xfc, 0xff, 0xff, 0xff, 0xff, 0x07],
            vec![0x80, 0x80, 0x80, 0x80, 0x08, 0x88],
            vec![0x19, 0x1c],
        ],
        Protocol::Json => vec![
            b"2147483647".to_vec(),
            b"2147483648".to_vec(),
            b"-1".to_vec(),
            b"99999999999999999999999".to_vec(),
            b"[\"lst\",2147483647,".to_vec(),
            b"{\"1\":{\"rec\":".to_vec(),
            b"\\ud800".to_vec(),
            b"\"".to_vec(),
            b"1e999999".to_vec(),
        ],
    }
}

fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, snippets: &[Vec<u8>]) {
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(7) {
            0 if at < bytes.len() => bytes[at] ^= 1 << rng.below(8),
            1 if at < bytes.len() => bytes[at] = rng.next() as u8,
            2 if at < bytes.len() => {
                bytes[at] =
                    [0x00, 0x7f, 0x80, 0xff, b'"', b'[', b'{', b'}', b']', b','][rng.below(10)]
            }
            3 => {
                let snippet = &snippets[rng.below(snippets.len())];
                bytes.splice(at..at, snippet.iter().copied());
            }
            4 if at < bytes.len() => {
                let end = (at + 1 + rng.below(8)).min(bytes.len());
                bytes.drain(at..end);
            }
            5 if at < bytes.len() => {
                let end = (at + 1 + rng.below(16)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, copy);
            }
            _ => bytes.truncate(at),
        }
    }
}

#[test]
fn fixed_budget_fuzz() {
    // A few thousand mutations per protocol: enough to reach every error path of the readers in a debug
    // build within seconds. Panics fail the test; results are otherwise free to be Ok or Err.
    // IDLC_FUZZ_ITERATIONS runs a longer session locally.
    let iterations: usize = std::env::var("IDLC_FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000);
    for protocol in PROTOCOLS {
        let seeds = seeds(protocol);
        let snippets = hostile_snippets(protocol);
        let mut rng = Rng(0x1d1c_5eed ^ protocol as u64);
        let mut errors = 0;
        for _ in 0..iterations {
            let (entry, seed) = &seeds[rng.below(seeds.len())];
            let mut bytes = seed.clone();
            mutate(&mut rng, &mut bytes, &snippets);
            errors += run_entry_points(protocol, &bytes, *entry)
                .iter()
                .filter(|(_, result)| result.is_err())
                .count();
        }
        // The mutations must actually hurt, or this loop tests nothing.
        assert!(
            errors > iterations,
            "{protocol:?}: only {errors} errors in {iterations} mutated inputs"
        );
    }
}

fn assert_rejected(
    protocol: Protocol,
    bytes: &[u8],
    limits: Limits,
    read: impl Fn(&mut dyn Reader) -> Result<(), DecodeError>,
    accept: impl Fn(&DecodeError) -> bool,
) {
    let (result, _) = protocol.decode(bytes, limits, read);
    match result {
        Err(error) if accept(&error) => {}
        other => panic!("{protocol:?} {bytes:02x?}: {other:?}"),
    }
}

/// The errors a size beyond reason may produce (compact sizes are i32 varints, so 2^31 reads as negative).
fn is_size_error(error: &DecodeError) -> bool {
    matches!(
        error.kind(),
        DecodeErrorKind::LimitExceeded { .. }
            | DecodeErrorKind::UnexpectedEof { .. }
            | DecodeErrorKind::NegativeLength { .. }
    )
}

#[test]
fn huge_length_prefixes_are_rejected_before_allocation() {
    let read_string = |r: &mut dyn Reader| r.read_string().map(drop);
    let read_binary = |r: &mut dyn Reader| r.read_binary().map(drop);
    let skip_list = |r: &mut dyn Reader| r.skip(TType::List);
    let skip_map = |r: &mut dyn Reader| r.skip(TType::Map);
    let list_header = |r: &mut dyn Reader| r.read_list_begin().map(drop);
    let map_header = |r: &mut dyn Reader| r.read_map_begin().map(drop);
    let padding = [0u8; 32];
    let with_padding = |prefix: &[u8]| [prefix, &padding].concat();
    let defaults = Limits::default();

    // A 2 GiB string or count, and a 1 Mi count within the limit but far beyond the bytes present.
    for (protocol, string, list, set_1m, map) in [
        (
            Protocol::Binary,
            with_padding(&[0x7f, 0xff, 0xff, 0xff]),
            with_padding(&[0x0c, 0x7f, 0xff, 0xff, 0xff]),
            with_padding(&[0x08, 0x00, 0x10, 0x00, 0x00]),
            with_padding(&[0x0b, 0x0b, 0x7f, 0xff, 0xff, 0xff]),
        ),
        (
            Protocol::Compact,
            with_padding(&[0x80, 0x80, 0x80, 0x80, 0x08]),
            with_padding(&[0xfc, 0x80, 0x80, 0x80, 0x80, 0x08]),
            with_padding(&[0xf5, 0x80, 0x80, 0x40]),
            with_padding(&[0x80, 0x80, 0x80, 0x80, 0x08, 0x88]),
        ),
    ] {
        assert_rejected(protocol, &string, defaults, read_string, is_size_error);
        assert_rejected(protocol, &string, defaults, read_binary, is_size_error);
        assert_rejected(protocol, &list, defaults, list_header, is_size_error);
        assert_rejected(protocol, &list, defaults, skip_list, is_size_error);
        assert_rejected(protocol, &set_1m, defaults, list_header, |e| {
            matches!(e.kind(), DecodeErrorKind::UnexpectedEof { .. })
        });
        assert_rejected(protocol, &map, defaults, map_header, is_size_error);
        assert_rejected(protocol, &map, defaults, skip_map, is_size_error);
    }
    // Binary lengths are signed.
    assert_rejected(
        Protocol::Binary,
        &with_padding(&[0xff, 0xff, 0xff, 0xfe]),
        defaults,
        read_string,
        |e| matches!(e.kind(), DecodeErrorKind::NegativeLength { len: -2, .. }),
    );

    let json = Protocol::Json;
    for count in ["2147483648", "2147483647", "99999999999999999999"] {
        let list = format!("[\"rec\",{count},{{}}]");
        assert_rejected(json, list.as_bytes(), defaults, skip_list, |e| {
            is_size_error(e) || matches!(e.kind(), DecodeErrorKind::InvalidData { .. })
        });
        let map = format!("[\"i32\",\"i32\",{count},{{\"1\":1}}]");
        assert_rejected(json, map.as_bytes(), defaults, skip_map, |e| {
            is_size_error(e) || matches!(e.kind(), DecodeErrorKind::InvalidData { .. })
        });
    }
    assert_rejected(json, b"[\"i32\",1048576,1]", defaults, list_header, |e| {
        matches!(e.kind(), DecodeErrorKind::UnexpectedEof { .. })
    });
    assert_rejected(json, b"[\"i32\",-1]", defaults, list_header, |e| {
        matches!(e.kind(), DecodeErrorKind::NegativeLength { len: -1, .. })
    });

    // Within the bytes present but beyond configured limits.
    let limits = Limits {
        max_string_len: 4,
        max_container_len: 4,
        max_depth: 64,
    };
    let long_string = with_padding(&[0x00, 0x00, 0x00, 0x05]);
    assert_rejected(Protocol::Binary, &long_string, limits, read_string, |e| {
        matches!(e.kind(), DecodeErrorKind::LimitExceeded { .. })
    });
    assert_rejected(
        Protocol::Compact,
        &with_padding(&[0x05]),
        limits,
        read_string,
        |e| matches!(e.kind(), DecodeErrorKind::LimitExceeded { .. }),
    );
    assert_rejected(json, b"\"12345\"", limits, read_string, |e| {
        matches!(e.kind(), DecodeErrorKind::LimitExceeded { .. })
    });
    assert_rejected(json, b"[\"i8\",5,1,2,3,4,5]", limits, list_header, |e| {
        matches!(e.kind(), DecodeErrorKind::LimitExceeded { .. })
    });
}

/// Writes `depth` levels of nesting without recursion (the writer is trusted; the reader is under test).
fn depth_bomb(protocol: Protocol, depth: usize, shape: TType) -> Vec<u8> {
    let write = move |w: &mut dyn Writer| -> Result<(), EncodeError> {
        w.write_struct_begin("Bomb")?;
        w.write_field_begin("f", shape, 300)?;
        for _ in 0..depth {
            match shape {
                TType::List => w.write_list_begin(TType::List, 1)?,
                TType::Map => w.write_map_begin(TType::I32, TType::Map, 1)?,
                _ => {
                    w.write_struct_begin("Bomb")?;
                    w.write_field_begin("f", TType::Struct, 300)?;
                }
            }
            if shape == TType::Map {
                w.write_i32(1)?;
            }
        }
        match shape {
            TType::List => w.write_list_begin(TType::I32, 0)?,
            TType::Map => w.write_map_begin(TType::I32, TType::I32, 0)?,
            _ => {
                w.write_struct_begin("Bomb")?;
                w.write_field_stop()?;
            }
        }
        for _ in 0..=depth {
            match shape {
                TType::List => w.write_list_end()?,
                TType::Map => w.write_map_end()?,
                _ => {
                    w.write_struct_end()?;
                    w.write_field_end()?;
                    w.write_field_stop()?;
                }
            }
        }
        if shape != TType::Struct {
            w.write_field_end()?;
            w.write_field_stop()?;
        }
        w.write_struct_end()
    };
    protocol.encode(&write)
}

#[test]
fn depth_bombs_are_rejected_without_deep_recursion() {
    for protocol in PROTOCOLS {
        for shape in [TType::List, TType::Map, TType::Struct] {
            // A modest bomb decodes with a raised limit, so the bombs are well-formed and only depth is wrong.
            let small = depth_bomb(protocol, 20, shape);
            let roomy = Limits {
                max_depth: 100,
                ..Limits::default()
            };
            let (ok, left) =
                protocol.decode(&small, roomy, |r: &mut dyn Reader| r.skip(TType::Struct));
            assert!(ok.is_ok() && left == 0, "{protocol:?} {shape:?}: {ok:?}");

            let bomb = depth_bomb(protocol, 10_000, shape);
            for (name, result) in run_entry_points(protocol, &bomb, Entry::Struct) {
                assert!(
                    matches!(
                        result.as_ref().map_err(DecodeError::kind),
                        Err(DecodeErrorKind::DepthExceeded { .. })
                    ),
                    "{protocol:?} {shape:?} {name}: {result:?}"
                );
            }
        }
    }
}

#[test]
fn depth_limit_counts_structs_and_containers() {
    // max_depth 8: the top struct plus 7 nested levels is the deepest accepted.
    for protocol in PROTOCOLS {
        for shape in [TType::List, TType::Struct] {
            let at_limit = depth_bomb(protocol, 6, shape);
            let over = depth_bomb(protocol, 7, shape);
            let skip = |r: &mut dyn Reader| r.skip(TType::Struct);
            let (result, _) = protocol.decode(&at_limit, TIGHT, skip);
            assert!(result.is_ok(), "{protocol:?} {shape:?}: {result:?}");
            let (result, _) = protocol.decode(&over, TIGHT, skip);
            assert!(
                matches!(
                    result.as_ref().map_err(DecodeError::kind),
                    Err(DecodeErrorKind::DepthExceeded { limit: 8, .. })
                ),
                "{protocol:?} {shape:?}: {result:?}"
            );
        }
    }
}
