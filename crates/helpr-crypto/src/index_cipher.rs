//! The search-index cipher: AES-256-GCM over fixed-size chunks of index files (DESIGN §4).
//!
//! helpr-index never sees key bytes: it holds an [`IndexCipher`] (derived from the KEK with
//! HKDF info `helpr/index/v1`, see [`crate::KeyStore::derive_index_cipher`]) and asks it to
//! seal and open chunks.
//!
//! - nonce = 8-byte random per-file prefix (stored in the file header, fresh for every file
//!   written, see [`IndexCipher::make_nonce_prefix`]) ‖ 4-byte big-endian chunk counter, so a
//!   nonce is never reused under one key;
//! - AAD = `"helpr-index-v1"` | file name (length-prefixed) | chunk index | last-chunk flag, so
//!   a chunk moved to another file or position, a dropped last chunk, or a file copied over
//!   another fails to open.

use std::sync::Arc;

use aes_gcm::{
    aead::{Aead, Payload},
    Aes256Gcm, KeyInit, Nonce,
};
use rand::RngCore;
use zeroize::Zeroizing;

use crate::kek::KEY_LEN;
use crate::CryptoError;

/// Length of the per-file random nonce prefix.
pub const NONCE_PREFIX_LEN: usize = 8;
/// Bytes a sealed chunk adds to its plaintext (the GCM tag).
pub const CHUNK_OVERHEAD: usize = 16;
/// The largest chunk index a file may have (the counter is 4 bytes).
pub const MAX_CHUNK_INDEX: u64 = u32::MAX as u64;

const AAD_DOMAIN: &[u8] = b"helpr-index-v1";

/// Seals and opens index-file chunks. `Debug` is redacted; `Clone` shares the key via `Arc`.
/// The HKDF output is zeroized right after key setup; the expanded AES key schedule inside
/// `Aes256Gcm` is wiped on drop (helpr-crypto enables the `aes` crate's `zeroize` feature, as
/// for the DEK ciphers in the key store).
#[derive(Clone)]
pub struct IndexCipher {
    cipher: Arc<Aes256Gcm>,
}

impl std::fmt::Debug for IndexCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexCipher([redacted])")
    }
}

fn nonce(prefix: &[u8; NONCE_PREFIX_LEN], index: u32) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[..NONCE_PREFIX_LEN].copy_from_slice(prefix);
    out[NONCE_PREFIX_LEN..].copy_from_slice(&index.to_be_bytes());
    out
}

fn aad(file: &str, index: u64, last: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(AAD_DOMAIN.len() + 4 + file.len() + 9);
    out.extend_from_slice(AAD_DOMAIN);
    out.extend_from_slice(&(file.len() as u32).to_be_bytes());
    out.extend_from_slice(file.as_bytes());
    out.extend_from_slice(&index.to_be_bytes());
    out.push(u8::from(last));
    out
}

impl IndexCipher {
    pub(crate) fn from_key(key: Zeroizing<[u8; KEY_LEN]>) -> Self {
        let cipher = Aes256Gcm::new_from_slice(key.as_ref()).expect("32-byte key");
        IndexCipher {
            cipher: Arc::new(cipher),
        }
    }

    /// A fresh random nonce prefix for one file version. Never reuse one: a file rewritten
    /// (or a temp file for an atomic write) gets a new prefix.
    pub fn make_nonce_prefix() -> [u8; NONCE_PREFIX_LEN] {
        let mut prefix = [0u8; NONCE_PREFIX_LEN];
        rand::rngs::OsRng.fill_bytes(&mut prefix);
        prefix
    }

