//! Shared by the round-trip tests, the robustness tests and the fuzz targets: a dynamic value model that reads and
//! writes any value through the protocol traits, a hand-written struct shaped like generated code, and one entry
//! point per protocol that runs every reader path over some bytes.

#![allow(dead_code, unreachable_pub)]

use bytes::Bytes;
use idlc_runtime::protocol::binary::{BinaryReader, BinaryWriter};
use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
use idlc_runtime::protocol::json::{JsonReader, JsonWriter};
use idlc_runtime::{
    BytesInput, DecodeError, DecodeErrorKind, EncodeError, Limits, MessageHeader, ReadBuf, Reader,
    SliceInput, TType, ThriftStruct, Writer,
};

/// The three protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Binary,
    Compact,
    Json,
}

pub const PROTOCOLS: [Protocol; 3] = [Protocol::Binary, Protocol::Compact, Protocol::Json];

impl Protocol {
    /// Encodes with this protocol's writer.
    pub fn encode(self, value: &impl Encode) -> Vec<u8> {
        let result = match self {
            Protocol::Binary => {
                let mut writer = BinaryWriter::new(Vec::new());
                value.encode_to(&mut writer).map(|()| writer.into_inner())
            }
            Protocol::Compact => {
                let mut writer = CompactWriter::new(Vec::new());
                value.encode_to(&mut writer).map(|()| writer.into_inner())
            }
            Protocol::Json => {
                let mut writer = JsonWriter::new(Vec::new());
                value.encode_to(&mut writer).map(|()| writer.into_inner())
            }
        };
        result.expect("test values are encodable")
    }

    /// Runs `read` over a reader of this protocol and returns its result and the bytes left.
    pub fn decode<T>(self, bytes: &[u8], limits: Limits, read: impl ReadWith<T>) -> (T, usize) {
        let input = SliceInput::new(bytes);
        match self {
            Protocol::Binary => read.run(BinaryReader::new(input, limits), |r| {
                r.into_inner().remaining()
            }),
            Protocol::Compact => read.run(CompactReader::new(input, limits), |r| {
                r.into_inner().remaining()
            }),
            Protocol::Json => read.run(JsonReader::new(input, limits), |r| {
                r.into_inner().remaining()
            }),
        }
    }

    /// Like [`Protocol::decode`], from shared [`Bytes`] (the zero-copy `binary` path).
    pub fn decode_shared<T>(
        self,
        bytes: &[u8],
        limits: Limits,
        read: impl ReadWith<T>,
    ) -> (T, usize) {
        let input = BytesInput::new(Bytes::copy_from_slice(bytes));
        match self {
            Protocol::Binary => read.run(BinaryReader::new(input, limits), |r| {
                r.into_inner().remaining()
            }),
            Protocol::Compact => read.run(CompactReader::new(input, limits), |r| {
                r.into_inner().remaining()
            }),
            Protocol::Json => read.run(JsonReader::new(input, limits), |r| {
                r.into_inner().remaining()
            }),
        }
    }
}

/// Something to encode with any concrete writer (generic, so `ThriftStruct::encode` can be called).
pub trait Encode {
    fn encode_to<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError>;
}

impl<F: Fn(&mut dyn Writer) -> Result<(), EncodeError>> Encode for F {
    fn encode_to<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        self(writer)
    }
}

impl Encode for Value {
    fn encode_to<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        self.write(writer)
    }
}

impl Encode for Sample {
    fn encode_to<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        self.encode(writer)
    }
}

/// A value wrapped in a message envelope.
pub struct InMessage<'a, T>(pub &'a MessageHeader, pub &'a T);

impl<T: Encode> Encode for InMessage<'_, T> {
    fn encode_to<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        writer.write_message_begin(self.0)?;
        self.1.encode_to(writer)?;
        writer.write_message_end()
    }
}

