//! `RetryPolicy` in tower's retry layer over a real TCP channel on loopback: a call cut off by a server
//! restart, or made while the server is down, goes through once it is back; a call that may have run is
//! resent only for an idempotent method; retries stop at the limit and at the caller's deadline; a oneway
//! call is never resent.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use idlc_runtime::context;
use idlc_runtime::net::Connector;
use idlc_runtime::rpc::{CallRequest, CallResponse, RetryPolicy, ServiceChannel};
use idlc_runtime::{CallError, NoException, Server, ServiceError, TcpChannel, TransportError};
use idlc_tests::generated::calculator::{
    Calculator, CalculatorCalculateException, CalculatorClient, CalculatorProcessor, Work,
};
use idlc_tests::generated::shared::{SharedService, SharedStruct};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tower::retry::Retry;
use tower::{Service, ServiceBuilder};

/// The argument that makes `getStruct` (on a server started with `hang`) and `add` wait for ever.
const HANG: i32 = -1;

/// How often each method's handler ran, across every server of a test.
#[derive(Debug, Default)]
struct Runs {
    get_struct: AtomicUsize,
    add: AtomicUsize,
    zip: AtomicUsize,
}

struct Handler {
    runs: Arc<Runs>,
    /// Whether `getStruct(HANG)` waits for ever.
    hang: bool,
}

impl SharedService for Handler {
    async fn get_struct(&self, key: i32) -> Result<SharedStruct, ServiceError<NoException>> {
        self.runs.get_struct.fetch_add(1, Ordering::SeqCst);
        if self.hang && key == HANG {
            std::future::pending::<()>().await;
        }
        Ok(SharedStruct {
            key,
            value: format!("value {key}"),
        })
    }
}

impl Calculator for Handler {
    async fn ping(&self) -> Result<(), ServiceError<NoException>> {
        Ok(())
    }

    async fn add(&self, num1: i32, num2: i32) -> Result<i32, ServiceError<NoException>> {
        self.runs.add.fetch_add(1, Ordering::SeqCst);
        if num1 == HANG {
            std::future::pending::<()>().await;
        }
        Ok(num1.wrapping_add(num2))
    }

    async fn calculate(
        &self,
        _logid: i32,
        w: Work,
    ) -> Result<i32, ServiceError<CalculatorCalculateException>> {
        Ok(w.first)
    }

    async fn zip(&self) -> Result<(), ServiceError<NoException>> {
        self.runs.zip.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// A server that closes every connection at once when stopped, calls in flight included.
struct Running {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Starts a server on `addr` (port 0 for a free one). A port just given up may take a moment to bind.
    async fn start(addr: SocketAddr, runs: &Arc<Runs>, hang: bool) -> Running {
        let mut tries = 0;
        let server = loop {
            match Server::builder()
                .shutdown_grace(Duration::ZERO)
                .bind(addr)
                .await
            {
                Ok(server) => break server,
                Err(error) if error.kind() == io::ErrorKind::AddrInUse && tries < 100 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(error) => panic!("cannot bind {addr}: {error}"),
            }
        };
        let addr = server.local_addr().unwrap();
        let handler = Handler {
            runs: Arc::clone(runs),
            hang,
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .serve_with_shutdown(CalculatorProcessor::new(handler), async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Running { addr, stop, task }
    }

    /// Stops the server and waits until its listener and connections are closed.
    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap();
    }
}

/// The channel, counting the attempts the retry layer above it makes.
#[derive(Clone)]
struct Counting {
    channel: TcpChannel,
    attempts: Arc<AtomicUsize>,
}

impl Service<CallRequest> for Counting {
    type Response = CallResponse;
    type Error = TransportError;
    type Future = <TcpChannel as Service<CallRequest>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.channel.poll_ready(cx)
    }

    fn call(&mut self, request: CallRequest) -> Self::Future {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        self.channel.call(request)
    }
}

type RetryingClient = CalculatorClient<ServiceChannel<Retry<RetryPolicy, Counting>>>;

/// A client calling through `channel` with `policy`, and the count of attempts it makes.
fn retrying(channel: &TcpChannel, policy: RetryPolicy) -> (RetryingClient, Arc<AtomicUsize>) {
    let attempts = Arc::new(AtomicUsize::new(0));
    let layered = ServiceBuilder::new().retry(policy).service(Counting {
        channel: channel.clone(),
        attempts: Arc::clone(&attempts),
    });
    (
        CalculatorClient::new(ServiceChannel::like(channel, layered)),
        attempts,
    )
}

/// Makes sure `channel` knows its server is gone: a call fails on the dead connection or on connecting, and
/// either way the next call opens a new connection, which is refused.
async fn notice_server_gone(channel: &TcpChannel) {
    let result = CalculatorClient::new(channel.clone()).ping().await;
    assert!(
        matches!(result, Err(CallError::Transport(_))),
        "the server is gone: {result:?}"
    );
}

/// Waits until `done` holds.
async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let waited = tokio::time::timeout(Duration::from_secs(10), async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    });
    waited
        .await
        .unwrap_or_else(|_| panic!("waited in vain: {what}"));
}

