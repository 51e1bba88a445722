//! [`TcpChannel`]: a client connection that keeps many calls in flight at once and matches the replies to
//! their calls by sequence id, so one slow call does not hold up the others. Clones share the connection. If
//! the connection dies, every call waiting on it fails at once and the next call reconnects.
//!
//! It runs over TCP ([`TcpChannel::builder`]), a Unix socket ([`TcpChannel::unix`]) or any stream a
//! [`Connector`] opens ([`TcpChannel::with_connector`]); with the `tls` feature, `ChannelBuilder::tls` puts
//! TLS over whichever it is. It is a `tower::Service` of [`CallRequest`]s, so layers wrap it
//! ([`ServiceChannel`](crate::rpc::ServiceChannel)).
//!
//! ```no_run
//! # async fn run() -> Result<(), idlc_runtime::TransportError> {
//! use idlc_runtime::{Protocol, TcpChannel, Transport};
//! let channel = TcpChannel::builder("127.0.0.1:9090")
//!     .transport(Transport::Header)
//!     .protocol(Protocol::Compact)
//!     .connect()
//!     .await?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::BytesMut;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio::time::Instant;

use tokio::sync::{Notify, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::server::CLIENT_TIMEOUT_HEADER;
use super::stream::{ByteStream, Connector, DynConnector, Split};
use crate::protocol::{Limits, Protocol};
use crate::rpc::codegen_support::SeqIds;
use crate::rpc::{Bounded, CallRequest, CallResponse, Channel, TransportError};
use crate::transport::{
    FLAG_OUT_OF_ORDER, Frame, FrameBuffer, FrameKind, FrameLimits, HeaderFrame, Headers, Transform,
    Transport, Wire, encode_header_frame, peek_seqid,
};

/// Settings for a [`TcpChannel`]; `connect` opens it.
#[derive(Debug)]
pub struct ChannelBuilder<A> {
    addr: A,
    config: Config,
}

/// A Unix socket path to connect to ([`TcpChannel::unix`]).
#[derive(Debug, Clone)]
pub struct UnixAddr(std::path::PathBuf);

/// A [`Connector`] of the application's own to connect with ([`TcpChannel::with_connector`]).
#[derive(Debug)]
pub struct Custom<C>(C);

/// Where connections go.
enum Target {
    Tcp(Vec<SocketAddr>),
    #[cfg(unix)]
    Unix(std::path::PathBuf),
    Custom(Box<dyn DynConnector>),
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Tcp(addrs) => f.debug_tuple("Tcp").field(addrs).finish(),
            #[cfg(unix)]
            Target::Unix(path) => f.debug_tuple("Unix").field(path).finish(),
            Target::Custom(connector) => f
                .debug_tuple("Custom")
                .field(&connector.describe())
                .finish(),
        }
    }
}

impl Target {
    fn describe(&self) -> String {
        match self {
            Target::Tcp(addrs) if addrs.len() == 1 => addrs[0].to_string(),
            Target::Tcp(addrs) => format!("{addrs:?}"),
            #[cfg(unix)]
            Target::Unix(path) => format!("unix:{}", path.display()),
            Target::Custom(connector) => connector.describe(),
        }
    }
}

#[derive(Debug, Clone)]
struct Config {
    transport: Transport,
    protocol: Protocol,
    transforms: Vec<Transform>,
    headers: Headers,
    connect_timeout: Option<Duration>,
    call_timeout: Option<Duration>,
    write_timeout: Duration,
    max_queued_request_bytes: usize,
    limits: FrameLimits,
    metrics: bool,
    #[cfg(feature = "tls")]
    tls: Option<(
        super::tls::ClientTls,
        tokio_rustls::rustls::pki_types::ServerName<'static>,
    )>,
    /// A server name given to `tls` that is not one; reported by `connect`.
    #[cfg(feature = "tls")]
    bad_server_name: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            transport: Transport::Framed,
            protocol: Protocol::Binary,
            transforms: Vec::new(),
            headers: Headers::new(),
            connect_timeout: None,
            call_timeout: None,
            write_timeout: Duration::from_secs(30),
            metrics: false,
            max_queued_request_bytes: 1 << 20,
            limits: FrameLimits::DEFAULT,
            #[cfg(feature = "tls")]
            tls: None,
            #[cfg(feature = "tls")]
            bad_server_name: None,
        }
    }
}

