//! Reading frames off a connection's buffer: on a server, telling from the first bytes what the peer speaks
//! (SPECS.md, "How a server tells what a client speaks"); on a client, reading the transport it chose.

use std::io;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::header::{self, MAGIC};
use super::unframed::Scan;
use super::{Frame, FrameError, FrameKind, FrameLimits, Transport, framed, protocol_of, unframed};
use crate::service::Protocol;

/// How long a peer must stay silent before an incomplete unframed message is scanned again ahead of time.
const QUIET: Duration = Duration::from_millis(1);

/// The least room offered to a read.
const MIN_READ: usize = 8 * 1024;
/// The most room offered to a read: enough for what 32 callers' 4 KiB requests put on the wire together, so
/// a busy connection drains its socket in one system call. Only a connection that keeps filling its reads
/// gets there, and it shrinks back when traffic calms. A larger frame still arrives in one piece: its
/// announced length is reserved as a whole.
const MAX_READ: usize = 256 * 1024;

/// A connection's read buffer, with the frame readers over it.
#[derive(Debug)]
pub(crate) struct FrameBuffer {
    buf: BytesMut,
    limits: FrameLimits,
    /// An incomplete unframed message is not scanned again before the buffer holds this many bytes, unless
    /// the peer goes quiet: every scan starts at the message's first byte, so scanning after each small read
    /// would cost time quadratic in the message's size.
    rescan_at: usize,
    /// The room the next read is offered.
    read_size: usize,
}

impl FrameBuffer {
    /// An empty buffer enforcing `limits`.
    pub(crate) fn new(limits: FrameLimits) -> Self {
        FrameBuffer {
            buf: BytesMut::with_capacity(8 * 1024),
            limits,
            rescan_at: 0,
            read_size: MIN_READ,
        }
    }

    /// How many bytes are buffered and not yet part of a frame.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next request, whatever the client speaks; see [`decode_request`].
    pub(crate) fn next_request(&mut self) -> Result<Option<Frame>, FrameError> {
        if self.buf.len() < self.rescan_at {
            return Ok(None);
        }
        decode_request(&mut self.buf, &self.limits, &mut self.rescan_at)
    }

    /// The next reply for a client speaking `transport` and `protocol`; see [`decode_reply`].
    pub(crate) fn next_reply(
        &mut self,
        transport: Transport,
        protocol: Protocol,
    ) -> Result<Option<Frame>, FrameError> {
        if self.buf.len() < self.rescan_at {
            return Ok(None);
        }
        decode_reply(
            &mut self.buf,
            transport,
            protocol,
            &self.limits,
            &mut self.rescan_at,
        )
    }

    /// Reads more bytes: `Ok(Some(0))` at the end of the stream, `Ok(None)` when a deferred scan is due
    /// because the peer went quiet.
    ///
    /// The room offered to each read adapts to the traffic: it doubles (up to 256 KiB) after a read that filled
    /// it and halves (down to 8 KiB) after one that used less than a quarter, so a busy connection takes its
    /// bytes in few system calls and a quiet one keeps a small buffer.
    pub(crate) async fn fill<R: AsyncRead + Unpin>(
        &mut self,
        reader: &mut R,
    ) -> io::Result<Option<usize>> {
        let want = self.read_size.max(self.buf.len().min(MAX_READ));
        if self.buf.capacity() - self.buf.len() < want / 2 {
            self.buf.reserve(want);
        }
        let room = self.buf.capacity() - self.buf.len();
        let read = if self.buf.len() < self.rescan_at {
            match tokio::time::timeout(QUIET, reader.read_buf(&mut self.buf)).await {
                Ok(read) => read?,
                Err(_) => {
                    self.rescan_at = 0;
                    return Ok(None);
                }
            }
        } else {
            reader.read_buf(&mut self.buf).await?
        };
        if read == room {
            self.read_size = (self.read_size * 2).min(MAX_READ);
        } else if read < self.read_size / 4 {
            self.read_size = (self.read_size / 2).max(MIN_READ);
        }
        Ok(Some(read))
    }
}

/// Takes the next request off the front of `buf`, whatever the client speaks: THeader, framed or unframed,
/// in binary, compact or JSON. `None` until a whole message is buffered.
fn decode_request(
    buf: &mut BytesMut,
    limits: &FrameLimits,
    rescan_at: &mut usize,
) -> Result<Option<Frame>, FrameError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    if let Some(protocol) = protocol_of(buf) {
        return take_unframed(buf, protocol, limits, rescan_at);
    }
    let Some(body) = framed::take(buf, limits.max_frame_len)? else {
        return Ok(None);
    };
    if body.starts_with(&MAGIC.to_be_bytes()) {
        let (fields, protocol, payload) = header::decode(body, limits)?;
        return Ok(Some(Frame {
            kind: FrameKind::Header(fields),
            protocol,
            payload,
        }));
    }
    match protocol_of(&body) {
        Some(protocol) => Ok(Some(Frame {
            kind: FrameKind::Framed,
            protocol,
            payload: body,
        })),
        None if is_old_binary(&body) => Ok(Some(Frame {
            kind: FrameKind::Framed,
            protocol: Protocol::Binary,
            payload: body,
        })),
        None => Err(FrameError::Unrecognized {
            first: body[..body.len().min(4)].to_vec(),
        }),
    }
}

