//! The framed transport: a 4-byte big-endian length (not counting itself), then the message.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::FrameError;

/// A message on its way to a connection's writer, which copies it into its batch buffer: a framed message
/// gets its length prefix there, so the frame leaves in one write without being copied twice.
#[derive(Debug)]
pub(crate) enum Wire {
    /// A message to send framed, its length already checked.
    Framed(Bytes),
    /// Bytes to send as they are (unframed messages, whole THeader frames).
    Raw(Bytes),
}

impl Wire {
    /// `message` to send framed, if it fits in a frame of at most `max` bytes.
    pub(crate) fn framed(message: impl Into<Bytes>, max: usize) -> Result<Wire, FrameError> {
        let message = message.into();
        if message.len() > max || message.len() > i32::MAX as usize {
            return Err(FrameError::TooLarge {
                len: message.len() as u64,
                max,
            });
        }
        Ok(Wire::Framed(message))
    }

    /// How many bytes it puts on the wire.
    pub(crate) fn len(&self) -> usize {
        match self {
            Wire::Framed(message) => 4 + message.len(),
            Wire::Raw(bytes) => bytes.len(),
        }
    }

    /// Appends the bytes to send to `out`.
    pub(crate) fn put_into(&self, out: &mut BytesMut) {
        match self {
            Wire::Framed(message) => {
                out.reserve(4 + message.len());
                out.put_u32(message.len() as u32);
                out.put_slice(message);
            }
            Wire::Raw(bytes) => out.put_slice(bytes),
        }
    }
}

/// The announced length of the frame at the start of `buf`, checked against `max` before anything is
/// allocated for it. `None` until the 4 length bytes are buffered.
pub(super) fn announced_len(buf: &[u8], max: usize) -> Result<Option<usize>, FrameError> {
    let Some(word) = buf.first_chunk::<4>() else {
        return Ok(None);
    };
    let len = u32::from_be_bytes(*word);
    // Apache reads the length as a signed i32: the top bit set means negative, never a 2 GiB frame.
    if len as usize > max || len > i32::MAX as u32 {
        return Err(FrameError::TooLarge {
            len: u64::from(len),
            max,
        });
    }
    Ok(Some(len as usize))
}

/// Takes one whole frame's body off the front of `buf`, or `None` until all of it is buffered. Nothing is
/// reserved for the announced length: the buffer grows as the bytes arrive.
pub(super) fn take(buf: &mut BytesMut, max: usize) -> Result<Option<Bytes>, FrameError> {
    let Some(len) = announced_len(buf, max)? else {
        return Ok(None);
    };
    if buf.len() < 4 + len {
        return Ok(None);
    }
    buf.advance(4);
    Ok(Some(buf.split_to(len).freeze()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_round_trips_and_waits_for_its_last_byte() {
        let mut out = BytesMut::new();
        Wire::framed(BytesMut::from(&b"hello"[..]), 100)
            .unwrap()
            .put_into(&mut out);
        assert_eq!(&out[..], b"\x00\x00\x00\x05hello");
        let mut partial = BytesMut::from(&out[..8]);
        assert_eq!(take(&mut partial, 100).unwrap(), None);
        partial.extend_from_slice(&out[8..]);
        partial.extend_from_slice(b"\x00\x00");
        assert_eq!(take(&mut partial, 100).unwrap().unwrap(), &b"hello"[..]);
        assert_eq!(
            &partial[..],
            b"\x00\x00",
            "the next frame's bytes stay buffered"
        );
    }

    #[test]
    fn hostile_lengths_fail_before_allocation() {
        for word in [[0x80, 0, 0, 0], [0x7f, 0xff, 0xff, 0xff], [0, 0, 0, 101]] {
            let mut buf = BytesMut::from(&word[..]);
            let capacity = buf.capacity();
            assert!(matches!(
                take(&mut buf, 100),
                Err(FrameError::TooLarge { .. })
            ));
            assert_eq!(buf.capacity(), capacity);
        }
        assert!(Wire::framed(BytesMut::zeroed(101), 100).is_err());
    }
}
