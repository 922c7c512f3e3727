//! The root key (KEK) and its HKDF-SHA256 sub-keys.
//!
//! `make_*` creates random keys, `derive_*` deterministic ones. The KEK never leaves this crate
//! as bytes except to the keychain; sub-keys leave only in the shape their consumer needs
//! (the SQLCipher `PRAGMA key` literal), zeroized on drop.

use hkdf::Hkdf;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;
use zeroize::Zeroizing;

pub(crate) const KEY_LEN: usize = 32;

pub(crate) const INFO_SQLCIPHER: &[u8] = b"helpr/sqlcipher/v1";
/// The search index key (helpr-index), see [`crate::KeyStore::derive_index_cipher`].
pub(crate) const INFO_INDEX: &[u8] = b"helpr/index/v1";
pub(crate) const INFO_AUDIT: &[u8] = b"helpr/audit/v1";
pub(crate) const INFO_FINGERPRINT: &[u8] = b"helpr/fingerprint/v1";
/// The key check value kept in `vault.json`, see [`Kek::check_value`].
pub(crate) const INFO_KEY_CHECK: &[u8] = b"helpr/key-check/v1";

/// 32 random bytes kept in the OS keychain. Zeroized on drop; redacted `Debug`.
pub struct Kek(SecretBox<[u8; KEY_LEN]>);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek([redacted])")
    }
}

impl Kek {
    /// A fresh random KEK from the OS CSPRNG.
    pub fn make() -> Self {
        let mut bytes = Box::new([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(bytes.as_mut());
        Kek(SecretBox::new(bytes))
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; KEY_LEN] = bytes.try_into().ok()?;
        Some(Kek(SecretBox::new(Box::new(arr))))
    }

    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        self.0.expose_secret()
    }

    /// HKDF-SHA256 expansion of the KEK for one purpose (`info` names it).
    pub(crate) fn derive(&self, info: &[u8]) -> Zeroizing<[u8; KEY_LEN]> {
        let hk = Hkdf::<Sha256>::new(None, self.expose());
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        hk.expand(info, out.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        out
    }

    /// A public value that tells whether a KEK is this vault's without touching the database
    /// (hex of HKDF-SHA256 `helpr/key-check/v1`; reveals nothing about the other sub-keys). It
    /// tells a wrong key apart from a damaged first page, which SQLCipher reports alike.
    pub fn check_value(&self) -> String {
        hex::encode(self.derive(INFO_KEY_CHECK).as_ref())
    }

    /// The SQLCipher raw key for this vault.
    pub fn derive_sqlcipher_key(&self) -> SqlcipherKey {
        SqlcipherKey(self.derive(INFO_SQLCIPHER))
    }
}

/// A raw SQLCipher key (used with `PRAGMA key = "x'…'"`, no PBKDF2 on open).
pub struct SqlcipherKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for SqlcipherKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqlcipherKey([redacted])")
    }
}

impl SqlcipherKey {
    /// The value for `PRAGMA key`, e.g. `"x'00ff…'"` including the double quotes.
    pub fn pragma_literal(&self) -> SecretString {
        let hex = Zeroizing::new(hex::encode(self.0.as_ref()));
        SecretString::from(format!("\"x'{}'\"", hex.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_keys_differ_by_purpose_and_are_deterministic() {
        let kek = Kek::make();
        let a = kek.derive(INFO_SQLCIPHER);
        let b = kek.derive(INFO_INDEX);
        let c = kek.derive(INFO_AUDIT);
        assert_ne!(*a, *b);
        assert_ne!(*b, *c);
        assert_eq!(*a, *kek.derive(INFO_SQLCIPHER));
        let other = Kek::make();
        assert_ne!(*a, *other.derive(INFO_SQLCIPHER));
    }

    #[test]
    fn debug_never_shows_bytes() {
        let kek = Kek::from_bytes(&[0xab; 32]).unwrap();
        let dbg = format!("{kek:?} {:?}", kek.derive_sqlcipher_key());
        assert!(!dbg.to_lowercase().contains("ab"), "{dbg}");
        assert!(dbg.contains("redacted"));
    }

    #[test]
    fn pragma_literal_shape() {
        let kek = Kek::make();
        let lit = kek.derive_sqlcipher_key().pragma_literal();
        let s = lit.expose_secret();
        assert!(s.starts_with("\"x'") && s.ends_with("'\""));
        assert_eq!(s.len(), 64 + 5);
    }
}
