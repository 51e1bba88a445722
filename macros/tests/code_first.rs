//! `#[derive(ThriftStruct)]`, `#[derive(ThriftUnion)]` and `#[derive(ThriftEnum)]` on hand-written types
//! encode byte for byte like the IDL-generated twins of those types, in every protocol, and decode what the
//! twins encode; a hand-written enum refuses (or, with a catch-all variant, keeps) a value it does not name.
// The test IDLs document only some definitions and fields, and generated items carry the IDL's docs.
#![allow(missing_docs)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use bytes::{Bytes, BytesMut};
use idlc_runtime::protocol::binary::{BinaryReader, BinaryWriter};
use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
use idlc_runtime::protocol::json::{JsonReader, JsonWriter};
use idlc_runtime::{
    BytesInput, DecodeError, DecodeErrorKind, Limits, Reader, RpcService, ThriftEnum, ThriftStruct,
    ThriftUnion,
};

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

/// Hand-written twin of `Everything`; the enum field uses the generated enum type, which says how it travels
/// itself (no marker on the field).
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
    #[thrift(id = 14)]
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
    #[thrift(id = 4)]
    Mood(Mood),
}

/// Hand-written twin of the IDL enum `Mood`, values from discriminants: a value it does not name is refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, ThriftEnum)]
pub enum Mood {
    #[default]
    Calm = 1,
    Cross = 2,
}

/// Another twin of `Mood`, values from attributes, that keeps a value it does not name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, ThriftEnum)]
pub enum LooseMood {
    #[default]
    #[thrift(value = 1)]
    Calm,
    #[thrift(value = 2)]
    Cross,
    #[thrift(other)]
    Unknown(i32),
}

/// Discriminants beside a catch-all variant, which Rust allows with a `repr`; `Cross` counts on to 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ThriftEnum)]
#[repr(i32)]
pub enum ReprMood {
    Calm = 1,
    Cross,
    #[thrift(other)]
    Unknown(i32),
}

/// An `i32` newtype enum, as idlc generates them: every value is kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, ThriftEnum)]
pub struct Level(pub i32);

/// Hand-written twin of `Palette`: enums in every position a field can hold one.
#[derive(Clone, Debug, PartialEq, ThriftStruct)]
pub struct Palette {
    #[thrift(id = 1)]
    mood: Mood,
    #[thrift(id = 2)]
    maybe: Option<Mood>,
    #[thrift(id = 3)]
    moods: Vec<Mood>,
    #[thrift(id = 4)]
    distinct: BTreeSet<Mood>,
    #[thrift(id = 5)]
    inner_by_mood: BTreeMap<Mood, Inner>,
    #[thrift(id = 6)]
    by_name: BTreeMap<String, Vec<Mood>>,
    #[thrift(id = 7, default)]
    plain: Mood,
}

