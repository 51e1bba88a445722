//! What generated services stand on: the [`Protocol`] a message travels in, the [`Processor`] a server runs,
//! the [`Channel`] a client sends through, the handler-side [`ServiceError`] and client-side [`CallError`], and
//! [`InMemoryChannel`], which connects a client straight to a processor through the encoded bytes.
//!
//! Generated clients and processors stay thin: they call the generic helpers here ([`call`], [`send_oneway`],
//! [`read_call`], [`encode_reply`], ...), monomorphized per protocol through [`Codec`].

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use bytes::{Bytes, BytesMut};

use crate::error::{
    ApplicationException, ApplicationExceptionKind, DecodeError, EncodeError, TransportError,
};
use crate::protocol::binary::{BinaryReader, BinaryWriter};
use crate::protocol::compact::{CompactReader, CompactWriter};
use crate::protocol::json::{JsonReader, JsonWriter};
use crate::protocol::{
    BytesInput, Limits, MessageHeader, MessageType, Reader, TType, ThriftStruct, Writer,
};

/// The encoding of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Apache Thrift's binary protocol (strict, versioned envelope).
    Binary,
    /// Apache Thrift's compact protocol.
    Compact,
    /// Apache Thrift's JSON protocol.
    Json,
}

impl Protocol {
    /// The protocol's short name, as logs and Apache's tools spell it: `binary`, `compact` or `json`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Binary => "binary",
            Protocol::Compact => "compact",
            Protocol::Json => "json",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One protocol as a type, so generic code is monomorphized per protocol.
pub trait Codec: Send + Sync + 'static {
    /// The protocol this codec speaks.
    const PROTOCOL: Protocol;
    /// Its reader over owned bytes.
    type Reader: Reader + Send;
    /// Its writer into a borrowed buffer.
    type Writer<'a>: Writer;
    /// A reader over `bytes`.
    fn reader(bytes: Bytes, limits: Limits) -> Self::Reader;
    /// A writer appending to `buf`.
    fn writer(buf: &mut BytesMut) -> Self::Writer<'_>;
}

/// The binary protocol as a [`Codec`].
#[derive(Debug, Clone, Copy)]
pub struct Binary;

/// The compact protocol as a [`Codec`].
#[derive(Debug, Clone, Copy)]
pub struct Compact;

/// The JSON protocol as a [`Codec`].
#[derive(Debug, Clone, Copy)]
pub struct Json;

impl Codec for Binary {
    const PROTOCOL: Protocol = Protocol::Binary;
    type Reader = BinaryReader<BytesInput>;
    type Writer<'a> = BinaryWriter<&'a mut BytesMut>;
    fn reader(bytes: Bytes, limits: Limits) -> Self::Reader {
        BinaryReader::new(BytesInput::new(bytes), limits)
    }
    fn writer(buf: &mut BytesMut) -> Self::Writer<'_> {
        BinaryWriter::new(buf)
    }
}

impl Codec for Compact {
    const PROTOCOL: Protocol = Protocol::Compact;
    type Reader = CompactReader<BytesInput>;
    type Writer<'a> = CompactWriter<&'a mut BytesMut>;
    fn reader(bytes: Bytes, limits: Limits) -> Self::Reader {
        CompactReader::new(BytesInput::new(bytes), limits)
    }
    fn writer(buf: &mut BytesMut) -> Self::Writer<'_> {
        CompactWriter::new(buf)
    }
}

impl Codec for Json {
    const PROTOCOL: Protocol = Protocol::Json;
    type Reader = JsonReader<BytesInput>;
    type Writer<'a> = JsonWriter<&'a mut BytesMut>;
    fn reader(bytes: Bytes, limits: Limits) -> Self::Reader {
        JsonReader::new(BytesInput::new(bytes), limits)
    }
    fn writer(buf: &mut BytesMut) -> Self::Writer<'_> {
        JsonWriter::new(buf)
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
    fn widen<F>(error: CallError<Infallible>) -> CallError<F> {
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

/// Carries a client's request to a server and brings back the reply. Transports implement it.
pub trait Channel: Clone + Send + Sync + 'static {
    /// The protocol requests are encoded in.
    fn protocol(&self) -> Protocol;
    /// The sequence id for the next request. The channel hands them out, so that every client sharing it
    /// (several services multiplexed on one connection, say) draws from one sequence and replies match.
    fn next_seqid(&self) -> i32;
    /// The service name calls are prefixed with (`"Service:method"`, Apache's TMultiplexedProtocol), if the
    /// channel reaches a multiplexed server.
    fn service_name(&self) -> Option<&str> {
        None
    }
    /// The limits replies are decoded within.
    fn message_limits(&self) -> Limits {
        Limits::DEFAULT
    }
    /// Sends `request` (an encoded message with sequence id `seqid`) and, unless `oneway`, returns the reply.
    fn call(
        &self,
        request: BytesMut,
        seqid: i32,
        oneway: bool,
    ) -> impl Future<Output = Result<Option<Bytes>, TransportError>> + Send;
}

/// A [`Channel`] that hands requests straight to a [`Processor`] in the same process, through the bytes.
#[derive(Debug)]
pub struct InMemoryChannel<P> {
    processor: Arc<P>,
    protocol: Protocol,
    seqids: SeqIds,
}

impl<P> Clone for InMemoryChannel<P> {
    fn clone(&self) -> Self {
        InMemoryChannel {
            processor: Arc::clone(&self.processor),
            protocol: self.protocol,
            seqids: self.seqids.clone(),
        }
    }
}

impl<P: Processor> InMemoryChannel<P> {
    /// A channel to `processor` speaking `protocol`.
    pub fn new(processor: P, protocol: Protocol) -> Self {
        InMemoryChannel {
            processor: Arc::new(processor),
            protocol,
            seqids: SeqIds::default(),
        }
    }
}

impl<P: Processor> Channel for InMemoryChannel<P> {
    fn protocol(&self) -> Protocol {
        self.protocol
    }

