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

pub mod keys;
pub mod package;
pub mod part;

pub use keys::{LinkKey, MessageKey, ServerKey};
pub use package::{Attachment, AttachmentMeta, Manifest, SealedPackage};

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
