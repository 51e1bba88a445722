//! idlc's TCP client and server against Apache Thrift's Python library, live over loopback sockets.
//!
//! The Python side is PyPI `thrift` with code from Debian's `thrift --gen py` for
//! `idl-examples/tutorial/calculator.thrift`, driven by `tests/interop/rpc_tcp_calculator.py`: an Apache
//! `TThreadedServer` (with `TFramedTransportFactory`, `TBufferedTransportFactory` or `THeaderProtocolFactory`)
//! that our client calls, and Apache's generated clients calling our server. Every dialect both ways, each a
//! named test: framed + binary/compact/JSON, unframed + binary/compact/JSON, THeader + binary, THeader +
//! compact and THeader + compact + zlib. Each runs normal calls (`ping`, `add`, `calculate`, the inherited
//! `getStruct`), the declared `InvalidOperation`, an undeclared failure (`TApplicationException`), the oneway
//! `zip` (seen arriving on the far side), a 256 KiB request and a 256 KiB reply; our client also keeps 32 calls
//! in flight, and Apache's client also calls a method the IDL lacks. Over THeader the caller sends an info
//! header with every call and the handler echoes it in a reply header, with the protocol and transforms it
//! saw. Then: two services on one port through Apache's `TMultiplexedProtocol` / `TMultiplexedProcessor`,
//! both ways; Apache's THeader server taking all our dialects on one port; Apache's client and server writing
//! old non-strict binary, framed and unframed; info headers that are not UTF-8; and a service defined with `#[derive(RpcService)]`
//! serving Apache's client.
//!
//! Python judges what it receives and prints one verdict per named check; the Rust side asserts those verdicts
//! and checks what Python's server answers. Neither side checks itself.

use std::fmt;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use idlc_runtime::context::{self, request_header, request_headers, set_reply_header};
use idlc_runtime::{
    ApplicationExceptionKind, CallError, Headers, MultiplexedProcessor, Processor, Protocol,
    Server, TcpChannel, Transform, Transport,
};
use idlc_tests::generated::calculator::{
    CalculatorCalculateException, CalculatorClient, CalculatorProcessor, InvalidOperation,
    Operation, Work,
};
use idlc_tests::generated::shared::{SharedServiceClient, SharedServiceProcessor, SharedStruct};

/// How long any single step may take before the test gives up, so a broken peer fails the test instead of
/// hanging it. Generous: the machine may be busy; a passing run never waits this long.
const PATIENCE: Duration = Duration::from_secs(30);

/// One transport + protocol (+ transform) combination, named as the Python script knows it.
#[derive(Clone, Copy, Debug)]
struct Dialect {
    name: &'static str,
    transport: Transport,
    protocol: Protocol,
    zlib: bool,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

const fn dialect(
    name: &'static str,
    transport: Transport,
    protocol: Protocol,
    zlib: bool,
) -> Dialect {
    Dialect {
        name,
        transport,
        protocol,
        zlib,
    }
}

const FRAMED_BINARY: Dialect = dialect("framed-binary", Transport::Framed, Protocol::Binary, false);
const FRAMED_COMPACT: Dialect = dialect(
    "framed-compact",
    Transport::Framed,
    Protocol::Compact,
    false,
);
const FRAMED_JSON: Dialect = dialect("framed-json", Transport::Framed, Protocol::Json, false);
const UNFRAMED_BINARY: Dialect = dialect(
    "unframed-binary",
    Transport::Unframed,
    Protocol::Binary,
    false,
);
const UNFRAMED_COMPACT: Dialect = dialect(
    "unframed-compact",
    Transport::Unframed,
    Protocol::Compact,
    false,
);
const UNFRAMED_JSON: Dialect = dialect("unframed-json", Transport::Unframed, Protocol::Json, false);
const HEADER_BINARY: Dialect = dialect("header-binary", Transport::Header, Protocol::Binary, false);
const HEADER_COMPACT: Dialect = dialect(
    "header-compact",
    Transport::Header,
    Protocol::Compact,
    false,
);
const HEADER_COMPACT_ZLIB: Dialect = dialect(
    "header-compact-zlib",
    Transport::Header,
    Protocol::Compact,
    true,
);

impl Dialect {
    fn carries_headers(self) -> bool {
        self.transport == Transport::Header
    }

