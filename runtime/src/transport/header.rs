//! Apache Thrift's THeader frame (SPECS.md, "THeader"): after the 4-byte length, the magic `0x0FFF`, flags,
//! the sequence id, the header size in 4-byte words, then the protocol id, the transforms, the info blocks and
//! padding, then the (transformed) payload.

use bytes::{BufMut, Bytes, BytesMut};

use super::{FrameError, FrameLimits, Headers, Transform};
use crate::protocol::json::JsonReader;
use crate::protocol::{MessageType, Protocol};
use crate::protocol::{Reader, SliceInput};

/// The magic in the frame's first two bytes (after the length).
pub(super) const MAGIC: u16 = 0x0FFF;
/// Info block id of the key/value headers.
const INFO_KEYVALUE: u32 = 1;
/// Bytes from the magic up to the header block: magic, flags, seqid, header size.
const FIXED_LEN: usize = 10;
/// The most transforms a frame may stack. Each one undone can cost up to a frame limit's worth of
/// decompression, and the reply is transformed the same way again; a payload compressed twice gains nothing.
pub(crate) const MAX_TRANSFORMS: usize = 2;

/// The THeader fields of a frame, kept so a reply can be sent in kind.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct HeaderFrame {
    /// The flags word (bit 0: the client accepts replies out of order).
    pub(crate) flags: u16,
    /// The frame's sequence id (the payload's, for Apache's clients).
    pub(crate) seqid: i32,
    /// The transforms applied to the payload, in the order they were applied.
    pub(crate) transforms: Vec<Transform>,
    /// The KEYVALUE info headers.
    pub(crate) headers: Headers,
}

/// The flag a client sets when it matches replies by sequence id and so accepts them out of order.
pub(crate) const FLAG_OUT_OF_ORDER: u16 = 0x0001;

fn protocol_id(protocol: Protocol) -> u32 {
    match protocol {
        Protocol::Binary => 0,
        Protocol::Json => 1,
        Protocol::Compact => 2,
    }
}

fn put_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_string(out: &mut Vec<u8>, value: &str) -> Result<(), FrameError> {
    let len = u32::try_from(value.len())
        .map_err(|_| FrameError::Unframeable(format!("a header of {} bytes", value.len())))?;
    put_varint(out, len);
    out.extend_from_slice(value.as_bytes());
    Ok(())
}

/// Appends one THeader frame (length included) carrying `payload` to `out`.
pub(crate) fn encode_header_frame(
    out: &mut BytesMut,
    frame: &HeaderFrame,
    protocol: Protocol,
    payload: &[u8],
    max_frame_len: usize,
) -> Result<(), FrameError> {
    if frame.transforms.len() > MAX_TRANSFORMS {
        return Err(FrameError::TooManyTransforms {
            count: frame.transforms.len(),
            max: MAX_TRANSFORMS,
            protocol,
            seqid: frame.seqid,
        });
    }
    let mut header = Vec::with_capacity(16);
    put_varint(&mut header, protocol_id(protocol));
    put_varint(&mut header, frame.transforms.len() as u32);
    for transform in &frame.transforms {
        put_varint(&mut header, transform.id());
    }
    if !frame.headers.is_empty() {
        put_varint(&mut header, INFO_KEYVALUE);
        put_varint(&mut header, frame.headers.len() as u32);
        for (key, value) in &frame.headers {
            put_string(&mut header, key)?;
            put_string(&mut header, value)?;
        }
    }
    header.resize(header.len().next_multiple_of(4), 0);
    let words = u16::try_from(header.len() / 4).map_err(|_| {
        FrameError::Unframeable(format!(
            "{} bytes of THeader headers exceed the format's 262,140",
            header.len()
        ))
    })?;

    let mut transformed;
    let mut body = payload;
    for transform in &frame.transforms {
        transformed = match transform {
            Transform::Zlib => deflate(body)?,
        };
        body = &transformed;
    }

    let len = FIXED_LEN + header.len() + body.len();
    if len > max_frame_len || len > i32::MAX as usize {
        return Err(FrameError::TooLarge {
            len: len as u64,
            max: max_frame_len,
        });
    }
    out.reserve(4 + len);
    out.put_u32(len as u32);
    out.put_u16(MAGIC);
    out.put_u16(frame.flags);
    out.put_i32(frame.seqid);
    out.put_u16(words);
    out.put_slice(&header);
    out.put_slice(body);
    Ok(())
}

