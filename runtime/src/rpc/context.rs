//! What is known of a call, on either side, without changing any generated signature.
//!
//! A client wraps calls in [`with_headers`]: the headers go out with every request those calls send (over
//! THeader), and the reply's headers come back; [`with_deadline`] and [`with_timeout`] bound the calls they
//! wrap, and the deadline travels to THeader servers. A handler reads what is known of the call it serves
//! with [`call`] (method, peer, headers, deadline, protocol, transport), its [`deadline`], the request's
//! headers with [`request_headers`], and adds reply headers with [`set_reply_header`]. All of these live in
//! tokio task-locals, so they follow the call's own future (not tasks it spawns). A call a handler makes to
//! another service inherits the deadline of the call it serves.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::time::Instant;

use crate::protocol::{MessageType, Protocol};
use crate::transport::{Headers, Transport};

/// Where a call came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Peer {
    /// A TCP connection (TLS or not) from this address.
    Tcp(SocketAddr),
    /// A Unix socket connection, from this path if the peer bound one.
    Unix(Option<PathBuf>),
    /// A stream from a listener of the application's own, as it describes the peer.
    Other(String),
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Tcp(addr) => addr.fmt(f),
            Peer::Unix(Some(path)) => write!(f, "unix:{}", path.display()),
            Peer::Unix(None) => f.write_str("unix:(unnamed)"),
            Peer::Other(name) => f.write_str(name),
        }
    }
}

/// What a server knows of a call it serves: available to layers (in the request) and to handlers ([`call`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct CallInfo {
    /// The name in the message envelope: the method, prefixed `"Service:"` by multiplexing clients.
    pub method: faststr::FastStr,
    /// `Call` or `Oneway` (anything else is answered as an invalid message type).
    pub kind: MessageType,
    /// The sequence id the reply echoes.
    pub seqid: i32,
    /// The client.
    pub peer: Arc<Peer>,
    /// The protocol the client speaks.
    pub protocol: Protocol,
    /// The transport the client speaks.
    pub transport: Transport,
    /// Whether the connection is encrypted with TLS.
    pub tls: bool,
    /// The request's info headers (THeader only; empty otherwise).
    pub headers: Headers,
    /// When the client stops waiting (from THeader's `client_timeout`) or the server's own bound for the call,
    /// whichever is earlier.
    pub deadline: Option<Instant>,
    /// When the request had arrived whole.
    pub received: Instant,
    /// The reply headers the handler sets ([`set_reply_header`]): kept here, so that a call in progress is
    /// one allocation.
    pub(crate) reply_headers: Mutex<Headers>,
}

impl Clone for CallInfo {
    fn clone(&self) -> Self {
        CallInfo {
            method: self.method.clone(),
            kind: self.kind,
            seqid: self.seqid,
            peer: Arc::clone(&self.peer),
            protocol: self.protocol,
            transport: self.transport,
            tls: self.tls,
            headers: self.headers.clone(),
            deadline: self.deadline,
            received: self.received,
            reply_headers: Mutex::new(lock_reply(self).clone()),
        }
    }
}

impl CallInfo {
    /// The method without a multiplexing service prefix.
    pub fn bare_method(&self) -> &str {
        self.method
            .rsplit_once(':')
            .map_or(&self.method, |(_, method)| method)
    }
}

/// The headers of one client call: those sent and those received.
/// The headers of one call: those sent and those received.
#[derive(Debug, Default)]
pub(crate) struct CallHeaders {
    pub(crate) request: Headers,
    pub(crate) reply: Headers,
}

/// Shared between the code that sets up a call's scope and the code running inside it.
pub(crate) type SharedHeaders = Arc<Mutex<CallHeaders>>;

tokio::task_local! {
    static CLIENT: SharedHeaders;
    static CLIENT_DEADLINE: Instant;
    static SERVER: Arc<CallInfo>;
}

fn lock(shared: &SharedHeaders) -> std::sync::MutexGuard<'_, CallHeaders> {
    // A panic while holding the lock leaves plain data behind, still usable.
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `calls` with `headers` sent on each request they make, and returns their output together with the
/// headers of the last reply received. Only THeader connections carry headers; other transports ignore them.
pub async fn with_headers<F: Future>(headers: Headers, calls: F) -> (F::Output, Headers) {
    let shared = Arc::new(Mutex::new(CallHeaders {
        request: headers,
        reply: Headers::new(),
    }));
    let output = CLIENT.scope(Arc::clone(&shared), calls).await;
    let reply = std::mem::take(&mut lock(&shared).reply);
    (output, reply)
}

