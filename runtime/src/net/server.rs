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
//!
//! Connections come from a TCP socket ([`ServerBuilder::bind`]), a Unix socket ([`ServerBuilder::bind_unix`])
//! or any [`Listener`] ([`ServerBuilder::listener`]); with the `tls` feature, `ServerBuilder::tls` puts TLS
//! in front of whichever it is. Every request goes through a `tower::Service`:
//! [`BoundServer::serve_service`] takes the processor wrapped in the application's layers.

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::{Service, ServiceExt};

use super::budget::{Charge, MemoryBudget};
use super::stream::{ByteStream, Listener};
use crate::protocol::{
    Binary, Codec, Compact, DecodeError, Json, Limits, MessageHeader, MessageType, Protocol,
};
use crate::rpc::context::{self, CallInfo, Peer};
use crate::rpc::{
    ApplicationException, ApplicationExceptionKind, Bounded, BoxError, Outcome, Processor,
    ServerRequest, ServerResponse, catch_panic, encode_exception_in, error_exception,
    exception_reply, read_call, record_call,
};
use crate::transport::{
    FLAG_OUT_OF_ORDER, Frame, FrameBuffer, FrameError, FrameKind, FrameLimits, HeaderFrame,
    Headers, Transport, Wire, encode_header_frame, peek_envelope, peek_message_type,
};

/// The THeader info header carrying the client's timeout for the call, in milliseconds (as fbthrift's
/// clients send it).
pub const CLIENT_TIMEOUT_HEADER: &str = "client_timeout";

/// Builds a server: `Server::builder()...bind(addr).await?.serve(processor).await`.
#[derive(Debug, Clone, Copy)]
pub struct Server;

impl Server {
    /// A builder with the defaults listed on [`ServerBuilder`].
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }
}

/// The server's settings. Every limit and timeout has a default meant for production; the setters say what
/// each bounds.
///
/// | setting | default |
/// |---|---|
/// | [`max_frame_len`](Self::max_frame_len) | 16 MiB |
/// | [`message_limits`](Self::message_limits) | [`Limits::DEFAULT`] |
/// | [`max_connections`](Self::max_connections) | none |
/// | [`max_in_flight`](Self::max_in_flight) | 1,024 per connection |
/// | [`max_queued_reply_bytes`](Self::max_queued_reply_bytes) | 1 MiB per connection |
/// | [`memory_limit`](Self::memory_limit) | 1 GiB for the whole server |
/// | [`idle_timeout`](Self::idle_timeout) | none |
/// | [`read_timeout`](Self::read_timeout) | 30 s |
/// | [`write_timeout`](Self::write_timeout) | 30 s |
/// | [`shutdown_grace`](Self::shutdown_grace) | 30 s |
/// | [`call_timeout`](Self::call_timeout) | none (a THeader client's `client_timeout` still applies) |
/// | [`out_of_order_replies`](Self::out_of_order_replies) | off (THeader clients that ask get them) |
/// | [`metrics`](Self::metrics) | off |
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    limits: FrameLimits,
    max_connections: Option<usize>,
    idle_timeout: Option<Duration>,
    read_timeout: Duration,
    write_timeout: Duration,
    shutdown_grace: Duration,
    max_in_flight: usize,
    max_queued_reply_bytes: usize,
    memory_limit: usize,
    out_of_order: bool,
    call_timeout: Option<Duration>,
    metrics: bool,
    #[cfg(feature = "tls")]
    tls: Option<super::tls::ServerTls>,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        ServerBuilder {
            limits: FrameLimits::DEFAULT,
            max_connections: None,
            idle_timeout: None,
            read_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(30),
            max_in_flight: 1024,
            max_queued_reply_bytes: 1 << 20,
            memory_limit: 1 << 30,
            out_of_order: false,
            call_timeout: None,
            metrics: false,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

impl ServerBuilder {
    /// The largest frame (or unframed message, or decompressed THeader payload) a client may send, and the
    /// largest reply the server sends: a larger request closes its connection, a larger reply becomes an
    /// INTERNAL_ERROR exception to the caller.
    pub fn max_frame_len(mut self, bytes: usize) -> Self {
        self.limits.max_frame_len = bytes;
        self
    }

    /// The limits for decoding requests, over every transport.
    pub fn message_limits(mut self, limits: Limits) -> Self {
        self.limits.message = limits;
        self
    }

    /// At most `connections` open at once; further clients wait in the listen backlog.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = Some(connections.max(1));
        self
    }

    /// Closes a connection that has sent nothing for `timeout` while nothing of it is being served or waits
    /// to be written (a peer that does not read its replies is [`write_timeout`](Self::write_timeout)'s).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// Closes a connection whose request, once its first byte has arrived, has not arrived whole within
    /// `timeout`: a peer trickling bytes holds a connection no longer than this. `Duration::MAX` for never.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Closes a connection whose peer takes no bytes of its replies for `timeout` (it stopped reading), so
    /// its slot, its memory and a graceful shutdown are not held for ever. `Duration::MAX` for never.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// How long a graceful shutdown waits for calls in flight and their replies before it closes the
    /// connections that are left.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// At most `requests` per connection from the moment they are read until their replies are written; the
    /// connection is not read further until one ends.
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = requests.max(1);
        self
    }

    /// Stops reading a connection while its replies waiting to be written (because the peer reads slower than
    /// it sends) hold `bytes` or more.
    pub fn max_queued_reply_bytes(mut self, bytes: usize) -> Self {
        self.max_queued_reply_bytes = bytes.max(1);
        self
    }

    /// The memory all connections together may hold in read buffers, requests being served and replies
    /// waiting to be written; over it, reads wait until replies are written. A single frame larger than the
    /// whole budget still gets through, alone.
    pub fn memory_limit(mut self, bytes: usize) -> Self {
        self.memory_limit = bytes;
        self
    }

    /// Whether framed and unframed clients get their replies as they complete rather than in request order.
    /// Only for clients that match replies by sequence id (as idlc's do); Apache's clients expect order.
    pub fn out_of_order_replies(mut self, enabled: bool) -> Self {
        self.out_of_order = enabled;
        self
    }

    /// Bounds every call: past `timeout` from its arrival (or the client's own deadline, if earlier), its
    /// handler is dropped and the client answered TIMEOUT. Without it, only THeader clients that send a
    /// `client_timeout` bound their calls; framed and unframed clients carry no deadline.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }

    /// Records the `idlc_server_*` metrics (calls, errors, durations by method; see [`rpc`](crate::rpc))
    /// through the `metrics` facade. Off by default: timing and counting every call costs a few percent of a
    /// small call's time, which servers without a recorder should not pay.
    pub fn metrics(mut self, enabled: bool) -> Self {
        self.metrics = enabled;
        self
    }

    /// Serves every connection over TLS: the handshake (bounded by the [read timeout](Self::read_timeout))
    /// comes first, then the transport and protocol are detected inside it as outside.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: super::tls::ServerTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Binds the listening TCP socket.
    pub async fn bind(self, addr: impl ToSocketAddrs) -> io::Result<BoundServer> {
        let listener = TcpListener::bind(addr).await?;
        Ok(self.listener(listener))
    }

    /// Binds a Unix socket at `path` (which must not exist yet).
    #[cfg(unix)]
    pub fn bind_unix(
        self,
        path: impl AsRef<std::path::Path>,
    ) -> io::Result<BoundServer<tokio::net::UnixListener>> {
        let listener = tokio::net::UnixListener::bind(path)?;
        Ok(self.listener(listener))
    }

    /// Serves the connections `listener` accepts: a listener of the application's own, or a channel of
    /// streams (`tokio::sync::mpsc::Receiver<(stream, Peer)>`).
    pub fn listener<L: Listener>(self, listener: L) -> BoundServer<L> {
        BoundServer {
            listener,
            config: Arc::new(self),
        }
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
pub struct BoundServer<L = TcpListener> {
    listener: L,
    config: Arc<ServerBuilder>,
}

impl BoundServer<TcpListener> {
    /// The address the server listens on (useful after binding port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// How the server runs a request: the processor itself, or a `tower::Service` around it.
pub(crate) trait ServeCall: Clone + Send + Sync + 'static {
    fn serve(
        &self,
        request: ServerRequest,
    ) -> impl Future<Output = Result<ServerResponse, BoxError>> + Send + 'static;
}

/// A processor called directly: what a server without layers runs, with nothing boxed on the way.
struct Direct<P>(Arc<P>);

impl<P> Clone for Direct<P> {
    fn clone(&self) -> Self {
        Direct(Arc::clone(&self.0))
    }
}

impl<P: Processor> ServeCall for Direct<P> {
    fn serve(
        &self,
        request: ServerRequest,
    ) -> impl Future<Output = Result<ServerResponse, BoxError>> + Send + 'static {
        let processor = Arc::clone(&self.0);
        let ServerRequest { info, body, limits } = request;
        let protocol = info.protocol;
        async move {
            let body = processor.process(protocol, body, limits).await;
            Ok(ServerResponse {
                body,
                headers: Headers::new(),
            })
        }
    }
}

