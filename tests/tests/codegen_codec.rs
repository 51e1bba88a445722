//! Generated encode/decode on the kitchen-sink types: round trips in every protocol, unknown fields skipped,
//! unknown enum values kept, missing required fields named, unions with zero or two fields rejected.

use bytes::{Bytes, BytesMut};
use idlc_runtime::protocol::binary::{BinaryReader, BinaryWriter};
use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
use idlc_runtime::protocol::json::{JsonReader, JsonWriter};
use idlc_runtime::{BytesInput, DecodeError, DecodeErrorKind, Limits, TType, ThriftStruct, Writer};
use idlc_tests::generated::kitchen_base::{Audit, Origin, RecordId};
use idlc_tests::generated::kitchen_sink::{
    AllBaseTypes, Containers, Point, Requiredness, Shade, TreeNode, Value,
};

#[derive(Clone, Copy, Debug)]
enum Proto {
    Binary,
    Compact,
    Json,
}

const ALL: [Proto; 3] = [Proto::Binary, Proto::Compact, Proto::Json];

fn encode<T: ThriftStruct>(proto: Proto, value: &T) -> Bytes {
    let mut buf = BytesMut::new();
    match proto {
        Proto::Binary => value.encode(&mut BinaryWriter::new(&mut buf)).unwrap(),
        Proto::Compact => value.encode(&mut CompactWriter::new(&mut buf)).unwrap(),
        Proto::Json => value.encode(&mut JsonWriter::new(&mut buf)).unwrap(),
    }
    buf.freeze()
}

fn decode<T: ThriftStruct>(proto: Proto, bytes: Bytes) -> Result<T, DecodeError> {
    let input = BytesInput::new(bytes);
    match proto {
        Proto::Binary => T::decode(&mut BinaryReader::new(input, Limits::default())),
        Proto::Compact => T::decode(&mut CompactReader::new(input, Limits::default())),
        Proto::Json => T::decode(&mut JsonReader::new(input, Limits::default())),
    }
}

/// Encodes a struct by hand: `fields` writes the fields between begin and stop.
fn hand_encoded(proto: Proto, fields: impl Fn(&mut dyn HandWriter)) -> Bytes {
    let mut buf = BytesMut::new();
    match proto {
        Proto::Binary => run(&mut BinaryWriter::new(&mut buf), &fields),
        Proto::Compact => run(&mut CompactWriter::new(&mut buf), &fields),
        Proto::Json => run(&mut JsonWriter::new(&mut buf), &fields),
    }
    buf.freeze()
}

/// The few writer calls the hand-built structs need, object-safe.
trait HandWriter {
    fn field_i32(&mut self, id: i16, value: i32);
    fn field_string(&mut self, id: i16, value: &str);
}

impl<W: Writer> HandWriter for W {
    fn field_i32(&mut self, id: i16, value: i32) {
        self.write_field_begin("f", TType::I32, id).unwrap();
        self.write_i32(value).unwrap();
        self.write_field_end().unwrap();
    }
    fn field_string(&mut self, id: i16, value: &str) {
        self.write_field_begin("f", TType::Binary, id).unwrap();
        self.write_string(value).unwrap();
        self.write_field_end().unwrap();
    }
}

fn run<W: Writer>(w: &mut W, fields: &impl Fn(&mut dyn HandWriter)) {
    w.write_struct_begin("S").unwrap();
    fields(w);
    w.write_field_stop().unwrap();
    w.write_struct_end().unwrap();
}

fn round_trip<T: ThriftStruct + PartialEq + std::fmt::Debug>(value: &T) {
    for proto in ALL {
        let bytes = encode(proto, value);
        let back: T = decode(proto, bytes.clone()).unwrap_or_else(|e| panic!("{proto:?}: {e}"));
        assert_eq!(&back, value, "{proto:?}");
        assert_eq!(
            encode(proto, &back),
            bytes,
            "{proto:?}: re-encoding differs"
        );
    }
}