/// `Palette` again, with the enum that keeps unknown values.
#[derive(Clone, Debug, PartialEq, ThriftStruct)]
pub struct LoosePalette {
    #[thrift(id = 1)]
    mood: LooseMood,
    #[thrift(id = 2)]
    maybe: Option<LooseMood>,
    #[thrift(id = 3)]
    moods: Vec<LooseMood>,
    #[thrift(id = 4)]
    distinct: BTreeSet<LooseMood>,
    #[thrift(id = 5)]
    inner_by_mood: BTreeMap<LooseMood, Inner>,
    #[thrift(id = 6)]
    by_name: BTreeMap<String, Vec<LooseMood>>,
    #[thrift(id = 7, default)]
    plain: LooseMood,
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
        (
            Shape::Mood(Mood::Cross),
            twins::Shape::Mood(twins::Mood::CROSS),
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

/// The twin of a hand-written `Mood`, spelled out rather than computed, so the bytes are an independent check.
fn twin_mood(mood: Mood) -> twins::Mood {
    match mood {
        Mood::Calm => twins::Mood::CALM,
        Mood::Cross => twins::Mood::CROSS,
    }
}

fn palette() -> Palette {
    let inner = Inner {
        count: 5,
        tags: None,
    };
    Palette {
        mood: Mood::Cross,
        maybe: Some(Mood::Calm),
        moods: vec![Mood::Cross, Mood::Calm, Mood::Cross],
        distinct: [Mood::Calm, Mood::Cross].into(),
        inner_by_mood: [(Mood::Cross, inner)].into(),
        by_name: [("both".to_owned(), vec![Mood::Calm, Mood::Cross])].into(),
        plain: Mood::Cross,
    }
}

fn twin_palette(value: &Palette) -> twins::Palette {
    twins::Palette {
        mood: twin_mood(value.mood),
        maybe: value.maybe.map(twin_mood),
        moods: value.moods.iter().copied().map(twin_mood).collect(),
        distinct: value.distinct.iter().copied().map(twin_mood).collect(),
        inner_by_mood: value
            .inner_by_mood
            .iter()
            .map(|(k, v)| {
                let inner = twins::Inner {
                    count: v.count,
                    tags: v.tags.clone(),
                };
                (twin_mood(*k), inner)
            })
            .collect(),
        by_name: value
            .by_name
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().copied().map(twin_mood).collect()))
            .collect(),
        plain: twin_mood(value.plain),
    }
}

fn loose(mood: Mood) -> LooseMood {
    match mood {
        Mood::Calm => LooseMood::Calm,
        Mood::Cross => LooseMood::Cross,
    }
}

fn loose_palette(value: &Palette) -> LoosePalette {
    LoosePalette {
        mood: loose(value.mood),
        maybe: value.maybe.map(loose),
        moods: value.moods.iter().copied().map(loose).collect(),
        distinct: value.distinct.iter().copied().map(loose).collect(),
        inner_by_mood: value
            .inner_by_mood
            .iter()
            .map(|(k, v)| (loose(*k), v.clone()))
            .collect(),
        by_name: value
            .by_name
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().copied().map(loose).collect()))
            .collect(),
        plain: loose(value.plain),
    }
}

/// Decodes `bytes` as `T` in the protocol `encode` wrote them in.
fn decode_as<T: ThriftStruct>(protocol: &str, bytes: Bytes) -> Result<T, DecodeError> {
    let input = BytesInput::new(bytes);
    match protocol {
        "binary" => T::decode(&mut BinaryReader::new(input, Limits::default())),
        "compact" => T::decode(&mut CompactReader::new(input, Limits::default())),
        _ => T::decode(&mut JsonReader::new(input, Limits::default())),
    }
}