/// A `tower::Service` (the processor in the application's layers). Each request clones the prototype, as
/// tower expects; the lock is what makes a service that is `Send` but not `Sync` shareable between the
/// connection tasks.
struct Layered<S>(Arc<std::sync::Mutex<S>>);

impl<S> Clone for Layered<S> {
    fn clone(&self) -> Self {
        Layered(Arc::clone(&self.0))
    }
}

impl<S> ServeCall for Layered<S>
where
    S: Service<ServerRequest, Response = ServerResponse> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    fn serve(
        &self,
        request: ServerRequest,
    ) -> impl Future<Output = Result<ServerResponse, BoxError>> + Send + 'static {
        let service = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        async move { service.oneshot(request).await.map_err(Into::into) }
    }
}

impl<L: Listener> BoundServer<L> {
    /// Serves `processor` until the process ends.
    pub async fn serve<P: Processor>(self, processor: P) -> io::Result<()> {
        self.serve_with_shutdown(processor, std::future::pending())
            .await
    }

    /// Serves `processor` until `signal` completes, then stops accepting and reading, lets every connection
    /// finish the requests it has started and write their replies, and returns. Connections still busy after
    /// the [grace period](ServerBuilder::shutdown_grace) are closed, their calls cancelled.
    pub async fn serve_with_shutdown<P: Processor>(
        self,
        processor: P,
        signal: impl Future<Output = ()>,
    ) -> io::Result<()> {
        self.run(Direct(Arc::new(processor)), signal).await
    }

