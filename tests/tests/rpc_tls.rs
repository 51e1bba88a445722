//! The server and the channel over TLS on loopback: calls in every transport, mutual TLS accepted and
//! refused, a wrong server name, a plaintext client on a TLS port, and TLS over a Unix socket. Certificates are
//! made at run time (`idlc_tests::tls::TestPki`).

use std::net::SocketAddr;
use std::time::Duration;

use idlc_runtime::context;
use idlc_runtime::{
    ClientTls, NoException, Protocol, Server, ServerBuilder, ServerTls, ServiceError, TcpChannel,
    Transport, TransportError,
};
use idlc_tests::generated::calculator::{
    Calculator, CalculatorCalculateException, CalculatorClient, CalculatorProcessor, Work,
};
use idlc_tests::generated::shared::{SharedService, SharedStruct};
use idlc_tests::tls::TestPki;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Answers `add`, and `get_struct` with whether the call came over TLS.
struct Handler;

impl SharedService for Handler {
    async fn get_struct(&self, key: i32) -> Result<SharedStruct, ServiceError<NoException>> {
        let call = context::call().expect("a call being served");
        Ok(SharedStruct {
            key,
            value: format!("tls={} transport={}", call.tls, call.transport),
        })
    }
}

impl Calculator for Handler {
    async fn ping(&self) -> Result<(), ServiceError<NoException>> {
        Ok(())
    }

    async fn add(&self, num1: i32, num2: i32) -> Result<i32, ServiceError<NoException>> {
        Ok(num1.wrapping_add(num2))
    }

    async fn calculate(
        &self,
        _logid: i32,
        w: Work,
    ) -> Result<i32, ServiceError<CalculatorCalculateException>> {
        Ok(w.first + w.second)
    }

    async fn zip(&self) -> Result<(), ServiceError<NoException>> {
        Ok(())
    }
}

async fn within<T>(secs: u64, test: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), test)
        .await
        .expect("the test finished in time")
}

fn server_tls(pki: &TestPki) -> ServerTls {
    ServerTls::from_pem(
        pki.server_cert_pem.as_bytes(),
        pki.server_key_pem.as_bytes(),
    )
    .unwrap()
}

fn client_tls(pki: &TestPki) -> ClientTls {
    ClientTls::from_pem_roots(pki.ca_pem.as_bytes()).unwrap()
}

