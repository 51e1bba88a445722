//! The unframed transport: a message alone on the stream, its end found by parsing it.
//!
//! Bytes arrive in pieces, so the scanner keeps its place: what it has passed over, which structs and
//! containers are open, how much of a string is still to come. Each byte is looked at once however it is cut
//! into reads, and a connection holding half a message costs nothing until more bytes arrive. (Parsing the
//! whole buffer again after each read would cost time quadratic in the message's size, and a peer trickling
//! bytes would make the server do all of it.)
//!
//! The scanner checks what framing needs: the shape of the message, its lengths and counts against the
//! [`Limits`], its nesting depth, and its size against the frame limit. Whether the contents make sense (UTF-8,
//! field types a struct expects) is for the decoder that reads the message afterwards.

use super::{FrameError, FrameLimits};
use crate::protocol::Protocol;
use crate::protocol::{Limits, TType};

/// Whether a whole message is buffered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scan {
    /// The message at the front of the buffer is this many bytes long.
    Complete(usize),
    /// More bytes are needed; the scan resumes where it stopped.
    Incomplete,
}

/// Where an unframed message ends, found incrementally. One scanner per connection; it holds the state of
/// the message at the front of the buffer and starts afresh after each complete one.
#[derive(Debug, Default)]
pub(crate) struct MessageScanner {
    /// The message's protocol, fixed by its first bytes.
    protocol: Option<Protocol>,
    /// Bytes of the message already passed over.
    scanned: usize,
    /// Bytes still to pass over before the next item: the body of a string, or a run of fixed-width elements.
    skip: usize,
    /// Whether the envelope (name, type, sequence id) has been read.
    stage: Stage,
    /// What is open around the scan position, innermost last.
    open: Vec<Open>,
    /// The JSON scanner's state (JSON needs no more than bracket matching to find the end).
    json: JsonState,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Nothing of the envelope read yet.
    #[default]
    Start,
    /// The name has been skipped; its tail (binary: the sequence id, old binary: the type and sequence id)
    /// comes next.
    EnvelopeTail { old_binary: bool },
    /// In the message body.
    Body,
}

/// Something open at the scan position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// A struct: a field header or STOP comes next.
    Struct,
    /// One value of this type comes next (a field's value, a container element, a map key or value).
    Value(TType),
    /// A list or set with this many elements still to come.
    Elements { elem: TType, remaining: usize },
    /// A map with this many entries still to come.
    Entries {
        key: TType,
        value: TType,
        remaining: usize,
    },
}

#[derive(Debug, Default, Clone, Copy)]
struct JsonState {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

/// Reads primitives at a position without going past the buffered bytes. `None` means "not all here yet".
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn bytes<const N: usize>(&mut self) -> Option<[u8; N]> {
        let bytes = *self.buf.get(self.pos..)?.first_chunk::<N>()?;
        self.pos += N;
        Some(bytes)
    }

    fn u8(&mut self) -> Option<u8> {
        self.bytes::<1>().map(|[byte]| byte)
    }

    fn i32(&mut self) -> Option<i32> {
        self.bytes::<4>().map(i32::from_be_bytes)
    }

    /// An unsigned LEB128 varint of at most `max_bytes` bytes: `Some(Err(()))` if it runs longer.
    fn varint(&mut self, max_bytes: usize) -> Option<Result<u64, ()>> {
        let mut value = 0u64;
        for index in 0..max_bytes {
            let byte = *self.buf.get(self.pos + index)?;
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte & 0x80 == 0 {
                self.pos += index + 1;
                return Some(Ok(value));
            }
        }
        Some(Err(()))
    }
}

/// What a scanning step found.
enum Step {
    /// It advanced; carry on.
    Advanced,
    /// It needs bytes that have not arrived.
    Wait,
    /// The message is complete.
    Done,
}

