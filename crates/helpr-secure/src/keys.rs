//! The two halves of a secure message's key and the key they make together.
//!
//! The link carries K_link as unpadded base64url as its whole fragment (`#…`): 43 characters, the
//! only form [`LinkKey::from_fragment`] accepts.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::SecureError;

/// HKDF's info: names the scheme and its version (the browser uses the same bytes).
pub const INFO: &[u8] = b"helpr secure email v1";
/// Every key here is 256 bits.
pub const KEY_LEN: usize = 32;

fn random() -> [u8; KEY_LEN] {
    let mut bytes = [0u8; KEY_LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// The half in the link's fragment.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct LinkKey([u8; KEY_LEN]);

/// The half the team server keeps and releases after the identity check.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct ServerKey([u8; KEY_LEN]);

/// K, which seals the message's parts.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MessageKey(pub(crate) [u8; KEY_LEN]);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(…)")
    }
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(…)")
    }
}

impl std::fmt::Debug for MessageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MessageKey(…)")
    }
}

impl LinkKey {
    pub fn generate() -> Self {
        LinkKey(random())
    }

    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        LinkKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The fragment's value: unpadded base64url.
    pub fn to_fragment(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// Reads the fragment's value back; anything but 43 base64url characters of 32 bytes is
    /// refused (a link cut short, or edited).
    pub fn from_fragment(text: &str) -> Result<Self, SecureError> {
        if text.len() != 43 {
            return Err(SecureError::BadLinkKey("not 43 characters"));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| SecureError::BadLinkKey("not base64url"))?;
        let bytes: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| SecureError::BadLinkKey("not 32 bytes"))?;
        Ok(LinkKey(bytes))
    }
}

impl ServerKey {
    pub fn generate() -> Self {
        ServerKey(random())
    }

    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        ServerKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl MessageKey {
    /// K = HKDF-SHA256(K_link ‖ K_server), empty salt, info [`INFO`].
    pub fn derive(link: &LinkKey, server: &ServerKey) -> Self {
        let mut ikm = [0u8; 2 * KEY_LEN];
        ikm[..KEY_LEN].copy_from_slice(&link.0);
        ikm[KEY_LEN..].copy_from_slice(&server.0);
        let hkdf = Hkdf::<Sha256>::new(None, &ikm);
        ikm.zeroize();
        let mut key = [0u8; KEY_LEN];
        hkdf.expand(INFO, &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        MessageKey(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragment_round_trips_and_refuses_anything_else() {
        let key = LinkKey::generate();
        let text = key.to_fragment();
        assert_eq!(text.len(), 43);
        assert_eq!(LinkKey::from_fragment(&text).unwrap(), key);
        assert!(LinkKey::from_fragment(&text[..42]).is_err());
        assert!(LinkKey::from_fragment(&format!("{text}A")).is_err());
        assert!(LinkKey::from_fragment(&text.replace(|_| true, "+")).is_err());
        assert!(LinkKey::from_fragment("").is_err());
    }

    #[test]
    fn the_derivation_is_rfc_5869_hkdf_over_both_halves() {
        // Fixed halves and the key RFC 5869 gives for them, computed apart from this crate
        // (Python's hmac: PRK = HMAC(32 zero bytes, ikm), T1 = HMAC(PRK, info ‖ 0x01)); the
        // browser's WebCrypto HKDF with an empty salt is the same function.
        let link = LinkKey::from_bytes([1; 32]);
        let server = ServerKey::from_bytes([2; 32]);
        let key = MessageKey::derive(&link, &server);
        assert_eq!(hex(&key.0), EXPECTED_K);
        // Each half matters.
        let other = MessageKey::derive(&link, &ServerKey::from_bytes([3; 32]));
        assert_ne!(other.0, key.0);
        let swapped = MessageKey::derive(
            &LinkKey::from_bytes([2; 32]),
            &ServerKey::from_bytes([1; 32]),
        );
        assert_ne!(swapped.0, key.0);
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    const EXPECTED_K: &str = "521ea5d15efaa3efb6f662a7461eb9e70305e2bb067fc0bc24b12035cf687cb9";
}
