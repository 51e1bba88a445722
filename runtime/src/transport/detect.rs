//! Reading frames off a connection's buffer: on a server, telling from the first bytes what the peer speaks
//! (SPECS.md, "How a server tells what a client speaks"); on a client, reading the transport it chose.

use bytes::BytesMut;

use super::header::{self, MAGIC};
use super::{Frame, FrameError, FrameKind, FrameLimits, Transport, framed, protocol_of, unframed};
use crate::service::Protocol;

/// Takes the next request off the front of `buf`, whatever the client speaks: THeader, framed or unframed,
/// in binary, compact or JSON. `None` until a whole message is buffered.
pub(crate) fn decode_request(
    buf: &mut BytesMut,
    limits: &FrameLimits,
) -> Result<Option<Frame>, FrameError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    if let Some(protocol) = protocol_of(buf) {
        return take_unframed(buf, protocol, limits);
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
        None => Err(FrameError::Unrecognized {
            first: body[..body.len().min(4)].to_vec(),
        }),
    }
}

/// Takes the next reply off the front of `buf` for a client that speaks `transport` and `protocol`.
pub(crate) fn decode_reply(
    buf: &mut BytesMut,
    transport: Transport,
    protocol: Protocol,
    limits: &FrameLimits,
) -> Result<Option<Frame>, FrameError> {
    match transport {
        Transport::Unframed => take_unframed(buf, protocol, limits),
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
) -> Result<Option<Frame>, FrameError> {
    let Some(len) = unframed::message_len(buf, protocol, limits)? else {
        return Ok(None);
    };
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
        decode_request(&mut BytesMut::from(bytes), &FrameLimits::DEFAULT)
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
    }
}