impl MessageScanner {
    /// Scans on from where the last call stopped. `buf` holds the message from its first byte (and whatever
    /// follows it), and only grows between calls until the scan reports the message complete.
    pub(super) fn scan(
        &mut self,
        buf: &[u8],
        protocol: Protocol,
        limits: &FrameLimits,
    ) -> Result<Scan, FrameError> {
        let protocol = *self.protocol.get_or_insert(protocol);
        let result = match protocol {
            Protocol::Json => self.scan_json(buf, limits),
            Protocol::Binary | Protocol::Compact => self.scan_tokens(buf, protocol, limits),
        };
        if !matches!(result, Ok(Scan::Incomplete)) {
            *self = MessageScanner::default();
        }
        result
    }

    fn scan_tokens(
        &mut self,
        buf: &[u8],
        protocol: Protocol,
        limits: &FrameLimits,
    ) -> Result<Scan, FrameError> {
        loop {
            if self.skip > 0 {
                let available = buf.len().saturating_sub(self.scanned).min(self.skip);
                self.scanned += available;
                self.skip -= available;
            }
            // Checked before waiting: a message still incomplete past the frame limit can never be read.
            let least = self.scanned.saturating_add(self.skip);
            if least > limits.max_frame_len {
                return Err(FrameError::TooLarge {
                    len: least as u64,
                    max: limits.max_frame_len,
                });
            }
            if self.skip > 0 {
                return Ok(Scan::Incomplete);
            }
            let mut cursor = Cursor {
                buf,
                pos: self.scanned,
            };
            let step = match protocol {
                Protocol::Binary => self.binary_step(&mut cursor, &limits.message),
                _ => self.compact_step(&mut cursor, &limits.message),
            }
            .map_err(|detail| FrameError::MalformedMessage {
                protocol,
                detail: format!("{detail} at byte {}", self.scanned),
            })?;
            match step {
                Step::Advanced => self.scanned = cursor.pos,
                Step::Wait => return Ok(Scan::Incomplete),
                Step::Done => return Ok(Scan::Complete(cursor.pos)),
            }
        }
    }

    /// Opens a struct or container, within the depth limit.
    fn push(&mut self, open: Open, limits: &Limits) -> Result<(), String> {
        let depth = self
            .open
            .iter()
            .filter(|open| !matches!(open, Open::Value(_)))
            .count();
        if depth >= limits.max_depth {
            return Err(format!("nesting deeper than {} levels", limits.max_depth));
        }
        self.open.push(open);
        Ok(())
    }

    fn length(value: i64, limit: usize, what: &str) -> Result<usize, String> {
        if value < 0 {
            return Err(format!("negative {what} {value}"));
        }
        match usize::try_from(value) {
            Ok(len) if len <= limit => Ok(len),
            _ => Err(format!("{what} of {value} exceeds the limit of {limit}")),
        }
    }

    /// Passes over one value of `ttype` whose width does not depend on its contents, if it has one.
    fn fixed_width(ttype: TType, protocol: Protocol) -> Option<usize> {
        match (ttype, protocol) {
            (TType::Bool | TType::I8, _) => Some(1),
            (TType::I16, Protocol::Binary) => Some(2),
            (TType::I32, Protocol::Binary) => Some(4),
            (TType::I64, Protocol::Binary) | (TType::Double, _) => Some(8),
            (TType::Uuid, _) => Some(16),
            _ => None,
        }
    }

    /// The next item of a list, set or map, or the end of the container. Runs of fixed-width elements are
    /// passed over in one go.
    fn container_step(&mut self, protocol: Protocol) -> Step {
        let top = self.open.len() - 1;
        match &mut self.open[top] {
            Open::Elements { remaining: 0, .. } | Open::Entries { remaining: 0, .. } => {
                self.open.pop();
            }
            Open::Elements { elem, remaining } => match Self::fixed_width(*elem, protocol) {
                Some(width) => {
                    self.skip = *remaining * width;
                    self.open.pop();
                }
                None => {
                    *remaining -= 1;
                    let elem = *elem;
                    self.open.push(Open::Value(elem));
                }
            },
            Open::Entries {
                key,
                value,
                remaining,
            } => match (
                Self::fixed_width(*key, protocol),
                Self::fixed_width(*value, protocol),
            ) {
                (Some(key), Some(value)) => {
                    self.skip = *remaining * (key + value);
                    self.open.pop();
                }
                _ => {
                    *remaining -= 1;
                    let (key, value) = (*key, *value);
                    self.open.push(Open::Value(value));
                    self.open.push(Open::Value(key));
                }
            },
            Open::Struct | Open::Value(_) => unreachable!("only containers step here"),
        }
        Step::Advanced
    }

