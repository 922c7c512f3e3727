//! Where "send secure"'s time goes before the notification leaves, measured beside it: the
//! attachment sealed and encoded in-process (helpr-secure and base64, as the desktop does it),
//! and the sealed parts posted to the server alone (`POST …/secure` through the agent's
//! session: the JSON written, the upload, the server's decoding and storing). Each round posts
//! a message of its own that nobody is told about. And the server's send endpoint alone for a
//! small mail (what a notification takes), to SMTP and to its answer (after which the server
//! looks for Gmail's copy), so what `send` does on the desktop afterwards (its local copy
//! stored and indexed) is the rest of its time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use google_emulator::Emulator;
use helpr_core::Helpr;
use helpr_policy::InboxId;
use helpr_proto::gmail::SendMail;
use helpr_proto::secure::NewSecure;
use helpr_secure::ServerKey;
use helpr_secure::{entry_id, new_message_id, Attachment, LinkKey, MessageKey, SealedPackage};

use crate::error::BenchError;
use crate::mail::{self, Arrival};
use crate::rig::INBOX;
use crate::send::ms;

/// The figures of each round.
#[derive(Debug, Default)]
pub struct Parts {
    /// The attachment sealed and base64-encoded for the wire.
    pub seal_ms: Vec<f64>,
    /// The sealed parts posted to the server, until it answered.
    pub post_ms: Vec<f64>,
    /// A small mail posted to the server's send endpoint → accepted by SMTP.
    pub endpoint_smtp_ms: Vec<f64>,
    /// → the endpoint answered.
    pub endpoint_answered_ms: Vec<f64>,
}

/// A small mail as the desktop composes one (a notification's size).
fn small_mail(n: usize) -> String {
    let raw = format!(
        "From: {INBOX}\r\nTo: reader@customer.test\r\nSubject: Endpoint {n}\r\n\
         Message-ID: <endpoint-{n}-{}@bench.helpr>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nA link would be here.\r\n",
        new_message_id()
    );
    URL_SAFE_NO_PAD.encode(raw)
}

pub async fn measure(
    (helpr, emu): (&Helpr, &Arc<Emulator>),
    inbox: InboxId,
    rounds: usize,
    attachment: &[u8],
) -> Result<Parts, BenchError> {
    let client = helpr.team_client().await?;
    let mut parts = Parts::default();
    for n in 0..rounds {
        let arrival = Arrival::watch(emu.clone(), mail::count(emu), Duration::from_secs(60));
        let body = SendMail {
            raw: small_mail(n),
            thread_id: None,
        };
        let start = Instant::now();
        client.send_gmail(inbox, &body).await?;
        parts.endpoint_answered_ms.push(ms(start.elapsed()));
        let accepted = arrival
            .wait()
            .ok_or_else(|| BenchError::Timeout("the small mail to reach SMTP".into()))?;
        parts
            .endpoint_smtp_ms
            .push(ms(accepted.duration_since(start)));

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
