//! Calls through tower layers on both sides, over loopback TCP, a Unix socket and an in-memory pipe: a server
//! layer that turns calls away by header, tower's timeout, load shedding and concurrency limits on either
//! side, deadlines that travel from the client to the handler and on to the handler's own calls, what a
//! handler knows of the call it serves, and the spans and metrics every call leaves.
//!
//! The handler's `add(num1, num2)` sleeps `num2` milliseconds and records what it saw; `get_struct(key)`
//! forwards `add(key, 0)` to a downstream server.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Poll;
use std::time::Duration;

use idlc_runtime::net::{Connector, Listener};
use idlc_runtime::rpc::{
    BoxError, CallInfo, CallRequest, CallResponse, Peer, ProcessorService, ServerRequest,
    ServerResponse, ServiceChannel,
};
use idlc_runtime::{
    ApplicationException, ApplicationExceptionKind, BoundServer, CallError, Headers, MessageType,
    NoException, Protocol, Server, ServerBuilder, ServiceError, TcpChannel, Transport,
    TransportError, context,
};
use idlc_tests::generated::calculator::{
    Calculator, CalculatorCalculateException, CalculatorClient, CalculatorProcessor, Work,
};
use idlc_tests::generated::shared::{SharedService, SharedStruct};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tower::{Layer, Service, ServiceBuilder};

/// What a server's handler saw.
#[derive(Default)]
struct Probe {
    /// What each call knew of itself, in the order they started.
    calls: Mutex<Vec<Arc<CallInfo>>>,
    /// `add` calls started and finished.
    started: AtomicUsize,
    finished: AtomicUsize,
    /// `add` calls running now, and the most that ever ran at once.
    running: AtomicUsize,
    most_running: AtomicUsize,
    /// When each `add` dropped before finishing was dropped.
    dropped: Mutex<Vec<Instant>>,
    /// Where `get_struct` forwards to.
    downstream: OnceLock<CalculatorClient<TcpChannel>>,
}

impl Probe {
    fn calls(&self) -> Vec<Arc<CallInfo>> {
        self.calls.lock().unwrap().clone()
    }

    fn dropped(&self) -> Vec<Instant> {
        self.dropped.lock().unwrap().clone()
    }

    fn record_call(&self) -> Arc<CallInfo> {
        let info = context::call().expect("a handler runs inside a call");
        self.calls.lock().unwrap().push(Arc::clone(&info));
        info
    }
}

/// Marks an `add` running until it is dropped, and records the drop if the call did not finish.
struct Running<'a> {
    probe: &'a Probe,
    finished: bool,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.probe.running.fetch_sub(1, Ordering::SeqCst);
        if !self.finished {
            self.probe.dropped.lock().unwrap().push(Instant::now());
        }
    }
}

#[derive(Clone, Default)]
struct Handler(Arc<Probe>);

impl SharedService for Handler {
    async fn get_struct(&self, key: i32) -> Result<SharedStruct, ServiceError<NoException>> {
        self.0.record_call();
        let downstream = self.0.downstream.get().expect("a downstream server");
        let sum = downstream.add(key, 0).await.map_err(|error| {
            ServiceError::Application(ApplicationException::new(
                ApplicationExceptionKind::INTERNAL_ERROR,
                format!("the downstream call failed: {error:?}"),
            ))
        })?;
        Ok(SharedStruct {
            key,
            value: sum.to_string(),
        })
    }
}

impl Calculator for Handler {
    async fn ping(&self) -> Result<(), ServiceError<NoException>> {
        Ok(())
    }

    async fn add(&self, num1: i32, num2: i32) -> Result<i32, ServiceError<NoException>> {
        let probe = &*self.0;
        probe.record_call();
        probe.started.fetch_add(1, Ordering::SeqCst);
        let now = probe.running.fetch_add(1, Ordering::SeqCst) + 1;
        probe.most_running.fetch_max(now, Ordering::SeqCst);
        let mut running = Running {
            probe,
            finished: false,
        };
        if num2 > 0 {
            tokio::time::sleep(Duration::from_millis(num2 as u64)).await;
        }
        running.finished = true;
        probe.finished.fetch_add(1, Ordering::SeqCst);
        Ok(num1 + num2)
    }

    async fn calculate(
        &self,
        _logid: i32,
        w: Work,
    ) -> Result<i32, ServiceError<CalculatorCalculateException>> {
        Ok(w.first)
    }

