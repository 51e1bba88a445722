//! The binary protocol: fixed-width big-endian integers, `i32` length prefixes, one type byte and an `i16` id
//! per field. Byte for byte what Apache Thrift's `TBinaryProtocol` writes; messages are written in the strict
//! form and read in both the strict and the old non-strict form.
//!
//! ```
//! use bytes::BytesMut;
//! use idlc_runtime::protocol::binary::{BinaryReader, BinaryWriter};
//! use idlc_runtime::{SliceInput, Limits, MessageHeader, MessageType, Reader, Writer};
//!
//! let sent = MessageHeader { name: "ping".into(), kind: MessageType::Call, seqid: 1 };
//! let mut buf = BytesMut::new();
//! let mut writer = BinaryWriter::new(&mut buf);
//! writer.write_message_begin(&sent)?;
//! writer.write_string("hello")?;
//! let mut reader = BinaryReader::new(SliceInput::new(&buf), Limits::default());
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

/// The high half of a strict message header's first word: the sign bit marks it as a version, 1 is the version.
const VERSION_1: u32 = 0x8001_0000;
const VERSION_MASK: u32 = 0xffff_0000;

/// Writes the binary protocol into a [`WriteBuf`] (`BytesMut`, `Vec<u8>`, or `&mut` either).
///
/// Every value goes straight into the buffer: encoding allocates nothing beyond the buffer's own growth.
#[derive(Debug)]
pub struct BinaryWriter<B> {
    buf: B,
}

impl<B: WriteBuf> BinaryWriter<B> {
    /// A writer appending to `buf`.
    pub fn new(buf: B) -> Self {
        BinaryWriter { buf }
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

    #[inline]
    fn write_len(&mut self, what: &'static str, len: usize) -> Result<(), EncodeError> {
        let wire = i32::try_from(len).map_err(|_| too_long(what, len))?;
        self.buf.push_slice(&wire.to_be_bytes());
        Ok(())
    }

    #[inline]
    fn write_bytes(&mut self, what: &'static str, value: &[u8]) -> Result<(), EncodeError> {
        self.write_len(what, value.len())?;
        self.buf.push_slice(value);
        Ok(())
    }
}

impl<B: WriteBuf> Writer for BinaryWriter<B> {
    #[inline]
    fn write_message_begin(&mut self, header: &MessageHeader) -> Result<(), EncodeError> {
        self.buf
            .push_slice(&(VERSION_1 | header.kind as u32).to_be_bytes());
        self.write_bytes("message name", header.name.as_bytes())?;
        self.buf.push_slice(&header.seqid.to_be_bytes());
        Ok(())
    }

    #[inline]
    fn write_message_end(&mut self) -> Result<(), EncodeError> {
        Ok(())
    }

    #[inline(always)]
    fn write_struct_begin(&mut self, _name: &str) -> Result<(), EncodeError> {
        Ok(())
    }

    #[inline(always)]
    fn write_struct_end(&mut self) -> Result<(), EncodeError> {
        Ok(())
    }

    #[inline(always)]
    fn write_field_begin(&mut self, _name: &str, ttype: TType, id: i16) -> Result<(), EncodeError> {
        let [hi, lo] = id.to_be_bytes();
        self.buf.push_slice(&[ttype as u8, hi, lo]);
        Ok(())
    }

    #[inline(always)]
    fn write_field_end(&mut self) -> Result<(), EncodeError> {
        Ok(())
    }

    #[inline(always)]
    fn write_field_stop(&mut self) -> Result<(), EncodeError> {
        self.buf.push_slice(&[TType::Stop as u8]);
        Ok(())
    }

    #[inline(always)]
    fn write_bool(&mut self, value: bool) -> Result<(), EncodeError> {
        self.buf.push_slice(&[u8::from(value)]);
        Ok(())
    }

    #[inline(always)]
    fn write_i8(&mut self, value: i8) -> Result<(), EncodeError> {
        self.buf.push_slice(&value.to_be_bytes());
        Ok(())
    }

    #[inline(always)]
    fn write_i16(&mut self, value: i16) -> Result<(), EncodeError> {
        self.buf.push_slice(&value.to_be_bytes());
        Ok(())
    }

    #[inline(always)]
    fn write_i32(&mut self, value: i32) -> Result<(), EncodeError> {
        self.buf.push_slice(&value.to_be_bytes());
        Ok(())
    }

    #[inline(always)]
    fn write_i64(&mut self, value: i64) -> Result<(), EncodeError> {
        self.buf.push_slice(&value.to_be_bytes());
        Ok(())
    }

    #[inline(always)]
    fn write_double(&mut self, value: f64) -> Result<(), EncodeError> {
        self.buf.push_slice(&value.to_be_bytes());
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
        self.buf.push_slice(&[elem as u8]);
        self.write_len("list", len)
    }

    #[inline(always)]
    fn write_list_end(&mut self) -> Result<(), EncodeError> {
        Ok(())
    }

    #[inline]
    fn write_set_begin(&mut self, elem: TType, len: usize) -> Result<(), EncodeError> {
        self.buf.push_slice(&[elem as u8]);
        self.write_len("set", len)
    }

    #[inline(always)]
    fn write_set_end(&mut self) -> Result<(), EncodeError> {
        Ok(())
    }

    #[inline]
    fn write_map_begin(&mut self, key: TType, value: TType, len: usize) -> Result<(), EncodeError> {
        self.buf.push_slice(&[key as u8, value as u8]);
        self.write_len("map", len)
    }

    #[inline(always)]
    fn write_map_end(&mut self) -> Result<(), EncodeError> {
        Ok(())
    }

    #[inline]
    fn write_i32_elements(&mut self, values: &[i32]) -> Result<(), EncodeError> {
        write_blocks(&mut self.buf, values, |value| value.to_be_bytes());
        Ok(())
    }