    /// Serves every request through `service`: usually a [`ProcessorService`](crate::rpc::ProcessorService)
    /// wrapped in `tower::ServiceBuilder` layers. A layer's error is answered as an exception (see
    /// [`rpc::ServerRequest`](crate::rpc::ServerRequest)); [`context`] works in the layers as in handlers.
    ///
    /// ```no_run
    /// # async fn run(processor: impl idlc_runtime::Processor) -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use idlc_runtime::rpc::ProcessorService;
    ///
    /// let service = tower::ServiceBuilder::new()
    ///     .load_shed()
    ///     .concurrency_limit(256)
    ///     .timeout(Duration::from_secs(5))
    ///     .service(ProcessorService::new(processor));
    /// let server = idlc_runtime::Server::builder().bind("127.0.0.1:9090").await?;
    /// server.serve_service(service, std::future::pending()).await
    /// # }
    /// ```
    pub async fn serve_service<S>(
        self,
        service: S,
        signal: impl Future<Output = ()>,
    ) -> io::Result<()>
    where
        S: Service<ServerRequest, Response = ServerResponse> + Clone + Send + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
    {
        self.run(Layered(Arc::new(std::sync::Mutex::new(service))), signal)
            .await
    }

    async fn run<P: ServeCall>(
        mut self,
        processor: P,
        signal: impl Future<Output = ()>,
    ) -> io::Result<()> {
        let graceful = CancellationToken::new();
        let abort = CancellationToken::new();
        let budget = MemoryBudget::new(self.config.memory_limit);
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
                        processor: processor.clone(),
                        config: Arc::clone(&self.config),
                        peer: Arc::new(peer),
                        tls: false,
                        stop_reading: graceful.child_token(),
                        abort: abort.child_token(),
                        budget: budget.clone(),
                        backlog: Arc::new(Backlog::default()),
                    };
                    connections.spawn(async move {
                        connection.start(stream).await;
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
        drop(self.listener);
        drop(processor);
        graceful.cancel();
        connections.close();
        if tokio::time::timeout(self.config.shutdown_grace, connections.wait())
            .await
            .is_err()
        {
            tracing::info!(
                connections = connections.len(),
                "closing the connections still busy after the shutdown grace period"
            );
            abort.cancel();
            connections.wait().await;
        }
        Ok(())
    }
}

/// One client connection being served.
struct Connection<P> {
    processor: P,
    config: Arc<ServerBuilder>,
    peer: Arc<Peer>,
    /// Whether the connection is encrypted.
    tls: bool,
    /// Cancelled when the server shuts down gracefully, or by the writer when the connection cannot go on:
    /// read no more requests.
    stop_reading: CancellationToken,
    /// Cancelled when the server's grace period is over, or by the writer when the connection can no longer
    /// be written: stop everything, calls in flight included.
    abort: CancellationToken,
    budget: MemoryBudget,
    backlog: Arc<Backlog>,
}

/// The replies of one connection that are made but not yet written, in bytes; the reader waits on it.
#[derive(Debug, Default)]
struct Backlog {
    bytes: AtomicUsize,
    /// Notified when `bytes` drops below the connection's bound.
    drained: Notify,
}

/// A reply on its way to the writer: its request's position on the connection, whether it must wait for
/// the replies before it, its bytes (nothing for oneway calls), and what its request holds until it is out.
struct Outgoing {
    index: u64,
    ordered: bool,
    bytes: Option<Wire>,
    /// Set when the connection must close once the replies before this one are written.
    close: Option<String>,
    /// The request's place among those in flight, and the memory it and its reply hold.
    held: Option<(OwnedSemaphorePermit, Charge)>,
}

impl Outgoing {
    fn len(&self) -> usize {
        self.bytes.as_ref().map_or(0, Wire::len)
    }
}

/// Why a connection stopped reading.
enum Ending {
    /// The peer closed its side, or reading failed.
    Peer,
    /// The server is shutting down, or the connection failed elsewhere.
    Stopped,
    /// The connection broke a rule; the reason is logged.
    Closed(String),
}

impl<P: ServeCall> Connection<P> {
    /// Serves `stream`, after a TLS handshake if the server speaks TLS.
    async fn start<T: ByteStream + AsyncRead + AsyncWrite + Unpin>(
        #[allow(unused_mut)] mut self,
        stream: T,
    ) {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.config.tls {
            let handshake = tls.acceptor().accept(stream);
            let stream = tokio::select! {
                handshake = tokio::time::timeout(self.config.read_timeout, handshake) => match handshake {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(error)) => {
                        tracing::debug!(peer = %self.peer, %error, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(peer = %self.peer, "TLS handshake timed out");
                        return;
                    }
                },
                () = self.stop_reading.cancelled() => return,
            };
            self.tls = true;
            let (reader, writer) = tokio::io::split(stream);
            return self.run(reader, writer).await;
        }
        let (reader, writer) = stream.into_halves();
        self.run(reader, writer).await;
    }

    async fn run<R, W>(self, mut reader: R, writer: W)
    where
        R: AsyncRead + Send + Unpin + 'static,
        W: AsyncWrite + Send + Unpin + 'static,
    {
        let (channel, outgoing) = mpsc::unbounded_channel();
        let writes = Arc::new(Writes {
            side: tokio::sync::Mutex::new(WriteSide {
                writer,
                order: ReplyOrder::default(),
                out: BytesMut::new(),
                sent: Vec::new(),
                closed: false,
            }),
            leftover: Notify::new(),
            backlog: Arc::clone(&self.backlog),
            max_backlog: self.config.max_queued_reply_bytes,
            stop: [self.abort.clone(), self.stop_reading.clone()],
            write_timeout: self.config.write_timeout,
            peer: Arc::clone(&self.peer),
        });
        let replies = Replies {
            channel,
            writes: Arc::clone(&writes),
        };
        let writer = tokio::spawn(write_replies(writes, outgoing));
        let ending = self.read_requests(&mut reader, &replies).await;
        match ending {
            Ending::Closed(reason) => {
                tracing::warn!(peer = %self.peer, %reason, "closing the connection");
            }
            Ending::Peer | Ending::Stopped => {}
        }
        // The writer ends once every request task has sent its reply and dropped its sender; on abort, the
        // request tasks are cancelled and drop theirs.
        drop(replies);
        let _ = writer.await;
    }

