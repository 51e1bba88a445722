//! Runs the whole matrix (servers × payload sizes × caller counts, repeated) and prints a markdown table of the
//! medians. Each cell starts a fresh server process (so its peak RSS is that cell's), waits until it accepts
//! connections, runs `loadgen` against it in a process of its own, reads the server's `VmHWM` from
//! `/proc/<pid>/status`, and stops it. Repetitions go round the whole matrix, so a change in machine load
//! touches every cell alike.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;

#[derive(Parser, Debug)]
struct Args {
    /// Servers to measure, in table order (idlc, idlc-tls, volo, apache, apache-nodelay).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "idlc,volo,apache,apache-nodelay"
    )]
    servers: Vec<String>,
    /// Payload sizes in bytes.
    #[arg(long, value_delimiter = ',', default_value = "16,4096")]
    payloads: Vec<usize>,
    /// Concurrent caller counts.
    #[arg(long, value_delimiter = ',', default_value = "1,32")]
    callers: Vec<usize>,
    /// Times round the whole matrix; the table shows each cell's median.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Seconds of calls before measuring, per cell.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Seconds measured, per cell.
    #[arg(long, default_value_t = 10.0)]
    secs: f64,
}

/// One cell of the matrix.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Cell {
    payload: usize,
    callers: usize,
    server: String,
}

