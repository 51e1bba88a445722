//! The protocol layer: the [`Writer`] and [`Reader`] traits generated code is written against, the wire type
//! ids they share, [`Limits`] for untrusted input, and one module per protocol.

pub mod binary;
pub mod compact;
mod core;
mod error;
mod input;
pub mod json;
mod limits;
mod output;
mod text;
mod thrift_enum;
mod uuid;
mod value;

pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use input::{BytesInput, ReadBuf, SliceInput};
pub use limits::Limits;
pub use output::{BufMutOutput, WriteBuf};
pub use thrift_enum::{ThriftEnum, read_enum, write_enum};
pub use uuid::Uuid;
pub use value::ThriftValue;
pub(crate) use value::check_element;

use std::fmt;

use bytes::{Bytes, BytesMut};

use binary::{BinaryReader, BinaryWriter};
use compact::{CompactReader, CompactWriter};
/// A string that shares the buffer it was decoded from (or holds a short one inline); what
/// [`Reader::read_fast_str`] returns and what `string` fields become under the generator's `FastStr` option.
pub use faststr::FastStr;
use json::{JsonReader, JsonWriter};

/// A Thrift wire type id, as the binary and JSON protocols number them (the compact protocol maps its own
/// nibbles onto these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TType {
    /// End of a struct's fields.
    Stop = 0,
    /// `bool`.
    Bool = 2,
    /// `i8` (`byte`).
    I8 = 3,
    /// `double`.
    Double = 4,
    /// `i16`.
    I16 = 6,
    /// `i32`; enums travel as this.
    I32 = 8,
    /// `i64`.
    I64 = 10,
    /// `string` and `binary`.
    Binary = 11,
    /// `struct`, `union` and `exception`.
    Struct = 12,
    /// `map`.
    Map = 13,
    /// `set`.
    Set = 14,
    /// `list`.
    List = 15,
    /// `uuid`.
    Uuid = 16,
}

impl TType {
    /// The type with this binary-protocol id, if there is one.
    pub fn from_id(id: u8) -> Option<TType> {
        Some(match id {
            0 => TType::Stop,
            2 => TType::Bool,
            3 => TType::I8,
            4 => TType::Double,
            6 => TType::I16,
            8 => TType::I32,
            10 => TType::I64,
            11 => TType::Binary,
            12 => TType::Struct,
            13 => TType::Map,
            14 => TType::Set,
            15 => TType::List,
            16 => TType::Uuid,
            _ => return None,
        })
    }
}

/// The kind of an RPC message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageType {
    /// A request that expects a reply.
    Call = 1,
    /// A successful reply (which may still carry a declared exception in its result struct).
    Reply = 2,
    /// A reply carrying an application exception (the RPC layer's `ApplicationException`).
    Exception = 3,
    /// A request that gets no reply.
    Oneway = 4,
}

impl MessageType {
    /// The message type with this wire value, if there is one.
    pub fn from_id(id: u8) -> Option<MessageType> {
        Some(match id {
            1 => MessageType::Call,
            2 => MessageType::Reply,
            3 => MessageType::Exception,
            4 => MessageType::Oneway,
            _ => return None,
        })
    }
}

/// The envelope of an RPC message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader {
    /// The method name (`Service:method` under the multiplexed protocol).
    pub name: String,
    /// Call, reply, exception or oneway.
    pub kind: MessageType,
    /// Chosen by the client, echoed by the server.
    pub seqid: i32,
}

/// A field header as read from the wire; `ttype == TType::Stop` marks the end of the struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldHeader {
    /// The field's wire type.
    pub ttype: TType,
    /// The field id (meaningless when `ttype` is `Stop`).
    pub id: i16,
}

/// A list or set header: element type and count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListHeader {
    /// The wire type of every element.
    pub elem: TType,
    /// The number of elements; already checked against [`Limits`] and the bytes left.
    pub len: usize,
}

/// A map header: key type, value type and count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapHeader {
    /// The wire type of every key.
    pub key: TType,
    /// The wire type of every value.
    pub value: TType,
    /// The number of entries; already checked against [`Limits`] and the bytes left.
    pub len: usize,
}

