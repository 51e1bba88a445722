//! The server against hostile and careless peers, measured from outside as a user would: the server runs as a
//! process of its own (`src/bin/server-under-attack.rs`, the tutorial calculator) and the tests read its
//! memory and CPU time from `/proc` while they attack it over loopback, and check that a well-behaved client
//! on another connection keeps getting correct answers quickly.
//!
//! One test per way a single ordinary-looking client could take the server down or lock others out: replies
//! it never reads, writes that never complete, half a message then silence, announced frames that never
//! arrive, stacked THeader transforms, limits ignored on some path, oversized replies and unreadable envelopes.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use idlc_runtime::service::{Binary, Codec, encode_message};
use idlc_runtime::{
    ApplicationExceptionKind, CallError, Limits, MessageHeader, MessageType, Protocol, TcpChannel,
    ThriftStruct, Transform, Transport,
};
use idlc_tests::generated::calculator::{CalculatorAddArgs, CalculatorClient, Work};
use idlc_tests::generated::shared::SharedServiceGetStructArgs;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The server process, killed when dropped.
struct Target {
    child: Child,
    addr: SocketAddr,
}

impl Target {
    /// Starts the server with `flags` (see the binary's documentation) and waits until it listens.
    fn start(flags: &[(&str, u64)]) -> Target {
        let mut command = Command::new(env!("CARGO_BIN_EXE_server-under-attack"));
        for (flag, value) in flags {
            command.arg(flag).arg(value.to_string());
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the server's address");
        let addr = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .unwrap();
        Target { child, addr }
    }

    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc status"))
    }

    /// Resident memory, in MiB.
    fn rss_mib(&self) -> f64 {
        self.status_kib("VmRSS:") as f64 / 1024.0
    }

    /// Address space, in MiB: what the server has reserved, touched or not (a server whose memory is not
    /// overcommitted dies of this, not of its resident size).
    fn vm_mib(&self) -> f64 {
        self.status_kib("VmSize:") as f64 / 1024.0
    }

