//! Opaque random tokens (sessions, sign-in codes): 32 bytes from the OS, base64url. The server
//! keeps only their SHA-256, so its database cannot be replayed as credentials.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new token.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the server keeps of a token.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// [`digest`], hex.
pub fn digest_hex(token: &str) -> String {
    hex::encode(digest(token))
}