    fn binary_step(&mut self, cursor: &mut Cursor<'_>, limits: &Limits) -> Result<Step, String> {
        match self.stage {
            Stage::Start => {
                let Some(word) = cursor.i32() else {
                    return Ok(Step::Wait);
                };
                let old_binary = word >= 0;
                let name_len = if old_binary {
                    // The old, non-strict form starts with the name's length.
                    Self::length(word.into(), limits.max_string_len, "message name length")?
                } else {
                    if (word as u32) & 0xffff_0000 != 0x8001_0000 {
                        return Err(format!("bad version word {:#010x}", word as u32));
                    }
                    let Some(len) = cursor.i32() else {
                        return Ok(Step::Wait);
                    };
                    Self::length(len.into(), limits.max_string_len, "message name length")?
                };
                self.skip = name_len;
                self.stage = Stage::EnvelopeTail { old_binary };
                Ok(Step::Advanced)
            }
            Stage::EnvelopeTail { old_binary } => {
                if old_binary {
                    match cursor.u8() {
                        None => return Ok(Step::Wait),
                        Some(1..=4) => {}
                        Some(other) => return Err(format!("message type {other}")),
                    }
                }
                if cursor.i32().is_none() {
                    return Ok(Step::Wait);
                }
                self.stage = Stage::Body;
                self.push(Open::Struct, limits)?;
                Ok(Step::Advanced)
            }
            Stage::Body => {
                let Some(top) = self.open.last().copied() else {
                    return Ok(Step::Done);
                };
                match top {
                    Open::Struct => {
                        let Some(ttype) = cursor.u8() else {
                            return Ok(Step::Wait);
                        };
                        if ttype == 0 {
                            self.open.pop();
                            return Ok(Step::Advanced);
                        }
                        let ttype = binary_type(ttype)?;
                        if cursor.bytes::<2>().is_none() {
                            return Ok(Step::Wait);
                        }
                        self.open.push(Open::Value(ttype));
                        Ok(Step::Advanced)
                    }
                    Open::Value(ttype) => {
                        if let Some(width) = Self::fixed_width(ttype, Protocol::Binary) {
                            self.open.pop();
                            self.skip = width;
                            return Ok(Step::Advanced);
                        }
                        let opened = match ttype {
                            TType::Binary => {
                                let Some(len) = cursor.i32() else {
                                    return Ok(Step::Wait);
                                };
                                self.skip = Self::length(
                                    len.into(),
                                    limits.max_string_len,
                                    "string length",
                                )?;
                                None
                            }
                            TType::Struct => Some(Open::Struct),
                            TType::List | TType::Set => {
                                let Some([elem, a, b, c, d]) = cursor.bytes::<5>() else {
                                    return Ok(Step::Wait);
                                };
                                let count = i32::from_be_bytes([a, b, c, d]);
                                let remaining = Self::length(
                                    count.into(),
                                    limits.max_container_len,
                                    "list size",
                                )?;
                                let elem = element(binary_type(elem), remaining)?;
                                Some(Open::Elements { elem, remaining })
                            }
                            TType::Map => {
                                let Some([key, value, a, b, c, d]) = cursor.bytes::<6>() else {
                                    return Ok(Step::Wait);
                                };
                                let count = i32::from_be_bytes([a, b, c, d]);
                                let remaining = Self::length(
                                    count.into(),
                                    limits.max_container_len,
                                    "map size",
                                )?;
                                Some(Open::Entries {
                                    key: element(binary_type(key), remaining)?,
                                    value: element(binary_type(value), remaining)?,
                                    remaining,
                                })
                            }
                            _ => return Err(format!("a value of type {ttype:?}")),
                        };
                        self.open.pop();
                        if let Some(open) = opened {
                            self.push(open, limits)?;
                        }
                        Ok(Step::Advanced)
                    }
                    Open::Elements { .. } | Open::Entries { .. } => {
                        Ok(self.container_step(Protocol::Binary))
                    }
                }
            }
        }
    }

