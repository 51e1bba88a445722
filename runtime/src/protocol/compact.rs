//! The compact protocol: zigzag varints, field ids as deltas folded with the type into one byte, bool fields
//! carried in that byte, short container headers. Byte for byte what Apache Thrift's `TCompactProtocol`
//! writes (version 1, little-endian doubles).
//!
//! ```
//! use bytes::BytesMut;
//! use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
//! use idlc_runtime::{BytesInput, Limits, MessageHeader, MessageType, Reader, Writer};
//!
//! let sent = MessageHeader { name: "ping".into(), kind: MessageType::Call, seqid: 1 };
//! let mut buf = BytesMut::new();
//! let mut writer = CompactWriter::new(&mut buf);
//! writer.write_message_begin(&sent)?;
//! writer.write_string("hello")?;
//! let mut reader = CompactReader::new(BytesInput::new(buf.freeze()), Limits::default());
//! assert_eq!(reader.read_message_begin()?, sent);
//! assert_eq!(reader.read_string()?, "hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use bytes::Bytes;

use super::core::{ReaderCore, message_type, too_long, unexpected_eof};
use super::text;
use super::{
    FastStr, FieldHeader, Limits, ListHeader, MapHeader, MessageHeader, ReadBuf, Reader, TType,
    WriteBuf, Writer,
};
use crate::protocol::{DecodeError, DecodeErrorKind, EncodeError};

const PROTOCOL_ID: u8 = 0x82;
const VERSION: u8 = 1;
const VERSION_MASK: u8 = 0x1f;
const TYPE_SHIFT: u8 = 5;

/// Compact type nibbles. Bool fields use TRUE/FALSE as their type; bool elements use TRUE as the element type.
mod nibble {
    pub(super) const STOP: u8 = 0;
    pub(super) const TRUE: u8 = 1;
    pub(super) const FALSE: u8 = 2;
    pub(super) const I8: u8 = 3;
    pub(super) const I16: u8 = 4;
    pub(super) const I32: u8 = 5;
    pub(super) const I64: u8 = 6;
    pub(super) const DOUBLE: u8 = 7;
    pub(super) const BINARY: u8 = 8;
    pub(super) const LIST: u8 = 9;
    pub(super) const SET: u8 = 10;
    pub(super) const MAP: u8 = 11;
    pub(super) const STRUCT: u8 = 12;
    pub(super) const UUID: u8 = 13;
}

/// The nibble for a field or element of `ttype` (TRUE for bool elements, as Apache writes them).
#[inline]
fn to_nibble(ttype: TType) -> u8 {
    match ttype {
        TType::Stop => nibble::STOP,
        TType::Bool => nibble::TRUE,
        TType::I8 => nibble::I8,
        TType::I16 => nibble::I16,
        TType::I32 => nibble::I32,
        TType::I64 => nibble::I64,
        TType::Double => nibble::DOUBLE,
        TType::Binary => nibble::BINARY,
        TType::List => nibble::LIST,
        TType::Set => nibble::SET,
        TType::Map => nibble::MAP,
        TType::Struct => nibble::STRUCT,
        TType::Uuid => nibble::UUID,
    }
}

/// The type a nibble stands for; STOP only matters to the caller (end of struct, or an empty container).
#[inline]
fn from_nibble(value: u8) -> Option<TType> {
    Some(match value {
        nibble::STOP => TType::Stop,
        nibble::TRUE | nibble::FALSE => TType::Bool,
        nibble::I8 => TType::I8,
        nibble::I16 => TType::I16,
        nibble::I32 => TType::I32,
        nibble::I64 => TType::I64,
        nibble::DOUBLE => TType::Double,
        nibble::BINARY => TType::Binary,
        nibble::LIST => TType::List,
        nibble::SET => TType::Set,
        nibble::MAP => TType::Map,
        nibble::STRUCT => TType::Struct,
        nibble::UUID => TType::Uuid,
        _ => return None,
    })
}

/// The type of a container's elements, keys or values, read at `offset`.
#[inline]
fn element_type(offset: usize, what: &'static str, id: u8) -> Result<TType, DecodeError> {
    from_nibble(id)
        .ok_or_else(|| DecodeError::from(DecodeErrorKind::UnknownType { offset, what, id }))
}

/// The fewest bytes one element of `ttype` takes; STOP elements only fit in an empty container.
#[inline]
fn min_size(ttype: TType) -> usize {
    match ttype {
        TType::Stop => usize::MAX,
        TType::Double => 8,
        TType::Uuid => 16,
        _ => 1,
    }
}

#[inline]
fn zigzag32(value: i32) -> u32 {
    ((value << 1) ^ (value >> 31)) as u32
}