    #[inline]
    fn write_i64_elements(&mut self, values: &[i64]) -> Result<(), EncodeError> {
        write_blocks(&mut self.buf, values, |value| value.to_be_bytes());
        Ok(())
    }

    #[inline]
    fn write_double_elements(&mut self, values: &[f64]) -> Result<(), EncodeError> {
        write_blocks(&mut self.buf, values, |value| value.to_be_bytes());
        Ok(())
    }
}

/// Appends fixed-width values converted in stack blocks: one append per block rather than per value, and a
/// conversion loop the compiler can vectorise.
#[inline]
fn write_blocks<B: WriteBuf, T: Copy, const N: usize>(
    buf: &mut B,
    values: &[T],
    to_bytes: impl Fn(T) -> [u8; N],
) {
    const BLOCK_BYTES: usize = 512;
    let mut block = [0_u8; BLOCK_BYTES];
    for run in values.chunks(BLOCK_BYTES / N) {
        for (out, &value) in block.chunks_exact_mut(N).zip(run) {
            out.copy_from_slice(&to_bytes(value));
        }
        buf.push_slice(&block[..run.len() * N]);
    }
}

/// Converts `len` fixed-width values from the front of `input` in one pass after one bounds check.
#[inline]
fn read_blocks<S: ReadBuf, T, const N: usize>(
    input: &mut S,
    len: usize,
    out: &mut Vec<T>,
    from_bytes: impl Fn([u8; N]) -> T,
) -> Result<(), DecodeError> {
    let wanted = len.saturating_mul(N);
    let Some(bytes) = input.chunk().get(..wanted) else {
        return Err(unexpected_eof(input, "list element", wanted));
    };
    out.extend(bytes.chunks_exact(N).map(|chunk| {
        let mut word = [0_u8; N];
        word.copy_from_slice(chunk);
        from_bytes(word)
    }));
    input.advance(wanted);
    Ok(())
}

/// Reads the binary protocol from untrusted input, enforcing [`Limits`].
///
/// Accepts strict message headers and, unless [`BinaryReader::require_strict`] is set, the old non-strict form
/// (name first) that some old clients still send.
#[derive(Debug)]
pub struct BinaryReader<S> {
    core: ReaderCore<S>,
    strict_only: bool,
}

impl<S: ReadBuf> BinaryReader<S> {
    /// A reader over `input` that enforces `limits`.
    pub fn new(input: S, limits: Limits) -> Self {
        BinaryReader {
            core: ReaderCore::new(input, limits),
            strict_only: false,
        }
    }

    /// Rejects message headers without a version word (Apache's `strict_read`).
    pub fn require_strict(mut self, strict: bool) -> Self {
        self.strict_only = strict;
        self
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

    #[inline]
    fn read_be_i32(&mut self, what: &'static str) -> Result<i32, DecodeError> {
        self.core.read_array::<4>(what).map(i32::from_be_bytes)
    }

    /// Reads a type byte that must name a value type (not STOP).
    #[inline(always)]
    fn read_value_type(&mut self, what: &'static str) -> Result<TType, DecodeError> {
        let offset = self.core.input.consumed();
        let id = self.core.read_u8(what)?;
        TType::from_id(id)
            .ok_or_else(|| DecodeError::from(DecodeErrorKind::UnknownType { offset, what, id }))
    }

    /// Reads an `i32` length prefix and checks it against the string limit and the bytes left.
    #[inline(always)]
    fn read_byte_len(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        let start = self.core.input.consumed();
        let len = self.read_be_i32(what)?;
        self.core.byte_len(start, what, i64::from(len))
    }

    /// A string whose fast path in `read_string` failed: a bad length, missing bytes or invalid text.
    #[cold]
    #[inline(never)]
    fn read_string_carefully(&mut self) -> Result<String, DecodeError> {
        let len = self.read_byte_len("string")?;
        self.core.read_utf8(len, "string")
    }

    #[inline(always)]
    fn read_count(
        &mut self,
        what: &'static str,
        min_elem_size: usize,
    ) -> Result<usize, DecodeError> {
        let start = self.core.input.consumed();
        let len = self.read_be_i32(what)?;
        self.core
            .container_len(start, what, i64::from(len), min_elem_size)
    }

    /// The field header near the end of the input, or after a bad type byte: byte by byte, for the exact error.
    #[cold]
    #[inline(never)]
    fn read_field_begin_carefully(&mut self) -> Result<FieldHeader, DecodeError> {
        let ttype = self.read_value_type("field type")?;
        if ttype == TType::Stop {
            return Ok(FieldHeader { ttype, id: 0 });
        }
        let id = i16::from_be_bytes(self.core.read_array("field id")?);
        Ok(FieldHeader { ttype, id })
    }

    #[inline(always)]
    fn read_list_header(&mut self, what: &'static str) -> Result<ListHeader, DecodeError> {
        self.core.enter()?;
        let elem = self.read_value_type(what)?;
        let len = self.read_count(what, min_size(elem))?;
        Ok(ListHeader { elem, len })
    }
}

/// The fewest bytes one value of `ttype` takes in the binary protocol, used to reject counts the input cannot
/// hold. STOP is not a value; an element type of STOP is only acceptable for an empty container, which
/// `usize::MAX` enforces.
#[inline]
fn min_size(ttype: TType) -> usize {
    match ttype {
        TType::Stop => usize::MAX,
        TType::Bool | TType::I8 | TType::Struct => 1,
        TType::I16 => 2,
        TType::I32 | TType::Binary => 4,
        TType::I64 | TType::Double => 8,
        TType::Set | TType::List => 5,
        TType::Map => 6,
        TType::Uuid => 16,
    }
}

impl<S: ReadBuf> Reader for BinaryReader<S> {
    fn read_message_begin(&mut self) -> Result<MessageHeader, DecodeError> {
        let start = self.core.input.consumed();
        let word = self.read_be_i32("message header")?;
        if word < 0 {
            let version = word as u32 & VERSION_MASK;
            if version != VERSION_1 {
                return Err(DecodeError::from(DecodeErrorKind::BadVersion {
                    offset: start,
                    detail: format!("expected version word 0x80010000, found {version:#010x}"),
                }));
            }
            let kind = message_type(start, (word & 0xff) as u8)?;
            let len = self.read_byte_len("message name")?;
            let name = self.core.read_utf8(len, "message name")?;
            let seqid = self.read_be_i32("message seqid")?;
            Ok(MessageHeader { name, kind, seqid })
        } else {
            if self.strict_only {
                return Err(DecodeError::from(DecodeErrorKind::BadVersion {
                    offset: start,
                    detail: "message header has no version word and strict reading is required"
                        .into(),
                }));
            }
            let len = self.core.byte_len(start, "message name", i64::from(word))?;
            let name = self.core.read_utf8(len, "message name")?;
            let type_offset = self.core.input.consumed();
            let kind = message_type(type_offset, self.core.read_u8("message type")?)?;
            let seqid = self.read_be_i32("message seqid")?;
            Ok(MessageHeader { name, kind, seqid })
        }
    }

