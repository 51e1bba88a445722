//! Calls as [tower](https://docs.rs/tower) sees them, on both sides.
//!
//! A client call travels as a [`CallRequest`] (the encoded message and what a layer may want to know about it)
//! and comes back as a [`CallResponse`]; every channel is a `tower::Service` of them, and [`ServiceChannel`]
//! turns any such service (a channel wrapped in `tower::ServiceBuilder` layers, or one of the user's own) back
//! into a [`Channel`] generated clients call through.
//!
//! A server hands each request to a `tower::Service<ServerRequest, Response = ServerResponse>`: the
//! [`ProcessorService`] around the generated processor, wrapped in whatever layers the application adds
//! ([`BoundServer::serve_service`](crate::net::BoundServer::serve_service)). A layer's error is answered as
//! an exception the client can read: an [`ApplicationException`] as it is, tower's `Elapsed` as TIMEOUT,
//! tower's `Overloaded` as LOADSHEDDING, anything else as INTERNAL_ERROR.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use tokio::time::Instant;
use tower::{Service, ServiceExt};

use super::channel::{Channel, SeqIds};
use super::context::CallInfo;
use super::error::{ApplicationException, ApplicationExceptionKind, TransportError};
use super::processor::Processor;
use crate::protocol::{Limits, MessageType, Protocol};
use crate::transport::Headers;

/// The error type layers produce: any error, boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A client call on its way to the server, as client-side layers see it.
#[derive(Debug, Clone)]
pub struct CallRequest {
    /// The method called, without any service prefix.
    pub method: &'static str,
    /// `Call` or `Oneway`.
    pub kind: MessageType,
    /// The sequence id in the message envelope; the reply carries the same.
    pub seqid: i32,
    /// The protocol the message is encoded in.
    pub protocol: Protocol,
    /// Info headers to send with the request (THeader only; other transports drop them).
    pub headers: Headers,
    /// When the caller stops waiting. Sent to THeader servers as the `client_timeout` info header.
    pub deadline: Option<Instant>,
    /// The encoded message, envelope included. Cheap to clone, so a retry resends the same bytes.
    pub body: Bytes,
}

impl CallRequest {
    /// Whether the caller expects no reply.
    pub fn is_oneway(&self) -> bool {
        self.kind == MessageType::Oneway
    }
}

/// What came back for a [`CallRequest`].
#[derive(Debug, Clone, Default)]
pub struct CallResponse {
    /// The reply message; `None` for a oneway call, which has none.
    pub body: Option<Bytes>,
    /// The reply's info headers (THeader only).
    pub headers: Headers,
}

/// Turns a layer's error back into a [`TransportError`]: the channel's own errors come back as they were,
/// tower's timeout as [`TransportError::Timeout`], anything else as [`TransportError::Layer`].
pub fn transport_error(error: BoxError) -> TransportError {
    let error = match error.downcast::<TransportError>() {
        Ok(error) => return *error,
        Err(error) => error,
    };
    if error.is::<tower::timeout::error::Elapsed>() {
        return TransportError::Timeout;
    }
    TransportError::Layer(error)
}

/// A [`Channel`] over any `tower::Service` of calls: a channel wrapped in layers, or a transport of the
/// user's own. Clones share the service's prototype and the sequence ids; each call clones the service, as
/// tower's layers expect, and waits until it is ready.
///
/// ```no_run
/// # async fn run() -> Result<(), idlc_runtime::TransportError> {
/// use std::time::Duration;
/// use idlc_runtime::TcpChannel;
/// use idlc_runtime::rpc::ServiceChannel;
///
/// let channel = TcpChannel::connect("127.0.0.1:9090").await?;
/// let layered = tower::ServiceBuilder::new()
///     .concurrency_limit(64)
///     .service(channel.clone());
/// let channel = ServiceChannel::like(&channel, layered);
/// # Ok(()) }
/// ```
pub struct ServiceChannel<S> {
    service: Arc<Mutex<S>>,
    protocol: Protocol,
    /// Draws from the wrapped channel's sequence when there is one: replies are matched by sequence id on
    /// the connection, so two sequences on one connection could hand a call another's reply.
    seqids: Arc<dyn Fn() -> i32 + Send + Sync>,
    service_name: Option<Arc<str>>,
    remote: Option<Arc<str>>,
    limits: Limits,
    metrics: bool,
}

impl<S> Clone for ServiceChannel<S> {
    fn clone(&self) -> Self {
        ServiceChannel {
            service: Arc::clone(&self.service),
            protocol: self.protocol,
            seqids: Arc::clone(&self.seqids),
            service_name: self.service_name.clone(),
            remote: self.remote.clone(),
            limits: self.limits,
            metrics: self.metrics,
        }
    }
}

impl<S> fmt::Debug for ServiceChannel<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceChannel")
            .field("protocol", &self.protocol)
            .field("service_name", &self.service_name)
            .finish_non_exhaustive()
    }
}

impl<S> ServiceChannel<S> {
    /// A channel that encodes calls in `protocol` and sends them through `service`.
    pub fn new(service: S, protocol: Protocol) -> Self {
        ServiceChannel {
            service: Arc::new(Mutex::new(service)),
            protocol,
            seqids: {
                let seqids = SeqIds::default();
                Arc::new(move || seqids.next())
            },
            service_name: None,
            remote: None,
            limits: Limits::DEFAULT,
            metrics: false,
        }
    }