impl<A> ChannelBuilder<A> {
    /// How messages are delimited: framed (the default), unframed, or THeader.
    pub fn transport(mut self, transport: Transport) -> Self {
        self.config.transport = transport;
        self
    }

    /// The protocol requests are encoded in: binary (the default), compact or JSON.
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.config.protocol = protocol;
        self
    }

    /// Applies `transform` to every request payload (THeader only; the server answers in kind).
    pub fn transform(mut self, transform: Transform) -> Self {
        self.config.transforms.push(transform);
        self
    }

    /// Sends this info header with every request (THeader only). Per-call headers from
    /// [`context::with_headers`](crate::rpc::context::with_headers()) take precedence.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.headers.insert(name.into(), value.into());
        self
    }

    /// Gives up connecting after `timeout` (each connection attempt, reconnections included).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = Some(timeout);
        self
    }

    /// Fails a call with [`TransportError::Timeout`] when its reply has not arrived after `timeout` (or at
    /// the caller's own deadline, [`context::with_deadline`](crate::rpc::context::with_deadline), if
    /// earlier). THeader servers are told the time left, in the `client_timeout` info header, and stop
    /// working on the call once it has passed.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.config.call_timeout = Some(timeout);
        self
    }

    /// Records the `idlc_client_*` metrics (calls, errors, durations by method; see
    /// [`rpc`](crate::rpc)) through the `metrics` facade. Off by default: timing and counting every call
    /// costs a few percent of a small call's time, which applications without a recorder should not pay.
    pub fn metrics(mut self, enabled: bool) -> Self {
        self.config.metrics = enabled;
        self
    }

    /// Fails the connection, and every call waiting on it, when the server takes no bytes of the requests for
    /// `timeout` (it stopped reading); 30 s by default.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.config.write_timeout = timeout;
        self
    }

    /// Makes callers wait while requests not yet written hold `bytes` or more (1 MiB by default), so a server
    /// that reads slower than callers send does not make the client's memory grow.
    pub fn max_queued_request_bytes(mut self, bytes: usize) -> Self {
        self.config.max_queued_request_bytes = bytes.max(1);
        self
    }

    /// The largest reply frame accepted (16 MiB by default); a larger one closes the connection.
    pub fn max_frame_len(mut self, bytes: usize) -> Self {
        self.config.limits.max_frame_len = bytes;
        self
    }

    /// The limits for decoding replies.
    pub fn message_limits(mut self, limits: Limits) -> Self {
        self.config.limits.message = limits;
        self
    }

    /// Speaks TLS over the connection, checking the server's certificate against `tls`'s roots for
    /// `server_name` (also sent as SNI). A name that is not a valid DNS name or IP address is an error when
    /// connecting. The handshake is bounded by the [write timeout](Self::write_timeout) (and by the connect
    /// timeout, if set).
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: super::tls::ClientTls, server_name: &str) -> Self {
        self.config.tls = super::tls::server_name(server_name)
            .ok()
            .map(|name| (tls, name));
        if self.config.tls.is_none() {
            self.config.bad_server_name = Some(server_name.to_owned());
        }
        self
    }

    async fn open(self, target: Target) -> Result<TcpChannel, TransportError> {
        #[cfg(feature = "tls")]
        if let Some(name) = &self.config.bad_server_name {
            return Err(TransportError::Tls {
                addr: target.describe(),
                source: io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{name:?} is not a valid server name"),
                ),
            });
        }
        let shared = Arc::new(Shared {
            remote: target.describe(),
            target,
            config: self.config,
            current: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
            seqids: SeqIds::default(),
        });
        let channel = TcpChannel {
            shared,
            service: None,
        };
        channel.connection().await?;
        Ok(channel)
    }
}

