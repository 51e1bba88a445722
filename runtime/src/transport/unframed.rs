//! The unframed transport: a message alone on the stream. Its end is found by parsing it, so the reader
//! waits until a whole message is buffered and the bytes that follow stay for the next one.

use super::{FrameError, FrameLimits};
use crate::error::{DecodeError, DecodeErrorKind};
use crate::protocol::binary::BinaryReader;
use crate::protocol::compact::CompactReader;
use crate::protocol::json::JsonReader;
use crate::protocol::{Reader, SliceInput, TType};
use crate::service::Protocol;

fn message_end<R: Reader>(mut reader: R) -> Result<usize, DecodeError> {
    reader.read_message_begin()?;
    reader.skip(TType::Struct)?;
    reader.read_message_end()?;
    Ok(reader.position())
}

/// Whether a whole message is buffered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scan {
    /// The message is this many bytes long.
    Complete(usize),
    /// The message needs at least this many bytes in all.
    Incomplete(usize),
}

/// Whether the `protocol` message at the start of `buf` is complete, and how long it is. A message still
/// incomplete at the frame limit is an error, so a peer cannot make the buffer grow without end.
pub(super) fn message_len(
    buf: &[u8],
    protocol: Protocol,
    limits: &FrameLimits,
) -> Result<Scan, FrameError> {
    let window = &buf[..buf.len().min(limits.max_frame_len)];
    let input = SliceInput::new(window);
    let end = match protocol {
        Protocol::Binary => message_end(BinaryReader::new(input, limits.message)),
        Protocol::Compact => message_end(CompactReader::new(input, limits.message)),
        Protocol::Json => message_end(JsonReader::new(input, limits.message)),
    };
    match end.map_err(DecodeError::into_kind) {
        Ok(len) => Ok(Scan::Complete(len)),
        Err(DecodeErrorKind::UnexpectedEof { .. }) if buf.len() >= limits.max_frame_len => {
            Err(FrameError::TooLarge {
                len: buf.len() as u64,
                max: limits.max_frame_len,
            })
        }
        Err(DecodeErrorKind::UnexpectedEof { offset, needed, .. }) => {
            Ok(Scan::Incomplete(offset.saturating_add(needed)))
        }
        Err(error) => Err(FrameError::MalformedMessage {
            protocol,
            detail: error.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PING: &[u8] = b"\x80\x01\x00\x01\x00\x00\x00\x04ping\x00\x00\x00\x01\x00";

    #[test]
    fn the_end_is_found_only_once_the_whole_message_is_there() {
        for cut in 0..PING.len() {
            match message_len(&PING[..cut], Protocol::Binary, &FrameLimits::DEFAULT) {
                Ok(Scan::Incomplete(at_least)) => assert!(at_least > cut && at_least <= PING.len()),
                other => panic!("{cut}: {other:?}"),
            }
        }
        let mut two = PING.to_vec();
        two.extend_from_slice(PING);
        assert_eq!(
            message_len(&two, Protocol::Binary, &FrameLimits::DEFAULT),
            Ok(Scan::Complete(PING.len()))
        );
    }

    #[test]
    fn an_endless_message_hits_the_frame_limit() {
        let limits = FrameLimits {
            max_frame_len: 64,
            ..FrameLimits::DEFAULT
        };
        let mut endless = PING[..PING.len() - 1].to_vec();
        // A string field that claims more bytes than will ever be buffered within the limit.
        endless.extend_from_slice(b"\x0b\x00\x01\x00\x00\x10\x00");
        endless.resize(100, b'a');
        assert!(matches!(
            message_len(&endless, Protocol::Binary, &limits),
            Err(FrameError::TooLarge { .. })
        ));
    }
}
