//! The runtime's TLS settings (`ServerTls`, `ClientTls`) in real handshakes over loopback TCP, with
//! certificates made for the run (`idlc_tests::tls::TestPki`): who gets through, who does not, and that a
//! refused peer fails on both sides without hanging.

use std::io;
use std::sync::LazyLock;
use std::time::Duration;

use idlc_runtime::net::tls::rustls::{self, AlertDescription, CertificateError};
use idlc_runtime::net::tls::{ClientTls, PemInput, ServerTls, TlsError, server_name};
use idlc_tests::tls::TestPki;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// Key generation is the slow part; every test can share one PKI.
static PKI: LazyLock<TestPki> = LazyLock::new(TestPki::new);

// Far longer than any loopback handshake; reached only if a side hangs.
const PATIENCE: Duration = Duration::from_secs(10);

const MESSAGE: &[u8] = b"a Thrift frame would go here";

fn server() -> ServerTls {
    ServerTls::from_pem(
        PKI.server_cert_pem.as_bytes(),
        PKI.server_key_pem.as_bytes(),
    )
    .expect("the server's certificate and key")
}

fn client() -> ClientTls {
    ClientTls::from_pem_roots(PKI.ca_pem.as_bytes()).expect("the server CA")
}

fn client_with(cert_pem: &str, key_pem: &str) -> ClientTls {
    client()
        .identity(cert_pem.as_bytes(), key_pem.as_bytes())
        .expect("a client identity")
}

/// How one connection went, from each side.
struct Outcome {
    /// The bytes the server read and echoed back, or why it could not.
    server: io::Result<Vec<u8>>,
    /// The bytes the client read back, or why it could not.
    client: io::Result<Vec<u8>>,
}

/// Accepts one connection with `server`, connects to it with `client` asking for `name`, and has the client
/// send [`MESSAGE`] and read it echoed, both sides within [`PATIENCE`].
async fn exchange(server: ServerTls, client: ClientTls, name: &str) -> Outcome {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let address = listener.local_addr().expect("the port's address");
    let acceptor = tokio_rustls::TlsAcceptor::from(server.config().clone());
    let serving = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let mut tls = acceptor.accept(tcp).await?;
        let mut got = vec![0; MESSAGE.len()];
        tls.read_exact(&mut got).await?;
        tls.write_all(&got).await?;
        tls.shutdown().await?;
        Ok(got)
    });

    let connector = tokio_rustls::TlsConnector::from(client.config().clone());
    let name = server_name(name).expect("a valid server name");
    let calling = async move {
        let tcp = TcpStream::connect(address).await?;
        let mut tls = connector.connect(name, tcp).await?;
        tls.write_all(MESSAGE).await?;
        tls.flush().await?;
        let mut got = Vec::new();
        tls.read_to_end(&mut got).await?;
        Ok(got)
    };

    let client = tokio::time::timeout(PATIENCE, calling)
        .await
        .expect("the client neither finished nor failed");
    let server = tokio::time::timeout(PATIENCE, serving)
        .await
        .expect("the server neither finished nor failed")
        .expect("the server task panicked");
    Outcome { server, client }
}

fn assert_echoed(outcome: Outcome) {
    assert_eq!(outcome.server.expect("the server's side"), MESSAGE);
    assert_eq!(outcome.client.expect("the client's side"), MESSAGE);
}

/// The TLS error behind a failed read, write or handshake.
fn tls_error(error: &io::Error) -> &rustls::Error {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .unwrap_or_else(|| panic!("`{error}` is not a TLS error"))
}

/// Both sides failed, each with an error that `server` and `client` accept.
fn assert_refused(
    outcome: Outcome,
    server: impl FnOnce(&rustls::Error) -> bool,
    client: impl FnOnce(&rustls::Error) -> bool,
) {
    let server_error = outcome
        .server
        .expect_err("the server must not get the message");
    let server_error = tls_error(&server_error);
    assert!(
        server(server_error),
        "the server failed with {server_error:?}"
    );
    // Over TLS 1.3 the client has finished its handshake before the server checks the client certificate:
    // it learns of the refusal from the alert on its first read.
    let client_error = outcome.client.expect_err("the client must not get an echo");
    let client_error = tls_error(&client_error);
    assert!(
        client(client_error),
        "the client failed with {client_error:?}"
    );
}

fn unknown_issuer(error: &rustls::Error) -> bool {
    matches!(
        error,
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
    )
}

fn alert(description: AlertDescription) -> impl FnOnce(&rustls::Error) -> bool {
    move |error| matches!(error, rustls::Error::AlertReceived(got) if *got == description)
}