#[inline]
fn zigzag64(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

#[inline]
fn unzigzag32(value: u32) -> i32 {
    (value >> 1) as i32 ^ -((value & 1) as i32)
}

#[inline]
fn unzigzag64(value: u64) -> i64 {
    (value >> 1) as i64 ^ -((value & 1) as i64)
}

/// The high bit of every byte of a word: a varint's continuation flags.
const CONTINUATION_BITS: u64 = 0x8080_8080_8080_8080;

/// Appends `value` as an unsigned LEB128 varint.
///
/// Values below 2^56 (up to eight bytes) are spread into their 7-bit groups with a few shifts and masks
/// instead of a byte loop, and appended as one word. Always inlined: the one- and two-byte cases (field ids,
/// lengths, small numbers) are a compare and a store at the call site.
#[inline(always)]
fn put_varint<B: WriteBuf>(buf: &mut B, value: u64) {
    if value < 0x80 {
        buf.push_slice(&[value as u8]);
    } else if value < 1 << 14 {
        buf.push_slice(&[value as u8 | 0x80, (value >> 7) as u8]);
    } else if value < 1 << 56 {
        put_varint_word(buf, value);
    } else {
        put_varint_nine_or_ten(buf, value);
    }
}

/// A varint of three to eight bytes.
#[inline]
fn put_varint_word<B: WriteBuf>(buf: &mut B, value: u64) {
    // Move each 7-bit group into its own byte: 28-bit halves into 32-bit lanes, then 14-bit quarters into
    // 16-bit lanes, then 7-bit groups into bytes.
    let mut word = (value & 0x0fff_ffff) | ((value & 0x00ff_ffff_f000_0000) << 4);
    word = (word & 0x0000_3fff_0000_3fff) | ((word & 0x0fff_c000_0fff_c000) << 2);
    word = (word & 0x007f_007f_007f_007f) | ((word & 0x3f80_3f80_3f80_3f80) << 1);
    let bits = 64 - value.leading_zeros() as usize;
    let len = bits.div_ceil(7);
    // Every byte but the last says "more follows".
    let more = CONTINUATION_BITS & (u64::MAX >> (64 - 8 * (len - 1)));
    buf.push_prefix((word | more).to_le_bytes(), len);
}

/// A varint of nine or ten bytes: values of 2^56 and above (i64s of very large magnitude).
#[cold]
#[inline(never)]
fn put_varint_nine_or_ten<B: WriteBuf>(buf: &mut B, mut value: u64) {
    let mut bytes = [0u8; 10];
    let mut len = 0;
    for slot in &mut bytes {
        len += 1;
        if value < 0x80 {
            *slot = value as u8;
            break;
        }
        *slot = value as u8 | 0x80;
        value >>= 7;
    }
    if len == 9 {
        buf.push_slice(&bytes[..9]);
    } else {
        buf.push_slice(&bytes);
    }
}

/// Decodes a varint of up to eight bytes from an eight-byte window without a byte loop: the first byte whose
/// high bit is clear ends it, and the 7-bit groups are packed back together with shifts and masks. `None`
/// when all eight bytes say "more follows".
#[inline]
fn decode_varint_word(window: &[u8; 8]) -> Option<(u64, usize)> {
    let word = u64::from_le_bytes(*window);
    let stops = !word & CONTINUATION_BITS;
    if stops == 0 {
        return None;
    }
    let len = stops.trailing_zeros() as usize / 8 + 1;
    // Bits up to and including the last byte's (clear) high bit.
    let mut value = word & (stops ^ (stops - 1)) & !CONTINUATION_BITS;
    value = (value & 0x007f_007f_007f_007f) | ((value & 0x7f00_7f00_7f00_7f00) >> 1);
    value = (value & 0x0000_3fff_0000_3fff) | ((value & 0x3fff_0000_3fff_0000) >> 2);
    value = (value & 0x0000_0000_0fff_ffff) | ((value & 0x0fff_ffff_0000_0000) >> 4);
    Some((value, len))
}

/// The last field id of each struct being written or read around the current one. Sixteen levels live inline
/// so ordinary nesting never allocates; deeper levels spill to the heap.
#[derive(Debug, Default)]
struct FieldIdStack {
    inline: [i16; 16],
    len: usize,
    spill: Vec<i16>,
}

impl FieldIdStack {
    #[inline]
    fn push(&mut self, id: i16) {
        match self.inline.get_mut(self.len) {
            Some(slot) => *slot = id,
            None => self.spill.push(id),
        }
        self.len += 1;
    }

    #[inline]
    fn pop(&mut self) -> i16 {
        if self.len == 0 {
            return 0;
        }
        self.len -= 1;
        match self.inline.get(self.len) {
            Some(&id) => id,
            None => self.spill.pop().unwrap_or(0),
        }
    }
}

/// Writes the compact protocol into a [`WriteBuf`] (`BytesMut`, `Vec<u8>`, or `&mut` either).
///
/// Every value goes straight into the buffer; struct nesting up to 16 levels is tracked without allocating.
#[derive(Debug)]
pub struct CompactWriter<B> {
    buf: B,
    last_field_id: i16,
    enclosing: FieldIdStack,
    /// A bool field's id waits here for its value, which goes into the field header.
    pending_bool_field: Option<i16>,
}

impl<B: WriteBuf> CompactWriter<B> {
    /// A writer appending to `buf`.
    pub fn new(buf: B) -> Self {
        CompactWriter {
            buf,
            last_field_id: 0,
            enclosing: FieldIdStack::default(),
            pending_bool_field: None,
        }
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> B {
        self.buf
    }

    /// The buffer written so far.
    pub fn get_ref(&self) -> &B {
        &self.buf
    }

    /// The buffer, mutably (for example to reserve room up front).
    pub fn get_mut(&mut self) -> &mut B {
        &mut self.buf
    }

    /// Always inlined: the short form is one store at the call site, and generated code has one call per field.
    #[inline(always)]
    fn write_field_header(&mut self, type_nibble: u8, id: i16) {
        let delta = i32::from(id) - i32::from(self.last_field_id);
        if (1..=15).contains(&delta) {
            self.buf.push_slice(&[(delta as u8) << 4 | type_nibble]);
            self.last_field_id = id;
        } else {
            self.write_long_field_header(type_nibble, id);
        }
    }

    #[inline(never)]
    fn write_long_field_header(&mut self, type_nibble: u8, id: i16) {
        self.buf.push_slice(&[type_nibble]);
        put_varint(&mut self.buf, u64::from(zigzag32(i32::from(id))));
        self.last_field_id = id;
    }

    #[inline]
    fn write_len(&mut self, what: &'static str, len: usize) -> Result<(), EncodeError> {
        if len > i32::MAX as usize {
            return Err(too_long(what, len));
        }
        put_varint(&mut self.buf, len as u64);
        Ok(())
    }

    #[inline]
    fn write_bytes(&mut self, what: &'static str, value: &[u8]) -> Result<(), EncodeError> {
        self.write_len(what, value.len())?;
        self.buf.push_slice(value);
        Ok(())
    }

    #[inline]
    fn write_collection_begin(
        &mut self,
        what: &'static str,
        elem: TType,
        len: usize,
    ) -> Result<(), EncodeError> {
        let elem = to_nibble(elem);
        if len <= 14 {
            self.buf.push_slice(&[(len as u8) << 4 | elem]);
            Ok(())
        } else {
            if len > i32::MAX as usize {
                return Err(too_long(what, len));
            }
            self.buf.push_slice(&[0xf0 | elem]);
            self.write_len(what, len)
        }
    }
}

impl<B: WriteBuf> Writer for CompactWriter<B> {
    #[inline]
    fn write_message_begin(&mut self, header: &MessageHeader) -> Result<(), EncodeError> {
        self.buf
            .push_slice(&[PROTOCOL_ID, (header.kind as u8) << TYPE_SHIFT | VERSION]);
        // The seqid travels as a plain varint of its 32 bits, as Apache's C++ and Java write it.
        put_varint(&mut self.buf, u64::from(header.seqid as u32));
        self.write_bytes("message name", header.name.as_bytes())
    }

    #[inline]
    fn write_message_end(&mut self) -> Result<(), EncodeError> {
        Ok(())
    }

    #[inline(always)]
    fn write_struct_begin(&mut self, _name: &str) -> Result<(), EncodeError> {
        self.enclosing.push(self.last_field_id);
        self.last_field_id = 0;
        Ok(())
    }

    #[inline(always)]
    fn write_struct_end(&mut self) -> Result<(), EncodeError> {
        self.last_field_id = self.enclosing.pop();
        Ok(())
    }

    #[inline(always)]
    fn write_field_begin(&mut self, _name: &str, ttype: TType, id: i16) -> Result<(), EncodeError> {
        if ttype == TType::Bool {
            self.pending_bool_field = Some(id);
        } else {
            self.write_field_header(to_nibble(ttype), id);
        }
        Ok(())
    }

    #[inline(always)]
    fn write_field_end(&mut self) -> Result<(), EncodeError> {
        Ok(())
    }

    #[inline(always)]
    fn write_field_stop(&mut self) -> Result<(), EncodeError> {
        self.buf.push_slice(&[nibble::STOP]);
        Ok(())
    }

    #[inline(always)]
    fn write_bool(&mut self, value: bool) -> Result<(), EncodeError> {
        let type_nibble = if value { nibble::TRUE } else { nibble::FALSE };
        match self.pending_bool_field.take() {
            Some(id) => self.write_field_header(type_nibble, id),
            None => self.buf.push_slice(&[type_nibble]),
        }
        Ok(())
    }

    #[inline(always)]
    fn write_i8(&mut self, value: i8) -> Result<(), EncodeError> {
        self.buf.push_slice(&value.to_be_bytes());
        Ok(())
    }

    #[inline(always)]
    fn write_i16(&mut self, value: i16) -> Result<(), EncodeError> {
        put_varint(&mut self.buf, u64::from(zigzag32(i32::from(value))));
        Ok(())
    }

    #[inline(always)]
    fn write_i32(&mut self, value: i32) -> Result<(), EncodeError> {
        put_varint(&mut self.buf, u64::from(zigzag32(value)));
        Ok(())
    }

    #[inline(always)]
    fn write_i64(&mut self, value: i64) -> Result<(), EncodeError> {
        put_varint(&mut self.buf, zigzag64(value));
        Ok(())
    }

    #[inline(always)]
    fn write_double(&mut self, value: f64) -> Result<(), EncodeError> {
        self.buf.push_slice(&value.to_le_bytes());
        Ok(())
    }

    #[inline]
    fn write_string(&mut self, value: &str) -> Result<(), EncodeError> {
        self.write_bytes("string", value.as_bytes())
    }

    #[inline]
    fn write_binary(&mut self, value: &[u8]) -> Result<(), EncodeError> {
        self.write_bytes("binary", value)
    }

    #[inline]
    fn write_uuid(&mut self, value: &[u8; 16]) -> Result<(), EncodeError> {
        self.buf.push_slice(value);
        Ok(())
    }

    #[inline]
    fn write_list_begin(&mut self, elem: TType, len: usize) -> Result<(), EncodeError> {
        self.write_collection_begin("list", elem, len)
    }

    #[inline(always)]
    fn write_list_end(&mut self) -> Result<(), EncodeError> {
        Ok(())
    }

    #[inline]
    fn write_set_begin(&mut self, elem: TType, len: usize) -> Result<(), EncodeError> {
        self.write_collection_begin("set", elem, len)
    }

    #[inline(always)]
    fn write_set_end(&mut self) -> Result<(), EncodeError> {
        Ok(())
    }

    #[inline]
    fn write_map_begin(&mut self, key: TType, value: TType, len: usize) -> Result<(), EncodeError> {
        if len == 0 {
            self.buf.push_slice(&[0]);
            return Ok(());
        }
        self.write_len("map", len)?;
        self.buf
            .push_slice(&[to_nibble(key) << 4 | to_nibble(value)]);
        Ok(())
    }

    #[inline(always)]
    fn write_map_end(&mut self) -> Result<(), EncodeError> {
        Ok(())
    }
}

/// Reads the compact protocol from untrusted input, enforcing [`Limits`].
///
/// Varints longer than their type allows, or carrying bits beyond it, are rejected rather than truncated.
#[derive(Debug)]
pub struct CompactReader<S> {
    core: ReaderCore<S>,
    last_field_id: i16,
    enclosing: FieldIdStack,
    /// The value of a bool field, read from its header, waiting for `read_bool`.
    pending_bool: Option<bool>,
}

impl<S: ReadBuf> CompactReader<S> {
    /// A reader over `input` that enforces `limits`.
    pub fn new(input: S, limits: Limits) -> Self {
        CompactReader {
            core: ReaderCore::new(input, limits),
            last_field_id: 0,
            enclosing: FieldIdStack::default(),
            pending_bool: None,
        }
    }

    /// Gives the input back, positioned after what has been read.
    pub fn into_inner(self) -> S {
        self.core.input
    }

    /// The input, positioned after what has been read.
    pub fn get_ref(&self) -> &S {
        &self.core.input
    }

    /// The limits this reader enforces.
    pub fn limits(&self) -> &Limits {
        &self.core.limits
    }

    /// Reads a varint of at most 32 bits (five bytes).
    #[inline]
    fn read_varint32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        if let Some(&byte) = self.core.input.chunk().first() {
            if byte < 0x80 {
                self.core.input.advance(1);
                return Ok(u32::from(byte));
            }
        }
        if let Some((value, len)) = self
            .core
            .input
            .chunk()
            .first_chunk::<8>()
            .and_then(decode_varint_word)
        {
            if len <= 5 && value <= u64::from(u32::MAX) {
                self.core.input.advance(len);
                return Ok(value as u32);
            }
        }
        self.read_varint_long(what, 5).map(|value| value as u32)
    }

    /// Reads a varint of at most 64 bits (ten bytes).
    #[inline]
    fn read_varint64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        if let Some(&byte) = self.core.input.chunk().first() {
            if byte < 0x80 {
                self.core.input.advance(1);
                return Ok(u64::from(byte));
            }
        }
        if let Some((value, len)) = self
            .core
            .input
            .chunk()
            .first_chunk::<8>()
            .and_then(decode_varint_word)
        {
            self.core.input.advance(len);
            return Ok(value);
        }
        self.read_varint_long(what, 10)
    }

    /// Reads a varint of up to `max_len` bytes (5 for 32 bits, 10 for 64) and rejects bits beyond that width.
    fn read_varint_long(&mut self, what: &'static str, max_len: usize) -> Result<u64, DecodeError> {
        let chunk = self.core.input.chunk();
        let mut value = 0u64;
        let mut end = None;
        for (index, &byte) in chunk.iter().take(max_len).enumerate() {
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte < 0x80 {
                end = Some((index + 1, byte));
                break;
            }
        }
        let Some((len, last)) = end else {
            if chunk.len() < max_len {
                return Err(unexpected_eof(&self.core.input, what, chunk.len() + 1));
            }
            return Err(self.invalid_varint(what, format!("varint longer than {max_len} bytes")));
        };
        let overflows = if max_len == 10 {
            len == 10 && last > 1
        } else {
            value > u64::from(u32::MAX)
        };
        if overflows {
            let bits = if max_len == 10 { 64 } else { 32 };
            return Err(self.invalid_varint(what, format!("varint does not fit in {bits} bits")));
        }
        self.core.input.advance(len);
        Ok(value)
    }

    #[cold]
    fn invalid_varint(&self, what: &'static str, detail: String) -> DecodeError {
        DecodeError::from(DecodeErrorKind::InvalidData {
            offset: self.core.input.consumed(),
            what,
            detail,
        })
    }

    #[inline]
    fn read_zigzag_i16(&mut self, what: &'static str) -> Result<i16, DecodeError> {
        let offset = self.core.input.consumed();
        let value = unzigzag32(self.read_varint32(what)?);
        i16::try_from(value).map_err(|_| {
            DecodeError::from(DecodeErrorKind::InvalidData {
                offset,
                what,
                detail: format!("{value} does not fit in i16"),
            })
        })
    }

    /// Reads a varint length prefix and checks it against the string limit and the bytes left.
    #[inline(always)]
    fn read_byte_len(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        let start = self.core.input.consumed();
        let len = self.read_varint32(what)? as i32;
        self.core.byte_len(start, what, i64::from(len))
    }

    /// A string whose fast path in `read_string` failed: a long length, a bad one, missing bytes or invalid
    /// text.
    #[cold]
    #[inline(never)]
    fn read_string_carefully(&mut self) -> Result<String, DecodeError> {
        let len = self.read_byte_len("string")?;
        self.core.read_utf8(len, "string")
    }

    /// Any field header, byte by byte: the long form, the stop marker, bad type nibbles, the end of the input.
    #[inline(never)]
    fn read_field_begin_carefully(&mut self) -> Result<FieldHeader, DecodeError> {
        let start = self.core.input.consumed();
        let byte = self.core.read_u8("field header")?;
        let type_nibble = byte & 0x0f;
        self.pending_bool = None;
        if type_nibble == nibble::STOP {
            return Ok(FieldHeader {
                ttype: TType::Stop,
                id: 0,
            });
        }
        let Some(ttype) = from_nibble(type_nibble) else {
            return Err(DecodeError::from(DecodeErrorKind::UnknownType {
                offset: start,
                what: "field type",
                id: type_nibble,
            }));
        };
        let delta = byte >> 4;
        let id = if delta == 0 {
            self.read_zigzag_i16("field id")?
        } else {
            match self.last_field_id.checked_add(i16::from(delta)) {
                Some(id) => id,
                None => {
                    return Err(DecodeError::from(DecodeErrorKind::InvalidData {
                        offset: start,
                        what: "field id",
                        detail: format!("{} + {delta} overflows i16", self.last_field_id),
                    }));
                }
            }
        };
        self.last_field_id = id;
        match type_nibble {
            nibble::TRUE => self.pending_bool = Some(true),
            nibble::FALSE => self.pending_bool = Some(false),
            _ => {}
        }
        Ok(FieldHeader { ttype, id })
    }

    #[inline(always)]
    fn read_collection_header(&mut self, what: &'static str) -> Result<ListHeader, DecodeError> {
        let start = self.core.input.consumed();
        self.core.enter_at(start)?;
        let byte = self.core.read_u8(what)?;
        let elem = element_type(start, what, byte & 0x0f)?;
        let short_len = byte >> 4;
        let len = if short_len == 15 {
            i64::from(self.read_varint32(what)? as i32)
        } else {
            i64::from(short_len)
        };
        let len = self.core.container_len(start, what, len, min_size(elem))?;
        Ok(ListHeader { elem, len })
    }
}

