//! Output buffers writers append to.
//!
//! Writers issue many appends of a few bytes each. Through [`BufMut`] every one of those is an out-of-line
//! call (for `BytesMut`, `put_slice` is not inlined across crates) that ends in a `memmove` of a dynamic length,
//! which measured several times slower than the encoding itself. [`WriteBuf`] appends through inherent,
//! inlinable `extend_from_slice`, so a fixed-size append compiles to a capacity check and a store.

use bytes::{BufMut, BytesMut};

/// A growable buffer the binary and compact writers append to: `BytesMut`, `Vec<u8>`, `&mut` either, or any
/// other [`BufMut`] wrapped in [`BufMutOutput`].
pub trait WriteBuf {
    /// Appends `bytes`, growing the buffer as needed.
    fn push_slice(&mut self, bytes: &[u8]);

    /// Appends the first `len` (at most 8) of `bytes`. Buffers that can shrink append all eight and cut the
    /// rest off again, which is cheaper than a copy of dynamic length.
    #[inline]
    fn push_prefix(&mut self, bytes: [u8; 8], len: usize) {
        let (prefix, _) = bytes.split_at(len.min(8));
        self.push_slice(prefix);
    }
}

impl WriteBuf for BytesMut {
    #[inline]
    fn push_slice(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    #[inline]
    fn push_prefix(&mut self, bytes: [u8; 8], len: usize) {
        let end = self.len() + len.min(8);
        self.extend_from_slice(&bytes);
        self.truncate(end);
    }
}

impl WriteBuf for Vec<u8> {
    #[inline]
    fn push_slice(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    #[inline]
    fn push_prefix(&mut self, bytes: [u8; 8], len: usize) {
        let end = self.len() + len.min(8);
        self.extend_from_slice(&bytes);
        self.truncate(end);
    }
}

impl<T: WriteBuf + ?Sized> WriteBuf for &mut T {
    #[inline]
    fn push_slice(&mut self, bytes: &[u8]) {
        (**self).push_slice(bytes);
    }

    #[inline]
    fn push_prefix(&mut self, bytes: [u8; 8], len: usize) {
        (**self).push_prefix(bytes, len);
    }
}

/// Adapts any [`BufMut`] (a `Limit`, a chain, a third-party buffer) for the writers. A buffer that cannot grow
/// panics when full, as [`BufMut::put_slice`] does.
#[derive(Debug)]
pub struct BufMutOutput<B>(pub B);

impl<B: BufMut> WriteBuf for BufMutOutput<B> {
    #[inline]
    fn push_slice(&mut self, bytes: &[u8]) {
        self.0.put_slice(bytes);
    }
}
