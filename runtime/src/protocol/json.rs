//! Apache Thrift's JSON protocol (`TJSONProtocol`), the one that keeps type ids and field ids so it can be read
//! back; not the write-only "simple JSON".
//!
//! A message is `[1,"name",type,seqid,{...}]`, a struct `{"1":{"i32":5},"2":{"str":"x"}}`, a list or set
//! `["i32",3,1,2,3]` and a map `["str","i64",1,{"k":7}]`. Numbers in a key position are quoted, so every map key
//! is a JSON string. Output matches Apache's Python and C++ writers byte for byte, with two exceptions where
//! those two disagree with each other or write invalid JSON and this module sides with C++: control characters
//! other than `\b \f \n \r \t` are written as `\u00xx` (Python leaves them raw), and NaN and the infinities are
//! the quoted strings `"NaN"`, `"Infinity"` and `"-Infinity"` (Python writes bare `nan`/`inf`, which its own
//! reader rejects). Doubles use 17 significant digits as both do (C's `%.17g`); binary is padded base64.
//!
//! The reader accepts everything Apache's writers produce: raw control characters inside strings, bare or
//! quoted `nan`/`inf`, quoted numbers where a double is expected, base64 with or without padding, and
//! whitespace between tokens.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use bytes::Bytes;

use super::{
    FieldHeader, Limits, ListHeader, MapHeader, MessageHeader, MessageType, ReadBuf, Reader, TType,
    WriteBuf, Writer,
};
use crate::protocol::{DecodeError, DecodeErrorKind, EncodeError};

/// The only message version `TJSONProtocol` defines.
const VERSION: i64 = 1;

/// Base64 that reads both padded (Python) and unpadded (C++) payloads.
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Where the next token goes: decides the separator before it and whether numbers are quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Top level: no separators.
    Base,
    /// Inside `[...]`: a comma before every element but the first.
    List { first: bool },
    /// Inside `{...}`: keys and values alternate. `colon` is true while the current slot is a key: the
    /// separator after it is `:`, and a number written there is quoted.
    Pair { first: bool, colon: bool },
}

impl Context {
    const LIST: Context = Context::List { first: true };
    const PAIR: Context = Context::Pair {
        first: true,
        colon: true,
    };

    /// Moves past one token slot and returns the separator that precedes it, if any.
    fn advance(&mut self) -> Option<u8> {
        match self {
            Context::Base => None,
            Context::List { first } => {
                if *first {
                    *first = false;
                    None
                } else {
                    Some(b',')
                }
            }
            Context::Pair { first, colon } => {
                if *first {
                    *first = false;
                    *colon = true;
                    None
                } else {
                    let separator = if *colon { b':' } else { b',' };
                    *colon = !*colon;
                    Some(separator)
                }
            }
        }
    }

    /// Whether a number in the current slot must be written as a string (it is an object key).
    fn quotes_numbers(self) -> bool {
        matches!(self, Context::Pair { colon: true, .. })
    }
}

/// The enclosing contexts of the current one. The first levels live inline, so writers and readers of ordinary
/// messages never allocate for them; deeper nesting spills to the heap (a reader's depth limit bounds it).
#[derive(Debug)]
struct ContextStack {
    inline: [Context; ContextStack::INLINE],
    len: usize,
    spilled: Vec<Context>,
}

impl ContextStack {
    const INLINE: usize = 32;

    fn new() -> Self {
        ContextStack {
            inline: [Context::Base; ContextStack::INLINE],
            len: 0,
            spilled: Vec::new(),
        }
    }

    fn push(&mut self, context: Context) {
        match self.inline.get_mut(self.len) {
            Some(slot) => *slot = context,
            None => self.spilled.push(context),
        }
        self.len += 1;
    }

    fn pop(&mut self) -> Context {
        if self.len == 0 {
            return Context::Base;
        }
        self.len -= 1;
        match self.inline.get(self.len) {
            Some(&context) => context,
            None => self.spilled.pop().unwrap_or(Context::Base),
        }
    }

    fn clear(&mut self) {
        self.len = 0;
        self.spilled.clear();
    }
}

/// The short names `TJSONProtocol` uses for wire types.
fn type_name(ttype: TType) -> Option<&'static str> {
    Some(match ttype {
        TType::Stop => return None,
        TType::Bool => "tf",
        TType::I8 => "i8",
        TType::I16 => "i16",
        TType::I32 => "i32",
        TType::I64 => "i64",
        TType::Double => "dbl",
        TType::Binary => "str",
        TType::Struct => "rec",
        TType::Map => "map",
        TType::Set => "set",
        TType::List => "lst",
        TType::Uuid => "uid",
    })
}

fn type_from_name(name: &[u8]) -> Option<TType> {
    Some(match name {
        b"tf" => TType::Bool,
        b"i8" => TType::I8,
        b"i16" => TType::I16,
        b"i32" => TType::I32,
        b"i64" => TType::I64,
        b"dbl" => TType::Double,
        b"str" => TType::Binary,
        b"rec" => TType::Struct,
        b"map" => TType::Map,
        b"set" => TType::Set,
        b"lst" => TType::List,
        b"uid" => TType::Uuid,
        _ => return None,
    })
}

/// A fixed-size buffer numbers are formatted into, so writing a number never allocates.
struct NumberText {
    bytes: [u8; 40],
    len: usize,
}

