//! The TCP server and client on loopback: every transport and protocol, THeader info headers both ways,
//! multiplexing, timeouts, graceful shutdown, connection limits, and faults (a killed server, garbage bytes,
//! a 2 GiB length, a stalled half frame, 1,000 concurrent calls answered out of order).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use idlc_runtime::context::{self, request_header, set_reply_header};
use idlc_runtime::{
    ApplicationException, ApplicationExceptionKind, CallError, Headers, MultiplexedProcessor,
    NoException, Protocol, Server, ServerBuilder, ServiceError, TcpChannel, Transform, Transport,
    TransportError,
};
use idlc_tests::generated::calculator::{
    Calculator, CalculatorCalculateException, CalculatorClient, CalculatorProcessor,
    InvalidOperation, Operation, Work,
};
use idlc_tests::generated::shared::{
    SharedService, SharedServiceClient, SharedServiceProcessor, SharedStruct,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Default)]
struct Handler {
    zips: AtomicUsize,
}

impl SharedService for Handler {
    async fn get_struct(&self, key: i32) -> Result<SharedStruct, ServiceError<NoException>> {
        Ok(SharedStruct {
            key,
            value: format!("value {key}"),
        })
    }
}

impl Calculator for Handler {
    async fn ping(&self) -> Result<(), ServiceError<NoException>> {
        // Echoes every request header back, prefixed, so the client can tell they made the round trip.
        for (name, value) in context::request_headers() {
            set_reply_header(format!("echo-{name}"), value);
        }
        Ok(())
    }