/// A read over any concrete reader (generic, so `ThriftStruct::decode` can be called).
pub trait ReadWith<T> {
    fn read<R: Reader>(self, reader: &mut R) -> T;

    fn run<R: Reader>(self, mut reader: R, remaining: impl FnOnce(R) -> usize) -> (T, usize)
    where
        Self: Sized,
    {
        let result = self.read(&mut reader);
        (result, remaining(reader))
    }
}

impl<T, F: FnOnce(&mut dyn Reader) -> T> ReadWith<T> for F {
    fn read<R: Reader>(self, reader: &mut R) -> T {
        self(reader)
    }
}

/// Decodes a [`Sample`] with any reader.
pub struct DecodeSample;

impl ReadWith<Result<Sample, DecodeError>> for DecodeSample {
    fn read<R: Reader>(self, reader: &mut R) -> Result<Sample, DecodeError> {
        Sample::decode(reader)
    }
}

/// Reads a message envelope, then decodes its body as a [`Sample`].
pub struct DecodeSampleMessage;

impl ReadWith<Result<Sample, DecodeError>> for DecodeSampleMessage {
    fn read<R: Reader>(self, reader: &mut R) -> Result<Sample, DecodeError> {
        reader.read_message_begin()?;
        let sample = Sample::decode(reader)?;
        reader.read_message_end()?;
        Ok(sample)
    }
}

/// How a seed is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Struct,
    Message,
}

/// Small limits, so that limit paths are reached by small inputs too.
pub const TIGHT: Limits = Limits {
    max_string_len: 64,
    max_container_len: 64,
    max_depth: 8,
};

/// Runs every reader entry point over `bytes`: skipping, decoding a hand-written struct, and reading a dynamic
/// value, each with default and with tight limits.
pub fn run_entry_points(
    protocol: Protocol,
    bytes: &[u8],
    entry: Entry,
) -> Vec<(&'static str, Result<(), DecodeError>)> {
    let mut results = Vec::new();
    let like = full_value();
    for limits in [Limits::default(), TIGHT] {
        let skip = protocol.decode(bytes, limits, |r: &mut dyn Reader| match entry {
            Entry::Struct => r.skip(TType::Struct),
            Entry::Message => {
                r.read_message_begin()?;
                r.skip(TType::Struct)?;
                r.read_message_end()
            }
        });
        results.push(("skip", skip.0));
        let decoded = match entry {
            Entry::Struct => protocol.decode(bytes, limits, DecodeSample).0,
            Entry::Message => protocol.decode(bytes, limits, DecodeSampleMessage).0,
        };
        results.push(("struct decode", decoded.map(drop)));
        let dynamic = protocol.decode(bytes, limits, |r: &mut dyn Reader| {
            if entry == Entry::Message {
                r.read_message_begin()?;
            }
            // The hint only tells strings from binaries (JSON needs it); the wire decides the rest.
            let value = read_value(r, TType::Struct, Some(&like))?;
            if entry == Entry::Message {
                r.read_message_end()?;
            }
            Ok(value)
        });
        if let Ok(value) = &dynamic.0 {
            assert_reencodes(protocol, value, limits);
        }
        let shared = protocol.decode_shared(bytes, limits, |r: &mut dyn Reader| {
            if entry == Entry::Message {
                r.read_message_begin()?;
            }
            let value = read_value(r, TType::Struct, Some(&like))?;
            if entry == Entry::Message {
                r.read_message_end()?;
            }
            Ok(value)
        });
        // Borrowed and shared input must read the same.
        assert_eq!(
            shared.0, dynamic.0,
            "{protocol:?}: slice and Bytes inputs disagree"
        );
        results.push(("dynamic read", dynamic.0.map(drop)));
    }
    results
}