    fn compact_step(&mut self, cursor: &mut Cursor<'_>, limits: &Limits) -> Result<Step, String> {
        match self.stage {
            Stage::Start => {
                let Some([id, kind]) = cursor.bytes::<2>() else {
                    return Ok(Step::Wait);
                };
                if id != 0x82 || kind & 0x1f != 1 {
                    return Err(format!("bad protocol id and version {id:#04x} {kind:#04x}"));
                }
                match cursor.varint(5) {
                    None => return Ok(Step::Wait),
                    Some(Err(())) => return Err("a sequence id longer than 5 bytes".into()),
                    Some(Ok(_)) => {}
                }
                let name_len = match cursor.varint(5) {
                    None => return Ok(Step::Wait),
                    Some(Err(())) => return Err("a name length longer than 5 bytes".into()),
                    Some(Ok(len)) => {
                        Self::length(len as i64, limits.max_string_len, "message name length")?
                    }
                };
                self.skip = name_len;
                self.stage = Stage::Body;
                self.push(Open::Struct, limits)?;
                Ok(Step::Advanced)
            }
            Stage::EnvelopeTail { .. } => unreachable!("the compact envelope ends with its name"),
            Stage::Body => {
                let Some(top) = self.open.last().copied() else {
                    return Ok(Step::Done);
                };
                match top {
                    Open::Struct => {
                        let Some(byte) = cursor.u8() else {
                            return Ok(Step::Wait);
                        };
                        if byte == 0 {
                            self.open.pop();
                            return Ok(Step::Advanced);
                        }
                        let ttype = compact_type(byte & 0x0f)?;
                        if byte >> 4 == 0 {
                            // The field id follows as a zigzag varint.
                            match cursor.varint(3) {
                                None => return Ok(Step::Wait),
                                Some(Err(())) => {
                                    return Err("a field id longer than 3 bytes".into());
                                }
                                Some(Ok(_)) => {}
                            }
                        }
                        // A bool field carries its value in the type nibble.
                        if ttype != TType::Bool {
                            self.open.push(Open::Value(ttype));
                        }
                        Ok(Step::Advanced)
                    }
                    Open::Value(ttype) => {
                        if let Some(width) = Self::fixed_width(ttype, Protocol::Compact) {
                            self.open.pop();
                            self.skip = width;
                            return Ok(Step::Advanced);
                        }
                        let opened = match ttype {
                            TType::I16 | TType::I32 | TType::I64 => {
                                let max = match ttype {
                                    TType::I16 => 3,
                                    TType::I32 => 5,
                                    _ => 10,
                                };
                                match cursor.varint(max) {
                                    None => return Ok(Step::Wait),
                                    Some(Err(())) => {
                                        return Err(format!("a {ttype:?} longer than {max} bytes"));
                                    }
                                    Some(Ok(_)) => None,
                                }
                            }
                            TType::Binary => {
                                let len = match cursor.varint(5) {
                                    None => return Ok(Step::Wait),
                                    Some(Err(())) => {
                                        return Err("a string length longer than 5 bytes".into());
                                    }
                                    Some(Ok(len)) => len,
                                };
                                self.skip = Self::length(
                                    len as i64,
                                    limits.max_string_len,
                                    "string length",
                                )?;
                                None
                            }
                            TType::Struct => Some(Open::Struct),
                            TType::List | TType::Set => {
                                let Some(header) = cursor.u8() else {
                                    return Ok(Step::Wait);
                                };
                                let count = match header >> 4 {
                                    15 => match cursor.varint(5) {
                                        None => return Ok(Step::Wait),
                                        Some(Err(())) => {
                                            return Err("a list size longer than 5 bytes".into());
                                        }
                                        Some(Ok(count)) => count,
                                    },
                                    short => u64::from(short),
                                };
                                let remaining = Self::length(
                                    count as i64,
                                    limits.max_container_len,
                                    "list size",
                                )?;
                                let elem = element(compact_type(header & 0x0f), remaining)?;
                                Some(Open::Elements { elem, remaining })
                            }
                            TType::Map => {
                                let count = match cursor.varint(5) {
                                    None => return Ok(Step::Wait),
                                    Some(Err(())) => {
                                        return Err("a map size longer than 5 bytes".into());
                                    }
                                    Some(Ok(count)) => count,
                                };
                                let remaining = Self::length(
                                    count as i64,
                                    limits.max_container_len,
                                    "map size",
                                )?;
                                if remaining == 0 {
                                    // An empty map is the single byte 0: no key and value types follow.
                                    None
                                } else {
                                    let Some(types) = cursor.u8() else {
                                        return Ok(Step::Wait);
                                    };
                                    Some(Open::Entries {
                                        key: element(compact_type(types >> 4), remaining)?,
                                        value: element(compact_type(types & 0x0f), remaining)?,
                                        remaining,
                                    })
                                }
                            }
                            _ => return Err(format!("a value of type {ttype:?}")),
                        };
                        self.open.pop();
                        if let Some(open) = opened {
                            self.push(open, limits)?;
                        }
                        Ok(Step::Advanced)
                    }
                    Open::Elements { .. } | Open::Entries { .. } => {
                        Ok(self.container_step(Protocol::Compact))
                    }
                }
            }
        }
    }