async fn serve(builder: ServerBuilder) -> SocketAddr {
    let server = builder.bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.serve(CalculatorProcessor::new(Handler)));
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_over_tls_in_every_transport_and_protocol() {
    within(20, async {
        let pki = TestPki::new();
        let addr = serve(Server::builder().tls(server_tls(&pki))).await;
        for transport in [Transport::Framed, Transport::Unframed, Transport::Header] {
            for protocol in [Protocol::Binary, Protocol::Compact, Protocol::Json] {
                let channel = TcpChannel::builder(addr)
                    .transport(transport)
                    .protocol(protocol)
                    .tls(client_tls(&pki), "localhost")
                    .connect()
                    .await
                    .unwrap_or_else(|error| panic!("{transport} {protocol}: {error}"));
                let client = CalculatorClient::new(channel);
                assert_eq!(client.add(2, 3).await.unwrap(), 5, "{transport} {protocol}");
                let seen = client.get_struct(1).await.unwrap().value;
                assert_eq!(seen, format!("tls=true transport={transport}"));
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_serves_a_certified_client_and_refuses_others() {
    within(20, async {
        let pki = TestPki::new();
        let tls = server_tls(&pki)
            .require_client_cert(pki.client_ca_pem.as_bytes())
            .unwrap();
        let addr = serve(Server::builder().tls(tls)).await;

        let certified = client_tls(&pki)
            .identity(
                pki.client_cert_pem.as_bytes(),
                pki.client_key_pem.as_bytes(),
            )
            .unwrap();
        let channel = TcpChannel::builder(addr)
            .tls(certified, "localhost")
            .connect()
            .await
            .unwrap();
        assert_eq!(CalculatorClient::new(channel).add(1, 1).await.unwrap(), 2);

        // With TLS 1.3 the client's handshake completes before the server has checked its certificate; the
        // refusal arrives as an alert on the first read, failing the first call.
        for (name, tls) in [
            ("no certificate", client_tls(&pki)),
            (
                "a self-signed certificate",
                client_tls(&pki)
                    .identity(
                        pki.stranger_cert_pem.as_bytes(),
                        pki.stranger_key_pem.as_bytes(),
                    )
                    .unwrap(),
            ),
        ] {
            let refused = async {
                let channel = TcpChannel::builder(addr)
                    .tls(tls, "localhost")
                    .connect()
                    .await?;
                CalculatorClient::new(channel)
                    .add(1, 1)
                    .await
                    .map_err(|error| match error {
                        idlc_runtime::CallError::Transport(error) => error,
                        other => panic!("{name}: {other}"),
                    })
            }
            .await;
            let error = refused.expect_err(name);
            assert!(
                matches!(
                    error,
                    TransportError::Tls { .. } | TransportError::Io(_) | TransportError::Closed
                ),
                "{name}: {error:?}"
            );
        }
        // The server goes on serving certified clients.
        let certified = client_tls(&pki)
            .identity(
                pki.client_cert_pem.as_bytes(),
                pki.client_key_pem.as_bytes(),
            )
            .unwrap();
        let channel = TcpChannel::builder(addr)
            .tls(certified, "localhost")
            .connect()
            .await
            .unwrap();
        assert_eq!(CalculatorClient::new(channel).add(2, 2).await.unwrap(), 4);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_certificate_for_another_name_is_refused() {
    within(20, async {
        let pki = TestPki::new();
        let addr = serve(Server::builder().tls(server_tls(&pki))).await;
        let error = TcpChannel::builder(addr)
            .tls(client_tls(&pki), "other.example")
            .connect()
            .await
            .expect_err("a certificate for localhost does not name other.example");
        match &error {
            TransportError::Tls { source, .. } => assert!(
                source.to_string().contains("NotValidForName")
                    || source.to_string().contains("not valid for name"),
                "{source}"
            ),
            other => panic!("expected a TLS error, got {other:?}"),
        }
        let error = TcpChannel::builder(addr)
            .tls(client_tls(&pki), "not a name!")
            .connect()
            .await
            .expect_err("an invalid server name");
        assert!(matches!(error, TransportError::Tls { .. }), "{error:?}");
    })
    .await;
}

/// A plaintext client on a TLS port: the handshake fails on garbage, the connection is closed (no reply, no
/// panic), and the server goes on serving TLS clients. A client that connects and says nothing is closed after
/// the read timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_client_on_a_tls_port_is_closed_and_the_server_serves_on() {
    within(20, async {
        let pki = TestPki::new();
        let addr = serve(
            Server::builder()
                .tls(server_tls(&pki))
                .read_timeout(Duration::from_millis(300)),
        )
        .await;

        let plaintext = TcpChannel::builder(addr)
            .call_timeout(Duration::from_secs(5))
            .connect()
            .await
            .unwrap();
        let error = CalculatorClient::new(plaintext)
            .add(1, 1)
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                idlc_runtime::CallError::Transport(
                    TransportError::Closed | TransportError::Io(_) | TransportError::Frame(_)
                )
            ),
            "{error:?}"
        );

        let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
        let started = std::time::Instant::now();
        let mut buf = [0u8; 64];
        let read = silent.read(&mut buf).await;
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "closed after the read timeout, not {:?}",
            started.elapsed()
        );

        let mut raw = tokio::net::TcpStream::connect(addr).await.unwrap();
        raw.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut reply = Vec::new();
        let _ = raw.read_to_end(&mut reply).await;
        assert!(
            !reply.windows(4).any(|w| w == b"HTTP"),
            "no plaintext answer"
        );

        let channel = TcpChannel::builder(addr)
            .tls(client_tls(&pki), "127.0.0.1")
            .connect()
            .await
            .unwrap();
        assert_eq!(
            CalculatorClient::new(channel).add(20, 22).await.unwrap(),
            42
        );
    })
    .await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_over_a_unix_socket() {
    within(20, async {
        let pki = TestPki::new();
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("rpc-tls-unix");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("calculator.sock");
        let server = Server::builder()
            .tls(server_tls(&pki))
            .bind_unix(&path)
            .unwrap();
        tokio::spawn(server.serve(CalculatorProcessor::new(Handler)));
        let channel = TcpChannel::unix(&path)
            .transport(Transport::Header)
            .tls(client_tls(&pki), "localhost")
            .connect()
            .await
            .unwrap();
        let client = CalculatorClient::new(channel);
        assert_eq!(client.add(3, 4).await.unwrap(), 7);
        assert_eq!(
            client.get_struct(0).await.unwrap().value,
            "tls=true transport=header"
        );
    })
    .await;
}

/// A server that accepts the connection and never answers the handshake: connecting fails with a TLS error
/// after the channel's write timeout, rather than waiting for ever (no connect timeout is set).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_the_handshake_fails_the_connection_in_time() {
    within(20, async {
        let pki = TestPki::new();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let silent = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(stream);
        });
        let started = std::time::Instant::now();
        let error = TcpChannel::builder(addr)
            .write_timeout(Duration::from_millis(300))
            .tls(client_tls(&pki), "localhost")
            .connect()
            .await
            .expect_err("no handshake");
        let elapsed = started.elapsed();
        assert!(
            matches!(&error, TransportError::Tls { source, .. } if source.kind() == std::io::ErrorKind::TimedOut),
            "{error:?}"
        );
        assert!(
            elapsed >= Duration::from_millis(250) && elapsed < Duration::from_secs(3),
            "failed after {elapsed:?}"
        );
        silent.abort();
    })
    .await;
}