    async fn zip(&self) -> Result<(), ServiceError<NoException>> {
        Ok(())
    }
}

/// The service a server runs: the generated processor around a [`Handler`], inside the test's layers.
type Processor = ProcessorService<CalculatorProcessor<Handler>>;

/// A running server; it stops when this is dropped.
struct Served {
    probe: Arc<Probe>,
    _stop: oneshot::Sender<()>,
}

/// Serves a fresh [`Handler`] inside `layer` on `server`'s listener.
fn serve<Li, L>(server: BoundServer<Li>, layer: L) -> Served
where
    Li: Listener,
    L: Layer<Processor>,
    L::Service: Service<ServerRequest, Response = ServerResponse> + Clone + Send + 'static,
    <L::Service as Service<ServerRequest>>::Error: Into<BoxError>,
    <L::Service as Service<ServerRequest>>::Future: Send + 'static,
{
    let probe = Arc::new(Probe::default());
    let service = layer.layer(ProcessorService::new(CalculatorProcessor::new(Handler(
        Arc::clone(&probe),
    ))));
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        server
            .serve_service(service, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    Served { probe, _stop: stop }
}

/// [`serve`] on a free loopback port.
async fn serve_tcp<L>(builder: ServerBuilder, layer: L) -> (SocketAddr, Served)
where
    L: Layer<Processor>,
    L::Service: Service<ServerRequest, Response = ServerResponse> + Clone + Send + 'static,
    <L::Service as Service<ServerRequest>>::Error: Into<BoxError>,
    <L::Service as Service<ServerRequest>>::Future: Send + 'static,
{
    let server = builder.bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    (addr, serve(server, layer))
}

async fn connect(addr: SocketAddr, transport: Transport) -> CalculatorClient<TcpChannel> {
    let protocol = match transport {
        Transport::Header => Protocol::Compact,
        _ => Protocol::Binary,
    };
    let channel = TcpChannel::builder(addr)
        .transport(transport)
        .protocol(protocol)
        .connect()
        .await
        .unwrap();
    CalculatorClient::new(channel)
}

/// A THeader client whose channel is wrapped in `layer`.
async fn connect_layered<L>(
    addr: SocketAddr,
    layer: L,
) -> CalculatorClient<ServiceChannel<L::Service>>
where
    L: Layer<TcpChannel>,
    L::Service: Service<CallRequest, Response = CallResponse> + Clone + Send + 'static,
    <L::Service as Service<CallRequest>>::Error: Into<BoxError>,
    <L::Service as Service<CallRequest>>::Future: Send,
{
    let channel = TcpChannel::builder(addr)
        .transport(Transport::Header)
        .protocol(Protocol::Compact)
        .connect()
        .await
        .unwrap();
    let layered = layer.layer(channel.clone());
    CalculatorClient::new(ServiceChannel::like(&channel, layered))
}

/// Bounds a test's body, so a hang fails it rather than the whole run.
async fn within<F: Future>(seconds: u64, body: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(seconds), body)
        .await
        .expect("the test took too long")
}

/// Waits (a few seconds at most) until `done` holds.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < give_up, "still waiting for {what}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

#[track_caller]
fn assert_exception<T: std::fmt::Debug, E: std::fmt::Debug>(
    result: Result<T, CallError<E>>,
    kind: ApplicationExceptionKind,
) -> ApplicationException {
    match result {
        Err(CallError::Application(exception)) if exception.kind == kind => exception,
        other => panic!("expected an application exception {kind:?}, got {other:?}"),
    }
}

/// Whether `result` is the failure of a call whose deadline passed: the client's own timeout, or the
/// server's TIMEOUT answer if it came first.
fn timed_out<T, E>(result: &Result<T, CallError<E>>) -> bool {
    match result {
        Err(CallError::Transport(TransportError::Timeout)) => true,
        Err(CallError::Application(exception)) => {
            exception.kind == ApplicationExceptionKind::TIMEOUT
        }
        _ => false,
    }
}

// --- 1. A server layer that turns calls away ---

const SECRET_HEADER: &str = "authorization";
const REJECTED: &str = "the call carries no valid authorization header";

/// Lets through only the calls whose THeader headers carry `authorization: secret`; answers the others
/// with an exception, without calling the service inside.
#[derive(Clone)]
struct RequireSecretLayer;

