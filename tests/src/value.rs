//! A dynamic Thrift value model for protocol tests: any value tree can be written through a [`Writer`] and read
//! back through a [`Reader`] by wire type, without generated code.
//!
//! Value trees travel between the Rust tests and the Python interop script in a small text format that needs no
//! JSON library and keeps every value exact (doubles as IEEE-754 bit patterns, text and bytes as hex):
//!
//! ```text
//! value   := "bool" 0|1 | "i8" N | "i16" N | "i32" N | "i64" N | "dbl" HEX16 | "str" HEX | "bin" HEX
//!          | "uuid" HEX32 | "struct" COUNT (ID value)* | "list" KIND COUNT value* | "set" KIND COUNT value*
//!          | "map" KIND KIND COUNT (value value)*
//! case    := "value" value | "message" HEX(name) TYPE SEQID value
//! ```
//!
//! Tokens are separated by whitespace; an empty `HEX` is written `-`.

use std::fmt::Write as _;

use bytes::Bytes;
use idlc_runtime::{
    DecodeError, DecodeErrorKind, EncodeError, MessageHeader, MessageType, Reader, TType, Writer,
};

/// The type of a value as the IDL sees it: like [`TType`], but telling `string` from `binary`, which the JSON
/// protocol encodes differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `bool`.
    Bool,
    /// `i8`.
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `double`.
    Double,
    /// `string` (UTF-8 text).
    String,
    /// `binary` (bytes).
    Binary,
    /// `uuid`.
    Uuid,
    /// A struct, union or exception.
    Struct,
    /// `list<...>`.
    List,
    /// `set<...>`.
    Set,
    /// `map<...>`.
    Map,
}

impl Kind {
    /// The wire type this kind travels as.
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

    /// The kind a wire type reads as when nothing says otherwise (`binary` for type 11).
    pub fn from_ttype(ttype: TType) -> Option<Kind> {
        Some(match ttype {
            TType::Stop => return None,
            TType::Bool => Kind::Bool,
            TType::I8 => Kind::I8,
            TType::I16 => Kind::I16,
            TType::I32 => Kind::I32,
            TType::I64 => Kind::I64,
            TType::Double => Kind::Double,
            TType::Binary => Kind::Binary,
            TType::Uuid => Kind::Uuid,
            TType::Struct => Kind::Struct,
            TType::List => Kind::List,
            TType::Set => Kind::Set,
            TType::Map => Kind::Map,
        })
    }

    /// The kind's name in the text format.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Bool => "bool",
            Kind::I8 => "i8",
            Kind::I16 => "i16",
            Kind::I32 => "i32",
            Kind::I64 => "i64",
            Kind::Double => "dbl",
            Kind::String => "str",
            Kind::Binary => "bin",
            Kind::Uuid => "uuid",
            Kind::Struct => "struct",
            Kind::List => "list",
            Kind::Set => "set",
            Kind::Map => "map",
        }
    }

    fn from_name(name: &str) -> Option<Kind> {
        [
            Kind::Bool,
            Kind::I8,
            Kind::I16,
            Kind::I32,
            Kind::I64,
            Kind::Double,
            Kind::String,
            Kind::Binary,
            Kind::Uuid,
            Kind::Struct,
            Kind::List,
            Kind::Set,
            Kind::Map,
        ]
        .into_iter()
        .find(|kind| kind.name() == name)
    }
}

/// Any Thrift value.
#[derive(Debug, Clone)]
pub enum Value {
    /// A `bool`.
    Bool(bool),
    /// An `i8`.
    I8(i8),
    /// An `i16`.
    I16(i16),
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// A `double`.
    Double(f64),
    /// A `string`.
    String(String),
    /// A `binary`.
    Binary(Bytes),
    /// A `uuid`.
    Uuid([u8; 16]),
    /// A struct: fields in wire order.
    Struct(Vec<(i16, Value)>),
    /// A list.
    List(Kind, Vec<Value>),
    /// A set, in wire order.
    Set(Kind, Vec<Value>),
    /// A map, in wire order.
    Map(Kind, Kind, Vec<(Value, Value)>),
}