    /// Reads and dispatches requests until the peer closes, the server stops, or a rule is broken.
    ///
    /// Each step tries the ready case first and waits on the stop signal only when it must wait anyway: a
    /// served call then costs no registration with the cancellation token, no timer and no lock beyond its
    /// place among those in flight.
    async fn read_requests<R: AsyncRead + Unpin, W: AsyncWrite + Send + Unpin + 'static>(
        &self,
        reader: &mut R,
        replies: &Replies<W>,
    ) -> Ending {
        let config = &*self.config;
        let in_flight = Arc::new(Semaphore::new(config.max_in_flight));
        let mut buf = FrameBuffer::new(config.limits);
        let mut buf_charge = self.budget.charge();
        let mut index = 0u64;
        let mut runner = InlineRunner::new();
        // When the request at the front of the buffer began to arrive (for the read timeout).
        let mut message_started: Option<Instant> = None;
        // One wait for the stop and one timer for the whole connection, polled again at every read rather
        // than made anew: registering either is a lock, and most reads would pay for two of each.
        let stop = self.stop_reading.cancelled();
        tokio::pin!(stop);
        // Fires at the read or idle deadline or before it (it is moved earlier, never later, and a timer that
        // fires early is just set again): the idle deadline moves with every read.
        let mut timer: Option<Pin<Box<tokio::time::Sleep>>> = None;
        // When the last read brought bytes: the arrival time of the requests it completed (one clock reading
        // for all of them), and what the idle timeout counts from.
        let mut read_at = Instant::now();
        let mut last_active = read_at;
        loop {
            let taken = index;
            loop {
                let frame = match buf.next_request() {
                    Ok(Some(frame)) => frame,
                    Ok(None) => break,
                    Err(error) => {
                        if let FrameError::UnknownTransform {
                            protocol, seqid, ..
                        }
                        | FrameError::TooManyTransforms {
                            protocol, seqid, ..
                        } = error
                        {
                            let bytes = invalid_transform_reply(protocol, seqid, &error);
                            let _ = replies
                                .send(Outgoing {
                                    index,
                                    ordered: true,
                                    bytes,
                                    close: None,
                                    held: None,
                                })
                                .await;
                        }
                        return Ending::Closed(error.to_string());
                    }
                };
                message_started = None;
                let permit = match Arc::clone(&in_flight).try_acquire_owned() {
                    Ok(permit) => permit,
                    // Places in flight come back as replies are written, those made here included.
                    Err(_) => {
                        replies.flush().await;
                        tokio::select! {
                            biased;
                            permit = Arc::clone(&in_flight).acquire_owned() => match permit {
                                Ok(permit) => permit,
                                Err(_) => return Ending::Stopped,
                            },
                            () = &mut stop => return Ending::Stopped,
                        }
                    }
                };
                // The request holds its bytes (decompressed, for THeader) until its reply is written.
                let mut charge = self.budget.charge();
                charge.force(frame.payload.len());
                let ordered = match &frame.kind {
                    FrameKind::Header(fields) => fields.flags & FLAG_OUT_OF_ORDER == 0,
                    FrameKind::Framed | FrameKind::Unframed => !config.out_of_order,
                };
                let request = serve_request(
                    self.processor.clone(),
                    Arc::clone(&self.peer),
                    self.tls,
                    frame,
                    Outgoing {
                        index,
                        ordered,
                        bytes: None,
                        close: None,
                        held: Some((permit, charge)),
                    },
                    replies.clone(),
                    Arc::clone(&self.backlog),
                    config.limits,
                    config.call_timeout,
                    read_at,
                    config.metrics,
                );
                runner.run(request, &self.abort).await;
                index += 1;
            }

            replies.flush().await;

            // A peer that does not read its replies is not read from either.
            if self.backlog.bytes.load(Ordering::Acquire) >= config.max_queued_reply_bytes {
                loop {
                    let drained = self.backlog.drained.notified();
                    tokio::pin!(drained);
                    drained.as_mut().enable();
                    if self.backlog.bytes.load(Ordering::Acquire) < config.max_queued_reply_bytes {
                        break;
                    }
                    tokio::select! {
                        () = drained => {}
                        () = &mut stop => return Ending::Stopped,
                    }
                }
                // Time spent not reading is not the peer's.
                message_started = message_started.map(|_| Instant::now());
            }

            let idle = buf.buffered() == 0;
            if index != taken {
                last_active = read_at;
            }
            let deadline = if idle {
                message_started = None;
                config
                    .idle_timeout
                    .and_then(|idle| last_active.checked_add(idle))
            } else {
                let started = *message_started.get_or_insert_with(Instant::now);
                started.checked_add(config.read_timeout)
            };
            if let Some(deadline) = deadline {
                let timer =
                    timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if timer.deadline() > deadline {
                    timer.as_mut().reset(deadline);
                }
            }
            let timer_fired = async {
                match (deadline, timer.as_mut()) {
                    (Some(_), Some(timer)) => timer.as_mut().await,
                    _ => std::future::pending().await,
                }
            };
            // The read buffer's memory, the room for this read included, comes out of the budget first. The
            // wait for it runs under the read timeout too: connections holding half messages could otherwise
            // wait for each other's memory for ever.
            let wanted = buf.capacity_for_next_read();
            let read = async {
                if wanted > buf_charge.bytes() {
                    buf_charge.resize(wanted).await;
                }
                buf.fill(reader).await
            };
            // The stop comes first: a peer whose bytes are always ready must not keep the connection open.
            let read = tokio::select! {
                biased;
                () = &mut stop => return Ending::Stopped,
                read = read => read,
                () = timer_fired => {
                    if let Some(deadline) = deadline.filter(|&deadline| Instant::now() < deadline) {
                        // Set for an earlier deadline that has moved on since.
                        if let Some(timer) = timer.as_mut() {
                            timer.as_mut().reset(deadline);
                        }
                        continue;
                    }
                    if !idle {
                        return Ending::Closed(format!(
                            "a request still incomplete after the read timeout of {:?} ({} bytes arrived)",
                            config.read_timeout,
                            buf.buffered()
                        ));
                    }
                    if in_flight.available_permits() == config.max_in_flight
                        && self.backlog.bytes.load(Ordering::Acquire) == 0
                    {
                        tracing::debug!(peer = %self.peer, "closing an idle connection");
                        return Ending::Stopped;
                    }
                    // Not idle after all: calls are still being answered.
                    last_active = Instant::now();
                    continue;
                }
            };
            // The charge follows the buffer's memory: frames taken since the last read left with theirs.
            if buf_charge.bytes() != buf.capacity() {
                buf_charge.set_now(buf.capacity());
            }
            match read {
                Ok(0) => {
                    if buf.buffered() > 0 {
                        tracing::debug!(peer = %self.peer, buffered = buf.buffered(), "the client closed mid-message");
                    }
                    return Ending::Peer;
                }
                Ok(_) => read_at = Instant::now(),
                Err(error) => {
                    tracing::debug!(peer = %self.peer, %error, "read failed");
                    return Ending::Peer;
                }
            }
        }
    }
}

