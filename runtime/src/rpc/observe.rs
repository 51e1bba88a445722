//! Per-call spans and metrics, on both sides.
//!
//! Metrics go through the `metrics` facade, for servers and channels built with `metrics(true)`, to whichever
//! recorder the application installs. Names, with a `method` label each:
//!
//! | metric | kind | what |
//! |---|---|---|
//! | `idlc_client_requests_total` / `idlc_server_requests_total` | counter | calls made / served |
//! | `idlc_client_errors_total` / `idlc_server_errors_total` | counter | calls that failed, labelled `error` with the failure's kind |
//! | `idlc_client_duration_seconds` / `idlc_server_duration_seconds` | histogram | from the call's start to its reply |
//!
//! Spans (`rpc.client`, `rpc.server`, at INFO level) carry the method, sequence id, peer, protocol, and once
//! the call ends its outcome and duration in microseconds.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use metrics::{Counter, Histogram, Key, Label, Metadata, Recorder};

/// How a call ended, as metrics and spans label it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A reply (a declared exception included: that is the service's answer).
    Ok,
    /// An application exception (unknown method, a handler's failure, a timeout, ...), by kind.
    Exception(&'static str),
    /// The call failed below the RPC layer (transport, decoding), by kind.
    Error(&'static str),
}

impl Outcome {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Exception(kind) | Outcome::Error(kind) => kind,
        }
    }
}

static CLIENT_METADATA: Metadata<'static> =
    Metadata::new("idlc_runtime::client", metrics::Level::INFO, None);
static SERVER_METADATA: Metadata<'static> =
    Metadata::new("idlc_runtime::server", metrics::Level::INFO, None);

const CLIENT_NAMES: [&str; 3] = [
    "idlc_client_requests_total",
    "idlc_client_errors_total",
    "idlc_client_duration_seconds",
];
const SERVER_NAMES: [&str; 3] = [
    "idlc_server_requests_total",
    "idlc_server_errors_total",
    "idlc_server_duration_seconds",
];

/// Most methods a thread keeps handles for, per side: method names on the server come from the wire, and a
/// peer inventing new ones must not grow the cache (those calls build their keys each time instead).
const MAX_CACHED_METHODS: usize = 512;

/// A method's metric handles, and the recorder they were registered with.
struct Handles {
    recorder: usize,
    requests: Counter,
    duration: Histogram,
}

thread_local! {
    /// Registering a metric builds its key (allocations) and looks it up in the recorder's registry; doing
    /// that once per method and thread rather than once per call keeps metrics nearly free, recorder or not.
    static HANDLES: RefCell<[HashMap<Box<str>, Handles>; 2]> = RefCell::default();
}

/// The recorder in effect here, by address: handles registered with another one (none was installed yet,
/// or a test's local recorder) are registered again.
fn recorder_id(recorder: &dyn Recorder) -> usize {
    recorder as *const dyn Recorder as *const () as usize
}

/// Records a finished call: `client` for a call made, `!client` for one served.
pub(crate) fn record(client: bool, method: &str, outcome: Outcome, elapsed: Duration) {
    let ([requests, errors, duration], metadata) = if client {
        (CLIENT_NAMES, &CLIENT_METADATA)
    } else {
        (SERVER_NAMES, &SERVER_METADATA)
    };
    let labels = || vec![Label::new("method", method.to_owned())];
    metrics::with_recorder(|recorder: &dyn Recorder| {
        let id = recorder_id(recorder);
        let register = || Handles {
            recorder: id,
            requests: recorder.register_counter(&Key::from_parts(requests, labels()), metadata),
            duration: recorder.register_histogram(&Key::from_parts(duration, labels()), metadata),
        };
        let _ = HANDLES.try_with(|cache| {
            let mut cache = cache.borrow_mut();
            let cache = &mut cache[usize::from(client)];
            let full = cache.len() >= MAX_CACHED_METHODS;
            let fresh;
            let handles = match cache.get_mut(method) {
                Some(handles) => {
                    if handles.recorder != id {
                        *handles = register();
                    }
                    &*handles
                }
                None if full => {
                    fresh = register();
                    &fresh
                }
                None => cache.entry(method.into()).or_insert_with(register),
            };
            handles.requests.increment(1);
            handles.duration.record(elapsed.as_secs_f64());
        });
        if outcome != Outcome::Ok {
            let mut labels = labels();
            labels.push(Label::from_static_parts("error", outcome.name()));
            recorder
                .register_counter(&Key::from_parts(errors, labels), metadata)
                .increment(1);
        }
    });
}

pin_project_lite::pin_project! {
    /// A call in its span and under its deadline (`None` once that passed), as one future.
    ///
    /// One type for every case: awaiting the call in a different wrapper per case (instrumented or not,
    /// with a timeout or not) would give the enclosing future room for each of them.
    pub(crate) struct Bounded<F> {
        #[pin]
        call: F,
        span: tracing::Span,
        // Boxed, and only when there is a deadline: a timer is larger than most calls' own state.
        deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    }
}

impl<F: Future> Bounded<F> {
    /// `call`, entering `span` (when enabled) on every poll, ended at `deadline` if it has one.
    pub(crate) fn new(
        call: F,
        span: tracing::Span,
        deadline: Option<tokio::time::Instant>,
    ) -> Self {
        Bounded {
            call,
            span,
            deadline: deadline.map(|deadline| Box::pin(tokio::time::sleep_until(deadline))),
        }
    }
}

impl<F: Future> Future for Bounded<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let polled = {
            let _entered = this.span.enter();
            this.call.poll(cx)
        };
        match (polled, this.deadline) {
            (Poll::Ready(output), _) => Poll::Ready(Some(output)),
            (Poll::Pending, Some(deadline)) => deadline.as_mut().poll(cx).map(|()| None),
            (Poll::Pending, None) => Poll::Pending,
        }
    }
}