    /// CPU time used so far, user and system.
    fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // Fields after the command name, which is in parentheses and may hold spaces.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        Duration::from_millis(ticks * 1000 / clock_ticks_per_second())
    }

    /// Starts a graceful shutdown (by closing the server's standard input) and waits for the process to end,
    /// for at most `limit`; how long it took, or `None` if it was still running.
    fn shut_down(mut self, limit: Duration) -> Option<Duration> {
        drop(self.child.stdin.take());
        let started = Instant::now();
        while started.elapsed() < limit {
            if self.child.try_wait().unwrap().is_some() {
                return Some(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn clock_ticks_per_second() -> u64 {
    let out = Command::new("getconf").arg("CLK_TCK").output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// An encoded call in `C`'s protocol.
fn call<C: Codec, T: ThriftStruct>(name: &str, seqid: i32, args: &T) -> BytesMut {
    let header = MessageHeader {
        name: name.into(),
        kind: MessageType::Call,
        seqid,
    };
    encode_message::<C, T>(&header, args).unwrap()
}

fn framed(message: &[u8]) -> Vec<u8> {
    let mut frame = (message.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(message);
    frame
}

/// A well-behaved client on a connection of its own, with a deadline on each call.
async fn good_client(addr: SocketAddr) -> CalculatorClient<TcpChannel> {
    CalculatorClient::new(
        TcpChannel::builder(addr)
            .call_timeout(Duration::from_secs(10))
            .connect()
            .await
            .unwrap(),
    )
}

/// Calls `add` `calls` times on `client`, asserting each answer and that each came within `bound`; the
/// slowest call.
async fn served_promptly(
    client: &CalculatorClient<TcpChannel>,
    calls: i32,
    bound: Duration,
) -> Duration {
    let mut slowest = Duration::ZERO;
    for n in 0..calls {
        let started = Instant::now();
        assert_eq!(client.add(n, 1).await.unwrap(), n + 1);
        slowest = slowest.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(slowest < bound, "the slowest call took {slowest:?}");
    slowest
}

/// Reads until the server closes the connection; whether it did within `wait`.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut sink = vec![0u8; 1 << 16];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut sink)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

/// Pipelines `getStruct(4096)` calls on a connection that never reads, for `duration`; the bytes sent.
async fn pipeline_without_reading(addr: SocketAddr, duration: Duration) -> (TcpStream, usize) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = framed(&call::<Binary, _>(
        "getStruct",
        1,
        &SharedServiceGetStructArgs { key: 4096 },
    ));
    let batch: Vec<u8> = request.repeat(64);
    let mut sent = 0;
    let deadline = tokio::time::Instant::now() + duration;
    // Each write either goes through or, once the server stops reading, waits until the deadline.
    while let Ok(Ok(())) = tokio::time::timeout_at(deadline, stream.write_all(&batch)).await {
        sent += batch.len();
    }
    (stream, sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_a_client_never_reads_do_not_pile_up() {
    let target = Target::start(&[]);
    let good = good_client(target.addr).await;
    served_promptly(&good, 5, Duration::from_secs(1)).await;
    let before = target.rss_mib();

    // Replies of 4 KiB to 40-byte requests: without backpressure this grew the server by hundreds of MiB.
    let attack = tokio::spawn(pipeline_without_reading(
        target.addr,
        Duration::from_secs(4),
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let slowest = served_promptly(&good, 20, Duration::from_secs(1)).await;
    let (_stream, sent) = attack.await.unwrap();
    let grown = target.rss_mib() - before;
    eprintln!(
        "sent {} KiB of requests; server grew {grown:.1} MiB; slowest good call {slowest:?}",
        sent / 1024
    );
    // One connection may hold 1,024 requests in flight and 1 MiB of queued replies (plus what the batch
    // being written holds); allocator slack aside, that is a few MiB.
    assert!(grown < 32.0, "the server grew by {grown:.1} MiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_stop_reading_give_their_slots_back_and_do_not_hold_shutdown() {
    let target = Target::start(&[
        ("--max-connections", 4),
        ("--write-ms", 1000),
        ("--grace-ms", 1000),
    ]);
    // Four clients fill every slot and stop reading.
    let mut attackers = Vec::new();
    for _ in 0..4 {
        attackers.push(tokio::spawn(pipeline_without_reading(
            target.addr,
            Duration::from_secs(2),
        )));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A fifth client waits in the backlog until the write timeout frees a slot.
    let started = Instant::now();
    let good = good_client(target.addr).await;
    served_promptly(&good, 3, Duration::from_secs(3)).await;
    let waited = started.elapsed();
    eprintln!("the fifth client was served after {waited:?}");
    assert!(waited < Duration::from_secs(4), "{waited:?}");
    for attacker in attackers {
        let (mut stream, _) = attacker.await.unwrap();
        assert!(
            closed_within(&mut stream, Duration::from_secs(3)).await,
            "the write timeout closes a connection that does not read"
        );
    }

    // Shutdown with a reader-less client and a call that never ends: the grace period bounds it.
    let _stuck = tokio::spawn(pipeline_without_reading(
        target.addr,
        Duration::from_secs(10),
    ));
    let pending = tokio::spawn(async move { good.add(i32::MIN, 0).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let took = target
        .shut_down(Duration::from_secs(5))
        .expect("shutdown completes");
    eprintln!("graceful shutdown took {took:?} (grace 1 s)");
    assert!(took < Duration::from_millis(2500), "{took:?}");
    assert!(
        matches!(pending.await.unwrap(), Err(CallError::Transport(_))),
        "the call cut off at shutdown fails"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_a_message_then_silence_costs_no_cpu_and_times_out() {
    let target = Target::start(&[("--read-ms", 1500), ("--idle-ms", 60_000)]);
    let good = good_client(target.addr).await;
    // 50 connections, each with the first 3 bytes of an unframed binary message (or compact, or JSON).
    let openings: [&[u8]; 3] = [b"\x80\x01\x00", b"\x82\x21\x01", b"[1,"];
    let mut attackers = Vec::new();
    for index in 0..50 {
        let mut stream = TcpStream::connect(target.addr).await.unwrap();
        stream.write_all(openings[index % 3]).await.unwrap();
        attackers.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cpu_before = target.cpu();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cpu = target.cpu() - cpu_before;
    eprintln!("50 silent half messages: {cpu:?} of server CPU in 1 s");
    // Waking every millisecond cost tens of percent of a core per connection; asleep, nothing but the
    // scheduler's own rounding.
    assert!(cpu <= Duration::from_millis(30), "{cpu:?}");
    served_promptly(&good, 3, Duration::from_secs(1)).await;
    // Waiting for bytes is not activity: the read timeout closes them, however long the idle timeout is.
    for stream in &mut attackers {
        assert!(closed_within(stream, Duration::from_secs(3)).await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announced_frames_reserve_nothing_before_they_arrive() {
    let target = Target::start(&[]);
    let good = good_client(target.addr).await;
    served_promptly(&good, 3, Duration::from_secs(1)).await;
    let (vm_before, rss_before) = (target.vm_mib(), target.rss_mib());
    // 64 connections each announce a frame of 16 MiB less a byte and send its first 8 bytes.
    let mut attackers = Vec::new();
    for _ in 0..64 {
        let mut stream = TcpStream::connect(target.addr).await.unwrap();
        stream
            .write_all(b"\x00\xff\xff\xff\x80\x01\x00\x01")
            .await
            .unwrap();
        attackers.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    served_promptly(&good, 3, Duration::from_secs(1)).await;
    let (vm, rss) = (target.vm_mib() - vm_before, target.rss_mib() - rss_before);
    eprintln!("64 announced 16 MiB frames: address space +{vm:.1} MiB, resident +{rss:.1} MiB");
    // Reserving the announced frames would take 1 GiB of address space.
    assert!(vm < 64.0, "address space grew by {vm:.1} MiB");
    assert!(rss < 16.0, "resident memory grew by {rss:.1} MiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_budget_makes_reads_wait() {
    let target = Target::start(&[
        ("--memory-limit", 8 << 20),
        ("--read-ms", 2000),
        ("--max-frame", 4 << 20),
    ]);
    let rss_before = target.rss_mib();
    // Twelve connections each send 1.5 MiB of a 4 MiB frame: 18 MiB in all against an 8 MiB budget.
    let mut attackers = Vec::new();
    for _ in 0..12 {
        let stream = TcpStream::connect(target.addr).await.unwrap();
        attackers.push(tokio::spawn(async move {
            let mut stream = stream;
            let mut frame = (4u32 << 20).to_be_bytes().to_vec();
            frame.extend_from_slice(b"\x80\x01\x00\x01");
            frame.resize(3 << 19, 0);
            let _ = tokio::time::timeout(Duration::from_secs(3), stream.write_all(&frame)).await;
            stream
        }));
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let grown = target.rss_mib() - rss_before;
    eprintln!("18 MiB of partial frames against an 8 MiB budget: resident +{grown:.1} MiB");
    assert!(grown < 14.0, "resident memory grew by {grown:.1} MiB");
    // Once the read timeout has closed them, the budget is free again for a well-behaved client. Those that
    // waited for the budget got their read timeout only once they could read again, so this takes a few
    // rounds of it.
    for attacker in attackers {
        let mut stream = attacker.await.unwrap();
        assert!(closed_within(&mut stream, Duration::from_secs(10)).await);
    }
    let good = good_client(target.addr).await;
    served_promptly(&good, 3, Duration::from_secs(1)).await;
}

/// A THeader frame around `payload` announcing `transforms` zlib layers.
fn header_frame_with_transforms(transforms: usize, payload: &[u8]) -> Vec<u8> {
    let mut header = vec![0u8]; // binary protocol
    let mut count = transforms;
    loop {
        let byte = (count & 0x7f) as u8;
        count >>= 7;
        header.push(if count > 0 { byte | 0x80 } else { byte });
        if count == 0 {
            break;
        }
    }
    header.extend(std::iter::repeat_n(1u8, transforms));
    header.resize(header.len().next_multiple_of(4), 0);
    let mut body = vec![0x0f, 0xff, 0, 0, 0, 0, 0, 1];
    body.extend_from_slice(&((header.len() / 4) as u16).to_be_bytes());
    body.extend_from_slice(&header);
    body.extend_from_slice(payload);
    framed(&body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stacked_transforms_are_refused_and_two_are_served() {
    let target = Target::start(&[]);
    let cpu_before = target.cpu();
    let mut stream = TcpStream::connect(target.addr).await.unwrap();
    let ping = call::<Binary, _>(
        "ping",
        1,
        &idlc_tests::generated::calculator::CalculatorPingArgs {},
    );
    // Really compressed 5,000 times over, so a server that undid the layers would spend its time doing so.
    let layers = 5000;
    let mut payload = ping.to_vec();
    for _ in 0..layers {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &payload).unwrap();
        payload = encoder.finish().unwrap();
    }
    stream
        .write_all(&header_frame_with_transforms(layers, &payload))
        .await
        .unwrap();
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut reply))
        .await
        .expect("the server closes the connection");
    let cpu = target.cpu() - cpu_before;
    assert!(
        reply
            .windows(b"transforms exceed".len())
            .any(|w| w == b"transforms exceed"),
        "an INVALID_TRANSFORM exception says why: {:?}",
        String::from_utf8_lossy(&reply)
    );
    assert!(cpu < Duration::from_millis(200), "{cpu:?}");

    // Two zlib layers, from our own client: served, the reply compressed the same way.
    let channel = TcpChannel::builder(target.addr)
        .transport(Transport::Header)
        .transform(Transform::Zlib)
        .transform(Transform::Zlib)
        .connect()
        .await
        .unwrap();
    let client = CalculatorClient::new(channel);
    assert_eq!(
        client.get_struct(100_000).await.unwrap().value.len(),
        100_000
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_limits_hold_on_every_transport_and_on_the_client() {
    let target = Target::start(&[("--max-string", 100)]);
    let work = Work {
        first: 1,
        second: 2,
        comment: Some("x".repeat(1000)),
        ..Work::default()
    };
    for (transport, protocol) in [
        (Transport::Framed, Protocol::Binary),
        (Transport::Framed, Protocol::Compact),
        (Transport::Header, Protocol::Binary),
        (Transport::Header, Protocol::Compact),
        (Transport::Unframed, Protocol::Binary),
        (Transport::Unframed, Protocol::Compact),
    ] {
        let channel = TcpChannel::builder(target.addr)
            .transport(transport)
            .protocol(protocol)
            .call_timeout(Duration::from_secs(5))
            .connect()
            .await
            .unwrap();
        let client = CalculatorClient::new(channel);
        let outcome = client.calculate(0, work.clone()).await;
        match (transport, outcome) {
            // The frame is whole, so the processor answers.
            (Transport::Framed | Transport::Header, Err(CallError::Application(exception))) => {
                assert_eq!(exception.kind, ApplicationExceptionKind::PROTOCOL_ERROR);
                assert!(exception.message.contains("limit of 100"), "{exception}");
            }
            // Unframed, the message cannot be delimited within the limits: the connection closes.
            (Transport::Unframed, Err(CallError::Transport(_))) => {}
            (_, other) => panic!("{transport} {protocol}: {other:?}"),
        }
        let short = Work {
            comment: Some("short".into()),
            ..work.clone()
        };
        assert_eq!(client.calculate(4, short).await.unwrap(), 7);
    }

    // The client's own limits apply to replies.
    let channel = TcpChannel::builder(target.addr)
        .message_limits(Limits {
            max_string_len: 100,
            ..Limits::DEFAULT
        })
        .connect()
        .await
        .unwrap();
    let client = CalculatorClient::new(channel);
    assert_eq!(client.get_struct(100).await.unwrap().value.len(), 100);
    match client.get_struct(101).await {
        Err(CallError::Decode(error)) => assert!(error.to_string().contains("limit of 100")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_reply_is_an_exception_and_an_unreadable_envelope_closes() {
    let target = Target::start(&[("--max-frame", 64 << 10)]);
    let client = good_client(target.addr).await;
    match client.get_struct(100_000).await {
        Err(CallError::Application(exception)) => {
            assert_eq!(exception.kind, ApplicationExceptionKind::INTERNAL_ERROR);
            assert!(
                exception.message.contains("exceeds the limit"),
                "{exception}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(client.get_struct(1000).await.unwrap().value.len(), 1000);

    // A frame that detection takes for binary but whose name length is negative: no reply can be made, so
    // the connection closes at once instead of waiting for the idle or read timeout.
    for message in [
        &b"\x80\x01\x00\x01\xff\xff\xff\xfb"[..],
        b"\x82\x21\x01\xff\xff\xff\xff\xff\x01",
    ] {
        let mut stream = TcpStream::connect(target.addr).await.unwrap();
        stream.write_all(&framed(message)).await.unwrap();
        assert!(closed_within(&mut stream, Duration::from_secs(2)).await);
    }

    // A call of a method the server does not have, with arguments that cannot be skipped: answered.
    let mut broken = call::<Binary, _>("noSuchMethod", 9, &CalculatorAddArgs { num1: 1, num2: 2 });
    broken.truncate(broken.len() - 1);
    broken.extend_from_slice(b"\x0b\x00\x03\xff\xff\xff\xff");
    let mut stream = TcpStream::connect(target.addr).await.unwrap();
    stream.write_all(&framed(&broken)).await.unwrap();
    let mut reply = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut reply))
        .await
        .expect("an answer, not silence")
        .unwrap();
    let reply = String::from_utf8_lossy(&reply[..n]);
    assert!(reply.contains("could not process"), "{reply:?}");
}