    /// JSON messages are found by matching brackets outside strings; the decoder checks the rest.
    fn scan_json(&mut self, buf: &[u8], limits: &FrameLimits) -> Result<Scan, FrameError> {
        // Each Thrift level is at most three JSON levels (a field's `{"rec":{...}}`, a map's `[..,{...}]`).
        let max_depth = limits.message.max_depth.saturating_mul(3).saturating_add(2);
        let window = &buf[..buf.len().min(limits.max_frame_len)];
        let json = &mut self.json;
        for (offset, &byte) in window.iter().enumerate().skip(self.scanned) {
            if json.in_string {
                if json.escaped {
                    json.escaped = false;
                } else if byte == b'\\' {
                    json.escaped = true;
                } else if byte == b'"' {
                    json.in_string = false;
                }
                continue;
            }
            match byte {
                b'"' => json.in_string = true,
                b'[' | b'{' => {
                    json.depth += 1;
                    if json.depth > max_depth {
                        return Err(FrameError::MalformedMessage {
                            protocol: Protocol::Json,
                            detail: format!(
                                "nesting deeper than {max_depth} levels at byte {offset}"
                            ),
                        });
                    }
                }
                b']' | b'}' => {
                    if json.depth == 0 {
                        return Err(FrameError::MalformedMessage {
                            protocol: Protocol::Json,
                            detail: format!("an unmatched {:?} at byte {offset}", byte as char),
                        });
                    }
                    json.depth -= 1;
                    if json.depth == 0 {
                        return Ok(Scan::Complete(offset + 1));
                    }
                }
                _ if offset == 0 => {
                    return Err(FrameError::MalformedMessage {
                        protocol: Protocol::Json,
                        detail: "a message that does not start with '['".into(),
                    });
                }
                _ => {}
            }
        }
        self.scanned = window.len();
        if window.len() >= limits.max_frame_len {
            return Err(FrameError::TooLarge {
                len: buf.len() as u64,
                max: limits.max_frame_len,
            });
        }
        Ok(Scan::Incomplete)
    }
}

fn binary_type(id: u8) -> Result<TType, String> {
    TType::from_id(id).ok_or_else(|| format!("unknown type id {id}"))
}