/// A cursor over the header block that never reads past its end.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn malformed(&self, what: &str) -> FrameError {
        FrameError::MalformedHeader(format!("{what} at header byte {}", self.pos))
    }

    fn varint(&mut self, what: &str) -> Result<u32, FrameError> {
        let mut value: u32 = 0;
        for shift in (0..35).step_by(7) {
            let byte = *self
                .bytes
                .get(self.pos)
                .ok_or_else(|| self.malformed(&format!("{what} runs past the header's end")))?;
            self.pos += 1;
            if shift == 28 && byte > 0x0f {
                return Err(self.malformed(&format!("{what} overflows 32 bits")));
            }
            value |= u32::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.malformed(&format!("{what} is longer than 5 bytes")))
    }

    /// A length-prefixed string; `None` if its bytes are not UTF-8 (skipped over all the same).
    fn string(&mut self, what: &str) -> Result<Option<String>, FrameError> {
        let len = self.varint(what)? as usize;
        let end = self
            .pos
            .checked_add(len)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| {
                self.malformed(&format!("{what} of {len} bytes runs past the header's end"))
            })?;
        let text = std::str::from_utf8(&self.bytes[self.pos..end])
            .ok()
            .map(str::to_owned);
        self.pos = end;
        Ok(text)
    }
}

/// Reads a THeader frame's body (everything after the length): its fields, protocol and payload with the
/// transforms undone.
pub(super) fn decode(
    body: Bytes,
    limits: &FrameLimits,
) -> Result<(HeaderFrame, Protocol, Bytes), FrameError> {
    let Some(fixed) = body.first_chunk::<FIXED_LEN>() else {
        return Err(FrameError::MalformedHeader(format!(
            "a frame of {} bytes is shorter than THeader's fixed {FIXED_LEN}",
            body.len()
        )));
    };
    let flags = u16::from_be_bytes([fixed[2], fixed[3]]);
    let seqid = i32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
    let header_len = usize::from(u16::from_be_bytes([fixed[8], fixed[9]])) * 4;
    let payload_start = FIXED_LEN + header_len;
    if payload_start > body.len() {
        return Err(FrameError::MalformedHeader(format!(
            "the header size of {header_len} bytes exceeds the frame's {}",
            body.len() - FIXED_LEN
        )));
    }
    let mut cursor = Cursor {
        bytes: &body[FIXED_LEN..payload_start],
        pos: 0,
    };
    let protocol = match cursor.varint("the protocol id")? {
        0 => Protocol::Binary,
        1 => Protocol::Json,
        2 => Protocol::Compact,
        other => return Err(FrameError::UnknownProtocol(other)),
    };
    let count = cursor.varint("the transform count")? as usize;
    if count > MAX_TRANSFORMS {
        return Err(FrameError::TooManyTransforms {
            count,
            max: MAX_TRANSFORMS,
            protocol,
            seqid,
        });
    }
    let mut transforms = Vec::with_capacity(count);
    for _ in 0..count {
        let id = cursor.varint("a transform id")?;
        let transform = Transform::from_id(id).ok_or(FrameError::UnknownTransform {
            id,
            protocol,
            seqid,
        })?;
        transforms.push(transform);
    }
    let mut headers = Headers::new();
    while cursor.pos < cursor.bytes.len() {
        match cursor.varint("an info block id")? {
            INFO_KEYVALUE => {
                let count = cursor.varint("the header count")?;
                for _ in 0..count {
                    let key = cursor.string("a header name")?;
                    let value = cursor.string("a header value")?;
                    // Apache's headers are bytes, `Headers` holds text: a header that is not UTF-8 is left
                    // out rather than failing a message that is otherwise fine.
                    match (key, value) {
                        (Some(key), Some(value)) => {
                            headers.insert(key, value);
                        }
                        (key, _) => {
                            tracing::debug!(?key, "left out an info header that is not UTF-8")
                        }
                    }
                }
            }
            // Id 0 is padding; an unknown block cannot be skipped without knowing its shape.
            _ => break,
        }
    }

    let mut payload = body.slice(payload_start..);
    for transform in transforms.iter().rev() {
        payload = match transform {
            Transform::Zlib => inflate(&payload, limits.max_frame_len)?,
        };
    }
    let frame = HeaderFrame {
        flags,
        seqid,
        transforms,
        headers,
    };
    Ok((frame, protocol, payload))
}

