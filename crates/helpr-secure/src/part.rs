//! One sealed part: `nonce(12) ‖ ciphertext ‖ tag(16)`, AES-256-GCM under the message key —
//! what WebCrypto's `decrypt({name: "AES-GCM", iv, additionalData}, key, rest)` opens.
//!
//! The associated data binds a part to its place: `helpr-secure/v1`, the message id and the
//! part's label (`manifest`, `attachment/0`, `reply/3/manifest`…), each preceded by its length
//! as one byte, so a part copied to another message or slot does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;

use crate::keys::MessageKey;
use crate::SecureError;

pub const NONCE_LEN: usize = 12;
pub const TAG_LEN: usize = 16;
const SCHEME: &str = "helpr-secure/v1";

/// The associated data of `label` in message `message`. Labels and ids are short (≤ 255 bytes).
pub fn associated_data(message: &str, label: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(3 + SCHEME.len() + message.len() + label.len());
    for piece in [SCHEME, message, label] {
        let len = u8::try_from(piece.len()).expect("ids and labels are under 256 bytes");
        out.push(len);
        out.extend_from_slice(piece.as_bytes());
    }
    out
}

/// Seals `plain` as part `label` of `message`.
pub fn seal(key: &MessageKey, message: &str, label: &str, plain: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new((&key.0).into());
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let aad = associated_data(message, label);
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: &aad,
            },
        )
        .expect("AES-GCM seals any length this side of 64 GiB");
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// Opens part `label` of `message`.
pub fn open(
    key: &MessageKey,
    message: &str,
    label: &str,
    sealed: &[u8],
) -> Result<Vec<u8>, SecureError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(SecureError::Unopenable);
    }
    let (nonce, rest) = sealed.split_at(NONCE_LEN);
    let cipher = Aes256Gcm::new((&key.0).into());
    let aad = associated_data(message, label);
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: rest,
                aad: &aad,
            },
        )
        .map_err(|_| SecureError::Unopenable)
}