impl NumberText {
    fn new() -> Self {
        NumberText {
            bytes: [0; 40],
            len: 0,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn push(&mut self, bytes: &[u8]) {
        let end = (self.len + bytes.len()).min(self.bytes.len());
        let taken = end - self.len;
        self.bytes[self.len..end].copy_from_slice(&bytes[..taken]);
        self.len = end;
    }
}

impl std::fmt::Write for NumberText {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        let end = self.len + text.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Appends the decimal digits of `n`.
fn push_decimal(out: &mut NumberText, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push(&digits[at..]);
}

/// Appends a signed integer.
fn push_integer(out: &mut NumberText, n: i64) {
    if n < 0 {
        out.push(b"-");
    }
    push_decimal(out, n.unsigned_abs());
}

/// `m * 2^e * 10^p`, rounded half-even (as C's printf and Python round decimal output) or down, or `None`
/// where the exact product does not fit a `u128`.
fn scaled(m: u64, e: i32, p: i32, round: bool) -> Option<u128> {
    let m = u128::from(m);
    let divide = |num: u128, den: u128| {
        let (quotient, remainder) = (num / den, num % den);
        let twice = remainder.checked_mul(2)?;
        Some(
            if round && (twice > den || (twice == den && quotient & 1 == 1)) {
                quotient + 1
            } else {
                quotient
            },
        )
    };
    let ten = |k: i32| 10u128.checked_pow(u32::try_from(k).ok()?);
    let two = |k: i32| {
        1u128
            .checked_shl(u32::try_from(k).ok()?)
            .filter(|&v| v != 0)
    };
    match (p >= 0, e >= 0) {
        (true, true) => {
            let scaled = m.checked_mul(ten(p)?)?;
            (scaled.leading_zeros() > e as u32).then(|| scaled << e)
        }
        (true, false) => divide(m.checked_mul(ten(p)?)?, two(-e)?),
        (false, true) => {
            let shifted = (m.leading_zeros() > e as u32).then(|| m << e)?;
            divide(shifted, ten(-p)?)
        }
        (false, false) => divide(m, two(-e)?.checked_mul(ten(-p)?)?),
    }
}

/// The 17 significant digits of `|value|` (rounded half-even) and the decimal exponent of the first, computed
/// exactly in `u128` for magnitudes from 1e-6 to 1e38; `None` outside that range.
fn seventeen_digits(value: f64) -> Option<(u64, i32)> {
    const LOW: u128 = 10u128.pow(16);
    const HIGH: u128 = 10u128.pow(17);
    let abs = value.abs();
    if !(1e-6..1e38).contains(&abs) {
        return None;
    }
    let bits = abs.to_bits();
    let m = (bits & ((1 << 52) - 1)) | (1 << 52);
    let e = ((bits >> 52) & 0x7ff) as i32 - 1075;
    // The estimate can be one off either way near powers of ten; the exact digit count settles it.
    let mut exponent = abs.log10().floor() as i32;
    for _ in 0..3 {
        let truncated = scaled(m, e, 16 - exponent, false)?;
        if truncated < LOW {
            exponent -= 1;
        } else if truncated >= HIGH {
            exponent += 1;
        } else {
            let digits = scaled(m, e, 16 - exponent, true)?;
            // 99999999999999999.5 rounds up to the next power of ten.
            return Some(if digits == HIGH {
                ((LOW) as u64, exponent + 1)
            } else {
                (digits as u64, exponent)
            });
        }
    }
    None
}

/// Formats a finite double as C's `%.17g` does (the format Apache's Python and C++ writers use): 17
/// significant digits, trailing zeros dropped, exponent form outside `1e-4 <= |x| < 1e17`.
fn format_double(value: f64, out: &mut NumberText) {
    let mut digits = [b'0'; 17];
    let exponent = match seventeen_digits(value) {
        Some((mut n, exponent)) => {
            for digit in digits.iter_mut().rev() {
                *digit = b'0' + (n % 10) as u8;
                n /= 10;
            }
            exponent
        }
        None => {
            // Exact formatting from the standard library, much slower, for the remaining magnitudes.
            let mut scientific = NumberText::new();
            let _ = write!(scientific, "{:.16e}", value.abs());
            let text = scientific.as_bytes();
            let e_at = text.iter().position(|&b| b == b'e').unwrap_or(text.len());
            let written = text[..e_at].iter().filter(|b| b.is_ascii_digit());
            for (slot, &b) in digits.iter_mut().zip(written) {
                *slot = b;
            }
            std::str::from_utf8(&text[e_at + 1..])
                .ok()
                .and_then(|e| e.parse().ok())
                .unwrap_or(0)
        }
    };
    // %g drops trailing zeros of the significand (keeping at least one digit).
    let mut count = digits.len();
    while count > 1 && digits[count - 1] == b'0' {
        count -= 1;
    }
    let digits = &digits[..count];
    if value.is_sign_negative() {
        out.push(b"-");
    }
    if (-4..17).contains(&exponent) {
        if exponent < 0 {
            out.push(b"0.");
            for _ in 0..(-exponent - 1) {
                out.push(b"0");
            }
            out.push(digits);
        } else {
            let int_len = exponent as usize + 1;
            if digits.len() <= int_len {
                out.push(digits);
                for _ in digits.len()..int_len {
                    out.push(b"0");
                }
            } else {
                out.push(&digits[..int_len]);
                out.push(b".");
                out.push(&digits[int_len..]);
            }
        }
    } else {
        out.push(&digits[..1]);
        if digits.len() > 1 {
            out.push(b".");
            out.push(&digits[1..]);
        }
        out.push(if exponent < 0 { b"e-" } else { b"e+" });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push(b"0");
        }
        push_decimal(out, u64::from(magnitude));
    }
}

/// Writes the JSON protocol into any [`WriteBuf`] (a `Vec<u8>`, a `BytesMut`, `&mut` either, or any `BufMut`
/// through [`BufMutOutput`](super::BufMutOutput)).
#[derive(Debug)]
pub struct JsonWriter<B> {
    buf: B,
    context: Context,
    outer: ContextStack,
}

impl<B: WriteBuf> JsonWriter<B> {
    /// A writer that appends to `buf`.
    pub fn new(buf: B) -> Self {
        JsonWriter {
            buf,
            context: Context::Base,
            outer: ContextStack::new(),
        }
    }

    /// Returns the buffer written so far.
    pub fn into_inner(self) -> B {
        self.buf
    }

    fn separator(&mut self) {
        if let Some(separator) = self.context.advance() {
            self.buf.push_slice(&[separator]);
        }
    }

    fn push(&mut self, context: Context) {
        self.outer.push(self.context);
        self.context = context;
    }

    fn pop(&mut self) {
        self.context = self.outer.pop();
    }

    fn open(&mut self, bracket: u8, context: Context) {
        self.separator();
        self.buf.push_slice(&[bracket]);
        self.push(context);
    }

    fn close(&mut self, bracket: u8) {
        self.pop();
        self.buf.push_slice(&[bracket]);
    }

    fn number(&mut self, value: impl Into<i64>) {
        self.separator();
        let mut text = NumberText::new();
        push_integer(&mut text, value.into());
        self.put_number_text(&text, false);
    }

    fn put_number_text(&mut self, text: &NumberText, always_quote: bool) {
        let quoted = always_quote || self.context.quotes_numbers();
        if quoted {
            self.buf.push_slice(b"\"");
        }
        self.buf.push_slice(text.as_bytes());
        if quoted {
            self.buf.push_slice(b"\"");
        }
    }

    fn string(&mut self, value: &str) {
        self.separator();
        self.buf.push_slice(b"\"");
        let bytes = value.as_bytes();
        let mut plain_from = 0;
        for (at, &byte) in bytes.iter().enumerate() {
            let escape: &[u8] = match byte {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                0x08 => b"\\b",
                0x0c => b"\\f",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0..=0x1f => b"",
                _ => continue,
            };
            self.buf.push_slice(&bytes[plain_from..at]);
            plain_from = at + 1;
            if escape.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let high = HEX[usize::from(byte >> 4)];
                let low = HEX[usize::from(byte & 0xf)];
                self.buf.push_slice(&[b'\\', b'u', b'0', b'0', high, low]);
            } else {
                self.buf.push_slice(escape);
            }
        }
        self.buf.push_slice(&bytes[plain_from..]);
        self.buf.push_slice(b"\"");
    }

    fn type_tag(&mut self, ttype: TType, what: &'static str) -> Result<(), EncodeError> {
        let name = type_name(ttype).ok_or_else(|| EncodeError::InvalidValue {
            what,
            detail: "STOP is not a value type".into(),
        })?;
        self.string(name);
        Ok(())
    }

    fn length(&mut self, len: usize, what: &'static str) -> Result<(), EncodeError> {
        // Apache's readers hold counts in an i32.
        if len > i32::MAX as usize {
            return Err(EncodeError::TooLong {
                what,
                len,
                max: i32::MAX as usize,
            });
        }
        self.number(len as i64);
        Ok(())
    }
}

impl<B: WriteBuf> Writer for JsonWriter<B> {
    fn write_message_begin(&mut self, header: &MessageHeader) -> Result<(), EncodeError> {
        self.context = Context::Base;
        self.outer.clear();
        self.open(b'[', Context::LIST);
        self.number(VERSION);
        self.string(&header.name);
        self.number(header.kind as u8);
        self.number(header.seqid);
        Ok(())
    }