impl<A: ToSocketAddrs> ChannelBuilder<A> {
    /// Resolves the address and opens the connection.
    pub async fn connect(self) -> Result<TcpChannel, TransportError> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host(&self.addr).await?.collect();
        self.open(Target::Tcp(addrs)).await
    }
}

#[cfg(unix)]
impl ChannelBuilder<UnixAddr> {
    /// Opens the connection to the Unix socket.
    pub async fn connect(self) -> Result<TcpChannel, TransportError> {
        let path = self.addr.0.clone();
        self.open(Target::Unix(path)).await
    }
}

impl<C: Connector> ChannelBuilder<Custom<C>> {
    /// Opens the connection through the connector.
    pub async fn connect(self) -> Result<TcpChannel, TransportError> {
        let ChannelBuilder { addr, config } = self;
        ChannelBuilder { addr: (), config }
            .open(Target::Custom(Box::new(addr.0)))
            .await
    }
}

/// A client connection over TCP; see the [module documentation](self). Cheap to clone.
#[derive(Debug, Clone)]
pub struct TcpChannel {
    shared: Arc<Shared>,
    service: Option<Arc<str>>,
}

#[derive(Debug)]
struct Shared {
    target: Target,
    /// The target as spans and errors name it.
    remote: String,
    config: Config,
    current: Mutex<Option<Arc<Connection>>>,
    /// Held while (re)connecting, so that concurrent calls open one connection, not one each.
    connecting: tokio::sync::Mutex<()>,
    seqids: SeqIds,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(connection) = self
            .current
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
        {
            connection.close();
        }
    }
}

impl TcpChannel {
    /// A builder for a channel to `addr`, with the defaults: framed binary, no connect or call timeout, a 30 s
    /// write timeout, 16 MiB frames, 1 MiB of queued requests.
    pub fn builder<A: ToSocketAddrs>(addr: A) -> ChannelBuilder<A> {
        ChannelBuilder {
            addr,
            config: Config::default(),
        }
    }

    /// A builder for a channel to the Unix socket at `path`, with the same defaults as [`builder`](Self::builder).
    #[cfg(unix)]
    pub fn unix(path: impl Into<std::path::PathBuf>) -> ChannelBuilder<UnixAddr> {
        ChannelBuilder {
            addr: UnixAddr(path.into()),
            config: Config::default(),
        }
    }

    /// A builder for a channel over the streams `connector` opens (one per connection, reconnections
    /// included), with the same defaults as [`builder`](Self::builder).
    pub fn with_connector<C: Connector>(connector: C) -> ChannelBuilder<Custom<C>> {
        ChannelBuilder {
            addr: Custom(connector),
            config: Config::default(),
        }
    }

    /// Connects to `addr` with the defaults (framed binary).
    pub async fn connect(addr: impl ToSocketAddrs) -> Result<TcpChannel, TransportError> {
        TcpChannel::builder(addr).connect().await
    }

    /// A channel on the same connection whose calls go to `service` of a multiplexed server
    /// (`"Service:method"`, as Apache's TMultiplexedProtocol sends them).
    pub fn multiplexed(&self, service: &str) -> TcpChannel {
        TcpChannel {
            shared: Arc::clone(&self.shared),
            service: Some(Arc::from(service)),
        }
    }

    /// The transport in use.
    pub fn transport(&self) -> Transport {
        self.shared.config.transport
    }

