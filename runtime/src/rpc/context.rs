//! THeader info headers for one call, on either side, without changing any generated signature.
//!
//! A client wraps calls in [`with_headers`]: the headers go out with every request those calls send (over
//! THeader), and the reply's headers come back. A handler reads the request's headers with
//! [`request_headers`] and adds reply headers with [`set_reply_header`]. Both live in a tokio task-local,
//! so they follow the call's own future (not tasks it spawns).

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use crate::transport::Headers;

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
    static SERVER: SharedHeaders;
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

/// Runs a server-side call with the request's headers in scope.
pub(crate) async fn serve_with<F: Future>(shared: SharedHeaders, call: F) -> F::Output {
    SERVER.scope(shared, call).await
}

/// In a handler: the info headers of the request being served (empty outside a call or for a request that
/// did not come over THeader).
pub fn request_headers() -> Headers {
    SERVER
        .try_with(|shared| lock(shared).request.clone())
        .unwrap_or_default()
}

/// In a handler: the value of request header `name`, if the request carried it.
pub fn request_header(name: &str) -> Option<String> {
    SERVER
        .try_with(|shared| lock(shared).request.get(name).cloned())
        .ok()
        .flatten()
}

/// In a handler: adds a header to the reply (sent if the request came over THeader). Returns `false`
/// outside a call being served.
pub fn set_reply_header(name: impl Into<String>, value: impl Into<String>) -> bool {
    SERVER
        .try_with(|shared| {
            lock(shared).reply.insert(name.into(), value.into());
        })
        .is_ok()
}

/// Takes the reply headers a handler set.
pub(crate) fn take_reply_headers(shared: &SharedHeaders) -> Headers {
    std::mem::take(&mut lock(shared).reply)
}

/// A fresh scope for serving a request that carried `headers`.
pub(crate) fn server_scope(headers: Headers) -> SharedHeaders {
    Arc::new(Mutex::new(CallHeaders {
        request: headers,
        reply: Headers::new(),
    }))
}