    fn write_message_end(&mut self) -> Result<(), EncodeError> {
        self.close(b']');
        Ok(())
    }

    fn write_struct_begin(&mut self, _name: &str) -> Result<(), EncodeError> {
        self.open(b'{', Context::PAIR);
        Ok(())
    }

    fn write_struct_end(&mut self) -> Result<(), EncodeError> {
        self.close(b'}');
        Ok(())
    }

    fn write_field_begin(&mut self, _name: &str, ttype: TType, id: i16) -> Result<(), EncodeError> {
        self.number(id);
        self.open(b'{', Context::PAIR);
        self.type_tag(ttype, "field type")
    }

    fn write_field_end(&mut self) -> Result<(), EncodeError> {
        self.close(b'}');
        Ok(())
    }

    fn write_field_stop(&mut self) -> Result<(), EncodeError> {
        // The closing brace of the struct ends its fields.
        Ok(())
    }

    fn write_bool(&mut self, value: bool) -> Result<(), EncodeError> {
        self.number(u8::from(value));
        Ok(())
    }

    fn write_i8(&mut self, value: i8) -> Result<(), EncodeError> {
        self.number(value);
        Ok(())
    }

    fn write_i16(&mut self, value: i16) -> Result<(), EncodeError> {
        self.number(value);
        Ok(())
    }

    fn write_i32(&mut self, value: i32) -> Result<(), EncodeError> {
        self.number(value);
        Ok(())
    }

    fn write_i64(&mut self, value: i64) -> Result<(), EncodeError> {
        self.number(value);
        Ok(())
    }

    fn write_double(&mut self, value: f64) -> Result<(), EncodeError> {
        self.separator();
        let mut text = NumberText::new();
        let special = if value.is_nan() {
            Some("NaN")
        } else if value.is_infinite() {
            Some(if value > 0.0 { "Infinity" } else { "-Infinity" })
        } else {
            None
        };
        match special {
            Some(name) => {
                let _ = text.write_str(name);
                self.put_number_text(&text, true);
            }
            None => {
                format_double(value, &mut text);
                self.put_number_text(&text, false);
            }
        }
        Ok(())
    }

    fn write_string(&mut self, value: &str) -> Result<(), EncodeError> {
        self.string(value);
        Ok(())
    }

    fn write_binary(&mut self, value: &[u8]) -> Result<(), EncodeError> {
        self.separator();
        self.buf.push_slice(b"\"");
        // Whole 3-byte groups encode without padding, so chunks can be encoded independently.
        let mut encoded = [0u8; 1024];
        for chunk in value.chunks(768) {
            let len = STANDARD
                .encode_slice(chunk, &mut encoded)
                .unwrap_or_default();
            self.buf.push_slice(&encoded[..len]);
        }
        self.buf.push_slice(b"\"");
        Ok(())
    }

    fn write_uuid(&mut self, value: &[u8; 16]) -> Result<(), EncodeError> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 36];
        let mut at = 0;
        for (index, byte) in value.iter().enumerate() {
            if matches!(index, 4 | 6 | 8 | 10) {
                text[at] = b'-';
                at += 1;
            }
            text[at] = HEX[usize::from(byte >> 4)];
            text[at + 1] = HEX[usize::from(byte & 0xf)];
            at += 2;
        }
        self.separator();
        self.buf.push_slice(b"\"");
        self.buf.push_slice(&text);
        self.buf.push_slice(b"\"");
        Ok(())
    }

    fn write_list_begin(&mut self, elem: TType, len: usize) -> Result<(), EncodeError> {
        self.open(b'[', Context::LIST);
        self.type_tag(elem, "list element type")?;
        self.length(len, "list")
    }

    fn write_list_end(&mut self) -> Result<(), EncodeError> {
        self.close(b']');
        Ok(())
    }

    fn write_set_begin(&mut self, elem: TType, len: usize) -> Result<(), EncodeError> {
        self.open(b'[', Context::LIST);
        self.type_tag(elem, "set element type")?;
        self.length(len, "set")
    }

    fn write_set_end(&mut self) -> Result<(), EncodeError> {
        self.close(b']');
        Ok(())
    }

    fn write_map_begin(&mut self, key: TType, value: TType, len: usize) -> Result<(), EncodeError> {
        self.open(b'[', Context::LIST);
        self.type_tag(key, "map key type")?;
        self.type_tag(value, "map value type")?;
        self.length(len, "map")?;
        self.open(b'{', Context::PAIR);
        Ok(())
    }

    fn write_map_end(&mut self) -> Result<(), EncodeError> {
        self.close(b'}');
        self.close(b']');
        Ok(())
    }
}