/// Writes Thrift values in one protocol. Generated `encode` functions call these in wire order.
///
/// Writers append to a buffer and only fail on values the protocol cannot represent (a length beyond `i32`).
/// The `name` arguments exist for protocols that spell names out; binary and compact ignore them.
pub trait Writer {
    /// Begins an RPC message.
    fn write_message_begin(&mut self, header: &MessageHeader) -> Result<(), EncodeError>;
    /// Ends an RPC message.
    fn write_message_end(&mut self) -> Result<(), EncodeError>;
    /// Begins a struct, union or exception.
    fn write_struct_begin(&mut self, name: &str) -> Result<(), EncodeError>;
    /// Ends a struct, union or exception.
    fn write_struct_end(&mut self) -> Result<(), EncodeError>;
    /// Begins a field. For a `bool` field the value still follows through [`Writer::write_bool`].
    fn write_field_begin(&mut self, name: &str, ttype: TType, id: i16) -> Result<(), EncodeError>;
    /// Ends a field.
    fn write_field_end(&mut self) -> Result<(), EncodeError>;
    /// Writes the marker that ends a struct's fields.
    fn write_field_stop(&mut self) -> Result<(), EncodeError>;
    /// Writes a `bool`.
    fn write_bool(&mut self, value: bool) -> Result<(), EncodeError>;
    /// Writes an `i8`.
    fn write_i8(&mut self, value: i8) -> Result<(), EncodeError>;
    /// Writes an `i16`.
    fn write_i16(&mut self, value: i16) -> Result<(), EncodeError>;
    /// Writes an `i32`.
    fn write_i32(&mut self, value: i32) -> Result<(), EncodeError>;
    /// Writes an `i64`.
    fn write_i64(&mut self, value: i64) -> Result<(), EncodeError>;
    /// Writes a `double`.
    fn write_double(&mut self, value: f64) -> Result<(), EncodeError>;
    /// Writes a `string`.
    fn write_string(&mut self, value: &str) -> Result<(), EncodeError>;
    /// Writes a `binary`.
    fn write_binary(&mut self, value: &[u8]) -> Result<(), EncodeError>;
    /// Writes a `uuid` (16 bytes in RFC 4122 order).
    fn write_uuid(&mut self, value: &[u8; 16]) -> Result<(), EncodeError>;
    /// Begins a list of `len` elements of type `elem`.
    fn write_list_begin(&mut self, elem: TType, len: usize) -> Result<(), EncodeError>;
    /// Ends a list.
    fn write_list_end(&mut self) -> Result<(), EncodeError>;
    /// Begins a set of `len` elements of type `elem`.
    fn write_set_begin(&mut self, elem: TType, len: usize) -> Result<(), EncodeError>;
    /// Ends a set.
    fn write_set_end(&mut self) -> Result<(), EncodeError>;
    /// Begins a map of `len` entries.
    fn write_map_begin(&mut self, key: TType, value: TType, len: usize) -> Result<(), EncodeError>;
    /// Ends a map.
    fn write_map_end(&mut self) -> Result<(), EncodeError>;

    /// Writes the elements of a `list<i32>` after its header. Fixed-width protocols override it to convert
    /// the whole run in blocks instead of one append per element.
    #[inline]
    fn write_i32_elements(&mut self, values: &[i32]) -> Result<(), EncodeError> {
        values.iter().try_for_each(|&value| self.write_i32(value))
    }

    /// Writes the elements of a `list<i64>` after its header (see [`Writer::write_i32_elements`]).
    #[inline]
    fn write_i64_elements(&mut self, values: &[i64]) -> Result<(), EncodeError> {
        values.iter().try_for_each(|&value| self.write_i64(value))
    }

    /// Writes the elements of a `list<double>` after its header (see [`Writer::write_i32_elements`]).
    #[inline]
    fn write_double_elements(&mut self, values: &[f64]) -> Result<(), EncodeError> {
        values
            .iter()
            .try_for_each(|&value| self.write_double(value))
    }
}