#[tokio::test]
async fn handshake_then_echo() {
    assert_echoed(exchange(server(), client(), "localhost").await);
}

#[tokio::test]
async fn an_ip_address_is_a_server_name_too() {
    assert_echoed(exchange(server(), client(), "127.0.0.1").await);
}

#[tokio::test]
async fn a_client_that_brings_a_certificate_unasked_still_connects() {
    let client = client_with(&PKI.client_cert_pem, &PKI.client_key_pem);
    assert_echoed(exchange(server(), client, "localhost").await);
}

#[tokio::test]
async fn mutual_tls_accepts_a_client_certificate_from_the_client_ca() {
    let server = server()
        .require_client_cert(PKI.client_ca_pem.as_bytes())
        .unwrap();
    let client = client_with(&PKI.client_cert_pem, &PKI.client_key_pem);
    assert_echoed(exchange(server, client, "localhost").await);
}

#[tokio::test]
async fn mutual_tls_refuses_a_client_without_a_certificate() {
    let server = server()
        .require_client_cert(PKI.client_ca_pem.as_bytes())
        .unwrap();
    assert_refused(
        exchange(server, client(), "localhost").await,
        |error| matches!(error, rustls::Error::NoCertificatesPresented),
        alert(AlertDescription::CertificateRequired),
    );
}

#[tokio::test]
async fn mutual_tls_refuses_a_self_signed_client_certificate() {
    let server = server()
        .require_client_cert(PKI.client_ca_pem.as_bytes())
        .unwrap();
    let client = client_with(&PKI.stranger_cert_pem, &PKI.stranger_key_pem);
    assert_refused(
        exchange(server, client, "localhost").await,
        unknown_issuer,
        alert(AlertDescription::UnknownCA),
    );
}

#[tokio::test]
async fn mutual_tls_refuses_a_certificate_from_the_server_ca() {
    // Signed by a CA the server trusts for servers, not for clients.
    let server = server()
        .require_client_cert(PKI.client_ca_pem.as_bytes())
        .unwrap();
    let client = client_with(&PKI.server_cert_pem, &PKI.server_key_pem);
    assert_refused(
        exchange(server, client, "localhost").await,
        |error| matches!(error, rustls::Error::InvalidCertificate(_)),
        |error| matches!(error, rustls::Error::AlertReceived(_)),
    );
}

#[tokio::test]
async fn optional_client_auth_accepts_anonymous_and_certified_clients() {
    let server = || {
        server()
            .allow_client_cert(PKI.client_ca_pem.as_bytes())
            .unwrap()
    };
    assert_echoed(exchange(server(), client(), "localhost").await);
    let certified = client_with(&PKI.client_cert_pem, &PKI.client_key_pem);
    assert_echoed(exchange(server(), certified, "localhost").await);
}

#[tokio::test]
async fn optional_client_auth_still_refuses_a_certificate_it_cannot_verify() {
    let server = server()
        .allow_client_cert(PKI.client_ca_pem.as_bytes())
        .unwrap();
    let client = client_with(&PKI.stranger_cert_pem, &PKI.stranger_key_pem);
    assert_refused(
        exchange(server, client, "localhost").await,
        unknown_issuer,
        alert(AlertDescription::UnknownCA),
    );
}

#[tokio::test]
async fn a_client_refuses_a_certificate_for_another_name() {
    let outcome = exchange(server(), client(), "other.example").await;
    let client = outcome
        .client
        .expect_err("the client must refuse the server");
    assert!(
        matches!(
            tls_error(&client),
            rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })
        ),
        "the client failed with `{client}`, not about the name"
    );
    // The client aborts the handshake with an alert, so the server fails too.
    let server = outcome.server.expect_err("the server must see the refusal");
    assert!(
        alert(AlertDescription::BadCertificate)(tls_error(&server)),
        "{server}"
    );
}

#[tokio::test]
async fn a_client_refuses_a_server_its_roots_did_not_sign() {
    let stranger = ServerTls::from_pem(
        PKI.stranger_cert_pem.as_bytes(),
        PKI.stranger_key_pem.as_bytes(),
    )
    .unwrap();
    let outcome = exchange(stranger, client(), "localhost").await;
    let client = outcome
        .client
        .expect_err("the client must refuse the server");
    assert!(unknown_issuer(tls_error(&client)), "{client}");
    let server = outcome.server.expect_err("the server must see the refusal");
    assert!(
        alert(AlertDescription::UnknownCA)(tls_error(&server)),
        "{server}"
    );
}