impl<S: ReadBuf> Reader for CompactReader<S> {
    fn read_message_begin(&mut self) -> Result<MessageHeader, DecodeError> {
        let start = self.core.input.consumed();
        let protocol = self.core.read_u8("message header")?;
        if protocol != PROTOCOL_ID {
            return Err(DecodeError::from(DecodeErrorKind::BadVersion {
                offset: start,
                detail: format!("expected compact protocol id 0x82, found {protocol:#04x}"),
            }));
        }
        let version_and_type = self.core.read_u8("message header")?;
        let version = version_and_type & VERSION_MASK;
        if version != VERSION {
            return Err(DecodeError::from(DecodeErrorKind::BadVersion {
                offset: start,
                detail: format!("expected compact protocol version 1, found {version}"),
            }));
        }
        let kind = message_type(start + 1, version_and_type >> TYPE_SHIFT)?;
        let seqid = self.read_varint32("message seqid")? as i32;
        let len = self.read_byte_len("message name")?;
        let name = self.core.read_utf8(len, "message name")?;
        Ok(MessageHeader { name, kind, seqid })
    }

    #[inline]
    fn read_message_end(&mut self) -> Result<(), DecodeError> {
        Ok(())
    }

    #[inline(always)]
    fn read_struct_begin(&mut self) -> Result<(), DecodeError> {
        self.core.enter()?;
        self.enclosing.push(self.last_field_id);
        self.last_field_id = 0;
        Ok(())
    }