    fn live_connection(&self) -> Option<Arc<Connection>> {
        let current = self
            .shared
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|connection| !connection.dead.load(Ordering::Acquire))
            .cloned()
    }

    /// The open connection, or a new one if there is none or it has died.
    async fn connection(&self) -> Result<Arc<Connection>, TransportError> {
        if let Some(connection) = self.live_connection() {
            return Ok(connection);
        }
        // Boxed: opening a connection (connect, TLS handshake) is rare and its future large, and every call's
        // future would otherwise carry room for it.
        Box::pin(self.reconnect()).await
    }

    /// Opens the connection every call will use, unless another call opened it meanwhile.
    async fn reconnect(&self) -> Result<Arc<Connection>, TransportError> {
        let _connecting = self.shared.connecting.lock().await;
        if let Some(connection) = self.live_connection() {
            return Ok(connection);
        }
        let opening = self.open_connection();
        let connection = match self.shared.config.connect_timeout {
            Some(timeout) => tokio::time::timeout(timeout, opening)
                .await
                .unwrap_or_else(|_| {
                    Err(TransportError::Connect {
                        addr: self.shared.remote.clone(),
                        source: io::Error::new(io::ErrorKind::TimedOut, "connect timed out"),
                    })
                })?,
            None => opening.await?,
        };
        *self
            .shared
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&connection));
        Ok(connection)
    }

    /// Opens a stream to the target, and starts a connection over it (after a TLS handshake if asked).
    async fn open_connection(&self) -> Result<Arc<Connection>, TransportError> {
        let connect_error = |source| TransportError::Connect {
            addr: self.shared.remote.clone(),
            source,
        };
        match &self.shared.target {
            Target::Tcp(addrs) => {
                let mut last_error =
                    io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to");
                for addr in addrs {
                    match TcpStream::connect(addr).await {
                        Ok(stream) => {
                            // Requests are written whole in one write; without NODELAY, Nagle holds small
                            // ones back.
                            stream.set_nodelay(true).map_err(connect_error)?;
                            return self.start(stream).await;
                        }
                        Err(error) => last_error = error,
                    }
                }
                Err(connect_error(last_error))
            }
            #[cfg(unix)]
            Target::Unix(path) => {
                let stream = tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(connect_error)?;
                self.start(stream).await
            }
            Target::Custom(connector) => {
                let stream = connector.connect_boxed().await.map_err(connect_error)?;
                self.start(Split(stream)).await
            }
        }
    }

    /// Starts a connection over `stream`, after a TLS handshake if the channel speaks TLS.
    async fn start<T: ByteStream + AsyncRead + AsyncWrite + Unpin>(
        &self,
        stream: T,
    ) -> Result<Arc<Connection>, TransportError> {
        let config = &self.shared.config;
        #[cfg(feature = "tls")]
        if let Some((tls, name)) = &config.tls {
            // A server that accepts the connection but never answers the handshake must not hold the
            // connection attempt (and every call waiting on it) for ever, with or without a connect timeout.
            let handshake = tls.connector().connect(name.clone(), stream);
            let stream = tokio::time::timeout(config.write_timeout, handshake)
                .await
                .unwrap_or_else(|_| {
                    Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("no TLS handshake within {:?}", config.write_timeout),
                    ))
                })
                .map_err(|source| TransportError::Tls {
                    addr: self.shared.remote.clone(),
                    source,
                })?;
            let (reader, writer) = tokio::io::split(stream);
            return Ok(Connection::start(reader, writer, config));
        }
        let (reader, writer) = stream.into_halves();
        Ok(Connection::start(reader, writer, config))
    }

    /// Puts `request` in this channel's transport.
    fn outgoing(
        &self,
        request: CallRequest,
        deadline: Option<Instant>,
    ) -> Result<Wire, TransportError> {
        let config = &self.shared.config;
        match config.transport {
            Transport::Framed => Ok(Wire::framed(request.body, config.limits.max_frame_len)?),
            Transport::Unframed => Ok(Wire::Raw(request.body)),
            Transport::Header => {
                let mut headers = config.headers.clone();
                headers.extend(request.headers);
                if let Some(deadline) = deadline {
                    // Whole milliseconds, rounded up: a server must not give up before the caller does.
                    let left = deadline.saturating_duration_since(Instant::now());
                    let ms = left.as_micros().div_ceil(1000).max(1);
                    headers.insert(CLIENT_TIMEOUT_HEADER.to_owned(), ms.to_string());
                }
                let fields = HeaderFrame {
                    flags: FLAG_OUT_OF_ORDER,
                    seqid: request.seqid,
                    transforms: config.transforms.clone(),
                    headers,
                };
                let mut out = BytesMut::with_capacity(request.body.len() + 32);
                encode_header_frame(
                    &mut out,
                    &fields,
                    config.protocol,
                    &request.body,
                    config.limits.max_frame_len,
                )?;
                Ok(Wire::Raw(out.freeze()))
            }
        }
    }

    async fn send(
        &self,
        request: CallRequest,
        deadline: Option<Instant>,
    ) -> Result<CallResponse, TransportError> {
        let seqid = request.seqid;
        let oneway = request.is_oneway();
        let outgoing = self.outgoing(request, deadline)?;
        let connection = self.connection().await?;
        if oneway {
            let (written, done) = oneshot::channel();
            connection.submit(outgoing, Some(written)).await?;
            return done
                .await
                .unwrap_or(Err(TransportError::Closed))
                .map(|()| CallResponse::default());
        }
        let waiting = connection.expect_reply(seqid)?;
        connection.submit(outgoing, None).await?;
        let frame = waiting.reply().await?;
        let headers = match frame.kind {
            FrameKind::Header(fields) => fields.headers,
            FrameKind::Framed | FrameKind::Unframed => Headers::new(),
        };
        Ok(CallResponse {
            body: Some(frame.payload),
            headers,
        })
    }
}

