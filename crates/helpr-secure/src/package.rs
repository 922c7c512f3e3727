//! A secure message as sealed on the desktop and read in the browser: the manifest (the body,
//! and each attachment's name, type and size) in part `manifest`, each attachment's bytes in
//! part `attachment/<n>`. Nothing of it — not even an attachment's name — is outside a part.

use serde::{Deserialize, Serialize};

use crate::keys::MessageKey;
use crate::part;
use crate::SecureError;

/// What the recipient reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub subject: String,
    /// The body as plain text (the page shows text, never the sender's HTML).
    pub body: String,
    pub attachments: Vec<AttachmentMeta>,
}

/// An attachment as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentMeta {
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

/// An attachment to seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The sealed message: what the team server stores and serves, all of it ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedPackage {
    pub manifest: Vec<u8>,
    pub attachments: Vec<Vec<u8>>,
}

/// The label of attachment `n`.
pub fn attachment_label(n: usize) -> String {
    format!("attachment/{n}")
}

pub const MANIFEST: &str = "manifest";

impl SealedPackage {
    /// Seals `subject`, `body` and `attachments` as message `message` under `key`.
    pub fn seal(
        key: &MessageKey,
        message: &str,
        subject: &str,
        body: &str,
        attachments: &[Attachment],
    ) -> SealedPackage {
        let manifest = Manifest {
            subject: subject.to_owned(),
            body: body.to_owned(),
            attachments: attachments
                .iter()
                .map(|a| AttachmentMeta {
                    name: a.name.clone(),
                    content_type: a.content_type.clone(),
                    size: a.bytes.len() as u64,
                })
                .collect(),
        };
        let json = serde_json::to_vec(&manifest).expect("a manifest serializes");
        SealedPackage {
            manifest: part::seal(key, message, MANIFEST, &json),
            attachments: attachments
                .iter()
                .enumerate()
                .map(|(n, a)| part::seal(key, message, &attachment_label(n), &a.bytes))
                .collect(),
        }
    }

    /// Opens the manifest.
    pub fn open_manifest(&self, key: &MessageKey, message: &str) -> Result<Manifest, SecureError> {
        let json = part::open(key, message, MANIFEST, &self.manifest)?;
        let manifest: Manifest =
            serde_json::from_slice(&json).map_err(|e| SecureError::Malformed(e.to_string()))?;
        if manifest.attachments.len() != self.attachments.len() {
            return Err(SecureError::Malformed(format!(
                "the manifest lists {} attachments and {} are here",
                manifest.attachments.len(),
                self.attachments.len()
            )));
        }
        Ok(manifest)
    }

    /// Opens attachment `n`.
    pub fn open_attachment(
        &self,
        key: &MessageKey,
        message: &str,
        n: usize,
    ) -> Result<Vec<u8>, SecureError> {
        let sealed = self.attachments.get(n).ok_or(SecureError::Unopenable)?;
        part::open(key, message, &attachment_label(n), sealed)
    }
}
