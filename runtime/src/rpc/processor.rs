//! The server side's plumbing: the [`Processor`] a server runs, and what generated processors call to read a
//! request and encode its reply ([`IncomingCall`], [`encode_reply`], ...), monomorphized per protocol through
//! [`Codec`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};

use super::error::{ApplicationException, ApplicationExceptionKind, ServiceError};
use super::message::encode_message;
use crate::protocol::{
    Codec, DecodeError, Limits, MessageHeader, MessageType, Protocol, Reader, TType, ThriftStruct,
};

/// Serves requests: decodes a request in `protocol`, calls the handler, encodes the reply. Generated
/// `{Service}Processor`s implement it.
///
/// `None` means there is nothing to send: the call was oneway, or the message header itself could not be read.
/// A reply to an unreadable header could carry no trustworthy seqid or name for the client to match it
/// against (the seqid is the header's last field in the binary protocol, and a header that fails is not
/// known to be ours at all), so none is invented; like Apache Thrift's servers, a transport should close the
/// connection, whose byte stream has lost its framing.
pub trait Processor: Send + Sync + 'static {
    /// Processes one request message, decoding it within `limits` (the server's configured message limits).
    fn process(
        &self,
        protocol: Protocol,
        request: Bytes,
        limits: Limits,
    ) -> impl Future<Output = Option<BytesMut>> + Send;
}

/// Runs a handler's future, turning a panic into an INTERNAL_ERROR application exception so that one bad call
/// is answered instead of taking the server task down.
pub fn guard<T, E, F>(future: F) -> Guard<F>
where
    F: Future<Output = Result<T, ServiceError<E>>>,
{
    Guard {
        inner: catch_panic(future),
    }
}

pin_project_lite::pin_project! {
    /// The future [`guard`] returns: the handler's own, with its panics answered as exceptions.
    #[must_use = "futures do nothing unless polled"]
    pub struct Guard<F> {
        #[pin]
        inner: CatchPanic<F>,
    }
}

impl<T, E, F> Future for Guard<F>
where
    F: Future<Output = Result<T, ServiceError<E>>>,
{
    type Output = Result<T, ServiceError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(cx).map(|outcome| {
            outcome.unwrap_or_else(|detail| {
                Err(ServiceError::Application(ApplicationException::new(
                    ApplicationExceptionKind::INTERNAL_ERROR,
                    format!("the handler panicked: {detail}"),
                )))
            })
        })
    }
}

/// Runs `future`, returning the panic message instead if it panics.
pub(crate) fn catch_panic<F: Future>(future: F) -> CatchPanic<F> {
    CatchPanic { future }
}

pin_project_lite::pin_project! {
    /// A future whose panic is its output (as the panic's message) rather than the poller's unwinding.
    ///
    /// A struct rather than an `async fn`: an `async fn` would hold its argument and the future it awaits, so
    /// every such wrapper around a handler would double the size of the request's future.
    #[must_use = "futures do nothing unless polled"]
    pub struct CatchPanic<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.project().future;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| future.poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(panic) => Poll::Ready(Err(panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned()))),
        }
    }
}

/// A request being served: its envelope, and a reader at the start of its arguments. Generated processors
/// answer it with one of its methods, which echo the method name and sequence id.
#[derive(Debug)]
pub struct IncomingCall<C: Codec> {
    header: MessageHeader,
    reader: C::Reader,
}

impl<C: Codec> IncomingCall<C> {
    /// Reads the envelope of `request`, to be decoded within `limits`. When it fails no reply is possible (see
    /// [`Processor`]), and generated processors answer `None`.
    pub fn read(request: Bytes, limits: Limits) -> Result<Self, DecodeError> {
        let (header, reader) = read_call::<C>(request, limits)?;
        Ok(IncomingCall { header, reader })
    }

    /// The method called; empty for a message that is neither a call nor a oneway call, so that it reaches
    /// [`IncomingCall::unknown_method`], which answers it with INVALID_MESSAGE_TYPE.
    pub fn name(&self) -> &str {
        match self.header.kind {
            MessageType::Call | MessageType::Oneway => &self.header.name,
            MessageType::Reply | MessageType::Exception => "",
        }
    }

    /// The envelope.
    pub fn header(&self) -> &MessageHeader {
        &self.header
    }

    /// Decodes the arguments (and the end of the message).
    pub fn args<A: ThriftStruct>(&mut self) -> Result<A, DecodeError> {
        decode_args(&mut self.reader)
    }