/// Doubles compare by bit pattern, except that every NaN equals every other NaN (the JSON protocol keeps no
/// NaN payload).
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
            (Map(ka, va, a), Map(kb, vb, b)) => ka == kb && va == vb && a == b,
            _ => false,
        }
    }
}

impl Value {
    /// The value's kind.
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

    /// Whether any double inside is NaN or infinite.
    pub fn has_special_double(&self) -> bool {
        match self {
            Value::Double(d) => !d.is_finite(),
            Value::Struct(fields) => fields.iter().any(|(_, v)| v.has_special_double()),
            Value::List(_, items) | Value::Set(_, items) => {
                items.iter().any(Value::has_special_double)
            }
            Value::Map(_, _, entries) => entries
                .iter()
                .any(|(k, v)| k.has_special_double() || v.has_special_double()),
            _ => false,
        }
    }
}

/// One interop case: a top-level struct, or a whole RPC message.
#[derive(Debug, Clone, PartialEq)]
pub enum Case {
    /// A struct written on its own.
    Value(Value),
    /// A message envelope around a struct.
    Message(MessageHeader, Value),
}

impl Case {
    /// Whether any double inside is NaN or infinite.
    pub fn has_special_double(&self) -> bool {
        match self {
            Case::Value(value) | Case::Message(_, value) => value.has_special_double(),
        }
    }
}

/// Writes `value` through `writer`.
pub fn write_value<W: Writer>(writer: &mut W, value: &Value) -> Result<(), EncodeError> {
    match value {
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
                write_value(writer, field)?;
                writer.write_field_end()?;
            }
            writer.write_field_stop()?;
            writer.write_struct_end()
        }
        Value::List(kind, items) => {
            writer.write_list_begin(kind.ttype(), items.len())?;
            items
                .iter()
                .try_for_each(|item| write_value(writer, item))?;
            writer.write_list_end()
        }
        Value::Set(kind, items) => {
            writer.write_set_begin(kind.ttype(), items.len())?;
            items
                .iter()
                .try_for_each(|item| write_value(writer, item))?;
            writer.write_set_end()
        }
        Value::Map(key, value, entries) => {
            writer.write_map_begin(key.ttype(), value.ttype(), entries.len())?;
            for (k, v) in entries {
                write_value(writer, k)?;
                write_value(writer, v)?;
            }
            writer.write_map_end()
        }
    }
}

/// Writes a whole case through `writer`.
pub fn write_case<W: Writer>(writer: &mut W, case: &Case) -> Result<(), EncodeError> {
    match case {
        Case::Value(value) => write_value(writer, value),
        Case::Message(header, body) => {
            writer.write_message_begin(header)?;
            write_value(writer, body)?;
            writer.write_message_end()
        }
    }
}