/// Whatever a reader accepted, written again and read back, is the same value: accepted garbage must at least
/// be a consistent value.
fn assert_reencodes(protocol: Protocol, value: &Value, limits: Limits) {
    let bytes = protocol.encode(value);
    let (again, left) = protocol.decode(&bytes, limits, |r: &mut dyn Reader| value.read_like(r));
    match again {
        Ok(again) if again == *value && left == 0 => {}
        other => panic!(
            "{protocol:?}: accepted value does not survive a round trip: {value:?} -> {other:?}"
        ),
    }
}

/// The fuzzing entry point: every reader path over `bytes`, as a bare struct and as a message.
pub fn fuzz_one(protocol: Protocol, bytes: &[u8]) {
    run_entry_points(protocol, bytes, Entry::Struct);
    run_entry_points(protocol, bytes, Entry::Message);
}

/// The IDL-level type of a value (type 11 split into string and binary, which JSON encodes differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    I8,
    I16,
    I32,
    I64,
    Double,
    String,
    Binary,
    Uuid,
    Struct,
    List,
    Set,
    Map,
}

impl Kind {
    pub fn ttype(self) -> TType {
        match self {
            Kind::Bool => TType::Bool,
            Kind::I8 => TType::I8,
            Kind::I16 => TType::I16,
            Kind::I32 => TType::I32,
            Kind::I64 => TType::I64,
            Kind::Double => TType::Double,
            Kind::String | Kind::Binary => TType::Binary,
            Kind::Uuid => TType::Uuid,
            Kind::Struct => TType::Struct,
            Kind::List => TType::List,
            Kind::Set => TType::Set,
            Kind::Map => TType::Map,
        }
    }
}

/// Any Thrift value.
#[derive(Debug, Clone)]
pub enum Value {
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    Double(f64),
    String(String),
    Binary(Bytes),
    Uuid([u8; 16]),
    Struct(Vec<(i16, Value)>),
    List(Kind, Vec<Value>),
    Set(Kind, Vec<Value>),
    Map(Kind, Kind, Vec<(Value, Value)>),
}

/// Doubles compare by bits, except that all NaNs are equal (JSON carries no NaN payload); empty maps are equal
/// whatever their kinds.
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (Bool(a), Bool(b)) => a == b,
            (I8(a), I8(b)) => a == b,
            (I16(a), I16(b)) => a == b,
            (I32(a), I32(b)) => a == b,
            (I64(a), I64(b)) => a == b,
            (Double(a), Double(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
            (String(a), String(b)) => a == b,
            (Binary(a), Binary(b)) => a == b,
            (Uuid(a), Uuid(b)) => a == b,
            (Struct(a), Struct(b)) => a == b,
            (List(ka, a), List(kb, b)) | (Set(ka, a), Set(kb, b)) => ka == kb && a == b,
            // The compact protocol does not send an empty map's types; byte comparisons cover the others.
            (Map(_, _, a), Map(_, _, b)) if a.is_empty() && b.is_empty() => true,
            (Map(ka, va, a), Map(kb, vb, b)) => ka == kb && va == vb && a == b,
            _ => false,
        }
    }
}

impl Value {
    pub fn kind(&self) -> Kind {
        match self {
            Value::Bool(_) => Kind::Bool,
            Value::I8(_) => Kind::I8,
            Value::I16(_) => Kind::I16,
            Value::I32(_) => Kind::I32,
            Value::I64(_) => Kind::I64,
            Value::Double(_) => Kind::Double,
            Value::String(_) => Kind::String,
            Value::Binary(_) => Kind::Binary,
            Value::Uuid(_) => Kind::Uuid,
            Value::Struct(_) => Kind::Struct,
            Value::List(..) => Kind::List,
            Value::Set(..) => Kind::Set,
            Value::Map(..) => Kind::Map,
        }
    }

