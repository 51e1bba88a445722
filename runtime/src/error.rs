//! Errors: [`EncodeError`] for values a protocol cannot represent, [`DecodeError`] for bad or hostile input,
//! and [`ApplicationException`], the error a server sends back in an EXCEPTION reply.

use std::fmt;

use crate::protocol::{Reader, TType, ThriftStruct, Writer};

/// A value the protocol cannot represent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A string, binary or container longer than the protocol's length field allows.
    #[error("{what} of {len} exceeds the protocol's maximum of {max}")]
    TooLong {
        /// What was being written ("string", "list", ...).
        what: &'static str,
        /// Its length.
        len: usize,
        /// The largest length the protocol can carry.
        max: usize,
    },
    /// A union with no variant set, or a required field left unset.
    #[error("cannot encode {what}: {detail}")]
    InvalidValue {
        /// The type or field concerned.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}

/// Input that is truncated, corrupt, or beyond the reader's [`Limits`](crate::Limits); what went wrong is its
/// [`kind`](DecodeError::kind).
///
/// The kind sits behind one pointer so that a `Result` of a decoded value is no larger than the value (or
/// two registers for a number or a header): decoding returns results at every step, and a wide error would
/// make every one of them travel through memory.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError(Box<DecodeErrorKind>);

impl DecodeError {
    /// What went wrong, and where.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.0
    }

    /// What went wrong, by value.
    pub fn into_kind(self) -> DecodeErrorKind {
        *self.0
    }
}

impl From<DecodeErrorKind> for DecodeError {
    // Errors are the exception: keep the allocation out of the decoding paths that build them.
    #[cold]
    #[inline(never)]
    fn from(kind: DecodeErrorKind) -> Self {
        DecodeError(Box::new(kind))
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for DecodeError {}

/// What made input undecodable. Every variant that concerns bytes says at which byte offset the problem was
/// found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended inside a value.
    #[error("input ends at byte {offset} but {what} needs {needed} more byte(s)")]
    UnexpectedEof {
        /// Where the input ran out.
        offset: usize,
        /// What was being read.
        what: &'static str,
        /// How many bytes were missing (at least).
        needed: usize,
    },
    /// A length or count beyond the configured limit.
    #[error("{what} of {len} at byte {offset} exceeds the limit of {limit}")]
    LimitExceeded {
        /// Where the length prefix starts.
        offset: usize,
        /// "string length", "list size", ...
        what: &'static str,
        /// The length the input claimed.
        len: u64,
        /// The configured limit.
        limit: u64,
    },
    /// Nesting of structs and containers deeper than the configured limit.
    #[error("nesting deeper than {limit} levels at byte {offset}")]
    DepthExceeded {
        /// Where the level that went too deep starts.
        offset: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A negative length or count.
    #[error("negative {what} {len} at byte {offset}")]
    NegativeLength {
        /// Where the length starts.
        offset: usize,
        /// "string length", "list size", ...
        what: &'static str,
        /// The value read.
        len: i64,
    },
    /// A type id the protocol does not define.
    #[error("unknown type id {id} for {what} at byte {offset}")]
    UnknownType {
        /// Where the type id was read.
        offset: usize,
        /// "field", "list element", ...
        what: &'static str,
        /// The id read.
        id: u8,
    },
    /// A message header with a wrong protocol id or version.
    #[error("bad message header at byte {offset}: {detail}")]
    BadVersion {
        /// Where the header starts.
        offset: usize,
        /// What was found instead.
        detail: String,
    },
    /// A string that is not valid UTF-8.
    #[error("string at byte {offset} is not valid UTF-8")]
    InvalidUtf8 {
        /// Where the string's bytes start.
        offset: usize,
    },
    /// A value that cannot be what its type says (a varint too long, bad JSON, a bad base64 payload, ...).
    #[error("invalid {what} at byte {offset}: {detail}")]
    InvalidData {
        /// Where the value starts.
        offset: usize,
        /// What was being read.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// A field arrived with a different wire type than the IDL declares, where it cannot be skipped.
    #[error("field {field} of `{struct_name}` has wire type {found:?}, expected {expected:?}")]
    WrongFieldType {
        /// The struct being decoded.
        struct_name: &'static str,
        /// The field id.
        field: i16,
        /// The declared type.
        expected: TType,
        /// The type on the wire.
        found: TType,
    },
    /// A `required` field was absent.
    #[error("required field `{field}` of `{struct_name}` is missing")]
    MissingRequiredField {
        /// The struct being decoded.
        struct_name: &'static str,
        /// The field's IDL name.
        field: &'static str,
    },
    /// A union with no field set, or more than one.
    #[error("union `{union_name}` must have exactly one field set, found {found}")]
    InvalidUnion {
        /// The union being decoded.
        union_name: &'static str,
        /// How many fields were set.
        found: usize,
    },
    /// An enum value the enum has no variant for (a hand-written enum without a catch-all variant).
    #[error("enum `{enum_name}` has no value {value} (at byte {offset})")]
    UnknownEnumValue {
        /// Where the value starts.
        offset: usize,
        /// The enum being decoded.
        enum_name: &'static str,
        /// The value read.
        value: i32,
    },
}

/// The kind of an [`ApplicationException`], numbered as Apache Thrift numbers them. Unknown numbers from the
/// wire are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApplicationExceptionKind(pub i32);

impl ApplicationExceptionKind {
    /// An unspecified failure.
    pub const UNKNOWN: Self = Self(0);
    /// The server does not implement the method.
    pub const UNKNOWN_METHOD: Self = Self(1);
    /// The message type was not CALL or ONEWAY.
    pub const INVALID_MESSAGE_TYPE: Self = Self(2);
    /// The reply named a different method.
    pub const WRONG_METHOD_NAME: Self = Self(3);
    /// The reply's seqid matched no call.
    pub const BAD_SEQUENCE_ID: Self = Self(4);
    /// The result struct had no field set.
    pub const MISSING_RESULT: Self = Self(5);
    /// The handler failed (or panicked).
    pub const INTERNAL_ERROR: Self = Self(6);
    /// The request could not be decoded.
    pub const PROTOCOL_ERROR: Self = Self(7);
    /// A THeader transform is not supported.
    pub const INVALID_TRANSFORM: Self = Self(8);
    /// The protocol is not supported.
    pub const INVALID_PROTOCOL: Self = Self(9);
    /// The client type is not supported.
    pub const UNSUPPORTED_CLIENT_TYPE: Self = Self(10);

    /// Apache Thrift's name for this kind, if it is one of the known ones.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "UNKNOWN",
            1 => "UNKNOWN_METHOD",
            2 => "INVALID_MESSAGE_TYPE",
            3 => "WRONG_METHOD_NAME",
            4 => "BAD_SEQUENCE_ID",
            5 => "MISSING_RESULT",
            6 => "INTERNAL_ERROR",
            7 => "PROTOCOL_ERROR",
            8 => "INVALID_TRANSFORM",
            9 => "INVALID_PROTOCOL",
            10 => "UNSUPPORTED_CLIENT_TYPE",
            _ => return None,
        })
    }
}

