//! The tokio server: accepts connections, tells per connection what the client speaks (THeader, framed or
//! unframed; binary, compact or JSON), serves each request on its own task and answers in the client's own
//! format.
//!
//! ```no_run
//! # async fn run(processor: impl idlc_runtime::Processor) -> std::io::Result<()> {
//! let server = idlc_runtime::Server::builder().bind("127.0.0.1:9090").await?;
//! server.serve(processor).await
//! # }
//! ```

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::context;
use crate::error::{ApplicationException, ApplicationExceptionKind};
use crate::protocol::Limits;
use crate::protocol::{MessageHeader, MessageType};
use crate::service::{
    Binary, Compact, Json, Processor, Protocol, catch_panic, encode_exception, internal_error_reply,
};
use crate::transport::{
    FLAG_OUT_OF_ORDER, Frame, FrameBuffer, FrameError, FrameKind, FrameLimits, HeaderFrame,
    Headers, Wire, encode_header_frame,
};

/// Builds a server: `Server::builder()...bind(addr).await?.serve(processor).await`.
#[derive(Debug, Clone, Copy)]
pub struct Server;

impl Server {
    /// A builder with the defaults: 16 MiB frames, no connection or idle limit, 1,024 requests in flight per
    /// connection, replies in request order except to THeader clients that accept them out of order.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }
}

/// The server's settings.
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    limits: FrameLimits,
    max_connections: Option<usize>,
    idle_timeout: Option<Duration>,
    max_in_flight: usize,
    out_of_order: bool,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        ServerBuilder {
            limits: FrameLimits::DEFAULT,
            max_connections: None,
            idle_timeout: None,
            max_in_flight: 1024,
            out_of_order: false,
        }
    }
}

impl ServerBuilder {
    /// The largest frame (or unframed message, or decompressed THeader payload) a client may send; a larger
    /// one closes its connection.
    pub fn max_frame_len(mut self, bytes: usize) -> Self {
        self.limits.max_frame_len = bytes;
        self
    }

    /// The limits for decoding requests.
    pub fn message_limits(mut self, limits: Limits) -> Self {
        self.limits.message = limits;
        self
    }

    /// At most `connections` open at once; further clients wait in the listen backlog.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = Some(connections.max(1));
        self
    }

    /// Closes a connection that has sent nothing for `timeout` while no request of it is being served.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// At most `requests` served at once per connection; the connection is not read further until one ends.
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = requests.max(1);
        self
    }

    /// Whether framed and unframed clients get their replies as they complete rather than in request order.
    /// Only for clients that match replies by sequence id (as idlc's do); Apache's clients expect order.
    pub fn out_of_order_replies(mut self, enabled: bool) -> Self {
        self.out_of_order = enabled;
        self
    }

    /// Binds the listening socket.
    pub async fn bind(self, addr: impl ToSocketAddrs) -> io::Result<BoundServer> {
        let listener = TcpListener::bind(addr).await?;
        Ok(BoundServer {
            listener,
            config: Arc::new(self),
        })
    }

    /// Binds `addr` and serves `processor` until the process ends.
    pub async fn serve<P: Processor>(
        self,
        addr: impl ToSocketAddrs,
        processor: P,
    ) -> io::Result<()> {
        self.bind(addr).await?.serve(processor).await
    }
}

/// A server with its socket bound, ready to serve.
#[derive(Debug)]
pub struct BoundServer {
    listener: TcpListener,
    config: Arc<ServerBuilder>,
}

impl BoundServer {
    /// The address the server listens on (useful after binding port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves `processor` until the process ends.
    pub async fn serve<P: Processor>(self, processor: P) -> io::Result<()> {
        self.serve_with_shutdown(processor, std::future::pending())
            .await
    }