    pub fn write(&self, writer: &mut dyn Writer) -> Result<(), EncodeError> {
        match self {
            Value::Bool(v) => writer.write_bool(*v),
            Value::I8(v) => writer.write_i8(*v),
            Value::I16(v) => writer.write_i16(*v),
            Value::I32(v) => writer.write_i32(*v),
            Value::I64(v) => writer.write_i64(*v),
            Value::Double(v) => writer.write_double(*v),
            Value::String(v) => writer.write_string(v),
            Value::Binary(v) => writer.write_binary(v),
            Value::Uuid(v) => writer.write_uuid(v),
            Value::Struct(fields) => {
                writer.write_struct_begin("Value")?;
                for (id, field) in fields {
                    writer.write_field_begin("field", field.kind().ttype(), *id)?;
                    field.write(writer)?;
                    writer.write_field_end()?;
                }
                writer.write_field_stop()?;
                writer.write_struct_end()
            }
            Value::List(kind, items) => {
                writer.write_list_begin(kind.ttype(), items.len())?;
                for item in items {
                    item.write(writer)?;
                }
                writer.write_list_end()
            }
            Value::Set(kind, items) => {
                writer.write_set_begin(kind.ttype(), items.len())?;
                for item in items {
                    item.write(writer)?;
                }
                writer.write_set_end()
            }
            Value::Map(key, value, entries) => {
                writer.write_map_begin(key.ttype(), value.ttype(), entries.len())?;
                for (k, v) in entries {
                    k.write(writer)?;
                    v.write(writer)?;
                }
                writer.write_map_end()
            }
        }
    }

    /// Reads a value of the same shape as `self`: the wire decides everything except string vs binary and the
    /// kinds of an empty map (which the compact protocol does not send).
    pub fn read_like(&self, reader: &mut dyn Reader) -> Result<Value, DecodeError> {
        read_value(reader, self.kind().ttype(), Some(self))
    }
}

/// Reads one value of wire type `ttype`; `like` only tells string from binary and gives empty maps their kinds.
pub fn read_value(
    reader: &mut dyn Reader,
    ttype: TType,
    like: Option<&Value>,
) -> Result<Value, DecodeError> {
    let kind_of = |ttype: TType, expected: Option<Kind>, len: usize| -> Kind {
        match (ttype, expected) {
            // Compact sends no types for an empty map: then, and only then, the hint decides.
            (_, Some(kind)) if kind.ttype() == ttype || (len == 0 && ttype == TType::Stop) => kind,
            (TType::Bool, _) => Kind::Bool,
            (TType::I8, _) => Kind::I8,
            (TType::I16, _) => Kind::I16,
            (TType::I32, _) => Kind::I32,
            (TType::I64, _) => Kind::I64,
            (TType::Double, _) => Kind::Double,
            (TType::Uuid, _) => Kind::Uuid,
            (TType::Struct, _) => Kind::Struct,
            (TType::List, _) => Kind::List,
            (TType::Set, _) => Kind::Set,
            (TType::Map, _) => Kind::Map,
            (TType::Binary | TType::Stop, _) => Kind::Binary,
        }
    };
    Ok(match ttype {
        TType::Stop => {
            return Err(DecodeError::from(DecodeErrorKind::InvalidData {
                offset: reader.position(),
                what: "value",
                detail: "STOP".into(),
            }));
        }
        TType::Bool => Value::Bool(reader.read_bool()?),
        TType::I8 => Value::I8(reader.read_i8()?),
        TType::I16 => Value::I16(reader.read_i16()?),
        TType::I32 => Value::I32(reader.read_i32()?),
        TType::I64 => Value::I64(reader.read_i64()?),
        TType::Double => Value::Double(reader.read_double()?),
        TType::Uuid => Value::Uuid(reader.read_uuid()?),
        TType::Binary => match like {
            Some(Value::String(_)) => Value::String(reader.read_string()?),
            _ => Value::Binary(reader.read_binary()?),
        },
        TType::Struct => {
            let expected = match like {
                Some(Value::Struct(fields)) => fields.as_slice(),
                _ => &[],
            };
            reader.read_struct_begin()?;
            let mut fields = Vec::new();
            loop {
                let field = reader.read_field_begin()?;
                if field.ttype == TType::Stop {
                    break;
                }
                let like = expected
                    .iter()
                    .find(|(id, v)| *id == field.id && v.kind().ttype() == field.ttype)
                    .map(|f| &f.1);
                fields.push((field.id, read_value(reader, field.ttype, like)?));
                reader.read_field_end()?;
            }
            reader.read_struct_end()?;
            Value::Struct(fields)
        }
        TType::List | TType::Set => {
            let header = if ttype == TType::Set {
                reader.read_set_begin()?
            } else {
                reader.read_list_begin()?
            };
            let (expected_kind, expected) = match like {
                Some(Value::List(kind, items) | Value::Set(kind, items)) => {
                    (Some(*kind), items.as_slice())
                }
                _ => (None, &[][..]),
            };
            let kind = kind_of(header.elem, expected_kind, header.len);
            // Capacity from the header only up to a small bound: the count is checked against the bytes left,
            // but a reader should still not trust it for allocation.
            let mut items = Vec::with_capacity(header.len.min(64));
            for index in 0..header.len {
                let like = expected.get(index).or(expected.first());
                items.push(read_value(reader, header.elem, like)?);
            }
            if ttype == TType::Set {
                reader.read_set_end()?;
                Value::Set(kind, items)
            } else {
                reader.read_list_end()?;
                Value::List(kind, items)
            }
        }
        TType::Map => {
            let header = reader.read_map_begin()?;
            let (kinds, expected) = match like {
                Some(Value::Map(k, v, entries)) => (Some((*k, *v)), entries.as_slice()),
                _ => (None, &[][..]),
            };
            let key = kind_of(header.key, kinds.map(|k| k.0), header.len);
            let value = kind_of(header.value, kinds.map(|k| k.1), header.len);
            let mut entries = Vec::with_capacity(header.len.min(64));
            for index in 0..header.len {
                let like = expected.get(index).or(expected.first());
                let k = read_value(reader, header.key, like.map(|e| &e.0))?;
                let v = read_value(reader, header.value, like.map(|e| &e.1))?;
                entries.push((k, v));
            }
            reader.read_map_end()?;
            Value::Map(key, value, entries)
        }
    })
}