#[test]
fn populated_values_round_trip() {
    round_trip(&AllBaseTypes::default());
    round_trip(&AllBaseTypes {
        flag: false,
        octet: -1,
        real: -0.25,
        text: "tëxt".into(),
        data: Bytes::from_static(&[0, 255, 7]),
        shade: Shade(12345),
        ..AllBaseTypes::default()
    });
    let containers = Containers {
        numbers: vec![1, -2, 3],
        names: ["b".to_owned(), "a".to_owned()].into(),
        matrix: vec![vec![1], vec![], vec![2, 3]],
        audits: [(
            RecordId {
                realm: "r".into(),
                serial: 9,
            },
            Audit {
                actor: Some("me".into()),
                at: 17,
                origin: Origin::DERIVED,
            },
        )]
        .into(),
        points: vec![Point { x: 1.5, y: -2.0 }],
        shades: [Shade::DARK, Shade::BLINDING].into(),
        blobs: vec![Bytes::from_static(b"xyz")],
        ..Containers::default()
    };
    round_trip(&containers);
    round_trip(&TreeNode {
        label: "root".into(),
        left: Some(Box::new(TreeNode {
            label: "left".into(),
            ..TreeNode::default()
        })),
        ..TreeNode::default()
    });
    round_trip(&Value::Items(vec![
        Value::Integer(1),
        Value::Text("two".into()),
    ]));
}

#[test]
fn defaults_follow_the_idl() {
    let all = AllBaseTypes::default();
    assert!(all.flag);
    assert_eq!(all.number, 0x7FFF_FFFF);
    assert_eq!(all.text, "text");
    assert_eq!(&all.data[..], b"bytes");
    assert_eq!(all.shade, Shade::DIM);
    let r = Requiredness::default();
    assert_eq!(r.named, "anonymous");
    assert_eq!(r.maybe_numbers, Some(vec![1, 2]));
    assert_eq!(Shade::from_name("LIGHT"), Some(Shade(16)));
    assert_eq!(format!("{:?}", Shade(16)), "LIGHT");
    assert_eq!(format!("{:?}", Shade(3)), "Shade(3)");
}

#[test]
fn unknown_fields_are_skipped_and_absent_defaults_filled_in() {
    for proto in ALL {
        let bytes = hand_encoded(proto, |w| {
            w.field_string(99, "from a newer schema");
            w.field_i32(5, 12);
            // Field 8 (`text`) with the wrong wire type is skipped too.
            w.field_i32(8, 1);
        });
        let all: AllBaseTypes = decode(proto, bytes).unwrap();
        assert_eq!(all.number, 12, "{proto:?}");
        assert_eq!(
            all.text, "text",
            "{proto:?}: absent field takes its IDL default"
        );
        assert!(all.flag);
    }
}

#[test]
fn missing_required_fields_are_named() {
    for proto in ALL {
        let bytes = hand_encoded(proto, |w| w.field_i32(2, 1));
        match decode::<Requiredness>(proto, bytes).map_err(DecodeError::into_kind) {
            Err(DecodeErrorKind::MissingRequiredField { struct_name, field }) => {
                assert_eq!((struct_name, field), ("Requiredness", "must"), "{proto:?}");
            }
            other => panic!("{proto:?}: {other:?}"),
        }
    }
}

#[test]
fn unions_need_exactly_one_field() {
    for proto in ALL {
        let none = hand_encoded(proto, |_| {});
        assert!(matches!(
            decode::<Value>(proto, none).map_err(DecodeError::into_kind),
            Err(DecodeErrorKind::InvalidUnion {
                union_name: "Value",
                found: 0
            })
        ));
        let two = hand_encoded(proto, |w| {
            w.field_string(3, "a");
            w.field_string(3, "b");
        });
        assert!(matches!(
            decode::<Value>(proto, two).map_err(DecodeError::into_kind),
            Err(DecodeErrorKind::InvalidUnion {
                union_name: "Value",
                found: 2
            })
        ));
    }
}
