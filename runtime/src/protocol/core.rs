//! What the binary and compact readers and writers share: the reader's input, limits and nesting depth with
//! the reads whose bytes are alike in both protocols (raw bytes, UTF-8 text, binary, uuid), the checks of
//! lengths and counts against the limits and the bytes left, and the writers' length error.

use bytes::Bytes;

use super::text;
use super::{FastStr, Limits, MessageType, ReadBuf};
use crate::protocol::{DecodeError, DecodeErrorKind, EncodeError};

/// The state every binary-like reader holds: its input, the limits it enforces, how deep it is nested.
#[derive(Debug)]
pub(super) struct ReaderCore<S> {
    pub(super) input: S,
    pub(super) limits: Limits,
    depth: usize,
}

impl<S: ReadBuf> ReaderCore<S> {
    pub(super) fn new(input: S, limits: Limits) -> Self {
        ReaderCore {
            input,
            limits,
            depth: 0,
        }
    }

    #[inline(always)]
    pub(super) fn read_u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        match self.input.chunk().first() {
            Some(&byte) => {
                self.input.advance(1);
                Ok(byte)
            }
            None => Err(unexpected_eof(&self.input, what, 1)),
        }
    }

    #[inline]
    pub(super) fn read_array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        match self.input.chunk().first_chunk::<N>() {
            Some(bytes) => {
                let bytes = *bytes;
                self.input.advance(N);
                Ok(bytes)
            }
            None => Err(unexpected_eof(&self.input, what, N)),
        }
    }

    /// Enters one level of struct or container nesting that starts at `offset`, failing once
    /// [`Limits::max_depth`] is reached.
    #[inline]
    pub(super) fn enter_at(&mut self, offset: usize) -> Result<(), DecodeError> {
        if self.depth >= self.limits.max_depth {
            return Err(depth_exceeded(offset, &self.limits));
        }
        self.depth += 1;
        Ok(())
    }

    /// Enters one level of nesting at the current position.
    #[inline]
    pub(super) fn enter(&mut self) -> Result<(), DecodeError> {
        self.enter_at(self.input.consumed())
    }

    /// Leaves one level of nesting.
    #[inline]
    pub(super) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Checks a string or binary length prefix read at `start`; see [`byte_len`].
    #[inline(always)]
    pub(super) fn byte_len(
        &self,
        start: usize,
        what: &'static str,
        len: i64,
    ) -> Result<usize, DecodeError> {
        byte_len(&self.input, &self.limits, start, what, len)
    }

    /// Checks a container count read at `start`; see [`container_len`].
    #[inline(always)]
    pub(super) fn container_len(
        &self,
        start: usize,
        what: &'static str,
        len: i64,
        min_elem_size: usize,
    ) -> Result<usize, DecodeError> {
        container_len(&self.input, &self.limits, start, what, len, min_elem_size)
    }

    /// Consumes `len` already-checked bytes as a UTF-8 string.
    #[inline(always)]
    pub(super) fn read_utf8(
        &mut self,
        len: usize,
        what: &'static str,
    ) -> Result<String, DecodeError> {
        let text = take_utf8(&self.input, len, what)?;
        self.input.advance(len);
        Ok(text)
    }

    /// Consumes `len` already-checked bytes as a UTF-8 [`FastStr`]; see [`take_fast_str`].
    #[inline(always)]
    pub(super) fn read_fast_str(
        &mut self,
        len: usize,
        what: &'static str,
    ) -> Result<FastStr, DecodeError> {
        take_fast_str(&mut self.input, len, what)
    }

    /// Consumes `len` already-checked bytes as binary, without copying when the input is [`Bytes`].
    #[inline]
    pub(super) fn read_bytes(&mut self, len: usize) -> Bytes {
        self.input.take_bytes(len)
    }

    /// Reads a uuid: 16 raw bytes in either protocol.
    #[inline]
    pub(super) fn read_uuid(&mut self) -> Result<[u8; 16], DecodeError> {
        self.read_array("uuid")
    }
}

/// The error for a string, binary or container longer than an `i32` length prefix can carry.
#[cold]
pub(super) fn too_long(what: &'static str, len: usize) -> EncodeError {
    EncodeError::TooLong {
        what,
        len,
        max: i32::MAX as usize,
    }
}

/// The error for input that ends `wanted` bytes short of what `what` needs, reported at the end of the input.
#[cold]
#[inline(never)]
pub(super) fn unexpected_eof<S: ReadBuf>(
    input: &S,
    what: &'static str,
    wanted: usize,
) -> DecodeError {
    let remaining = input.remaining();
    DecodeError::from(DecodeErrorKind::UnexpectedEof {
        offset: input.consumed().saturating_add(remaining),
        what,
        needed: wanted.saturating_sub(remaining).max(1),
    })
}

#[cold]
fn depth_exceeded(offset: usize, limits: &Limits) -> DecodeError {
    DecodeError::from(DecodeErrorKind::DepthExceeded {
        offset,
        limit: limits.max_depth,
    })
}