impl Channel for TcpChannel {
    fn protocol(&self) -> Protocol {
        self.shared.config.protocol
    }

    fn next_seqid(&self) -> i32 {
        self.shared.seqids.next()
    }

    fn service_name(&self) -> Option<&str> {
        self.service.as_deref()
    }

    fn remote(&self) -> Option<&str> {
        Some(&self.shared.remote)
    }

    fn records_metrics(&self) -> bool {
        self.shared.config.metrics
    }

    fn message_limits(&self) -> Limits {
        self.shared.config.limits.message
    }

    async fn call(&self, request: CallRequest) -> Result<CallResponse, TransportError> {
        let own = self
            .shared
            .config
            .call_timeout
            .and_then(|timeout| Instant::now().checked_add(timeout));
        let deadline = crate::rpc::context::earliest(request.deadline, own);
        if deadline.is_some_and(|deadline| deadline <= Instant::now()) {
            return Err(TransportError::Timeout);
        }
        // One future whether or not there is a deadline: awaiting `send` in two ways would make room for both.
        Bounded::new(
            self.send(request, deadline),
            tracing::Span::none(),
            deadline,
        )
        .await
        .unwrap_or(Err(TransportError::Timeout))
    }
}

/// The channel as a `tower::Service`, for layers to wrap; see [`ServiceChannel`](crate::rpc::ServiceChannel).
impl tower::Service<CallRequest> for TcpChannel {
    type Response = CallResponse;
    type Error = TransportError;
    type Future = CallFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        // Requests queue on the connection, which bounds them itself (`max_queued_request_bytes`).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: CallRequest) -> Self::Future {
        let channel = self.clone();
        CallFuture(Box::pin(
            async move { Channel::call(&channel, request).await },
        ))
    }
}

/// The reply a [`TcpChannel`] call brings back, as a `tower::Service` future.
///
/// A named type rather than a boxed `dyn Future`: layers such as `Buffer` name their inner service's future in
/// their own types, and an unnamed one there can keep the generated client's futures from being `Send`.
pub struct CallFuture(Pin<Box<dyn Future<Output = Result<CallResponse, TransportError>> + Send>>);

impl Future for CallFuture {
    type Output = Result<CallResponse, TransportError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl std::fmt::Debug for CallFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallFuture").finish_non_exhaustive()
    }
}

/// What a dead connection tells the calls that were waiting on it.
#[derive(Debug, Clone)]
enum Failure {
    Closed,
    Io(io::ErrorKind, String),
    Frame(crate::transport::FrameError),
}

impl Failure {
    fn to_error(&self) -> TransportError {
        match self {
            Failure::Closed => TransportError::Closed,
            Failure::Io(kind, message) => {
                TransportError::Io(io::Error::new(*kind, message.clone()))
            }
            Failure::Frame(error) => TransportError::Frame(error.clone()),
        }
    }
}