fn compact_type(nibble: u8) -> Result<TType, String> {
    Ok(match nibble {
        0 => TType::Stop,
        1 | 2 => TType::Bool,
        3 => TType::I8,
        4 => TType::I16,
        5 => TType::I32,
        6 => TType::I64,
        7 => TType::Double,
        8 => TType::Binary,
        9 => TType::List,
        10 => TType::Set,
        11 => TType::Map,
        12 => TType::Struct,
        13 => TType::Uuid,
        other => return Err(format!("unknown type nibble {other}")),
    })
}

/// A container's element type: anything but STOP, which only an empty container may carry (Apache writes
/// whatever type it has at hand for those, and readers accept it).
fn element(ttype: Result<TType, String>, count: usize) -> Result<TType, String> {
    match ttype {
        Ok(TType::Stop) | Err(_) if count == 0 => Ok(TType::Stop),
        Ok(TType::Stop) => Err("elements of type STOP".into()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PING: &[u8] = b"\x80\x01\x00\x01\x00\x00\x00\x04ping\x00\x00\x00\x01\x00";

    fn scan_whole(
        bytes: &[u8],
        protocol: Protocol,
        limits: &FrameLimits,
    ) -> Result<Scan, FrameError> {
        MessageScanner::default().scan(bytes, protocol, limits)
    }

    /// Feeds `bytes` one byte more at a time, as a trickling peer would, and returns the first verdict that
    /// is not "incomplete", with the number of bytes it took.
    fn scan_trickled(bytes: &[u8], protocol: Protocol) -> (usize, Result<Scan, FrameError>) {
        let mut scanner = MessageScanner::default();
        for end in 0..=bytes.len() {
            match scanner.scan(&bytes[..end], protocol, &FrameLimits::DEFAULT) {
                Ok(Scan::Incomplete) => {}
                other => return (end, other),
            }
        }
        (bytes.len(), Ok(Scan::Incomplete))
    }

    #[test]
    fn the_end_is_found_only_once_the_whole_message_is_there() {
        let (seen, verdict) = scan_trickled(PING, Protocol::Binary);
        assert_eq!(
            (seen, verdict),
            (PING.len(), Ok(Scan::Complete(PING.len())))
        );
        let mut two = PING.to_vec();
        two.extend_from_slice(PING);
        assert_eq!(
            scan_whole(&two, Protocol::Binary, &FrameLimits::DEFAULT),
            Ok(Scan::Complete(PING.len()))
        );
    }

    #[test]
    fn an_endless_message_hits_the_frame_limit_before_its_bytes_arrive() {
        let limits = FrameLimits {
            max_frame_len: 64,
            ..FrameLimits::DEFAULT
        };
        let mut endless = PING[..PING.len() - 1].to_vec();
        // A string field that claims more bytes than the frame limit allows.
        endless.extend_from_slice(b"\x0b\x00\x01\x00\x00\x10\x00");
        assert!(matches!(
            scan_whole(&endless, Protocol::Binary, &limits),
            Err(FrameError::TooLarge { len, .. }) if len > 64
        ));
        let json = vec![b'['; 10]
            .into_iter()
            .chain(vec![b' '; 100])
            .collect::<Vec<_>>();
        assert!(matches!(
            scan_whole(&json, Protocol::Json, &limits),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[test]
    fn every_value_type_is_scanned_in_binary_compact_and_json() {
        use crate::protocol::Writer;
        use crate::protocol::binary::BinaryWriter;
        use crate::protocol::compact::CompactWriter;
        use crate::protocol::json::JsonWriter;
        use crate::protocol::{MessageHeader, MessageType};

        fn write_all<W: Writer>(w: &mut W) {
            let header = MessageHeader {
                name: "method".into(),
                kind: MessageType::Call,
                seqid: 300,
            };
            w.write_message_begin(&header).unwrap();
            w.write_struct_begin("args").unwrap();
            let mut id = 0;
            let mut field = |w: &mut W, ttype| {
                id += 1;
                w.write_field_begin("f", ttype, id).unwrap();
            };
            field(w, TType::Bool);
            w.write_bool(true).unwrap();
            w.write_field_end().unwrap();
            field(w, TType::I8);
            w.write_i8(-3).unwrap();
            w.write_field_end().unwrap();
            field(w, TType::I16);
            w.write_i16(-300).unwrap();
            w.write_field_end().unwrap();
            field(w, TType::I32);
            w.write_i32(1 << 30).unwrap();
            w.write_field_end().unwrap();
            field(w, TType::I64);
            w.write_i64(-(1 << 60)).unwrap();
            w.write_field_end().unwrap();
            field(w, TType::Double);
            w.write_double(1.5).unwrap();
            w.write_field_end().unwrap();
            field(w, TType::Binary);
            w.write_string("a [string] with \"quotes\" and {braces}")
                .unwrap();
            w.write_field_end().unwrap();
            field(w, TType::Uuid);
            w.write_uuid(&[7; 16]).unwrap();
            w.write_field_end().unwrap();
            field(w, TType::List);
            w.write_list_begin(TType::Bool, 20).unwrap();
            for index in 0..20 {
                w.write_bool(index % 3 == 0).unwrap();
            }
            w.write_list_end().unwrap();
            w.write_field_end().unwrap();
            field(w, TType::Set);
            w.write_set_begin(TType::I64, 3).unwrap();
            for value in [1, -1 << 40, 5] {
                w.write_i64(value).unwrap();
            }
            w.write_set_end().unwrap();
            w.write_field_end().unwrap();
            field(w, TType::Map);
            w.write_map_begin(TType::Binary, TType::Struct, 2).unwrap();
            for key in ["k1", "k2"] {
                w.write_string(key).unwrap();
                w.write_struct_begin("inner").unwrap();
                w.write_field_begin("x", TType::List, 1).unwrap();
                w.write_list_begin(TType::Map, 1).unwrap();
                w.write_map_begin(TType::I32, TType::Double, 2).unwrap();
                for k in 0..2 {
                    w.write_i32(k).unwrap();
                    w.write_double(0.5).unwrap();
                }
                w.write_map_end().unwrap();
                w.write_list_end().unwrap();
                w.write_field_end().unwrap();
                w.write_field_begin("b", TType::Bool, 2).unwrap();
                w.write_bool(false).unwrap();
                w.write_field_end().unwrap();
                w.write_field_stop().unwrap();
                w.write_struct_end().unwrap();
            }
            w.write_map_end().unwrap();
            w.write_field_end().unwrap();
            field(w, TType::Map);
            w.write_map_begin(TType::I32, TType::I32, 0).unwrap();
            w.write_map_end().unwrap();
            w.write_field_end().unwrap();
            field(w, TType::Struct);
            w.write_struct_begin("empty").unwrap();
            w.write_field_stop().unwrap();
            w.write_struct_end().unwrap();
            w.write_field_end().unwrap();
            w.write_field_stop().unwrap();
            w.write_struct_end().unwrap();
            w.write_message_end().unwrap();
        }

        let mut binary = Vec::new();
        write_all(&mut BinaryWriter::new(&mut binary));
        let mut compact = Vec::new();
        write_all(&mut CompactWriter::new(&mut compact));
        let mut json = Vec::new();
        write_all(&mut JsonWriter::new(&mut json));
        for (bytes, protocol) in [
            (binary, Protocol::Binary),
            (compact, Protocol::Compact),
            (json, Protocol::Json),
        ] {
            let (seen, verdict) = scan_trickled(&bytes, protocol);
            assert_eq!(
                (seen, verdict),
                (bytes.len(), Ok(Scan::Complete(bytes.len()))),
                "{protocol}"
            );
        }
    }

    #[test]
    fn the_old_binary_envelope_is_scanned_too() {
        let old_ping = b"\x00\x00\x00\x04ping\x01\x00\x00\x00\x01\x00";
        let (seen, verdict) = scan_trickled(old_ping, Protocol::Binary);
        assert_eq!(
            (seen, verdict),
            (old_ping.len(), Ok(Scan::Complete(old_ping.len())))
        );
        let bad_type = b"\x00\x00\x00\x04ping\x07\x00\x00\x00\x01\x00";
        assert!(matches!(
            scan_whole(bad_type, Protocol::Binary, &FrameLimits::DEFAULT),
            Err(FrameError::MalformedMessage { .. })
        ));
    }

    #[test]
    fn hostile_lengths_counts_and_depths_are_refused_before_their_bytes_arrive() {
        let limits = FrameLimits {
            message: Limits {
                max_string_len: 10,
                max_container_len: 10,
                max_depth: 4,
            },
            ..FrameLimits::DEFAULT
        };
        let head = &PING[..PING.len() - 1];
        for (tail, what) in [
            (&b"\x0b\x00\x01\x00\x00\x00\x0b"[..], "string length"),
            (b"\x0b\x00\x01\xff\xff\xff\xff", "negative"),
            (b"\x0f\x00\x01\x08\x00\x00\x00\x0b", "list size"),
            (b"\x0d\x00\x01\x08\x08\x00\x00\x00\x0b", "map size"),
            (b"\x0f\x00\x01\x00\x00\x00\x00\x01", "STOP"),
            (b"\x01\x00\x01", "unknown type"),
            (
                b"\x0c\x00\x01\x0c\x00\x01\x0c\x00\x01\x0c\x00\x01",
                "nesting",
            ),
        ] {
            let message = [head, tail].concat();
            match scan_whole(&message, Protocol::Binary, &limits) {
                Err(FrameError::MalformedMessage { detail, .. }) => {
                    assert!(detail.contains(what), "{detail:?} should mention {what:?}")
                }
                other => panic!("{what}: {other:?}"),
            }
        }
        // An empty container may carry any element type.
        let empty = [head, b"\x0f\x00\x01\x00\x00\x00\x00\x00\x00"].concat();
        assert_eq!(
            scan_whole(&empty, Protocol::Binary, &limits),
            Ok(Scan::Complete(empty.len()))
        );
    }

    #[test]
    fn a_resumed_scan_touches_each_byte_once() {
        // A struct of 100,000 i16 fields arriving 10 bytes at a time: resuming must not restart from the
        // message's first byte (which this test would notice as a timeout long before it notices the cost).
        let mut message = PING[..PING.len() - 1].to_vec();
        for id in 0..100_000u32 {
            message.extend_from_slice(&[6, (id >> 8) as u8, id as u8, 0, 1]);
        }
        message.push(0);
        let mut scanner = MessageScanner::default();
        let mut end = 0;
        let verdict = loop {
            end = (end + 10).min(message.len());
            match scanner.scan(&message[..end], Protocol::Binary, &FrameLimits::DEFAULT) {
                Ok(Scan::Incomplete) => {
                    assert!(scanner.scanned <= end && scanner.scanned + 10 >= end)
                }
                other => break other,
            }
        };
        assert_eq!(verdict, Ok(Scan::Complete(message.len())));
    }

    proptest::proptest! {
        /// Any bytes, in any cut: a verdict or an error, never a panic; and the same verdict whole or cut.
        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..128),
            cut in 0usize..128,
            which in 0usize..3,
        ) {
            let protocol = [Protocol::Binary, Protocol::Compact, Protocol::Json][which];
            let limits = FrameLimits { max_frame_len: 96, ..FrameLimits::DEFAULT };
            let whole = scan_whole(&bytes, protocol, &limits);
            let cut = cut.min(bytes.len());
            let mut scanner = MessageScanner::default();
            let pieces = match scanner.scan(&bytes[..cut], protocol, &limits) {
                Ok(Scan::Incomplete) => scanner.scan(&bytes, protocol, &limits),
                other => other,
            };
            if let (Ok(whole), Ok(pieces)) = (&whole, &pieces) {
                proptest::prop_assert_eq!(whole, pieces);
            }
        }
    }
}
