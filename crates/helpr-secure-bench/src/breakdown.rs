//! Where "send secure"'s time goes before the notification leaves, measured beside it: the
//! attachment sealed and encoded in-process (helpr-secure and base64, as the desktop does it),
//! and the sealed parts posted to the server alone (`POST …/secure` through the agent's
//! session: the JSON written, the upload, the server's decoding and storing). Each round posts
//! a message of its own that nobody is told about.

use std::time::Instant;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use helpr_core::Helpr;
use helpr_policy::InboxId;
use helpr_proto::secure::NewSecure;
use helpr_secure::ServerKey;
use helpr_secure::{entry_id, new_message_id, Attachment, LinkKey, MessageKey, SealedPackage};

use crate::error::BenchError;
use crate::send::ms;

/// The figures of each round.
#[derive(Debug, Default)]
pub struct Parts {
    /// The attachment sealed and base64-encoded for the wire.
    pub seal_ms: Vec<f64>,
    /// The sealed parts posted to the server, until it answered.
    pub post_ms: Vec<f64>,
}

pub async fn measure(
    helpr: &Helpr,
    inbox: InboxId,
    rounds: usize,
    attachment: &[u8],
) -> Result<Parts, BenchError> {
    let client = helpr.team_client().await?;
    let mut parts = Parts::default();
    for _ in 0..rounds {
        let id = new_message_id();
        let server = ServerKey::generate();
        let key = MessageKey::derive(&LinkKey::generate(), &server);
        let files = [Attachment {
            name: "documents.bin".into(),
            content_type: "application/octet-stream".into(),
            bytes: attachment.to_vec(),
        }];
        let start = Instant::now();
        let sealed = SealedPackage::seal(&key, &entry_id(&id, 0), "Documents", "Body", &files);
        let manifest = STANDARD.encode(&sealed.manifest);
        let attachments: Vec<String> = sealed
            .attachments
            .iter()
            .map(|a| STANDARD.encode(a))
            .collect();
        parts.seal_ms.push(ms(start.elapsed()));
        let body = NewSecure {
            id,
            thread_id: None,
            recipients: vec!["nobody@customer.test".into()],
            key_server: URL_SAFE_NO_PAD.encode(server.as_bytes()),
            manifest,
            attachments,
            expires_at: None,
            max_opens: None,
        };
        let start = Instant::now();
        client.create_secure(inbox, &body).await?;
        parts.post_ms.push(ms(start.elapsed()));
    }
    Ok(parts)
}