/// Runs a connection's requests: polls each once on the reading task and spawns it only if it has to wait.
/// Most handlers answer without waiting, and then the reply is on its way without a task being created,
/// scheduled and woken for it; a handler that waits (on I/O, a lock, a timer) continues on its own task while
/// the connection reads on, until it ends or the connection is aborted.
struct InlineRunner<F> {
    /// The allocation of the last request that finished inline, for the next one: a request's future is a
    /// few hundred bytes to a few KiB, too large for the allocator's fast path.
    spare: Option<Pin<Box<F>>>,
}

impl<F: Future<Output = ()> + Send + 'static> InlineRunner<F> {
    fn new() -> Self {
        InlineRunner { spare: None }
    }

    async fn run(&mut self, request: F, abort: &CancellationToken) {
        let mut request = match self.spare.take() {
            Some(mut spare) => {
                spare.set(request);
                spare
            }
            None => Box::pin(request),
        };
        let finished = std::future::poll_fn(|cx| {
            /// Clears `INLINE` however the poll ends.
            struct Inline;
            impl Drop for Inline {
                fn drop(&mut self) {
                    INLINE.set(false);
                }
            }
            INLINE.set(true);
            let _inline = Inline;
            Poll::Ready(request.as_mut().poll(cx).is_ready())
        })
        .await;
        if finished {
            self.spare = Some(request);
        } else {
            let abort = abort.clone();
            tokio::spawn(async move { abort.run_until_cancelled(request).await });
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn serve_request<P: ServeCall, W: AsyncWrite + Send + Unpin + 'static>(
    processor: P,
    peer: Arc<Peer>,
    tls: bool,
    frame: Frame,
    mut reply: Outgoing,
    replies: Replies<W>,
    backlog: Arc<Backlog>,
    limits: FrameLimits,
    call_timeout: Option<Duration>,
    received: Instant,
    metrics: bool,
) {
    let protocol = frame.protocol;
    let header = match peek_envelope(protocol, &frame.payload) {
        Some(header) => Ok(header),
        None => envelope(protocol, &frame.payload, limits.message)
            .map(|header| (header.name.into(), header.kind, header.seqid)),
    };
    let (payload, reply_headers) = match header {
        // No reply is possible, and the byte stream is not to be trusted further.
        Err(error) => {
            reply.close = Some(format!("a request whose envelope cannot be read: {error}"));
            (None, Headers::new())
        }
        Ok((method, kind, seqid)) => {
            let (transport, headers) = match &frame.kind {
                FrameKind::Header(fields) => (Transport::Header, fields.headers.clone()),
                FrameKind::Framed => (Transport::Framed, Headers::new()),
                FrameKind::Unframed => (Transport::Unframed, Headers::new()),
            };
            let deadline = call_deadline(&headers, call_timeout, received);
            let info = Arc::new(CallInfo {
                method,
                kind,
                seqid,
                peer,
                protocol,
                transport,
                tls,
                headers,
                deadline,
                received,
                reply_headers: Default::default(),
            });
            answer(
                processor,
                info,
                frame.payload.clone(),
                limits.message,
                metrics,
            )
            .await
        }
    };
    reply.bytes = payload.and_then(|payload| {
        match frame_reply(&frame, payload, reply_headers.clone(), limits.max_frame_len) {
            Ok(wire) => Some(wire),
            Err(error) => {
                // The caller gets an exception rather than a silence it would wait out.
                tracing::warn!(%error, "cannot send the reply");
                let header = envelope(protocol, &frame.payload, limits.message).ok()?;
                let exception = exception_in(
                    protocol,
                    &header,
                    ApplicationExceptionKind::INTERNAL_ERROR,
                    format!("the reply cannot be sent: {error}"),
                )?;
                frame_reply(&frame, exception, reply_headers, limits.max_frame_len).ok()
            }
        }
    });
    let len = reply.len();
    if let Some((_, charge)) = &mut reply.held {
        charge.force(len);
    }
    backlog.bytes.fetch_add(len, Ordering::AcqRel);
    if let Err(unsent) = replies.send(reply).await {
        backlog.bytes.fetch_sub(unsent.len(), Ordering::AcqRel);
    }
}

/// When a call stops being worth answering: the client's `client_timeout` (THeader) from its arrival, or the
/// server's own bound, whichever is earlier.
fn call_deadline(headers: &Headers, own: Option<Duration>, received: Instant) -> Option<Instant> {
    let client = headers
        .get(CLIENT_TIMEOUT_HEADER)
        .and_then(|ms| ms.trim().parse::<u64>().ok())
        .filter(|&ms| ms > 0)
        .and_then(|ms| received.checked_add(Duration::from_millis(ms)));
    let own = own.and_then(|timeout| received.checked_add(timeout));
    context::earliest(client, own)
}

/// Runs the call described by `info` through the processor (or its layers), in its context, its span and
/// its deadline; the reply and the reply headers.
async fn answer<P: ServeCall>(
    processor: P,
    info: Arc<CallInfo>,
    body: Bytes,
    limits: Limits,
    metrics: bool,
) -> (Option<BytesMut>, Headers) {
    let span = tracing::info_span!(
        "rpc.server",
        method = %info.method,
        seqid = info.seqid,
        peer = %info.peer,
        protocol = info.protocol.name(),
        transport = info.transport.name(),
        outcome = tracing::field::Empty,
        duration_us = tracing::field::Empty,
    );
    let timeout = |info: &CallInfo| {
        exception_reply(
            info,
            ApplicationException::new(
                ApplicationExceptionKind::TIMEOUT,
                format!("{} timed out before it was answered", info.method),
            ),
        )
    };
    if info
        .deadline
        .is_some_and(|deadline| deadline <= Instant::now())
    {
        // Late work is not started: nobody waits for its answer.
        return finish(
            &span,
            metrics,
            &info,
            Outcome::Exception("TIMEOUT"),
            timeout(&info),
            Headers::new(),
        );
    }
    let request = ServerRequest {
        info: Arc::clone(&info),
        body,
        limits,
    };
    let served = Bounded::new(
        context::serve_with(Arc::clone(&info), catch_panic(processor.serve(request))),
        span.clone(),
        info.deadline,
    )
    .await;
    let mut headers = context::take_reply_headers(&info);
    let (payload, outcome) = match served {
        None => (timeout(&info), Outcome::Exception("TIMEOUT")),
        Some(Err(panic)) => (
            exception_reply(
                &info,
                ApplicationException::new(
                    ApplicationExceptionKind::INTERNAL_ERROR,
                    format!("the processor panicked: {panic}"),
                ),
            ),
            Outcome::Exception("INTERNAL_ERROR"),
        ),
        Some(Ok(Err(error))) => {
            let exception = error_exception(error);
            let outcome = Outcome::Exception(exception.kind.name().unwrap_or("UNKNOWN"));
            (exception_reply(&info, exception), outcome)
        }
        Some(Ok(Ok(response))) => {
            headers.extend(response.headers);
            match response.body {
                Some(payload) => {
                    // Only an observed call is worth the look at its reply.
                    let observed = metrics || !span.is_disabled();
                    let outcome = match peek_message_type(info.protocol, &payload) {
                        Some(MessageType::Exception) if observed => {
                            Outcome::Exception(exception_kind(info.protocol, &payload))
                        }
                        _ => Outcome::Ok,
                    };
                    (Some(payload), outcome)
                }
                None if info.kind == MessageType::Call => (
                    exception_reply(
                        &info,
                        ApplicationException::new(
                            ApplicationExceptionKind::PROTOCOL_ERROR,
                            "the server could not process the request",
                        ),
                    ),
                    Outcome::Exception("PROTOCOL_ERROR"),
                ),
                None => (None, Outcome::Ok),
            }
        }
    };
    finish(&span, metrics, &info, outcome, payload, headers)
}

/// The kind of the application exception in an EXCEPTION reply, as the client will read it.
fn exception_kind(protocol: Protocol, reply: &BytesMut) -> &'static str {
    fn read<C: Codec>(reply: &BytesMut) -> Option<ApplicationExceptionKind> {
        use crate::protocol::{Reader, ThriftStruct};
        let (_, mut reader) =
            read_call::<C>(Bytes::copy_from_slice(reply), Limits::DEFAULT).ok()?;
        ApplicationException::decode(&mut reader)
            .ok()
            .map(|exception| exception.kind)
            .filter(|_| reader.read_message_end().is_ok())
    }
    let kind = match protocol {
        Protocol::Binary => read::<Binary>(reply),
        Protocol::Compact => read::<Compact>(reply),
        Protocol::Json => read::<Json>(reply),
    };
    kind.and_then(ApplicationExceptionKind::name)
        .unwrap_or("UNKNOWN")
}

