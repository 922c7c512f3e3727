//! The emulator's RS256 signing keys: generate or load, publish (JWKS, and PEM map of
//! self-signed X.509 certificates as Google serves), rotate, retire, and sign. Each key has a `kid` derived from its modulus (40 hex digits, the shape
//! of Google's). The newest key signs; older keys stay published until retired, as Google
//! keeps two keys in its JWKS during a rotation.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Modulus size of every generated key (Google's are 2048-bit).
pub const KEY_BITS: usize = 2048;

/// Why a key could not be made or loaded.
#[derive(Debug)]
pub enum KeyError {
    Generate(rsa::Error),
    Pem,
    Sign(jsonwebtoken::errors::Error),
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyError::Generate(e) => write!(f, "RSA key generation failed: {e}"),
            KeyError::Pem => f.write_str("not an RSA private key in PKCS#1 or PKCS#8 PEM"),
            KeyError::Sign(e) => write!(f, "signing failed: {e}"),
        }
    }
}

impl std::error::Error for KeyError {}

/// One RSA key pair with its `kid`.
pub struct SigningKey {
    kid: String,
    private: RsaPrivateKey,
    encoding: EncodingKey,
    certificate_pem: String,
}

impl SigningKey {
    /// A fresh 2048-bit key from the OS RNG.
    pub fn generate() -> Result<Self, KeyError> {
        let private =
            RsaPrivateKey::new(&mut rand::rngs::OsRng, KEY_BITS).map_err(KeyError::Generate)?;
        Ok(Self::from_private(private))
    }

    /// A key from PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`) PEM.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let private = RsaPrivateKey::from_pkcs1_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs8_pem(pem))
            .map_err(|_| KeyError::Pem)?;
        Ok(Self::from_private(private))
    }

    fn from_private(private: RsaPrivateKey) -> Self {
        let digest = Sha256::digest(private.n().to_bytes_be());
        let kid = hex::encode(&digest[..20]);
        let der = private
            .to_pkcs1_der()
            .expect("an RSA key the rsa crate holds encodes as PKCS#1");
        let encoding = EncodingKey::from_rsa_der(der.as_bytes());
        let certificate_pem = self_signed_certificate(&private, &kid);
        Self {
            kid,
            private,
            encoding,
            certificate_pem,
        }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Base64url (no padding) big-endian modulus, as in a JWK's `n`.
    pub fn modulus_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.private.n().to_bytes_be())
    }

    /// Base64url (no padding) public exponent, as in a JWK's `e` (`AQAB` for 65537).
    pub fn exponent_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.private.e().to_bytes_be())
    }

    /// The public key as SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`).
    pub fn public_pem(&self) -> String {
        self.private
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("an RSA public key encodes as SPKI")
    }

    /// A self-signed X.509 certificate for the key (`BEGIN CERTIFICATE`), as in Google's
    /// `/oauth2/v1/certs`.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// The key's JWK entry, in Google's field set.
    pub fn jwk(&self) -> Value {
        json!({
            "kid": self.kid,
            "n": self.modulus_b64(),
            "e": self.exponent_b64(),
            "alg": "RS256",
            "kty": "RSA",
            "use": "sig",
        })
    }

    /// An RS256 JWT over `claims` with header `kid` set to `kid` (normally this key's own;
    /// tests pass another to forge an unknown `kid`).
    pub fn sign_with_kid<C: Serialize>(&self, claims: &C, kid: &str) -> Result<String, KeyError> {
        let header = Header {
            alg: Algorithm::RS256,
            kid: Some(kid.to_owned()),
            typ: Some("JWT".to_owned()),
            ..Header::default()
        };
        self.sign(&header, claims)
    }

    /// A JWT over `claims` with `header` as given, signed by this key (`header.alg` must be
    /// an RSA algorithm; tests use RS384/RS512 to check that only RS256 is taken).
    pub fn sign<C: Serialize>(&self, header: &Header, claims: &C) -> Result<String, KeyError> {
        jsonwebtoken::encode(header, claims, &self.encoding).map_err(KeyError::Sign)
    }
}

/// The published keys, oldest first; the last one signs.
pub struct KeyRing {
    keys: Vec<SigningKey>,
}

impl KeyRing {
    /// A ring holding one key.
    pub fn new(first: SigningKey) -> Self {
        Self { keys: vec![first] }
    }

    /// The key that signs new tokens.
    pub fn active(&self) -> &SigningKey {
        self.keys.last().expect("a key ring is never empty")
    }

    pub fn kids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.kid.clone()).collect()
    }

    /// Publishes `key` and makes it the signer; the previous keys stay published.
    pub fn rotate(&mut self, key: SigningKey) -> String {
        let kid = key.kid.clone();
        self.keys.retain(|k| k.kid != kid);
        self.keys.push(key);
        kid
    }

    /// Stops publishing every key but the active one. Returns the retired `kid`s.
    pub fn retire_old(&mut self) -> Vec<String> {
        let keep = self.keys.len() - 1;
        self.keys.drain(..keep).map(|k| k.kid).collect()
    }

    /// `{"keys":[…]}` as served at `/oauth2/v3/certs`.
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.keys.iter().map(SigningKey::jwk).collect::<Vec<_>>() })
    }

    /// `{"<kid>": "<PEM>"}` as served at `/oauth2/v1/certs`.
    pub fn pem_map(&self) -> Value {
        let map: serde_json::Map<String, Value> = self
            .keys
            .iter()
            .map(|k| (k.kid.clone(), Value::String(k.certificate_pem.clone())))
            .collect();
        Value::Object(map)
    }
}

/// Google's certs are self-signed, short-lived (about two weeks) and name no one in
/// particular; these say `CN=<kid>` and are valid 14 days from creation.
fn self_signed_certificate(private: &RsaPrivateKey, kid: &str) -> String {
    use std::str::FromStr as _;
    use x509_cert::builder::{Builder as _, CertificateBuilder, Profile};
    use x509_cert::der::EncodePem as _;
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::SubjectPublicKeyInfoOwned;
    use x509_cert::time::Validity;

    let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(private.clone());
    let spki = SubjectPublicKeyInfoOwned::from_key(private.to_public_key())
        .expect("an RSA public key encodes as SPKI");
    // 16 bytes from the kid, top byte in 0x40..=0x7f: positive and minimally encoded.
    let mut serial = [0u8; 16];
    serial.copy_from_slice(&Sha256::digest(kid.as_bytes())[..16]);
    serial[0] = (serial[0] & 0x3f) | 0x40;
    let serial = SerialNumber::new(&serial).expect("16 bytes make a serial number");
    let validity = Validity::from_now(std::time::Duration::from_secs(14 * 86_400))
        .expect("now + 14 days is a certificate time");
    let subject = Name::from_str(&format!("CN={kid}")).expect("CN=<hex> is a name");
    let builder = CertificateBuilder::new(Profile::Root, serial, validity, subject, spki, &signer)
        .expect("a root profile with an RSA signer builds");
    builder
        .build::<rsa::pkcs1v15::Signature>()
        .expect("an RSA key signs")
        .to_pem(LineEnding::LF)
        .expect("a certificate encodes as PEM")
}
