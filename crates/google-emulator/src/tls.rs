//! The emulator's TLS: a test CA generated at start (rcgen, ECDSA P-256, never written to
//! disk) and one leaf certificate for `127.0.0.1` and `localhost` signed by it, served by
//! the HTTPS listener and both SMTP listeners (implicit TLS and after STARTTLS) through
//! rustls with the `ring` provider. Clients trust the CA's PEM ([`TestCa::ca_pem`], or the
//! `[tls] extra_ca_pem` of the helpr configuration) and nothing else: a client with only the
//! public roots is refused.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// Why the test CA or the TLS configuration could not be made.
#[derive(Debug)]
pub enum TlsError {
    Certificate(rcgen::Error),
    Config(rustls::Error),
}

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsError::Certificate(e) => write!(f, "test certificate: {e}"),
            TlsError::Config(e) => write!(f, "TLS configuration: {e}"),
        }
    }
}

impl std::error::Error for TlsError {}

/// The generated CA and the server configuration presenting its leaf.
pub struct TestCa {
    ca_pem: String,
    server: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

impl TestCa {
    /// A fresh CA (`CN=google-emulator test CA`, valid from a day ago for 30 days) and a leaf
    /// for `127.0.0.1` and `localhost` (server auth) signed by it.
    pub fn generate() -> Result<Self, TlsError> {
        let now = OffsetDateTime::now_utc();
        let ca_key = KeyPair::generate().map_err(TlsError::Certificate)?;
        let mut ca = CertificateParams::default();
        ca.distinguished_name = name("google-emulator test CA (not for production)");
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca.not_before = now - Duration::days(1);
        ca.not_after = now + Duration::days(30);
        let ca_cert = ca.self_signed(&ca_key).map_err(TlsError::Certificate)?;
        let issuer = Issuer::new(ca, ca_key);

        let leaf_key = KeyPair::generate().map_err(TlsError::Certificate)?;
        let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .map_err(TlsError::Certificate)?;
        leaf.distinguished_name = name("127.0.0.1");
        leaf.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf.not_before = now - Duration::days(1);
        leaf.not_after = now + Duration::days(30);
        let leaf_cert = leaf
            .signed_by(&leaf_key, &issuer)
            .map_err(TlsError::Certificate)?;

        let chain = vec![
            CertificateDer::from(leaf_cert.der().to_vec()),
            CertificateDer::from(ca_cert.der().to_vec()),
        ];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Config)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(TlsError::Config)?;
        // HTTP/1.1 only (the hyper listener speaks nothing else); SMTP offers no ALPN.
        server.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            ca_pem: ca_cert.pem(),
            server: Arc::new(server),
        })
    }

    /// The CA certificate, PEM.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// An acceptor presenting the leaf (HTTPS and SMTP alike).
    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.server.clone())
    }
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}