/// Records how a served call ended, in its span and (if asked for) its metrics, and passes its reply on.
fn finish(
    span: &tracing::Span,
    metrics: bool,
    info: &CallInfo,
    outcome: Outcome,
    payload: Option<BytesMut>,
    headers: Headers,
) -> (Option<BytesMut>, Headers) {
    // A call nobody observes reads no clock.
    if metrics || !span.is_disabled() {
        let elapsed = info.received.elapsed();
        span.record("outcome", outcome.name());
        span.record("duration_us", elapsed.as_micros() as u64);
        if metrics {
            record_call(false, info.bare_method(), outcome, elapsed);
        }
    }
    (payload, headers)
}

/// The envelope of a request.
fn envelope(
    protocol: Protocol,
    request: &bytes::Bytes,
    limits: Limits,
) -> Result<MessageHeader, DecodeError> {
    fn read<C: Codec>(
        request: &bytes::Bytes,
        limits: Limits,
    ) -> Result<MessageHeader, DecodeError> {
        read_call::<C>(request.clone(), limits).map(|(header, _)| header)
    }
    match protocol {
        Protocol::Binary => read::<Binary>(request, limits),
        Protocol::Compact => read::<Compact>(request, limits),
        Protocol::Json => read::<Json>(request, limits),
    }
}

