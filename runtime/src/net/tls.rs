//! TLS for the server and the client, with rustls on its ring crypto provider.
//!
//! - [`ServerTls`] is what a server needs to accept TLS connections: its certificate chain and private key,
//!   and optionally the CA that client certificates must be signed by (mutual TLS, required with
//!   [`ServerTls::require_client_cert`] or optional with [`ServerTls::allow_client_cert`]).
//! - [`ClientTls`] is what a client needs to connect: the CAs it trusts to sign the server's certificate,
//!   and optionally its own certificate and key for a server that asks for one ([`ClientTls::identity`]).
//!   The name the server's certificate must be valid for is given per connection, with [`server_name`].
//! - [`TlsError`] tells which input was wrong and how, when one of them is built from PEM.
//!
//! Both are built from PEM (the certificate and key files most deployments already have), or from a rustls
//! config for anything else (other providers, ALPN, session resumption settings, custom verifiers): build it
//! with the [`rustls`] re-exported here, so that its version is the one this crate was built with.
//!
//! Every config built here names the ring provider itself, so no process-wide default provider has to be
//! installed, and the protocol versions are rustls' safe defaults (TLS 1.3 and 1.2).
//!
//! ```no_run
//! use idlc_runtime::net::tls::{ClientTls, ServerTls, server_name};
//!
//! # fn main() -> Result<(), idlc_runtime::net::tls::TlsError> {
//! let server = ServerTls::from_pem(
//!     &std::fs::read("server-chain.pem").unwrap(),
//!     &std::fs::read("server-key.pem").unwrap(),
//! )?
//! // Mutual TLS: only clients with a certificate signed by this CA get through the handshake.
//! .require_client_cert(&std::fs::read("client-ca.pem").unwrap())?;
//!
//! let client = ClientTls::from_pem_roots(&std::fs::read("ca.pem").unwrap())?
//!     .identity(
//!         &std::fs::read("client-chain.pem").unwrap(),
//!         &std::fs::read("client-key.pem").unwrap(),
//!     )?;
//! let name = server_name("calculator.example")?;
//! # let _ = (server, client, name);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;

pub use tokio_rustls::rustls;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, InvalidDnsNameError, PrivateKeyDer, ServerName};
use rustls::server::danger::ClientCertVerifier;
use rustls::server::{VerifierBuilderError, WebPkiClientVerifier};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// Which PEM input a [`TlsError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PemInput {
    /// The certificate chain of a server, or of a client's identity.
    CertChain,
    /// The private key of a server, or of a client's identity.
    PrivateKey,
    /// The CA certificates client certificates are checked against.
    ClientCa,
    /// The CA certificates a client trusts to sign servers' certificates.
    Roots,
}

impl fmt::Display for PemInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CertChain => "the certificate chain PEM",
            Self::PrivateKey => "the private key PEM",
            Self::ClientCa => "the client CA PEM",
            Self::Roots => "the root CA PEM",
        })
    }
}