impl<S> Layer<S> for RequireSecretLayer {
    type Service = RequireSecret<S>;
    fn layer(&self, inner: S) -> RequireSecret<S> {
        RequireSecret(inner)
    }
}

#[derive(Clone)]
struct RequireSecret<S>(S);

impl<S> Service<ServerRequest> for RequireSecret<S>
where
    S: Service<ServerRequest, Response = ServerResponse>,
    S::Error: 'static,
    S::Future: Send + 'static,
{
    type Response = ServerResponse;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<ServerResponse, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: ServerRequest) -> Self::Future {
        if request.info.headers.get(SECRET_HEADER).map(String::as_str) == Some("secret") {
            Box::pin(self.0.call(request))
        } else {
            let rejected =
                request.reject(ApplicationExceptionKind::UNSUPPORTED_CLIENT_TYPE, REJECTED);
            Box::pin(async move { Ok(rejected) })
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_layer_rejects_calls_without_the_secret_header() {
    within(10, async {
        let (addr, served) = serve_tcp(Server::builder(), RequireSecretLayer).await;
        let client = connect(addr, Transport::Header).await;

        let (sum, _) =
            context::with_headers(headers(&[(SECRET_HEADER, "secret")]), client.add(1, 2)).await;
        assert_eq!(sum.unwrap(), 3);

        let missing = client.add(1, 2).await;
        let rejected = assert_exception(missing, ApplicationExceptionKind::UNSUPPORTED_CLIENT_TYPE);
        assert_eq!(rejected.message, REJECTED);

        let (wrong, _) =
            context::with_headers(headers(&[(SECRET_HEADER, "guess")]), client.add(1, 2)).await;
        assert_exception(wrong, ApplicationExceptionKind::UNSUPPORTED_CLIENT_TYPE);

        // A framed client has no headers to carry the secret in.
        let framed = connect(addr, Transport::Framed).await;
        let (framed_call, _) =
            context::with_headers(headers(&[(SECRET_HEADER, "secret")]), framed.add(1, 2)).await;
        let rejected = assert_exception(
            framed_call,
            ApplicationExceptionKind::UNSUPPORTED_CLIENT_TYPE,
        );
        assert_eq!(rejected.message, REJECTED);

        // Only the authorized call reached the handler.
        assert_eq!(served.probe.started.load(Ordering::SeqCst), 1);
    })
    .await;
}

// --- 2. Tower's timeout and load shedding on the server ---

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_timeout_layer_answers_timeout() {
    within(10, async {
        let layer = ServiceBuilder::new().timeout(Duration::from_millis(100));
        let (addr, served) = serve_tcp(Server::builder(), layer).await;
        let client = connect(addr, Transport::Header).await;

        let started = Instant::now();
        assert_exception(client.add(0, 2000).await, ApplicationExceptionKind::TIMEOUT);
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_millis(1000),
            "answered after {elapsed:?}"
        );
        // The handler was dropped when the layer gave up on it.
        until("the handler to be dropped", || {
            !served.probe.dropped().is_empty()
        })
        .await;
        assert_eq!(served.probe.finished.load(Ordering::SeqCst), 0);
        // A call within the bound goes through.
        assert_eq!(client.add(1, 1).await.unwrap(), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_load_shedding_answers_loadshedding_while_the_limit_is_reached() {
    within(10, async {
        let layer = ServiceBuilder::new().load_shed().concurrency_limit(1);
        let (addr, served) = serve_tcp(Server::builder(), layer).await;
        let client = connect(addr, Transport::Header).await;

        let slow = tokio::spawn({
            let client = client.clone();
            async move { client.add(0, 500).await }
        });
        until("the slow call to start", || {
            served.probe.started.load(Ordering::SeqCst) == 1
        })
        .await;
        let shed = assert_exception(
            client.add(1, 0).await,
            ApplicationExceptionKind::LOADSHEDDING,
        );
        assert!(!shed.message.is_empty());
        assert_eq!(served.probe.started.load(Ordering::SeqCst), 1);

        assert_eq!(slow.await.unwrap().unwrap(), 500);
        // With the slot free again, calls are served.
        assert_eq!(client.add(1, 0).await.unwrap(), 1);
    })
    .await;
}

// --- 3. Layers on the client ---

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_timeout_layer_fails_the_call_with_a_transport_timeout() {
    within(10, async {
        let (addr, _served) = serve_tcp(Server::builder(), ServiceBuilder::new()).await;
        let layer = ServiceBuilder::new().timeout(Duration::from_millis(50));
        let client = connect_layered(addr, layer).await;

        let started = Instant::now();
        match client.add(0, 1000).await {
            Err(CallError::Transport(TransportError::Timeout)) => {}
            other => panic!("expected a transport timeout, got {other:?}"),
        }
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(50) && elapsed < Duration::from_millis(500),
            "timed out after {elapsed:?}"
        );
        assert_eq!(client.add(2, 3).await.unwrap(), 5);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_concurrency_limit_bounds_the_calls_in_flight() {
    within(20, async {
        let (addr, served) = serve_tcp(Server::builder(), ServiceBuilder::new()).await;
        let client = connect_layered(addr, ServiceBuilder::new().concurrency_limit(2)).await;

        let mut callers = tokio::task::JoinSet::new();
        for i in 0..10 {
            let client = client.clone();
            callers.spawn(async move { (i, client.add(i, 50).await) });
        }
        let mut answered = 0;
        while let Some(joined) = callers.join_next().await {
            let (i, sum) = joined.unwrap();
            assert_eq!(sum.unwrap(), i + 50);
            answered += 1;
        }
        assert_eq!(answered, 10);
        assert_eq!(served.probe.started.load(Ordering::SeqCst), 10);
        assert_eq!(served.probe.most_running.load(Ordering::SeqCst), 2);
    })
    .await;
}

/// tower's rate limit is not `Clone`; behind a `buffer` (the usual tower arrangement) it paces a client's calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_rate_limit_behind_a_buffer_paces_the_calls() {
    within(20, async {
        let (addr, served) = serve_tcp(Server::builder(), ServiceBuilder::new()).await;
        let client = connect_layered(
            addr,
            ServiceBuilder::new()
                .buffer(64)
                .rate_limit(4, Duration::from_millis(500)),
        )
        .await;
        twelve_calls_take_a_second(&client, &served).await;
    })
    .await;
}

/// Makes 12 concurrent calls through a limit of 4 per half second: the last four cannot start before the
/// third period, 1 s in, and all 12 reach the handler.
async fn twelve_calls_take_a_second<C: idlc_runtime::rpc::Channel>(
    client: &CalculatorClient<C>,
    served: &Served,
) {
    let started = Instant::now();
    let mut callers = tokio::task::JoinSet::new();
    for i in 0..12 {
        let client = client.clone();
        callers.spawn(async move { client.add(i, 0).await });
    }
    while let Some(joined) = callers.join_next().await {
        joined.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(950),
        "12 calls took {elapsed:?}"
    );
    assert_eq!(served.probe.started.load(Ordering::SeqCst), 12);
}

/// On the server too, a rate limit goes behind a `buffer`; calls beyond the rate wait their turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_rate_limit_behind_a_buffer_paces_the_calls() {
    within(20, async {
        let (addr, served) = serve_tcp(
            Server::builder(),
            ServiceBuilder::new()
                .buffer(64)
                .rate_limit(4, Duration::from_millis(500)),
        )
        .await;
        let client = connect(addr, Transport::Header).await;
        twelve_calls_take_a_second(&client, &served).await;
    })
    .await;
}

// --- 4. Deadlines ---

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_deadline_reaches_the_handler_and_drops_it_when_it_passes() {
    within(10, async {
        let (addr, served) = serve_tcp(Server::builder(), ServiceBuilder::new()).await;
        let client = connect(addr, Transport::Header).await;

        let started = Instant::now();
        let result = context::with_timeout(Duration::from_millis(200), client.add(0, 2000)).await;
        let elapsed = started.elapsed();
        assert!(timed_out(&result), "expected a timeout, got {result:?}");
        assert!(
            elapsed >= Duration::from_millis(180) && elapsed < Duration::from_millis(600),
            "the call failed after {elapsed:?}"
        );

        let calls = served.probe.calls();
        assert_eq!(calls.len(), 1);
        let info = &calls[0];
        let budget = info.deadline.expect("a deadline") - info.received;
        assert!(
            budget >= Duration::from_millis(100) && budget <= Duration::from_millis(300),
            "the handler saw a deadline {budget:?} after the call arrived"
        );
        assert_eq!(
            info.headers.get("client_timeout").map(String::as_str),
            Some(budget.as_millis().to_string().as_str())
        );

        until("the handler to be dropped", || {
            !served.probe.dropped().is_empty()
        })
        .await;
        let dropped_after = served.probe.dropped()[0] - info.received;
        assert!(
            dropped_after >= budget && dropped_after < budget + Duration::from_millis(300),
            "the handler was dropped {dropped_after:?} after the call arrived (deadline {budget:?})"
        );
        assert_eq!(served.probe.finished.load(Ordering::SeqCst), 0);
        println!(
            "client failed after {elapsed:?}; handler's deadline {budget:?} after arrival; dropped {dropped_after:?} after arrival"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_whose_deadline_passes_while_queued_never_reaches_its_handler() {
    within(10, async {
        let layer = ServiceBuilder::new().concurrency_limit(1);
        let (addr, served) = serve_tcp(Server::builder(), layer).await;
        let client = connect(addr, Transport::Header).await;

        let slow = tokio::spawn({
            let client = client.clone();
            async move { client.add(0, 600).await }
        });
        until("the slow call to start", || {
            served.probe.started.load(Ordering::SeqCst) == 1
        })
        .await;
        // Waits behind the slow call for the only slot, past its deadline.
        let started = Instant::now();
        let queued = context::with_timeout(Duration::from_millis(100), client.add(1, 0)).await;
        let elapsed = started.elapsed();
        assert!(timed_out(&queued), "expected a timeout, got {queued:?}");
        assert!(
            elapsed < Duration::from_millis(500),
            "failed after {elapsed:?}"
        );

        assert_eq!(slow.await.unwrap().unwrap(), 600);
        // Once the slot is free, the queued call (had it survived) would have run by now.
        assert_eq!(client.add(2, 0).await.unwrap(), 2);
        assert_eq!(served.probe.started.load(Ordering::SeqCst), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_with_no_time_left_is_answered_timeout_without_running_the_handler() {
    within(10, async {
        let builder = Server::builder().call_timeout(Duration::ZERO);
        let (addr, served) = serve_tcp(builder, ServiceBuilder::new()).await;
        for transport in [Transport::Framed, Transport::Header] {
            let client = connect(addr, transport).await;
            let late = assert_exception(client.add(1, 1).await, ApplicationExceptionKind::TIMEOUT);
            assert!(late.message.contains("add"), "{late:?}");
        }
        assert_eq!(served.probe.started.load(Ordering::SeqCst), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_whose_deadline_passed_before_it_was_made_is_not_sent() {
    within(10, async {
        let (addr, served) = serve_tcp(Server::builder(), ServiceBuilder::new()).await;
        let client = connect(addr, Transport::Header).await;
        // The connection is open, so nothing but the deadline stands in the way.
        assert_eq!(client.add(0, 0).await.unwrap(), 0);

        let past = Instant::now() - Duration::from_millis(10);
        let result = context::with_deadline(past, client.add(1, 1)).await;
        assert!(timed_out(&result), "expected a timeout, got {result:?}");
        // Had it been sent, the server would have started it by now.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let calls = served.probe.calls();
        assert_eq!(
            calls.len(),
            1,
            "the late call reached the handler with headers {:?}",
            calls.last().map(|call| &call.headers)
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_call_timeout_bounds_framed_calls() {
    within(10, async {
        let builder = Server::builder().call_timeout(Duration::from_millis(200));
        let (addr, served) = serve_tcp(builder, ServiceBuilder::new()).await;
        let client = connect(addr, Transport::Framed).await;

        let started = Instant::now();
        assert_exception(client.add(0, 2000).await, ApplicationExceptionKind::TIMEOUT);
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(180) && elapsed < Duration::from_millis(600),
            "answered after {elapsed:?}"
        );

        let calls = served.probe.calls();
        let info = &calls[0];
        assert_eq!(info.transport, Transport::Framed);
        let budget = info.deadline.expect("the server's own deadline") - info.received;
        assert_eq!(budget, Duration::from_millis(200));
        until("the handler to be dropped", || {
            !served.probe.dropped().is_empty()
        })
        .await;
        let dropped_after = served.probe.dropped()[0] - info.received;
        assert!(
            dropped_after >= budget && dropped_after < budget + Duration::from_millis(300),
            "the handler was dropped {dropped_after:?} after the call arrived"
        );
        assert_eq!(served.probe.finished.load(Ordering::SeqCst), 0);
        println!(
            "framed call answered TIMEOUT after {elapsed:?}; handler dropped {dropped_after:?} after arrival"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handlers_downstream_call_inherits_its_deadline() {
    within(10, async {
        let (downstream_addr, downstream) =
            serve_tcp(Server::builder(), ServiceBuilder::new()).await;
        let (addr, upstream) = serve_tcp(Server::builder(), ServiceBuilder::new()).await;
        let forward = connect(downstream_addr, Transport::Header).await;
        assert!(upstream.probe.downstream.set(forward).is_ok());
        let client = connect(addr, Transport::Header).await;

        let answer = context::with_timeout(Duration::from_secs(1), client.get_struct(5)).await;
        assert_eq!(answer.unwrap().value, "5");
        let first = &upstream.probe.calls()[0];
        let second = &downstream.probe.calls()[0];
        let first_budget = first.deadline.expect("the client's deadline") - first.received;
        let second_budget = second.deadline.expect("the inherited deadline") - second.received;
        assert!(first_budget <= Duration::from_secs(1), "{first_budget:?}");
        // The downstream server counts from its own arrival, in whole milliseconds rounded up: never more
        // than what was left of the first call's.
        assert!(
            second_budget <= first_budget,
            "downstream {second_budget:?}, upstream {first_budget:?}"
        );
        assert!(
            second_budget > Duration::from_millis(500),
            "{second_budget:?}"
        );

        // Without a deadline on the first call, the second has none either.
        assert_eq!(client.get_struct(6).await.unwrap().value, "6");
        assert_eq!(upstream.probe.calls()[1].deadline, None);
        assert_eq!(downstream.probe.calls()[1].deadline, None);
    })
    .await;
}

// --- 5. What a handler knows of the call ---

/// Connects over TCP and remembers each connection's local address.
struct RememberingTcp {
    addr: SocketAddr,
    local: Arc<Mutex<Vec<SocketAddr>>>,
}

impl Connector for RememberingTcp {
    type Stream = tokio::net::TcpStream;
    async fn connect(&self) -> io::Result<tokio::net::TcpStream> {
        let stream = tokio::net::TcpStream::connect(self.addr).await?;
        self.local.lock().unwrap().push(stream.local_addr()?);
        Ok(stream)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_see_the_method_seqid_peer_protocol_transport_and_headers() {
    within(10, async {
        let (addr, served) = serve_tcp(Server::builder(), ServiceBuilder::new()).await;
        for (transport, protocol) in [
            (Transport::Header, Protocol::Compact),
            (Transport::Framed, Protocol::Binary),
        ] {
            let local = Arc::new(Mutex::new(Vec::new()));
            let channel = TcpChannel::with_connector(RememberingTcp {
                addr,
                local: Arc::clone(&local),
            })
            .transport(transport)
            .protocol(protocol)
            .connect()
            .await
            .unwrap();
            let seqids = Arc::new(Mutex::new(Vec::new()));
            let recording = ServiceBuilder::new()
                .map_request({
                    let seqids = Arc::clone(&seqids);
                    move |request: CallRequest| {
                        seqids.lock().unwrap().push(request.seqid);
                        request
                    }
                })
                .service(channel.clone());
            let client = CalculatorClient::new(ServiceChannel::like(&channel, recording));

            let sent = headers(&[("tenant", "blue")]);
            let (sum, _) = context::with_headers(sent.clone(), client.add(2, 3)).await;
            assert_eq!(sum.unwrap(), 5);

            let info = served.probe.calls().pop().unwrap();
            let seqid = *seqids.lock().unwrap().last().unwrap();
            let local = *local.lock().unwrap().last().unwrap();
            assert_eq!(info.method, "add");
            assert_eq!(info.bare_method(), "add");
            assert_eq!(info.kind, MessageType::Call);
            assert_eq!(info.seqid, seqid, "{transport:?}");
            assert_eq!(*info.peer, Peer::Tcp(local), "{transport:?}");
            assert_eq!(info.protocol, protocol);
            assert_eq!(info.transport, transport);
            assert!(!info.tls);
            assert_eq!(info.deadline, None);
            assert!(info.received <= Instant::now());
            let expected = if transport == Transport::Header {
                sent
            } else {
                Headers::new()
            };
            assert_eq!(info.headers, expected, "{transport:?}");
        }
    })
    .await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_over_a_unix_socket_come_from_a_unix_peer() {
    within(10, async {
        let path =
            std::env::temp_dir().join(format!("idlc-rpc-layers-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let server = Server::builder().bind_unix(&path).unwrap();
        let served = serve(server, ServiceBuilder::new());

        let channel = TcpChannel::unix(&path)
            .transport(Transport::Header)
            .connect()
            .await
            .unwrap();
        let client = CalculatorClient::new(channel);
        assert_eq!(client.add(20, 22).await.unwrap(), 42);
        let info = served.probe.calls().pop().unwrap();
        assert!(matches!(*info.peer, Peer::Unix(_)), "{:?}", info.peer);
        assert_eq!(info.transport, Transport::Header);
        drop(served);
        let _ = std::fs::remove_file(&path);
    })
    .await;
}

/// Opens in-memory pipes, handing the server's end to the server's listener.
struct Pipes {
    server: mpsc::Sender<(tokio::io::DuplexStream, Peer)>,
}

impl Connector for Pipes {
    type Stream = tokio::io::DuplexStream;
    async fn connect(&self) -> io::Result<tokio::io::DuplexStream> {
        let (client, server) = tokio::io::duplex(64 * 1024);
        self.server
            .send((server, Peer::Other("in-memory pipe".to_owned())))
            .await
            .map_err(|_| io::Error::other("the server is gone"))?;
        Ok(client)
    }

    fn describe(&self) -> String {
        "in-memory pipe".to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_over_in_memory_pipes_come_from_the_peer_the_listener_names() {
    within(10, async {
        let (connections, listener) = mpsc::channel(4);
        let served = serve(Server::builder().listener(listener), ServiceBuilder::new());
        for transport in [Transport::Framed, Transport::Header] {
            let channel = TcpChannel::with_connector(Pipes {
                server: connections.clone(),
            })
            .transport(transport)
            .connect()
            .await
            .unwrap();
            let client = CalculatorClient::new(channel);
            assert_eq!(client.add(40, 2).await.unwrap(), 42);
            client.ping().await.unwrap();
            let info = served.probe.calls().pop().unwrap();
            assert_eq!(*info.peer, Peer::Other("in-memory pipe".to_owned()));
            assert_eq!(info.transport, transport);
        }
    })
    .await;
}

// --- 6. Spans ---

/// The spans opened on the thread it is the default subscriber of, with their fields as recorded.
#[derive(Clone, Default)]
struct SpanLog(Arc<Mutex<SpanLogInner>>);

#[derive(Default)]
struct SpanLogInner {
    spans: Vec<(&'static str, BTreeMap<String, String>)>,
    /// Where each live span's record is (ids are reused once a span closes).
    live: HashMap<tracing::span::Id, usize>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for SpanLog {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let mut log = self.0.lock().unwrap();
        let index = log.spans.len();
        log.spans.push((attrs.metadata().name(), fields));
        log.live.insert(id.clone(), index);
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut log = self.0.lock().unwrap();
        if let Some(&index) = log.live.get(id) {
            values.record(&mut Fields(&mut log.spans[index].1));
        }
    }
}

impl SpanLog {
    fn named(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        let log = self.0.lock().unwrap();
        log.spans
            .iter()
            .filter(|(span, _)| *span == name)
            .map(|(_, fields)| fields.clone())
            .collect()
    }
}

/// A runtime on this thread only, so that what is installed for this thread (a tracing subscriber, a
/// metrics recorder) sees the server's tasks as well as the client's.
fn this_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn calls_leave_client_and_server_spans_with_their_outcome() {
    use tracing_subscriber::layer::SubscriberExt;

    let log = SpanLog::default();
    let _subscriber =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(log.clone()));
    let addr = this_thread_runtime().block_on(within(10, async {
        let builder = Server::builder().call_timeout(Duration::from_millis(100));
        let (addr, _served) = serve_tcp(builder, ServiceBuilder::new()).await;
        let client = connect(addr, Transport::Header).await;
        assert_eq!(client.add(1, 2).await.unwrap(), 3);
        assert_exception(client.add(0, 1000).await, ApplicationExceptionKind::TIMEOUT);
        addr
    }));

    let clients = log.named("rpc.client");
    let servers = log.named("rpc.server");
    assert_eq!(clients.len(), 2, "{clients:#?}");
    assert_eq!(servers.len(), 2, "{servers:#?}");
    for (outcome, at_least_us) in [("ok", 0), ("TIMEOUT", 100_000)] {
        let client = clients
            .iter()
            .find(|span| span.get("outcome").map(String::as_str) == Some(outcome))
            .unwrap_or_else(|| panic!("no client span with outcome {outcome}: {clients:#?}"));
        let seqid = &client["seqid"];
        let server = servers
            .iter()
            .find(|span| span.get("seqid") == Some(seqid))
            .unwrap_or_else(|| panic!("no server span for seqid {seqid}: {servers:#?}"));
        for span in [client, server] {
            assert_eq!(span["method"], "add", "{span:?}");
            assert_eq!(span["protocol"], "compact", "{span:?}");
            assert_eq!(span["outcome"], outcome, "{span:?}");
            let duration: u64 = span["duration_us"].parse().unwrap();
            assert!(duration >= at_least_us, "{span:?}");
        }
        assert_eq!(client["peer"], addr.to_string(), "{client:?}");
        assert_eq!(server["transport"], "header", "{server:?}");
        assert!(server["peer"].starts_with("127.0.0.1:"), "{server:?}");
    }
}

// --- 7. Metrics ---

#[test]
fn calls_are_counted_timed_and_their_failures_labelled() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _recorder = metrics::set_default_local_recorder(&recorder);
    const OK: usize = 3;
    const FAILED: usize = 2;
    this_thread_runtime().block_on(within(10, async {
        let builder = Server::builder()
            .call_timeout(Duration::from_millis(100))
            .metrics(true);
        let (addr, _served) = serve_tcp(builder, ServiceBuilder::new()).await;
        let channel = TcpChannel::builder(addr)
            .transport(Transport::Header)
            .protocol(Protocol::Compact)
            .metrics(true)
            .connect()
            .await
            .unwrap();
        let client = CalculatorClient::new(channel);
        for i in 0..OK as i32 {
            assert_eq!(client.add(i, 0).await.unwrap(), i);
        }
        for _ in 0..FAILED {
            assert_exception(client.add(0, 1000).await, ApplicationExceptionKind::TIMEOUT);
        }
        client.ping().await.unwrap();
    }));

    let metrics: Vec<(String, BTreeMap<String, String>, DebugValue)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let labels = key
                .labels()
                .map(|label| (label.key().to_owned(), label.value().to_owned()))
                .collect();
            (key.name().to_owned(), labels, value)
        })
        .collect();
    let find = |name: &str, labels: &[(&str, &str)]| {
        let labels: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        metrics
            .iter()
            .find(|(n, l, _)| n == name && *l == labels)
            .map(|(_, _, value)| value)
            .unwrap_or_else(|| panic!("no {name} {labels:?} in {metrics:#?}"))
    };
    for side in ["client", "server"] {
        let requests = format!("idlc_{side}_requests_total");
        let errors = format!("idlc_{side}_errors_total");
        let duration = format!("idlc_{side}_duration_seconds");
        assert_eq!(
            find(&requests, &[("method", "add")]),
            &DebugValue::Counter((OK + FAILED) as u64)
        );
        assert_eq!(
            find(&errors, &[("method", "add"), ("error", "TIMEOUT")]),
            &DebugValue::Counter(FAILED as u64)
        );
        match find(&duration, &[("method", "add")]) {
            DebugValue::Histogram(samples) => {
                assert_eq!(samples.len(), OK + FAILED, "{side}");
                let slow = samples.iter().filter(|s| s.0 >= 0.1).count();
                assert_eq!(slow, FAILED, "{side}: {samples:?}");
            }
            other => panic!("{duration} is {other:?}"),
        }
        assert_eq!(
            find(&requests, &[("method", "ping")]),
            &DebugValue::Counter(1)
        );
        // No other failure was counted.
        let failures: Vec<_> = metrics
            .iter()
            .filter(|(name, _, _)| *name == errors)
            .collect();
        assert_eq!(failures.len(), 1, "{failures:#?}");
    }
}

#[test]
fn metrics_are_recorded_only_when_asked_for() {
    use metrics_util::debugging::DebuggingRecorder;

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _recorder = metrics::set_default_local_recorder(&recorder);
    this_thread_runtime().block_on(within(10, async {
        let (addr, _served) = serve_tcp(Server::builder(), ServiceBuilder::new()).await;
        let client = connect(addr, Transport::Header).await;
        assert_eq!(client.add(1, 0).await.unwrap(), 1);
        client.ping().await.unwrap();
    }));
    let recorded = snapshotter.snapshot().into_vec();
    assert!(recorded.is_empty(), "{recorded:#?}");
}
