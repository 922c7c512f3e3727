//! The one way helpr-gmail builds an HTTP client: rustls, no redirects (the oauth2 crate's
//! advice against SSRF; no Google endpoint helpr calls redirects), a bounded timeout, and the
//! configuration's extra CA trusted beside the system roots.

use crate::config::ConfigError;
use std::time::Duration;

/// The certificates in a PEM bundle; none is an error.
pub(crate) fn certificates(pem: &str) -> Result<Vec<reqwest::Certificate>, ConfigError> {
    let certs =
        reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|_| ConfigError::BadCa)?;
    if certs.is_empty() {
        return Err(ConfigError::BadCa);
    }
    Ok(certs)
}

/// A client for Google's (or the emulator's) HTTPS endpoints.
pub(crate) fn client(
    extra_ca_pem: Option<&str>,
    timeout: Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10));
    if let Some(pem) = extra_ca_pem {
        // `check` already refused a bad bundle; a bad one here trusts nothing extra.
        for cert in certificates(pem).unwrap_or_default() {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build()
}