/// Why a TLS configuration could not be built, or a server name not used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The input is not well-formed PEM.
    #[error("{input} is not valid PEM: {source}")]
    Pem {
        /// The input at fault.
        input: PemInput,
        /// What the PEM parser found wrong.
        #[source]
        source: pem::Error,
    },
    /// The input has no `CERTIFICATE` section.
    #[error("{input} has no certificate")]
    NoCertificate {
        /// The input at fault.
        input: PemInput,
    },
    /// The input has no private key section (PKCS#8, PKCS#1 or SEC1; encrypted keys are not read).
    #[error("{input} has no private key")]
    NoPrivateKey {
        /// The input at fault.
        input: PemInput,
    },
    /// A CA certificate cannot be used as a trust anchor (it is not a well-formed X.509 certificate).
    #[error("{input} has a certificate that cannot be a trust anchor: {source}")]
    BadCaCertificate {
        /// The input at fault.
        input: PemInput,
        /// What rustls found wrong.
        #[source]
        source: rustls::Error,
    },
    /// The private key is not one the crypto provider can use, or it does not match the first certificate of
    /// the chain.
    #[error("the private key is unusable or does not match the certificate chain: {0}")]
    BadKey(#[source] rustls::Error),
    /// The client certificate verifier could not be built.
    #[error("cannot verify client certificates: {0}")]
    ClientVerifier(#[source] VerifierBuilderError),
    /// rustls refused the configuration.
    #[error("rustls: {0}")]
    Rustls(#[source] rustls::Error),
    /// The name is neither a DNS name nor an IP address, so a certificate cannot be checked against it.
    #[error("invalid server name {name:?}: {source}")]
    InvalidServerName {
        /// The name given.
        name: String,
        /// Why it is not a name.
        #[source]
        source: InvalidDnsNameError,
    },
    /// A method that rebuilds the config from its PEM inputs was called on one made with `from_config`,
    /// whose inputs it does not have.
    #[error("{0} needs a config built from PEM; set it in the custom rustls config instead")]
    CustomConfig(&'static str),
}

/// The TLS settings of a server: its certificate, its key, and how it treats client certificates.
#[derive(Debug, Clone)]
pub struct ServerTls {
    config: Arc<ServerConfig>,
    // Kept so that client authentication can be added after the fact; `None` for a custom config.
    identity: Option<Arc<CertifiedKey>>,
}

impl ServerTls {
    /// A server presenting `cert_chain_pem` (its own certificate first, then any intermediates) with the
    /// private key in `key_pem`, and asking clients for no certificate.
    pub fn from_pem(cert_chain_pem: &[u8], key_pem: &[u8]) -> Result<Self, TlsError> {
        let provider = provider();
        let identity = Arc::new(certified_key(cert_chain_pem, key_pem, &provider)?);
        let config = server_config(provider, None, &identity)?;
        Ok(Self {
            config,
            identity: Some(identity),
        })
    }

    /// Mutual TLS: the handshake fails for a client without a certificate signed by a CA in `client_ca_pem`.
    pub fn require_client_cert(self, client_ca_pem: &[u8]) -> Result<Self, TlsError> {
        self.with_client_auth(client_ca_pem, false, "require_client_cert")
    }

    /// Optional client authentication: clients without a certificate are accepted, but a certificate that
    /// is presented must be signed by a CA in `client_ca_pem`.
    pub fn allow_client_cert(self, client_ca_pem: &[u8]) -> Result<Self, TlsError> {
        self.with_client_auth(client_ca_pem, true, "allow_client_cert")
    }

    /// A server with a rustls config built by hand, for whatever the PEM constructors do not cover.
    pub fn from_config(config: Arc<ServerConfig>) -> Self {
        Self {
            config,
            identity: None,
        }
    }

    /// The rustls config connections are accepted with.
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    /// The acceptor for one connection: a clone of an `Arc`, so the server can take one per connection.
    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.clone())
    }

    fn with_client_auth(
        self,
        client_ca_pem: &[u8],
        anonymous_too: bool,
        method: &'static str,
    ) -> Result<Self, TlsError> {
        let identity = self.identity.ok_or(TlsError::CustomConfig(method))?;
        let provider = provider();
        let roots = root_store(client_ca_pem, PemInput::ClientCa)?;
        let mut verifier = WebPkiClientVerifier::builder_with_provider(roots, provider.clone());
        if anonymous_too {
            verifier = verifier.allow_unauthenticated();
        }
        let verifier = verifier.build().map_err(TlsError::ClientVerifier)?;
        let config = server_config(provider, Some(verifier), &identity)?;
        Ok(Self {
            config,
            identity: Some(identity),
        })
    }
}

/// The TLS settings of a client: the CAs it trusts, and the certificate it presents if the server asks.
#[derive(Debug, Clone)]
pub struct ClientTls {
    config: Arc<ClientConfig>,
    // Kept so that an identity can be added after the fact; `None` for a custom config.
    roots: Option<Arc<RootCertStore>>,
}

impl ClientTls {
    /// A client trusting the CA certificates in `ca_pem` (and no others) to sign servers' certificates, and
    /// presenting no certificate of its own.
    pub fn from_pem_roots(ca_pem: &[u8]) -> Result<Self, TlsError> {
        let roots = root_store(ca_pem, PemInput::Roots)?;
        let config = client_builder(provider(), roots.clone())?.with_no_client_auth();
        Ok(Self {
            config: Arc::new(config),
            roots: Some(roots),
        })
    }

    /// Presents `cert_chain_pem` (the client's certificate first) with the key in `key_pem` to servers that
    /// ask for a client certificate.
    pub fn identity(self, cert_chain_pem: &[u8], key_pem: &[u8]) -> Result<Self, TlsError> {
        let roots = self.roots.ok_or(TlsError::CustomConfig("identity"))?;
        let provider = provider();
        let identity = certified_key(cert_chain_pem, key_pem, &provider)?;
        let config = client_builder(provider, roots.clone())?
            .with_client_cert_resolver(Arc::new(SingleCertAndKey::from(identity)));
        Ok(Self {
            config: Arc::new(config),
            roots: Some(roots),
        })
    }

    /// A client with a rustls config built by hand, for whatever the PEM constructors do not cover.
    pub fn from_config(config: Arc<ClientConfig>) -> Self {
        Self {
            config,
            roots: None,
        }
    }

    /// The rustls config connections are made with.
    pub fn config(&self) -> &Arc<ClientConfig> {
        &self.config
    }

    /// The connector for one connection: a clone of an `Arc`, so a channel can take one per connection.
    pub(crate) fn connector(&self) -> tokio_rustls::TlsConnector {
        tokio_rustls::TlsConnector::from(self.config.clone())
    }
}

/// The name a server's certificate is checked against (and sent as SNI): a DNS name or an IP address.
pub fn server_name(name: &str) -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(name.to_owned()).map_err(|source| TlsError::InvalidServerName {
        name: name.to_owned(),
        source,
    })
}