/// One measurement of one cell.
#[derive(Clone, Copy, Debug)]
struct Run {
    calls_per_sec: f64,
    p50_us: f64,
    p99_us: f64,
    peak_rss_kib: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin_dir = std::env::current_exe()?
        .parent()
        .context("the runner's directory")?
        .to_path_buf();
    let load_before = load_average();
    let started = Instant::now();
    let mut runs: BTreeMap<Cell, Vec<Run>> = BTreeMap::new();
    for round in 1..=args.repeat {
        for &payload in &args.payloads {
            for &callers in &args.callers {
                for server in &args.servers {
                    let cell = Cell {
                        payload,
                        callers,
                        server: server.clone(),
                    };
                    let run = measure(&bin_dir, &cell, &args)
                        .with_context(|| format!("round {round}, {cell:?}"))?;
                    eprintln!(
                        "round {round}: {server} {payload} B × {callers}: {:.0} calls/s, p50 {:.1} µs, \
                         p99 {:.1} µs, peak RSS {} KiB (load {})",
                        run.calls_per_sec,
                        run.p50_us,
                        run.p99_us,
                        run.peak_rss_kib,
                        load_average()
                    );
                    runs.entry(cell).or_default().push(run);
                }
            }
        }
    }
    let load_after = load_average();
    print!("{}", table(&args, &runs));
    println!();
    println!(
        "{} round(s) of {} s measured after {} s warm-up per cell, {:.0} s in all; load average (1, 5, 15 min) \
         {load_before} before, {load_after} after.",
        args.repeat,
        args.secs,
        args.warmup,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Starts the cell's server, drives it with `loadgen`, and reads its peak RSS before stopping it.
fn measure(bin_dir: &std::path::Path, cell: &Cell, args: &Args) -> anyhow::Result<Run> {
    let addr = free_addr()?;
    let mut server = start_server(bin_dir, &cell.server, &addr)?;
    let result = (|| {
        wait_until_accepting(&addr, &mut server)?;
        let output = Command::new(bin_dir.join("loadgen"))
            .arg(&cell.server)
            .arg(&addr)
            .args(["--callers", &cell.callers.to_string()])
            .args(["--payload", &cell.payload.to_string()])
            .args(["--warmup", &args.warmup.to_string()])
            .args(["--secs", &args.secs.to_string()])
            .args(if cell.server == "idlc-tls" {
                vec!["--tls-dir".to_owned(), tls_dir()?.display().to_string()]
            } else {
                Vec::new()
            })
            .stderr(Stdio::inherit())
            .output()
            .context("runs loadgen")?;
        if !output.status.success() {
            bail!("loadgen failed: {}", output.status);
        }
        let line = String::from_utf8(output.stdout)?;
        let peak_rss_kib = peak_rss_kib(server.id())?;
        parse_run(line.trim(), peak_rss_kib)
    })();
    // The servers run until killed; every one of them is stopped here, whatever happened.
    let _ = server.kill();
    let _ = server.wait();
    result
}

fn start_server(bin_dir: &std::path::Path, server: &str, addr: &str) -> anyhow::Result<Child> {
    let (binary, extra): (&str, &[&str]) = match server {
        "idlc" => ("idlc-server", &[]),
        "idlc-tls" => ("idlc-server", &["--tls"]),
        "volo" => ("volo-server", &[]),
        "apache" => ("apache-server", &[]),
        "apache-nodelay" => ("apache-server", &["--nodelay"]),
        other => bail!("unknown server `{other}`"),
    };
    let path: PathBuf = bin_dir.join(binary);
    let tls = if server == "idlc-tls" {
        vec![tls_dir()?.display().to_string()]
    } else {
        Vec::new()
    };
    Command::new(&path)
        .arg(addr)
        .args(extra)
        .args(tls)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starts {}", path.display()))
}

/// A directory with a self-signed certificate for `localhost` (`server.pem`, `server.key`), made once per
/// run for the idlc-tls cells.
fn tls_dir() -> anyhow::Result<PathBuf> {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    if let Some(dir) = DIR.get() {
        return Ok(dir.clone());
    }
    let dir = std::env::temp_dir().join(format!("idlc-bench-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
    std::fs::write(dir.join("server.pem"), certified.cert.pem())?;
    std::fs::write(dir.join("server.key"), certified.signing_key.serialize_pem())?;
    Ok(DIR.get_or_init(|| dir).clone())
}

/// A loopback address nobody listens on right now.
fn free_addr() -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.to_string())
}

fn wait_until_accepting(addr: &str, server: &mut Child) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        if let Some(status) = server.try_wait()? {
            bail!("the server exited before accepting connections: {status}");
        }
        if Instant::now() > deadline {
            bail!("the server did not accept connections on {addr} within 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The process's peak resident set size (`VmHWM`), in KiB.
fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .context("VmHWM in /proc/<pid>/status")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}

fn parse_run(line: &str, peak_rss_kib: u64) -> anyhow::Result<Run> {
    let field = |name: &str| -> anyhow::Result<f64> {
        let value = line
            .split_whitespace()
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .with_context(|| format!("`{name}=` in loadgen's output `{line}`"))?;
        Ok(value.parse()?)
    };
    Ok(Run {
        calls_per_sec: field("calls")? / field("secs")?,
        p50_us: field("p50_ns")? / 1000.0,
        p99_us: field("p99_ns")? / 1000.0,
        peak_rss_kib,
    })
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}

/// The medians of one cell's runs.
struct Summary {
    calls_per_sec: f64,
    calls_min: f64,
    calls_max: f64,
    p50_us: f64,
    p99_us: f64,
    peak_rss_mib: f64,
}

fn summarize(runs: &[Run]) -> Summary {
    let calls: Vec<f64> = runs.iter().map(|run| run.calls_per_sec).collect();
    Summary {
        calls_per_sec: median(calls.clone()),
        calls_min: calls.iter().copied().fold(f64::INFINITY, f64::min),
        calls_max: calls.iter().copied().fold(0.0, f64::max),
        p50_us: median(runs.iter().map(|run| run.p50_us).collect()),
        p99_us: median(runs.iter().map(|run| run.p99_us).collect()),
        peak_rss_mib: median(
            runs.iter()
                .map(|run| run.peak_rss_kib as f64 / 1024.0)
                .collect(),
        ),
    }
}

fn table(args: &Args, runs: &BTreeMap<Cell, Vec<Run>>) -> String {
    let mut out = String::new();
    let summary = |payload: usize, callers: usize, server: &str| {
        let cell = Cell {
            payload,
            callers,
            server: server.to_owned(),
        };
        runs.get(&cell).map(|runs| summarize(runs))
    };
    out.push_str(
        "| payload | callers | server | calls/s | calls/s min–max | p50 µs | p99 µs | server peak RSS MiB |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for &payload in &args.payloads {
        for &callers in &args.callers {
            for server in &args.servers {
                if let Some(s) = summary(payload, callers, server) {
                    let _ = writeln!(
                        out,
                        "| {} | {callers} | {server} | {} | {}–{} | {:.1} | {:.1} | {:.1} |",
                        size(payload),
                        thousands(s.calls_per_sec),
                        thousands(s.calls_min),
                        thousands(s.calls_max),
                        s.p50_us,
                        s.p99_us,
                        s.peak_rss_mib
                    );
                }
            }
        }
    }
    let peers: Vec<&String> = args
        .servers
        .iter()
        .filter(|server| *server != "idlc")
        .collect();
    if peers.is_empty() || !args.servers.iter().any(|server| server == "idlc") {
        return out;
    }
    out.push_str(
        "\nidlc relative to each peer, from the medians: calls/s as idlc ÷ peer, latency as peer ÷ idlc, so above \
         1 means idlc is better.\n\n| payload | callers |",
    );
    for peer in &peers {
        let _ = write!(
            out,
            " calls/s idlc/{peer} | p50 {peer}/idlc | p99 {peer}/idlc |"
        );
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---|---|---|".repeat(peers.len()));
    out.push('\n');
    for &payload in &args.payloads {
        for &callers in &args.callers {
            let Some(idlc) = summary(payload, callers, "idlc") else {
                continue;
            };
            let _ = write!(out, "| {} | {callers} |", size(payload));
            for peer in &peers {
                match summary(payload, callers, peer) {
                    Some(p) => {
                        let _ = write!(
                            out,
                            " {:.2}x | {:.2}x | {:.2}x |",
                            idlc.calls_per_sec / p.calls_per_sec,
                            p.p50_us / idlc.p50_us,
                            p.p99_us / idlc.p99_us
                        );
                    }
                    None => out.push_str(" – | – | – |"),
                }
            }
            out.push('\n');
        }
    }
    out
}

fn size(bytes: usize) -> String {
    if bytes >= 1024 && bytes % 1024 == 0 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} B")
    }
}

fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
