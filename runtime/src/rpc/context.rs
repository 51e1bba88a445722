//! What is known of a call, on either side, without changing any generated signature.
//!
//! A client wraps calls in [`with_headers`]: the headers go out with every request those calls send (over
//! THeader), and the reply's headers come back; [`with_deadline`] and [`with_timeout`] bound the calls they
//! wrap, and the deadline travels to THeader servers. A handler reads what is known of the call it serves
//! with [`call`] (method, peer, headers, deadline, protocol, transport), its [`deadline`], the request's
//! headers with [`request_headers`], and adds reply headers with [`set_reply_header`]. All of these live in
//! tokio task-locals, so they follow the call's own future (not tasks it spawns). A call a handler makes to
//! another service inherits the deadline of the call it serves.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

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
}

thread_local! {
    /// The call whose future this thread is polling, set around each poll by [`Serving`]. A plain cell
    /// rather than a `tokio::task_local!`: that one costs about 50 ns a poll, a tenth of a small call's
    /// server-side work.
    static SERVING: Cell<Option<Arc<CallInfo>>> = const { Cell::new(None) };
}

/// `read` of the call being served on this thread, if any. `read` must not panic: the call is out of its
/// cell meanwhile.
fn with_serving<R>(read: impl FnOnce(&CallInfo) -> R) -> Option<R> {
    SERVING
        .try_with(|cell| {
            let current = cell.take();
            let result = current.as_deref().map(read);
            cell.set(current);
            result
        })
        .ok()
        .flatten()
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
    let served = with_serving(|scope| scope.deadline).flatten();
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
pub(crate) fn serve_with<F: Future>(scope: Arc<CallInfo>, call: F) -> Serving<F> {
    Serving {
        call,
        scope: Some(scope),
    }
}

pin_project_lite::pin_project! {
    /// A served call's future, with its [`CallInfo`] in this thread's cell while it is polled.
    pub(crate) struct Serving<F> {
        #[pin]
        call: F,
        scope: Option<Arc<CallInfo>>,
    }
}

impl<F: Future> Future for Serving<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        /// Puts back what the cell held before (an enclosing call, usually none) and the call's own
        /// info where it came from, even if the poll panics.
        struct Restore<'a> {
            scope: &'a mut Option<Arc<CallInfo>>,
            outer: Option<Arc<CallInfo>>,
        }
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                let outer = self.outer.take();
                if let Ok(own) = SERVING.try_with(|cell| cell.replace(outer)) {
                    *self.scope = own;
                }
            }
        }
        let this = self.project();
        let Ok(outer) = SERVING.try_with(|cell| cell.replace(this.scope.take())) else {
            // The thread is being torn down: no scope to give.
            return this.call.poll(cx);
        };
        let _restore = Restore {
            scope: this.scope,
            outer,
        };
        this.call.poll(cx)
    }
}

fn lock_reply(scope: &CallInfo) -> std::sync::MutexGuard<'_, Headers> {
    scope
        .reply_headers
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// In a handler (or a server layer): what is known of the call being served; `None` outside one.
pub fn call() -> Option<Arc<CallInfo>> {
    SERVING
        .try_with(|cell| {
            let current = cell.take();
            let call = current.clone();
            cell.set(current);
            call
        })
        .ok()
        .flatten()
}

/// In a handler: when the client stops waiting for the call being served, if it said (THeader's
/// `client_timeout`) or the server bounds its calls. Past it, the server has already answered TIMEOUT and
/// the handler's future is dropped.
pub fn deadline() -> Option<Instant> {
    with_serving(|scope| scope.deadline).flatten()
}

/// In a handler: the info headers of the request being served (empty outside a call or for a request that
/// did not come over THeader).
pub fn request_headers() -> Headers {
    with_serving(|scope| scope.headers.clone()).unwrap_or_default()
}

/// In a handler: the value of request header `name`, if the request carried it.
pub fn request_header(name: &str) -> Option<String> {
    with_serving(|scope| scope.headers.get(name).cloned()).flatten()
}

/// In a handler: adds a header to the reply (sent if the request came over THeader). Returns `false`
/// outside a call being served.
pub fn set_reply_header(name: impl Into<String>, value: impl Into<String>) -> bool {
    // Converted first: nothing that may panic runs while the call is out of its cell.
    let (name, value) = (name.into(), value.into());
    with_serving(|scope| {
        lock_reply(scope).insert(name, value);
    })
    .is_some()
}

/// Takes the reply headers a handler set.
pub(crate) fn take_reply_headers(scope: &CallInfo) -> Headers {
    std::mem::take(&mut lock_reply(scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(method: &'static str) -> Arc<CallInfo> {
        Arc::new(CallInfo {
            method: method.into(),
            kind: MessageType::Call,
            seqid: 1,
            peer: Arc::new(Peer::Other("test".into())),
            protocol: Protocol::Binary,
            transport: Transport::Framed,
            tls: false,
            headers: Headers::new(),
            deadline: None,
            received: Instant::now(),
            reply_headers: Mutex::default(),
        })
    }

    fn current() -> Option<String> {
        call().map(|call| call.method.to_string())
    }

    #[tokio::test]
    async fn a_call_sees_its_own_info_an_enclosing_one_gets_its_back_and_outside_there_is_none() {
        let outer = serve_with(info("outer"), async {
            assert_eq!(current().as_deref(), Some("outer"));
            let inner = serve_with(info("inner"), async {
                tokio::task::yield_now().await;
                assert!(set_reply_header("k", "v"));
                current()
            });
            assert_eq!(inner.await.as_deref(), Some("inner"));
            tokio::task::yield_now().await;
            current()
        });
        assert_eq!(outer.await.as_deref(), Some("outer"));
        assert_eq!(current(), None);
        assert!(!set_reply_header("k", "v"));
    }

    #[tokio::test]
    async fn a_panic_inside_a_call_leaves_the_enclosing_scope_in_place() {
        let outer = serve_with(info("outer"), async {
            let inner = std::panic::AssertUnwindSafe(serve_with(info("inner"), async {
                panic!("the handler fails");
            }));
            let caught = crate::rpc::catch_panic(inner).await;
            assert!(caught.is_err());
            current()
        });
        assert_eq!(outer.await.as_deref(), Some("outer"));
        assert_eq!(current(), None);
    }
}