/// Reads Thrift values in one protocol from untrusted input.
///
/// Every implementation checks lengths and counts against [`Limits`] and against the bytes left before it
/// allocates, bounds nesting depth (structs and containers each count one level), and never panics.
pub trait Reader {
    /// Reads an RPC message envelope.
    fn read_message_begin(&mut self) -> Result<MessageHeader, DecodeError>;
    /// Ends an RPC message.
    fn read_message_end(&mut self) -> Result<(), DecodeError>;
    /// Begins a struct; fails once nesting exceeds [`Limits::max_depth`].
    fn read_struct_begin(&mut self) -> Result<(), DecodeError>;
    /// Ends a struct.
    fn read_struct_end(&mut self) -> Result<(), DecodeError>;
    /// Reads a field header, or the stop marker.
    fn read_field_begin(&mut self) -> Result<FieldHeader, DecodeError>;
    /// Ends a field.
    fn read_field_end(&mut self) -> Result<(), DecodeError>;
    /// Reads a `bool`.
    fn read_bool(&mut self) -> Result<bool, DecodeError>;
    /// Reads an `i8`.
    fn read_i8(&mut self) -> Result<i8, DecodeError>;
    /// Reads an `i16`.
    fn read_i16(&mut self) -> Result<i16, DecodeError>;
    /// Reads an `i32`.
    fn read_i32(&mut self) -> Result<i32, DecodeError>;
    /// Reads an `i64`.
    fn read_i64(&mut self) -> Result<i64, DecodeError>;
    /// Reads a `double`.
    fn read_double(&mut self) -> Result<f64, DecodeError>;
    /// Reads a `string`, which must be valid UTF-8.
    fn read_string(&mut self) -> Result<String, DecodeError>;
    /// Reads a `string`, which must be valid UTF-8, as a [`FastStr`]: binary and compact readers over
    /// [`BytesInput`] share the input buffer instead of copying a long string, and keep a short one inline
    /// (no allocation either way). The default converts [`Reader::read_string`]'s result.
    #[inline]
    fn read_fast_str(&mut self) -> Result<FastStr, DecodeError> {
        self.read_string().map(FastStr::from)
    }
    /// Reads a `binary`; without copying when the input is [`Bytes`].
    fn read_binary(&mut self) -> Result<Bytes, DecodeError>;
    /// Reads a `uuid`.
    fn read_uuid(&mut self) -> Result<[u8; 16], DecodeError>;
    /// Begins a list; fails once nesting exceeds [`Limits::max_depth`].
    fn read_list_begin(&mut self) -> Result<ListHeader, DecodeError>;
    /// Ends a list.
    fn read_list_end(&mut self) -> Result<(), DecodeError>;
    /// Begins a set; fails once nesting exceeds [`Limits::max_depth`].
    fn read_set_begin(&mut self) -> Result<ListHeader, DecodeError>;
    /// Ends a set.
    fn read_set_end(&mut self) -> Result<(), DecodeError>;
    /// Begins a map; fails once nesting exceeds [`Limits::max_depth`].
    fn read_map_begin(&mut self) -> Result<MapHeader, DecodeError>;
    /// Ends a map.
    fn read_map_end(&mut self) -> Result<(), DecodeError>;
    /// The byte offset of the next unread byte, for error context.
    fn position(&self) -> usize;

    /// Reads the `len` elements of a `list<i32>` whose header has been read, appending them to `out`.
    /// Fixed-width protocols override it to check the bytes once and convert the whole run at once.
    #[inline]
    fn read_i32_elements(&mut self, len: usize, out: &mut Vec<i32>) -> Result<(), DecodeError> {
        for _ in 0..len {
            out.push(self.read_i32()?);
        }
        Ok(())
    }

    /// Reads the elements of a `list<i64>` (see [`Reader::read_i32_elements`]).
    #[inline]
    fn read_i64_elements(&mut self, len: usize, out: &mut Vec<i64>) -> Result<(), DecodeError> {
        for _ in 0..len {
            out.push(self.read_i64()?);
        }
        Ok(())
    }

    /// Reads the elements of a `list<double>` (see [`Reader::read_i32_elements`]).
    #[inline]
    fn read_double_elements(&mut self, len: usize, out: &mut Vec<f64>) -> Result<(), DecodeError> {
        for _ in 0..len {
            out.push(self.read_double()?);
        }
        Ok(())
    }

    /// Reads and discards a `string` or `binary` value, for [`Reader::skip`]. The default reads it; a protocol
    /// that can pass over one more cheaply overrides this.
    #[doc(hidden)]
    #[inline]
    fn skip_binary(&mut self) -> Result<(), DecodeError> {
        self.read_binary().map(drop)
    }