    /// Sleeps `num2 % 1000` microseconds first, so concurrent calls finish in a scrambled order.
    async fn add(&self, num1: i32, num2: i32) -> Result<i32, ServiceError<NoException>> {
        tokio::time::sleep(Duration::from_micros(num2.rem_euclid(1000) as u64)).await;
        if num1 == i32::MIN {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Ok(num1.wrapping_add(num2))
    }

    async fn calculate(
        &self,
        _logid: i32,
        w: Work,
    ) -> Result<i32, ServiceError<CalculatorCalculateException>> {
        match w.op {
            Operation::DIVIDE if w.second == 0 => Err(InvalidOperation {
                what_op: w.op.0,
                why: "Cannot divide by 0".into(),
            }
            .into()),
            Operation::DIVIDE => Ok(w.first / w.second),
            Operation(-1) => panic!("asked to fail"),
            other => Err(ServiceError::Application(ApplicationException::new(
                ApplicationExceptionKind::UNKNOWN,
                format!("no such operation {other:?}"),
            ))),
        }
    }

    async fn zip(&self) -> Result<(), ServiceError<NoException>> {
        self.zips.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Starts a server on a free loopback port; it stops when the returned sender is dropped or fired.
async fn start(
    builder: ServerBuilder,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let server = builder.bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server
            .serve_with_shutdown(CalculatorProcessor::new(Handler::default()), async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    (addr, stop, task)
}

const DIALECTS: [(Transport, Protocol, Option<Transform>); 10] = [
    (Transport::Framed, Protocol::Binary, None),
    (Transport::Framed, Protocol::Compact, None),
    (Transport::Framed, Protocol::Json, None),
    (Transport::Unframed, Protocol::Binary, None),
    (Transport::Unframed, Protocol::Compact, None),
    (Transport::Unframed, Protocol::Json, None),
    (Transport::Header, Protocol::Binary, None),
    (Transport::Header, Protocol::Compact, None),
    (Transport::Header, Protocol::Compact, Some(Transform::Zlib)),
    (Transport::Header, Protocol::Binary, Some(Transform::Zlib)),
];

async fn connect(
    addr: SocketAddr,
    (transport, protocol, transform): (Transport, Protocol, Option<Transform>),
) -> CalculatorClient<TcpChannel> {
    let mut builder = TcpChannel::builder(addr)
        .transport(transport)
        .protocol(protocol);
    if let Some(transform) = transform {
        builder = builder.transform(transform);
    }
    CalculatorClient::new(builder.connect().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_server_answers_every_transport_and_protocol_in_kind() {
    let (addr, _stop, _task) = start(Server::builder()).await;
    for dialect in DIALECTS {
        let client = connect(addr, dialect).await;
        client.ping().await.unwrap();
        assert_eq!(client.add(40, 2).await.unwrap(), 42, "{dialect:?}");
        let divide = |second| Work {
            first: 84,
            second,
            op: Operation::DIVIDE,
            comment: None,
        };
        assert_eq!(
            client.calculate(1, divide(2)).await.unwrap(),
            42,
            "{dialect:?}"
        );
        match client.calculate(2, divide(0)).await {
            Err(CallError::Declared(CalculatorCalculateException::Ouch(ouch))) => {
                assert_eq!(ouch.why, "Cannot divide by 0", "{dialect:?}")
            }
            other => panic!("{dialect:?}: expected the declared exception, got {other:?}"),
        }
        let panicking = Work {
            op: Operation(-1),
            ..Work::default()
        };
        match client.calculate(3, panicking).await {
            Err(CallError::Application(e)) => {
                assert_eq!(
                    e.kind,
                    ApplicationExceptionKind::INTERNAL_ERROR,
                    "{dialect:?}"
                )
            }
            other => panic!("{dialect:?}: expected INTERNAL_ERROR, got {other:?}"),
        }
        client.zip().await.unwrap();
        assert_eq!(
            client.get_struct(7).await.unwrap().value,
            "value 7",
            "{dialect:?}"
        );
        // A 1 MiB payload crosses many reads, in both directions.
        let big = Work {
            first: 1,
            second: 1,
            op: Operation::DIVIDE,
            comment: Some("x".repeat(1 << 20)),
        };
        assert_eq!(client.calculate(4, big).await.unwrap(), 1, "{dialect:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_headers_travel_both_ways_over_theader_only() {
    let (addr, _stop, _task) = start(Server::builder()).await;
    for transform in [None, Some(Transform::Zlib)] {
        let channel = {
            let mut builder = TcpChannel::builder(addr)
                .transport(Transport::Header)
                .protocol(Protocol::Compact)
                .header("client", "idlc");
            if let Some(transform) = transform {
                builder = builder.transform(transform);
            }
            builder.connect().await.unwrap()
        };
        let client = CalculatorClient::new(channel);
        let sent = Headers::from([("trace-id".to_owned(), "abc123".to_owned())]);
        let (result, reply) = context::with_headers(sent, client.ping()).await;
        result.unwrap();
        assert_eq!(
            reply.get("echo-trace-id").map(String::as_str),
            Some("abc123")
        );
        assert_eq!(reply.get("echo-client").map(String::as_str), Some("idlc"));
        // Outside a scope calls still work and the builder's headers still go out.
        let (result, reply) = context::with_headers(Headers::new(), client.ping()).await;
        result.unwrap();
        assert_eq!(reply.len(), 1, "{reply:?}");
    }
    let framed = connect(addr, DIALECTS[0]).await;
    let (result, reply) = context::with_headers(
        Headers::from([("ignored".to_owned(), "x".to_owned())]),
        framed.ping(),
    )
    .await;
    result.unwrap();
    assert!(reply.is_empty());
    assert_eq!(
        request_header("anything"),
        None,
        "no call is being served here"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_on_one_connection_reach_their_callers() {
    let (addr, _stop, _task) = start(Server::builder()).await;
    for dialect in [DIALECTS[0], DIALECTS[7]] {
        let client = connect(addr, dialect).await;
        let calls = (0..1000).map(|i| {
            let client = client.clone();
            // Pseudo-random delays (0..1000 µs) so that replies come back out of order.
            let delay = (i * 7919) % 1000;
            tokio::spawn(async move { (i, delay, client.add(i, delay).await) })
        });
        for call in calls.collect::<Vec<_>>() {
            let (i, delay, result) = call.await.unwrap();
            assert_eq!(result.unwrap(), i + delay, "{dialect:?}");
        }
    }
}

/// Replies to requests answered on the reading task are written by that task, batched until it would wait:
/// for more bytes, or for a place in flight. With two places, the replies holding them must go out before
/// the reader waits for a third, or the connection stalls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_made_while_reading_go_out_even_when_the_reader_waits_for_a_place_in_flight() {
    let (addr, _stop, _task) = start(Server::builder().max_in_flight(2)).await;
    for dialect in [DIALECTS[0], DIALECTS[3], DIALECTS[7]] {
        let client = connect(addr, dialect).await;
        let calls = (0..500).map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                // Mostly answered at once (a division), every tenth after a short sleep (on its own task).
                let result = if i % 10 == 0 {
                    client
                        .add(i, 200)
                        .await
                        .map(|sum| sum - 200)
                        .map_err(|error| error.to_string())
                } else {
                    let work = Work {
                        first: i,
                        second: 1,
                        op: Operation::DIVIDE,
                        comment: None,
                    };
                    client
                        .calculate(1, work)
                        .await
                        .map_err(|error| error.to_string())
                };
                (i, result)
            })
        });
        let all = futures_join(calls.collect());
        for (i, result) in tokio::time::timeout(Duration::from_secs(20), all)
            .await
            .unwrap_or_else(|_| panic!("{dialect:?}: the calls stalled"))
        {
            assert_eq!(result.unwrap(), i, "{dialect:?}");
        }
    }
}

async fn futures_join<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut done = Vec::with_capacity(tasks.len());
    for task in tasks {
        done.push(task.await.unwrap());
    }
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_services_share_a_port_and_a_connection() {
    let server = Server::builder().bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    let processor = MultiplexedProcessor::new()
        .register("Calculator", CalculatorProcessor::new(Handler::default()))
        .register(
            "SharedService",
            SharedServiceProcessor::new(Handler::default()),
        );
    tokio::spawn(server.serve(processor));
    for protocol in [Protocol::Binary, Protocol::Compact, Protocol::Json] {
        let channel = TcpChannel::builder(addr)
            .protocol(protocol)
            .connect()
            .await
            .unwrap();
        let calculator = CalculatorClient::new(channel.multiplexed("Calculator"));
        let shared = SharedServiceClient::new(channel.multiplexed("SharedService"));
        assert_eq!(calculator.add(1, 2).await.unwrap(), 3, "{protocol:?}");
        assert_eq!(shared.get_struct(9).await.unwrap().key, 9, "{protocol:?}");
        assert_eq!(
            calculator.get_struct(8).await.unwrap().key,
            8,
            "{protocol:?}"
        );
        let unknown = CalculatorClient::new(channel.multiplexed("Nope"));
        match unknown.ping().await {
            Err(CallError::Application(e)) => {
                assert_eq!(
                    e.kind,
                    ApplicationExceptionKind::UNKNOWN_METHOD,
                    "{protocol:?}"
                )
            }
            other => panic!("{protocol:?}: expected UNKNOWN_METHOD, got {other:?}"),
        }
        let bare = CalculatorClient::new(channel.clone());
        assert!(
            bare.ping().await.is_err(),
            "no default service is registered"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_times_out_and_the_connection_stays_usable() {
    let (addr, _stop, _task) = start(Server::builder().out_of_order_replies(true)).await;
    let channel = TcpChannel::builder(addr)
        .call_timeout(Duration::from_millis(200))
        .connect()
        .await
        .unwrap();
    let client = CalculatorClient::new(channel);
    match client.add(i32::MIN, 0).await {
        Err(CallError::Transport(TransportError::Timeout)) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(client.add(1, 1).await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_calls_in_flight() {
    let (addr, stop, task) = start(Server::builder()).await;
    let client = connect(addr, DIALECTS[0]).await;
    let slow = tokio::spawn({
        let client = client.clone();
        async move { client.add(5, 999).await }
    });
    tokio::time::sleep(Duration::from_micros(300)).await;
    stop.send(()).unwrap();
    assert_eq!(slow.await.unwrap().unwrap(), 1004);
    task.await.unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}

/// Runs a server on its own runtime and thread, so that dropping the runtime kills it like a process exit:
/// every socket closes with no goodbye.
fn start_killable(addr: SocketAddr) -> (SocketAddr, tokio::runtime::Runtime) {
    // A runtime cannot be started from inside another one's worker thread.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(Server::builder().bind(addr)).unwrap();
        let addr = server.local_addr().unwrap();
        runtime.spawn(server.serve(CalculatorProcessor::new(Handler::default())));
        (addr, runtime)
    })
    .join()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_fails_pending_calls_at_once_and_the_next_call_reconnects() {
    let (addr, runtime) = start_killable("127.0.0.1:0".parse().unwrap());
    let client = connect(addr, DIALECTS[6]).await;
    assert_eq!(client.add(1, 2).await.unwrap(), 3);
    let pending: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.add(i32::MIN, 0).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    tokio::task::spawn_blocking(move || drop(runtime))
        .await
        .unwrap();
    for call in pending {
        let result = tokio::time::timeout(Duration::from_secs(10), call)
            .await
            .expect("a pending call must fail, not hang")
            .unwrap();
        assert!(matches!(result, Err(CallError::Transport(_))), "{result:?}");
    }
    assert!(
        matches!(client.add(1, 2).await, Err(CallError::Transport(_))),
        "nobody listens"
    );
    let (_, runtime) = start_killable(addr);
    assert_eq!(client.add(1, 2).await.unwrap(), 3, "the client reconnected");
    tokio::task::spawn_blocking(move || drop(runtime))
        .await
        .unwrap();
}

/// Sends `bytes` on a fresh connection and reads until the server closes it (or `wait` passes).
async fn server_closes_after(addr: SocketAddr, bytes: &[u8], wait: Duration) -> bool {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut sink = Vec::new();
    matches!(
        tokio::time::timeout(wait, stream.read_to_end(&mut sink)).await,
        Ok(Ok(_)) | Ok(Err(_))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_huge_lengths_and_stalled_frames_close_only_their_connection() {
    let (addr, _stop, _task) = start(
        Server::builder()
            .idle_timeout(Duration::from_millis(300))
            .read_timeout(Duration::from_millis(300)),
    )
    .await;
    let client = connect(addr, DIALECTS[0]).await;
    let second = Duration::from_secs(5);
    assert!(server_closes_after(addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", second).await);
    assert!(
        server_closes_after(addr, &[0x80, 0, 0, 0], second).await,
        "2 GiB length"
    );
    assert!(server_closes_after(addr, &[0x7f, 0xff, 0xff, 0xff], second).await);
    assert!(server_closes_after(addr, b"\x00\x00\x00\x08\x00\x00\x00\x00garbage!", second).await);
    // Half a frame, then silence: the read timeout closes it while the other client is served throughout.
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    stalled
        .write_all(b"\x00\x00\x00\x40\x80\x01\x00\x01")
        .await
        .unwrap();
    assert_eq!(client.add(2, 2).await.unwrap(), 4);
    let mut sink = Vec::new();
    let closed = tokio::time::timeout(second, stalled.read_to_end(&mut sink)).await;
    assert!(
        closed.is_ok(),
        "the read timeout closes a stalled connection"
    );
    // The idle limit closed the client's quiet connection too; once it has seen that, it reconnects.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        client.add(3, 3).await.unwrap(),
        6,
        "the server kept serving"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_theader_transform_is_answered_with_invalid_transform_then_closed() {
    let (addr, _stop, _task) = start(Server::builder()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // Magic, no flags, seqid 5, one header word: binary protocol, one transform with id 9, padding.
    let frame = b"\x00\x00\x00\x0e\x0f\xff\x00\x00\x00\x00\x00\x05\x00\x01\x00\x01\x09\x00";
    stream.write_all(frame).await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut reply))
        .await
        .expect("the server closes the connection")
        .unwrap();
    assert_eq!(&reply[4..6], b"\x0f\xff", "a THeader reply: {reply:02x?}");
    assert_eq!(
        &reply[8..12],
        &5i32.to_be_bytes(),
        "with the request's seqid"
    );
    let header_len = usize::from(u16::from_be_bytes([reply[12], reply[13]])) * 4;
    assert_eq!(reply[14], 0, "in the request's protocol (binary)");
    let payload = bytes::Bytes::copy_from_slice(&reply[14 + header_len..]);
    let mut reader = idlc_runtime::protocol::binary::BinaryReader::new(
        idlc_runtime::BytesInput::new(payload),
        idlc_runtime::Limits::default(),
    );
    use idlc_runtime::{Reader, ThriftStruct};
    let header = reader.read_message_begin().unwrap();
    assert_eq!(
        (header.kind, header.seqid),
        (idlc_runtime::MessageType::Exception, 5)
    );
    let exception = ApplicationException::decode(&mut reader).unwrap();
    assert_eq!(exception.kind, ApplicationExceptionKind::INVALID_TRANSFORM);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_over_the_limit_are_refused_both_ways() {
    let (addr, _stop, _task) = start(Server::builder().max_frame_len(64 * 1024)).await;
    let client = connect(addr, DIALECTS[0]).await;
    let big = Work {
        first: 1,
        second: 1,
        op: Operation::DIVIDE,
        comment: Some("x".repeat(100 * 1024)),
    };
    assert!(matches!(
        client.calculate(1, big).await,
        Err(CallError::Transport(_))
    ));
    assert_eq!(client.add(1, 1).await.unwrap(), 2, "the client reconnected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_limit_makes_further_clients_wait() {
    let (addr, _stop, _task) = start(Server::builder().max_connections(1)).await;
    let first = connect(addr, DIALECTS[0]).await;
    assert_eq!(first.add(1, 1).await.unwrap(), 2);
    let second = connect(addr, DIALECTS[0]).await;
    let waiting = tokio::spawn(async move { second.add(2, 2).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !waiting.is_finished(),
        "the second connection is not served while the first is open"
    );
    drop(first);
    let result = tokio::time::timeout(Duration::from_secs(5), waiting).await;
    assert_eq!(result.unwrap().unwrap().unwrap(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_clients_connect_in_one_line() {
    let (addr, _stop, _task) = start(Server::builder()).await;
    let client = CalculatorClient::connect(addr).await.unwrap();
    assert_eq!(client.add(20, 22).await.unwrap(), 42);
    let handler = Arc::new(Handler::default());
    assert_eq!(handler.zips.load(Ordering::SeqCst), 0);
}