/// Whether a whole message starts in the old, non-strict binary form: the name's length, the name, then a
/// message type (CALL 1 to ONEWAY 4). Apache's binary protocol writes it without `strict_write` and its
/// servers read it by default. Only a frame can tell it apart: unframed, its first word reads as a frame length.
fn is_old_binary(message: &[u8]) -> bool {
    let Some(&len) = message.first_chunk::<4>() else {
        return false;
    };
    usize::try_from(i32::from_be_bytes(len))
        .ok()
        .and_then(|len| len.checked_add(4))
        .and_then(|at| message.get(at))
        .is_some_and(|kind| (1..=4).contains(kind))
}

/// Takes the next reply off the front of `buf` for a client that speaks `transport` and `protocol`.
fn decode_reply(
    buf: &mut BytesMut,
    transport: Transport,
    protocol: Protocol,
    limits: &FrameLimits,
    rescan_at: &mut usize,
) -> Result<Option<Frame>, FrameError> {
    match transport {
        Transport::Unframed => take_unframed(buf, protocol, limits, rescan_at),
        Transport::Framed => Ok(
            framed::take(buf, limits.max_frame_len)?.map(|payload| Frame {
                kind: FrameKind::Framed,
                protocol,
                payload,
            }),
        ),
        Transport::Header => {
            let Some(body) = framed::take(buf, limits.max_frame_len)? else {
                return Ok(None);
            };
            if !body.starts_with(&MAGIC.to_be_bytes()) {
                return Err(FrameError::MalformedHeader(format!(
                    "a reply frame without the THeader magic (it starts {:02x?})",
                    &body[..body.len().min(4)]
                )));
            }
            let (fields, protocol, payload) = header::decode(body, limits)?;
            Ok(Some(Frame {
                kind: FrameKind::Header(fields),
                protocol,
                payload,
            }))
        }
    }
}