impl fmt::Display for ApplicationExceptionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "application exception type {}", self.0),
        }
    }
}

/// The error a server returns in an EXCEPTION reply: `{ 1: string message, 2: i32 type }` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplicationException {
    /// Human-readable explanation (may be empty).
    pub message: String,
    /// What went wrong.
    pub kind: ApplicationExceptionKind,
}

impl Default for ApplicationExceptionKind {
    fn default() -> Self {
        Self::UNKNOWN
    }
}

impl ApplicationException {
    /// An exception of `kind` with `message`.
    pub fn new(kind: ApplicationExceptionKind, message: impl Into<String>) -> Self {
        ApplicationException {
            message: message.into(),
            kind,
        }
    }
}

impl fmt::Display for ApplicationException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.kind, self.message)
        }
    }
}

impl std::error::Error for ApplicationException {}

impl ThriftStruct for ApplicationException {
    fn encode<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        writer.write_struct_begin("TApplicationException")?;
        writer.write_field_begin("message", TType::Binary, 1)?;
        writer.write_string(&self.message)?;
        writer.write_field_end()?;
        writer.write_field_begin("type", TType::I32, 2)?;
        writer.write_i32(self.kind.0)?;
        writer.write_field_end()?;
        writer.write_field_stop()?;
        writer.write_struct_end()
    }

    fn decode<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
        let mut exception = ApplicationException::default();
        reader.read_struct_begin()?;
        loop {
            let field = reader.read_field_begin()?;
            match (field.id, field.ttype) {
                (_, TType::Stop) => break,
                (1, TType::Binary) => exception.message = reader.read_string()?,
                (2, TType::I32) => exception.kind = ApplicationExceptionKind(reader.read_i32()?),
                (_, other) => reader.skip(other)?,
            }
            reader.read_field_end()?;
        }
        reader.read_struct_end()?;
        Ok(exception)
    }
}

/// A failure to move a message between client and server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The underlying I/O failed.
    #[error("transport I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// The connection closed before the reply arrived.
    #[error("connection closed")]
    Closed,
    /// No reply arrived in time.
    #[error("timed out")]
    Timeout,
    /// The peer sent bytes that are not a frame of the transport in use; the connection was closed.
    #[error(transparent)]
    Frame(#[from] crate::transport::FrameError),
    /// No address the client was given accepted a connection.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The address (or addresses) tried.
        addr: String,
        /// Why the last attempt failed.
        source: std::io::Error,
    },
}
