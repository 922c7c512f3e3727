//! The server's TLS identity: the administrator's certificate and key (`--tls-cert`,
//! `--tls-key`), or a self-signed certificate the server makes at first start and keeps in its
//! data directory (the key readable by its owner only), so that its fingerprint stays the same
//! across restarts and desktops can pin it at first sign-in, as SSH pins a host key. rustls with
//! the `ring` provider.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The file names of a made identity, in its folder.
const CERT_FILE: &str = "server.crt";
const KEY_FILE: &str = "server.key";

/// The names a made certificate is valid for: this machine.
const MADE_FOR: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Why the identity could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: no {what} in it")]
    Pem { path: PathBuf, what: &'static str },
    #[error("making the certificate: {0}")]
    Make(#[from] rcgen::Error),
    #[error("the certificate and key do not make a TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// What the server presents.
#[derive(Debug, Clone)]
pub struct Identity {
    pub config: Arc<rustls::ServerConfig>,
    /// SHA-256 of the leaf certificate (DER), as colon-separated uppercase hex pairs.
    pub fingerprint: String,
}

impl Identity {
    /// The identity from the administrator's PEM files: the chain, leaf first, and its key.
    pub fn from_files(cert: &Path, key: &Path) -> Result<Identity, TlsError> {
        let pem_error = |path: &Path, what| TlsError::Pem {
            path: path.to_owned(),
            what,
        };
        let chain = CertificateDer::pem_file_iter(cert)
            .map_err(|_| pem_error(cert, "certificate"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| pem_error(cert, "certificate"))?;
        if chain.is_empty() {
            return Err(pem_error(cert, "certificate"));
        }
        let key = PrivateKeyDer::from_pem_file(key).map_err(|_| pem_error(key, "private key"))?;
        Self::new(chain, key)
    }

    /// The identity kept in `dir`, made there first if there is none (the key file created
    /// with mode 0600).
    pub fn load_or_make(dir: &Path) -> Result<Identity, TlsError> {
        let (cert, key) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
        if !cert.exists() {
            make(dir, &cert, &key)?;
        }
        Self::from_files(&cert, &key)
    }

    fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Identity, TlsError> {
        let fingerprint = fingerprint(&chain[0]);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        Ok(Identity {
            config: Arc::new(config),
            fingerprint,
        })
    }
}

/// SHA-256 of `cert` as colon-separated uppercase hex pairs (`AB:CD:…`), as certificate
/// viewers show it.
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    helpr_proto::fingerprint(cert.as_ref())
}

/// Makes a self-signed certificate for this machine and writes it and its key into `dir`.
fn make(dir: &Path, cert_path: &Path, key_path: &Path) -> Result<(), TlsError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| TlsError::File { path, source }
    };
    fs::create_dir_all(dir).map_err(io(dir))?;
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(MADE_FOR.map(String::from).to_vec())?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "helpr-server");
    params.distinguished_name = name;
    let cert = params.self_signed(&key)?;
    // The key first, owner-only from its creation; the certificate last, as the marker that
    // both are there.
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(key_path)
        .and_then(|mut f| f.write_all(key.serialize_pem().as_bytes()))
        .map_err(io(key_path))?;
    fs::write(cert_path, cert.pem()).map_err(io(cert_path))?;
    Ok(())
}