/// Longest number token accepted (an i64 needs 20 bytes; a `%.17g` double 24).
const MAX_NUMBER_LEN: usize = 64;

/// Reads the JSON protocol from untrusted input.
#[derive(Debug)]
pub struct JsonReader<S> {
    input: S,
    limits: Limits,
    depth: usize,
    context: Context,
    /// Bounded because every push is matched by a depth check or a field, and a field's value is either a
    /// scalar or something that itself checks depth.
    outer: ContextStack,
}

impl<S: ReadBuf> JsonReader<S> {
    /// A reader over `input` that enforces `limits`.
    pub fn new(input: S, limits: Limits) -> Self {
        JsonReader {
            input,
            limits,
            depth: 0,
            context: Context::Base,
            outer: ContextStack::new(),
        }
    }

    /// Returns the input, positioned after what has been read.
    pub fn into_inner(self) -> S {
        self.input
    }

    fn offset(&self) -> usize {
        self.input.consumed()
    }

    fn invalid(&self, what: &'static str, detail: impl Into<String>) -> DecodeError {
        DecodeError::from(DecodeErrorKind::InvalidData {
            offset: self.offset(),
            what,
            detail: detail.into(),
        })
    }

    fn eof(&self, what: &'static str, needed: usize) -> DecodeError {
        DecodeError::from(DecodeErrorKind::UnexpectedEof {
            offset: self.offset(),
            what,
            needed,
        })
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        // Apache's writers never emit whitespace, so the common case is one comparison.
        if matches!(self.input.chunk().first(), Some(b) if is_blank(*b)) {
            let blank = self
                .input
                .chunk()
                .iter()
                .take_while(|b| is_blank(**b))
                .count();
            self.input.advance(blank);
        }
    }