/// The request headers of the client call in progress on this task, if it runs inside [`with_headers`].
pub(crate) fn client_request_headers() -> Option<Headers> {
    CLIENT.try_with(|shared| lock(shared).request.clone()).ok()
}

/// Records the headers of a reply for the [`with_headers`] scope the call runs in, if any.
pub(crate) fn set_client_reply_headers(headers: Headers) {
    let _ = CLIENT.try_with(|shared| lock(shared).reply = headers);
}

/// Runs `calls` with `deadline`: each call they make fails with [`TransportError::Timeout`] once it passes,
/// and THeader servers are told how long is left (the `client_timeout` info header), so they stop working on
/// calls nobody waits for. Nested scopes keep the earlier deadline.
///
/// [`TransportError::Timeout`]: crate::rpc::TransportError::Timeout
pub async fn with_deadline<F: Future>(deadline: Instant, calls: F) -> F::Output {
    let deadline = CLIENT_DEADLINE
        .try_with(|outer| (*outer).min(deadline))
        .unwrap_or(deadline);
    CLIENT_DEADLINE.scope(deadline, calls).await
}

/// Runs `calls` with a deadline `timeout` from now; see [`with_deadline`].
pub async fn with_timeout<F: Future>(timeout: std::time::Duration, calls: F) -> F::Output {
    match Instant::now().checked_add(timeout) {
        Some(deadline) => with_deadline(deadline, calls).await,
        None => calls.await,
    }
}

/// The deadline for a client call made now: the caller's own ([`with_deadline`]), or, in a handler, the
/// deadline of the call being served, whichever is earlier.
pub(crate) fn client_deadline() -> Option<Instant> {
    let own = CLIENT_DEADLINE.try_with(|deadline| *deadline).ok();
    let served = SERVER.try_with(|scope| scope.deadline).ok().flatten();
    earliest(own, served)
}

/// The earlier of two deadlines, either of which may be absent.
pub(crate) fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Runs a server-side call in `scope`.
pub(crate) fn serve_with<F: Future>(
    scope: Arc<CallInfo>,
    call: F,
) -> tokio::task::futures::TaskLocalFuture<Arc<CallInfo>, F> {
    SERVER.scope(scope, call)
}

fn lock_reply(scope: &CallInfo) -> std::sync::MutexGuard<'_, Headers> {
    scope
        .reply_headers
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// In a handler (or a server layer): what is known of the call being served; `None` outside one.
pub fn call() -> Option<Arc<CallInfo>> {
    SERVER.try_with(Arc::clone).ok()
}

/// In a handler: when the client stops waiting for the call being served, if it said (THeader's
/// `client_timeout`) or the server bounds its calls. Past it, the server has already answered TIMEOUT and
/// the handler's future is dropped.
pub fn deadline() -> Option<Instant> {
    SERVER.try_with(|scope| scope.deadline).ok().flatten()
}

/// In a handler: the info headers of the request being served (empty outside a call or for a request that
/// did not come over THeader).
pub fn request_headers() -> Headers {
    SERVER
        .try_with(|scope| scope.headers.clone())
        .unwrap_or_default()
}

/// In a handler: the value of request header `name`, if the request carried it.
pub fn request_header(name: &str) -> Option<String> {
    SERVER
        .try_with(|scope| scope.headers.get(name).cloned())
        .ok()
        .flatten()
}

/// In a handler: adds a header to the reply (sent if the request came over THeader). Returns `false`
/// outside a call being served.
pub fn set_reply_header(name: impl Into<String>, value: impl Into<String>) -> bool {
    SERVER
        .try_with(|scope| {
            lock_reply(scope).insert(name.into(), value.into());
        })
        .is_ok()
}

/// Takes the reply headers a handler set.
pub(crate) fn take_reply_headers(scope: &CallInfo) -> Headers {
    std::mem::take(&mut lock_reply(scope))
}
