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

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;

    const WORD: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

    fn prefixes<B: WriteBuf>(mut buf: B) -> B {
        for len in 0..=9 {
            buf.push_slice(&[0xaa]);
            buf.push_prefix(WORD, len);
        }
        buf
    }

    fn expected() -> Vec<u8> {
        let mut out = Vec::new();
        for len in 0..=9usize {
            out.push(0xaa);
            out.extend_from_slice(&WORD[..len.min(8)]);
        }
        out
    }

    #[test]
    fn every_buffer_appends_the_same_prefixes() {
        assert_eq!(prefixes(Vec::new()), expected());
        assert_eq!(&prefixes(BytesMut::new())[..], &expected()[..]);
        let mut vec = Vec::new();
        prefixes(&mut vec);
        assert_eq!(vec, expected());
        assert_eq!(prefixes(BufMutOutput(Vec::new())).0, expected());
    }

    #[test]
    fn a_bounded_bufmut_can_be_adapted() {
        let mut out = BufMutOutput(BytesMut::new().limit(4));
        out.push_slice(&[1, 2]);
        out.push_prefix(WORD, 2);
        assert_eq!(&out.0.into_inner()[..], &[1, 2, 1, 2]);
    }
}