    /// The next byte that is not whitespace, without consuming it.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.input.chunk().first().copied()
    }

    #[inline]
    fn expect(&mut self, byte: u8, what: &'static str) -> Result<(), DecodeError> {
        if self.input.chunk().first() == Some(&byte) {
            self.input.advance(1);
            return Ok(());
        }
        match self.peek() {
            Some(found) if found == byte => {
                self.input.advance(1);
                Ok(())
            }
            Some(found) => Err(self.invalid(
                what,
                format!(
                    "expected `{}`, found {}",
                    char::from(byte),
                    describe_byte(found)
                ),
            )),
            None => Err(self.eof(what, 1)),
        }
    }

    /// Consumes the separator the current context expects before the next token.
    fn separator(&mut self, what: &'static str) -> Result<(), DecodeError> {
        match self.context.advance() {
            Some(separator) => self.expect(separator, what),
            None => Ok(()),
        }
    }

    fn push(&mut self, context: Context) {
        self.outer.push(self.context);
        self.context = context;
    }

    fn pop(&mut self) {
        self.context = self.outer.pop();
    }

    fn open(
        &mut self,
        bracket: u8,
        context: Context,
        what: &'static str,
    ) -> Result<(), DecodeError> {
        self.separator(what)?;
        self.expect(bracket, what)?;
        self.push(context);
        Ok(())
    }

    fn close(&mut self, bracket: u8, what: &'static str) -> Result<(), DecodeError> {
        self.expect(bracket, what)?;
        self.pop();
        Ok(())
    }

    fn enter(&mut self) -> Result<(), DecodeError> {
        if self.depth >= self.limits.max_depth {
            self.skip_whitespace();
            return Err(DecodeError::from(DecodeErrorKind::DepthExceeded {
                offset: self.offset(),
                limit: self.limits.max_depth,
            }));
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Finds the string starting at the cursor (which must be at its opening quote): returns the length of its
    /// body in bytes and whether it contains escapes. Consumes nothing. `limit` bounds the body as written
    /// (escapes count as written), so the scan stops early on a hostile string.
    fn measure_string(
        &self,
        what: &'static str,
        limit: usize,
    ) -> Result<(usize, bool), DecodeError> {
        let body = self.input.chunk().get(1..).unwrap_or_default();
        let mut escaped = false;
        let mut at = 0;
        while at < body.len() {
            if at > limit {
                return Err(self.string_too_long(what, at, limit));
            }
            match body[at] {
                b'"' => return Ok((at, escaped)),
                b'\\' => {
                    escaped = true;
                    at += 2;
                }
                _ => at += 1,
            }
        }
        Err(self.eof(what, 1))
    }

    fn string_too_long(&self, what: &'static str, len: usize, limit: usize) -> DecodeError {
        DecodeError::from(DecodeErrorKind::LimitExceeded {
            offset: self.offset(),
            what,
            len: len as u64,
            limit: limit as u64,
        })
    }

    /// Reads a JSON string (after its context separator) and returns its unescaped bytes.
    fn string_bytes(&mut self, what: &'static str, limit: usize) -> Result<Vec<u8>, DecodeError> {
        self.expect_quote(what)?;
        let (len, escaped) = self.measure_string(what, limit)?;
        let start = self.offset();
        let raw = &self.input.chunk()[1..=len];
        let decoded = if escaped {
            unescape(raw, start + 1, what)?
        } else {
            raw.to_vec()
        };
        self.input.advance(len + 2);
        Ok(decoded)
    }

    fn expect_quote(&mut self, what: &'static str) -> Result<(), DecodeError> {
        match self.peek() {
            Some(b'"') => Ok(()),
            Some(found) => Err(self.invalid(
                what,
                format!("expected a string, found {}", describe_byte(found)),
            )),
            None => Err(self.eof(what, 2)),
        }
    }

    /// Reads a short unescaped string (a type name, a quoted number) without allocating.
    fn short_string<T>(
        &mut self,
        what: &'static str,
        parse: impl FnOnce(&[u8]) -> Option<T>,
    ) -> Result<T, DecodeError> {
        self.expect_quote(what)?;
        let start = self.offset();
        let body = &self.input.chunk()[1..];
        let end = body
            .iter()
            .take(MAX_NUMBER_LEN + 1)
            .position(|&b| b == b'"' || b == b'\\');
        match end {
            Some(len) if body[len] == b'"' => match parse(&body[..len]) {
                Some(value) => {
                    self.input.advance(len + 2);
                    Ok(value)
                }
                None => Err(DecodeError::from(DecodeErrorKind::InvalidData {
                    offset: start,
                    what,
                    detail: format!("unexpected {}", quote_snippet(&body[..len])),
                })),
            },
            Some(_) => Err(self.invalid(what, "escapes are not allowed here")),
            None if body.len() <= MAX_NUMBER_LEN => Err(self.eof(what, 1)),
            None => Err(self.invalid(what, "string is too long")),
        }
    }

    fn type_tag(&mut self, what: &'static str) -> Result<TType, DecodeError> {
        self.separator(what)?;
        self.short_string(what, type_from_name)
    }

    /// Reads the characters of a number token (no quotes) and parses them.
    fn number_token<T>(
        &mut self,
        what: &'static str,
        accept: impl Fn(u8) -> bool,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, DecodeError> {
        self.skip_whitespace();
        let chunk = self.input.chunk();
        let len = chunk
            .iter()
            .take(MAX_NUMBER_LEN + 1)
            .take_while(|&&b| accept(b))
            .count();
        if len == 0 {
            return match chunk.first() {
                Some(&found) => Err(self.invalid(
                    what,
                    format!("expected a number, found {}", describe_byte(found)),
                )),
                None => Err(self.eof(what, 1)),
            };
        }
        if len > MAX_NUMBER_LEN {
            return Err(self.invalid(what, "number is too long"));
        }
        let text = std::str::from_utf8(&chunk[..len]).unwrap_or_default();
        match parse(text) {
            Some(value) => {
                self.input.advance(len);
                Ok(value)
            }
            None => Err(self.invalid(what, format!("`{text}` is not a valid number here"))),
        }
    }

    /// Reads an integer in the current context (quoted when it is an object key).
    fn integer(&mut self, what: &'static str) -> Result<i64, DecodeError> {
        self.integer_at(what).map(|(value, _)| value)
    }

    /// Like [`Self::integer`], also returning where the number starts.
    fn integer_at(&mut self, what: &'static str) -> Result<(i64, usize), DecodeError> {
        self.separator(what)?;
        let quoted = self.context.quotes_numbers();
        if quoted {
            self.expect(b'"', what)?;
        }
        self.skip_whitespace();
        let offset = self.offset();
        let value = self.number_token(
            what,
            |b| b.is_ascii_digit() || b == b'-' || b == b'+',
            |text| text.parse::<i64>().ok(),
        )?;
        if quoted {
            self.expect(b'"', what)?;
        }
        Ok((value, offset))
    }

    fn integer_in<T: TryFrom<i64>>(&mut self, what: &'static str) -> Result<T, DecodeError> {
        let (value, offset) = self.integer_at(what)?;
        T::try_from(value).map_err(|_| {
            DecodeError::from(DecodeErrorKind::InvalidData {
                offset,
                what,
                detail: format!("{value} is out of range"),
            })
        })
    }

    /// Reads a count and checks it against the limit and against the bytes left, each element taking at least
    /// `min_bytes` of them.
    fn count(&mut self, what: &'static str, min_bytes: usize) -> Result<usize, DecodeError> {
        self.separator(what)?;
        self.skip_whitespace();
        let offset = self.offset();
        let count = self.number_token(
            what,
            |b| b.is_ascii_digit() || b == b'-' || b == b'+',
            |text| text.parse::<i64>().ok(),
        )?;
        if count < 0 {
            return Err(DecodeError::from(DecodeErrorKind::NegativeLength {
                offset,
                what,
                len: count,
            }));
        }
        let count = count as u64;
        if count > self.limits.max_container_len as u64 {
            return Err(DecodeError::from(DecodeErrorKind::LimitExceeded {
                offset,
                what,
                len: count,
                limit: self.limits.max_container_len as u64,
            }));
        }
        let count = count as usize;
        let needed = count.saturating_mul(min_bytes);
        let remaining = self.input.remaining();
        if needed > remaining {
            return Err(DecodeError::from(DecodeErrorKind::UnexpectedEof {
                offset,
                what,
                needed: needed - remaining,
            }));
        }
        Ok(count)
    }

    fn container(&mut self, what: &'static str) -> Result<ListHeader, DecodeError> {
        self.enter()?;
        self.open(b'[', Context::LIST, what)?;
        let elem = self.type_tag(what)?;
        // `,x` is the shortest element.
        let len = self.count(what, 2)?;
        Ok(ListHeader { elem, len })
    }
}

fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

fn describe_byte(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("`{}`", char::from(byte))
    } else {
        format!("byte 0x{byte:02x}")
    }
}

fn quote_snippet(bytes: &[u8]) -> String {
    format!("\"{}\"", String::from_utf8_lossy(bytes).escape_debug())
}

/// Decodes the escapes of a string body; `offset` is where the body starts, for errors.
fn unescape(raw: &[u8], offset: usize, what: &'static str) -> Result<Vec<u8>, DecodeError> {
    let invalid = |at: usize, detail: String| {
        DecodeError::from(DecodeErrorKind::InvalidData {
            offset: offset + at,
            what,
            detail,
        })
    };
    let hex4 = |at: usize| -> Result<u32, DecodeError> {
        let digits = raw
            .get(at..at + 4)
            .ok_or_else(|| invalid(at, "truncated \\u escape".into()))?;
        let mut value = 0;
        for &digit in digits {
            let nibble = char::from(digit)
                .to_digit(16)
                .ok_or_else(|| invalid(at, format!("bad hex digit {}", describe_byte(digit))))?;
            value = (value << 4) | nibble;
        }
        Ok(value)
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut at = 0;
    while at < raw.len() {
        let byte = raw[at];
        if byte != b'\\' {
            out.push(byte);
            at += 1;
            continue;
        }
        let kind = raw.get(at + 1).copied().unwrap_or(0);
        let simple = match kind {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => None,
            other => {
                return Err(invalid(
                    at,
                    format!("unknown escape \\{}", char::from(other)),
                ));
            }
        };
        if let Some(unescaped) = simple {
            out.push(unescaped);
            at += 2;
            continue;
        }
        let unit = hex4(at + 2)?;
        let code = match unit {
            0xd800..=0xdbff => {
                let low = if raw.get(at + 6..at + 8) == Some(b"\\u") {
                    hex4(at + 8)?
                } else {
                    0
                };
                if !(0xdc00..=0xdfff).contains(&low) {
                    return Err(invalid(at, "high surrogate without a low surrogate".into()));
                }
                at += 6;
                0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
            }
            0xdc00..=0xdfff => {
                return Err(invalid(at, "low surrogate without a high surrogate".into()));
            }
            _ => unit,
        };
        let character = char::from_u32(code)
            .ok_or_else(|| invalid(at, format!("\\u escape {code:x} is not a character")))?;
        let mut utf8 = [0u8; 4];
        out.extend_from_slice(character.encode_utf8(&mut utf8).as_bytes());
        at += 6;
    }
    Ok(out)
}

fn parse_uuid(text: &[u8]) -> Option<[u8; 16]> {
    let hex: &[u8] = match text.len() {
        36 if [8, 13, 18, 23].iter().all(|&i| text[i] == b'-') => text,
        32 => text,
        _ => return None,
    };
    let mut nibbles = hex
        .iter()
        .filter(|&&b| b != b'-' || hex.len() == 32)
        .map(|&b| char::from(b).to_digit(16));
    let mut uuid = [0u8; 16];
    for byte in &mut uuid {
        let high = nibbles.next()??;
        let low = nibbles.next()??;
        *byte = ((high << 4) | low) as u8;
    }
    nibbles.next().is_none().then_some(uuid)
}

fn parse_double(text: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(text).ok()?;
    // Rust's parser also takes `inf`, `infinity` and `nan` in any case, which covers what Python writes.
    text.parse::<f64>().ok()
}

impl<S: ReadBuf> Reader for JsonReader<S> {
    fn read_message_begin(&mut self) -> Result<MessageHeader, DecodeError> {
        self.context = Context::Base;
        self.outer.clear();
        self.depth = 0;
        self.open(b'[', Context::LIST, "message")?;
        let (version, offset) = self.integer_at("message version")?;
        if version != VERSION {
            return Err(DecodeError::from(DecodeErrorKind::BadVersion {
                offset,
                detail: format!("JSON protocol version {version}, expected 1"),
            }));
        }
        let name = self.read_string()?;
        let (kind, offset) = self.integer_at("message type")?;
        let kind = u8::try_from(kind)
            .ok()
            .and_then(MessageType::from_id)
            .ok_or_else(|| {
                DecodeError::from(DecodeErrorKind::InvalidData {
                    offset,
                    what: "message type",
                    detail: format!("{kind} is not CALL, REPLY, EXCEPTION or ONEWAY"),
                })
            })?;
        let seqid = self.integer_in("message seqid")?;
        Ok(MessageHeader { name, kind, seqid })
    }

    fn read_message_end(&mut self) -> Result<(), DecodeError> {
        self.close(b']', "message end")
    }

    fn read_struct_begin(&mut self) -> Result<(), DecodeError> {
        self.enter()?;
        self.open(b'{', Context::PAIR, "struct")
    }

    fn read_struct_end(&mut self) -> Result<(), DecodeError> {
        self.close(b'}', "struct end")?;
        self.leave();
        Ok(())
    }

    fn read_field_begin(&mut self) -> Result<FieldHeader, DecodeError> {
        if self.peek() == Some(b'}') {
            return Ok(FieldHeader {
                ttype: TType::Stop,
                id: 0,
            });
        }
        let id = self.integer_in("field id")?;
        self.open(b'{', Context::PAIR, "field")?;
        let ttype = self.type_tag("field type")?;
        Ok(FieldHeader { ttype, id })
    }

    fn read_field_end(&mut self) -> Result<(), DecodeError> {
        self.close(b'}', "field end")
    }

    fn read_bool(&mut self) -> Result<bool, DecodeError> {
        // Apache's readers take any non-zero number as true.
        Ok(self.integer("bool")? != 0)
    }

    fn read_i8(&mut self) -> Result<i8, DecodeError> {
        self.integer_in("i8")
    }

    fn read_i16(&mut self) -> Result<i16, DecodeError> {
        self.integer_in("i16")
    }

    fn read_i32(&mut self) -> Result<i32, DecodeError> {
        self.integer_in("i32")
    }

    fn read_i64(&mut self) -> Result<i64, DecodeError> {
        self.integer("i64")
    }

    fn read_double(&mut self) -> Result<f64, DecodeError> {
        self.separator("double")?;
        if self.peek() == Some(b'"') {
            return self.short_string("double", parse_double);
        }
        // Bare `nan`/`inf` are what Python's writer emits for the special values.
        self.number_token(
            "double",
            |b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'),
            |text| text.parse::<f64>().ok(),
        )
    }

    fn read_string(&mut self) -> Result<String, DecodeError> {
        self.separator("string")?;
        self.skip_whitespace();
        let offset = self.offset();
        let bytes = self.string_bytes("string", self.limits.max_string_len)?;
        String::from_utf8(bytes)
            .map_err(|_| DecodeError::from(DecodeErrorKind::InvalidUtf8 { offset }))
    }

    fn read_binary(&mut self) -> Result<Bytes, DecodeError> {
        self.separator("binary")?;
        self.skip_whitespace();
        let offset = self.offset();
        // Base64 text of the longest allowed value, padding included.
        let max = self.limits.max_string_len;
        let text_limit = max.div_ceil(3).saturating_mul(4);
        let text = self.string_bytes("binary", text_limit)?;
        let decoded = BASE64_LENIENT.decode(&text).map_err(|error| {
            DecodeError::from(DecodeErrorKind::InvalidData {
                offset,
                what: "binary",
                detail: format!("bad base64: {error}"),
            })
        })?;
        if decoded.len() > max {
            return Err(DecodeError::from(DecodeErrorKind::LimitExceeded {
                offset,
                what: "binary",
                len: decoded.len() as u64,
                limit: max as u64,
            }));
        }
        Ok(Bytes::from(decoded))
    }

    fn read_uuid(&mut self) -> Result<[u8; 16], DecodeError> {
        self.separator("uuid")?;
        self.short_string("uuid", parse_uuid)
    }

    fn read_list_begin(&mut self) -> Result<ListHeader, DecodeError> {
        self.container("list")
    }

    fn read_list_end(&mut self) -> Result<(), DecodeError> {
        self.close(b']', "list end")?;
        self.leave();
        Ok(())
    }

    fn read_set_begin(&mut self) -> Result<ListHeader, DecodeError> {
        self.container("set")
    }

    fn read_set_end(&mut self) -> Result<(), DecodeError> {
        self.close(b']', "set end")?;
        self.leave();
        Ok(())
    }

    fn read_map_begin(&mut self) -> Result<MapHeader, DecodeError> {
        self.enter()?;
        self.open(b'[', Context::LIST, "map")?;
        let key = self.type_tag("map key type")?;
        let value = self.type_tag("map value type")?;
        // `"k":v,` is the shortest entry.
        let len = self.count("map", 5)?;
        self.open(b'{', Context::PAIR, "map")?;
        Ok(MapHeader { key, value, len })
    }

    fn read_map_end(&mut self) -> Result<(), DecodeError> {
        self.close(b'}', "map end")?;
        self.close(b']', "map end")?;
        self.leave();
        Ok(())
    }

    fn position(&self) -> usize {
        self.offset()
    }

    /// A type-11 value is passed over as text: it may be a `string` that is not base64, and passing over it
    /// needs no allocation.
    fn skip_binary(&mut self) -> Result<(), DecodeError> {
        self.separator("string")?;
        self.expect_quote("string")?;
        let limit = self.limits.max_string_len.div_ceil(3).saturating_mul(4);
        let (len, _) = self.measure_string("string", limit)?;
        self.input.advance(len + 2);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::SliceInput;

    fn formatted(value: f64) -> String {
        let mut text = NumberText::new();
        format_double(value, &mut text);
        String::from_utf8(text.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn doubles_format_like_printf_17g() {
        // Expected strings are Python's `'{0:.17g}'.format(v)`, which Apache's writers use.
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (0.1, "0.10000000000000001"),
            (-2.5, "-2.5"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1e-4, "0.0001"),
            (1e-5, "1.0000000000000001e-05"),
            (5e-324, "4.9406564584124654e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (std::f64::consts::PI, "3.1415926535897931"),
            (100.0, "100"),
            (1e22, "1e+22"),
            (0.30000000000000004, "0.30000000000000004"),
            (1234.5, "1234.5"),
        ];
        for &(value, expected) in cases {
            assert_eq!(formatted(value), expected, "formatting {value:?}");
        }
    }

    /// `%.17g` by way of the standard library's exact formatting, the reference for the fast path.
    fn reference(value: f64) -> String {
        let mut slow = NumberText::new();
        let text = format!("{:.16e}", value.abs());
        let (mantissa, exponent) = text.split_once('e').unwrap();
        let exponent: i32 = exponent.parse().unwrap();
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let digits = digits.trim_end_matches('0');
        let digits = if digits.is_empty() { "0" } else { digits };
        let sign = if value.is_sign_negative() { "-" } else { "" };
        let body = if (-4..17).contains(&exponent) {
            if exponent < 0 {
                format!("0.{}{digits}", "0".repeat((-exponent - 1) as usize))
            } else if digits.len() <= exponent as usize + 1 {
                format!(
                    "{digits}{}",
                    "0".repeat(exponent as usize + 1 - digits.len())
                )
            } else {
                let (int, frac) = digits.split_at(exponent as usize + 1);
                format!("{int}.{frac}")
            }
        } else {
            let (first, rest) = digits.split_at(1);
            let dot = if rest.is_empty() { "" } else { "." };
            let sign = if exponent < 0 { '-' } else { '+' };
            format!("{first}{dot}{rest}e{sign}{:02}", exponent.unsigned_abs())
        };
        let _ = slow.write_str(sign);
        let _ = slow.write_str(&body);
        String::from_utf8(slow.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn exact_digit_path_agrees_with_the_standard_library() {
        let mut state = 0x5eed_u64;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let mut values = vec![
            1e-6,
            1e38,
            9.999999999999999e16,
            1e17,
            99999999999999999.0,
            0.5,
            2.5,
        ];
        for _ in 0..20_000 {
            let bits = next();
            values.push(f64::from_bits(bits));
            // Magnitudes inside the fast path's range, and short dyadic values where ties can occur.
            values.push(f64::from_bits(
                (bits & 0x800f_ffff_ffff_ffff) | ((1003 + bits % 150) << 52),
            ));
            values.push((bits % 1_000_000) as f64 / f64::from(1u32 << (bits % 30)));
            values.push((bits >> 11) as f64 * 10f64.powi((bits % 40) as i32 - 20));
        }
        for value in values.into_iter().filter(|v| v.is_finite()) {
            assert_eq!(
                formatted(value),
                reference(value),
                "bits {:016x}",
                value.to_bits()
            );
        }
    }

    fn encode(write: impl FnOnce(&mut JsonWriter<Vec<u8>>) -> Result<(), EncodeError>) -> String {
        let mut writer = JsonWriter::new(Vec::new());
        write(&mut writer).unwrap();
        String::from_utf8(writer.into_inner()).unwrap()
    }

    #[test]
    fn struct_and_message_layout() {
        let text = encode(|w| {
            w.write_message_begin(&MessageHeader {
                name: "ping".into(),
                kind: MessageType::Call,
                seqid: 1,
            })?;
            w.write_struct_begin("args")?;
            w.write_field_begin("a", TType::I32, 1)?;
            w.write_i32(5)?;
            w.write_field_end()?;
            w.write_field_begin("b", TType::Binary, 2)?;
            w.write_string("x")?;
            w.write_field_end()?;
            w.write_field_begin("c", TType::Map, 3)?;
            w.write_map_begin(TType::I64, TType::Double, 2)?;
            w.write_i64(-7)?;
            w.write_double(f64::NAN)?;
            w.write_i64(8)?;
            w.write_double(1.5)?;
            w.write_map_end()?;
            w.write_field_end()?;
            w.write_field_stop()?;
            w.write_struct_end()?;
            w.write_message_end()
        });
        assert_eq!(
            text,
            r#"[1,"ping",1,1,{"1":{"i32":5},"2":{"str":"x"},"3":{"map":["i64","dbl",2,{"-7":"NaN","8":1.5}]}}]"#
        );
    }

    #[test]
    fn strings_escape_quotes_backslashes_and_control_characters() {
        let text = encode(|w| w.write_string("a\"b\\c/\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f}é😀"));
        assert_eq!(
            text,
            "\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0001\\u001f\u{7f}é😀\""
        );
    }

    fn reader(text: &str) -> JsonReader<SliceInput<'_>> {
        JsonReader::new(SliceInput::new(text.as_bytes()), Limits::default())
    }

    #[test]
    fn reads_escapes_and_surrogate_pairs() {
        let mut r = reader(r#""\u00e9\ud83d\ude00\/\"\\\b\f\n\r\t\u0041""#);
        assert_eq!(r.read_string().unwrap(), "é😀/\"\\\u{8}\u{c}\n\r\tA");
        let mut r = reader(r#""\ud83d""#);
        assert!(matches!(
            r.read_string().as_ref().map_err(DecodeError::kind),
            Err(DecodeErrorKind::InvalidData { offset: 1, .. })
        ));
        let mut r = reader(r#""\ude00x""#);
        assert!(r.read_string().is_err());
    }

    #[test]
    fn reads_special_and_quoted_doubles() {
        for (text, expected) in [
            (r#""NaN""#, f64::NAN),
            ("nan", f64::NAN),
            (r#""Infinity""#, f64::INFINITY),
            (r#""-Infinity""#, f64::NEG_INFINITY),
            ("-inf", f64::NEG_INFINITY),
            (r#""2.5""#, 2.5),
            ("1e+300", 1e300),
            ("-0", -0.0),
        ] {
            let value = reader(text).read_double().unwrap();
            assert_eq!(value.to_bits(), expected.to_bits(), "{text}");
        }
        assert!(reader("\"x\"").read_double().is_err());
    }

    #[test]
    fn reads_padded_and_unpadded_base64() {
        for text in [r#""AAEC/w==""#, r#""AAEC/w""#] {
            assert_eq!(
                &reader(text).read_binary().unwrap()[..],
                &[0, 1, 2, 255][..]
            );
        }
        assert!(reader(r#""A""#).read_binary().is_err());
    }

    #[test]
    fn uuid_round_trip() {
        let uuid = *b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff";
        let text = encode(|w| w.write_uuid(&uuid));
        assert_eq!(text, r#""00112233-4455-6677-8899-aabbccddeeff""#);
        assert_eq!(reader(&text).read_uuid().unwrap(), uuid);
        assert_eq!(
            reader(r#""00112233445566778899AABBCCDDEEFF""#)
                .read_uuid()
                .unwrap(),
            uuid
        );
        assert!(
            reader(r#""00112233-4455-6677-8899-aabbccddeef""#)
                .read_uuid()
                .is_err()
        );
    }

    #[test]
    fn reads_struct_with_whitespace_and_stops_at_brace() {
        let mut r = reader(r#" { "1" : { "i32" : 5 } , "2":{"tf":1} } "#);
        r.read_struct_begin().unwrap();
        let field = r.read_field_begin().unwrap();
        assert_eq!((field.id, field.ttype), (1, TType::I32));
        assert_eq!(r.read_i32().unwrap(), 5);
        r.read_field_end().unwrap();
        let field = r.read_field_begin().unwrap();
        assert_eq!((field.id, field.ttype), (2, TType::Bool));
        assert!(r.read_bool().unwrap());
        r.read_field_end().unwrap();
        assert_eq!(r.read_field_begin().unwrap().ttype, TType::Stop);
        r.read_struct_end().unwrap();
    }

    #[test]
    fn rejects_out_of_range_integers_and_huge_counts() {
        let mut r = reader(r#"{"1":{"i8":128}}"#);
        r.read_struct_begin().unwrap();
        r.read_field_begin().unwrap();
        assert!(matches!(
            r.read_i8().as_ref().map_err(DecodeError::kind),
            Err(DecodeErrorKind::InvalidData { offset: 11, .. })
        ));
        let mut r = reader(r#"["i32",2147483648,1]"#);
        assert!(matches!(
            r.read_list_begin().as_ref().map_err(DecodeError::kind),
            Err(DecodeErrorKind::LimitExceeded { offset: 7, .. })
        ));
        let mut r = reader(r#"["i32",1000,1]"#);
        assert!(matches!(
            r.read_list_begin().as_ref().map_err(DecodeError::kind),
            Err(DecodeErrorKind::UnexpectedEof { .. })
        ));
        let mut r = reader(r#"["i32",-1]"#);
        assert!(matches!(
            r.read_list_begin().as_ref().map_err(DecodeError::kind),
            Err(DecodeErrorKind::NegativeLength { .. })
        ));
    }

    #[test]
    fn binary_limit_applies_to_decoded_bytes() {
        let limits = Limits {
            max_string_len: 4,
            ..Limits::default()
        };
        let read =
            |text: &str| JsonReader::new(SliceInput::new(text.as_bytes()), limits).read_binary();
        assert_eq!(&read(r#""AAECAw==""#).unwrap()[..], &[0, 1, 2, 3][..]);
        assert!(matches!(
            read(r#""AAECAwQ=""#).as_ref().map_err(DecodeError::kind),
            Err(DecodeErrorKind::LimitExceeded { len: 5, .. })
        ));
        assert!(matches!(
            read(r#""AAECAwQFBgc=""#)
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::LimitExceeded { .. })
        ));
    }

    #[test]
    fn skips_strings_that_are_not_base64() {
        let mut r = reader(r#"{"1":{"str":"not base64 {\"}"},"2":{"lst":["str",1,"é"]}}"#);
        r.skip(TType::Struct).unwrap();
        assert_eq!(r.into_inner().remaining(), 0);
    }

    #[test]
    fn message_header_checks_version_and_type() {
        let mut r = reader(r#"[1,"ping",4,-3,{}]"#);
        let header = r.read_message_begin().unwrap();
        assert_eq!(header.kind, MessageType::Oneway);
        assert_eq!(header.seqid, -3);
        assert!(matches!(
            reader(r#"[2,"ping",1,1,{}]"#)
                .read_message_begin()
                .as_ref()
                .map_err(DecodeError::kind),
            Err(DecodeErrorKind::BadVersion { offset: 1, .. })
        ));
        assert!(reader(r#"[1,"ping",5,1,{}]"#).read_message_begin().is_err());
    }
}
