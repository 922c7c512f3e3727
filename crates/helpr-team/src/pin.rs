//! Trust in one server certificate, by its fingerprint ([`helpr_proto::fingerprint`]). A team
//! server usually has a self-signed certificate: at first sign-in the desktop reads its
//! fingerprint ([`probe`]), shows it for the person to compare with what the server printed,
//! and from then on accepts only that certificate ([`client`]), as SSH does with host keys.
//! Signatures are still verified: only the holder of the pinned certificate's key gets through.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;

use crate::address::ServerAddress;

/// Why a fingerprint could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot reach the server: {0}")]
    Connect(String),
    #[error("the server's TLS handshake failed: {0}")]
    Handshake(String),
    #[error("the server is plain http on this machine; it has no certificate to pin")]
    NotTls,
}

/// Accepts the certificate with `fingerprint`, or, with none, any certificate whose holder
/// proves its key (and remembers which one it saw).
#[derive(Debug)]
struct Pinned {
    fingerprint: Option<String>,
    seen: Mutex<Option<String>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen = helpr_proto::fingerprint(end_entity.as_ref());
        let accepted = self.fingerprint.as_ref().is_none_or(|pin| *pin == seen);
        *self.seen.lock().expect("seen lock") = Some(seen);
        if accepted {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "the server's certificate is not the one pinned at sign-in".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn config(verifier: Arc<Pinned>) -> rustls::ClientConfig {
    rustls::ClientConfig::builder_with_provider(verifier.provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth()
}

fn verifier(fingerprint: Option<&str>) -> Arc<Pinned> {
    Arc::new(Pinned {
        fingerprint: fingerprint.map(str::to_owned),
        seen: Mutex::new(None),
        provider: Arc::new(rustls::crypto::ring::default_provider()),
    })
}

/// The rustls configuration that trusts only the certificate with `fingerprint` (for the
/// socket's own TLS).
pub fn tls_config(fingerprint: &str) -> rustls::ClientConfig {
    config(verifier(Some(fingerprint)))
}

/// An HTTPS client that trusts only the certificate with `fingerprint`.
pub fn client(fingerprint: &str) -> reqwest::Client {
    client_with(tls_config(fingerprint))
}

/// An HTTPS client over `tls`. It follows no redirect (an API answer is never one).
pub fn client_with(tls: rustls::ClientConfig) -> reqwest::Client {
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("a rustls client builds")
}

/// A client for a plain-http loopback server.
pub fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("a client builds")
}

/// The fingerprint of the certificate `address` presents (before trusting it).
pub async fn probe(address: &ServerAddress) -> Result<String, ProbeError> {
    if !address.is_https() {
        return Err(ProbeError::NotTls);
    }
    let (host, port) = address.host_port();
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| ProbeError::Connect(e.to_string()))?;
    let seen = verifier(None);
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config(seen.clone())));
    let name =
        ServerName::try_from(host.clone()).map_err(|e| ProbeError::Connect(e.to_string()))?;
    connector
        .connect(name, tcp)
        .await
        .map_err(|e| ProbeError::Handshake(e.to_string()))?;
    let fingerprint = seen.seen.lock().expect("seen lock").clone();
    fingerprint.ok_or_else(|| ProbeError::Handshake("no certificate presented".into()))
}
