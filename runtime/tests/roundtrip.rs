//! Property tests: whatever a writer produces, the same protocol's reader gives back unchanged, consuming
//! exactly the bytes written; and writing the decoded value again gives the same bytes.

mod common;

use bytes::Bytes;
use common::{DecodeSample, InMessage, Kind, PROTOCOLS, Protocol, Sample, Value};
use idlc_runtime::{Limits, MessageHeader, MessageType, Reader, TType};
use proptest::collection::vec;
use proptest::prelude::*;

fn leaf_kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Bool),
        Just(Kind::I8),
        Just(Kind::I16),
        Just(Kind::I32),
        Just(Kind::I64),
        Just(Kind::Double),
        Just(Kind::String),
        Just(Kind::Binary),
        Just(Kind::Uuid),
    ]
}

fn any_kind(depth: u32) -> BoxedStrategy<Kind> {
    if depth == 0 {
        return leaf_kind().boxed();
    }
    prop_oneof![
        3 => leaf_kind(),
        1 => prop_oneof![Just(Kind::Struct), Just(Kind::List), Just(Kind::Set), Just(Kind::Map)],
    ]
    .boxed()
}

fn double() -> impl Strategy<Value = f64> {
    // Every class: normal, subnormal, zeros of both signs, infinities and NaN.
    prop_oneof![
        4 => proptest::num::f64::ANY,
        1 => any::<u64>().prop_map(f64::from_bits),
        1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY), Just(-0.0)],
    ]
}

fn value_of(kind: Kind, depth: u32) -> BoxedStrategy<Value> {
    let inner = depth.saturating_sub(1);
    match kind {
        Kind::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Kind::I8 => any::<i8>().prop_map(Value::I8).boxed(),
        Kind::I16 => any::<i16>().prop_map(Value::I16).boxed(),
        Kind::I32 => any::<i32>().prop_map(Value::I32).boxed(),
        Kind::I64 => any::<i64>().prop_map(Value::I64).boxed(),
        Kind::Double => double().prop_map(Value::Double).boxed(),
        Kind::String => any::<String>().prop_map(Value::String).boxed(),
        Kind::Binary => vec(any::<u8>(), 0..40)
            .prop_map(|bytes| Value::Binary(Bytes::from(bytes)))
            .boxed(),
        Kind::Uuid => any::<[u8; 16]>().prop_map(Value::Uuid).boxed(),
        Kind::Struct => struct_value(inner),
        Kind::List | Kind::Set => any_kind(inner)
            .prop_flat_map(move |elem| {
                let size = if depth == 0 { 0..1 } else { 0..6 };
                vec(value_of(elem, inner), size).prop_map(move |items| {
                    if kind == Kind::Set {
                        Value::Set(elem, items)
                    } else {
                        Value::List(elem, items)
                    }
                })
            })
            .boxed(),
        Kind::Map => (any_kind(inner), any_kind(inner))
            .prop_flat_map(move |(key, value)| {
                let size = if depth == 0 { 0..1 } else { 0..5 };
                vec((value_of(key, inner), value_of(value, inner)), size)
                    .prop_map(move |entries| Value::Map(key, value, entries))
            })
            .boxed(),
    }
}

fn struct_value(depth: u32) -> BoxedStrategy<Value> {
    let field = (any::<i16>(), any_kind(depth))
        .prop_flat_map(move |(id, kind)| (Just(id), value_of(kind, depth)));
    vec(field, 0..8).prop_map(Value::Struct).boxed()
}

fn sample(depth: u32) -> BoxedStrategy<Sample> {
    let scalars = (
        any::<bool>(),
        any::<i8>(),
        any::<i16>(),
        any::<i32>(),
        any::<i64>(),
        // Sample derives PartialEq, so NaN (never equal to itself) stays out of its doubles; the dynamic
        // values cover NaN.
        double().prop_filter("not NaN", |d| !d.is_nan()),
        any::<String>(),
        vec(any::<u8>(), 0..20).prop_map(Bytes::from),
        any::<[u8; 16]>(),
    );
    let containers = (
        vec(any::<String>(), 0..4),
        vec(
            (
                any::<i32>(),
                double().prop_filter("not NaN", |d| !d.is_nan()),
            ),
            0..4,
        ),
        vec(any::<i64>(), 0..4),
        proptest::option::of(any::<String>()),
        vec(any::<bool>(), 0..20),
    );
    let children = if depth == 0 {
        Just((Vec::new(), None)).boxed()
    } else {
        (
            vec(sample(depth - 1), 0..3),
            proptest::option::of(sample(depth - 1).prop_map(Box::new)),
        )
            .boxed()
    };
    (scalars, containers, children)
        .prop_map(
            |(
                (flag, tiny, small, number, big, ratio, name, blob, id),
                (tags, scores, ids, note, flags),
                (children, nested),
            )| Sample {
                flag,
                tiny,
                small,
                number,
                big,
                ratio,
                name,
                blob,
                id,
                tags,
                scores,
                ids,
                children,
                note,
                nested,
                flags,
            },
        )
        .boxed()
}