    async fn connect(self, addr: SocketAddr) -> TcpChannel {
        let mut builder = TcpChannel::builder(addr)
            .transport(self.transport)
            .protocol(self.protocol)
            .call_timeout(PATIENCE);
        if self.zlib {
            builder = builder.transform(Transform::Zlib);
        }
        builder
            .connect()
            .await
            .unwrap_or_else(|e| panic!("{self}: connect to {addr}: {e}"))
    }
}

fn script() -> PathBuf {
    idlc_tests::repo_root().join("tests/interop/rpc_tcp_calculator.py")
}

/// Python code from `thrift -r --gen py` for the calculator (and the shared service it includes), generated
/// once per test binary.
fn python_code() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rpc-interop/gen-py");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the output directory");
        idlc_tests::thrift_gen_py(
            &dir,
            &idlc_tests::examples_dir().join("tutorial/calculator.thrift"),
        );
        dir
    })
}

// ---------------------------------------------------------------------------------------------------------
// Apache's Python server, as a child process.

/// A running `rpc_tcp_calculator.py serve`; dropping it kills the process, whatever happened in the test.
struct PythonServer {
    dialect: Dialect,
    child: Child,
    /// What the server prints on stdout, line by line: its port, then one line per oneway call.
    lines: mpsc::Receiver<String>,
    stderr: Arc<Mutex<String>>,
    port: u16,
}