/// Reads one value of wire type `ttype`. `like` (the value expected there, if known) only decides whether a
/// type-11 value is read as a `string` or a `binary`, and which kinds an empty map had (the compact protocol does
/// not send them); everything else comes from the wire.
pub fn read_value<R: Reader>(
    reader: &mut R,
    ttype: TType,
    like: Option<&Value>,
) -> Result<Value, DecodeError> {
    Ok(match ttype {
        TType::Stop => {
            return Err(DecodeError::from(DecodeErrorKind::InvalidData {
                offset: reader.position(),
                what: "value",
                detail: "STOP is not a value".into(),
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
                    .map(|(_, v)| v);
                fields.push((field.id, read_value(reader, field.ttype, like)?));
                reader.read_field_end()?;
            }
            reader.read_struct_end()?;
            Value::Struct(fields)
        }
        TType::List | TType::Set => {
            let is_set = ttype == TType::Set;
            let header = if is_set {
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
            let kind = element_kind(header.elem, header.len, expected_kind, reader)?;
            let mut items = Vec::with_capacity(header.len.min(1024));
            for index in 0..header.len {
                let like = expected.get(index).or(expected.first());
                items.push(read_value(reader, header.elem, like)?);
            }
            if is_set {
                reader.read_set_end()?;
                Value::Set(kind, items)
            } else {
                reader.read_list_end()?;
                Value::List(kind, items)
            }
        }
        TType::Map => {
            let header = reader.read_map_begin()?;
            let (expected_kinds, expected) = match like {
                Some(Value::Map(k, v, entries)) => (Some((*k, *v)), entries.as_slice()),
                _ => (None, &[][..]),
            };
            let key = element_kind(header.key, header.len, expected_kinds.map(|k| k.0), reader)?;
            let value = element_kind(
                header.value,
                header.len,
                expected_kinds.map(|k| k.1),
                reader,
            )?;
            let mut entries = Vec::with_capacity(header.len.min(1024));
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

/// The kind of a container's elements: from the wire, refined by the expected kind (string vs binary), and taken
/// from the expected kind alone for an empty container whose header carried no types (compact's empty map).
fn element_kind<R: Reader>(
    ttype: TType,
    len: usize,
    expected: Option<Kind>,
    reader: &R,
) -> Result<Kind, DecodeError> {
    match expected {
        Some(kind) if kind.ttype() == ttype => Ok(kind),
        Some(kind) if len == 0 && ttype == TType::Stop => Ok(kind),
        _ => Kind::from_ttype(ttype).ok_or_else(|| {
            DecodeError::from(DecodeErrorKind::InvalidData {
                offset: reader.position(),
                what: "element type",
                detail: "STOP".into(),
            })
        }),
    }
}

/// Reads a whole case shaped like `like`.
pub fn read_case<R: Reader>(reader: &mut R, like: &Case) -> Result<Case, DecodeError> {
    Ok(match like {
        Case::Value(value) => Case::Value(read_value(reader, TType::Struct, Some(value))?),
        Case::Message(_, body) => {
            let header = reader.read_message_begin()?;
            let body = read_value(reader, TType::Struct, Some(body))?;
            reader.read_message_end()?;
            Case::Message(header, body)
        }
    })
}

fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "-".into();
    }
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

fn unhex(text: &str) -> Result<Vec<u8>, String> {
    if text == "-" {
        return Ok(Vec::new());
    }
    if text.len() % 2 != 0 {
        return Err(format!("odd-length hex `{text}`"));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| format!("hex `{text}`: {e}")))
        .collect()
}

/// Renders a case in the text format.
pub fn print_case(case: &Case) -> String {
    let mut out = String::new();
    match case {
        Case::Value(value) => {
            out.push_str("value ");
            print_value(value, &mut out);
        }
        Case::Message(header, body) => {
            let _ = write!(
                out,
                "message {} {} {} ",
                hex(header.name.as_bytes()),
                header.kind as u8,
                header.seqid
            );
            print_value(body, &mut out);
        }
    }
    out
}

fn print_value(value: &Value, out: &mut String) {
    let _ = match value {
        Value::Bool(v) => write!(out, "bool {} ", u8::from(*v)),
        Value::I8(v) => write!(out, "i8 {v} "),
        Value::I16(v) => write!(out, "i16 {v} "),
        Value::I32(v) => write!(out, "i32 {v} "),
        Value::I64(v) => write!(out, "i64 {v} "),
        Value::Double(v) => write!(out, "dbl {:016x} ", v.to_bits()),
        Value::String(v) => write!(out, "str {} ", hex(v.as_bytes())),
        Value::Binary(v) => write!(out, "bin {} ", hex(v)),
        Value::Uuid(v) => write!(out, "uuid {} ", hex(v)),
        Value::Struct(fields) => {
            let _ = write!(out, "struct {} ", fields.len());
            for (id, field) in fields {
                let _ = write!(out, "{id} ");
                print_value(field, out);
            }
            Ok(())
        }
        Value::List(kind, items) | Value::Set(kind, items) => {
            let _ = write!(
                out,
                "{} {} {} ",
                value.kind().name(),
                kind.name(),
                items.len()
            );
            items.iter().for_each(|item| print_value(item, out));
            Ok(())
        }
        Value::Map(key, val, entries) => {
            let _ = write!(out, "map {} {} {} ", key.name(), val.name(), entries.len());
            for (k, v) in entries {
                print_value(k, out);
                print_value(v, out);
            }
            Ok(())
        }
    };
}

/// Parses a case from the text format.
pub fn parse_case(text: &str) -> Result<Case, String> {
    let mut tokens = text.split_ascii_whitespace();
    let case = match tokens.next() {
        Some("value") => Case::Value(parse_value(&mut tokens)?),
        Some("message") => {
            let name = String::from_utf8(unhex(next(&mut tokens)?)?)
                .map_err(|e| format!("message name: {e}"))?;
            let kind: u8 = number(&mut tokens)?;
            let kind = MessageType::from_id(kind).ok_or(format!("message type {kind}"))?;
            let seqid = number(&mut tokens)?;
            let body = parse_value(&mut tokens)?;
            Case::Message(MessageHeader { name, kind, seqid }, body)
        }
        other => return Err(format!("expected `value` or `message`, found {other:?}")),
    };
    match tokens.next() {
        None => Ok(case),
        Some(extra) => Err(format!("trailing token `{extra}`")),
    }
}

fn next<'a>(tokens: &mut impl Iterator<Item = &'a str>) -> Result<&'a str, String> {
    tokens
        .next()
        .ok_or_else(|| "unexpected end of value tree".to_string())
}

fn number<'a, T: std::str::FromStr>(tokens: &mut impl Iterator<Item = &'a str>) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    let token = next(tokens)?;
    token.parse().map_err(|e| format!("`{token}`: {e}"))
}

fn kind<'a>(tokens: &mut impl Iterator<Item = &'a str>) -> Result<Kind, String> {
    let token = next(tokens)?;
    Kind::from_name(token).ok_or_else(|| format!("unknown kind `{token}`"))
}