/// An EXCEPTION reply of `kind` to the request with `header`.
fn exception_in(
    protocol: Protocol,
    header: &MessageHeader,
    kind: ApplicationExceptionKind,
    message: String,
) -> Option<BytesMut> {
    encode_exception_in(protocol, header, &ApplicationException::new(kind, message))
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
    let payload = encode_exception_in(protocol, &header, &exception)?;
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

/// A connection's write side: the stream, and the replies made but not yet written.
struct WriteSide<W> {
    writer: W,
    order: ReplyOrder,
    /// Bytes of released replies not yet written.
    out: BytesMut,
    /// Replies whose bytes are in `out` (or were written), until the write is done.
    sent: Vec<Outgoing>,
    /// Set once nothing more is to be written: a reply asked to close the connection, or a write failed.
    closed: bool,
}

/// What a connection's replies go through. Its writer task holds the write side while it writes; a request
/// that finishes while the writer task is idle writes its own reply, which saves a hand-off between tasks
/// (a queue push, a wake-up and a poll) on every call of a lone caller.
struct Writes<W> {
    side: tokio::sync::Mutex<WriteSide<W>>,
    /// Notified when a request left bytes in `out` that the socket would not take at once.
    leftover: Notify,
    backlog: Arc<Backlog>,
    max_backlog: usize,
    /// Abort, then stop reading: what ends the rest of the connection when it cannot be written.
    stop: [CancellationToken; 2],
    write_timeout: Duration,
    peer: Arc<Peer>,
}

impl<W> Writes<W> {
    /// Lets go of the replies written: their places in flight, their memory, their bytes in the backlog.
    /// `true` if one of them closes the connection.
    fn settle(&self, side: &mut WriteSide<W>) -> bool {
        let written: usize = side.sent.iter().map(Outgoing::len).sum();
        let close = side.sent.iter_mut().find_map(|reply| reply.close.take());
        side.sent.clear();
        let before = self.backlog.bytes.fetch_sub(written, Ordering::AcqRel);
        if before >= self.max_backlog && before - written < self.max_backlog {
            self.backlog.drained.notify_waiters();
        }
        match close {
            Some(reason) => {
                tracing::warn!(peer = %self.peer, %reason, "closing the connection");
                self.fail(side);
                true
            }
            None => false,
        }
    }

    /// Writes nothing more, and ends everything else on the connection.
    fn fail(&self, side: &mut WriteSide<W>) {
        side.closed = true;
        self.stop.iter().for_each(CancellationToken::cancel);
    }
}

/// Where a connection's requests send their replies.
struct Replies<W> {
    channel: mpsc::UnboundedSender<Outgoing>,
    writes: Arc<Writes<W>>,
}

impl<W> Clone for Replies<W> {
    fn clone(&self) -> Self {
        Replies {
            channel: self.channel.clone(),
            writes: Arc::clone(&self.writes),
        }
    }
}

impl<W: AsyncWrite + Send + Unpin + 'static> Replies<W> {
    /// Hands `reply` on: into the write side if it is free, otherwise to the writer task; the reply back if
    /// the connection writes nothing more. A request answered on the reading task leaves its reply for the
    /// reader to [`flush`](Self::flush) with the rest of its batch, so that replies to requests that came
    /// together go out in one write; any other writes its reply now if the socket takes it without waiting.
    async fn send(&self, reply: Outgoing) -> Result<(), Outgoing> {
        let Ok(mut guard) = self.writes.side.try_lock() else {
            return self.channel.send(reply).map_err(|unsent| unsent.0);
        };
        let side = &mut *guard;
        if side.closed {
            return Err(reply);
        }
        side.order.push(reply, &mut side.out, &mut side.sent);
        if INLINE.get() {
            return Ok(());
        }
        self.write(side).await;
        Ok(())
    }

    /// Writes what the requests answered on the reading task left, before the reader waits for more bytes.
    /// If the write side is busy, whoever holds it writes them: they are in its buffer already.
    async fn flush(&self) {
        if let Ok(mut guard) = self.writes.side.try_lock() {
            if !guard.closed {
                self.write(&mut guard).await;
            }
        }
    }

    /// Writes `side.out` if the socket takes it all without waiting; hands the rest to the writer task.
    async fn write(&self, side: &mut WriteSide<W>) {
        if side.out.is_empty() {
            // Nothing to write now (a oneway call, or a reply waiting for an earlier one).
            if self.writes.settle(side) {
                self.writes.leftover.notify_one();
            }
            return;
        }
        let written = std::future::poll_fn(|cx| Poll::Ready(write_now(side, cx))).await;
        match written {
            Ok(true) => {
                side.out.clear();
                if self.writes.settle(side) {
                    self.writes.leftover.notify_one();
                }
            }
            // The rest, under the write timeout, is the writer task's.
            Ok(false) => self.writes.leftover.notify_one(),
            Err(error) => {
                tracing::debug!(peer = %self.writes.peer, %error, "closing the connection: the reply cannot be written");
                self.writes.fail(side);
                self.writes.leftover.notify_one();
            }
        }
    }
}

