//! Calls one echo server with that framework's own client: `loadgen FRAMEWORK ADDR` with the callers, payload
//! size, warm-up and measured time as options. Prints one line, `calls=… secs=… p50_ns=… p99_ns=…`.
//!
//! - idlc: one `TcpChannel` (one connection, framed binary), cloned into every caller; calls are multiplexed on
//!   it and matched by seqid.
//! - volo: one volo-thrift client (default: TTHeader over framed binary), cloned into every caller; it sends one
//!   call at a time per connection and takes connections from its pool, opening more while all are busy, so
//!   32 callers end up on 32 connections.
//! - apache, apache-nodelay: Apache's client is synchronous, so every caller is a thread with its own
//!   connection and `EchoSyncClient` (framed binary); `apache-nodelay` sets `TCP_NODELAY` on those sockets.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure};
use bytes::Bytes;
use clap::{Parser, ValueEnum};
use hdrhistogram::Histogram;

/// Which client calls the server.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Framework {
    Idlc,
    /// idlc over TLS; the server's certificate is `--tls-dir`'s `server.pem`.
    IdlcTls,
    Volo,
    Apache,
    ApacheNodelay,
}

#[derive(Parser, Debug)]
struct Args {
    /// The client to call with (the server must be the same framework's).
    framework: Framework,
    /// The server's address.
    addr: String,
    /// Concurrent callers, each making one call after another.
    #[arg(long, default_value_t = 1)]
    callers: usize,
    /// Payload bytes per call (the reply carries the same bytes back).
    #[arg(long, default_value_t = 16)]
    payload: usize,
    /// Seconds of calls before measuring.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Seconds measured.
    #[arg(long, default_value_t = 10.0)]
    secs: f64,
    /// For idlc-tls: the directory holding the server's (self-signed) certificate, `server.pem`.
    #[arg(long)]
    tls_dir: Option<std::path::PathBuf>,
}

/// When measuring starts and ends; every caller runs until `until`.
#[derive(Clone, Copy)]
struct Window {
    from: Instant,
    until: Instant,
}

impl Window {
    /// Records the call that ran from `start` to `end` if it lies inside the window; false once the window
    /// has passed.
    fn record(&self, histogram: &mut Histogram<u64>, start: Instant, end: Instant) -> bool {
        if start >= self.from && end <= self.until {
            let nanos = u64::try_from((end - start).as_nanos()).unwrap_or(u64::MAX);
            histogram.saturating_record(nanos.max(1));
        }
        end < self.until
    }
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 120_000_000_000, 3).expect("valid histogram bounds")
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let payload = Bytes::from((0..args.payload).map(|i| i as u8).collect::<Vec<u8>>());
    let start = Instant::now();
    let from = start + Duration::from_secs_f64(args.warmup);
    let window = Window {
        from,
        until: from + Duration::from_secs_f64(args.secs),
    };
    let histograms = match args.framework {
        Framework::Idlc | Framework::IdlcTls => {
            tokio_runtime()?.block_on(idlc(&args, payload, window))?
        }
        Framework::Volo => tokio_runtime()?.block_on(volo(&args, payload, window))?,
        Framework::Apache => apache(&args, payload, window, false)?,
        Framework::ApacheNodelay => apache(&args, payload, window, true)?,
    };
    let mut total = histogram();
    for histogram in &histograms {
        total.add(histogram)?;
    }
    ensure!(
        !total.is_empty(),
        "no call completed inside the measured window"
    );
    println!(
        "calls={} secs={} p50_ns={} p99_ns={}",
        total.len(),
        args.secs,
        total.value_at_quantile(0.50),
        total.value_at_quantile(0.99)
    );
    Ok(())
}

fn tokio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Checks that a reply carries the payload back.
fn check_reply(payload: &[u8], reply: &[u8]) -> anyhow::Result<()> {
    if payload != reply {
        bail!(
            "the reply ({} bytes) is not the payload ({} bytes)",
            reply.len(),
            payload.len()
        );
    }
    Ok(())
}