    /// Reads and discards one value of type `ttype` (unknown fields). Depth is bounded by the container and
    /// struct reads it goes through.
    fn skip(&mut self, ttype: TType) -> Result<(), DecodeError> {
        match ttype {
            TType::Stop => Err(DecodeError::from(DecodeErrorKind::InvalidData {
                offset: self.position(),
                what: "type to skip",
                detail: "STOP is not a value".into(),
            })),
            TType::Bool => self.read_bool().map(drop),
            TType::I8 => self.read_i8().map(drop),
            TType::I16 => self.read_i16().map(drop),
            TType::I32 => self.read_i32().map(drop),
            TType::I64 => self.read_i64().map(drop),
            TType::Double => self.read_double().map(drop),
            TType::Binary => self.skip_binary(),
            TType::Uuid => self.read_uuid().map(drop),
            TType::Struct => {
                self.read_struct_begin()?;
                loop {
                    let field = self.read_field_begin()?;
                    if field.ttype == TType::Stop {
                        break;
                    }
                    self.skip(field.ttype)?;
                    self.read_field_end()?;
                }
                self.read_struct_end()
            }
            TType::List => {
                let header = self.read_list_begin()?;
                for _ in 0..header.len {
                    self.skip(header.elem)?;
                }
                self.read_list_end()
            }
            TType::Set => {
                let header = self.read_set_begin()?;
                for _ in 0..header.len {
                    self.skip(header.elem)?;
                }
                self.read_set_end()
            }
            TType::Map => {
                let header = self.read_map_begin()?;
                for _ in 0..header.len {
                    self.skip(header.key)?;
                    self.skip(header.value)?;
                }
                self.read_map_end()
            }
        }
    }
}

/// A struct, union or exception that can travel in any protocol. Generated code implements this.
pub trait ThriftStruct: Sized {
    /// Writes `self` as a Thrift struct.
    fn encode<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError>;
    /// Reads a value, skipping unknown fields and failing on a missing required field.
    fn decode<R: Reader>(reader: &mut R) -> Result<Self, DecodeError>;
}

/// The encoding of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Apache Thrift's binary protocol (strict, versioned envelope).
    Binary,
    /// Apache Thrift's compact protocol.
    Compact,
    /// Apache Thrift's JSON protocol.
    Json,
}

impl Protocol {
    /// The protocol's short name, as logs and Apache's tools spell it: `binary`, `compact` or `json`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Binary => "binary",
            Protocol::Compact => "compact",
            Protocol::Json => "json",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One protocol as a type, so generic code is monomorphized per protocol.
pub trait Codec: Send + Sync + 'static {
    /// The protocol this codec speaks.
    const PROTOCOL: Protocol;
    /// Its reader over owned bytes.
    type Reader: Reader + Send;
    /// Its writer into a borrowed buffer.
    type Writer<'a>: Writer;
    /// A reader over `bytes`.
    fn reader(bytes: Bytes, limits: Limits) -> Self::Reader;
    /// A writer appending to `buf`.
    fn writer(buf: &mut BytesMut) -> Self::Writer<'_>;
}

/// The binary protocol as a [`Codec`].
#[derive(Debug, Clone, Copy)]
pub struct Binary;

/// The compact protocol as a [`Codec`].
#[derive(Debug, Clone, Copy)]
pub struct Compact;

/// The JSON protocol as a [`Codec`].
#[derive(Debug, Clone, Copy)]
pub struct Json;

impl Codec for Binary {
    const PROTOCOL: Protocol = Protocol::Binary;
    type Reader = BinaryReader<BytesInput>;
    type Writer<'a> = BinaryWriter<&'a mut BytesMut>;
    fn reader(bytes: Bytes, limits: Limits) -> Self::Reader {
        BinaryReader::new(BytesInput::new(bytes), limits)
    }
    fn writer(buf: &mut BytesMut) -> Self::Writer<'_> {
        BinaryWriter::new(buf)
    }
}

impl Codec for Compact {
    const PROTOCOL: Protocol = Protocol::Compact;
    type Reader = CompactReader<BytesInput>;
    type Writer<'a> = CompactWriter<&'a mut BytesMut>;
    fn reader(bytes: Bytes, limits: Limits) -> Self::Reader {
        CompactReader::new(BytesInput::new(bytes), limits)
    }
    fn writer(buf: &mut BytesMut) -> Self::Writer<'_> {
        CompactWriter::new(buf)
    }
}

impl Codec for Json {
    const PROTOCOL: Protocol = Protocol::Json;
    type Reader = JsonReader<BytesInput>;
    type Writer<'a> = JsonWriter<&'a mut BytesMut>;
    fn reader(bytes: Bytes, limits: Limits) -> Self::Reader {
        JsonReader::new(BytesInput::new(bytes), limits)
    }
    fn writer(buf: &mut BytesMut) -> Self::Writer<'_> {
        JsonWriter::new(buf)
    }
}