thread_local! {
    /// Set while the reading task polls a request for the first time (see [`InlineRunner`]): a reply made
    /// then is written by the reader with the rest of its batch.
    static INLINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Writes as much of `side.out` as the socket takes without waiting: `true` once all of it is written.
fn write_now<W: AsyncWrite + Unpin>(
    side: &mut WriteSide<W>,
    cx: &mut Context<'_>,
) -> io::Result<bool> {
    use bytes::Buf;
    while !side.out.is_empty() {
        match Pin::new(&mut side.writer).poll_write(cx, &side.out) {
            Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
            Poll::Ready(Ok(n)) => side.out.advance(n),
            Poll::Ready(Err(error)) => return Err(error),
            Poll::Pending => return Ok(false),
        }
    }
    Ok(true)
}

/// Writes replies as they come, batching those that are ready together into one write, and holding back
/// ordered replies until those before them are out. A request keeps its place in flight, and its memory,
/// until its reply has been written. When the connection cannot be written, `stop` (abort, then stop
/// reading) ends everything else.
async fn write_replies<W: AsyncWrite + Unpin>(
    writes: Arc<Writes<W>>,
    mut replies: mpsc::UnboundedReceiver<Outgoing>,
) {
    let [abort, _] = &writes.stop;
    // Ends when every sender is gone (the reader has stopped and every request has answered or been
    // cancelled), or the connection closes.
    loop {
        let first = tokio::select! {
            biased;
            reply = replies.recv() => match reply {
                Some(reply) => Some(reply),
                None => break,
            },
            () = writes.leftover.notified() => None,
        };
        let mut guard = writes.side.lock().await;
        let side = &mut *guard;
        if side.closed {
            break;
        }
        if let Some(reply) = first {
            side.order.push(reply, &mut side.out, &mut side.sent);
        }
        while let Ok(reply) = replies.try_recv() {
            side.order.push(reply, &mut side.out, &mut side.sent);
        }
        if !side.out.is_empty() {
            if let Err(error) = super::write_within(
                &mut side.writer,
                &side.out,
                writes.write_timeout,
                Some(abort),
            )
            .await
            {
                tracing::debug!(peer = %writes.peer, %error, "closing the connection: the reply cannot be written");
                writes.fail(side);
                break;
            }
            side.out.clear();
            if side.out.capacity() > 1 << 20 {
                side.out = BytesMut::new();
            }
        }
        if writes.settle(side) {
            break;
        }
    }
    let mut guard = writes.side.lock().await;
    let side = &mut *guard;
    // What a request left unwritten just before the last sender went.
    if !side.closed && !side.out.is_empty() {
        let written = super::write_within(
            &mut side.writer,
            &side.out,
            writes.write_timeout,
            Some(abort),
        )
        .await;
        if written.is_ok() {
            side.out.clear();
            writes.settle(side);
        }
    }
    let _ = tokio::time::timeout(writes.write_timeout, side.writer.shutdown()).await;
}

/// Releases replies in request order, except those that may overtake.
#[derive(Default)]
struct ReplyOrder {
    /// The index of the first request not yet answered.
    next: u64,
    /// Answered requests after `next`: an ordered reply waiting for the ones before it, or `None` for one
    /// that has already overtaken.
    done: BTreeMap<u64, Option<Outgoing>>,
}

impl ReplyOrder {
    /// Takes `reply`; every reply now free to go has its bytes appended to `out` and is moved to `sent`.
    fn push(&mut self, reply: Outgoing, out: &mut BytesMut, sent: &mut Vec<Outgoing>) {
        let index = reply.index;
        if reply.ordered && index != self.next {
            self.done.insert(index, Some(reply));
            return;
        }
        Self::release(reply, out, sent);
        if index != self.next {
            self.done.insert(index, None);
            return;
        }
        self.next += 1;
        while let Some(waiting) = self.done.remove(&self.next) {
            if let Some(reply) = waiting {
                Self::release(reply, out, sent);
            }
            self.next += 1;
        }
    }

    fn release(reply: Outgoing, out: &mut BytesMut, sent: &mut Vec<Outgoing>) {
        if let Some(bytes) = &reply.bytes {
            bytes.put_into(out);
        }
        sent.push(reply);
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
            close: None,
            held: None,
        }
    }

    #[test]
    fn ordered_replies_wait_for_earlier_ones_and_others_overtake() {
        let mut order = ReplyOrder::default();
        let mut out = BytesMut::new();
        let mut sent = Vec::new();
        order.push(reply(2, true, "c"), &mut out, &mut sent);
        order.push(reply(1, false, "b"), &mut out, &mut sent);
        assert_eq!(&out[..], b"b");
        order.push(
            Outgoing {
                index: 0,
                ordered: true,
                bytes: None,
                close: None,
                held: None,
            },
            &mut out,
            &mut sent,
        );
        assert_eq!(&out[..], b"bc");
        order.push(reply(3, true, "d"), &mut out, &mut sent);
        assert_eq!(&out[..], b"bcd");
        assert!(order.done.is_empty());
        let indices: Vec<u64> = sent.iter().map(|reply| reply.index).collect();
        assert_eq!(indices, [1, 0, 2, 3], "each reply is released exactly once");
    }
}
