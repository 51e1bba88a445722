//! The kitchen sink generated with serde derives, hash collections and `FastStr` strings
//! (`idlc_tests::generated::every_option`): it compiles (under `deny(warnings)`, in `src/generated.rs`), its
//! values survive a serde round trip, and it writes the same Thrift bytes as the default-options code.

use bytes::{Bytes, BytesMut};
use idlc_runtime::protocol::FastStr;
use idlc_runtime::protocol::binary::{BinaryReader, BinaryWriter};
use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
use idlc_runtime::{BytesInput, Limits, ThriftStruct};
use idlc_tests::generated::every_option::kitchen_sink::{
    AllBaseTypes, Containers, Point, Shade, Value,
};
use idlc_tests::generated::kitchen_sink as default_options;

fn populated_containers() -> Containers {
    Containers {
        numbers: vec![3, -1, 4],
        names: ["ada", "grace"].into_iter().map(FastStr::from).collect(),
        counts: [(FastStr::from("visits"), 12_i64)].into_iter().collect(),
        matrix: vec![vec![1, 2], vec![]],
        tangled: [(
            FastStr::from("outer"),
            vec![
                [(7, ["inner".into()].into_iter().collect())]
                    .into_iter()
                    .collect(),
            ],
        )]
        .into_iter()
        .collect(),
        points: vec![Point { x: 1.5, y: -2.0 }],
        shades: [Shade::DIM].into_iter().collect(),
        blobs: vec![Bytes::from_static(b"\x00\xffraw")],
        tags: vec!["a long tag that does not fit inline in a FastStr".into()],
        ..Containers::default()
    }
}

fn populated_value() -> Value {
    Value::Fields(
        [
            (FastStr::from("text"), Value::Text("é".into())),
            (
                FastStr::from("items"),
                Value::Items(vec![
                    Value::Integer(-5),
                    Value::Raw(Bytes::from_static(b"\x01")),
                ]),
            ),
        ]
        .into_iter()
        .collect(),
    )
}

#[test]
fn serde_round_trips_every_kind_of_type() {
    let containers = populated_containers();
    let json = serde_json::to_string(&containers).unwrap();
    assert_eq!(
        serde_json::from_str::<Containers>(&json).unwrap(),
        containers
    );

    let value = populated_value();
    let json = serde_json::to_string(&value).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), value);

    let defaults = AllBaseTypes::default();
    let json = serde_json::to_value(&defaults).unwrap();
    assert_eq!(json["text"], "text");
    assert_eq!(
        serde_json::from_value::<AllBaseTypes>(json).unwrap(),
        defaults
    );
}

fn binary<T: ThriftStruct>(value: &T) -> Bytes {
    let mut buf = BytesMut::new();
    value.encode(&mut BinaryWriter::new(&mut buf)).unwrap();
    buf.freeze()
}

fn compact<T: ThriftStruct>(value: &T) -> Bytes {
    let mut buf = BytesMut::new();
    value.encode(&mut CompactWriter::new(&mut buf)).unwrap();
    buf.freeze()
}

#[test]
fn thrift_round_trips_in_binary_and_compact() {
    let containers = populated_containers();
    let input = BytesInput::new(binary(&containers));
    let decoded = Containers::decode(&mut BinaryReader::new(input, Limits::default())).unwrap();
    assert_eq!(decoded, containers);
    let input = BytesInput::new(compact(&containers));
    let decoded = Containers::decode(&mut CompactReader::new(input, Limits::default())).unwrap();
    assert_eq!(decoded, containers);

    let value = populated_value();
    let input = BytesInput::new(compact(&value));
    assert_eq!(
        Value::decode(&mut CompactReader::new(input, Limits::default())).unwrap(),
        value
    );
}

#[test]
fn writes_the_same_bytes_as_the_default_options() {
    // One entry per map and set, so hash order cannot differ from BTree order.
    let ours = AllBaseTypes {
        text: "a string long enough to be shared rather than inlined".into(),
        ..AllBaseTypes::default()
    };
    let theirs = default_options::AllBaseTypes {
        text: "a string long enough to be shared rather than inlined".into(),
        ..default_options::AllBaseTypes::default()
    };
    assert_eq!(binary(&ours), binary(&theirs));
    assert_eq!(compact(&ours), compact(&theirs));

    let ours = Containers {
        counts: [(FastStr::from("visits"), 12_i64)].into_iter().collect(),
        tags: vec!["tag".into()],
        ..Containers::default()
    };
    let theirs = default_options::Containers {
        counts: [("visits".to_owned(), 12_i64)].into_iter().collect(),
        tags: vec!["tag".into()],
        ..default_options::Containers::default()
    };
    assert_eq!(binary(&ours), binary(&theirs));
    assert_eq!(compact(&ours), compact(&theirs));
}