/// A struct written the way generated code is: every field type, optional fields, recursion, unknown fields
/// skipped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sample {
    pub flag: bool,
    pub tiny: i8,
    pub small: i16,
    pub number: i32,
    pub big: i64,
    pub ratio: f64,
    pub name: String,
    pub blob: Bytes,
    pub id: [u8; 16],
    pub tags: Vec<String>,
    pub scores: Vec<(i32, f64)>,
    pub ids: Vec<i64>,
    pub children: Vec<Sample>,
    pub note: Option<String>,
    pub nested: Option<Box<Sample>>,
    pub flags: Vec<bool>,
}

impl ThriftStruct for Sample {
    fn encode<W: Writer>(&self, w: &mut W) -> Result<(), EncodeError> {
        w.write_struct_begin("Sample")?;
        w.write_field_begin("flag", TType::Bool, 1)?;
        w.write_bool(self.flag)?;
        w.write_field_end()?;
        w.write_field_begin("tiny", TType::I8, 2)?;
        w.write_i8(self.tiny)?;
        w.write_field_end()?;
        w.write_field_begin("small", TType::I16, 3)?;
        w.write_i16(self.small)?;
        w.write_field_end()?;
        w.write_field_begin("number", TType::I32, 4)?;
        w.write_i32(self.number)?;
        w.write_field_end()?;
        w.write_field_begin("big", TType::I64, 5)?;
        w.write_i64(self.big)?;
        w.write_field_end()?;
        w.write_field_begin("ratio", TType::Double, 6)?;
        w.write_double(self.ratio)?;
        w.write_field_end()?;
        w.write_field_begin("name", TType::Binary, 7)?;
        w.write_string(&self.name)?;
        w.write_field_end()?;
        w.write_field_begin("blob", TType::Binary, 8)?;
        w.write_binary(&self.blob)?;
        w.write_field_end()?;
        w.write_field_begin("id", TType::Uuid, 9)?;
        w.write_uuid(&self.id)?;
        w.write_field_end()?;
        w.write_field_begin("tags", TType::List, 10)?;
        w.write_list_begin(TType::Binary, self.tags.len())?;
        for tag in &self.tags {
            w.write_string(tag)?;
        }
        w.write_list_end()?;
        w.write_field_end()?;
        w.write_field_begin("scores", TType::Map, 11)?;
        w.write_map_begin(TType::I32, TType::Double, self.scores.len())?;
        for (k, v) in &self.scores {
            w.write_i32(*k)?;
            w.write_double(*v)?;
        }
        w.write_map_end()?;
        w.write_field_end()?;
        w.write_field_begin("ids", TType::Set, 12)?;
        w.write_set_begin(TType::I64, self.ids.len())?;
        for id in &self.ids {
            w.write_i64(*id)?;
        }
        w.write_set_end()?;
        w.write_field_end()?;
        w.write_field_begin("children", TType::List, 13)?;
        w.write_list_begin(TType::Struct, self.children.len())?;
        for child in &self.children {
            child.encode(w)?;
        }
        w.write_list_end()?;
        w.write_field_end()?;
        if let Some(note) = &self.note {
            w.write_field_begin("note", TType::Binary, 14)?;
            w.write_string(note)?;
            w.write_field_end()?;
        }
        if let Some(nested) = &self.nested {
            w.write_field_begin("nested", TType::Struct, 300)?;
            nested.encode(w)?;
            w.write_field_end()?;
        }
        w.write_field_begin("flags", TType::List, -7)?;
        w.write_list_begin(TType::Bool, self.flags.len())?;
        for flag in &self.flags {
            w.write_bool(*flag)?;
        }
        w.write_list_end()?;
        w.write_field_end()?;
        w.write_field_stop()?;
        w.write_struct_end()
    }