fn take_unframed(
    buf: &mut BytesMut,
    protocol: Protocol,
    limits: &FrameLimits,
    rescan_at: &mut usize,
) -> Result<Option<Frame>, FrameError> {
    let len = match unframed::message_len(buf, protocol, limits)? {
        Scan::Complete(len) => len,
        Scan::Incomplete(at_least) => {
            // Wait for the bytes the scan knows are missing, and for a quarter more than are buffered.
            *rescan_at = at_least.max(buf.len() + buf.len() / 4);
            return Ok(None);
        }
    };
    *rescan_at = 0;
    let payload = buf.split_to(len).freeze();
    Ok(Some(Frame {
        kind: FrameKind::Unframed,
        protocol,
        payload,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{HeaderFrame, Transform, Wire, encode_header_frame};

    const PING_BINARY: &[u8] = b"\x80\x01\x00\x01\x00\x00\x00\x04ping\x00\x00\x00\x01\x00";
    const PING_COMPACT: &[u8] = b"\x82\x21\x01\x04ping\x00";
    const PING_JSON: &[u8] = br#"[1,"ping",1,1,{}]"#;

    fn detect(bytes: &[u8]) -> Result<Option<Frame>, FrameError> {
        decode_request(&mut BytesMut::from(bytes), &FrameLimits::DEFAULT, &mut 0)
    }

    #[test]
    fn every_dialect_is_told_apart() {
        for (message, protocol) in [
            (PING_BINARY, Protocol::Binary),
            (PING_COMPACT, Protocol::Compact),
            (PING_JSON, Protocol::Json),
        ] {
            let frame = detect(message).unwrap().unwrap();
            assert_eq!(
                (frame.transport(), frame.protocol),
                (Transport::Unframed, protocol)
            );

            let mut framed = BytesMut::new();
            Wire::framed(BytesMut::from(message), 1 << 20)
                .unwrap()
                .put_into(&mut framed);
            let frame = detect(&framed).unwrap().unwrap();
            assert_eq!(
                (frame.transport(), frame.protocol),
                (Transport::Framed, protocol)
            );
            assert_eq!(&frame.payload[..], message);

            let mut with_header = BytesMut::new();
            let fields = HeaderFrame {
                transforms: vec![Transform::Zlib],
                ..HeaderFrame::default()
            };
            encode_header_frame(&mut with_header, &fields, protocol, message, 1 << 20).unwrap();
            let frame = detect(&with_header).unwrap().unwrap();
            assert_eq!(
                (frame.transport(), frame.protocol),
                (Transport::Header, protocol)
            );
            assert_eq!(&frame.payload[..], message);
        }
    }

    #[test]
    fn garbage_and_huge_lengths_are_refused() {
        assert!(matches!(
            detect(b"GET / HTTP/1.1\r\n"),
            Err(FrameError::TooLarge { .. })
        ));
        assert!(matches!(
            detect(b"\x80\x00\x00\x00"),
            Err(FrameError::TooLarge { .. })
        ));
        assert!(matches!(
            detect(b"\x00\x00\x00\x02hi"),
            Err(FrameError::Unrecognized { .. })
        ));
        assert!(matches!(
            detect(b"\x00\x00\x00\x00"),
            Err(FrameError::Unrecognized { .. })
        ));
        assert!(matches!(
            detect(b"\x00\x00\x00\x09\x00\x00\x00\x04ping\x07"),
            Err(FrameError::Unrecognized { .. })
        ));
    }

    #[test]
    fn a_framed_message_in_the_old_binary_form_is_binary() {
        let old_ping = b"\x00\x00\x00\x04ping\x01\x00\x00\x00\x01\x00";
        let mut framed = BytesMut::new();
        Wire::framed(BytesMut::from(&old_ping[..]), 1 << 20)
            .unwrap()
            .put_into(&mut framed);
        let frame = detect(&framed).unwrap().unwrap();
        assert_eq!(
            (frame.transport(), frame.protocol, &frame.payload[..]),
            (Transport::Framed, Protocol::Binary, &old_ping[..])
        );
    }

    #[tokio::test]
    async fn an_unframed_message_arriving_in_pieces_is_rescanned_sparingly_but_surely() {
        // A oneway call whose one string field is 64 KiB long.
        let mut message =
            b"\x80\x01\x00\x04\x00\x00\x00\x01m\x00\x00\x00\x01\x0b\x00\x01\x00\x01\x00\x00"
                .to_vec();
        message.extend(std::iter::repeat_n(b'x', 1 << 16));
        message.push(0);
        let (mut client, mut server) = tokio::io::duplex(1 << 20);
        let mut buf = FrameBuffer::new(FrameLimits::DEFAULT);
        use tokio::io::AsyncWriteExt;
        client.write_all(&message[..100]).await.unwrap();
        assert_eq!(buf.fill(&mut server).await.unwrap(), Some(100));
        assert_eq!(buf.next_request().unwrap(), None);
        assert_eq!(
            buf.rescan_at,
            message.len() - 1,
            "the scan knows the string's length"
        );
        // Everything but the last byte: the scan stays deferred until the whole string is there.
        client
            .write_all(&message[100..message.len() - 1])
            .await
            .unwrap();
        while buf.buffered() < message.len() - 1 {
            buf.fill(&mut server).await.unwrap();
        }
        assert_eq!(buf.next_request().unwrap(), None);
        let deferred_until = buf.rescan_at;
        assert!(
            deferred_until > message.len(),
            "then a quarter more is awaited: {deferred_until}"
        );
        client
            .write_all(&message[message.len() - 1..])
            .await
            .unwrap();
        assert_eq!(buf.fill(&mut server).await.unwrap(), Some(1));
        assert_eq!(buf.next_request().unwrap(), None, "still deferred");
        // The peer is now quiet (it waits for the reply), so the next fill gives up waiting and rescans.
        assert_eq!(buf.fill(&mut server).await.unwrap(), None);
        let frame = buf.next_request().unwrap().expect("the whole message");
        assert_eq!(frame.payload.len(), message.len());
        assert_eq!(buf.buffered(), 0);
    }

    proptest::proptest! {
        /// Any bytes at all, whole or arriving in two pieces: a frame, a wait, or an error, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..96), cut in 0usize..96) {
            let limits = FrameLimits { max_frame_len: 64, ..FrameLimits::DEFAULT };
            let cut = cut.min(bytes.len());
            let mut buf = BytesMut::from(&bytes[..cut]);
            let first = decode_request(&mut buf, &limits, &mut 0);
            if let Ok(None) = first {
                buf.extend_from_slice(&bytes[cut..]);
                let _ = decode_request(&mut buf, &limits, &mut 0);
            }
            for transport in [Transport::Framed, Transport::Unframed, Transport::Header] {
                for protocol in [Protocol::Binary, Protocol::Compact, Protocol::Json] {
                    let _ = decode_reply(&mut BytesMut::from(&bytes[..]), transport, protocol, &limits, &mut 0);
                }
            }
        }

        /// Valid frames with one byte changed.
        #[test]
        fn mutated_frames_never_panic(which in 0usize..3, at in 0usize..64, byte in proptest::num::u8::ANY) {
            let mut frame = BytesMut::new();
            let fields = HeaderFrame { transforms: vec![Transform::Zlib], ..HeaderFrame::default() };
            match which {
                0 => encode_header_frame(&mut frame, &fields, Protocol::Compact, PING_COMPACT, 1 << 20).unwrap(),
                1 => Wire::framed(BytesMut::from(PING_BINARY), 1 << 20).unwrap().put_into(&mut frame),
                _ => frame.extend_from_slice(PING_JSON),
            }
            let at = at % frame.len();
            frame[at] = byte;
            let _ = decode_request(&mut frame, &FrameLimits::DEFAULT, &mut 0);
        }
    }
}
