//! Transports: how messages are delimited on a byte stream. [`Transport::Framed`] puts a 4-byte length before
//! each message, [`Transport::Unframed`] sends the message alone (its end is found by parsing it), and
//! [`Transport::Header`] wraps it in Apache Thrift's THeader frame, which adds info headers and transforms
//! such as zlib compression.
//!
//! Everything here is sans-I/O: functions from buffered bytes to frames and back, shared by the
//! server and the client, and testable without sockets.

mod detect;
mod framed;
mod header;
mod scan;

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;

use crate::protocol::Limits;
use crate::protocol::Protocol;

pub(crate) use detect::FrameBuffer;
pub(crate) use framed::Wire;
pub(crate) use header::{
    FLAG_OUT_OF_ORDER, HeaderFrame, encode_header_frame, peek_envelope, peek_message_type,
    peek_seqid,
};

/// THeader info headers (Apache's KEYVALUE block): names to values.
pub type Headers = BTreeMap<String, String>;

/// How messages are delimited on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Transport {
    /// A 4-byte big-endian length, then the message (Apache's `TFramedTransport`).
    #[default]
    Framed,
    /// The message alone (Apache's `TBufferedTransport`); the reader finds its end by parsing it.
    Unframed,
    /// Apache Thrift's THeader: a framed header carrying the protocol, transforms and info headers.
    Header,
}

impl Transport {
    /// The transport's short name, as logs spell it: `framed`, `unframed` or `header`.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Framed => "framed",
            Transport::Unframed => "unframed",
            Transport::Header => "header",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A THeader payload transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transform {
    /// zlib compression (transform id 1), as Apache's THeader implementations apply it.
    Zlib,
}

impl Transform {
    /// The transform's id on the wire.
    pub fn id(self) -> u32 {
        match self {
            Transform::Zlib => 1,
        }
    }

    /// The transform with this id, if this build has it.
    fn from_id(id: u32) -> Option<Transform> {
        match id {
            1 if cfg!(feature = "zlib") => Some(Transform::Zlib),
            _ => None,
        }
    }
}

/// Bounds a transport enforces on what it reads, before it allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLimits {
    /// Largest frame (or unframed message) in bytes; for THeader also the largest decompressed payload.
    pub max_frame_len: usize,
    /// The limits for decoding messages (used to find the end of unframed messages).
    pub message: Limits,
}

impl FrameLimits {
    /// A 16 MiB frame limit and the default message [`Limits`].
    pub const DEFAULT: FrameLimits = FrameLimits {
        max_frame_len: 16 * 1024 * 1024,
        message: Limits::DEFAULT,
    };
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits::DEFAULT
    }
}

/// What is wrong with a frame read from the connection. The connection cannot continue after any of these:
/// its byte stream has lost its framing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A frame (or unframed message) larger than the configured maximum.
    #[error("frame of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// The length the peer announced (or the bytes buffered without finding a message's end).
        len: u64,
        /// The configured maximum.
        max: usize,
    },
    /// The first bytes match none of the transports and protocols spoken here.
    #[error("cannot tell what the peer speaks from its first bytes {first:02x?}")]
    Unrecognized {
        /// The first (up to 4) bytes of the frame.
        first: Vec<u8>,
    },
    /// A THeader frame that does not follow the format.
    #[error("malformed THeader frame: {0}")]
    MalformedHeader(String),
    /// A THeader transform this implementation does not have. The frame's protocol and sequence id are kept
    /// so the server can answer with an INVALID_TRANSFORM application exception before closing.
    #[error("unknown THeader transform id {id}")]
    UnknownTransform {
        /// The transform id.
        id: u32,
        /// The frame's protocol.
        protocol: Protocol,
        /// The frame's sequence id.
        seqid: i32,
    },
    /// A THeader frame stacking more transforms than allowed. Kept with the frame's protocol and sequence
    /// id, like [`FrameError::UnknownTransform`], so the server can answer before closing.
    #[error("{count} THeader transforms exceed the limit of {max}")]
    TooManyTransforms {
        /// The transforms the frame announced.
        count: usize,
        /// The most a frame may carry.
        max: usize,
        /// The frame's protocol.
        protocol: Protocol,
        /// The frame's sequence id.
        seqid: i32,
    },
    /// A THeader protocol id other than binary (0), JSON (1) or compact (2).
    #[error("unknown THeader protocol id {0}")]
    UnknownProtocol(u32),
    /// A compressed payload that does not decompress.
    #[error("cannot decompress the payload: {0}")]
    Decompress(String),
    /// An unframed message that is not a well-formed message of its protocol.
    #[error("malformed unframed {protocol} message: {detail}")]
    MalformedMessage {
        /// The protocol the message claimed.
        protocol: Protocol,
        /// What the protocol reader found.
        detail: String,
    },
    /// A message that does not fit the transport (a THeader frame or header block beyond its size fields).
    #[error("cannot frame the message: {0}")]
    Unframeable(String),
}

/// One message as a transport delivered it, and what is needed to answer in kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frame {
    /// How the message was delimited, with the THeader fields if it came in a THeader frame.
    pub(crate) kind: FrameKind,
    /// The protocol the message is encoded in.
    pub(crate) protocol: Protocol,
    /// The protocol-encoded message (transforms undone).
    pub(crate) payload: Bytes,
}

/// How a message was delimited.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FrameKind {
    Framed,
    Unframed,
    Header(HeaderFrame),
}

#[cfg(test)]
impl Frame {
    /// The transport the frame came in.
    pub(crate) fn transport(&self) -> Transport {
        match self.kind {
            FrameKind::Framed => Transport::Framed,
            FrameKind::Unframed => Transport::Unframed,
            FrameKind::Header(_) => Transport::Header,
        }
    }
}

/// The protocol a message starting with `first` is in, judged from its first two bytes: the strict binary
/// version word `0x8001`, the compact protocol id `0x82` with version 1, or JSON's opening `[`.
fn protocol_of(first: &[u8]) -> Option<Protocol> {
    match first {
        [0x80, 0x01, ..] => Some(Protocol::Binary),
        [0x82, second, ..] if second & 0x1f == 1 => Some(Protocol::Compact),
        [b'[', ..] => Some(Protocol::Json),
        _ => None,
    }
}
