//! Reading frames off a connection's buffer: on a server, telling from the first bytes what the peer speaks
//! (SPECS.md, "How a server tells what a client speaks"); on a client, reading the transport it chose.

use std::io;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::header::{self, MAGIC};
use super::scan::{MessageScanner, Scan};
use super::{Frame, FrameError, FrameKind, FrameLimits, Transport, framed, protocol_of};
use crate::protocol::Protocol;

/// The least room offered to a read.
const MIN_READ: usize = 8 * 1024;
/// The most room offered to a read: enough for what 32 callers' 4 KiB requests put on the wire together, so
/// a busy connection drains its socket in one system call. Only a connection that keeps filling its reads
/// gets there, and it shrinks back when traffic calms.
const MAX_READ: usize = 256 * 1024;

/// A connection's read buffer, with the frame readers over it.
///
/// The buffer grows with the bytes that arrive, never with what a length prefix announces: a peer that
/// announces a 16 MiB frame and sends 4 bytes holds 4 bytes' worth of buffer (plus the room of one read).
/// Growth is geometric, so a large frame is copied a bounded number of times on its way in.
#[derive(Debug)]
pub(crate) struct FrameBuffer {
    buf: BytesMut,
    limits: FrameLimits,
    /// Where the unframed message at the front of the buffer ends, found as its bytes arrive.
    scanner: MessageScanner,
    /// The room the next read is offered.
    read_size: usize,
}

impl FrameBuffer {
    /// An empty buffer enforcing `limits`. It allocates nothing until the first read.
    pub(crate) fn new(limits: FrameLimits) -> Self {
        FrameBuffer {
            buf: BytesMut::new(),
            limits,
            scanner: MessageScanner::default(),
            read_size: MIN_READ,
        }
    }

    /// How many bytes are buffered and not yet part of a frame.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The bytes the buffer holds memory for.
    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// The next request, whatever the client speaks; see [`decode_request`].
    pub(crate) fn next_request(&mut self) -> Result<Option<Frame>, FrameError> {
        decode_request(&mut self.buf, &self.limits, &mut self.scanner)
    }

    /// The next reply for a client speaking `transport` and `protocol`; see [`decode_reply`].
    pub(crate) fn next_reply(
        &mut self,
        transport: Transport,
        protocol: Protocol,
    ) -> Result<Option<Frame>, FrameError> {
        decode_reply(
            &mut self.buf,
            transport,
            protocol,
            &self.limits,
            &mut self.scanner,
        )
    }

    /// The room the next read needs: the adaptive read size, or, while a frame is being assembled, as many
    /// bytes as are already buffered (so the buffer doubles) but no more than the frame still lacks.
    fn room_wanted(&self) -> usize {
        let assembling = match framed::announced_len(&self.buf, usize::MAX) {
            // Only a frame length, not the first word of an unframed message, says what is missing.
            Ok(Some(len)) if protocol_of(&self.buf).is_none() => {
                (4 + len).saturating_sub(self.buf.len())
            }
            _ => self.buf.len(),
        };
        self.read_size.max(self.buf.len().min(assembling))
    }

    /// The capacity the buffer will have once room for the next read is made: what a memory budget must
    /// grant before [`fill`](Self::fill) runs.
    pub(crate) fn capacity_for_next_read(&self) -> usize {
        let room = self.room_wanted();
        if self.buf.capacity() - self.buf.len() >= room / 2 {
            self.buf.capacity()
        } else {
            // `reserve` may round up; this is what it is asked for, and what the budget is charged for.
            self.buf.len() + room
        }
    }

