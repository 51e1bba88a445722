//! What generated clients call: [`ClientCore`] and the generic [`call`] and [`send_oneway`], which encode a
//! request, send it through a [`Channel`] and decode the reply.

use std::convert::Infallible;

use bytes::{Bytes, BytesMut};
use tokio::time::Instant;

use super::call::{CallRequest, CallResponse};
use super::channel::Channel;
use super::context;
use super::error::{
    ApplicationException, ApplicationExceptionKind, CallError, NoException, TransportError,
};
use super::message::encode_message;
use super::observe::{self, Bounded, Outcome};
use crate::protocol::{
    Binary, Codec, Compact, EncodeError, Json, Limits, MessageHeader, MessageType, Protocol,
    Reader, ThriftStruct,
};

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

/// A call's span: its fields are filled in as it goes.
fn span<C: Channel>(channel: &C, request: &CallRequest) -> tracing::Span {
    tracing::info_span!(
        "rpc.client",
        method = request.method,
        seqid = request.seqid,
        peer = channel.remote(),
        protocol = request.protocol.name(),
        outcome = tracing::field::Empty,
        duration_us = tracing::field::Empty,
    )
}

/// Sends `request` through `channel` within the call's deadline (if any), and hands the reply's headers to
/// the caller's [`context`].
async fn send<C: Channel>(
    channel: &C,
    request: CallRequest,
    span: &tracing::Span,
) -> Result<CallResponse, TransportError> {
    let deadline = request.deadline;
    if deadline.is_some_and(|deadline| deadline <= Instant::now()) {
        // Not sent at all: the caller is told the call failed, so no server may run it.
        return Err(TransportError::Timeout);
    }
    let result = Bounded::new(channel.call(request), span.clone(), deadline)
        .await
        .unwrap_or(Err(TransportError::Timeout));
    if let Ok(response) = &result {
        if !response.headers.is_empty() {
            context::set_client_reply_headers(response.headers.clone());
        }
    }
    result
}

/// When a call started, if anything is to be told how long it took: its span or the channel's metrics. A
/// call nobody observes reads no clock.
fn start<C: Channel>(channel: &C, span: &tracing::Span) -> Option<Instant> {
    (channel.records_metrics() || !span.is_disabled()).then(Instant::now)
}

/// Records how a call ended, in its span and (if the channel records them) its metrics.
fn finish<C: Channel>(
    channel: &C,
    span: &tracing::Span,
    method: &str,
    outcome: Outcome,
    started: Option<Instant>,
) {
    let Some(started) = started else {
        return;
    };
    let elapsed = started.elapsed();
    span.record("outcome", outcome.name());
    span.record("duration_us", elapsed.as_micros() as u64);
    if channel.records_metrics() {
        observe::record(true, method, outcome, elapsed);
    }
}

fn transport_error_kind(error: &TransportError) -> &'static str {
    match error {
        TransportError::Io(_) => "io",
        TransportError::Closed => "closed",
        TransportError::Timeout => "timeout",
        TransportError::Frame(_) => "frame",
        TransportError::Connect { .. } => "connect",
        TransportError::Tls { .. } => "tls",
        TransportError::Layer(_) => "layer",
    }
}

/// A request for `name` with `args`, its headers and deadline taken from the caller's [`context`].
fn request<C: Channel, A: ThriftStruct>(
    channel: &C,
    name: &'static str,
    kind: MessageType,
    args: &A,
) -> Result<(CallRequest, String), EncodeError> {
    let protocol = channel.protocol();
    let seqid = channel.next_seqid();
    let header = MessageHeader {
        name: message_name(channel, name),
        kind,
        seqid,
    };
    let body = encode_in(protocol, &header, args)?.freeze();
    let request = CallRequest {
        method: name,
        kind,
        seqid,
        protocol,
        headers: context::client_request_headers().unwrap_or_default(),
        deadline: context::client_deadline(),
        body,
    };
    Ok((request, header.name))
}

/// Calls `name` with `args` through `channel` and decodes the reply's result struct. Generated clients unpack
/// the result struct into a value or a declared exception.
pub async fn call<C: Channel, A: ThriftStruct, R: ThriftStruct, E>(
    channel: &C,
    name: &'static str,
    args: A,
) -> Result<R, CallError<E>> {
    let (request, wire_name) =
        request(channel, name, MessageType::Call, &args).map_err(CallError::Encode)?;
    let (protocol, seqid) = (request.protocol, request.seqid);
    let span = span(channel, &request);
    let started = start(channel, &span);
    let reply = send(channel, request, &span)
        .await
        .and_then(|response| response.body.ok_or(TransportError::Closed));
    let decoded = match reply {
        Err(error) => Err(CallError::Transport(error)),
        Ok(reply) => {
            let limits = channel.message_limits();
            match protocol {
                Protocol::Binary => decode_reply_in::<Binary, R>(&wire_name, seqid, reply, limits),
                Protocol::Compact => {
                    decode_reply_in::<Compact, R>(&wire_name, seqid, reply, limits)
                }
                Protocol::Json => decode_reply_in::<Json, R>(&wire_name, seqid, reply, limits),
            }
        }
    };
    let outcome = match &decoded {
        Ok(_) => Outcome::Ok,
        Err(CallError::Transport(error)) => Outcome::Error(transport_error_kind(error)),
        Err(CallError::Application(exception)) => {
            Outcome::Exception(exception.kind.name().unwrap_or("UNKNOWN"))
        }
        Err(_) => Outcome::Error("decode"),
    };
    finish(channel, &span, name, outcome, started);
    decoded.map_err(CallError::<E>::widen)
}

/// Sends a oneway call: returns once the channel has taken the message.
pub async fn send_oneway<C: Channel, A: ThriftStruct>(
    channel: &C,
    name: &'static str,
    args: A,
) -> Result<(), CallError<NoException>> {
    let (request, _) =
        request(channel, name, MessageType::Oneway, &args).map_err(CallError::Encode)?;
    let span = span(channel, &request);
    let started = start(channel, &span);
    let sent = send(channel, request, &span).await;
    let outcome = match &sent {
        Ok(_) => Outcome::Ok,
        Err(error) => Outcome::Error(transport_error_kind(error)),
    };
    finish(channel, &span, name, outcome, started);
    sent.map_err(CallError::Transport)?;
    Ok(())
}