    fn next_seqid(&self) -> i32 {
        self.seqids.next()
    }

    async fn call(
        &self,
        request: BytesMut,
        _seqid: i32,
        oneway: bool,
    ) -> Result<Option<Bytes>, TransportError> {
        let reply = self
            .processor
            .process(self.protocol, request.freeze(), Limits::DEFAULT)
            .await;
        match (reply, oneway) {
            (_, true) => Ok(None),
            (Some(reply), false) => Ok(Some(reply.freeze())),
            (None, false) => Err(TransportError::Closed),
        }
    }
}

/// Sequence ids for one client: increasing, wrapping, shared by clones.
#[derive(Debug, Clone, Default)]
pub struct SeqIds(Arc<AtomicI32>);

impl SeqIds {
    /// The next id.
    pub fn next(&self) -> i32 {
        self.0.fetch_add(1, Ordering::Relaxed).wrapping_add(1)
    }
}

/// What every generated client holds: the channel its calls go through.
#[derive(Debug, Clone)]
pub struct ClientCore<C> {
    channel: C,
}

impl<C: Channel> ClientCore<C> {
    /// A client core sending through `channel`.
    pub fn new(channel: C) -> Self {
        ClientCore { channel }
    }

    /// The channel calls go through.
    pub fn channel(&self) -> &C {
        &self.channel
    }

    /// Calls `name` with `args` and decodes the reply's result struct; see [`call`].
    pub async fn call<A: ThriftStruct, R: ThriftStruct, E>(
        &self,
        name: &'static str,
        args: A,
    ) -> Result<R, CallError<E>> {
        call(&self.channel, name, args).await
    }

    /// Sends a oneway call; see [`send_oneway`].
    pub async fn send_oneway<A: ThriftStruct>(
        &self,
        name: &'static str,
        args: A,
    ) -> Result<(), CallError<NoException>> {
        send_oneway(&self.channel, name, args).await
    }
}

/// Runs a handler's future, turning a panic into an INTERNAL_ERROR application exception so that one bad call
/// is answered instead of taking the server task down.
pub async fn guard<T, E>(
    future: impl Future<Output = Result<T, ServiceError<E>>>,
) -> Result<T, ServiceError<E>> {
    match catch_panic(future).await {
        Ok(result) => result,
        Err(detail) => Err(ServiceError::Application(ApplicationException::new(
            ApplicationExceptionKind::INTERNAL_ERROR,
            format!("the handler panicked: {detail}"),
        ))),
    }
}

/// Runs `future`, returning the panic message instead if it panics.
pub(crate) async fn catch_panic<T>(future: impl Future<Output = T>) -> Result<T, String> {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(panic) => std::task::Poll::Ready(Err(panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned()))),
        }
    })
    .await
}

/// The INTERNAL_ERROR reply to `request` for a processor that panicked, or nothing if the request's envelope
/// cannot be read or it was oneway.
pub(crate) fn internal_error_reply(
    protocol: Protocol,
    request: &Bytes,
    panic: &str,
) -> Option<BytesMut> {
    fn reply_in<C: Codec>(request: &Bytes, panic: &str) -> Option<BytesMut> {
        let (header, _) = read_call::<C>(request.clone(), Limits::DEFAULT).ok()?;
        if header.kind == MessageType::Oneway {
            return None;
        }
        encode_exception::<C>(
            &header,
            &ApplicationException::new(
                ApplicationExceptionKind::INTERNAL_ERROR,
                format!("the processor panicked: {panic}"),
            ),
        )
    }
    match protocol {
        Protocol::Binary => reply_in::<Binary>(request, panic),
        Protocol::Compact => reply_in::<Compact>(request, panic),
        Protocol::Json => reply_in::<Json>(request, panic),
    }
}

