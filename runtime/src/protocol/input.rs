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
    /// The input's whole length, from which `rest` gives the bytes consumed without a counter to update.
    len: usize,
}

impl<'a> SliceInput<'a> {
    /// Reads from the start of `bytes`.
    #[inline]
    pub fn new(bytes: &'a [u8]) -> Self {
        SliceInput {
            rest: bytes,
            len: bytes.len(),
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
    }

    #[inline]
    fn take_bytes(&mut self, n: usize) -> Bytes {
        let taken = Bytes::copy_from_slice(&self.rest[..n]);
        self.advance(n);
        taken
    }

    #[inline]
    fn consumed(&self) -> usize {
        self.len - self.rest.len()
    }
}

/// Owned, reference-counted input: `binary` values come out as slices of it, without a copy.
#[derive(Debug, Clone)]
pub struct BytesInput {
    bytes: Bytes,
    /// How far reading has got. Advancing moves only this; the `Bytes` itself is sliced only for `binary`
    /// values.
    position: usize,
}

impl BytesInput {
    /// Reads from the start of `bytes`.
    #[inline]
    pub fn new(bytes: Bytes) -> Self {
        BytesInput { bytes, position: 0 }
    }
}

impl ReadBuf for BytesInput {
    #[inline]
    fn chunk(&self) -> &[u8] {
        &self.bytes[self.position..]
    }

    #[inline]
    fn advance(&mut self, n: usize) {
        debug_assert!(n <= self.remaining(), "advancing past the end of the input");
        self.position += n;
    }

    #[inline]
    fn take_bytes(&mut self, n: usize) -> Bytes {
        let taken = self.bytes.slice(self.position..self.position + n);
        self.position += n;
        taken
    }

    #[inline]
    fn consumed(&self) -> usize {
        self.position
    }
}