    #[inline]
    fn read_struct_end(&mut self) -> Result<(), DecodeError> {
        self.core.leave();
        self.last_field_id = self.enclosing.pop();
        Ok(())
    }

    #[inline]
    fn read_field_begin(&mut self) -> Result<FieldHeader, DecodeError> {
        self.pending_bool = None;
        if let Some(&byte) = self.core.input.chunk().first() {
            let type_nibble = byte & 0x0f;
            if type_nibble == nibble::STOP {
                self.core.input.advance(1);
                return Ok(FieldHeader {
                    ttype: TType::Stop,
                    id: 0,
                });
            }
            let delta = byte >> 4;
            if let (true, Some(ttype), Some(id)) = (
                delta != 0,
                from_nibble(type_nibble),
                self.last_field_id.checked_add(i16::from(delta)),
            ) {
                self.core.input.advance(1);
                self.last_field_id = id;
                if ttype == TType::Bool {
                    self.pending_bool = Some(type_nibble == nibble::TRUE);
                }
                return Ok(FieldHeader { ttype, id });
            }
        }
        self.read_field_begin_carefully()
    }

    #[inline]
    fn read_field_end(&mut self) -> Result<(), DecodeError> {
        Ok(())
    }

    #[inline]
    fn read_bool(&mut self) -> Result<bool, DecodeError> {
        if let Some(value) = self.pending_bool.take() {
            return Ok(value);
        }
        let offset = self.core.input.consumed();
        // Apache writes 1 and 2; the specification says 0 for false, so read that too.
        match self.core.read_u8("bool")? {
            nibble::TRUE => Ok(true),
            nibble::FALSE | 0 => Ok(false),
            other => Err(DecodeError::from(DecodeErrorKind::InvalidData {
                offset,
                what: "bool",
                detail: format!("{other} is neither 1 (true) nor 2 or 0 (false)"),
            })),
        }
    }

    #[inline]
    fn read_i8(&mut self) -> Result<i8, DecodeError> {
        self.core.read_u8("i8").map(|byte| byte as i8)
    }

    #[inline]
    fn read_i16(&mut self) -> Result<i16, DecodeError> {
        self.read_zigzag_i16("i16")
    }

    #[inline]
    fn read_i32(&mut self) -> Result<i32, DecodeError> {
        self.read_varint32("i32").map(unzigzag32)
    }

    #[inline]
    fn read_i64(&mut self) -> Result<i64, DecodeError> {
        self.read_varint64("i64").map(unzigzag64)
    }

    #[inline]
    fn read_double(&mut self) -> Result<f64, DecodeError> {
        self.core.read_array("double").map(f64::from_le_bytes)
    }

    #[inline(always)]
    fn read_string(&mut self) -> Result<String, DecodeError> {
        // The common case against one view of the input: a one-byte length (under 128), that many bytes
        // present, valid text. Anything else takes the careful path, which reports exactly what is wrong.
        if let Some((&prefix, rest)) = self.core.input.chunk().split_first() {
            let len = usize::from(prefix);
            if prefix < 0x80 && len <= self.core.limits.max_string_len {
                if let Some(text) = rest.get(..len).and_then(text::utf8) {
                    let text = text.to_owned();
                    self.core.input.advance(1 + len);
                    return Ok(text);
                }
            }
        }
        self.read_string_carefully()
    }

    #[inline]
    fn read_fast_str(&mut self) -> Result<FastStr, DecodeError> {
        let len = self.read_byte_len("string")?;
        self.core.read_fast_str(len, "string")
    }

    #[inline]
    fn read_binary(&mut self) -> Result<Bytes, DecodeError> {
        let len = self.read_byte_len("binary")?;
        Ok(self.core.read_bytes(len))
    }

    #[inline]
    fn read_uuid(&mut self) -> Result<[u8; 16], DecodeError> {
        self.core.read_uuid()
    }

    #[inline(always)]
    fn read_list_begin(&mut self) -> Result<ListHeader, DecodeError> {
        self.read_collection_header("list")
    }

    #[inline]
    fn read_list_end(&mut self) -> Result<(), DecodeError> {
        self.core.leave();
        Ok(())
    }