    /// A REPLY carrying `result`.
    pub fn reply<T: ThriftStruct>(&self, result: &T) -> Option<BytesMut> {
        encode_reply::<C, T>(&self.header, result)
    }

    /// An EXCEPTION reply carrying `exception`.
    pub fn exception(&self, exception: &ApplicationException) -> Option<BytesMut> {
        encode_exception::<C>(&self.header, exception)
    }

    /// The PROTOCOL_ERROR reply for arguments that could not be decoded.
    pub fn protocol_error(&self, error: &DecodeError) -> Option<BytesMut> {
        protocol_error::<C>(&self.header, error)
    }

    /// The UNKNOWN_METHOD reply (nothing for a oneway call), or INVALID_MESSAGE_TYPE for a message that is
    /// not a call at all.
    pub fn unknown_method(mut self) -> Option<BytesMut> {
        match self.header.kind {
            MessageType::Call | MessageType::Oneway => {
                unknown_method::<C>(&self.header, &mut self.reader)
            }
            MessageType::Reply | MessageType::Exception => encode_exception::<C>(
                &self.header,
                &ApplicationException::new(
                    ApplicationExceptionKind::INVALID_MESSAGE_TYPE,
                    format!("{:?} is not a request", self.header.kind),
                ),
            ),
        }
    }
}

/// Reads a request's envelope; the reader, left at the start of the arguments, enforces `limits`.
pub fn read_call<C: Codec>(
    request: Bytes,
    limits: Limits,
) -> Result<(MessageHeader, C::Reader), DecodeError> {
    let mut reader = C::reader(request, limits);
    let header = reader.read_message_begin()?;
    Ok((header, reader))
}

/// Decodes a request's arguments and the end of its message.
pub fn decode_args<A: ThriftStruct, R: Reader>(reader: &mut R) -> Result<A, DecodeError> {
    let args = A::decode(reader)?;
    reader.read_message_end()?;
    Ok(args)
}

fn reply_header(request: &MessageHeader, kind: MessageType) -> MessageHeader {
    MessageHeader {
        name: request.name.clone(),
        kind,
        seqid: request.seqid,
    }
}

/// Encodes a REPLY carrying `result` (a function's result struct) for `request`.
pub fn encode_reply<C: Codec, T: ThriftStruct>(
    request: &MessageHeader,
    result: &T,
) -> Option<BytesMut> {
    match encode_message::<C, T>(&reply_header(request, MessageType::Reply), result) {
        Ok(reply) => Some(reply),
        Err(error) => encode_exception::<C>(
            request,
            &ApplicationException::new(
                ApplicationExceptionKind::INTERNAL_ERROR,
                format!("cannot encode the result: {error}"),
            ),
        ),
    }
}

/// Encodes an EXCEPTION reply carrying `exception` for `request` in `protocol`, chosen at run time.
pub(crate) fn encode_exception_in(
    protocol: Protocol,
    request: &MessageHeader,
    exception: &ApplicationException,
) -> Option<BytesMut> {
    use crate::protocol::{Binary, Compact, Json};
    match protocol {
        Protocol::Binary => encode_exception::<Binary>(request, exception),
        Protocol::Compact => encode_exception::<Compact>(request, exception),
        Protocol::Json => encode_exception::<Json>(request, exception),
    }
}

/// Encodes an EXCEPTION reply carrying `exception` for `request`.
pub fn encode_exception<C: Codec>(
    request: &MessageHeader,
    exception: &ApplicationException,
) -> Option<BytesMut> {
    encode_message::<C, ApplicationException>(
        &reply_header(request, MessageType::Exception),
        exception,
    )
    .ok()
}

/// The reply to a request whose arguments could not be decoded: PROTOCOL_ERROR.
pub fn protocol_error<C: Codec>(request: &MessageHeader, error: &DecodeError) -> Option<BytesMut> {
    encode_exception::<C>(
        request,
        &ApplicationException::new(ApplicationExceptionKind::PROTOCOL_ERROR, error.to_string()),
    )
}

/// The reply to a request for a method the service does not have: UNKNOWN_METHOD (after skipping its
/// arguments), or nothing for a oneway call.
pub fn unknown_method<C: Codec>(
    request: &MessageHeader,
    reader: &mut C::Reader,
) -> Option<BytesMut> {
    if reader.skip(TType::Struct).is_err() || request.kind == MessageType::Oneway {
        return None;
    }
    encode_exception::<C>(
        request,
        &ApplicationException::new(
            ApplicationExceptionKind::UNKNOWN_METHOD,
            format!("Invalid method name: '{}'", request.name),
        ),
    )
}
