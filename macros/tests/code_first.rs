//! `#[derive(ThriftStruct)]` on hand-written structs encodes byte for byte like the IDL-generated twins of
//! those structs, in every protocol, and decodes what the twins encode.
// The test IDLs document only some definitions and fields, and generated items carry the IDL's docs.
#![allow(missing_docs)]

use std::collections::{BTreeMap, BTreeSet};

use bytes::{Bytes, BytesMut};
use idlc_macros::{RpcService, ThriftStruct, ThriftUnion};
use idlc_runtime::protocol::binary::{BinaryReader, BinaryWriter};
use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
use idlc_runtime::protocol::json::{JsonReader, JsonWriter};
use idlc_runtime::{BytesInput, Limits, ThriftStruct};

/// The IDL twins, generated from `tests/idl/twins.thrift`.
#[derive(RpcService)]
#[rpc(idl = "tests/idl/twins.thrift", service = "Twins")]
pub struct Twins;

/// Hand-written twin of `Inner`.
#[derive(Clone, Debug, PartialEq, ThriftStruct)]
pub struct Inner {
    #[thrift(id = 1)]
    count: i64,
    #[thrift(id = 2)]
    tags: Option<Vec<String>>,
}

/// Hand-written twin of `Everything`; the enum field uses the generated enum type.
#[derive(Clone, Debug, PartialEq, ThriftStruct)]
pub struct Everything {
    #[thrift(id = 1)]
    flag: bool,
    #[thrift(id = 2)]
    tiny: i8,
    #[thrift(id = 3)]
    small: i16,
    #[thrift(id = 4, required)]
    medium: i32,
    #[thrift(id = 5)]
    large: i64,
    #[thrift(id = 6)]
    real: f64,
    #[thrift(id = 7)]
    text: String,
    #[thrift(id = 8)]
    blob: Bytes,
    #[thrift(id = 9, optional)]
    maybe: Option<i32>,
    #[thrift(id = 10)]
    numbers: Vec<i32>,
    #[thrift(id = 11)]
    names: BTreeSet<String>,
    #[thrift(id = 12)]
    by_name: BTreeMap<String, Inner>,
    #[thrift(id = 13)]
    inner: Option<Inner>,
    #[thrift(id = 14, enum)]
    mood: twins::Mood,
    #[thrift(id = 15, default)]
    plain: i32,
    #[thrift(id = 20)]
    nested: Vec<BTreeMap<i16, BTreeSet<i64>>>,
}

/// Hand-written twin of the union `Shape`.
#[derive(Clone, Debug, PartialEq, ThriftUnion)]
pub enum Shape {
    #[thrift(id = 1)]
    Circle(f64),
    #[thrift(id = 2)]
    Boxed(Inner),
    #[thrift(id = 3)]
    Names(Vec<String>),
}

fn hand_written(maybe: bool) -> Everything {
    let inner = Inner {
        count: -7,
        tags: Some(vec!["a".into(), "bé".into()]),
    };
    Everything {
        flag: true,
        tiny: -3,
        small: 300,
        medium: -70_000,
        large: 1 << 40,
        real: 2.5,
        text: "text ✓".into(),
        blob: Bytes::from_static(&[0, 1, 255]),
        maybe: maybe.then_some(9),
        numbers: vec![1, -1, i32::MAX],
        names: ["x".to_owned(), "y".to_owned()].into(),
        by_name: [("one".to_owned(), inner.clone())].into(),
        inner: maybe.then_some(Inner {
            count: 1,
            tags: None,
        }),
        mood: twins::Mood::CROSS,
        plain: 12,
        nested: vec![[(1, [5i64, 6].into()), (2, BTreeSet::new())].into()],
    }
}

