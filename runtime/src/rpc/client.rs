//! What generated clients call: [`ClientCore`] and the generic [`call`] and [`send_oneway`], which encode a
//! request, send it through a [`Channel`] and decode the reply.

use std::convert::Infallible;

use bytes::{Bytes, BytesMut};

use super::channel::Channel;
use super::error::{
    ApplicationException, ApplicationExceptionKind, CallError, NoException, TransportError,
};
use super::message::encode_message;
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
