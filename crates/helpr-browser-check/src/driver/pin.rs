//! Trust in one self-signed certificate by its public key: the base64 SHA-256 of its
//! SubjectPublicKeyInfo, the form `--ignore-certificate-errors-spki-list` takes. Chromium then
//! accepts that key's certificate and still refuses every other one it cannot verify.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, DecodePem, Encode};
use x509_cert::Certificate;

use crate::error::{Error, Result};

/// The SPKI pin of a certificate given as PEM (`-----BEGIN CERTIFICATE-----`) or DER.
pub fn spki_pin(certificate: &[u8]) -> Result<String> {
    let parsed = if certificate.trim_ascii_start().starts_with(b"-----BEGIN") {
        Certificate::from_pem(certificate)
    } else {
        Certificate::from_der(certificate)
    }
    .map_err(|e| Error::Certificate(e.to_string()))?;
    let spki = parsed
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| Error::Certificate(e.to_string()))?;
    Ok(STANDARD.encode(Sha256::digest(&spki)))
}

/// Refuses anything but 44 characters of standard base64 for 32 bytes, so a pin cannot carry a
/// comma (another list entry) or another flag into Chromium's command line.
pub(crate) fn check_pin(pin: &str) -> Result<()> {
    match STANDARD.decode(pin) {
        Ok(bytes) if bytes.len() == 32 => Ok(()),
        _ => Err(Error::Pin(pin.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_checked_before_they_reach_the_command_line() {
        assert!(check_pin(&STANDARD.encode([7u8; 32])).is_ok());
        assert!(check_pin(&STANDARD.encode([7u8; 31])).is_err());
        assert!(check_pin("abc,--no-sandbox").is_err());
        assert!(check_pin("").is_err());
    }

    #[test]
    fn what_is_not_a_certificate_is_refused() {
        assert!(matches!(
            spki_pin(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
            Err(Error::Certificate(_))
        ));
        assert!(matches!(
            spki_pin(b"\x30\x03\x02\x01"),
            Err(Error::Certificate(_))
        ));
    }
}