fn encodings<T: ThriftStruct>(value: &T) -> [(&'static str, Bytes); 3] {
    [
        ("binary", binary(value)),
        ("compact", compact(value)),
        ("json", json(value)),
    ]
}

#[test]
fn hand_written_enums_encode_like_generated_ones_in_every_position() {
    let mine = palette();
    let twin = twin_palette(&mine);
    let lossless = loose_palette(&mine);
    for ((protocol, bytes), (_, twin_bytes)) in encodings(&mine).into_iter().zip(encodings(&twin)) {
        assert_eq!(bytes, twin_bytes, "{protocol}");
        assert_eq!(
            decode_as::<LoosePalette>(protocol, twin_bytes.clone()).unwrap(),
            lossless,
            "{protocol}"
        );
        assert_eq!(
            decode_as::<Palette>(protocol, twin_bytes).unwrap(),
            mine,
            "{protocol}"
        );
    }
    for ((protocol, bytes), (_, twin_bytes)) in
        encodings(&lossless).into_iter().zip(encodings(&twin))
    {
        assert_eq!(bytes, twin_bytes, "{protocol}");
    }
}

#[test]
fn an_unknown_value_is_refused_by_name_where_no_variant_keeps_it() {
    // One unknown value at a time, in each position: the field itself, a list element, a map key.
    let mut in_field = twin_palette(&palette());
    in_field.mood = twins::Mood(7);
    let mut in_list = twin_palette(&palette());
    in_list.moods.push(twins::Mood(-3));
    let mut as_key = twin_palette(&palette());
    as_key.inner_by_mood.insert(
        twins::Mood(40),
        twins::Inner {
            count: 1,
            tags: None,
        },
    );
    for (twin, value) in [(in_field, 7), (in_list, -3), (as_key, 40)] {
        for (protocol, bytes) in encodings(&twin) {
            match decode_as::<Palette>(protocol, bytes).map_err(DecodeError::into_kind) {
                Err(DecodeErrorKind::UnknownEnumValue {
                    enum_name: "Mood",
                    value: found,
                    offset,
                }) => {
                    assert_eq!(found, value, "{protocol}");
                    assert!(
                        offset > 0,
                        "{protocol}: the offset is where the value starts"
                    );
                }
                other => panic!("{protocol}, {value}: expected UnknownEnumValue, got {other:?}"),
            }
        }
    }
    let message = DecodeError::from(DecodeErrorKind::UnknownEnumValue {
        offset: 12,
        enum_name: "Mood",
        value: 7,
    })
    .to_string();
    assert_eq!(message, "enum `Mood` has no value 7 (at byte 12)");
}

#[test]
fn the_other_variant_keeps_an_unknown_value_and_writes_it_back() {
    let mut twin = twin_palette(&palette());
    twin.mood = twins::Mood(7);
    twin.moods.push(twins::Mood(-3));
    for (protocol, bytes) in encodings(&twin) {
        let decoded = decode_as::<LoosePalette>(protocol, bytes.clone()).unwrap();
        assert_eq!(decoded.mood, LooseMood::Unknown(7), "{protocol}");
        assert_eq!(
            decoded.moods.last(),
            Some(&LooseMood::Unknown(-3)),
            "{protocol}"
        );
        let again = match protocol {
            "binary" => binary(&decoded),
            "compact" => compact(&decoded),
            _ => json(&decoded),
        };
        assert_eq!(again, bytes, "{protocol}: written back unchanged");
    }
    // A set orders by the Rust type's `Ord` (variants first here), so only its contents are compared.
    let mut twin = twin_palette(&palette());
    twin.distinct.insert(twins::Mood(i32::MIN));
    for (protocol, bytes) in encodings(&twin) {
        let decoded = decode_as::<LoosePalette>(protocol, bytes).unwrap();
        let expected = [
            LooseMood::Calm,
            LooseMood::Cross,
            LooseMood::Unknown(i32::MIN),
        ]
        .into();
        assert_eq!(decoded.distinct, expected, "{protocol}");
    }
}

#[test]
fn enum_values_map_both_ways() {
    assert_eq!(Mood::Calm.to_i32(), 1);
    assert_eq!(Mood::Cross.to_i32(), 2);
    assert_eq!(Mood::from_i32(2), Some(Mood::Cross));
    assert_eq!(Mood::from_i32(0), None);
    assert_eq!(<Mood as ThriftEnum>::NAME, "Mood");
    assert_eq!(LooseMood::from_i32(1), Some(LooseMood::Calm));
    assert_eq!(LooseMood::from_i32(9), Some(LooseMood::Unknown(9)));
    assert_eq!(LooseMood::Unknown(9).to_i32(), 9);
    assert_eq!(ReprMood::Cross.to_i32(), 2);
    assert_eq!(ReprMood::from_i32(1), Some(ReprMood::Calm));
    assert_eq!(ReprMood::from_i32(5), Some(ReprMood::Unknown(5)));
    assert_eq!(Level::from_i32(-8), Some(Level(-8)));
    assert_eq!(Level(-8).to_i32(), -8);
    // Generated enums implement the same trait and keep every value.
    assert_eq!(twins::Mood::from_i32(9), Some(twins::Mood(9)));
    assert_eq!(twins::Mood::CROSS.to_i32(), 2);
    assert_eq!(<twins::Mood as ThriftEnum>::NAME, "Mood");
}

#[test]
fn a_bare_enum_value_reads_and_writes_through_the_trait() {
    let mut out = BytesMut::new();
    idlc_runtime::__codegen::write_enum(&mut CompactWriter::new(&mut out), &Mood::Cross).unwrap();
    let mut reader = CompactReader::new(BytesInput::new(out.freeze()), Limits::default());
    let read: Mood = idlc_runtime::__codegen::read_enum(&mut reader).unwrap();
    assert_eq!(read, Mood::Cross);
    assert_eq!(reader.position(), 1, "a zigzag varint of 2 is one byte");
}

/// Hand-written twin of `Mixed`: wire names that are no Rust names, a raw identifier, and both collection
/// flavours side by side.
#[derive(Clone, Debug, PartialEq, ThriftStruct)]
#[thrift(name = "Mixed")]
#[allow(non_snake_case, reason = "a field named as the IDL spells it")]
pub struct MixedFlavours {
    #[thrift(id = 1, name = "whatOp")]
    what_op: i32,
    #[thrift(id = 2, name = "byName")]
    by_name: HashMap<String, i32>,
    #[thrift(id = 3)]
    seen: BTreeSet<i32>,
    #[thrift(id = 4, name = "type")]
    r#type: String,
    #[thrift(id = 5)]
    camelCase: HashSet<Mood>,
}

#[test]
fn wire_names_raw_names_and_mixed_collections_encode_like_the_twin() {
    let mine = MixedFlavours {
        what_op: 4,
        by_name: [("one".to_owned(), 1)].into(),
        seen: [3, 1, 2].into(),
        r#type: "kind".into(),
        camelCase: [Mood::Cross].into(),
    };
    let twin = twins::Mixed {
        what_op: 4,
        by_name: [("one".to_owned(), 1)].into(),
        seen: [3, 1, 2].into(),
        r#type: "kind".into(),
        camel_case: [twins::Mood::CROSS].into(),
    };
    for ((protocol, bytes), (_, twin_bytes)) in encodings(&mine).into_iter().zip(encodings(&twin)) {
        assert_eq!(bytes, twin_bytes, "{protocol}");
        assert_eq!(
            decode_as::<MixedFlavours>(protocol, twin_bytes).unwrap(),
            mine,
            "{protocol}"
        );
    }
}

/// Names in the user's scope that a derive's own code must not trip over: constants named like its locals
/// and parameters, and a type named like its generic parameters.
#[allow(
    non_upper_case_globals,
    dead_code,
    reason = "names chosen to collide with the derive's own"
)]
mod hygiene {
    use idlc_runtime::ThriftStruct;

    const r: i32 = 0;
    const w: i32 = 1;
    const value: i32 = 2;
    const field: i32 = 3;
    const count: i32 = 4;

    #[derive(Clone, Debug, PartialEq, ThriftStruct)]
    pub(crate) struct R {
        #[thrift(id = 1)]
        pub(crate) count: i64,
    }

    #[derive(Clone, Debug, PartialEq, ThriftStruct)]
    pub(crate) struct W {
        #[thrift(id = 1)]
        pub(crate) r: R,
        #[thrift(id = 2)]
        pub(crate) value: Option<R>,
        #[thrift(id = 3, default)]
        pub(crate) field: i32,
    }
}

#[test]
fn the_derive_keeps_clear_of_names_in_scope() {
    let value = hygiene::W {
        r: hygiene::R { count: 3 },
        value: Some(hygiene::R { count: -1 }),
        field: 7,
    };
    for (protocol, bytes) in encodings(&value) {
        assert_eq!(
            decode_as::<hygiene::W>(protocol, bytes).unwrap(),
            value,
            "{protocol}"
        );
    }
}