/// Encodes a whole message: envelope, body, end.
pub fn encode_message<C: Codec, T: ThriftStruct>(
    header: &MessageHeader,
    body: &T,
) -> Result<BytesMut, EncodeError> {
    let mut buf = BytesMut::with_capacity(256);
    {
        let mut writer = C::writer(&mut buf);
        writer.write_message_begin(header)?;
        body.encode(&mut writer)?;
        writer.write_message_end()?;
    }
    Ok(buf)
}

fn encode_in<T: ThriftStruct>(
    protocol: Protocol,
    header: &MessageHeader,
    body: &T,
) -> Result<BytesMut, EncodeError> {
    match protocol {
        Protocol::Binary => encode_message::<Binary, T>(header, body),
        Protocol::Compact => encode_message::<Compact, T>(header, body),
        Protocol::Json => encode_message::<Json, T>(header, body),
    }
}

fn decode_reply_in<C: Codec, R: ThriftStruct>(
    name: &str,
    seqid: i32,
    reply: Bytes,
    limits: Limits,
) -> Result<R, CallError<Infallible>> {
    let mut reader = C::reader(reply, limits);
    let header = reader.read_message_begin().map_err(CallError::Decode)?;
    // Multiplexing servers answer with the bare method name, which is also the name's end.
    let bare = name.rsplit_once(':').map_or(name, |(_, method)| method);
    if header.name != name && header.name != bare {
        return Err(CallError::Application(ApplicationException::new(
            ApplicationExceptionKind::WRONG_METHOD_NAME,
            format!(
                "{name} failed: wrong method name {:?} in the reply",
                header.name
            ),
        )));
    }
    if header.seqid != seqid {
        return Err(CallError::Application(ApplicationException::new(
            ApplicationExceptionKind::BAD_SEQUENCE_ID,
            format!("{name} failed: out of sequence response"),
        )));
    }
    match header.kind {
        MessageType::Exception => {
            let exception = ApplicationException::decode(&mut reader).map_err(CallError::Decode)?;
            Err(CallError::Application(exception))
        }
        MessageType::Reply => {
            let result = R::decode(&mut reader).map_err(CallError::Decode)?;
            reader.read_message_end().map_err(CallError::Decode)?;
            Ok(result)
        }
        other => Err(CallError::Application(ApplicationException::new(
            ApplicationExceptionKind::INVALID_MESSAGE_TYPE,
            format!("{name} failed: a reply of message type {other:?}"),
        ))),
    }
}

/// The name a call to `method` travels under: `"Service:method"` through a multiplexed channel.
fn message_name<C: Channel>(channel: &C, method: &str) -> String {
    match channel.service_name() {
        Some(service) => format!("{service}:{method}"),
        None => method.to_owned(),
    }
}

/// Calls `name` with `args` through `channel` and decodes the reply's result struct. Generated clients unpack
/// the result struct into a value or a declared exception.
pub async fn call<C: Channel, A: ThriftStruct, R: ThriftStruct, E>(
    channel: &C,
    name: &'static str,
    args: A,
) -> Result<R, CallError<E>> {
    let protocol = channel.protocol();
    let seqid = channel.next_seqid();
    let header = MessageHeader {
        name: message_name(channel, name),
        kind: MessageType::Call,
        seqid,
    };
    let request = encode_in(protocol, &header, &args).map_err(CallError::Encode)?;
    let reply = channel
        .call(request, seqid, false)
        .await
        .map_err(CallError::Transport)?
        .ok_or(CallError::Transport(TransportError::Closed))?;
    let limits = channel.message_limits();
    let decoded = match protocol {
        Protocol::Binary => decode_reply_in::<Binary, R>(&header.name, seqid, reply, limits),
        Protocol::Compact => decode_reply_in::<Compact, R>(&header.name, seqid, reply, limits),
        Protocol::Json => decode_reply_in::<Json, R>(&header.name, seqid, reply, limits),
    };
    decoded.map_err(CallError::<E>::widen)
}

/// Sends a oneway call: returns once the channel has taken the message.
pub async fn send_oneway<C: Channel, A: ThriftStruct>(
    channel: &C,
    name: &'static str,
    args: A,
) -> Result<(), CallError<NoException>> {
    let seqid = channel.next_seqid();
    let header = MessageHeader {
        name: message_name(channel, name),
        kind: MessageType::Oneway,
        seqid,
    };
    let request = encode_in(channel.protocol(), &header, &args).map_err(CallError::Encode)?;
    channel
        .call(request, seqid, true)
        .await
        .map_err(CallError::Transport)?;
    Ok(())
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
