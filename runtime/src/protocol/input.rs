//! Input buffers readers consume: borrowed slices, or [`Bytes`] so that `binary` values decode without copying.

use bytes::Bytes;

/// A cursor over the bytes of one encoded message.
///
/// Implemented for `&[u8]` (binary values are copied out) and [`Bytes`] (binary values are shared slices).
pub trait ReadBuf {
    /// The bytes not yet consumed.
    fn chunk(&self) -> &[u8];
    /// Consumes `n` bytes; `n` must not exceed `chunk().len()`.
    fn advance(&mut self, n: usize);
    /// Consumes `n` bytes and returns them as [`Bytes`]; `n` must not exceed `chunk().len()`.
    fn take_bytes(&mut self, n: usize) -> Bytes;
    /// How many bytes have been consumed since the start.
    fn consumed(&self) -> usize;

    /// How many bytes are left.
    #[inline]
    fn remaining(&self) -> usize {
        self.chunk().len()
    }
}

/// A borrowed input slice and how much of it has been read.
#[derive(Debug, Clone)]
pub struct SliceInput<'a> {
    rest: &'a [u8],
    consumed: usize,
}

impl<'a> SliceInput<'a> {
    /// Reads from the start of `bytes`.
    #[inline]
    pub fn new(bytes: &'a [u8]) -> Self {
        SliceInput {
            rest: bytes,
            consumed: 0,
        }
    }
}

impl ReadBuf for SliceInput<'_> {
    #[inline]
    fn chunk(&self) -> &[u8] {
        self.rest
    }

    #[inline]
    fn advance(&mut self, n: usize) {
        self.rest = &self.rest[n..];
        self.consumed += n;
    }

    #[inline]
    fn take_bytes(&mut self, n: usize) -> Bytes {
        let taken = Bytes::copy_from_slice(&self.rest[..n]);
        self.advance(n);
        taken
    }

    #[inline]
    fn consumed(&self) -> usize {
        self.consumed
    }
}

/// Owned, reference-counted input: `binary` values come out as slices of it, without a copy.
#[derive(Debug, Clone)]
pub struct BytesInput {
    rest: Bytes,
    consumed: usize,
}

impl BytesInput {
    /// Reads from the start of `bytes`.
    #[inline]
    pub fn new(bytes: Bytes) -> Self {
        BytesInput {
            rest: bytes,
            consumed: 0,
        }
    }
}

impl ReadBuf for BytesInput {
    #[inline]
    fn chunk(&self) -> &[u8] {
        &self.rest
    }

    #[inline]
    fn advance(&mut self, n: usize) {
        bytes::Buf::advance(&mut self.rest, n);
        self.consumed += n;
    }

    #[inline]
    fn take_bytes(&mut self, n: usize) -> Bytes {
        self.consumed += n;
        self.rest.split_to(n)
    }

    #[inline]
    fn consumed(&self) -> usize {
        self.consumed
    }
}
