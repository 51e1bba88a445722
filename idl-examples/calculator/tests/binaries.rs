//! The example's server and client binaries, run as a newcomer would run them: the client calls every method
//! over each transport and protocol the server answers, in plain TCP and over TLS.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};

/// Kills the server even when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A server started with `args`, its address, the lines it printed before listening, and the rest of its
/// output still to read.
struct Started {
    server: Running,
    addr: String,
    before: Vec<String>,
    stdout: BufReader<ChildStdout>,
}

fn start_server(args: &[&str]) -> Started {
    let mut server = Running(
        Command::new(env!("CARGO_BIN_EXE_calculator-server"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start calculator-server"),
    );
    let mut stdout = BufReader::new(server.0.stdout.take().expect("piped stdout"));
    let mut before = Vec::new();
    loop {
        let mut line = String::new();
        let read = stdout
            .read_line(&mut line)
            .expect("read the server's output");
        assert!(read > 0, "the server stopped before listening: {before:?}");
        if let Some(addr) = line.trim().strip_prefix("calculator listening on ") {
            let addr = addr.to_owned();
            return Started {
                server,
                addr,
                before,
                stdout,
            };
        }
        before.push(line);
    }
}

fn run_client(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_calculator-client"))
        .args(args)
        .output()
        .expect("run calculator-client")
}

/// Checks that the client succeeded, got every answer, and counted its calls in the metrics table.
fn assert_every_call_answered(what: &str, output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{what}: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in [
        "add(1, 1) = 2",
        "calculate(1, 1 / 0) failed as declared",
        "calculate(1, 15 - 10) = 5",
        "getStruct(1) = SharedStruct { key: 1, value: \"5\" }",
        "zip() sent (oneway)",
        "calls made (the idlc_client_* metrics):",
    ] {
        assert!(stdout.contains(line), "{what}: no {line:?} in\n{stdout}");
    }
    // The declared exception is an answer, not a failure: no method has an error.
    for (method, requests) in [
        ("add", "1"),
        ("calculate", "2"),
        ("getStruct", "1"),
        ("ping", "1"),
        ("zip", "1"),
    ] {
        assert_row(what, &stdout, method, requests);
    }
}

/// Checks that the metrics table in `output` has `method`'s row with `requests` calls and no errors.
fn assert_row(what: &str, output: &str, method: &str, requests: &str) {
    let found = output.lines().any(|line| {
        let cells: Vec<&str> = line.split_whitespace().collect();
        // method, requests, p50, mean, errors
        cells.len() == 5 && cells[0] == method && cells[1] == requests && cells[4] == "0"
    });
    assert!(
        found,
        "{what}: no row for {method} with {requests} call(s) and no error in\n{output}"
    );
}

#[test]
fn the_client_binary_talks_to_the_server_binary_in_every_dialect() {
    let started = start_server(&["127.0.0.1:0"]);
    for transport in ["framed", "unframed", "header"] {
        for protocol in ["binary", "compact", "json"] {
            let output = run_client(&[started.addr.as_str(), transport, protocol]);
            assert_every_call_answered(&format!("{transport} {protocol}"), &output);
        }
    }
}

/// A directory of its own under cargo's scratch space, emptied first so the server has to make certificates.
fn empty_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    match std::fs::remove_dir_all(&dir) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            panic!("empty {}: {error}", dir.display())
        }
        _ => dir,
    }
}

#[test]
fn over_tls_the_server_makes_certificates_the_client_then_trusts() {
    let dir = empty_dir(&format!("calculator-tls-{}", std::process::id()));
    let dir_arg = dir.to_str().expect("a UTF-8 path");
    let mut started = start_server(&["127.0.0.1:0", "--tls", dir_arg]);
    assert!(
        started
            .before
            .iter()
            .any(|line| line.contains("throwaway CA")),
        "{:?}",
        started.before
    );
    for file in ["ca.pem", "server.pem", "server.key"] {
        assert!(dir.join(file).is_file(), "no {file} in {}", dir.display());
    }
    let addr = started.addr.as_str();

    // The flag may come first too.
    let output = run_client(&["--tls", dir_arg, addr, "header", "compact"]);
    assert_every_call_answered("header compact over TLS", &output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("(header compact over TLS)"), "{stdout}");

    let plaintext = run_client(&[addr, "header", "compact"]);
    assert!(
        !plaintext.status.success(),
        "a plaintext client was answered over TLS: {}",
        String::from_utf8_lossy(&plaintext.stdout)
    );

    // The server prints what it served once Ctrl-C stops it.
    #[cfg(unix)]
    {
        let interrupted = Command::new("kill")
            .args(["-INT", &started.server.0.id().to_string()])
            .status()
            .expect("run kill");
        assert!(interrupted.success());
        let mut rest = String::new();
        started
            .stdout
            .read_to_string(&mut rest)
            .expect("read the server's output");
        assert!(
            rest.contains("calls served (the idlc_server_* metrics):"),
            "{rest}"
        );
        assert_row("the server", &rest, "add", "1");
        assert!(started.server.0.wait().expect("wait").success(), "{rest}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
