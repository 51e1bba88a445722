//! Per-call spans and metrics, on both sides.
//!
//! Metrics go through the `metrics` facade: nothing is recorded (and only the keys are built) unless the
//! application installs a recorder. Names, with a `method` label each:
//!
//! | metric | kind | what |
//! |---|---|---|
//! | `idlc_client_requests_total` / `idlc_server_requests_total` | counter | calls made / served |
//! | `idlc_client_errors_total` / `idlc_server_errors_total` | counter | calls that failed, labelled `error` with the failure's kind |
//! | `idlc_client_duration_seconds` / `idlc_server_duration_seconds` | histogram | from the call's start to its reply |
//!
//! Spans (`rpc.client`, `rpc.server`, at INFO level) carry the method, sequence id, peer, protocol, and once
//! the call ends its outcome and duration in microseconds.

use std::time::Duration;

use metrics::{Key, Label, Metadata, Recorder};

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

/// Records a finished call: `client` for a call made, `!client` for one served.
pub(crate) fn record(client: bool, method: &str, outcome: Outcome, elapsed: Duration) {
    let (requests, errors, duration, metadata) = if client {
        (
            "idlc_client_requests_total",
            "idlc_client_errors_total",
            "idlc_client_duration_seconds",
            &CLIENT_METADATA,
        )
    } else {
        (
            "idlc_server_requests_total",
            "idlc_server_errors_total",
            "idlc_server_duration_seconds",
            &SERVER_METADATA,
        )
    };
    metrics::with_recorder(|recorder: &dyn Recorder| {
        let labels = vec![Label::new("method", method.to_owned())];
        recorder
            .register_counter(&Key::from_parts(requests, labels.clone()), metadata)
            .increment(1);
        recorder
            .register_histogram(&Key::from_parts(duration, labels.clone()), metadata)
            .record(elapsed.as_secs_f64());
        if outcome != Outcome::Ok {
            let mut labels = labels;
            labels.push(Label::from_static_parts("error", outcome.name()));
            recorder
                .register_counter(&Key::from_parts(errors, labels), metadata)
                .increment(1);
        }
    });
}