    #[inline]
    fn read_message_end(&mut self) -> Result<(), DecodeError> {
        Ok(())
    }

    #[inline(always)]
    fn read_struct_begin(&mut self) -> Result<(), DecodeError> {
        self.core.enter()
    }

    #[inline]
    fn read_struct_end(&mut self) -> Result<(), DecodeError> {
        self.core.leave();
        Ok(())
    }

    #[inline]
    fn read_field_begin(&mut self) -> Result<FieldHeader, DecodeError> {
        let chunk = self.core.input.chunk();
        // STOP first: the stop byte ending a message has no two bytes after it.
        if chunk.first() == Some(&0) {
            self.core.input.advance(1);
            return Ok(FieldHeader {
                ttype: TType::Stop,
                id: 0,
            });
        }
        if let Some(&[type_id, hi, lo]) = chunk.first_chunk::<3>() {
            if let Some(ttype) = TType::from_id(type_id) {
                self.core.input.advance(3);
                return Ok(FieldHeader {
                    ttype,
                    id: i16::from_be_bytes([hi, lo]),
                });
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
        // Apache reads any non-zero byte as true.
        self.core.read_u8("bool").map(|byte| byte != 0)
    }

    #[inline]
    fn read_i8(&mut self) -> Result<i8, DecodeError> {
        self.core.read_u8("i8").map(|byte| byte as i8)
    }

    #[inline]
    fn read_i16(&mut self) -> Result<i16, DecodeError> {
        self.core.read_array("i16").map(i16::from_be_bytes)
    }

    #[inline]
    fn read_i32(&mut self) -> Result<i32, DecodeError> {
        self.read_be_i32("i32")
    }

    #[inline]
    fn read_i64(&mut self) -> Result<i64, DecodeError> {
        self.core.read_array("i64").map(i64::from_be_bytes)
    }

    #[inline]
    fn read_double(&mut self) -> Result<f64, DecodeError> {
        self.core.read_array("double").map(f64::from_be_bytes)
    }

    #[inline(always)]
    fn read_string(&mut self) -> Result<String, DecodeError> {
        // The common case against one view of the input: a length within the limit, that many bytes present,
        // valid text. Anything else takes the careful path, which reports exactly what is wrong.
        if let Some((prefix, rest)) = self.core.input.chunk().split_first_chunk::<4>() {
            if let Ok(len) = usize::try_from(i32::from_be_bytes(*prefix)) {
                if len <= self.core.limits.max_string_len {
                    if let Some(text) = rest.get(..len).and_then(text::utf8) {
                        let text = text.to_owned();
                        self.core.input.advance(4 + len);
                        return Ok(text);
                    }
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
        self.read_list_header("list")
    }

    #[inline]
    fn read_list_end(&mut self) -> Result<(), DecodeError> {
        self.core.leave();
        Ok(())
    }

    #[inline(always)]
    fn read_set_begin(&mut self) -> Result<ListHeader, DecodeError> {
        self.read_list_header("set")
    }

    #[inline]
    fn read_set_end(&mut self) -> Result<(), DecodeError> {
        self.core.leave();
        Ok(())
    }

    #[inline(always)]
    fn read_map_begin(&mut self) -> Result<MapHeader, DecodeError> {
        self.core.enter()?;
        let key = self.read_value_type("map key type")?;
        let value = self.read_value_type("map value type")?;
        let len = self.read_count("map", min_size(key).saturating_add(min_size(value)))?;
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

    #[inline]
    fn read_i32_elements(&mut self, len: usize, out: &mut Vec<i32>) -> Result<(), DecodeError> {
        read_blocks(&mut self.core.input, len, out, i32::from_be_bytes)
    }

    #[inline]
    fn read_i64_elements(&mut self, len: usize, out: &mut Vec<i64>) -> Result<(), DecodeError> {
        read_blocks(&mut self.core.input, len, out, i64::from_be_bytes)
    }

    #[inline]
    fn read_double_elements(&mut self, len: usize, out: &mut Vec<f64>) -> Result<(), DecodeError> {
        read_blocks(&mut self.core.input, len, out, f64::from_be_bytes)
    }
}

/// Values and call sequences the binary and compact tests share.
#[cfg(test)]
pub(crate) mod fixtures {
    use bytes::Bytes;

    use crate::protocol::{DecodeError, EncodeError};
    use crate::protocol::{Reader, TType, ThriftStruct, Writer};

    /// Decodes a lowercase hex string.
    pub(crate) fn hex(text: &str) -> Vec<u8> {
        assert!(text.len() % 2 == 0, "odd hex length");
        (0..text.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&text[at..at + 2], 16).expect("hex digit"))
            .collect()
    }

    /// A nested struct with a field id far from its predecessor and a bool field.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub(crate) struct Nested {
        pub(crate) x: i32,
        pub(crate) flag: bool,
    }

    /// One field of every type, written in the order Apache's Python library was driven to produce the
    /// reference bytes below (ids 20.. jump by more than 15 so compact uses its long field header).
    #[derive(Debug, Clone, PartialEq, Default)]
    pub(crate) struct EveryType {
        pub(crate) t: bool,
        pub(crate) f: bool,
        pub(crate) b: i8,
        pub(crate) s: i16,
        pub(crate) i: i32,
        pub(crate) l: i64,
        pub(crate) d: f64,
        pub(crate) text: String,
        pub(crate) bin: Bytes,
        pub(crate) li: Vec<i32>,
        pub(crate) ss: Vec<String>,
        pub(crate) m: Vec<(String, i64)>,
        pub(crate) nested: Nested,
        pub(crate) lb: Vec<bool>,
        pub(crate) em: Vec<(i32, bool)>,
        pub(crate) neg: i16,
        pub(crate) u: [u8; 16],
        pub(crate) long: Vec<i64>,
        pub(crate) dl: Vec<f64>,
    }

    /// The values the reference bytes carry.
    pub(crate) fn every_type() -> EveryType {
        EveryType {
            t: true,
            f: false,
            b: -128,
            s: -2,
            i: -123_456_789,
            l: 0x0102_0304_0506_0708,
            d: -1.5,
            text: "h\u{e9}llo".into(),
            bin: Bytes::from_static(b"\x00\xff"),
            li: vec![1, -1, 300],
            ss: vec!["a".into(), "b".into()],
            m: vec![("k".into(), -1), ("z".into(), 1 << 40)],
            nested: Nested { x: 7, flag: true },
            lb: vec![true, false],
            em: vec![],
            neg: 32767,
            u: [
                0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                0xee, 0xff,
            ],
            long: (0..20).map(|v| v * 1000).collect(),
            dl: vec![0.1],
        }
    }

    impl ThriftStruct for Nested {
        fn encode<W: Writer>(&self, w: &mut W) -> Result<(), EncodeError> {
            w.write_struct_begin("Nested")?;
            w.write_field_begin("x", TType::I32, 1)?;
            w.write_i32(self.x)?;
            w.write_field_end()?;
            w.write_field_begin("flag", TType::Bool, 300)?;
            w.write_bool(self.flag)?;
            w.write_field_end()?;
            w.write_field_stop()?;
            w.write_struct_end()
        }

        fn decode<R: Reader>(r: &mut R) -> Result<Self, DecodeError> {
            let mut value = Nested::default();
            r.read_struct_begin()?;
            loop {
                let field = r.read_field_begin()?;
                match (field.id, field.ttype) {
                    (_, TType::Stop) => break,
                    (1, TType::I32) => value.x = r.read_i32()?,
                    (300, TType::Bool) => value.flag = r.read_bool()?,
                    (_, other) => r.skip(other)?,
                }
                r.read_field_end()?;
            }
            r.read_struct_end()?;
            Ok(value)
        }
    }

    impl ThriftStruct for EveryType {
        fn encode<W: Writer>(&self, w: &mut W) -> Result<(), EncodeError> {
            w.write_struct_begin("EveryType")?;
            w.write_field_begin("t", TType::Bool, 1)?;
            w.write_bool(self.t)?;
            w.write_field_end()?;
            w.write_field_begin("f", TType::Bool, 2)?;
            w.write_bool(self.f)?;
            w.write_field_end()?;
            w.write_field_begin("b", TType::I8, 3)?;
            w.write_i8(self.b)?;
            w.write_field_end()?;
            w.write_field_begin("s", TType::I16, 4)?;
            w.write_i16(self.s)?;
            w.write_field_end()?;
            w.write_field_begin("i", TType::I32, 5)?;
            w.write_i32(self.i)?;
            w.write_field_end()?;
            w.write_field_begin("l", TType::I64, 6)?;
            w.write_i64(self.l)?;
            w.write_field_end()?;
            w.write_field_begin("d", TType::Double, 7)?;
            w.write_double(self.d)?;
            w.write_field_end()?;
            w.write_field_begin("str", TType::Binary, 8)?;
            w.write_string(&self.text)?;
            w.write_field_end()?;
            w.write_field_begin("bin", TType::Binary, 9)?;
            w.write_binary(&self.bin)?;
            w.write_field_end()?;
            w.write_field_begin("li", TType::List, 20)?;
            w.write_list_begin(TType::I32, self.li.len())?;
            for v in &self.li {
                w.write_i32(*v)?;
            }
            w.write_list_end()?;
            w.write_field_end()?;
            w.write_field_begin("ss", TType::Set, 21)?;
            w.write_set_begin(TType::Binary, self.ss.len())?;
            for v in &self.ss {
                w.write_string(v)?;
            }
            w.write_set_end()?;
            w.write_field_end()?;
            w.write_field_begin("m", TType::Map, 22)?;
            w.write_map_begin(TType::Binary, TType::I64, self.m.len())?;
            for (k, v) in &self.m {
                w.write_string(k)?;
                w.write_i64(*v)?;
            }
            w.write_map_end()?;
            w.write_field_end()?;
            w.write_field_begin("nested", TType::Struct, 23)?;
            self.nested.encode(w)?;
            w.write_field_end()?;
            w.write_field_begin("lb", TType::List, 24)?;
            w.write_list_begin(TType::Bool, self.lb.len())?;
            for v in &self.lb {
                w.write_bool(*v)?;
            }
            w.write_list_end()?;
            w.write_field_end()?;
            w.write_field_begin("em", TType::Map, 25)?;
            w.write_map_begin(TType::I32, TType::Bool, self.em.len())?;
            for (k, v) in &self.em {
                w.write_i32(*k)?;
                w.write_bool(*v)?;
            }
            w.write_map_end()?;
            w.write_field_end()?;
            w.write_field_begin("neg", TType::I16, -3)?;
            w.write_i16(self.neg)?;
            w.write_field_end()?;
            w.write_field_begin("u", TType::Uuid, 26)?;
            w.write_uuid(&self.u)?;
            w.write_field_end()?;
            w.write_field_begin("long", TType::List, 27)?;
            w.write_list_begin(TType::I64, self.long.len())?;
            for v in &self.long {
                w.write_i64(*v)?;
            }
            w.write_list_end()?;
            w.write_field_end()?;
            w.write_field_begin("dl", TType::List, 28)?;
            w.write_list_begin(TType::Double, self.dl.len())?;
            for v in &self.dl {
                w.write_double(*v)?;
            }
            w.write_list_end()?;
            w.write_field_end()?;
            w.write_field_stop()?;
            w.write_struct_end()
        }

        fn decode<R: Reader>(r: &mut R) -> Result<Self, DecodeError> {
            let mut value = EveryType::default();
            r.read_struct_begin()?;
            loop {
                let field = r.read_field_begin()?;
                match (field.id, field.ttype) {
                    (_, TType::Stop) => break,
                    (1, TType::Bool) => value.t = r.read_bool()?,
                    (2, TType::Bool) => value.f = r.read_bool()?,
                    (3, TType::I8) => value.b = r.read_i8()?,
                    (4, TType::I16) => value.s = r.read_i16()?,
                    (5, TType::I32) => value.i = r.read_i32()?,
                    (6, TType::I64) => value.l = r.read_i64()?,
                    (7, TType::Double) => value.d = r.read_double()?,
                    (8, TType::Binary) => value.text = r.read_string()?,
                    (9, TType::Binary) => value.bin = r.read_binary()?,
                    (20, TType::List) => {
                        let header = r.read_list_begin()?;
                        value.li = (0..header.len)
                            .map(|_| r.read_i32())
                            .collect::<Result<_, _>>()?;
                        r.read_list_end()?;
                    }
                    (21, TType::Set) => {
                        let header = r.read_set_begin()?;
                        value.ss = (0..header.len)
                            .map(|_| r.read_string())
                            .collect::<Result<_, _>>()?;
                        r.read_set_end()?;
                    }
                    (22, TType::Map) => {
                        let header = r.read_map_begin()?;
                        value.m = (0..header.len)
                            .map(|_| Ok((r.read_string()?, r.read_i64()?)))
                            .collect::<Result<_, DecodeError>>()?;
                        r.read_map_end()?;
                    }
                    (23, TType::Struct) => value.nested = Nested::decode(r)?,
                    (24, TType::List) => {
                        let header = r.read_list_begin()?;
                        value.lb = (0..header.len)
                            .map(|_| r.read_bool())
                            .collect::<Result<_, _>>()?;
                        r.read_list_end()?;
                    }
                    (25, TType::Map) => {
                        let header = r.read_map_begin()?;
                        value.em = (0..header.len)
                            .map(|_| Ok((r.read_i32()?, r.read_bool()?)))
                            .collect::<Result<_, DecodeError>>()?;
                        r.read_map_end()?;
                    }
                    (-3, TType::I16) => value.neg = r.read_i16()?,
                    (26, TType::Uuid) => value.u = r.read_uuid()?,
                    (27, TType::List) => {
                        let header = r.read_list_begin()?;
                        value.long = (0..header.len)
                            .map(|_| r.read_i64())
                            .collect::<Result<_, _>>()?;
                        r.read_list_end()?;
                    }
                    (28, TType::List) => {
                        let header = r.read_list_begin()?;
                        value.dl = (0..header.len)
                            .map(|_| r.read_double())
                            .collect::<Result<_, _>>()?;
                        r.read_list_end()?;
                    }
                    (_, other) => r.skip(other)?,
                }
                r.read_field_end()?;
            }
            r.read_struct_end()?;
            Ok(value)
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::{Bytes, BytesMut};
    use proptest::prelude::*;

    use super::fixtures::{EveryType, every_type, hex};
    use super::*;
    use crate::protocol::core::INLINE_STR;
    use crate::protocol::{BytesInput, MessageType, SliceInput, ThriftStruct};

    // Reference bytes written by Apache Thrift 0.25's Python TBinaryProtocol for the same calls.
    const PING_CALL: &str = "800100010000000470696e670000000100";
    const EVERY_TYPE: &str = concat!(
        "020001010200020003000380060004fffe080005f8a432eb0a00060102030405060708040007bff80000000000000b00",
        "080000000668c3a96c6c6f0b00090000000200ff0f0014080000000300000001ffffffff0000012c0e00150b00000002",
        "000000016100000001620d00160b0a00000002000000016bffffffffffffffff000000017a00000100000000000c0017",
        "0800010000000702012c01000f0018020000000201000d001908020000000006fffd7fff10001a001122334455667788",
        "99aabbccddeeff0f001b0a00000014000000000000000000000000000003e800000000000007d00000000000000bb800",
        "00000000000fa0000000000000138800000000000017700000000000001b580000000000001f40000000000000232800",
        "000000000027100000000000002af80000000000002ee000000000000032c800000000000036b00000000000003a9800",
        "00000000003e80000000000000426800000000000046500000000000004a380f001c04000000013fb999999999999a00",
    );
    const NON_STRICT_REPLY: &str = "0000000470696e670200000009";

    fn encode<T: ThriftStruct>(value: &T) -> Vec<u8> {
        let mut buf = BytesMut::new();
        value.encode(&mut BinaryWriter::new(&mut buf)).unwrap();
        buf.to_vec()
    }

    fn decode<T: ThriftStruct>(bytes: &[u8]) -> Result<T, DecodeError> {
        decode_with(bytes, Limits::default())
    }

    fn decode_with<T: ThriftStruct>(bytes: &[u8], limits: Limits) -> Result<T, DecodeError> {
        T::decode(&mut BinaryReader::new(SliceInput::new(bytes), limits))
    }

    fn skip_struct(bytes: &[u8], limits: Limits) -> Result<usize, DecodeError> {
        let mut reader = BinaryReader::new(SliceInput::new(bytes), limits);
        reader.skip(TType::Struct)?;
        Ok(reader.position())
    }

    #[test]
    fn ping_call_is_the_documented_bytes() {
        let mut buf = Vec::new();
        let mut writer = BinaryWriter::new(&mut buf);
        let header = MessageHeader {
            name: "ping".into(),
            kind: MessageType::Call,
            seqid: 1,
        };
        writer.write_message_begin(&header).unwrap();
        writer.write_struct_begin("ping_args").unwrap();
        writer.write_field_stop().unwrap();
        writer.write_struct_end().unwrap();
        writer.write_message_end().unwrap();
        assert_eq!(buf, hex(PING_CALL));

        let mut reader = BinaryReader::new(SliceInput::new(&buf), Limits::default());
        assert_eq!(reader.read_message_begin().unwrap(), header);
        reader.skip(TType::Struct).unwrap();
        reader.read_message_end().unwrap();
        assert_eq!(reader.into_inner().remaining(), 0);
    }

    #[test]
    fn every_type_matches_apache() {
        assert_eq!(encode(&every_type()), hex(EVERY_TYPE));
        assert_eq!(decode::<EveryType>(&hex(EVERY_TYPE)).unwrap(), every_type());
    }

    #[test]
    fn binary_from_bytes_input_is_not_copied() {
        let source = Bytes::from(hex(EVERY_TYPE));
        let mut reader = BinaryReader::new(BytesInput::new(source.clone()), Limits::default());
        let value = EveryType::decode(&mut reader).unwrap();
        let range = source.as_ptr_range();
        assert!(range.contains(&value.bin.as_ptr()), "binary was copied");
        assert_eq!(value, every_type());
    }

    /// A string of every length around the inline limit, its binary encoding, and the reader over it.
    fn strings_around_the_inline_limit() -> Vec<String> {
        (0..=INLINE_STR + 2)
            .map(|len| "é".repeat(len / 2) + &"x".repeat(len % 2))
            .chain(["a".repeat(1000)])
            .collect()
    }

    #[test]
    fn fast_str_reads_what_string_reads_and_shares_long_strings() {
        for text in strings_around_the_inline_limit() {
            let mut buf = BytesMut::new();
            BinaryWriter::new(&mut buf).write_string(&text).unwrap();
            let source = buf.freeze();
            let mut reader = BinaryReader::new(BytesInput::new(source.clone()), Limits::default());
            let read = reader.read_fast_str().unwrap();
            assert_eq!(read, text.as_str());
            assert_eq!(reader.position(), source.len());
            if text.len() > INLINE_STR {
                assert!(
                    source.as_ptr_range().contains(&read.as_ptr()),
                    "long string was copied"
                );
            }
            let mut reader = BinaryReader::new(SliceInput::new(&source), Limits::default());
            assert_eq!(reader.read_fast_str().unwrap(), text.as_str());
        }
    }

    #[test]
    fn fast_str_checks_utf8_limits_and_truncation() {
        for (bytes, error) in [
            (
                hex("00000002c328"),
                DecodeError::from(DecodeErrorKind::InvalidUtf8 { offset: 4 }),
            ),
            (
                [hex("00000028"), vec![b'a'; 39], vec![0xff]].concat(),
                DecodeError::from(DecodeErrorKind::InvalidUtf8 { offset: 4 }),
            ),
            (
                hex("00000003616263").split_last().unwrap().1.to_vec(),
                DecodeError::from(DecodeErrorKind::UnexpectedEof {
                    offset: 6,
                    what: "string",
                    needed: 1,
                }),
            ),
            (
                hex("ffffffff"),
                DecodeError::from(DecodeErrorKind::NegativeLength {
                    offset: 0,
                    what: "string",
                    len: -1,
                }),
            ),
        ] {
            let mut reader = BinaryReader::new(BytesInput::new(bytes.into()), Limits::default());
            assert_eq!(reader.read_fast_str().unwrap_err(), error);
        }
        let limits = Limits {
            max_string_len: 2,
            ..Limits::default()
        };
        let bytes = hex("00000003616263");
        let mut reader = BinaryReader::new(SliceInput::new(&bytes), limits);
        assert!(matches!(
            reader.read_fast_str().unwrap_err().kind(),
            DecodeErrorKind::LimitExceeded {
                len: 3,
                limit: 2,
                ..
            }
        ));
    }

    #[test]
    fn skip_consumes_every_type_exactly() {
        let bytes = hex(EVERY_TYPE);
        assert_eq!(skip_struct(&bytes, Limits::default()).unwrap(), bytes.len());
    }

    #[test]
    fn unknown_fields_are_skipped() {
        /// Knows only field 5 of `EveryType`.
        #[derive(Debug)]
        struct OnlyI32(i32);
        impl ThriftStruct for OnlyI32 {
            fn encode<W: Writer>(&self, _: &mut W) -> Result<(), EncodeError> {
                unreachable!()
            }
            fn decode<R: Reader>(r: &mut R) -> Result<Self, DecodeError> {
                let mut value = 0;
                r.read_struct_begin()?;
                loop {
                    let field = r.read_field_begin()?;
                    match (field.id, field.ttype) {
                        (_, TType::Stop) => break,
                        (5, TType::I32) => value = r.read_i32()?,
                        (_, other) => r.skip(other)?,
                    }
                    r.read_field_end()?;
                }
                r.read_struct_end()?;
                Ok(OnlyI32(value))
            }
        }
        assert_eq!(decode::<OnlyI32>(&hex(EVERY_TYPE)).unwrap().0, -123_456_789);
    }

    #[test]
    fn reads_non_strict_message_header() {
        let bytes = hex(NON_STRICT_REPLY);
        let mut reader = BinaryReader::new(SliceInput::new(&bytes), Limits::default());
        assert_eq!(
            reader.read_message_begin().unwrap(),
            MessageHeader {
                name: "ping".into(),
                kind: MessageType::Reply,
                seqid: 9
            }
        );
        let mut strict =
            BinaryReader::new(SliceInput::new(&bytes), Limits::default()).require_strict(true);
        assert!(matches!(
            strict
                .read_message_begin()
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::BadVersion { offset: 0, .. })
        ));
    }

    #[test]
    fn rejects_bad_message_headers() {
        let read_header = |text: &str| {
            BinaryReader::new(SliceInput::new(&hex(text)), Limits::default()).read_message_begin()
        };
        assert!(matches!(
            read_header("8002000100000000")
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::BadVersion { offset: 0, .. })
        ));
        assert!(matches!(
            read_header("800100090000000000000001")
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::InvalidData {
                offset: 0,
                what: "message type",
                ..
            })
        ));
        // Non-strict header whose type byte (at offset 5) is not a message type.
        assert!(matches!(
            read_header("00000001610700000001")
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::InvalidData { offset: 5, .. })
        ));
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
    fn truncated_value_reports_offset_and_missing_bytes() {
        // Field 1 (i64) with only 3 of its 8 bytes.
        let bytes = hex("0a0001010203");
        assert_eq!(
            decode::<EveryType>(&bytes).unwrap_err(),
            DecodeError::from(DecodeErrorKind::UnexpectedEof {
                offset: 6,
                what: "i64",
                needed: 5
            })
        );
    }

    #[test]
    fn string_lengths_are_checked_before_allocating() {
        // Field 8 (string) with length -1.
        assert_eq!(
            decode::<EveryType>(&hex("0b0008ffffffff")).unwrap_err(),
            DecodeError::from(DecodeErrorKind::NegativeLength {
                offset: 3,
                what: "string",
                len: -1
            })
        );
        // Length 1 MiB (within the limit) but three bytes present.
        assert_eq!(
            decode::<EveryType>(&hex("0b000800100000616263")).unwrap_err(),
            DecodeError::from(DecodeErrorKind::UnexpectedEof {
                offset: 10,
                what: "string",
                needed: 0x10_0000 - 3
            })
        );
        // Length 0x7fffffff: beyond the default limit, so no look at the bytes at all.
        assert_eq!(
            decode::<EveryType>(&hex("0b00087fffffff616263")).unwrap_err(),
            DecodeError::from(DecodeErrorKind::LimitExceeded {
                offset: 3,
                what: "string",
                len: 0x7fff_ffff,
                limit: Limits::DEFAULT.max_string_len as u64
            })
        );
        // Length 4 against a limit of 3.
        let limits = Limits {
            max_string_len: 3,
            ..Limits::default()
        };
        assert_eq!(
            decode_with::<EveryType>(&hex("0b00080000000461626364"), limits).unwrap_err(),
            DecodeError::from(DecodeErrorKind::LimitExceeded {
                offset: 3,
                what: "string",
                len: 4,
                limit: 3
            })
        );
        // Binary values obey the same limit.
        assert!(matches!(
            decode_with::<EveryType>(&hex("0b00090000000461626364"), limits)
                .unwrap_err()
                .kind(),
            DecodeErrorKind::LimitExceeded { what: "binary", .. }
        ));
    }

    #[test]
    fn invalid_utf8_is_rejected_at_the_string_bytes() {
        assert_eq!(
            decode::<EveryType>(&hex("0b000800000002c328")).unwrap_err(),
            DecodeError::from(DecodeErrorKind::InvalidUtf8 { offset: 7 })
        );
    }

    #[test]
    fn container_counts_are_checked_against_limits_and_bytes_left() {
        // list<i64> claiming 1000 elements with 16 bytes present: 8000 bytes needed.
        let mut bytes = hex("0f001b0a000003e8");
        bytes.extend_from_slice(&[0; 16]);
        assert_eq!(
            decode::<EveryType>(&bytes).unwrap_err(),
            DecodeError::from(DecodeErrorKind::UnexpectedEof {
                offset: 24,
                what: "list",
                needed: 8000 - 16
            })
        );
        let limits = Limits {
            max_container_len: 2,
            ..Limits::default()
        };
        assert_eq!(
            decode_with::<EveryType>(&hex("0f0014080000000300000001ffffffff0000012c00"), limits)
                .unwrap_err(),
            DecodeError::from(DecodeErrorKind::LimitExceeded {
                offset: 4,
                what: "list",
                len: 3,
                limit: 2
            })
        );
        assert_eq!(
            decode::<EveryType>(&hex("0e001508ffffff00")).unwrap_err(),
            DecodeError::from(DecodeErrorKind::NegativeLength {
                offset: 4,
                what: "set",
                len: -256
            })
        );
        // map<string, i64> of 0x10000 entries needs at least 12 bytes each.
        assert!(matches!(
            decode::<EveryType>(&hex("0d00160b0a0001000000")).unwrap_err().kind(),
            DecodeErrorKind::UnexpectedEof {
                what: "map",
                needed,
                ..
            } if *needed == 12 * 0x10000 - 1
        ));
    }

    #[test]
    fn containers_of_stop_must_be_empty() {
        assert_eq!(
            skip_struct(
                &hex("0f000100000000000d000200000000000000"),
                Limits::default()
            ),
            Ok(18)
        );
        assert!(matches!(
            skip_struct(&hex("0f0001000000000100"), Limits::default())
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::InvalidData {
                offset: 4,
                what: "list",
                ..
            })
        ));
    }

    #[test]
    fn unknown_type_ids_are_rejected_with_their_offset() {
        assert_eq!(
            decode::<EveryType>(&hex("0800050000000107")).unwrap_err(),
            DecodeError::from(DecodeErrorKind::UnknownType {
                offset: 7,
                what: "field type",
                id: 7
            })
        );
        assert_eq!(
            skip_struct(&hex("0f0001110000000000"), Limits::default()).unwrap_err(),
            DecodeError::from(DecodeErrorKind::UnknownType {
                offset: 3,
                what: "list",
                id: 0x11
            })
        );
        assert!(matches!(
            skip_struct(&hex("0d0001080100000000"), Limits::default())
                .unwrap_err()
                .kind(),
            DecodeErrorKind::UnknownType {
                offset: 4,
                what: "map value type",
                id: 1
            }
        ));
    }

    #[test]
    fn nesting_depth_is_bounded() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        // struct { 1: list<list<i32>> [[]] }: three levels.
        let three = hex(
            "0f00010f000000010800000000", /* list<list<i32>> with one empty list */
        );
        let mut ok = three.clone();
        ok.push(0);
        assert_eq!(skip_struct(&ok, limits), Ok(ok.len()));
        // struct { 1: struct { 1: struct { 1: struct {} } } }: the fourth level starts at byte 9.
        let deep = hex("0c00010c00010c0001000000");
        assert_eq!(
            skip_struct(&deep, limits).unwrap_err(),
            DecodeError::from(DecodeErrorKind::DepthExceeded {
                offset: 9,
                limit: 3
            })
        );
        // Depth is released on the way out, so siblings do not accumulate.
        let siblings = hex("0c0001000c0002000c00030000");
        assert_eq!(skip_struct(&siblings, limits), Ok(siblings.len()));
    }

    #[test]
    fn a_hostile_depth_does_not_overflow_the_stack() {
        let mut bytes = Vec::new();
        for _ in 0..100_000 {
            bytes.extend_from_slice(&hex("0f00000001"));
        }
        assert!(matches!(
            skip_struct(
                &[&hex("0f0001")[..], &bytes[..]].concat(),
                Limits::default()
            )
            .unwrap_err()
            .kind(),
            DecodeErrorKind::DepthExceeded { limit: 64, .. }
        ));
    }

    #[test]
    fn bool_reads_any_non_zero_byte_as_true() {
        let bytes = [0, 1, 2, 0xff];
        let mut reader = BinaryReader::new(SliceInput::new(&bytes), Limits::default());
        let read: Vec<bool> = (0..4).map(|_| reader.read_bool().unwrap()).collect();
        assert_eq!(read, [false, true, true, true]);
    }

    #[test]
    fn integers_and_doubles_are_big_endian() {
        let mut buf = Vec::new();
        let mut writer = BinaryWriter::new(&mut buf);
        writer.write_i16(i16::MIN).unwrap();
        writer.write_i32(i32::MAX).unwrap();
        writer.write_i64(i64::MIN).unwrap();
        writer.write_double(1.0).unwrap();
        writer.write_i8(-1).unwrap();
        assert_eq!(buf, hex("80007fffffff80000000000000003ff0000000000000ff"));
        let mut reader = BinaryReader::new(SliceInput::new(&buf), Limits::default());
        assert_eq!(reader.read_i16().unwrap(), i16::MIN);
        assert_eq!(reader.read_i32().unwrap(), i32::MAX);
        assert_eq!(reader.read_i64().unwrap(), i64::MIN);
        assert_eq!(reader.read_double().unwrap(), 1.0);
        assert_eq!(reader.read_i8().unwrap(), -1);
    }

    #[test]
    fn lengths_beyond_i32_cannot_be_encoded() {
        let mut writer = BinaryWriter::new(Vec::new());
        let too_many = i32::MAX as usize + 1;
        assert_eq!(
            writer.write_list_begin(TType::I32, too_many),
            Err(EncodeError::TooLong {
                what: "list",
                len: too_many,
                max: i32::MAX as usize
            })
        );
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode::<EveryType>(&bytes);
            let _ = skip_struct(&bytes, Limits::default());
            let mut reader = BinaryReader::new(SliceInput::new(&bytes), Limits::default());
            let _ = reader.read_message_begin();
        }

        #[test]
        fn mutated_every_type_never_panics(at in 0usize..600, byte in any::<u8>()) {
            let mut bytes = hex(EVERY_TYPE);
            let at = at % bytes.len();
            bytes[at] = byte;
            let _ = decode::<EveryType>(&bytes);
            let _ = skip_struct(&bytes, Limits::default());
        }

        #[test]
        fn scalars_round_trip(b: i8, s: i16, i: i32, l: i64, d: f64, text in ".{0,20}") {
            let value = EveryType { b, s, i, l, d, text, ..every_type() };
            let decoded = decode::<EveryType>(&encode(&value)).unwrap();
            prop_assert_eq!(decoded.d.to_bits(), value.d.to_bits());
            prop_assert_eq!(EveryType { d: 0.0, ..decoded }, EveryType { d: 0.0, ..value });
        }
    }
}