fn generated(value: &Everything) -> twins::Everything {
    let inner = |i: &Inner| twins::Inner {
        count: i.count,
        tags: i.tags.clone(),
    };
    twins::Everything {
        flag: value.flag,
        tiny: value.tiny,
        small: value.small,
        medium: value.medium,
        large: value.large,
        real: value.real,
        text: value.text.clone(),
        blob: value.blob.clone(),
        maybe: value.maybe,
        numbers: value.numbers.clone(),
        names: value.names.clone(),
        by_name: value
            .by_name
            .iter()
            .map(|(k, v)| (k.clone(), inner(v)))
            .collect(),
        inner: value.inner.as_ref().map(inner),
        mood: value.mood,
        plain: value.plain,
        nested: value.nested.clone(),
    }
}

fn binary<T: ThriftStruct>(value: &T) -> Bytes {
    let mut out = BytesMut::new();
    value.encode(&mut BinaryWriter::new(&mut out)).unwrap();
    out.freeze()
}

fn compact<T: ThriftStruct>(value: &T) -> Bytes {
    let mut out = BytesMut::new();
    value.encode(&mut CompactWriter::new(&mut out)).unwrap();
    out.freeze()
}

fn json<T: ThriftStruct>(value: &T) -> Bytes {
    let mut out = BytesMut::new();
    value.encode(&mut JsonWriter::new(&mut out)).unwrap();
    out.freeze()
}

#[test]
fn hand_written_and_generated_twins_encode_the_same_bytes() {
    for maybe in [false, true] {
        let mine = hand_written(maybe);
        let twin = generated(&mine);
        assert_eq!(binary(&mine), binary(&twin), "binary, maybe = {maybe}");
        assert_eq!(compact(&mine), compact(&twin), "compact, maybe = {maybe}");
        assert_eq!(json(&mine), json(&twin), "json, maybe = {maybe}");
    }
}

#[test]
fn hand_written_types_decode_what_the_twins_encode() {
    let mine = hand_written(true);
    let twin = generated(&mine);
    let decoded = Everything::decode(&mut BinaryReader::new(
        BytesInput::new(binary(&twin)),
        Limits::default(),
    ))
    .unwrap();
    assert_eq!(decoded, mine);
    let decoded = Everything::decode(&mut CompactReader::new(
        BytesInput::new(compact(&twin)),
        Limits::default(),
    ))
    .unwrap();
    assert_eq!(decoded, mine);
    let decoded = Everything::decode(&mut JsonReader::new(
        BytesInput::new(json(&twin)),
        Limits::default(),
    ))
    .unwrap();
    assert_eq!(decoded, mine);
}

#[test]
fn a_missing_required_field_is_named() {
    // An empty struct: field stop only.
    let error = Inner::decode(&mut BinaryReader::new(
        BytesInput::new(Bytes::from_static(&[0])),
        Limits::default(),
    ))
    .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("Inner") && message.contains("count"),
        "{message}"
    );
}

#[test]
fn hand_written_unions_encode_like_their_twins() {
    let inner = Inner {
        count: 3,
        tags: None,
    };
    let cases = [
        (Shape::Circle(1.5), twins::Shape::Circle(1.5)),
        (
            Shape::Boxed(inner),
            twins::Shape::Boxed(twins::Inner {
                count: 3,
                tags: None,
            }),
        ),
        (
            Shape::Names(vec!["n".into()]),
            twins::Shape::Names(vec!["n".into()]),
        ),
    ];
    for (mine, twin) in cases {
        assert_eq!(binary(&mine), binary(&twin), "{mine:?}");
        assert_eq!(compact(&mine), compact(&twin), "{mine:?}");
        assert_eq!(json(&mine), json(&twin), "{mine:?}");
        let decoded = Shape::decode(&mut CompactReader::new(
            BytesInput::new(compact(&twin)),
            Limits::default(),
        ))
        .unwrap();
        assert_eq!(decoded, mine);
    }
}

#[test]
fn a_union_with_no_field_set_is_rejected() {
    let error = Shape::decode(&mut BinaryReader::new(
        BytesInput::new(Bytes::from_static(&[0])),
        Limits::default(),
    ))
    .unwrap_err();
    assert!(error.to_string().contains("Shape"), "{error}");
}