    fn decode<R: Reader>(r: &mut R) -> Result<Self, DecodeError> {
        let mut sample = Sample::default();
        r.read_struct_begin()?;
        loop {
            let field = r.read_field_begin()?;
            match (field.id, field.ttype) {
                (_, TType::Stop) => break,
                (1, TType::Bool) => sample.flag = r.read_bool()?,
                (2, TType::I8) => sample.tiny = r.read_i8()?,
                (3, TType::I16) => sample.small = r.read_i16()?,
                (4, TType::I32) => sample.number = r.read_i32()?,
                (5, TType::I64) => sample.big = r.read_i64()?,
                (6, TType::Double) => sample.ratio = r.read_double()?,
                (7, TType::Binary) => sample.name = r.read_string()?,
                (8, TType::Binary) => sample.blob = r.read_binary()?,
                (9, TType::Uuid) => sample.id = r.read_uuid()?,
                (10, TType::List) => {
                    let header = r.read_list_begin()?;
                    let mut tags = Vec::with_capacity(header.len.min(64));
                    for _ in 0..header.len {
                        if header.elem == TType::Binary {
                            tags.push(r.read_string()?);
                        } else {
                            r.skip(header.elem)?;
                        }
                    }
                    r.read_list_end()?;
                    sample.tags = tags;
                }
                (11, TType::Map) => {
                    let header = r.read_map_begin()?;
                    let mut scores = Vec::with_capacity(header.len.min(64));
                    for _ in 0..header.len {
                        if (header.key, header.value) == (TType::I32, TType::Double) {
                            scores.push((r.read_i32()?, r.read_double()?));
                        } else {
                            r.skip(header.key)?;
                            r.skip(header.value)?;
                        }
                    }
                    r.read_map_end()?;
                    sample.scores = scores;
                }
                (12, TType::Set) => {
                    let header = r.read_set_begin()?;
                    let mut ids = Vec::with_capacity(header.len.min(64));
                    for _ in 0..header.len {
                        if header.elem == TType::I64 {
                            ids.push(r.read_i64()?);
                        } else {
                            r.skip(header.elem)?;
                        }
                    }
                    r.read_set_end()?;
                    sample.ids = ids;
                }
                (13, TType::List) => {
                    let header = r.read_list_begin()?;
                    let mut children = Vec::with_capacity(header.len.min(64));
                    for _ in 0..header.len {
                        if header.elem == TType::Struct {
                            children.push(Sample::decode(r)?);
                        } else {
                            r.skip(header.elem)?;
                        }
                    }
                    r.read_list_end()?;
                    sample.children = children;
                }
                (14, TType::Binary) => sample.note = Some(r.read_string()?),
                (300, TType::Struct) => sample.nested = Some(Box::new(Sample::decode(r)?)),
                (-7, TType::List) => {
                    let header = r.read_list_begin()?;
                    let mut flags = Vec::with_capacity(header.len.min(64));
                    for _ in 0..header.len {
                        if header.elem == TType::Bool {
                            flags.push(r.read_bool()?);
                        } else {
                            r.skip(header.elem)?;
                        }
                    }
                    r.read_list_end()?;
                    sample.flags = flags;
                }
                (_, other) => r.skip(other)?,
            }
            r.read_field_end()?;
        }
        r.read_struct_end()?;
        Ok(sample)
    }
}