fn message_header() -> impl Strategy<Value = MessageHeader> {
    (
        any::<String>(),
        prop_oneof![
            Just(MessageType::Call),
            Just(MessageType::Reply),
            Just(MessageType::Exception),
            Just(MessageType::Oneway),
        ],
        any::<i32>(),
    )
        .prop_map(|(name, kind, seqid)| MessageHeader { name, kind, seqid })
}

fn assert_value_round_trips(protocol: Protocol, value: &Value) -> Result<(), TestCaseError> {
    let bytes = protocol.encode(value);
    let (decoded, left) = protocol.decode(&bytes, Limits::default(), |r: &mut dyn Reader| {
        value.read_like(r)
    });
    let decoded = decoded.map_err(|e| TestCaseError::fail(format!("{protocol:?}: {e}")))?;
    prop_assert_eq!(&decoded, value, "{:?}", protocol);
    prop_assert_eq!(left, 0);
    prop_assert_eq!(&protocol.encode(&decoded), &bytes);
    // Skipping consumes exactly the same bytes as reading.
    let (skipped, left) = protocol.decode(&bytes, Limits::default(), |r: &mut dyn Reader| {
        r.skip(TType::Struct)
    });
    prop_assert!(skipped.is_ok(), "{:?} skip: {:?}", protocol, skipped);
    prop_assert_eq!(left, 0);
    Ok(())
}

fn assert_sample_round_trips(protocol: Protocol, sample: &Sample) -> Result<(), TestCaseError> {
    let bytes = protocol.encode(sample);
    let (decoded, left) = protocol.decode(&bytes, Limits::default(), DecodeSample);
    let decoded = decoded.map_err(|e| TestCaseError::fail(format!("{protocol:?}: {e}")))?;
    prop_assert_eq!(&decoded, sample);
    prop_assert_eq!(left, 0);
    Ok(())
}

fn assert_message_round_trips(
    protocol: Protocol,
    header: &MessageHeader,
    body: &Value,
) -> Result<(), TestCaseError> {
    let bytes = protocol.encode(&InMessage(header, body));
    let (decoded, left) = protocol.decode(&bytes, Limits::default(), |r: &mut dyn Reader| {
        let read_header = r.read_message_begin()?;
        let read_body = body.read_like(r)?;
        r.read_message_end()?;
        Ok::<_, idlc_runtime::DecodeError>((read_header, read_body))
    });
    let (read_header, read_body) =
        decoded.map_err(|e| TestCaseError::fail(format!("{protocol:?}: {e}")))?;
    prop_assert_eq!(&read_header, header);
    prop_assert_eq!(&read_body, body);
    prop_assert_eq!(left, 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn binary_values_round_trip(value in struct_value(3)) {
        assert_value_round_trips(Protocol::Binary, &value)?;
    }

    #[test]
    fn compact_values_round_trip(value in struct_value(3)) {
        assert_value_round_trips(Protocol::Compact, &value)?;
    }

    #[test]
    fn json_values_round_trip(value in struct_value(3)) {
        assert_value_round_trips(Protocol::Json, &value)?;
    }

    #[test]
    fn structs_round_trip_in_every_protocol(sample in sample(2)) {
        for protocol in PROTOCOLS {
            assert_sample_round_trips(protocol, &sample)?;
        }
    }

    #[test]
    fn messages_round_trip_in_every_protocol(header in message_header(), body in struct_value(1)) {
        for protocol in PROTOCOLS {
            assert_message_round_trips(protocol, &header, &body)?;
        }
    }

    /// JSON carries doubles as decimal text: every finite double must come back with the same bits (17
    /// significant digits always suffice), -0.0 keeps its sign, infinities stay infinities and NaN stays NaN.
    #[test]
    fn json_doubles_keep_their_bits(bits in any::<u64>()) {
        let value = f64::from_bits(bits);
        let list = Value::List(Kind::Double, vec![Value::Double(value)]);
        let body = Value::Struct(vec![(1, Value::Double(value)), (2, list.clone()),
            (3, Value::Map(Kind::Double, Kind::Double, vec![(Value::Double(value), Value::Double(value))]))]);
        let bytes = Protocol::Json.encode(&body);
        let (decoded, _) = Protocol::Json.decode(&bytes, Limits::default(), |r: &mut dyn Reader| {
            body.read_like(r)
        });
        let decoded = decoded.map_err(|e| TestCaseError::fail(e.to_string()))?;
        let Value::Struct(fields) = &decoded else { unreachable!() };
        let Value::Double(read) = fields[0].1 else { unreachable!() };
        if value.is_nan() {
            prop_assert!(read.is_nan());
        } else {
            prop_assert_eq!(read.to_bits(), value.to_bits());
        }
        prop_assert_eq!(&decoded, &body);
    }
}