/// The message type with wire value `id`, or an error at `offset`.
pub(super) fn message_type(offset: usize, id: u8) -> Result<MessageType, DecodeError> {
    MessageType::from_id(id).ok_or_else(|| {
        DecodeError::from(DecodeErrorKind::InvalidData {
            offset,
            what: "message type",
            detail: format!("{id} is not CALL (1), REPLY (2), EXCEPTION (3) or ONEWAY (4)"),
        })
    })
}

/// Checks a string or binary length prefix (read at `start`) against the limit and the bytes left.
#[inline(always)]
pub(super) fn byte_len<S: ReadBuf>(
    input: &S,
    limits: &Limits,
    start: usize,
    what: &'static str,
    len: i64,
) -> Result<usize, DecodeError> {
    // One branch on the hot path; the cold path works out which check failed.
    let allowed = limits.max_string_len.min(input.remaining());
    match usize::try_from(len) {
        Ok(len) if len <= allowed => Ok(len),
        _ => Err(bad_byte_len(input, limits, start, what, len)),
    }
}

/// Why a string or binary length prefix was refused.
#[cold]
#[inline(never)]
fn bad_byte_len<S: ReadBuf>(
    input: &S,
    limits: &Limits,
    start: usize,
    what: &'static str,
    len: i64,
) -> DecodeError {
    if len < 0 {
        DecodeError::from(DecodeErrorKind::NegativeLength {
            offset: start,
            what,
            len,
        })
    } else if len.unsigned_abs() > limits.max_string_len as u64 {
        DecodeError::from(DecodeErrorKind::LimitExceeded {
            offset: start,
            what,
            len: len.unsigned_abs(),
            limit: limits.max_string_len as u64,
        })
    } else {
        unexpected_eof(input, what, len.unsigned_abs() as usize)
    }
}

/// Checks a container count (read at `start`) against the limit and against the bytes left, given that every
/// element takes at least `min_elem_size` bytes.
#[inline(always)]
pub(super) fn container_len<S: ReadBuf>(
    input: &S,
    limits: &Limits,
    start: usize,
    what: &'static str,
    len: i64,
    min_elem_size: usize,
) -> Result<usize, DecodeError> {
    match usize::try_from(len) {
        Ok(0) => Ok(0),
        Ok(count)
            if count <= limits.max_container_len
                && count.saturating_mul(min_elem_size) <= input.remaining() =>
        {
            Ok(count)
        }
        _ => Err(bad_container_len(
            input,
            limits,
            start,
            what,
            len,
            min_elem_size,
        )),
    }
}

/// Why a container count was refused.
#[cold]
#[inline(never)]
fn bad_container_len<S: ReadBuf>(
    input: &S,
    limits: &Limits,
    start: usize,
    what: &'static str,
    len: i64,
    min_elem_size: usize,
) -> DecodeError {
    if len < 0 {
        return DecodeError::from(DecodeErrorKind::NegativeLength {
            offset: start,
            what,
            len,
        });
    }
    let count = len.unsigned_abs();
    if count > limits.max_container_len as u64 {
        return DecodeError::from(DecodeErrorKind::LimitExceeded {
            offset: start,
            what,
            len: count,
            limit: limits.max_container_len as u64,
        });
    }
    if min_elem_size == usize::MAX {
        return DecodeError::from(DecodeErrorKind::InvalidData {
            offset: start,
            what,
            detail: format!("{count} element(s) of type STOP"),
        });
    }
    unexpected_eof(input, what, (count as usize).saturating_mul(min_elem_size))
}

/// Copies the next `len` bytes (already checked to be present) out as a UTF-8 string, without consuming them.
#[inline(always)]
pub(super) fn take_utf8<S: ReadBuf>(
    input: &S,
    len: usize,
    what: &'static str,
) -> Result<String, DecodeError> {
    let Some(bytes) = input.chunk().get(..len) else {
        return Err(unexpected_eof(input, what, len));
    };
    match text::utf8(bytes) {
        Some(text) => Ok(text.to_owned()),
        None => Err(DecodeError::from(DecodeErrorKind::InvalidUtf8 {
            offset: input.consumed(),
        })),
    }
}

/// The longest string [`FastStr`] keeps inline; longer ones share the input buffer.
pub(super) const INLINE_STR: usize = 30;

/// Consumes the next `len` bytes (already checked against the limit) as a validated UTF-8 [`FastStr`]: a short
/// string is copied inline, a longer one shares the input's buffer when the input is [`Bytes`].
#[inline(always)]
pub(super) fn take_fast_str<S: ReadBuf>(
    input: &mut S,
    len: usize,
    what: &'static str,
) -> Result<FastStr, DecodeError> {
    let offset = input.consumed();
    let Some(bytes) = input.chunk().get(..len) else {
        return Err(unexpected_eof(input, what, len));
    };
    if len <= INLINE_STR {
        let Some(text) = text::utf8(bytes) else {
            return Err(DecodeError::from(DecodeErrorKind::InvalidUtf8 { offset }));
        };
        let text = FastStr::new(text);
        input.advance(len);
        Ok(text)
    } else {
        FastStr::from_bytes(input.take_bytes(len))
            .map_err(|_| DecodeError::from(DecodeErrorKind::InvalidUtf8 { offset }))
    }
}