/// Runs a test's body, failing it if it hangs.
async fn bounded(test: impl Future<Output = ()>) {
    tokio::time::timeout(Duration::from_secs(60), test)
        .await
        .expect("the test hung");
}

const QUICK: Duration = Duration::from_millis(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_call_cut_off_by_a_server_restart_is_resent_and_succeeds() {
    bounded(async {
        let runs = Arc::new(Runs::default());
        let first = Running::start("127.0.0.1:0".parse().unwrap(), &runs, true).await;
        let addr = first.addr;
        let channel = TcpChannel::connect(addr).await.unwrap();
        let policy = RetryPolicy::new(50)
            .idempotent(["getStruct"])
            .backoff(QUICK, Duration::from_millis(50));
        let (client, attempts) = retrying(&channel, policy);
        assert_eq!(client.get_struct(1).await.unwrap().key, 1);
        assert_eq!(attempts.load(Ordering::SeqCst), 1);

        let call = tokio::spawn({
            let client = client.clone();
            async move { client.get_struct(HANG).await }
        });
        wait_until("the call reaches the handler", || {
            runs.get_struct.load(Ordering::SeqCst) == 2
        })
        .await;
        // The call in flight is cut off with its connection; the resend finds nobody, then the new server.
        first.stop().await;
        let second = Running::start(addr, &runs, false).await;
        let result = tokio::time::timeout(Duration::from_secs(10), call)
            .await
            .expect("the call must finish")
            .unwrap();
        assert_eq!(result.unwrap().key, HANG);
        assert!(attempts.load(Ordering::SeqCst) >= 3, "{attempts:?}");
        assert_eq!(
            runs.get_struct.load(Ordering::SeqCst),
            3,
            "once on the old server, cut off, and once on the new"
        );
        second.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_made_while_the_server_is_down_goes_through_once_it_is_back() {
    bounded(async {
        let runs = Arc::new(Runs::default());
        let first = Running::start("127.0.0.1:0".parse().unwrap(), &runs, false).await;
        let addr = first.addr;
        let channel = TcpChannel::connect(addr).await.unwrap();
        // `add` is not idempotent, and needs not be: a refused connection never reached a server.
        let policy = RetryPolicy::new(100).backoff(QUICK, Duration::from_millis(20));
        let (client, attempts) = retrying(&channel, policy);
        assert_eq!(client.add(1, 2).await.unwrap(), 3);
        first.stop().await;
        notice_server_gone(&channel).await;

        let call = tokio::spawn({
            let client = client.clone();
            async move { client.add(2, 3).await }
        });
        wait_until("a refused attempt and a retry", || {
            attempts.load(Ordering::SeqCst) >= 3
        })
        .await;
        let second = Running::start(addr, &runs, false).await;
        let result = tokio::time::timeout(Duration::from_secs(10), call)
            .await
            .expect("the call must finish")
            .unwrap();
        assert_eq!(result.unwrap(), 5);
        assert_eq!(
            runs.add.load(Ordering::SeqCst),
            2,
            "the resent call ran once"
        );
        second.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_may_have_run_is_not_resent_unless_idempotent() {
    bounded(async {
        let runs = Arc::new(Runs::default());
        let server = Running::start("127.0.0.1:0".parse().unwrap(), &runs, true).await;
        let channel = TcpChannel::connect(server.addr).await.unwrap();
        let policy = RetryPolicy::new(5)
            .idempotent(["getStruct"])
            .backoff(QUICK, QUICK);
        let (client, attempts) = retrying(&channel, policy);
        let call = tokio::spawn({
            let client = client.clone();
            async move { client.add(HANG, 0).await }
        });
        wait_until("the call reaches the handler", || {
            runs.add.load(Ordering::SeqCst) == 1
        })
        .await;
        server.stop().await;
        let result = tokio::time::timeout(Duration::from_secs(10), call)
            .await
            .expect("the call must fail, not hang")
            .unwrap();
        match result {
            Err(CallError::Transport(error)) => {
                assert!(error.is_connection_lost(), "{error:?}")
            }
            other => panic!("expected the lost connection, got {other:?}"),
        }
        assert_eq!(attempts.load(Ordering::SeqCst), 1, "not resent");
        assert_eq!(runs.add.load(Ordering::SeqCst), 1);
    })
    .await;
}

/// Connects to `addr`, counting the connections it tries to open.
struct CountingConnector {
    addr: SocketAddr,
    connects: Arc<AtomicUsize>,
}

impl Connector for CountingConnector {
    type Stream = TcpStream;

    fn connect(&self) -> impl Future<Output = io::Result<TcpStream>> + Send {
        self.connects.fetch_add(1, Ordering::SeqCst);
        TcpStream::connect(self.addr)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_nobody_listens_for_is_retried_up_to_the_limit_then_fails_to_connect() {
    bounded(async {
        let runs = Arc::new(Runs::default());
        let server = Running::start("127.0.0.1:0".parse().unwrap(), &runs, false).await;
        let connects = Arc::new(AtomicUsize::new(0));
        let channel = TcpChannel::with_connector(CountingConnector {
            addr: server.addr,
            connects: Arc::clone(&connects),
        })
        .connect()
        .await
        .unwrap();
        server.stop().await;
        notice_server_gone(&channel).await;

        const MAX_RETRIES: usize = 3;
        let (client, attempts) = retrying(
            &channel,
            RetryPolicy::new(MAX_RETRIES).backoff(QUICK, QUICK),
        );
        let before = connects.load(Ordering::SeqCst);
        match client.get_struct(1).await {
            Err(CallError::Transport(TransportError::Connect { .. })) => {}
            other => panic!("expected a refused connection, got {other:?}"),
        }
        assert_eq!(attempts.load(Ordering::SeqCst), 1 + MAX_RETRIES);
        assert_eq!(
            connects.load(Ordering::SeqCst) - before,
            1 + MAX_RETRIES,
            "each attempt tries a connection of its own"
        );
        assert_eq!(runs.get_struct.load(Ordering::SeqCst), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_stop_before_the_callers_deadline() {
    bounded(async {
        let runs = Arc::new(Runs::default());
        let server = Running::start("127.0.0.1:0".parse().unwrap(), &runs, false).await;
        let channel = TcpChannel::connect(server.addr).await.unwrap();
        server.stop().await;
        notice_server_gone(&channel).await;

        // The first wait (at least half of 200 ms) would end past the deadline: the policy gives up at once
        // and the caller gets the refusal, not a timeout after a sleep.
        let wait = Duration::from_millis(200);
        let (client, attempts) = retrying(&channel, RetryPolicy::new(1000).backoff(wait, wait));
        let timeout = Duration::from_millis(90);
        let started = Instant::now();
        match context::with_timeout(timeout, client.get_struct(1)).await {
            Err(CallError::Transport(TransportError::Connect { .. })) => {}
            other => panic!("expected a refused connection, got {other:?}"),
        }
        assert!(started.elapsed() < timeout, "{:?}", started.elapsed());
        assert_eq!(attempts.load(Ordering::SeqCst), 1);

        // Shorter waits fit: the call is retried until the next wait would reach the deadline (or the
        // deadline passes during the last attempt), not a thousand times.
        let wait = Duration::from_millis(50);
        let (client, attempts) = retrying(&channel, RetryPolicy::new(1000).backoff(wait, wait));
        let timeout = Duration::from_millis(300);
        let started = Instant::now();
        match context::with_timeout(timeout, client.get_struct(1)).await {
            Err(CallError::Transport(TransportError::Connect { .. } | TransportError::Timeout)) => {
            }
            other => panic!("expected a refused connection or a timeout, got {other:?}"),
        }
        // Timers fire on whole milliseconds: a little past the deadline, never a whole wait past it.
        let elapsed = started.elapsed();
        assert!(elapsed < timeout + wait / 4, "{elapsed:?}");
        let attempts = attempts.load(Ordering::SeqCst);
        assert!((2..=13).contains(&attempts), "{attempts} attempts");
        assert_eq!(runs.get_struct.load(Ordering::SeqCst), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_oneway_call_is_never_resent() {
    bounded(async {
        let runs = Arc::new(Runs::default());
        let server = Running::start("127.0.0.1:0".parse().unwrap(), &runs, false).await;
        let channel = TcpChannel::connect(server.addr).await.unwrap();
        let policy = RetryPolicy::new(5)
            .idempotent(["zip"])
            .backoff(QUICK, QUICK);
        let (client, attempts) = retrying(&channel, policy);
        client.zip().await.unwrap();
        wait_until("the oneway call reaches the handler", || {
            runs.zip.load(Ordering::SeqCst) == 1
        })
        .await;
        assert_eq!(attempts.load(Ordering::SeqCst), 1);

        server.stop().await;
        notice_server_gone(&channel).await;
        // Even a call that certainly never reached a server is not resent when it is oneway.
        match client.zip().await {
            Err(CallError::Transport(error)) => assert!(error.is_unsent(), "{error:?}"),
            other => panic!("expected a refused connection, got {other:?}"),
        }
        assert_eq!(attempts.load(Ordering::SeqCst), 2, "one attempt each");
        assert_eq!(runs.zip.load(Ordering::SeqCst), 1);
    })
    .await;
}