    /// A channel through `service` with the protocol, sequence ids, multiplexed service name, reply limits
    /// and metrics setting of `channel` (usually the channel `service` wraps).
    pub fn like<C: Channel>(channel: &C, service: S) -> Self {
        ServiceChannel {
            service: Arc::new(Mutex::new(service)),
            protocol: channel.protocol(),
            seqids: {
                let channel = channel.clone();
                Arc::new(move || channel.next_seqid())
            },
            service_name: channel.service_name().map(Arc::from),
            remote: channel.remote().map(Arc::from),
            limits: channel.message_limits(),
            metrics: channel.records_metrics(),
        }
    }

    /// The same channel, calling `service` of a multiplexed server (`"Service:method"`).
    pub fn multiplexed(&self, service: &str) -> Self {
        ServiceChannel {
            service_name: Some(Arc::from(service)),
            ..self.clone()
        }
    }

    /// Decodes replies within `limits`.
    pub fn message_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Records the `idlc_client_*` metrics for every call (off by default).
    pub fn metrics(mut self, enabled: bool) -> Self {
        self.metrics = enabled;
        self
    }
}

impl<S> Channel for ServiceChannel<S>
where
    S: Service<CallRequest, Response = CallResponse> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
{
    fn protocol(&self) -> Protocol {
        self.protocol
    }

    fn next_seqid(&self) -> i32 {
        (self.seqids)()
    }

    fn service_name(&self) -> Option<&str> {
        self.service_name.as_deref()
    }

    fn remote(&self) -> Option<&str> {
        self.remote.as_deref()
    }

    fn message_limits(&self) -> Limits {
        self.limits
    }

    fn records_metrics(&self) -> bool {
        self.metrics
    }

    async fn call(&self, request: CallRequest) -> Result<CallResponse, TransportError> {
        let service = self
            .service
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        service
            .oneshot(request)
            .await
            .map_err(|error| transport_error(error.into()))
    }
}

/// A request as a server's service sees it: the message and what is known of the call.
#[derive(Debug, Clone)]
pub struct ServerRequest {
    /// The call: method, sequence id, peer, headers, deadline, protocol and transport.
    pub info: Arc<CallInfo>,
    /// The encoded message, envelope included.
    pub body: Bytes,
    /// The limits the message is to be decoded within (the server's configuration).
    pub limits: Limits,
}

impl ServerRequest {
    /// The EXCEPTION reply of `kind` with `message` to this request: what a layer that turns a call away
    /// answers. Nothing for a oneway call.
    pub fn reject(
        &self,
        kind: ApplicationExceptionKind,
        message: impl Into<String>,
    ) -> ServerResponse {
        ServerResponse {
            body: exception_reply(&self.info, ApplicationException::new(kind, message.into())),
            headers: Headers::new(),
        }
    }
}

/// What a server's service answers: the reply message (`None` when there is none to send) and the reply's
/// info headers, sent to THeader clients together with those the handler set through [`context`](super::context).
#[derive(Debug, Clone, Default)]
pub struct ServerResponse {
    /// The encoded reply message, envelope included.
    pub body: Option<BytesMut>,
    /// Info headers to add to the reply.
    pub headers: Headers,
}

/// The EXCEPTION reply carrying `exception` to the call described by `info`; nothing for a oneway call.
pub(crate) fn exception_reply(
    info: &CallInfo,
    exception: ApplicationException,
) -> Option<BytesMut> {
    if info.kind == MessageType::Oneway {
        return None;
    }
    let header = crate::protocol::MessageHeader {
        name: info.method.to_string(),
        kind: info.kind,
        seqid: info.seqid,
    };
    super::encode_exception_in(info.protocol, &header, &exception)
}

/// The exception a layer's error is answered with.
pub(crate) fn error_exception(error: BoxError) -> ApplicationException {
    let error = match error.downcast::<ApplicationException>() {
        Ok(exception) => return *exception,
        Err(error) => error,
    };
    if error.is::<tower::timeout::error::Elapsed>() {
        return ApplicationException::new(
            ApplicationExceptionKind::TIMEOUT,
            "the call timed out on the server",
        );
    }
    if error.is::<tower::load_shed::error::Overloaded>() {
        return ApplicationException::new(
            ApplicationExceptionKind::LOADSHEDDING,
            "the server is overloaded",
        );
    }
    ApplicationException::new(ApplicationExceptionKind::INTERNAL_ERROR, error.to_string())
}

/// A [`Processor`] as a `tower::Service`: what a server runs when no layer is added, and what layers wrap.
#[derive(Debug)]
pub struct ProcessorService<P> {
    processor: Arc<P>,
}

impl<P> Clone for ProcessorService<P> {
    fn clone(&self) -> Self {
        ProcessorService {
            processor: Arc::clone(&self.processor),
        }
    }
}

impl<P: Processor> ProcessorService<P> {
    /// Serves requests with `processor`.
    pub fn new(processor: P) -> Self {
        ProcessorService {
            processor: Arc::new(processor),
        }
    }
}

impl<P: Processor> Service<ServerRequest> for ProcessorService<P> {
    type Response = ServerResponse;
    type Error = std::convert::Infallible;
    type Future = ProcessFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: ServerRequest) -> Self::Future {
        let processor = Arc::clone(&self.processor);
        ProcessFuture(Box::pin(async move {
            let body = processor
                .process(request.info.protocol, request.body, request.limits)
                .await;
            Ok(ServerResponse {
                body,
                headers: Headers::new(),
            })
        }))
    }
}

/// A [`ProcessorService`]'s answer, as a `tower::Service` future: a named type, so that layers such as
/// `Buffer`, which name it in their own types, keep the futures around them `Send`.
pub struct ProcessFuture(
    Pin<Box<dyn Future<Output = Result<ServerResponse, std::convert::Infallible>> + Send>>,
);

impl Future for ProcessFuture {
    type Output = Result<ServerResponse, std::convert::Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl fmt::Debug for ProcessFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessFuture").finish_non_exhaustive()
    }
}