type ReplySender = oneshot::Sender<Result<Frame, TransportError>>;

/// Told once a oneway request has been written.
type WrittenSender = oneshot::Sender<Result<(), TransportError>>;

/// A request for the writer, and whom to tell once it is written.
type Queued = (Wire, Option<WrittenSender>);

#[derive(Debug, Default)]
struct Pending {
    calls: HashMap<i32, ReplySender>,
    /// Set once the connection has died; no call may start waiting after that.
    failure: Option<Failure>,
}

/// One open connection: a writer task fed through `requests`, and a reader task that hands each reply to
/// the call waiting for its sequence id.
struct Connection {
    requests: mpsc::UnboundedSender<Queued>,
    /// Bytes of requests not yet written; callers wait for room.
    queued: AtomicUsize,
    max_queued: usize,
    /// Notified when `queued` drops below `max_queued`.
    drained: Notify,
    pending: Mutex<Pending>,
    closed: CancellationToken,
    /// Set with `closed`: what every call checks, without the token's lock.
    dead: AtomicBool,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("closed", &self.closed.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl Connection {
    fn start<R, W>(reader: R, writer: W, config: &Config) -> Arc<Connection>
    where
        R: AsyncRead + Send + Unpin + 'static,
        W: AsyncWrite + Send + Unpin + 'static,
    {
        let (requests, queue) = mpsc::unbounded_channel();
        let connection = Arc::new(Connection {
            requests,
            queued: AtomicUsize::new(0),
            max_queued: config.max_queued_request_bytes,
            drained: Notify::new(),
            pending: Mutex::new(Pending::default()),
            closed: CancellationToken::new(),
            dead: AtomicBool::new(false),
        });
        tokio::spawn(write_requests(
            writer,
            queue,
            Arc::clone(&connection),
            config.write_timeout,
        ));
        tokio::spawn(read_replies(
            reader,
            Arc::clone(&connection),
            config.transport,
            config.protocol,
            config.limits,
        ));
        connection
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a call waiting for the reply with `seqid`.
    fn expect_reply(self: &Arc<Self>, seqid: i32) -> Result<Waiting, TransportError> {
        let (sender, receiver) = oneshot::channel();
        let mut pending = self.lock();
        if let Some(failure) = &pending.failure {
            return Err(failure.to_error());
        }
        pending.calls.insert(seqid, sender);
        Ok(Waiting {
            connection: Arc::clone(self),
            seqid,
            receiver,
        })
    }

    /// Queues `outgoing` for the writer once the requests not yet written hold less than the bound (so one
    /// larger than the bound still goes, alone).
    async fn submit(
        &self,
        outgoing: Wire,
        written: Option<WrittenSender>,
    ) -> Result<(), TransportError> {
        while self.queued.load(Ordering::Acquire) >= self.max_queued {
            let drained = self.drained.notified();
            tokio::pin!(drained);
            drained.as_mut().enable();
            if self.queued.load(Ordering::Acquire) < self.max_queued {
                break;
            }
            tokio::select! {
                () = drained => {}
                () = self.closed.cancelled() => return Err(self.failure()),
            }
        }
        self.queued.fetch_add(outgoing.len(), Ordering::AcqRel);
        self.requests
            .send((outgoing, written))
            .map_err(|_| self.failure())
    }

    /// Takes `bytes` written off the queue, waking callers waiting for room.
    fn written(&self, bytes: usize) {
        let before = self.queued.fetch_sub(bytes, Ordering::AcqRel);
        if before >= self.max_queued && before - bytes < self.max_queued {
            self.drained.notify_waiters();
        }
    }

    /// The error the connection died of.
    fn failure(&self) -> TransportError {
        self.lock()
            .failure
            .as_ref()
            .map_or(TransportError::Closed, Failure::to_error)
    }

    fn deliver(&self, frame: Frame) {
        let seqid = match &frame.kind {
            FrameKind::Header(fields) => Some(fields.seqid),
            FrameKind::Framed | FrameKind::Unframed => peek_seqid(frame.protocol, &frame.payload),
        };
        let waiting = seqid.and_then(|seqid| self.lock().calls.remove(&seqid));
        match waiting {
            Some(sender) => {
                let _ = sender.send(Ok(frame));
            }
            // A call that timed out or was dropped; its reply has nowhere to go.
            None => tracing::debug!(?seqid, "a reply no call is waiting for"),
        }
    }

    /// Marks the connection dead: no new call takes it, and its tasks stop.
    fn close(&self) {
        self.dead.store(true, Ordering::Release);
        self.closed.cancel();
    }

    /// Marks the connection dead and fails every waiting call.
    fn fail(&self, failure: Failure) {
        self.close();
        let calls = {
            let mut pending = self.lock();
            pending.failure.get_or_insert(failure.clone());
            std::mem::take(&mut pending.calls)
        };
        for (_, sender) in calls {
            let _ = sender.send(Err(failure.to_error()));
        }
    }
}

/// A call waiting for its reply; dropping it (a timeout, a cancelled caller) withdraws the call.
struct Waiting {
    connection: Arc<Connection>,
    seqid: i32,
    receiver: oneshot::Receiver<Result<Frame, TransportError>>,
}

impl Waiting {
    async fn reply(mut self) -> Result<Frame, TransportError> {
        (&mut self.receiver)
            .await
            .unwrap_or(Err(TransportError::Closed))
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        // Already gone if the reply arrived or the connection failed; still there if the call was abandoned.
        self.connection.lock().calls.remove(&self.seqid);
    }
}

async fn write_requests<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut queue: mpsc::UnboundedReceiver<Queued>,
    connection: Arc<Connection>,
    write_timeout: Duration,
) {
    let mut out = BytesMut::with_capacity(8 * 1024);
    let mut acks = Vec::new();
    let mut batch = 0;
    loop {
        let next = tokio::select! {
            biased;
            next = queue.recv() => next,
            () = connection.closed.cancelled() => None,
        };
        let Some(first) = next else { break };
        let mut item = Some(first);
        while let Some((outgoing, written)) = item.take().or_else(|| queue.try_recv().ok()) {
            outgoing.put_into(&mut out);
            batch += outgoing.len();
            acks.extend(written);
        }
        if let Err(error) = super::write_within(&mut writer, &out, write_timeout, None).await {
            for ack in acks.drain(..) {
                let _ = ack.send(Err(TransportError::Io(io::Error::new(
                    error.kind(),
                    error.to_string(),
                ))));
            }
            connection.fail(Failure::Io(error.kind(), error.to_string()));
            break;
        }
        connection.written(std::mem::take(&mut batch));
        for ack in acks.drain(..) {
            let _ = ack.send(Ok(()));
        }
        out.clear();
        if out.capacity() > 1 << 20 {
            out = BytesMut::with_capacity(8 * 1024);
        }
    }
    let _ = tokio::time::timeout(write_timeout, writer.shutdown()).await;
}

async fn read_replies<R: AsyncRead + Unpin>(
    mut reader: R,
    connection: Arc<Connection>,
    transport: Transport,
    protocol: Protocol,
    limits: FrameLimits,
) {
    let mut buf = FrameBuffer::new(limits);
    // One wait for the whole connection, not one per read: registering with the token is a lock each time.
    let closed = connection.closed.clone();
    let closed = closed.cancelled();
    tokio::pin!(closed);
    let failure = 'connection: loop {
        loop {
            match buf.next_reply(transport, protocol) {
                Ok(Some(frame)) => connection.deliver(frame),
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(%error, "closing the connection: a malformed reply");
                    break 'connection Failure::Frame(error);
                }
            }
        }
        let read = tokio::select! {
            biased;
            read = buf.fill(&mut reader) => read,
            () = &mut closed => break Failure::Closed,
        };
        match read {
            Ok(0) => break Failure::Closed,
            Ok(_) => {}
            Err(error) => break Failure::Io(error.kind(), error.to_string()),
        }
    };
    connection.fail(failure);
}