    /// Reads more bytes; `Ok(0)` at the end of the stream.
    ///
    /// The room offered to each read adapts to the traffic: it doubles (up to 256 KiB) after a read that filled
    /// it and halves (down to 8 KiB) after one that used less than a quarter, so a busy connection takes its
    /// bytes in few system calls and a quiet one keeps a small buffer.
    pub(crate) async fn fill<R: AsyncRead + Unpin>(&mut self, reader: &mut R) -> io::Result<usize> {
        let room = self.room_wanted();
        if self.buf.capacity() - self.buf.len() < room / 2 {
            self.buf.reserve(room);
        }
        let offered = self.buf.capacity() - self.buf.len();
        let read = reader.read_buf(&mut self.buf).await?;
        if read == offered {
            self.read_size = (self.read_size * 2).min(MAX_READ);
        } else if read < self.read_size / 4 {
            self.read_size = (self.read_size / 2).max(MIN_READ);
        }
        Ok(read)
    }

    /// Appends bytes as if a read had delivered them (sans-I/O use: tests and fuzzing).
    pub(crate) fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }
}

/// Takes the next request off the front of `buf`, whatever the client speaks: THeader, framed or unframed,
/// in binary (strict or old), compact or JSON. `None` until a whole message is buffered.
fn decode_request(
    buf: &mut BytesMut,
    limits: &FrameLimits,
    scanner: &mut MessageScanner,
) -> Result<Option<Frame>, FrameError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    if let Some(protocol) = protocol_of(buf) {
        return take_unframed(buf, protocol, limits, scanner);
    }
    // A length beyond the limit fails before anything else is waited for.
    let announced = framed::announced_len(buf, limits.max_frame_len)?;
    if buf.len() < 5 && announced.is_none_or(|len| buf.len() < 4 + len) {
        return Ok(None);
    }
    if starts_old_binary_unframed(buf) {
        return take_unframed(buf, Protocol::Binary, limits, scanner);
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

/// Whether the stream starts with an unframed message in the old, non-strict binary form: a positive name
/// length, then a name starting with a letter or `_`. A frame cannot start so: after its length comes a
/// message in one of the protocols (`0x80`, `0x82`, `[`), a THeader magic (`0x0F`), or an old binary message,
/// whose own first byte is the high byte of its name's length (`0x00`).
fn starts_old_binary_unframed(buf: &[u8]) -> bool {
    match buf {
        [a, b, c, d, first, ..] => {
            i32::from_be_bytes([*a, *b, *c, *d]) > 0
                && (first.is_ascii_alphabetic() || *first == b'_')
        }
        _ => false,
    }
}

/// Whether a whole message starts in the old, non-strict binary form: the name's length, the name, then a
/// message type (CALL 1 to ONEWAY 4). Apache's binary protocol writes it without `strict_write` and its
/// servers read it by default.
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
    scanner: &mut MessageScanner,
) -> Result<Option<Frame>, FrameError> {
    match transport {
        Transport::Unframed if buf.is_empty() => Ok(None),
        Transport::Unframed => take_unframed(buf, protocol, limits, scanner),
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
    scanner: &mut MessageScanner,
) -> Result<Option<Frame>, FrameError> {
    match scanner.scan(buf, protocol, limits)? {
        Scan::Complete(len) => Ok(Some(Frame {
            kind: FrameKind::Unframed,
            protocol,
            payload: buf.split_to(len).freeze(),
        })),
        Scan::Incomplete => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{HeaderFrame, Transform, Wire, encode_header_frame};

    const PING_BINARY: &[u8] = b"\x80\x01\x00\x01\x00\x00\x00\x04ping\x00\x00\x00\x01\x00";
    const PING_COMPACT: &[u8] = b"\x82\x21\x01\x04ping\x00";
    const PING_JSON: &[u8] = br#"[1,"ping",1,1,{}]"#;

    fn detect(bytes: &[u8]) -> Result<Option<Frame>, FrameError> {
        decode_request(
            &mut BytesMut::from(bytes),
            &FrameLimits::DEFAULT,
            &mut MessageScanner::default(),
        )
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
            detect(b"\x00\x00\x00\x02\x01\x02"),
            Err(FrameError::Unrecognized { .. })
        ));
        // A letter after the first word makes it an old binary message's name, whose type must follow.
        assert_eq!(detect(b"\x00\x00\x00\x02hi").unwrap(), None);
        assert!(matches!(
            detect(b"\x00\x00\x00\x02hi\x07\x00\x00\x00\x01\x00"),
            Err(FrameError::MalformedMessage { .. })
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
    async fn an_unframed_message_arriving_in_pieces_is_taken_when_its_last_byte_arrives() {
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
        assert_eq!(buf.fill(&mut server).await.unwrap(), 100);
        assert_eq!(buf.next_request().unwrap(), None);
        client
            .write_all(&message[100..message.len() - 1])
            .await
            .unwrap();
        while buf.buffered() < message.len() - 1 {
            buf.fill(&mut server).await.unwrap();
            assert_eq!(buf.next_request().unwrap(), None);
        }
        client
            .write_all(&message[message.len() - 1..])
            .await
            .unwrap();
        assert_eq!(buf.fill(&mut server).await.unwrap(), 1);
        let frame = buf.next_request().unwrap().expect("the whole message");
        assert_eq!(frame.payload.len(), message.len());
        assert_eq!(buf.buffered(), 0);
    }

    #[tokio::test]
    async fn an_announced_frame_is_not_reserved_before_its_bytes_arrive() {
        let (mut client, mut server) = tokio::io::duplex(1 << 20);
        let mut buf = FrameBuffer::new(FrameLimits::DEFAULT);
        use tokio::io::AsyncWriteExt;
        // 16 MiB announced, 8 bytes sent.
        client
            .write_all(b"\x00\xff\xff\xff\x80\x01\x00\x01")
            .await
            .unwrap();
        buf.fill(&mut server).await.unwrap();
        assert_eq!(buf.next_request().unwrap(), None);
        assert!(
            buf.capacity_for_next_read() <= 2 * MIN_READ,
            "{}",
            buf.capacity_for_next_read()
        );
        assert!(buf.capacity() <= 2 * MIN_READ);
        // As bytes do arrive, the room offered grows with them, geometrically.
        let chunk = vec![0u8; 1 << 20];
        let mut capacities = Vec::new();
        for _ in 0..4 {
            client.write_all(&chunk).await.unwrap();
            let target = buf.buffered() + chunk.len();
            while buf.buffered() < target {
                buf.fill(&mut server).await.unwrap();
            }
            capacities.push(buf.capacity());
            assert!(
                buf.capacity() <= 2 * buf.buffered() + MAX_READ,
                "{capacities:?}"
            );
        }
    }

    #[test]
    fn an_unframed_message_in_the_old_binary_form_is_binary() {
        let old_ping = b"\x00\x00\x00\x04ping\x01\x00\x00\x00\x01\x00";
        let frame = detect(old_ping).unwrap().unwrap();
        assert_eq!(
            (frame.transport(), frame.protocol, &frame.payload[..]),
            (Transport::Unframed, Protocol::Binary, &old_ping[..])
        );
        // Cut anywhere, it waits for the rest.
        for cut in 0..old_ping.len() {
            assert_eq!(detect(&old_ping[..cut]).unwrap(), None, "{cut}");
        }
    }

    proptest::proptest! {
        /// Any bytes at all, whole or arriving in two pieces: a frame, a wait, or an error, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..96), cut in 0usize..96) {
            let limits = FrameLimits { max_frame_len: 64, ..FrameLimits::DEFAULT };
            let cut = cut.min(bytes.len());
            let mut buf = BytesMut::from(&bytes[..cut]);
            let first = decode_request(&mut buf, &limits, &mut MessageScanner::default());
            if let Ok(None) = first {
                buf.extend_from_slice(&bytes[cut..]);
                let _ = decode_request(&mut buf, &limits, &mut MessageScanner::default());
            }
            for transport in [Transport::Framed, Transport::Unframed, Transport::Header] {
                for protocol in [Protocol::Binary, Protocol::Compact, Protocol::Json] {
                    let _ = decode_reply(&mut BytesMut::from(&bytes[..]), transport, protocol, &limits, &mut MessageScanner::default());
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
            let _ = decode_request(&mut frame, &FrameLimits::DEFAULT, &mut MessageScanner::default());
        }
    }
}
