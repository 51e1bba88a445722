//! Certificates for the TLS tests, made afresh by each test run: none are checked in, so none expire or leak.

use std::io;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A small PKI in PEM: a CA and the server certificate it signed, a second CA for clients and the client
/// certificate it signed, and a self-signed certificate that neither CA knows.
#[derive(Debug, Clone)]
pub struct TestPki {
    /// The CA that signed the server's certificate: what clients trust.
    pub ca_pem: String,
    /// The server's certificate, for `localhost` and `127.0.0.1`.
    pub server_cert_pem: String,
    /// The server certificate's private key (PKCS#8).
    pub server_key_pem: String,
    /// The CA that signed the client's certificate: what a server asking for client certificates trusts.
    pub client_ca_pem: String,
    /// The client's certificate. It names `127.0.0.1` too, as Apache Thrift's Python server checks a client
    /// certificate against the address the connection came from.
    pub client_cert_pem: String,
    /// The client certificate's private key (PKCS#8).
    pub client_key_pem: String,
    /// A self-signed certificate for `localhost` and `127.0.0.1`, signed by neither CA: a stranger, as a
    /// server or as a client.
    pub stranger_cert_pem: String,
    /// The stranger's private key (PKCS#8).
    pub stranger_key_pem: String,
}

/// Where [`TestPki::write_to`] put each PEM, for peers that take files (Apache Thrift's Python `TSSLSocket`).
#[derive(Debug, Clone)]
pub struct TestPkiFiles {
    /// [`TestPki::ca_pem`].
    pub ca: PathBuf,
    /// [`TestPki::server_cert_pem`].
    pub server_cert: PathBuf,
    /// [`TestPki::server_key_pem`].
    pub server_key: PathBuf,
    /// [`TestPki::client_ca_pem`].
    pub client_ca: PathBuf,
    /// [`TestPki::client_cert_pem`].
    pub client_cert: PathBuf,
    /// [`TestPki::client_key_pem`].
    pub client_key: PathBuf,
    /// [`TestPki::stranger_cert_pem`].
    pub stranger_cert: PathBuf,
    /// [`TestPki::stranger_key_pem`].
    pub stranger_key: PathBuf,
}

impl TestPki {
    /// Makes new keys and certificates (ECDSA P-256: quick to make, and every TLS stack takes it).
    pub fn new() -> Self {
        let (server_ca, ca_pem) = ca("idlc test server CA");
        let (server_cert_pem, server_key_pem) = leaf(
            &server_ca,
            "localhost",
            &["localhost", "127.0.0.1"],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client_ca, client_ca_pem) = ca("idlc test client CA");
        let (client_cert_pem, client_key_pem) = leaf(
            &client_ca,
            "idlc test client",
            &["client.localhost", "127.0.0.1"],
            ExtendedKeyUsagePurpose::ClientAuth,
        );
        let stranger_key = KeyPair::generate().expect("an ECDSA key");
        let mut stranger = params(&["localhost", "127.0.0.1"]);
        stranger
            .distinguished_name
            .push(DnType::CommonName, "idlc test stranger");
        let stranger_cert = stranger
            .self_signed(&stranger_key)
            .expect("a self-signed certificate");
        Self {
            ca_pem,
            server_cert_pem,
            server_key_pem,
            client_ca_pem,
            client_cert_pem,
            client_key_pem,
            stranger_cert_pem: stranger_cert.pem(),
            stranger_key_pem: stranger_key.serialize_pem(),
        }
    }

    /// Writes every PEM into `dir` (which must exist), one file each.
    pub fn write_to(&self, dir: &Path) -> io::Result<TestPkiFiles> {
        let write = |name: &str, pem: &str| -> io::Result<PathBuf> {
            let path = dir.join(name);
            std::fs::write(&path, pem)?;
            Ok(path)
        };
        Ok(TestPkiFiles {
            ca: write("ca.pem", &self.ca_pem)?,
            server_cert: write("server-cert.pem", &self.server_cert_pem)?,
            server_key: write("server-key.pem", &self.server_key_pem)?,
            client_ca: write("client-ca.pem", &self.client_ca_pem)?,
            client_cert: write("client-cert.pem", &self.client_cert_pem)?,
            client_key: write("client-key.pem", &self.client_key_pem)?,
            stranger_cert: write("stranger-cert.pem", &self.stranger_cert_pem)?,
            stranger_key: write("stranger-key.pem", &self.stranger_key_pem)?,
        })
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

fn params(names: &[&str]) -> CertificateParams {
    let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("valid subject alternative names");
    // OpenSSL's strict checks (which newer Pythons turn on) want an authority key identifier on every
    // certificate a CA signed.
    params.use_authority_key_identifier_extension = true;
    params
}

fn ca(name: &str) -> (Issuer<'static, KeyPair>, String) {
    let key = KeyPair::generate().expect("an ECDSA key");
    let mut params = params(&[]);
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let pem = params
        .self_signed(&key)
        .expect("a self-signed CA certificate")
        .pem();
    (Issuer::new(params, key), pem)
}

fn leaf(
    issuer: &Issuer<'_, KeyPair>,
    common_name: &str,
    names: &[&str],
    usage: ExtendedKeyUsagePurpose,
) -> (String, String) {
    let key = KeyPair::generate().expect("an ECDSA key");
    let mut params = params(names);
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    let cert = params
        .signed_by(&key, issuer)
        .expect("a certificate signed by the CA");
    (cert.pem(), key.serialize_pem())
}