    /// Serves `processor` until `signal` completes, then stops accepting, lets every connection finish the
    /// requests it has started (their replies are sent), closes the connections and returns.
    pub async fn serve_with_shutdown<P: Processor>(
        self,
        processor: P,
        signal: impl Future<Output = ()>,
    ) -> io::Result<()> {
        let processor = Arc::new(processor);
        let shutdown = CancellationToken::new();
        let connections = TaskTracker::new();
        let slots = self
            .config
            .max_connections
            .map(|n| Arc::new(Semaphore::new(n)));
        let mut signal = std::pin::pin!(signal);
        loop {
            let slot = match &slots {
                Some(slots) => tokio::select! {
                    slot = Arc::clone(slots).acquire_owned() => match slot {
                        Ok(slot) => Some(slot),
                        Err(_) => break,
                    },
                    () = &mut signal => break,
                },
                None => None,
            };
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = &mut signal => break,
            };
            match accepted {
                Ok((stream, peer)) => {
                    let connection = Connection {
                        processor: Arc::clone(&processor),
                        config: Arc::clone(&self.config),
                        peer,
                        stop: shutdown.child_token(),
                    };
                    connections.spawn(async move {
                        connection.run(stream).await;
                        drop(slot);
                    });
                }
                Err(error) => {
                    // Running out of file descriptors is the usual cause; give connections time to close.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        shutdown.cancel();
        connections.close();
        connections.wait().await;
        Ok(())
    }
}

/// One client connection being served.
struct Connection<P> {
    processor: Arc<P>,
    config: Arc<ServerBuilder>,
    peer: SocketAddr,
    /// Cancelled on server shutdown, or by the writer when the connection can no longer be written.
    stop: CancellationToken,
}

/// A reply on its way to the writer: its request's position on the connection, whether it must wait for
/// the replies before it, and its bytes (nothing for oneway calls).
struct Outgoing {
    index: u64,
    ordered: bool,
    bytes: Option<Wire>,
}

impl<P: Processor> Connection<P> {
    async fn run(self, stream: TcpStream) {
        // Replies are written whole in one write; without NODELAY, Nagle holds small ones back.
        let _ = stream.set_nodelay(true);
        let (mut reader, writer) = stream.into_split();
        let (replies, outgoing) = mpsc::unbounded_channel();
        let writer = tokio::spawn(write_replies(
            writer,
            outgoing,
            self.stop.clone(),
            self.peer,
        ));
        let in_flight = Arc::new(Semaphore::new(self.config.max_in_flight));
        let mut buf = FrameBuffer::new(self.config.limits);
        let mut index = 0u64;
        'connection: loop {
            loop {
                match buf.next_request() {
                    Ok(Some(frame)) => {
                        let permit = tokio::select! {
                            permit = Arc::clone(&in_flight).acquire_owned() => match permit {
                                Ok(permit) => permit,
                                Err(_) => break 'connection,
                            },
                            () = self.stop.cancelled() => break 'connection,
                        };
                        let ordered = match &frame.kind {
                            FrameKind::Header(fields) => fields.flags & FLAG_OUT_OF_ORDER == 0,
                            FrameKind::Framed | FrameKind::Unframed => !self.config.out_of_order,
                        };
                        let request = serve_request(
                            Arc::clone(&self.processor),
                            frame,
                            Outgoing {
                                index,
                                ordered,
                                bytes: None,
                            },
                            replies.clone(),
                            permit,
                            self.config.limits.max_frame_len,
                        );
                        run_inline_or_spawn(request).await;
                        index += 1;
                    }
                    Ok(None) => break,
                    Err(error) => {
                        tracing::warn!(peer = %self.peer, %error, "closing the connection");
                        if let FrameError::UnknownTransform {
                            protocol, seqid, ..
                        } = error
                        {
                            let bytes = invalid_transform_reply(protocol, seqid, &error);
                            let _ = replies.send(Outgoing {
                                index,
                                ordered: true,
                                bytes,
                            });
                        }
                        break 'connection;
                    }
                }
            }
            let read = tokio::select! {
                biased;
                () = self.stop.cancelled() => break,
                read = read_some(&mut reader, &mut buf, self.config.idle_timeout) => read,
            };
            match read {
                Some(Ok(Some(0))) => {
                    if buf.buffered() > 0 {
                        tracing::debug!(peer = %self.peer, buffered = buf.buffered(), "the client closed mid-message");
                    }
                    break;
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    tracing::debug!(peer = %self.peer, %error, "read failed");
                    break;
                }
                None if in_flight.available_permits() == self.config.max_in_flight => {
                    tracing::debug!(peer = %self.peer, "closing an idle connection");
                    break;
                }
                None => {}
            }
        }
        // The writer ends once every request task has sent its reply and dropped its sender.
        drop(replies);
        let _ = writer.await;
    }
}

/// Polls `request` once here and spawns it only if it has to wait. Most handlers answer without waiting, and
/// then the reply is on its way without a task being created, scheduled and woken for it; a handler that
/// waits (on I/O, a lock, a timer) continues on its own task while the connection reads on.
async fn run_inline_or_spawn(request: impl Future<Output = ()> + Send + 'static) {
    let mut request = Box::pin(request);
    let finished =
        std::future::poll_fn(|cx| Poll::Ready(request.as_mut().poll(cx).is_ready())).await;
    if !finished {
        tokio::spawn(request);
    }
}

/// One read into `buf` (see [`FrameBuffer::fill`]); `None` when `idle` passes first.
async fn read_some(
    reader: &mut tokio::net::tcp::OwnedReadHalf,
    buf: &mut FrameBuffer,
    idle: Option<Duration>,
) -> Option<io::Result<Option<usize>>> {
    match idle {
        Some(idle) => tokio::time::timeout(idle, buf.fill(reader)).await.ok(),
        None => Some(buf.fill(reader).await),
    }
}

async fn serve_request<P: Processor>(
    processor: Arc<P>,
    frame: Frame,
    mut reply: Outgoing,
    replies: mpsc::UnboundedSender<Outgoing>,
    permit: OwnedSemaphorePermit,
    max_frame_len: usize,
) {
    let protocol = frame.protocol;
    let request = frame.payload.clone();
    let (answer, reply_headers) = match &frame.kind {
        FrameKind::Header(fields) => {
            let scope = context::server_scope(fields.headers.clone());
            let answer = context::serve_with(
                Arc::clone(&scope),
                catch_panic(processor.process(protocol, request)),
            )
            .await;
            (answer, context::take_reply_headers(&scope))
        }
        FrameKind::Framed | FrameKind::Unframed => (
            catch_panic(processor.process(protocol, request)).await,
            Headers::new(),
        ),
    };
    let payload = match answer {
        Ok(payload) => payload,
        Err(panic) => internal_error_reply(protocol, &frame.payload, &panic),
    };
    reply.bytes = payload.and_then(|payload| {
        frame_reply(&frame, payload, reply_headers, max_frame_len)
            .inspect_err(|error| tracing::warn!(%error, "cannot send the reply"))
            .ok()
    });
    let _ = replies.send(reply);
    drop(permit);
}

/// The INVALID_TRANSFORM exception for a THeader frame whose payload cannot be read: its method name is
/// unknown, so the reply carries an empty one (the client matches it by sequence id).
fn invalid_transform_reply(protocol: Protocol, seqid: i32, error: &FrameError) -> Option<Wire> {
    let header = MessageHeader {
        name: String::new(),
        kind: MessageType::Exception,
        seqid,
    };
    let exception = ApplicationException::new(
        ApplicationExceptionKind::INVALID_TRANSFORM,
        error.to_string(),
    );
    let payload = match protocol {
        Protocol::Binary => encode_exception::<Binary>(&header, &exception),
        Protocol::Compact => encode_exception::<Compact>(&header, &exception),
        Protocol::Json => encode_exception::<Json>(&header, &exception),
    }?;
    let fields = HeaderFrame {
        seqid,
        ..HeaderFrame::default()
    };
    let mut out = BytesMut::new();
    encode_header_frame(&mut out, &fields, protocol, &payload, usize::MAX).ok()?;
    Some(Wire::Raw(out.freeze()))
}

/// Puts a reply in the transport its request came in.
fn frame_reply(
    request: &Frame,
    payload: BytesMut,
    headers: Headers,
    max_frame_len: usize,
) -> Result<Wire, FrameError> {
    match &request.kind {
        FrameKind::Unframed => Ok(Wire::Raw(payload.freeze())),
        FrameKind::Framed => Wire::framed(payload, max_frame_len),
        FrameKind::Header(fields) => {
            let mut reply_fields = fields.clone();
            reply_fields.headers = headers;
            let mut out = BytesMut::with_capacity(32 + payload.len());
            encode_header_frame(
                &mut out,
                &reply_fields,
                request.protocol,
                &payload,
                max_frame_len,
            )?;
            Ok(Wire::Raw(out.freeze()))
        }
    }
}

/// Writes replies as they come, batching those that are ready together into one write, and holding back
/// ordered replies until those before them are out.
async fn write_replies(
    mut writer: OwnedWriteHalf,
    mut replies: mpsc::UnboundedReceiver<Outgoing>,
    stop: CancellationToken,
    peer: SocketAddr,
) {
    let mut order = ReplyOrder::default();
    let mut out = BytesMut::with_capacity(8 * 1024);
    while let Some(reply) = replies.recv().await {
        order.push(reply, &mut out);
        while let Ok(reply) = replies.try_recv() {
            order.push(reply, &mut out);
        }
        if out.is_empty() {
            continue;
        }
        if let Err(error) = writer.write_all(&out).await {
            tracing::debug!(%peer, %error, "write failed");
            stop.cancel();
            return;
        }
        out.clear();
        if out.capacity() > 1 << 20 {
            out = BytesMut::with_capacity(8 * 1024);
        }
    }
    let _ = writer.shutdown().await;
}

/// Releases replies in request order, except those that may overtake.
#[derive(Default)]
struct ReplyOrder {
    /// The index of the first request not yet answered.
    next: u64,
    /// Answered requests after `next`: the reply still to write, or `None` if written or oneway.
    done: BTreeMap<u64, Option<Wire>>,
}

impl ReplyOrder {
    fn push(&mut self, reply: Outgoing, out: &mut BytesMut) {
        let waiting = if reply.ordered && reply.index != self.next {
            reply.bytes
        } else {
            if let Some(bytes) = &reply.bytes {
                bytes.put_into(out);
            }
            None
        };
        if reply.index == self.next {
            self.next += 1;
        } else {
            self.done.insert(reply.index, waiting);
        }
        while let Some(bytes) = self.done.remove(&self.next) {
            if let Some(bytes) = bytes {
                bytes.put_into(out);
            }
            self.next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn reply(index: u64, ordered: bool, text: &'static str) -> Outgoing {
        Outgoing {
            index,
            ordered,
            bytes: Some(Wire::Raw(Bytes::from_static(text.as_bytes()))),
        }
    }

    #[test]
    fn ordered_replies_wait_for_earlier_ones_and_others_overtake() {
        let mut order = ReplyOrder::default();
        let mut out = BytesMut::new();
        order.push(reply(2, true, "c"), &mut out);
        order.push(reply(1, false, "b"), &mut out);
        assert_eq!(&out[..], b"b");
        order.push(
            Outgoing {
                index: 0,
                ordered: true,
                bytes: None,
            },
            &mut out,
        );
        assert_eq!(&out[..], b"bc");
        order.push(reply(3, true, "d"), &mut out);
        assert_eq!(&out[..], b"bcd");
        assert!(order.done.is_empty());
    }
}