// A fresh provider for each config rather than the process-wide default, which a program may not have
// installed (or may have installed differently).
fn provider() -> Arc<CryptoProvider> {
    let mut provider = rustls::crypto::ring::default_provider();
    // AES-128-GCM before AES-256-GCM, as Go's and BoringSSL's defaults order them: 128-bit keys are ample
    // for a session, and ring seals a 4 KiB record about 15% faster with them. Nothing is removed: a peer
    // that insists on AES-256 or ChaCha20 still gets it.
    provider
        .cipher_suites
        .sort_by_key(|suite| suite.suite() != rustls::CipherSuite::TLS13_AES_128_GCM_SHA256);
    Arc::new(provider)
}

fn server_config(
    provider: Arc<CryptoProvider>,
    client_verifier: Option<Arc<dyn ClientCertVerifier>>,
    identity: &Arc<CertifiedKey>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let builder = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Rustls)?;
    let builder = match client_verifier {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_no_client_auth(),
    };
    let resolver = SingleCertAndKey::from(identity.clone());
    Ok(Arc::new(builder.with_cert_resolver(Arc::new(resolver))))
}

fn client_builder(
    provider: Arc<CryptoProvider>,
    roots: Arc<RootCertStore>,
) -> Result<rustls::ConfigBuilder<ClientConfig, rustls::client::WantsClientCert>, TlsError> {
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Rustls)?
        .with_root_certificates(roots))
}

fn certificates(pem: &[u8], input: PemInput) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::Pem { input, source })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate { input });
    }
    Ok(certs)
}

fn private_key(pem: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    let input = PemInput::PrivateKey;
    PrivateKeyDer::from_pem_slice(pem).map_err(|source| match source {
        pem::Error::NoItemsFound => TlsError::NoPrivateKey { input },
        source => TlsError::Pem { input, source },
    })
}

// Checked here rather than at the first handshake, so that a key that does not fit its certificate is an
// error at startup, not a failure for every client.
fn certified_key(
    cert_chain_pem: &[u8],
    key_pem: &[u8],
    provider: &CryptoProvider,
) -> Result<CertifiedKey, TlsError> {
    let chain = certificates(cert_chain_pem, PemInput::CertChain)?;
    let key = private_key(key_pem)?;
    CertifiedKey::from_der(chain, key, provider).map_err(TlsError::BadKey)
}

fn root_store(pem: &[u8], input: PemInput) -> Result<Arc<RootCertStore>, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in certificates(pem, input)? {
        roots
            .add(cert)
            .map_err(|source| TlsError::BadCaCertificate { input, source })?;
    }
    Ok(Arc::new(roots))
}

