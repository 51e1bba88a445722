//! `--tls DIR` for the binaries: the server's certificate and key, and the CA the client trusts, as PEM files
//! in one directory. A server given an empty directory makes a throwaway CA there, so TLS can be tried without
//! any PKI of one's own.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use idlc_runtime::{ClientTls, ServerTls};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// The CA certificate that signed the server's: what the client trusts.
pub const CA_PEM: &str = "ca.pem";
/// The server's certificate chain, its own certificate first.
pub const SERVER_PEM: &str = "server.pem";
/// The server certificate's private key.
pub const SERVER_KEY: &str = "server.key";

/// Removes `--tls DIR` (or `--tls=DIR`) from `args`, wherever it is, and returns `DIR`.
pub fn take_flag(args: &mut Vec<String>) -> Result<Option<PathBuf>, String> {
    let Some(at) = args
        .iter()
        .position(|arg| arg == "--tls" || arg.starts_with("--tls="))
    else {
        return Ok(None);
    };
    let flag = args.remove(at);
    let dir = match flag.strip_prefix("--tls=") {
        Some(dir) => dir.to_owned(),
        None if at < args.len() => args.remove(at),
        None => return Err("--tls needs a directory".to_owned()),
    };
    Ok(Some(PathBuf::from(dir)))
}

/// Makes a throwaway CA and a server certificate for `localhost` and `127.0.0.1` in `dir` (created if need
/// be) unless it already has them; returns whether it made them.
///
/// A directory with only some of the files is an error rather than overwritten: they may be someone's real
/// certificates.
pub fn generate_if_missing(dir: &Path) -> Result<bool, Box<dyn Error>> {
    let files = [CA_PEM, SERVER_PEM, SERVER_KEY];
    let present: Vec<&str> = files
        .into_iter()
        .filter(|name| dir.join(name).exists())
        .collect();
    if present.len() == files.len() {
        return Ok(false);
    }
    if !present.is_empty() {
        return Err(format!(
            "{} has {} but not all of {}: remove them to have new ones made",
            dir.display(),
            present.join(", "),
            files.join(", ")
        )
        .into());
    }
    fs::create_dir_all(dir)?;
    let (ca, ca_pem) = ca()?;
    let (server_pem, server_key) = server(&ca)?;
    fs::write(dir.join(CA_PEM), ca_pem)?;
    fs::write(dir.join(SERVER_PEM), server_pem)?;
    write_private(&dir.join(SERVER_KEY), &server_key)?;
    Ok(true)
}

/// The server's TLS settings from `dir`'s [`SERVER_PEM`] and [`SERVER_KEY`].
pub fn server_tls(dir: &Path) -> Result<ServerTls, Box<dyn Error>> {
    Ok(ServerTls::from_pem(
        &read(&dir.join(SERVER_PEM))?,
        &read(&dir.join(SERVER_KEY))?,
    )?)
}

/// The client's TLS settings: trust the CA in `dir`'s [`CA_PEM`], and no other.
pub fn client_tls(dir: &Path) -> Result<ClientTls, Box<dyn Error>> {
    Ok(ClientTls::from_pem_roots(&read(&dir.join(CA_PEM))?)?)
}

/// Reads `path`, naming it in the error: a bare "No such file or directory" would not say which file.
fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|error| format!("{}: {error}", path.display()))
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    // Even a throwaway key should not be readable by other users of the machine.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, contents.as_bytes())
}

fn params(names: &[&str]) -> Result<CertificateParams, rcgen::Error> {
    let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    let mut params = CertificateParams::new(names)?;
    // OpenSSL's strict checks (on in newer Pythons, say) want an authority key identifier on every certificate
    // a CA signed, so other Thrift clients can trust these certificates too.
    params.use_authority_key_identifier_extension = true;
    Ok(params)
}

fn ca() -> Result<(Issuer<'static, KeyPair>, String), rcgen::Error> {
    let key = KeyPair::generate()?;
    let mut params = params(&[])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "calculator-example throwaway CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let pem = params.self_signed(&key)?.pem();
    Ok((Issuer::new(params, key), pem))
}

fn server(ca: &Issuer<'_, KeyPair>) -> Result<(String, String), rcgen::Error> {
    let key = KeyPair::generate()?;
    let mut params = params(&["localhost", "127.0.0.1"])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, ca)?;
    Ok((cert.pem(), key.serialize_pem()))
}