fn parse_value<'a>(tokens: &mut impl Iterator<Item = &'a str>) -> Result<Value, String> {
    let tag = next(tokens)?;
    Ok(match tag {
        "bool" => Value::Bool(number::<u8>(tokens)? != 0),
        "i8" => Value::I8(number(tokens)?),
        "i16" => Value::I16(number(tokens)?),
        "i32" => Value::I32(number(tokens)?),
        "i64" => Value::I64(number(tokens)?),
        "dbl" => {
            let bits = next(tokens)?;
            Value::Double(f64::from_bits(
                u64::from_str_radix(bits, 16).map_err(|e| format!("double `{bits}`: {e}"))?,
            ))
        }
        "str" => Value::String(
            String::from_utf8(unhex(next(tokens)?)?).map_err(|e| format!("string: {e}"))?,
        ),
        "bin" => Value::Binary(Bytes::from(unhex(next(tokens)?)?)),
        "uuid" => Value::Uuid(
            unhex(next(tokens)?)?
                .try_into()
                .map_err(|_| "uuid is not 16 bytes".to_string())?,
        ),
        "struct" => {
            let count: usize = number(tokens)?;
            let mut fields = Vec::new();
            for _ in 0..count {
                let id = number(tokens)?;
                fields.push((id, parse_value(tokens)?));
            }
            Value::Struct(fields)
        }
        "list" | "set" => {
            let elem = kind(tokens)?;
            let count: usize = number(tokens)?;
            let items = (0..count)
                .map(|_| parse_value(tokens))
                .collect::<Result<Vec<_>, _>>()?;
            if tag == "set" {
                Value::Set(elem, items)
            } else {
                Value::List(elem, items)
            }
        }
        "map" => {
            let key = kind(tokens)?;
            let value = kind(tokens)?;
            let count: usize = number(tokens)?;
            let mut entries = Vec::new();
            for _ in 0..count {
                let k = parse_value(tokens)?;
                entries.push((k, parse_value(tokens)?));
            }
            Value::Map(key, value, entries)
        }
        other => return Err(format!("unknown value tag `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_format_round_trips() {
        let case = Case::Message(
            MessageHeader {
                name: "Calc:add".into(),
                kind: MessageType::Call,
                seqid: -1,
            },
            Value::Struct(vec![
                (1, Value::String("é".into())),
                (-2, Value::Double(-0.0)),
                (3, Value::Binary(Bytes::new())),
                (
                    4,
                    Value::Map(
                        Kind::I64,
                        Kind::List,
                        vec![(Value::I64(i64::MIN), Value::List(Kind::Bool, vec![]))],
                    ),
                ),
            ]),
        );
        let text = print_case(&case);
        assert_eq!(parse_case(&text).unwrap(), case);
        assert!(parse_case("value i32").is_err());
        assert!(parse_case("value i32 1 2").is_err());
    }
}