async fn idlc(args: &Args, payload: Bytes, window: Window) -> anyhow::Result<Vec<Histogram<u64>>> {
    use anyhow::Context as _;
    use idlc_bench_rpc::idlc_gen::echo::EchoClient;
    use idlc_runtime::{Protocol, TcpChannel, Transport};

    let mut builder = TcpChannel::builder(args.addr.as_str())
        .transport(Transport::Framed)
        .protocol(Protocol::Binary);
    if let Framework::IdlcTls = args.framework {
        let dir = args.tls_dir.as_ref().context("idlc-tls needs --tls-dir")?;
        let cert = std::fs::read(dir.join("server.pem"))?;
        builder = builder.tls(idlc_runtime::ClientTls::from_pem_roots(&cert)?, "localhost");
    }
    let channel = builder.connect().await.context("idlc client connects")?;
    let client = EchoClient::new(channel);
    run_callers(args.callers, payload, window, move |payload| {
        let client = client.clone();
        async move { Ok(client.echo(payload).await?) }
    })
    .await
}

/// Runs `callers` tasks, each calling `echo` again and again until the window closes, and returns their
/// histograms. Every reply is checked against the payload.
async fn run_callers<F, Fut>(
    callers: usize,
    payload: Bytes,
    window: Window,
    echo: F,
) -> anyhow::Result<Vec<Histogram<u64>>>
where
    F: Fn(Bytes) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<Bytes>> + Send,
{
    let callers: Vec<_> = (0..callers)
        .map(|_| {
            let echo = echo.clone();
            let payload = payload.clone();
            tokio::spawn(async move {
                let mut histogram = histogram();
                loop {
                    let start = Instant::now();
                    let reply = echo(payload.clone()).await?;
                    let end = Instant::now();
                    check_reply(&payload, &reply)?;
                    if !window.record(&mut histogram, start, end) {
                        return anyhow::Ok(histogram);
                    }
                }
            })
        })
        .collect();
    let mut histograms = Vec::with_capacity(callers.len());
    for caller in callers {
        histograms.push(caller.await??);
    }
    Ok(histograms)
}

async fn volo(args: &Args, payload: Bytes, window: Window) -> anyhow::Result<Vec<Histogram<u64>>> {
    use idlc_bench_rpc::volo_gen::echo::EchoClientBuilder;

    let addr: std::net::SocketAddr = args.addr.parse()?;
    let client = EchoClientBuilder::new("echo")
        .address(volo::net::Address::from(addr))
        .build();
    run_callers(args.callers, payload, window, move |payload| {
        let client = client.clone();
        async move {
            client
                .echo(payload)
                .await
                .map_err(|error| anyhow::anyhow!("volo call: {error}"))
        }
    })
    .await
}

fn apache(
    args: &Args,
    payload: Bytes,
    window: Window,
    nodelay: bool,
) -> anyhow::Result<Vec<Histogram<u64>>> {
    use idlc_bench_rpc::apache_gen::{EchoSyncClient, TEchoSyncClient};
    use thrift::protocol::{TBinaryInputProtocol, TBinaryOutputProtocol};
    use thrift::transport::{TFramedReadTransport, TFramedWriteTransport, TIoChannel, TTcpChannel};

    let callers: Vec<_> = (0..args.callers)
        .map(|_| {
            let addr = args.addr.clone();
            let payload = payload.to_vec();
            std::thread::spawn(move || {
                let channel = if nodelay {
                    let stream = TcpStream::connect(&addr)?;
                    stream.set_nodelay(true)?;
                    TTcpChannel::with_stream(stream)
                } else {
                    let mut channel = TTcpChannel::new();
                    channel.open(&addr)?;
                    channel
                };
                let (reader, writer) = channel.split()?;
                let mut client = EchoSyncClient::new(
                    TBinaryInputProtocol::new(TFramedReadTransport::new(reader), true),
                    TBinaryOutputProtocol::new(TFramedWriteTransport::new(writer), true),
                );
                let mut histogram = histogram();
                loop {
                    let start = Instant::now();
                    // Apache's generated client takes the payload by value: one copy per call is its API.
                    let reply = client.echo(payload.clone())?;
                    let end = Instant::now();
                    check_reply(&payload, &reply)?;
                    if !window.record(&mut histogram, start, end) {
                        return anyhow::Ok(histogram);
                    }
                }
            })
        })
        .collect();
    let mut histograms = Vec::with_capacity(callers.len());
    for caller in callers {
        let histogram = caller
            .join()
            .map_err(|_| anyhow::anyhow!("an Apache caller thread panicked"))??;
        histograms.push(histogram);
    }
    Ok(histograms)
}
