//! The sealed-record format (DESIGN §2) and its associated data.
//!
//! `format(1) | key_version(4, BE) | nonce(12, random) | ciphertext+tag(16)`
//!
//! AAD = tenant id | record kind | record id | field | key version, each length-prefixed, so a
//! ciphertext copied into another row, field, tenant or version fails to open.

use aes_gcm::{
    aead::{Aead, Payload},
    Aes256Gcm, Nonce,
};
use rand::RngCore;
use zeroize::Zeroizing;

use crate::CryptoError;

/// The only sealed-record format so far.
pub const SEALED_FORMAT_V1: u8 = 1;
const HEADER_LEN: usize = 1 + 4 + 12;
const TAG_LEN: usize = 16;

/// Where a sealed value lives: binds the ciphertext to its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRef<'a> {
    /// The kind of record, e.g. `"message"`, `"attachment"`.
    pub kind: &'a str,
    /// The record's row id.
    pub id: i64,
    /// The field within the record, e.g. `"subject"`, `"chunk/3"`.
    pub field: &'a str,
}

impl<'a> RecordRef<'a> {
    pub fn new(kind: &'a str, id: i64, field: &'a str) -> Self {
        RecordRef { kind, id, field }
    }
}

pub(crate) fn aad(tenant: i64, rec: &RecordRef<'_>, version: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + rec.kind.len() + rec.field.len());
    out.extend_from_slice(b"helpr-record-v1");
    out.extend_from_slice(&tenant.to_be_bytes());
    for part in [rec.kind.as_bytes(), rec.field.as_bytes()] {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part);
    }
    out.extend_from_slice(&rec.id.to_be_bytes());
    out.extend_from_slice(&version.to_be_bytes());
    out
}

/// The key version a sealed value was made with, without opening it.
pub fn sealed_version(sealed: &[u8]) -> Result<u32, CryptoError> {
    if sealed.len() < HEADER_LEN + TAG_LEN {
        return Err(CryptoError::Malformed("too short"));
    }
    if sealed[0] != SEALED_FORMAT_V1 {
        return Err(CryptoError::UnknownFormat(sealed[0]));
    }
    Ok(u32::from_be_bytes(
        sealed[1..5].try_into().expect("4 bytes"),
    ))
}

pub(crate) fn seal(cipher: &Aes256Gcm, version: u32, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    // A fresh random nonce from the thread's CSPRNG (ChaCha, seeded and periodically
    // reseeded from the OS, reseeded after fork): one syscall per sealed field was measurable
    // on import.
    let mut nonce = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("AES-GCM encryption of an in-memory buffer cannot fail");
    let mut out = Vec::with_capacity(HEADER_LEN + ct.len());
    out.push(SEALED_FORMAT_V1);
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    out
}

pub(crate) fn open(
    cipher: &Aes256Gcm,
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    sealed_version(sealed)?;
    let nonce = Nonce::from_slice(&sealed[5..HEADER_LEN]);
    cipher
        .decrypt(
            nonce,
            Payload {
                msg: &sealed[HEADER_LEN..],
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Decrypt)
}