/// Compresses a payload with zlib.
#[cfg(feature = "zlib")]
fn deflate(body: &[u8]) -> Result<Vec<u8>, FrameError> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(body.len() / 2 + 16),
        flate2::Compression::default(),
    );
    encoder
        .write_all(body)
        .and_then(|()| encoder.finish())
        .map_err(|error| FrameError::Unframeable(error.to_string()))
}

#[cfg(not(feature = "zlib"))]
fn deflate(_: &[u8]) -> Result<Vec<u8>, FrameError> {
    Err(FrameError::Unframeable(
        "the zlib transform needs idlc-runtime's `zlib` feature".into(),
    ))
}

#[cfg(not(feature = "zlib"))]
fn inflate(_: &[u8], _: usize) -> Result<Bytes, FrameError> {
    unreachable!("without the `zlib` feature, no frame is read with the zlib transform")
}

/// Decompresses a zlib stream, refusing to produce more than `max` bytes.
#[cfg(feature = "zlib")]
fn inflate(compressed: &[u8], max: usize) -> Result<Bytes, FrameError> {
    use std::io::Read;
    let mut out = Vec::with_capacity((compressed.len() * 4).min(max));
    flate2::read::ZlibDecoder::new(compressed)
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|error| FrameError::Decompress(error.to_string()))?;
    if out.len() > max {
        return Err(FrameError::TooLarge {
            len: out.len() as u64,
            max,
        });
    }
    Ok(Bytes::from(out))
}

/// The sequence id in a message's envelope, read without decoding the rest (replies are matched by it).
pub(crate) fn peek_seqid(protocol: Protocol, message: &[u8]) -> Option<i32> {
    match protocol {
        Protocol::Binary => {
            let word = i32::from_be_bytes(*message.first_chunk::<4>()?);
            let at = if word < 0 {
                // Strict: version word, name length, name, seqid.
                let name_len = u32::from_be_bytes(*message.get(4..)?.first_chunk::<4>()?) as usize;
                8usize.checked_add(name_len)?
            } else {
                // Old (non-strict): name length, name, message type byte, seqid.
                usize::try_from(word).ok()?.checked_add(5)?
            };
            Some(i32::from_be_bytes(*message.get(at..)?.first_chunk::<4>()?))
        }
        Protocol::Compact => {
            let mut cursor = Cursor {
                bytes: message.get(2..)?,
                pos: 0,
            };
            cursor.varint("the seqid").ok().map(|seqid| seqid as i32)
        }
        Protocol::Json => JsonReader::new(SliceInput::new(message), Default::default())
            .read_message_begin()
            .ok()
            .map(|header| header.seqid),
    }
}

/// The envelope of a binary or compact message read without a reader: the name (sharing `message`'s bytes),
/// the message type and the sequence id. `None` for JSON, or for anything a reader would have to look at more
/// closely (the reader then says what is wrong).
pub(crate) fn peek_envelope(
    protocol: Protocol,
    message: &Bytes,
) -> Option<(faststr::FastStr, MessageType, i32)> {
    let be32 = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(*message.get(at..)?.first_chunk::<4>()?))
    };
    let (name, kind, seqid) = match protocol {
        Protocol::Binary => {
            let word = be32(0)?;
            if word & 0xffff_0000 != 0x8001_0000 {
                return None;
            }
            let len = usize::try_from(be32(4)?).ok()?;
            let end = 8usize.checked_add(len)?;
            let seqid = be32(end)? as i32;
            (8..end, (word & 0xff) as u8, seqid)
        }
        Protocol::Compact => {
            if *message.first()? != 0x82 || message.get(1)? & 0x1f != 1 {
                return None;
            }
            let kind = message.get(1)? >> 5;
            let mut cursor = Cursor {
                bytes: message.get(2..)?,
                pos: 0,
            };
            let seqid = cursor.varint("the seqid").ok()? as i32;
            let len = usize::try_from(cursor.varint("the name's length").ok()?).ok()?;
            let start = 2 + cursor.pos;
            (start..start.checked_add(len)?, kind, seqid)
        }
        Protocol::Json => return None,
    };
    let kind = MessageType::from_id(kind)?;
    if name.end > message.len() {
        return None;
    }
    // Short names are copied into the string itself, without touching the message's reference count;
    // long ones share the message's bytes.
    let name = if name.len() <= 30 {
        faststr::FastStr::new_u8_slice(&message[name]).ok()?
    } else {
        faststr::FastStr::from_bytes(message.slice(name)).ok()?
    };
    Some((name, kind, seqid))
}