// The handshakes in every combination of certificates are tested in the idlc-tests package (tests/tls.rs);
// these only check that the acceptor and connector the server and the channel take work together.
#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A CA's PEM, and a certificate it signed for `localhost` with its key, as PEM.
    fn ca_and_leaf() -> (String, String, String) {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        let leaf_pem = leaf.signed_by(&key, &issuer).unwrap().pem();
        (ca_pem, leaf_pem, key.serialize_pem())
    }

    /// One handshake over loopback; then the client sends a byte and the server echoes it.
    async fn echo(
        server: &ServerTls,
        client: &ClientTls,
    ) -> (std::io::Result<()>, std::io::Result<u8>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let acceptor = server.acceptor();
        let serving = async move {
            let (tcp, _) = listener.accept().await?;
            let mut tls = acceptor.accept(tcp).await?;
            let byte = tls.read_u8().await?;
            tls.write_u8(byte).await?;
            tls.shutdown().await
        };
        let connector = client.connector();
        let calling = async move {
            let tcp = tokio::net::TcpStream::connect(address).await?;
            let mut tls = connector
                .connect(server_name("localhost").unwrap(), tcp)
                .await?;
            tls.write_u8(42).await?;
            tls.read_u8().await
        };
        let both = async { tokio::join!(serving, calling) };
        tokio::time::timeout(std::time::Duration::from_secs(10), both)
            .await
            .expect("a side hung")
    }

    #[tokio::test]
    async fn acceptor_and_connector_agree() {
        let (ca, cert, key) = ca_and_leaf();
        let server = ServerTls::from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
        let client = ClientTls::from_pem_roots(ca.as_bytes()).unwrap();
        let (served, called) = echo(&server, &client).await;
        served.unwrap();
        assert_eq!(called.unwrap(), 42);
    }

    #[tokio::test]
    async fn the_two_ends_agree_on_aes_128_gcm_and_a_peer_preferring_another_suite_gets_it() {
        let (ca, cert, key) = ca_and_leaf();
        let server = ServerTls::from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
        let ours = ClientTls::from_pem_roots(ca.as_bytes()).unwrap();
        let mut roots = RootCertStore::empty();
        for ca in CertificateDer::pem_slice_iter(ca.as_bytes()) {
            roots.add(ca.unwrap()).unwrap();
        }
        // rustls' own default order, which puts AES-256-GCM first.
        let theirs = ClientTls::from_config(Arc::new(
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        ));
        let mut suites = Vec::new();
        for client in [&ours, &theirs] {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            let acceptor = server.acceptor();
            let serving = async move {
                let (tcp, _) = listener.accept().await.unwrap();
                acceptor.accept(tcp).await.unwrap()
            };
            let connector = client.connector();
            let calling = async move {
                let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
                connector
                    .connect(server_name("localhost").unwrap(), tcp)
                    .await
                    .unwrap()
            };
            let (served, called) = tokio::join!(serving, calling);
            let suite = called
                .get_ref()
                .1
                .negotiated_cipher_suite()
                .unwrap()
                .suite();
            assert_eq!(
                served
                    .get_ref()
                    .1
                    .negotiated_cipher_suite()
                    .unwrap()
                    .suite(),
                suite
            );
            suites.push(suite);
        }
        assert_eq!(
            suites,
            [
                rustls::CipherSuite::TLS13_AES_128_GCM_SHA256,
                rustls::CipherSuite::TLS13_AES_256_GCM_SHA384
            ]
        );
    }

    #[tokio::test]
    async fn mutual_tls_needs_the_client_identity() {
        let (ca, cert, key) = ca_and_leaf();
        let server = ServerTls::from_pem(cert.as_bytes(), key.as_bytes())
            .unwrap()
            .require_client_cert(ca.as_bytes())
            .unwrap();
        let anonymous = ClientTls::from_pem_roots(ca.as_bytes()).unwrap();
        let (served, called) = echo(&server, &anonymous).await;
        served.unwrap_err();
        called.unwrap_err();

        // The server's own certificate will do as the client's: the same CA signed it.
        let known = anonymous.identity(cert.as_bytes(), key.as_bytes()).unwrap();
        let (served, called) = echo(&server, &known).await;
        served.unwrap();
        assert_eq!(called.unwrap(), 42);
    }

    #[test]
    fn bad_pem_is_an_error() {
        let (ca, cert, key) = ca_and_leaf();
        assert!(matches!(
            ServerTls::from_pem(b"", key.as_bytes()),
            Err(TlsError::NoCertificate {
                input: PemInput::CertChain
            })
        ));
        assert!(matches!(
            ServerTls::from_pem(cert.as_bytes(), ca.as_bytes()),
            Err(TlsError::NoPrivateKey { .. })
        ));
        let truncated = &ca.as_bytes()[..ca.len() / 2];
        assert!(matches!(
            ClientTls::from_pem_roots(truncated),
            Err(TlsError::Pem {
                input: PemInput::Roots,
                ..
            })
        ));
        assert!(matches!(
            server_name("not a name"),
            Err(TlsError::InvalidServerName { .. })
        ));
    }
}