    /// Seals chunk `index` of `file`. Output is `plaintext.len() + CHUNK_OVERHEAD` bytes.
    ///
    /// # Panics
    /// If `index > MAX_CHUNK_INDEX` (a 64 TiB file at 16 KiB chunks): the nonce counter would wrap.
    pub fn seal_chunk(
        &self,
        file: &str,
        nonce_prefix: &[u8; NONCE_PREFIX_LEN],
        index: u64,
        last: bool,
        plaintext: &[u8],
    ) -> Vec<u8> {
        let counter = u32::try_from(index).expect("index chunk counter exceeds 4 bytes");
        self.cipher
            .encrypt(
                Nonce::from_slice(&nonce(nonce_prefix, counter)),
                Payload {
                    msg: plaintext,
                    aad: &aad(file, index, last),
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail")
    }

    /// Opens chunk `index` of `file`; fails unless it was sealed with this key, name, prefix,
    /// index and last-chunk flag, and not altered.
    pub fn open_chunk(
        &self,
        file: &str,
        nonce_prefix: &[u8; NONCE_PREFIX_LEN],
        index: u64,
        last: bool,
        sealed: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let counter =
            u32::try_from(index).map_err(|_| CryptoError::Malformed("chunk index too large"))?;
        if sealed.len() < CHUNK_OVERHEAD {
            return Err(CryptoError::Malformed("chunk too short"));
        }
        self.cipher
            .decrypt(
                Nonce::from_slice(&nonce(nonce_prefix, counter)),
                Payload {
                    msg: sealed,
                    aad: &aad(file, index, last),
                },
            )
            .map_err(|_| CryptoError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kek, KeyStore};

    fn cipher() -> IndexCipher {
        KeyStore::new(Kek::make()).derive_index_cipher()
    }

    #[test]
    fn round_trip_and_overhead() {
        let c = cipher();
        let p = IndexCipher::make_nonce_prefix();
        let sealed = c.seal_chunk("a.idx", &p, 3, false, b"hello");
        assert_eq!(sealed.len(), 5 + CHUNK_OVERHEAD);
        assert_eq!(
            c.open_chunk("a.idx", &p, 3, false, &sealed).unwrap(),
            b"hello"
        );
    }

    #[test]
    fn every_binding_is_checked() {
        let c = cipher();
        let p = IndexCipher::make_nonce_prefix();
        let sealed = c.seal_chunk("a.idx", &p, 3, false, b"hello");
        let mut other_prefix = p;
        other_prefix[0] ^= 1;
        assert_eq!(
            c.open_chunk("b.idx", &p, 3, false, &sealed),
            Err(CryptoError::Decrypt)
        );
        assert!(c.open_chunk("a.idx", &p, 4, false, &sealed).is_err());
        assert!(c.open_chunk("a.idx", &p, 3, true, &sealed).is_err());
        assert!(c
            .open_chunk("a.idx", &other_prefix, 3, false, &sealed)
            .is_err());
        assert!(cipher().open_chunk("a.idx", &p, 3, false, &sealed).is_err());
        for bit in 0..sealed.len() * 8 {
            let mut t = sealed.clone();
            t[bit / 8] ^= 1 << (bit % 8);
            assert!(
                c.open_chunk("a.idx", &p, 3, false, &t).is_err(),
                "bit {bit}"
            );
        }
    }

    #[test]
    fn derivation_is_deterministic_per_kek() {
        let kek_bytes = [7u8; 32];
        let a = KeyStore::new(Kek::from_bytes(&kek_bytes).unwrap()).derive_index_cipher();
        let b = KeyStore::new(Kek::from_bytes(&kek_bytes).unwrap()).derive_index_cipher();
        let p = IndexCipher::make_nonce_prefix();
        let sealed = a.seal_chunk("f", &p, 0, true, b"x");
        assert_eq!(b.open_chunk("f", &p, 0, true, &sealed).unwrap(), b"x");
        assert!(!format!("{a:?}").contains('7'));
    }

    #[test]
    fn prefixes_are_random() {
        assert_ne!(
            IndexCipher::make_nonce_prefix(),
            IndexCipher::make_nonce_prefix()
        );
    }
}