impl PythonServer {
    /// Starts `rpc_tcp_calculator.py serve` with the script's `options` (`multiplexed`, `plain-replies`,
    /// `raw-header`, `every-client`).
    fn start(dialect: Dialect, options: &[&str]) -> PythonServer {
        let mut command = Command::new(idlc_tests::python());
        command
            .arg(script())
            .arg("serve")
            .arg(python_code())
            .arg(dialect.name)
            .args(options)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("start the Python server");
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let errors = Arc::new(Mutex::new(String::new()));
        std::thread::spawn({
            let errors = Arc::clone(&errors);
            move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    let mut errors = errors.lock().unwrap();
                    errors.push_str(&line);
                    errors.push('\n');
                }
            }
        });
        // The guard exists before the first wait, so the process dies even if the server never says its port.
        let mut server = PythonServer {
            dialect,
            child,
            lines,
            stderr: errors,
            port: 0,
        };
        let first = server.next_line();
        server.port = first
            .strip_prefix("port ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("{dialect}: the Python server said {first:?}, not its port"));
        server
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The next line the server prints (blocking this worker thread; the tests run on a multi-threaded runtime).
    fn next_line(&self) -> String {
        let received = tokio::task::block_in_place(|| self.lines.recv_timeout(PATIENCE));
        match received {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!(
                "{}: the Python server printed nothing for {PATIENCE:?}; its stderr:\n{}",
                self.dialect,
                self.stderr()
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "{}: the Python server exited; its stderr:\n{}",
                self.dialect,
                self.stderr()
            ),
        }
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "{}: the Python server's stderr:\n{}",
                self.dialect,
                self.stderr()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Our client → Apache's Python server.

/// Runs `call` inside a THeader scope that sends the header `call: <method>`, and checks the reply headers:
/// over THeader, Python's handler echoes ours and says which protocol and transforms it received; other
/// transports carry no headers at all.
async fn with_call_header<F>(dialect: Dialect, method: &str, call: F) -> F::Output
where
    F: Future<Output: fmt::Debug>,
{
    let sent = Headers::from([("call".to_owned(), method.to_owned())]);
    let (output, mut reply) = context::with_headers(sent, call).await;
    if dialect.carries_headers() {
        // The channel's call timeout travels as fbthrift's `client_timeout` header: the milliseconds left.
        let timeout = reply.remove("echo-client_timeout");
        let ms: u64 = timeout
            .as_deref()
            .and_then(|ms| ms.parse().ok())
            .unwrap_or_else(|| panic!("{dialect}: {method}: client_timeout sent: {timeout:?}"));
        assert!(
            (1..=PATIENCE.as_millis() as u64).contains(&ms),
            "{dialect}: {method}: client_timeout {ms} ms"
        );
    }
    let expected = if dialect.carries_headers() {
        let protocol = match dialect.protocol {
            Protocol::Binary => "binary",
            Protocol::Compact => "compact",
            Protocol::Json => "json",
        };
        let transforms = if dialect.zlib { "zlib" } else { "" };
        Headers::from([
            ("echo-call".to_owned(), method.to_owned()),
            ("seen-protocol".to_owned(), protocol.to_owned()),
            ("seen-transforms".to_owned(), transforms.to_owned()),
        ])
    } else {
        Headers::new()
    };
    assert_eq!(
        reply, expected,
        "{dialect}: {method}: reply headers (the call returned {output:?})"
    );
    output
}

/// Every call our client makes to a Python server, speaking `dialect`, each assertion naming its check.
async fn exercise_python_server(
    server: &PythonServer,
    dialect: Dialect,
    calculator: &CalculatorClient<TcpChannel>,
    shared: Option<&SharedServiceClient<TcpChannel>>,
) {
    with_call_header(dialect, "ping", calculator.ping())
        .await
        .unwrap_or_else(|e| panic!("{dialect}: ping: {e}"));

    let sum = with_call_header(dialect, "add", calculator.add(40, 2)).await;
    assert_eq!(sum.ok(), Some(42), "{dialect}: add");

    let divide = |first, second| Work {
        first,
        second,
        op: Operation::DIVIDE,
        // Long, so that the request spans many socket reads.
        comment: Some("x".repeat(256 * 1024)),
    };
    let quotient =
        with_call_header(dialect, "calculate", calculator.calculate(1, divide(84, 2))).await;
    assert_eq!(quotient.ok(), Some(42), "{dialect}: calculate");

    match with_call_header(dialect, "calculate", calculator.calculate(2, divide(1, 0))).await {
        Err(CallError::Declared(CalculatorCalculateException::Ouch(ouch))) => assert_eq!(
            ouch,
            InvalidOperation {
                what_op: Operation::DIVIDE.0,
                why: "Cannot divide by 0".into()
            },
            "{dialect}: calculate throws InvalidOperation"
        ),
        other => panic!("{dialect}: calculate throws InvalidOperation: got {other:?}"),
    }

    let unknown = Work {
        op: Operation(99),
        ..divide(1, 1)
    };
    match with_call_header(dialect, "calculate", calculator.calculate(3, unknown)).await {
        Err(CallError::Application(e)) => assert_eq!(
            (e.kind, e.message.as_str()),
            (ApplicationExceptionKind::UNKNOWN, "no such operation 99"),
            "{dialect}: calculate fails with TApplicationException"
        ),
        other => panic!("{dialect}: calculate fails with TApplicationException: got {other:?}"),
    }

    // Many calls in flight on the one connection; the Python server answers them in turn.
    let adds: Vec<_> = (0..32)
        .map(|i| {
            let calculator = calculator.clone();
            tokio::spawn(async move { calculator.add(i, 1000).await })
        })
        .collect();
    for (i, add) in (0..).zip(adds) {
        assert_eq!(
            add.await.unwrap().ok(),
            Some(i + 1000),
            "{dialect}: pipelined adds"
        );
    }

    let sent = Headers::from([("call".to_owned(), "zip".to_owned())]);
    let (zipped, reply) = context::with_headers(sent, calculator.zip()).await;
    zipped.unwrap_or_else(|e| panic!("{dialect}: zip: {e}"));
    assert!(
        reply.is_empty(),
        "{dialect}: zip: a oneway call has no reply"
    );
    let wanted = if dialect.carries_headers() {
        "zip call=zip"
    } else {
        "zip call=-"
    };
    assert_eq!(
        server.next_line(),
        wanted,
        "{dialect}: zip: what the Python server received"
    );

    let inherited = with_call_header(dialect, "getStruct", calculator.get_struct(7)).await;
    assert_eq!(
        inherited.ok(),
        Some(SharedStruct {
            key: 7,
            value: "Calculator 7".into()
        }),
        "{dialect}: getStruct"
    );

    // A long reply spans many socket reads.
    let long_key = -256 * 1024;
    let long = with_call_header(dialect, "getStruct", calculator.get_struct(long_key)).await;
    let long = long.unwrap_or_else(|e| panic!("{dialect}: getStruct with a long reply: {e}"));
    let expected = format!("Calculator {}", ".".repeat(256 * 1024));
    assert!(
        long.key == long_key && long.value == expected,
        "{dialect}: getStruct with a long reply: key {}, a value of {} bytes starting {:?}",
        long.key,
        long.value.len(),
        &long.value[..long.value.len().min(20)]
    );

    if let Some(shared) = shared {
        let other = with_call_header(dialect, "getStruct", shared.get_struct(9)).await;
        assert_eq!(
            other.ok(),
            Some(SharedStruct {
                key: 9,
                value: "SharedService 9".into()
            }),
            "{dialect}: SharedService getStruct"
        );
    }
}

async fn rust_client_to_python_server(dialect: Dialect) {
    let server = PythonServer::start(dialect, &[]);
    let calculator = CalculatorClient::new(dialect.connect(server.addr()).await);
    exercise_python_server(&server, dialect, &calculator, None).await;
}

/// An old peer: Apache's binary protocol with `strictRead` and `strictWrite` off, whose replies carry no version
/// word (the name's length comes first). Our client must still match them to their calls.
async fn rust_client_to_old_binary_python_server(dialect: Dialect) {
    let server = PythonServer::start(dialect, &["old-binary"]);
    let calculator = CalculatorClient::new(dialect.connect(server.addr()).await);
    exercise_python_server(&server, dialect, &calculator, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_server_framed_binary_in_the_old_non_strict_form() {
    rust_client_to_old_binary_python_server(FRAMED_BINARY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_server_unframed_binary_in_the_old_non_strict_form() {
    rust_client_to_old_binary_python_server(UNFRAMED_BINARY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_server_framed_binary() {
    rust_client_to_python_server(FRAMED_BINARY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_server_framed_compact() {
    rust_client_to_python_server(FRAMED_COMPACT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_server_framed_json() {
    rust_client_to_python_server(FRAMED_JSON).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_server_unframed_binary() {
    rust_client_to_python_server(UNFRAMED_BINARY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_server_unframed_compact() {
    rust_client_to_python_server(UNFRAMED_COMPACT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_server_unframed_json() {
    rust_client_to_python_server(UNFRAMED_JSON).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_server_header_binary() {
    rust_client_to_python_server(HEADER_BINARY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_server_header_compact() {
    rust_client_to_python_server(HEADER_COMPACT).await;
}

/// Against a server that answers compressed requests with compressed replies, then against one that answers
/// them uncompressed, as Apache's Python server does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_server_header_compact_zlib() {
    rust_client_to_python_server(HEADER_COMPACT_ZLIB).await;
    let server = PythonServer::start(HEADER_COMPACT_ZLIB, &["plain-replies"]);
    let calculator = CalculatorClient::new(HEADER_COMPACT_ZLIB.connect(server.addr()).await);
    exercise_python_server(&server, HEADER_COMPACT_ZLIB, &calculator, None).await;
}

/// A reply header that is not UTF-8 (`raw: ff fe`, which the Python server adds to every reply) is left out of
/// the reply headers; the call succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_server_header_compact_with_a_non_utf8_reply_header() {
    let server = PythonServer::start(HEADER_COMPACT, &["raw-header"]);
    let calculator = CalculatorClient::new(HEADER_COMPACT.connect(server.addr()).await);
    exercise_python_server(&server, HEADER_COMPACT, &calculator, None).await;
}

/// Two services on one Python port, both reached over one connection of ours, told apart by
/// `"Service:method"` names; over THeader too, headers and all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_server_multiplexed() {
    for dialect in [FRAMED_BINARY, HEADER_COMPACT] {
        let server = PythonServer::start(dialect, &["multiplexed"]);
        let channel = dialect.connect(server.addr()).await;
        let calculator = CalculatorClient::new(channel.multiplexed("Calculator"));
        let shared = SharedServiceClient::new(channel.multiplexed("SharedService"));
        exercise_python_server(&server, dialect, &calculator, Some(&shared)).await;
    }
}

/// Apache's THeader server, told to allow every client type, takes each of our dialects on one port and
/// answers each in kind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_to_python_header_server_allowing_every_client_type() {
    let server = PythonServer::start(HEADER_BINARY, &["every-client"]);
    for dialect in [
        FRAMED_BINARY,
        FRAMED_COMPACT,
        UNFRAMED_BINARY,
        UNFRAMED_COMPACT,
        HEADER_BINARY,
        HEADER_COMPACT_ZLIB,
    ] {
        let calculator = CalculatorClient::new(dialect.connect(server.addr()).await);
        exercise_python_server(&server, dialect, &calculator, None).await;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Apache's Python client → our server.

/// The `call` header of each oneway `zip` a handler received (`None`: the request had none).
type Zips = Arc<Mutex<Vec<Option<String>>>>;

/// Answers as the Python handler does (see the script's docs), for the code build.rs generated and for the
/// derived service alike.
struct Handler {
    service: &'static str,
    zips: Zips,
}

impl Handler {
    fn new(service: &'static str, zips: &Zips) -> Handler {
        Handler {
            service,
            zips: Arc::clone(zips),
        }
    }

    /// Answers each request header `k: v` with the reply header `echo-k: v`.
    fn echo_headers() {
        for (name, value) in request_headers() {
            set_reply_header(format!("echo-{name}"), value);
        }
    }
}

/// Implements the `SharedService` and `Calculator` handler traits of the calculator code in scope (the types
/// differ between the generated and the derived code; the behaviour must not).
macro_rules! calculator_handler {
    () => {
        impl SharedService for Handler {
            async fn get_struct(
                &self,
                key: i32,
            ) -> Result<SharedStruct, ServiceError<NoException>> {
                Handler::echo_headers();
                let value = match usize::try_from(key.unsigned_abs()) {
                    Ok(dots) if key < 0 => format!("{} {}", self.service, ".".repeat(dots)),
                    _ => format!("{} {key}", self.service),
                };
                Ok(SharedStruct { key, value })
            }
        }

        impl Calculator for Handler {
            async fn ping(&self) -> Result<(), ServiceError<NoException>> {
                Handler::echo_headers();
                Ok(())
            }

            async fn add(&self, num1: i32, num2: i32) -> Result<i32, ServiceError<NoException>> {
                Handler::echo_headers();
                Ok(num1.wrapping_add(num2))
            }

            async fn calculate(
                &self,
                _logid: i32,
                w: Work,
            ) -> Result<i32, ServiceError<CalculatorCalculateException>> {
                Handler::echo_headers();
                match w.op {
                    Operation::ADD => Ok(w.first.wrapping_add(w.second)),
                    Operation::SUBTRACT => Ok(w.first.wrapping_sub(w.second)),
                    Operation::MULTIPLY => Ok(w.first.wrapping_mul(w.second)),
                    Operation::DIVIDE if w.second == 0 => Err(InvalidOperation {
                        what_op: w.op.0,
                        why: "Cannot divide by 0".into(),
                    }
                    .into()),
                    Operation::DIVIDE => Ok(w.first.wrapping_div(w.second)),
                    other => Err(ServiceError::Application(ApplicationException::new(
                        ApplicationExceptionKind::UNKNOWN,
                        format!("no such operation {}", other.0),
                    ))),
                }
            }

            async fn zip(&self) -> Result<(), ServiceError<NoException>> {
                self.zips.lock().unwrap().push(request_header("call"));
                Ok(())
            }
        }
    };
}

mod generated_handler {
    use idlc_runtime::{ApplicationException, ApplicationExceptionKind, NoException, ServiceError};
    use idlc_tests::generated::calculator::{
        Calculator, CalculatorCalculateException, InvalidOperation, Operation, Work,
    };
    use idlc_tests::generated::shared::{SharedService, SharedStruct};

    use super::{Handler, request_header};

    calculator_handler!();
}

/// Starts our server with `processor` on a free loopback port; it stops when the returned sender is dropped.
async fn serve_rust(processor: impl Processor) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    serve_rust_with(Server::builder(), processor).await
}

async fn serve_rust_with(
    builder: idlc_runtime::ServerBuilder,
    processor: impl Processor,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let server = builder.bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        server
            .serve_with_shutdown(processor, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    (addr, stop)
}

/// Runs Apache's Python client against `addr` with the script's `options` (`multiplexed`, `raw-header`,
/// `old-binary`) and asserts its verdicts: exactly the expected checks, all ok.
async fn python_client(dialect: Dialect, addr: SocketAddr, options: &[&str]) {
    let multiplexed = options.contains(&"multiplexed");
    let mut command = Command::new(idlc_tests::python());
    command
        .arg(script())
        .arg("call")
        .arg(python_code())
        .arg(dialect.name)
        .arg(addr.port().to_string())
        .args(options)
        .stdin(Stdio::null());
    // The client sets a socket timeout, so it cannot outlive a server that stops answering.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("run the Python client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{dialect}: the Python client failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let verdicts: Vec<(&str, &str)> = stdout
        .lines()
        .map(|line| {
            line.split_once(": ")
                .unwrap_or_else(|| panic!("{dialect}: not a verdict: {line:?}\n{stderr}"))
        })
        .collect();
    let mut expected = vec![
        "ping",
        "add",
        "calculate",
        "calculate throws InvalidOperation",
        "calculate fails with TApplicationException",
        "unknown method",
        "zip",
        "getStruct",
        "getStruct with a long reply",
    ];
    if multiplexed {
        expected.push("SharedService getStruct");
    }
    let checks: Vec<&str> = verdicts.iter().map(|(check, _)| *check).collect();
    assert_eq!(
        checks, expected,
        "{dialect}: the Python client ran other checks than expected\n{stderr}"
    );
    let failures: Vec<String> = verdicts
        .iter()
        .filter(|(_, verdict)| *verdict != "ok")
        .map(|(check, verdict)| format!("  {check}: {verdict}"))
        .collect();
    assert!(
        failures.is_empty(),
        "{dialect}: Apache's Python client against our server:\n{}\n{stderr}",
        failures.join("\n")
    );
}

/// Waits until our handler has seen the Python client's oneway `zip`, and checks the header it carried.
async fn assert_one_zip(dialect: Dialect, zips: &Zips) {
    let started = Instant::now();
    // A oneway call has no reply; the handler may still be running when the client is done.
    while zips.lock().unwrap().is_empty() && started.elapsed() < PATIENCE {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let expected = dialect.carries_headers().then(|| "zip".to_owned());
    assert_eq!(
        *zips.lock().unwrap(),
        vec![expected],
        "{dialect}: zip: what our handler received"
    );
}

async fn python_client_to_rust_server(dialect: Dialect) {
    let zips = Zips::default();
    let processor = CalculatorProcessor::new(Handler::new("Calculator", &zips));
    let (addr, _stop) = serve_rust(processor).await;
    python_client(dialect, addr, &[]).await;
    assert_one_zip(dialect, &zips).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_to_rust_server_framed_binary() {
    python_client_to_rust_server(FRAMED_BINARY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_to_rust_server_framed_compact() {
    python_client_to_rust_server(FRAMED_COMPACT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_to_rust_server_framed_json() {
    python_client_to_rust_server(FRAMED_JSON).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_to_rust_server_unframed_binary() {
    python_client_to_rust_server(UNFRAMED_BINARY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_to_rust_server_unframed_compact() {
    python_client_to_rust_server(UNFRAMED_COMPACT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_to_rust_server_unframed_json() {
    python_client_to_rust_server(UNFRAMED_JSON).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_to_rust_server_header_binary() {
    python_client_to_rust_server(HEADER_BINARY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_to_rust_server_header_compact() {
    python_client_to_rust_server(HEADER_COMPACT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_to_rust_server_header_compact_zlib() {
    python_client_to_rust_server(HEADER_COMPACT_ZLIB).await;
}

/// Apache's binary protocol without `strictWrite` starts a message with the name's length instead of a version
/// word; Apache's servers read that by default, and so does ours, framed or not (unframed, the name that
/// follows the length tells it from a frame).
async fn old_binary_python_client_to_rust_server(dialect: Dialect) {
    let zips = Zips::default();
    let processor = CalculatorProcessor::new(Handler::new("Calculator", &zips));
    let (addr, _stop) = serve_rust(processor).await;
    python_client(dialect, addr, &["old-binary"]).await;
    assert_one_zip(dialect, &zips).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_to_rust_server_framed_binary_in_the_old_non_strict_form() {
    old_binary_python_client_to_rust_server(FRAMED_BINARY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_to_rust_server_unframed_binary_in_the_old_non_strict_form() {
    old_binary_python_client_to_rust_server(UNFRAMED_BINARY).await;
}

/// Apache's THeader headers are bytes; `Headers` holds text. A request header that is not UTF-8 is left out
/// (here `raw: ff fe`, sent with every call); the call is served and the other headers echoed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_to_rust_server_header_compact_with_a_non_utf8_header() {
    let zips = Zips::default();
    let processor = CalculatorProcessor::new(Handler::new("Calculator", &zips));
    let (addr, _stop) = serve_rust(processor).await;
    python_client(HEADER_COMPACT, addr, &["raw-header"]).await;
    assert_one_zip(HEADER_COMPACT, &zips).await;
}

/// Apache's `TMultiplexedProtocol` clients for two services, on one connection to one port of ours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_to_rust_server_multiplexed() {
    for dialect in [FRAMED_BINARY, HEADER_COMPACT] {
        let zips = Zips::default();
        let processor = MultiplexedProcessor::new()
            .register(
                "Calculator",
                CalculatorProcessor::new(Handler::new("Calculator", &zips)),
            )
            .register(
                "SharedService",
                SharedServiceProcessor::new(Handler::new("SharedService", &zips)),
            );
        let (addr, _stop) = serve_rust(processor).await;
        python_client(dialect, addr, &["multiplexed"]).await;
        assert_one_zip(dialect, &zips).await;
    }
}

// ---------------------------------------------------------------------------------------------------------
// A service defined with `#[derive(RpcService)]` → Apache's Python client.

/// The calculator again, generated inline by the derive from the same IDL (the path is relative to this
/// package's manifest).
#[derive(idlc_runtime::RpcService)]
#[rpc(
    idl = "../idl-examples/tutorial/calculator.thrift",
    service = "Calculator"
)]
pub struct DerivedCalculator;

mod derived_handler {
    use idlc_runtime::{ApplicationException, ApplicationExceptionKind, NoException, ServiceError};

    use super::derived_calculator::shared::{SharedService, SharedStruct};
    use super::derived_calculator::{
        Calculator, CalculatorCalculateException, InvalidOperation, Operation, Work,
    };
    use super::{Handler, request_header};

    calculator_handler!();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derived_service_serves_python_client_framed_compact() {
    let zips = Zips::default();
    let processor = derived_calculator::CalculatorProcessor::new(Handler::new("Calculator", &zips));
    let (addr, _stop) = serve_rust(processor).await;
    python_client(FRAMED_COMPACT, addr, &[]).await;
    assert_one_zip(FRAMED_COMPACT, &zips).await;
}

// ---------------------------------------------------------------------------------------------------------
// Apache's Python client through `TSSLSocket` → our TLS server.

/// Apache's Python client over TLS (`TSSLSocket`) against our server with `tls`, running every check; with
/// `mutual`, the server requires a client certificate from the client CA and the client presents one.
async fn python_tls_client_to_rust_server(dialect: Dialect, mutual: bool) {
    let pki = idlc_tests::tls::TestPki::new();
    let dir = tempfile_dir(&format!("tls-{}-{mutual}", dialect.name));
    let files = pki.write_to(&dir).unwrap();
    let mut tls = idlc_runtime::ServerTls::from_pem(
        pki.server_cert_pem.as_bytes(),
        pki.server_key_pem.as_bytes(),
    )
    .unwrap();
    if mutual {
        tls = tls
            .require_client_cert(pki.client_ca_pem.as_bytes())
            .unwrap();
    }
    let zips = Zips::default();
    let processor = CalculatorProcessor::new(Handler::new("Calculator", &zips));
    let (addr, _stop) = serve_rust_with(Server::builder().tls(tls), processor).await;
    let ca = format!("tls-ca={}", files.ca.display());
    let cert = format!("tls-cert={}", files.client_cert.display());
    let key = format!("tls-key={}", files.client_key.display());
    let mut options = vec![ca.as_str()];
    if mutual {
        options.extend([cert.as_str(), key.as_str()]);
    }
    python_client(dialect, addr, &options).await;
    assert_one_zip(dialect, &zips).await;
}

/// A directory of its own under the test binary's scratch space.
fn tempfile_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("rpc-interop")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_tls_client_to_rust_server_framed_binary() {
    python_tls_client_to_rust_server(FRAMED_BINARY, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_tls_client_to_rust_server_header_compact() {
    python_tls_client_to_rust_server(HEADER_COMPACT, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_tls_client_with_a_client_certificate_to_rust_server_requiring_one() {
    python_tls_client_to_rust_server(FRAMED_BINARY, true).await;
}

/// Without a client certificate, Apache's Python client is refused by a server requiring one, and the
/// server goes on serving (a certified client gets through afterwards).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_tls_client_without_a_certificate_is_refused_by_mutual_tls() {
    let pki = idlc_tests::tls::TestPki::new();
    let files = pki.write_to(&tempfile_dir("tls-refused")).unwrap();
    let tls = idlc_runtime::ServerTls::from_pem(
        pki.server_cert_pem.as_bytes(),
        pki.server_key_pem.as_bytes(),
    )
    .unwrap()
    .require_client_cert(pki.client_ca_pem.as_bytes())
    .unwrap();
    let zips = Zips::default();
    let processor = CalculatorProcessor::new(Handler::new("Calculator", &zips));
    let (addr, _stop) = serve_rust_with(Server::builder().tls(tls), processor).await;
    let ca = format!("tls-ca={}", files.ca.display());
    let mut command = Command::new(idlc_tests::python());
    command
        .arg(script())
        .arg("call")
        .arg(python_code())
        .arg(FRAMED_BINARY.name)
        .arg(addr.port().to_string())
        .args([ca.as_str(), "tls-refused"])
        .stdin(Stdio::null());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.trim(),
        "tls refused: ok",
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cert = format!("tls-cert={}", files.client_cert.display());
    let key = format!("tls-key={}", files.client_key.display());
    python_client(
        FRAMED_BINARY,
        addr,
        &[ca.as_str(), cert.as_str(), key.as_str()],
    )
    .await;
}
