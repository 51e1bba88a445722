//! [`TcpChannel`]: a client connection over TCP that keeps many calls in flight at once and matches the
//! replies to their calls by sequence id, so one slow call does not hold up the others. Clones share the
//! connection. If the connection dies, every call waiting on it fails at once and the next call reconnects.
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
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpStream, ToSocketAddrs};

use tokio::sync::{Notify, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::protocol::{Limits, Protocol};
use crate::rpc::codegen_support::SeqIds;
use crate::rpc::{Channel, TransportError, context};
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
}

impl<A: ToSocketAddrs> ChannelBuilder<A> {
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

    /// Fails a call with [`TransportError::Timeout`] when its reply has not arrived after `timeout`.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.config.call_timeout = Some(timeout);
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

    /// Resolves the address and opens the connection.
    pub async fn connect(self) -> Result<TcpChannel, TransportError> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host(self.addr).await?.collect();
        let shared = Arc::new(Shared {
            addrs,
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

/// A client connection over TCP; see the [module documentation](self). Cheap to clone.
#[derive(Debug, Clone)]
pub struct TcpChannel {
    shared: Arc<Shared>,
    service: Option<Arc<str>>,
}

#[derive(Debug)]
struct Shared {
    addrs: Vec<SocketAddr>,
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
            connection.closed.cancel();
        }
    }
}

impl TcpChannel {
    /// A builder for a channel to `addr`, with the defaults: framed binary, no connect or call timeout, a 30 s
    /// write timeout, 16 MiB frames, 1 MiB of queued requests.
    pub fn builder<A: ToSocketAddrs>(addr: A) -> ChannelBuilder<A> {
        ChannelBuilder {
            addr,
            config: Config {
                transport: Transport::Framed,
                protocol: Protocol::Binary,
                transforms: Vec::new(),
                headers: Headers::new(),
                connect_timeout: None,
                call_timeout: None,
                write_timeout: Duration::from_secs(30),
                max_queued_request_bytes: 1 << 20,
                limits: FrameLimits::DEFAULT,
            },
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
            .filter(|connection| !connection.closed.is_cancelled())
            .cloned()
    }

    /// The open connection, or a new one if there is none or it has died.
    async fn connection(&self) -> Result<Arc<Connection>, TransportError> {
        if let Some(connection) = self.live_connection() {
            return Ok(connection);
        }
        let _connecting = self.shared.connecting.lock().await;
        if let Some(connection) = self.live_connection() {
            return Ok(connection);
        }
        let stream = self.open_stream().await?;
        let connection = Connection::start(stream, &self.shared.config);
        *self
            .shared
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&connection));
        Ok(connection)
    }

    async fn open_stream(&self) -> Result<TcpStream, TransportError> {
        let mut last_error =
            io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to");
        for addr in &self.shared.addrs {
            let attempt = TcpStream::connect(addr);
            let result = match self.shared.config.connect_timeout {
                Some(timeout) => {
                    tokio::time::timeout(timeout, attempt)
                        .await
                        .unwrap_or_else(|_| {
                            Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))
                        })
                }
                None => attempt.await,
            };
            match result {
                Ok(stream) => {
                    // Requests are written whole in one write; without NODELAY, Nagle holds small ones back.
                    stream.set_nodelay(true)?;
                    return Ok(stream);
                }
                Err(error) => last_error = error,
            }
        }
        Err(TransportError::Connect {
            addr: format!("{:?}", self.shared.addrs),
            source: last_error,
        })
    }

    /// Puts `request` in this channel's transport.
    fn outgoing(&self, request: BytesMut, seqid: i32) -> Result<Wire, TransportError> {
        let config = &self.shared.config;
        match config.transport {
            Transport::Framed => Ok(Wire::framed(request, config.limits.max_frame_len)?),
            Transport::Unframed => Ok(Wire::Raw(request.freeze())),
            Transport::Header => {
                let mut headers = config.headers.clone();
                if let Some(call_headers) = context::client_request_headers() {
                    headers.extend(call_headers);
                }
                let fields = HeaderFrame {
                    flags: FLAG_OUT_OF_ORDER,
                    seqid,
                    transforms: config.transforms.clone(),
                    headers,
                };
                let mut out = BytesMut::with_capacity(request.len() + 32);
                encode_header_frame(
                    &mut out,
                    &fields,
                    config.protocol,
                    &request,
                    config.limits.max_frame_len,
                )?;
                Ok(Wire::Raw(out.freeze()))
            }
        }
    }

    async fn send(
        &self,
        request: BytesMut,
        seqid: i32,
        oneway: bool,
    ) -> Result<Option<Bytes>, TransportError> {
        let outgoing = self.outgoing(request, seqid)?;
        let connection = self.connection().await?;
        if oneway {
            let (written, done) = oneshot::channel();
            connection.submit(outgoing, Some(written)).await?;
            return done
                .await
                .unwrap_or(Err(TransportError::Closed))
                .map(|()| None);
        }
        let waiting = connection.expect_reply(seqid)?;
        connection.submit(outgoing, None).await?;
        let frame = waiting.reply().await?;
        if let FrameKind::Header(fields) = frame.kind {
            context::set_client_reply_headers(fields.headers);
        }
        Ok(Some(frame.payload))
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

    fn message_limits(&self) -> Limits {
        self.shared.config.limits.message
    }

    async fn call(
        &self,
        request: BytesMut,
        seqid: i32,
        oneway: bool,
    ) -> Result<Option<Bytes>, TransportError> {
        match self.shared.config.call_timeout {
            Some(timeout) => tokio::time::timeout(timeout, self.send(request, seqid, oneway))
                .await
                .unwrap_or(Err(TransportError::Timeout)),
            None => self.send(request, seqid, oneway).await,
        }
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
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("closed", &self.closed.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl Connection {
    fn start(stream: TcpStream, config: &Config) -> Arc<Connection> {
        let (reader, writer) = stream.into_split();
        let (requests, queue) = mpsc::unbounded_channel();
        let connection = Arc::new(Connection {
            requests,
            queued: AtomicUsize::new(0),
            max_queued: config.max_queued_request_bytes,
            drained: Notify::new(),
            pending: Mutex::new(Pending::default()),
            closed: CancellationToken::new(),
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

    /// Marks the connection dead and fails every waiting call.
    fn fail(&self, failure: Failure) {
        self.closed.cancel();
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

async fn write_requests(
    mut writer: OwnedWriteHalf,
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

async fn read_replies(
    mut reader: OwnedReadHalf,
    connection: Arc<Connection>,
    transport: Transport,
    protocol: Protocol,
    limits: FrameLimits,
) {
    let mut buf = FrameBuffer::new(limits);
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
            () = connection.closed.cancelled() => break Failure::Closed,
        };
        match read {
            Ok(0) => break Failure::Closed,
            Ok(_) => {}
            Err(error) => break Failure::Io(error.kind(), error.to_string()),
        }
    };
    connection.fail(failure);
}
