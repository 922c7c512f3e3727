//! Secure email's cryptography (issue 17), with no I/O: the split key and the sealed parts the
//! recipient's browser opens with WebCrypto.
//!
//! A secure message has a fresh key K = HKDF-SHA256(K_link ‖ K_server) (empty salt, info
//! [`keys::INFO`]), both halves 256-bit random. K_link travels only in the link's fragment,
//! which browsers never send to a server; K_server is kept (sealed) by the team server and
//! released to a browser only after the recipient proved their address. Neither half alone,
//! nor the server's data (the ciphertext and K_server) alone, opens anything.
//!
//! - [`keys`]: the halves, the derivation, the fragment's encoding.
//! - [`part`]: one sealed part (`nonce ‖ ciphertext ‖ tag`, AES-256-GCM), bound by its associated
//!   data to its message and its place in it, so parts cannot be swapped or replayed elsewhere.
//! - [`package`]: a message as the browser reads it: a manifest (body, attachments' names and
//!   types) and one part per attachment, each sealed apart so attachments download on demand.
//!
//! A protected thread is a list of entries (0: the sender's message, then replies and
//! answers); entry `n` of message `id` is a package sealed as message [`entry_id`]`(id, n)`.
//! The wire protocol around it is `docs/secure-email.md`.

pub mod keys;
pub mod package;
pub mod part;

pub use keys::{LinkKey, MessageKey, ServerKey};
pub use package::{Attachment, AttachmentMeta, Manifest, SealedPackage};

/// A fresh message id: 16 random bytes, base64url without padding (22 characters).
pub fn new_message_id() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The id entry `n` of message `id` is sealed under: `{id}/{n}`.
pub fn entry_id(id: &str, n: u32) -> String {
    format!("{id}/{n}")
}

/// Why something could not be opened or read. Deliberately vague where detail would help an
/// attacker: a wrong key, a tampered byte and a part moved elsewhere are one error.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecureError {
    #[error("the message does not open with this key (wrong link, or altered)")]
    Unopenable,
    #[error("the link's key is malformed: {0}")]
    BadLinkKey(&'static str),
    #[error("the message's contents are malformed: {0}")]
    Malformed(String),
}
