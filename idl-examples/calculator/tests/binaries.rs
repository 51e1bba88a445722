//! The example's server and client binaries, run as a newcomer would run them: the client calls every method
//! over each transport and protocol the server answers, and counts them.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

/// Kills the server even when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A server started with `args`, and its address.
struct Started {
    _server: Running,
    addr: String,
}

fn start_server(args: &[&str]) -> Started {
    let mut server = Running(
        Command::new(env!("CARGO_BIN_EXE_calculator-server"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start calculator-server"),
    );
    let mut banner = String::new();
    BufReader::new(server.0.stdout.take().expect("piped stdout"))
        .read_line(&mut banner)
        .expect("read the server's banner");
    let addr = banner
        .trim()
        .strip_prefix("calculator listening on ")
        .unwrap_or_else(|| panic!("unexpected banner {banner:?}"))
        .to_owned();
    Started {
        _server: server,
        addr,
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