/// A sample with something in every field, for seeds and examples.
pub fn full_sample() -> Sample {
    let leaf = Sample {
        name: "leaf".into(),
        number: -3,
        flags: vec![true],
        ..Sample::default()
    };
    Sample {
        flag: true,
        tiny: -128,
        small: 32767,
        number: i32::MIN,
        big: i64::MAX,
        ratio: -0.1,
        name: "héllo \"wörld\" \\ 😀 \u{1}".into(),
        blob: Bytes::from_static(b"\x00\x01\xfe\xff binary"),
        id: *b"0123456789abcdef",
        tags: vec!["a".into(), String::new(), "ccc".into()],
        scores: vec![(1, 1.5), (-2, f64::INFINITY), (3, 1e300)],
        ids: vec![i64::MIN, 0, 1 << 40],
        children: vec![leaf.clone(), Sample::default()],
        note: Some("note".into()),
        nested: Some(Box::new(leaf)),
        flags: vec![
            true, false, true, true, false, false, true, false, true, true, false, false, true,
            true, false, true, false,
        ],
    }
}

/// A dynamic value exercising every type, for seeds.
pub fn full_value() -> Value {
    Value::Struct(vec![
        (1, Value::Bool(false)),
        (2, Value::I8(7)),
        (3, Value::I16(-300)),
        (4, Value::I32(1 << 20)),
        (5, Value::I64(-(1 << 50))),
        (6, Value::Double(f64::NAN)),
        (7, Value::String("snowman ☃ \n".into())),
        (
            8,
            Value::Binary(Bytes::from_static(&[0, 1, 2, 3, 254, 255])),
        ),
        (9, Value::Uuid([0xab; 16])),
        (
            20,
            Value::List(
                Kind::List,
                vec![Value::List(Kind::I32, vec![Value::I32(1), Value::I32(2)])],
            ),
        ),
        (
            -1,
            Value::Map(
                Kind::String,
                Kind::Set,
                vec![(
                    Value::String("k".into()),
                    Value::Set(Kind::Double, vec![Value::Double(0.5)]),
                )],
            ),
        ),
        (
            1000,
            Value::Map(
                Kind::I64,
                Kind::Struct,
                vec![(Value::I64(9), Value::Struct(vec![(1, Value::Bool(true))]))],
            ),
        ),
        (11, Value::Map(Kind::I32, Kind::I32, vec![])),
    ])
}