/// The message type of an encoded message (one this side wrote, or one already read whole).
pub(crate) fn peek_message_type(protocol: Protocol, message: &[u8]) -> Option<MessageType> {
    let byte = match protocol {
        Protocol::Binary => {
            let word = i32::from_be_bytes(*message.first_chunk::<4>()?);
            if word < 0 {
                // Strict: the version word's last byte.
                (word & 0xff) as u8
            } else {
                // Old (non-strict): name length, name, message type byte.
                *message.get(usize::try_from(word).ok()?.checked_add(4)?)?
            }
        }
        // The second byte: version in the low five bits, type in the high three.
        Protocol::Compact => message.get(1)? >> 5,
        Protocol::Json => {
            return JsonReader::new(SliceInput::new(message), Default::default())
                .read_message_begin()
                .ok()
                .map(|header| header.kind);
        }
    };
    MessageType::from_id(byte & 0x07)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On arbitrary bytes (mutations of real envelopes and noise), the quick look never panics, and whatever
    /// it reads, the protocol's reader reads the same.
    #[test]
    fn peek_envelope_never_disagrees_with_the_readers_on_mutated_bytes() {
        use crate::protocol::{Binary, Codec, Compact, Limits, MessageHeader, Reader, Writer};
        fn check<C: Codec>(protocol: Protocol, bytes: Bytes) {
            if let Some((name, kind, seqid)) = peek_envelope(protocol, &bytes) {
                let header = C::reader(bytes.clone(), Limits::DEFAULT)
                    .read_message_begin()
                    .unwrap_or_else(|error| panic!("{bytes:?}: peeked, but {error}"));
                assert_eq!(
                    (name.as_str(), kind, seqid),
                    (header.name.as_str(), header.kind, header.seqid)
                );
            }
        }
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let header = MessageHeader {
            name: "getStruct".to_owned(),
            kind: MessageType::Call,
            seqid: 300,
        };
        let seeds = [
            {
                let mut buf = BytesMut::new();
                Binary::writer(&mut buf)
                    .write_message_begin(&header)
                    .unwrap();
                buf
            },
            {
                let mut buf = BytesMut::new();
                Compact::writer(&mut buf)
                    .write_message_begin(&header)
                    .unwrap();
                buf
            },
        ];
        for _ in 0..50_000 {
            let mut bytes = seeds[(next() % 2) as usize].to_vec();
            for _ in 0..(next() % 4) {
                let at = (next() as usize) % bytes.len();
                bytes[at] = next() as u8;
            }
            bytes.truncate((next() as usize) % (bytes.len() + 1));
            let bytes = Bytes::from(bytes);
            check::<Binary>(Protocol::Binary, bytes.clone());
            check::<Compact>(Protocol::Compact, bytes);
        }
    }

    /// The server's quick look at an envelope agrees with the readers, and leaves whatever they would
    /// question (truncation, a bad version, a name that is not UTF-8) to them.
    #[test]
    fn peek_envelope_agrees_with_the_readers() {
        use crate::protocol::{Binary, Codec, Compact, MessageHeader, Writer};
        fn encode<C: Codec>(header: &MessageHeader) -> Bytes {
            let mut buf = BytesMut::new();
            C::writer(&mut buf).write_message_begin(header).unwrap();
            buf.freeze()
        }
        for (name, kind, seqid) in [
            ("add", MessageType::Call, 7),
            ("Calculator:add", MessageType::Oneway, -1),
            ("", MessageType::Call, i32::MAX),
            (
                "ünïcödé-and-a-name-longer-than-inline",
                MessageType::Call,
                0,
            ),
        ] {
            let header = MessageHeader {
                name: name.to_owned(),
                kind,
                seqid,
            };
            for (protocol, bytes) in [
                (Protocol::Binary, encode::<Binary>(&header)),
                (Protocol::Compact, encode::<Compact>(&header)),
            ] {
                let (peeked, peeked_kind, peeked_seqid) =
                    peek_envelope(protocol, &bytes).expect("a well-formed envelope");
                assert_eq!(
                    (peeked.as_str(), peeked_kind, peeked_seqid),
                    (name, kind, seqid)
                );
                for cut in 0..bytes.len() {
                    assert!(
                        peek_envelope(protocol, &bytes.slice(..cut)).is_none(),
                        "{cut}"
                    );
                }
            }
        }
        assert!(
            peek_envelope(
                Protocol::Binary,
                &Bytes::from_static(b"\x80\x02\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01")
            )
            .is_none()
        );
        assert!(
            peek_envelope(
                Protocol::Compact,
                &Bytes::from_static(b"\x82\x21\x01\x01\xff")
            )
            .is_none()
        );
        assert!(peek_envelope(Protocol::Json, &Bytes::from_static(b"[1,\"a\",1,1]")).is_none());
    }

    fn frame(headers: &[(&str, &str)], transforms: Vec<Transform>) -> HeaderFrame {
        HeaderFrame {
            flags: 0,
            seqid: 7,
            transforms,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn body_of(out: &BytesMut) -> Bytes {
        Bytes::copy_from_slice(&out[4..])
    }

    #[test]
    fn the_worked_examples_of_the_format() {
        let mut out = BytesMut::new();
        encode_header_frame(
            &mut out,
            &frame(&[("k", "v")], vec![]),
            Protocol::Binary,
            b"P",
            1 << 20,
        )
        .unwrap();
        assert_eq!(&out[14..22], &[0, 0, 1, 1, 1, b'k', 1, b'v']);
        assert_eq!(u16::from_be_bytes([out[12], out[13]]), 2);
        assert_eq!(
            u32::from_be_bytes([out[0], out[1], out[2], out[3]]) as usize,
            out.len() - 4
        );

        let mut out = BytesMut::new();
        let zlib = frame(&[("k", "v")], vec![Transform::Zlib]);
        encode_header_frame(&mut out, &zlib, Protocol::Binary, b"P", 1 << 20).unwrap();
        assert_eq!(&out[14..26], &[0, 1, 1, 1, 1, 1, b'k', 1, b'v', 0, 0, 0]);
        assert_eq!(u16::from_be_bytes([out[12], out[13]]), 3);
    }

    #[test]
    fn frames_round_trip_with_and_without_zlib() {
        for transforms in [vec![], vec![Transform::Zlib]] {
            let sent = frame(&[("trace", "abc"), ("user", "x")], transforms);
            let payload = vec![0x42u8; 5000];
            let mut out = BytesMut::new();
            encode_header_frame(&mut out, &sent, Protocol::Compact, &payload, 1 << 20).unwrap();
            let (got, protocol, body) = decode(body_of(&out), &FrameLimits::DEFAULT).unwrap();
            assert_eq!(
                (got, protocol, &body[..]),
                (sent, Protocol::Compact, &payload[..])
            );
        }
    }

    #[test]
    fn stacked_transforms_beyond_the_limit_are_refused_both_ways() {
        let mut out = BytesMut::new();
        let stacked = frame(&[], vec![Transform::Zlib; MAX_TRANSFORMS + 1]);
        assert!(matches!(
            encode_header_frame(&mut out, &stacked, Protocol::Binary, b"P", 1 << 20),
            Err(FrameError::TooManyTransforms { .. })
        ));
        // Written by hand, as a hostile peer would: a thousand zlib layers announced.
        let mut body = vec![0x0f, 0xff, 0, 0, 0, 0, 0, 7];
        let mut header = vec![0u8, 0xe8, 0x07];
        header.extend(std::iter::repeat_n(1u8, 1000));
        header.resize(header.len().next_multiple_of(4), 0);
        body.extend_from_slice(&((header.len() / 4) as u16).to_be_bytes());
        body.extend_from_slice(&header);
        assert_eq!(
            decode(Bytes::from(body), &FrameLimits::DEFAULT),
            Err(FrameError::TooManyTransforms {
                count: 1000,
                max: MAX_TRANSFORMS,
                protocol: Protocol::Binary,
                seqid: 7
            })
        );
    }

    #[test]
    fn a_zlib_bomb_stops_at_the_frame_limit() {
        let sent = frame(&[], vec![Transform::Zlib]);
        let mut out = BytesMut::new();
        encode_header_frame(
            &mut out,
            &sent,
            Protocol::Binary,
            &vec![0; 1 << 20],
            1 << 21,
        )
        .unwrap();
        let limits = FrameLimits {
            max_frame_len: 1000,
            ..FrameLimits::DEFAULT
        };
        assert!(matches!(
            decode(body_of(&out), &limits),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[test]
    fn malformed_headers_are_errors_never_panics() {
        let mut out = BytesMut::new();
        encode_header_frame(
            &mut out,
            &frame(&[("key", "value")], vec![]),
            Protocol::Binary,
            b"xy",
            1 << 20,
        )
        .unwrap();
        let whole = body_of(&out);
        for cut in 0..whole.len() {
            let _ = decode(whole.slice(..cut), &FrameLimits::DEFAULT);
        }
        for at in 0..whole.len() {
            for byte in [0x00, 0x7f, 0x80, 0xff] {
                let mut bad = whole.to_vec();
                bad[at] = byte;
                let _ = decode(Bytes::from(bad), &FrameLimits::DEFAULT);
            }
        }
        let mut unknown = whole.to_vec();
        unknown[10..12].copy_from_slice(&[0, 1]);
        unknown[12] = 9;
        assert_eq!(
            decode(Bytes::from(unknown), &FrameLimits::DEFAULT),
            Err(FrameError::UnknownTransform {
                id: 9,
                protocol: Protocol::Binary,
                seqid: 7
            })
        );
    }

    #[test]
    fn headers_that_are_not_utf8_are_left_out() {
        let mut out = BytesMut::new();
        let sent = frame(&[("a", "x"), ("b", "y"), ("c", "z")], vec![]);
        encode_header_frame(&mut out, &sent, Protocol::Binary, b"P", 1 << 20).unwrap();
        let mut body = body_of(&out).to_vec();
        // After the 10 fixed bytes: protocol, transform count, block id, header count, then 4 bytes per
        // header (`01 61 01 78` for `a: x`).
        let header = |index: usize| 14 + 4 * index;
        assert_eq!(&body[header(0)..header(1)], b"\x01a\x01x");
        body[header(0) + 3] = 0xff;
        body[header(2) + 1] = 0xfe;
        let (got, _, payload) = decode(Bytes::from(body), &FrameLimits::DEFAULT).unwrap();
        assert_eq!(got.headers, frame(&[("b", "y")], vec![]).headers);
        assert_eq!(&payload[..], b"P");
    }

    #[test]
    fn seqids_are_peeked_in_every_protocol() {
        assert_eq!(
            peek_seqid(
                Protocol::Binary,
                b"\x80\x01\x00\x02\x00\x00\x00\x02ab\x00\x00\x01\x00"
            ),
            Some(256)
        );
        assert_eq!(
            peek_seqid(Protocol::Compact, b"\x82\x41\xac\x02\x02ab"),
            Some(300)
        );
        assert_eq!(
            peek_seqid(Protocol::Json, br#"[1,"ab",2,300,{}]"#),
            Some(300)
        );
        assert_eq!(
            peek_seqid(Protocol::Binary, b"\x80\x01\x00\x02\xff\xff\xff\xff"),
            None
        );
        assert_eq!(
            peek_seqid(Protocol::Binary, b"\x00\x00\x00\x02ab\x02\x00\x00\x01\x00"),
            Some(256),
            "the old, non-strict envelope"
        );
    }
}
