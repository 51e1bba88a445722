//! The example's server and client binaries, run as a newcomer would run them: the client calls every method
//! over each transport and protocol the server answers.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the server even when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_client_binary_talks_to_the_server_binary_in_every_dialect() {
    let mut server = Running(
        Command::new(env!("CARGO_BIN_EXE_calculator-server"))
            .arg("127.0.0.1:0")
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
    for transport in ["framed", "unframed", "header"] {
        for protocol in ["binary", "compact", "json"] {
            let output = Command::new(env!("CARGO_BIN_EXE_calculator-client"))
                .args([addr.as_str(), transport, protocol])
                .output()
                .expect("run calculator-client");
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "{transport} {protocol}: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            );
            for line in [
                "add(1, 1) = 2",
                "calculate(1, 1 / 0) failed as declared",
                "calculate(1, 15 - 10) = 5",
                "getStruct(1) = SharedStruct { key: 1, value: \"5\" }",
                "zip() sent (oneway)",
            ] {
                assert!(
                    stdout.contains(line),
                    "{transport} {protocol}: no {line:?} in\n{stdout}"
                );
            }
        }
    }
}