    #[inline(always)]
    fn read_set_begin(&mut self) -> Result<ListHeader, DecodeError> {
        self.read_collection_header("set")
    }

    #[inline]
    fn read_set_end(&mut self) -> Result<(), DecodeError> {
        self.core.leave();
        Ok(())
    }

    #[inline(always)]
    fn read_map_begin(&mut self) -> Result<MapHeader, DecodeError> {
        let start = self.core.input.consumed();
        self.core.enter_at(start)?;
        let len = i64::from(self.read_varint32("map")? as i32);
        if len == 0 {
            // An empty map is the single byte 0, without types.
            return Ok(MapHeader {
                key: TType::Stop,
                value: TType::Stop,
                len: 0,
            });
        }
        let types_offset = self.core.input.consumed();
        let types = if len > 0 {
            self.core.read_u8("map types")?
        } else {
            0
        };
        let key = element_type(types_offset, "map key type", types >> 4)?;
        let value = element_type(types_offset, "map value type", types & 0x0f)?;
        let min_entry = min_size(key).saturating_add(min_size(value));
        let len = self.core.container_len(start, "map", len, min_entry)?;
        Ok(MapHeader { key, value, len })
    }

    #[inline]
    fn read_map_end(&mut self) -> Result<(), DecodeError> {
        self.core.leave();
        Ok(())
    }

    #[inline]
    fn position(&self) -> usize {
        self.core.input.consumed()
    }
}

#[cfg(test)]
mod tests {
    use bytes::{Bytes, BytesMut};
    use proptest::prelude::*;

    use super::super::binary::fixtures::{EveryType, Nested, every_type, hex};
    use super::*;
    use crate::protocol::{BytesInput, MessageType, SliceInput, ThriftStruct};

    // Reference bytes written by Apache Thrift 0.25's Python TCompactProtocol for the same calls.
    const PING_CALL: &str = "8221010470696e6700";
    const EVERY_TYPE: &str = concat!(
        "11121380140315a9b4de7516909cb0d080c181820217000000000000f8bf180668c3a96c6c6f180200ffb93502",
        "01d8041a28016101621b0286016b01017a8080808080401c150e01d80400192101021b000405feff030d34001122",
        "33445566778899aabbccddeeff19f61400d00fa01ff02ec03e904ee05db06d807dd08c01a09c01f0ab01c0bb0190",
        "cb01e0da01b0ea0180fa01d08902a09902f0a80219179a9999999999b93f00",
    );
    /// list<i32> [0, -1, 1, -64, 63, 64, -65, i32::MAX, i32::MIN], list<i64> [0, -1, i64::MAX, i64::MIN,
    /// 1 << 40], list<i16> [i16::MAX, i16::MIN].
    const ZIGZAG_EDGES: &str = concat!(
        "19950001027f7e80018101feffffff0fffffffff0f19560001feffffffffffffffff01ffffffffffffffffff01",
        "8080808080401924feff03ffff0300",
    );
    /// Bool fields with ids 15, 30, 31, 46, 32767, -32768, -1, 1 (true when even), then i8 field 2 = 5.
    const FIELD_HEADERS: &str = "f2f112f102feff0301ffff03020122130500";
    /// { 1: i32 1, 2: { 10: i32 2, 20: bool false }, 3: i32 3, 4: list [{ 5: i32 4 }], 5: i32 5 }.
    const NESTED: &str = "15021ca504a2001506191c550800150a00";
    const ONEWAY_300: &str = "8281ac020470696e6700";

    const FIELD_IDS: [i16; 8] = [15, 30, 31, 46, 32767, -32768, -1, 1];

    fn encode<T: ThriftStruct>(value: &T) -> Vec<u8> {
        let mut buf = BytesMut::new();
        value.encode(&mut CompactWriter::new(&mut buf)).unwrap();
        buf.to_vec()
    }

    fn decode<T: ThriftStruct>(bytes: &[u8]) -> Result<T, DecodeError> {
        decode_with(bytes, Limits::default())
    }

    fn decode_with<T: ThriftStruct>(bytes: &[u8], limits: Limits) -> Result<T, DecodeError> {
        T::decode(&mut CompactReader::new(SliceInput::new(bytes), limits))
    }

    fn skip_struct(bytes: &[u8], limits: Limits) -> Result<usize, DecodeError> {
        let mut reader = CompactReader::new(SliceInput::new(bytes), limits);
        reader.skip(TType::Struct)?;
        Ok(reader.position())
    }