#[tokio::test]
async fn a_client_trusting_a_self_signed_server_connects_to_it() {
    let stranger = ServerTls::from_pem(
        PKI.stranger_cert_pem.as_bytes(),
        PKI.stranger_key_pem.as_bytes(),
    )
    .unwrap();
    let client = ClientTls::from_pem_roots(PKI.stranger_cert_pem.as_bytes()).unwrap();
    assert_echoed(exchange(stranger, client, "localhost").await);
}

#[test]
fn pem_without_a_certificate() {
    let error = ServerTls::from_pem(b"", PKI.server_key_pem.as_bytes()).unwrap_err();
    assert!(matches!(
        error,
        TlsError::NoCertificate {
            input: PemInput::CertChain
        }
    ));
    // A key where the certificates should be.
    let error = ClientTls::from_pem_roots(PKI.server_key_pem.as_bytes()).unwrap_err();
    assert!(matches!(
        error,
        TlsError::NoCertificate {
            input: PemInput::Roots
        }
    ));
    let error = server().require_client_cert(b"not PEM at all").unwrap_err();
    assert!(matches!(
        error,
        TlsError::NoCertificate {
            input: PemInput::ClientCa
        }
    ));
}

#[test]
fn pem_without_a_private_key() {
    // The certificate where the key should be.
    let error = ServerTls::from_pem(
        PKI.server_cert_pem.as_bytes(),
        PKI.server_cert_pem.as_bytes(),
    )
    .unwrap_err();
    assert!(matches!(
        error,
        TlsError::NoPrivateKey {
            input: PemInput::PrivateKey
        }
    ));
    let error = client()
        .identity(PKI.client_cert_pem.as_bytes(), b"")
        .unwrap_err();
    assert!(matches!(error, TlsError::NoPrivateKey { .. }));
}

#[test]
fn malformed_pem() {
    let truncated = &PKI.ca_pem[..PKI.ca_pem.len() - 30];
    let error = ClientTls::from_pem_roots(truncated.as_bytes()).unwrap_err();
    assert!(
        matches!(
            error,
            TlsError::Pem {
                input: PemInput::Roots,
                ..
            }
        ),
        "{error:?}"
    );
    let bad_base64 = "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n";
    let error =
        ServerTls::from_pem(PKI.server_cert_pem.as_bytes(), bad_base64.as_bytes()).unwrap_err();
    assert!(
        matches!(
            error,
            TlsError::Pem {
                input: PemInput::PrivateKey,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn a_key_that_does_not_match_the_certificate() {
    let error = ServerTls::from_pem(
        PKI.server_cert_pem.as_bytes(),
        PKI.client_key_pem.as_bytes(),
    )
    .unwrap_err();
    assert!(matches!(error, TlsError::BadKey(_)), "{error:?}");
    let error = client()
        .identity(
            PKI.client_cert_pem.as_bytes(),
            PKI.server_key_pem.as_bytes(),
        )
        .unwrap_err();
    assert!(matches!(error, TlsError::BadKey(_)), "{error:?}");
}

#[test]
fn a_key_that_is_not_a_key() {
    let garbage = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    let error =
        ServerTls::from_pem(PKI.server_cert_pem.as_bytes(), garbage.as_bytes()).unwrap_err();
    assert!(matches!(error, TlsError::BadKey(_)), "{error:?}");
}

#[test]
fn a_ca_certificate_that_is_not_a_certificate() {
    let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let error = ClientTls::from_pem_roots(garbage.as_bytes()).unwrap_err();
    assert!(
        matches!(
            error,
            TlsError::BadCaCertificate {
                input: PemInput::Roots,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn invalid_server_names() {
    for name in ["", "not a name", "bad..example", "-.example"] {
        let error = server_name(name).unwrap_err();
        assert!(
            matches!(&error, TlsError::InvalidServerName { name: given, .. } if given == name),
            "{error:?}"
        );
    }
    server_name("localhost").unwrap();
    server_name("::1").unwrap();
}

#[test]
fn client_auth_cannot_be_added_to_a_custom_config() {
    let custom = ServerTls::from_config(server().config().clone());
    let error = custom
        .require_client_cert(PKI.client_ca_pem.as_bytes())
        .unwrap_err();
    assert!(matches!(error, TlsError::CustomConfig(_)), "{error:?}");
    let custom = ClientTls::from_config(client().config().clone());
    let error = custom
        .identity(
            PKI.client_cert_pem.as_bytes(),
            PKI.client_key_pem.as_bytes(),
        )
        .unwrap_err();
    assert!(matches!(error, TlsError::CustomConfig(_)), "{error:?}");
}

#[tokio::test]
async fn a_custom_config_works_like_the_one_it_came_from() {
    let server = ServerTls::from_config(server().config().clone());
    let client = ClientTls::from_config(client().config().clone());
    assert_echoed(exchange(server, client, "localhost").await);
}
