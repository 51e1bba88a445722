//! How calls fail: [`ApplicationException`], the error a server sends back in an EXCEPTION reply;
//! [`ServiceError`], how a handler fails; [`CallError`], how a call fails as the client sees it; and
//! [`TransportError`], a failure to move a message at all.

use std::convert::Infallible;
use std::fmt;

use crate::protocol::{DecodeError, EncodeError, Reader, TType, ThriftStruct, Writer};

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
    /// The server turned the call away because it is overloaded (fbthrift's number).
    pub const LOADSHEDDING: Self = Self(11);
    /// The call's deadline passed before it was answered (fbthrift's number).
    pub const TIMEOUT: Self = Self(12);

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
            11 => "LOADSHEDDING",
            12 => "TIMEOUT",
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
    /// A TLS handshake failed (a certificate the other side does not trust, a wrong server name, ...).
    #[error("TLS handshake with {addr} failed: {source}")]
    Tls {
        /// The address (or addresses) tried.
        addr: String,
        /// What the handshake reported.
        source: std::io::Error,
    },
    /// A layer the channel is wrapped in failed the call (a rate limit, a load shedder, ...).
    #[error("a layer failed the call: {0}")]
    Layer(#[source] crate::rpc::BoxError),
}

impl TransportError {
    /// Whether the call certainly never reached a server: no connection could be opened (or secured), so
    /// retrying it is safe whatever the method does.
    pub fn is_unsent(&self) -> bool {
        matches!(
            self,
            TransportError::Connect { .. } | TransportError::Tls { .. }
        )
    }

    /// Whether the connection was lost with the call on it: the server may or may not have run it.
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, TransportError::Closed | TransportError::Io(_))
    }
}

/// The declared-exception type of a function that declares none: it has no values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoException {}

impl fmt::Display for NoException {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl std::error::Error for NoException {}

impl From<Infallible> for NoException {
    fn from(never: Infallible) -> Self {
        match never {}
    }
}

/// How a handler fails: with one of the function's declared exceptions, or with an application exception
/// sent back as an EXCEPTION reply.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ServiceError<E> {
    /// A declared exception; the caller receives it as a typed value.
    #[error("{0}")]
    Declared(E),
    /// Any other failure.
    #[error("{0}")]
    Application(ApplicationException),
}

impl<E> From<ApplicationException> for ServiceError<E> {
    fn from(exception: ApplicationException) -> Self {
        ServiceError::Application(exception)
    }
}

impl ServiceError<NoException> {
    /// The application exception (the only kind a function without declared exceptions can fail with).
    pub fn into_application(self) -> ApplicationException {
        match self {
            ServiceError::Application(exception) => exception,
            ServiceError::Declared(never) => match never {},
        }
    }
}

/// How a call fails, seen from the client.
#[derive(Debug, thiserror::Error)]
pub enum CallError<E> {
    /// The server answered with one of the function's declared exceptions.
    #[error("{0}")]
    Declared(E),
    /// The server answered with an application exception (or the reply itself was wrong).
    #[error("application exception: {0}")]
    Application(ApplicationException),
    /// The message could not be sent or the reply did not arrive.
    #[error(transparent)]
    Transport(TransportError),
    /// The request could not be encoded.
    #[error("cannot encode the request: {0}")]
    Encode(EncodeError),
    /// The reply could not be decoded.
    #[error("cannot decode the reply: {0}")]
    Decode(DecodeError),
}

impl<E> CallError<E> {
    /// Changes the declared-exception type of an error that carries none.
    pub(super) fn widen<F>(error: CallError<Infallible>) -> CallError<F> {
        match error {
            CallError::Declared(never) => match never {},
            CallError::Application(e) => CallError::Application(e),
            CallError::Transport(e) => CallError::Transport(e),
            CallError::Encode(e) => CallError::Encode(e),
            CallError::Decode(e) => CallError::Decode(e),
        }
    }

    /// The error for a reply whose result struct had no field set.
    pub fn missing_result(method: &str) -> Self {
        CallError::Application(ApplicationException::new(
            ApplicationExceptionKind::MISSING_RESULT,
            format!("{method} failed: unknown result"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::protocol::binary::fixtures::hex;
    use crate::protocol::binary::{BinaryReader, BinaryWriter};
    use crate::protocol::compact::{CompactReader, CompactWriter};
    use crate::protocol::{Limits, MessageHeader, MessageType, SliceInput};

    /// An EXCEPTION reply to `getThing` (seqid -7; UNKNOWN_METHOD, "no such method") in the binary protocol,
    /// byte for byte as Apache Thrift writes it.
    const BINARY_EXCEPTION_REPLY: &str = "80010003000000086765745468696e67fffffff90b00010000000e6e6f2073756368206d6574686f640800020000000100";
    /// The same in the compact protocol (seqid 7).
    const COMPACT_EXCEPTION_REPLY: &str =
        "826107086765745468696e67180e6e6f2073756368206d6574686f64150200";

    #[test]
    fn application_exception_round_trips_with_apache_binary() {
        let bytes = hex(BINARY_EXCEPTION_REPLY);
        let mut reader = BinaryReader::new(SliceInput::new(&bytes), Limits::default());
        let header = reader.read_message_begin().unwrap();
        assert_eq!(
            header,
            MessageHeader {
                name: "getThing".into(),
                kind: MessageType::Exception,
                seqid: -7
            }
        );
        let exception = ApplicationException::decode(&mut reader).unwrap();
        assert_eq!(
            exception,
            ApplicationException::new(ApplicationExceptionKind::UNKNOWN_METHOD, "no such method")
        );
        reader.read_message_end().unwrap();

        let mut buf = BytesMut::new();
        let mut writer = BinaryWriter::new(&mut buf);
        writer.write_message_begin(&header).unwrap();
        exception.encode(&mut writer).unwrap();
        writer.write_message_end().unwrap();
        assert_eq!(&buf[..], &bytes[..]);
    }

    #[test]
    fn application_exception_round_trips_with_apache_compact() {
        let bytes = hex(COMPACT_EXCEPTION_REPLY);
        let mut reader = CompactReader::new(SliceInput::new(&bytes), Limits::default());
        let header = reader.read_message_begin().unwrap();
        assert_eq!(header.kind, MessageType::Exception);
        assert_eq!((header.name.as_str(), header.seqid), ("getThing", 7));
        let exception = ApplicationException::decode(&mut reader).unwrap();
        assert_eq!(
            exception,
            ApplicationException::new(ApplicationExceptionKind::UNKNOWN_METHOD, "no such method")
        );
        let mut writer = CompactWriter::new(BytesMut::new());
        writer.write_message_begin(&header).unwrap();
        exception.encode(&mut writer).unwrap();
        writer.write_message_end().unwrap();
        assert_eq!(&writer.into_inner()[..], &bytes[..]);
    }
}