    fn reader(bytes: &[u8]) -> CompactReader<SliceInput<'_>> {
        CompactReader::new(SliceInput::new(bytes), Limits::default())
    }

    #[test]
    fn fast_str_reads_what_string_reads() {
        for text in ["", "short", &"é".repeat(40)] {
            let mut buf = BytesMut::new();
            CompactWriter::new(&mut buf).write_string(text).unwrap();
            let source = buf.freeze();
            let mut reader = CompactReader::new(BytesInput::new(source.clone()), Limits::default());
            assert_eq!(reader.read_fast_str().unwrap(), text);
            assert_eq!(reader.position(), source.len());
        }
        let bytes = hex("02c328");
        let mut reader = CompactReader::new(SliceInput::new(&bytes), Limits::default());
        assert_eq!(
            reader.read_fast_str().unwrap_err(),
            DecodeError::from(DecodeErrorKind::InvalidUtf8 { offset: 1 })
        );
    }

    #[test]
    fn ping_call_is_the_documented_bytes() {
        let header = MessageHeader {
            name: "ping".into(),
            kind: MessageType::Call,
            seqid: 1,
        };
        let mut writer = CompactWriter::new(Vec::new());
        writer.write_message_begin(&header).unwrap();
        writer.write_struct_begin("ping_args").unwrap();
        writer.write_field_stop().unwrap();
        writer.write_struct_end().unwrap();
        writer.write_message_end().unwrap();
        let buf = writer.into_inner();
        assert_eq!(buf, hex(PING_CALL));

        let mut reader = reader(&buf);
        assert_eq!(reader.read_message_begin().unwrap(), header);
        reader.skip(TType::Struct).unwrap();
        reader.read_message_end().unwrap();
        assert_eq!(reader.position(), buf.len());
    }

    #[test]
    fn every_type_matches_apache() {
        assert_eq!(encode(&every_type()), hex(EVERY_TYPE));
        assert_eq!(decode::<EveryType>(&hex(EVERY_TYPE)).unwrap(), every_type());
    }

    #[test]
    fn binary_from_bytes_input_is_not_copied() {
        let source = Bytes::from(hex(EVERY_TYPE));
        let mut reader = CompactReader::new(BytesInput::new(source.clone()), Limits::default());
        let value = EveryType::decode(&mut reader).unwrap();
        assert!(
            source.as_ptr_range().contains(&value.bin.as_ptr()),
            "binary was copied"
        );
        assert_eq!(value, every_type());
    }

    #[test]
    fn skip_consumes_every_type_exactly() {
        let bytes = hex(EVERY_TYPE);
        assert_eq!(skip_struct(&bytes, Limits::default()), Ok(bytes.len()));
    }

    #[test]
    fn zigzag_edge_values_match_apache() {
        let i32s = [0, -1, 1, -64, 63, 64, -65, i32::MAX, i32::MIN];
        let i64s = [0, -1, i64::MAX, i64::MIN, 1 << 40];
        let i16s = [i16::MAX, i16::MIN];
        let mut writer = CompactWriter::new(Vec::new());
        writer.write_struct_begin("S").unwrap();
        writer.write_field_begin("a", TType::List, 1).unwrap();
        writer.write_list_begin(TType::I32, i32s.len()).unwrap();
        for v in i32s {
            writer.write_i32(v).unwrap();
        }
        writer.write_field_begin("b", TType::List, 2).unwrap();
        writer.write_list_begin(TType::I64, i64s.len()).unwrap();
        for v in i64s {
            writer.write_i64(v).unwrap();
        }
        writer.write_field_begin("c", TType::List, 3).unwrap();
        writer.write_list_begin(TType::I16, i16s.len()).unwrap();
        for v in i16s {
            writer.write_i16(v).unwrap();
        }
        writer.write_field_stop().unwrap();
        writer.write_struct_end().unwrap();
        let bytes = hex(ZIGZAG_EDGES);
        assert_eq!(writer.into_inner(), bytes);

        let mut reader = reader(&bytes);
        reader.read_struct_begin().unwrap();
        reader.read_field_begin().unwrap();
        let header = reader.read_list_begin().unwrap();
        assert_eq!(
            header,
            ListHeader {
                elem: TType::I32,
                len: 9
            }
        );
        for v in i32s {
            assert_eq!(reader.read_i32().unwrap(), v);
        }
        reader.read_list_end().unwrap();
        reader.read_field_begin().unwrap();
        reader.read_list_begin().unwrap();
        for v in i64s {
            assert_eq!(reader.read_i64().unwrap(), v);
        }
        reader.read_list_end().unwrap();
        reader.read_field_begin().unwrap();
        reader.read_list_begin().unwrap();
        for v in i16s {
            assert_eq!(reader.read_i16().unwrap(), v);
        }
        reader.read_list_end().unwrap();
        assert_eq!(reader.read_field_begin().unwrap().ttype, TType::Stop);
    }

    #[test]
    fn long_field_headers_and_bool_fields_match_apache() {
        let mut writer = CompactWriter::new(Vec::new());
        writer.write_struct_begin("S").unwrap();
        for id in FIELD_IDS {
            writer.write_field_begin("f", TType::Bool, id).unwrap();
            writer.write_bool(id % 2 == 0).unwrap();
            writer.write_field_end().unwrap();
        }
        writer.write_field_begin("g", TType::I8, 2).unwrap();
        writer.write_i8(5).unwrap();
        writer.write_field_stop().unwrap();
        writer.write_struct_end().unwrap();
        let bytes = hex(FIELD_HEADERS);
        assert_eq!(writer.into_inner(), bytes);

        let mut reader = reader(&bytes);
        reader.read_struct_begin().unwrap();
        for id in FIELD_IDS {
            assert_eq!(
                reader.read_field_begin().unwrap(),
                FieldHeader {
                    ttype: TType::Bool,
                    id
                }
            );
            assert_eq!(reader.read_bool().unwrap(), id % 2 == 0);
            reader.read_field_end().unwrap();
        }
        assert_eq!(
            reader.read_field_begin().unwrap(),
            FieldHeader {
                ttype: TType::I8,
                id: 2
            }
        );
        assert_eq!(reader.read_i8().unwrap(), 5);
        assert_eq!(reader.read_field_begin().unwrap().ttype, TType::Stop);
        reader.read_struct_end().unwrap();
        assert_eq!(skip_struct(&bytes, Limits::default()), Ok(bytes.len()));
    }

    #[test]
    fn nested_structs_restore_the_last_field_id() {
        let write = |w: &mut CompactWriter<Vec<u8>>| -> Result<(), EncodeError> {
            w.write_struct_begin("A")?;
            w.write_field_begin("x", TType::I32, 1)?;
            w.write_i32(1)?;
            w.write_field_begin("s", TType::Struct, 2)?;
            w.write_struct_begin("B")?;
            w.write_field_begin("y", TType::I32, 10)?;
            w.write_i32(2)?;
            w.write_field_begin("z", TType::Bool, 20)?;
            w.write_bool(false)?;
            w.write_field_stop()?;
            w.write_struct_end()?;
            w.write_field_begin("w", TType::I32, 3)?;
            w.write_i32(3)?;
            w.write_field_begin("l", TType::List, 4)?;
            w.write_list_begin(TType::Struct, 1)?;
            w.write_struct_begin("B")?;
            w.write_field_begin("y", TType::I32, 5)?;
            w.write_i32(4)?;
            w.write_field_stop()?;
            w.write_struct_end()?;
            w.write_list_end()?;
            w.write_field_begin("v", TType::I32, 5)?;
            w.write_i32(5)?;
            w.write_field_stop()?;
            w.write_struct_end()
        };
        let mut writer = CompactWriter::new(Vec::new());
        write(&mut writer).unwrap();
        let bytes = hex(NESTED);
        assert_eq!(writer.into_inner(), bytes);

        let mut reader = reader(&bytes);
        let mut seen = Vec::new();
        reader.read_struct_begin().unwrap();
        loop {
            let field = reader.read_field_begin().unwrap();
            if field.ttype == TType::Stop {
                break;
            }
            seen.push(field.id);
            reader.skip(field.ttype).unwrap();
        }
        reader.read_struct_end().unwrap();
        assert_eq!(seen, [1, 2, 3, 4, 5]);
        assert_eq!(reader.position(), bytes.len());
    }

    #[test]
    fn deep_nesting_spills_the_field_id_stack() {
        // 40 levels of { 1: struct { ... } } with a delta header at every level: ids must come back right.
        let mut writer = CompactWriter::new(Vec::new());
        for _ in 0..40 {
            writer.write_struct_begin("S").unwrap();
            writer.write_field_begin("x", TType::I8, 3).unwrap();
            writer.write_i8(1).unwrap();
            writer.write_field_begin("s", TType::Struct, 7).unwrap();
        }
        writer.write_struct_begin("S").unwrap();
        writer.write_field_stop().unwrap();
        writer.write_struct_end().unwrap();
        for _ in 0..40 {
            writer.write_field_begin("y", TType::I8, 9).unwrap();
            writer.write_i8(2).unwrap();
            writer.write_field_stop().unwrap();
            writer.write_struct_end().unwrap();
        }
        let bytes = writer.into_inner();
        // Every level: 33 01 (id 3), 4c (id 7, struct), ..., 23 02 (id 9 as delta 2 from 7), 00.
        assert_eq!(&bytes[..3], &[0x33, 0x01, 0x4c]);
        assert_eq!(&bytes[bytes.len() - 3..], &[0x23, 0x02, 0x00]);
        assert_eq!(skip_struct(&bytes, Limits::default()), Ok(bytes.len()));
    }

    #[test]
    fn messages_match_apache() {
        let bytes = hex(ONEWAY_300);
        let header = MessageHeader {
            name: "ping".into(),
            kind: MessageType::Oneway,
            seqid: 300,
        };
        assert_eq!(reader(&bytes).read_message_begin().unwrap(), header);
        let mut writer = CompactWriter::new(Vec::new());
        writer.write_message_begin(&header).unwrap();
        assert_eq!(writer.into_inner(), &bytes[..bytes.len() - 1]);
    }

    #[test]
    fn negative_seqid_travels_as_its_32_bits() {
        let header = MessageHeader {
            name: String::new(),
            kind: MessageType::Reply,
            seqid: -1,
        };
        let mut writer = CompactWriter::new(Vec::new());
        writer.write_message_begin(&header).unwrap();
        let bytes = writer.into_inner();
        assert_eq!(bytes, hex("8241ffffffff0f00"));
        assert_eq!(reader(&bytes).read_message_begin().unwrap(), header);
    }

    #[test]
    fn rejects_bad_message_headers() {
        assert!(matches!(
            reader(&hex("8021010470696e67"))
                .read_message_begin()
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::BadVersion { offset: 0, .. })
        ));
        assert!(matches!(
            reader(&hex("8222010470696e67"))
                .read_message_begin()
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::BadVersion { offset: 0, .. })
        ));
        assert!(matches!(
            reader(&hex("82a1010470696e67"))
                .read_message_begin()
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::InvalidData {
                offset: 1,
                what: "message type",
                ..
            })
        ));
    }

    #[test]
    fn bool_elements_accept_every_apache_spelling() {
        // list<bool> with element type 1 (what Apache writes) and 2 (what the specification names), values
        // 1, 2 and 0.
        for list in ["31010200", "32010200"] {
            let bytes = hex(list);
            let mut reader = reader(&bytes);
            let header = reader.read_list_begin().unwrap();
            assert_eq!(
                header,
                ListHeader {
                    elem: TType::Bool,
                    len: 3
                }
            );
            let values: Vec<bool> = (0..3).map(|_| reader.read_bool().unwrap()).collect();
            assert_eq!(values, [true, false, false]);
        }
        assert_eq!(
            reader(&hex("1103")).skip(TType::List),
            Err(DecodeError::from(DecodeErrorKind::InvalidData {
                offset: 1,
                what: "bool",
                detail: "3 is neither 1 (true) nor 2 or 0 (false)".into()
            }))
        );
        // map<bool, bool> with both spellings of the type nibble.
        let map = hex("021201020200");
        let mut reader = reader(&map);
        let header = reader.read_map_begin().unwrap();
        assert_eq!(
            (header.key, header.value, header.len),
            (TType::Bool, TType::Bool, 2)
        );
    }

    #[test]
    fn maps_and_lists_use_their_short_forms() {
        let mut writer = CompactWriter::new(Vec::new());
        writer
            .write_map_begin(TType::Binary, TType::I32, 0)
            .unwrap();
        writer
            .write_map_begin(TType::Binary, TType::I32, 300)
            .unwrap();
        writer.write_list_begin(TType::Double, 14).unwrap();
        writer.write_list_begin(TType::Double, 15).unwrap();
        writer.write_set_begin(TType::Uuid, 0).unwrap();
        assert_eq!(writer.into_inner(), hex("00ac0285e7f70f0d"));

        let empty = hex("00");
        let mut reader = reader(&empty);
        assert_eq!(
            reader.read_map_begin().unwrap(),
            MapHeader {
                key: TType::Stop,
                value: TType::Stop,
                len: 0
            }
        );
        reader.read_map_end().unwrap();
        assert_eq!(reader.position(), 1);
    }

    #[test]
    fn overlong_varints_are_invalid() {
        // i32 with a sixth byte.
        assert_eq!(
            reader(&hex("808080808000")).read_i32(),
            Err(DecodeError::from(DecodeErrorKind::InvalidData {
                offset: 0,
                what: "i32",
                detail: "varint longer than 5 bytes".into()
            }))
        );
        // i32 whose fifth byte carries bits beyond 32.
        assert!(matches!(
            reader(&hex("ffffffff1f"))
                .read_i32()
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::InvalidData { what: "i32", .. })
        ));
        // i64 with an eleventh byte, and one whose tenth byte carries bits beyond 64.
        assert!(matches!(
            reader(&hex("ffffffffffffffffff8001"))
                .read_i64()
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::InvalidData { what: "i64", .. })
        ));
        assert!(matches!(
            reader(&hex("ffffffffffffffffff02"))
                .read_i64()
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::InvalidData { what: "i64", .. })
        ));
        // A non-canonical but in-range varint is fine (Apache accepts it too).
        assert_eq!(reader(&hex("8000")).read_i32(), Ok(0));
        // i16 beyond its range.
        assert!(matches!(
            reader(&hex("808004"))
                .read_i16()
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::InvalidData { what: "i16", .. })
        ));
        // A varint cut short is a truncation, reported at the end of the input.
        assert_eq!(
            reader(&hex("ffff")).read_i64(),
            Err(DecodeError::from(DecodeErrorKind::UnexpectedEof {
                offset: 2,
                what: "i64",
                needed: 1
            }))
        );
    }

    #[test]
    fn field_id_overflow_is_invalid() {
        // Long header id 32767, then a delta of 1.
        assert_eq!(
            skip_struct(&hex("03feff0301130100"), Limits::default()),
            Err(DecodeError::from(DecodeErrorKind::InvalidData {
                offset: 5,
                what: "field id",
                detail: "32767 + 1 overflows i16".into()
            }))
        );
    }

    #[test]
    fn unknown_type_nibbles_are_rejected() {
        assert_eq!(
            skip_struct(&hex("1e00"), Limits::default()),
            Err(DecodeError::from(DecodeErrorKind::UnknownType {
                offset: 0,
                what: "field type",
                id: 14
            }))
        );
        assert_eq!(
            skip_struct(&hex("191f"), Limits::default()),
            Err(DecodeError::from(DecodeErrorKind::UnknownType {
                offset: 1,
                what: "list",
                id: 15
            }))
        );
        assert_eq!(
            skip_struct(&hex("1b01e5"), Limits::default()),
            Err(DecodeError::from(DecodeErrorKind::UnknownType {
                offset: 2,
                what: "map key type",
                id: 14
            }))
        );
    }

    #[test]
    fn every_truncation_is_an_error_at_the_end() {
        let bytes = hex(EVERY_TYPE);
        for cut in 0..bytes.len() {
            match decode::<EveryType>(&bytes[..cut])
                .as_ref()
                .map_err(DecodeError::kind)
            {
                Err(DecodeErrorKind::UnexpectedEof { offset, needed, .. }) => {
                    assert_eq!(*offset, cut, "cut at {cut}");
                    assert!(*needed >= 1);
                }
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn lengths_are_checked_before_allocating() {
        // Field 8 (string) with length 0xffffffff, which is -1 as the i32 the protocol defines.
        assert_eq!(
            decode::<EveryType>(&hex("88ffffffff0f")),
            Err(DecodeError::from(DecodeErrorKind::NegativeLength {
                offset: 1,
                what: "string",
                len: -1
            }))
        );
        let limits = Limits {
            max_string_len: 3,
            max_container_len: 2,
            ..Limits::default()
        };
        assert_eq!(
            decode_with::<EveryType>(&hex("880461626364"), limits),
            Err(DecodeError::from(DecodeErrorKind::LimitExceeded {
                offset: 1,
                what: "string",
                len: 4,
                limit: 3
            }))
        );
        assert_eq!(
            decode::<EveryType>(&hex("8880016162")),
            Err(DecodeError::from(DecodeErrorKind::UnexpectedEof {
                offset: 5,
                what: "string",
                needed: 126
            }))
        );
        // list<i32> (field 20) of 3 against a limit of 2.
        assert_eq!(
            decode_with::<EveryType>(&hex("09283502015804"), limits),
            Err(DecodeError::from(DecodeErrorKind::LimitExceeded {
                offset: 2,
                what: "list",
                len: 3,
                limit: 2
            }))
        );
        // list<double> (field 28) claiming 1000 elements: 8000 bytes needed, 2 present.
        assert_eq!(
            decode::<EveryType>(&hex("0938f7e8070000")),
            Err(DecodeError::from(DecodeErrorKind::UnexpectedEof {
                offset: 7,
                what: "list",
                needed: 7998
            }))
        );
        // list<uuid> claiming 2 elements: 32 bytes needed.
        assert!(matches!(
            skip_struct(&hex("192d0000"), Limits::default())
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::UnexpectedEof {
                what: "list",
                needed: 30,
                ..
            })
        ));
        // map of 0x7fffffff entries.
        assert!(matches!(
            skip_struct(&hex("1bffffffff0755"), Limits::default())
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::LimitExceeded { what: "map", .. })
        ));
        // map with a negative count.
        assert_eq!(
            skip_struct(&hex("1bffffffff0f"), Limits::default()),
            Err(DecodeError::from(DecodeErrorKind::NegativeLength {
                offset: 1,
                what: "map",
                len: -1
            }))
        );
        // list<stop> with elements.
        assert!(matches!(
            skip_struct(&hex("19100000"), Limits::default())
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::InvalidData { what: "list", .. })
        ));
    }

    #[test]
    fn invalid_utf8_is_rejected_at_the_string_bytes() {
        assert_eq!(
            decode::<EveryType>(&hex("8802c328")),
            Err(DecodeError::from(DecodeErrorKind::InvalidUtf8 {
                offset: 2
            }))
        );
    }

    #[test]
    fn nesting_depth_is_bounded() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        // struct { 1: list<list<i32>> [[]] } is three levels; one more struct level is too deep.
        assert_eq!(skip_struct(&hex("19190500"), limits), Ok(4));
        assert_eq!(
            skip_struct(&hex("1c1c1c000000"), limits),
            Err(DecodeError::from(DecodeErrorKind::DepthExceeded {
                offset: 3,
                limit: 3
            }))
        );
        let mut hostile = hex("19");
        hostile.extend(std::iter::repeat_n(0x19, 100_000));
        assert!(matches!(
            skip_struct(&hostile, Limits::default())
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::DepthExceeded { limit: 64, .. })
        ));
    }

    #[test]
    fn a_bool_field_value_does_not_leak_into_the_next_read() {
        // Field 1 is a bool (true) that the reader skips by type; field 2 is a list<bool> [false].
        let bytes = hex("1119120200");
        let mut reader = reader(&bytes);
        reader.read_struct_begin().unwrap();
        assert_eq!(reader.read_field_begin().unwrap().ttype, TType::Bool);
        assert_eq!(reader.read_field_begin().unwrap().ttype, TType::List);
        reader.read_list_begin().unwrap();
        assert_eq!(reader.read_bool(), Ok(false));
    }

    #[test]
    fn nested_value_decodes_like_a_struct_field() {
        let nested = Nested { x: -5, flag: true };
        let bytes = encode(&nested);
        // { 1: i32 -5 (zigzag 9), 300: bool true (long header) }.
        // { 1: i32 -5 (zigzag 9) }, then bool field 300 in the long form: type TRUE, zigzag 600.
        assert_eq!(bytes, hex("150901d80400"));
        assert_eq!(decode::<Nested>(&bytes), Ok(nested));
    }

    /// Plain byte-at-a-time LEB128, to check the word-at-a-time paths against.
    fn reference_varint(mut value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            if value < 0x80 {
                out.push(value as u8);
                return out;
            }
            out.push(value as u8 | 0x80);
            value >>= 7;
        }
    }

    #[test]
    fn varints_of_every_length_match_plain_leb128() {
        let mut values = vec![0, u64::MAX];
        for shift in 0..64 {
            let power = 1u64 << shift;
            values.extend([power - 1, power, power + 1, power.wrapping_mul(3) / 2]);
        }
        for value in values {
            let expected = reference_varint(value);
            let mut written = Vec::new();
            put_varint(&mut written, value);
            assert_eq!(written, expected, "writing {value:#x}");

            // Read at the very end of the input (careful path) and with bytes after it (word path).
            for padding in [0, 12] {
                let mut input = expected.clone();
                input.extend(std::iter::repeat_n(0xff, padding));
                let mut wide = reader(&input);
                assert_eq!(wide.read_varint64("test"), Ok(value), "reading {value:#x}");
                assert_eq!(wide.position(), expected.len());
                let mut narrow = reader(&input);
                match u32::try_from(value) {
                    Ok(small) => assert_eq!(narrow.read_varint32("test"), Ok(small)),
                    Err(_) => assert!(matches!(
                        narrow
                            .read_varint32("test")
                            .as_ref()
                            .map_err(DecodeError::kind),
                        Err(DecodeErrorKind::InvalidData { offset: 0, .. })
                    )),
                }
            }
        }
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode::<EveryType>(&bytes);
            let _ = skip_struct(&bytes, Limits::default());
            let _ = reader(&bytes).read_message_begin();
        }

        #[test]
        fn mutated_every_type_never_panics(at in 0usize..400, byte in any::<u8>()) {
            let mut bytes = hex(EVERY_TYPE);
            let at = at % bytes.len();
            bytes[at] = byte;
            let _ = decode::<EveryType>(&bytes);
            let _ = skip_struct(&bytes, Limits::default());
        }

        #[test]
        fn scalars_round_trip(b: i8, s: i16, i: i32, l: i64, d: f64, text in ".{0,20}", seqid: i32) {
            let value = EveryType { b, s, i, l, d, text, ..every_type() };
            let decoded = decode::<EveryType>(&encode(&value)).unwrap();
            prop_assert_eq!(decoded.d.to_bits(), value.d.to_bits());
            prop_assert_eq!(EveryType { d: 0.0, ..decoded }, EveryType { d: 0.0, ..value });

            let header = MessageHeader { name: "m".into(), kind: MessageType::Call, seqid };
            let mut writer = CompactWriter::new(Vec::new());
            writer.write_message_begin(&header).unwrap();
            prop_assert_eq!(reader(&writer.into_inner()).read_message_begin().unwrap(), header);
        }

        #[test]
        fn field_ids_round_trip(ids in proptest::collection::vec(any::<i16>(), 0..20)) {
            let mut writer = CompactWriter::new(Vec::new());
            writer.write_struct_begin("S").unwrap();
            for &id in &ids {
                writer.write_field_begin("f", TType::I8, id).unwrap();
                writer.write_i8(1).unwrap();
            }
            writer.write_field_stop().unwrap();
            let bytes = writer.into_inner();
            let mut reader = reader(&bytes);
            reader.read_struct_begin().unwrap();
            for &id in &ids {
                prop_assert_eq!(reader.read_field_begin().unwrap(), FieldHeader { ttype: TType::I8, id });
                reader.read_i8().unwrap();
            }
            prop_assert_eq!(reader.read_field_begin().unwrap().ttype, TType::Stop);
        }
    }
}
