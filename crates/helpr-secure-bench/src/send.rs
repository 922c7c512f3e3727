//! "Send secure" → the notification accepted by SMTP. Each round sends one message with one
//! attachment of random bytes to one reader twice, in alternating order: as a secure message
//! (`Helpr::send_secure`: sealed on the desktop, the parts and `K_server` posted to the team
//! server, the notification mailed through the server's send endpoint, the local copy
//! stored) and, the baseline, as ordinary mail (`Helpr::send`: the MIME message through the
//! same endpoint to the same SMTP, the local copy stored). Two figures each: from the call to
//! the moment the emulator's SMTP had accepted the mail (the notification, or the message
//! itself), and from the call to its return.
//!
//! The server's resident set is read before each send, and its peak during it (VmHWM, reset
//! through `/proc/<pid>/clear_refs` first).
//!
//! What each send put in the emulator's mailbox is deleted after it: the emulator answers
//! every `q=` search (the server's `rfc822msgid:` look-up of the copy it sent) by parsing
//! every stored message, so each 10 MB message kept would slow every later send's look-up.
//!
//! Each round also sends both without the attachment, for the fixed cost. One such pair is
//! sent first and not counted (connections, the server's access token for SMTP).

use std::sync::Arc;
use std::time::{Duration, Instant};

use google_emulator::Emulator;
use helpr_core::team::secure::SecureOptions;
use helpr_core::{Helpr, OutgoingAttachment, SendRequest};
use helpr_server_bench::server::ServerProcess;

use crate::error::BenchError;
use crate::mail::{self, Arrival};
use crate::rig::INBOX;

/// How long one send may take before the bench gives up on it.
const LIMIT: Duration = Duration::from_secs(300);

/// One timed send.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub secure: bool,
    /// With the attachment (else the same message without it).
    pub attached: bool,
    /// Call → the mail accepted by the emulator's SMTP.
    pub smtp_ms: f64,
    /// Call → `send_secure` / `send` returned.
    pub returned_ms: f64,
    /// The server's RSS before the send, and its peak during it (KiB).
    pub server_before_kib: u64,
    pub server_peak_kib: u64,
}

/// Resets the server's peak resident set (VmHWM) to its resident set now (`clear_refs` 5).
fn reset_peak(server: &ServerProcess) -> Result<(), BenchError> {
    let path = format!("/proc/{}/clear_refs", server.pid());
    std::fs::write(&path, "5").map_err(BenchError::io(format!("writing {path}")))
}

/// A message from the shared inbox to `to`, with `attachment` (name, bytes) if any.
pub fn request(to: &[String], subject: &str, attachment: Option<(&str, &[u8])>) -> SendRequest {
    SendRequest {
        from: Some(INBOX.to_owned()),
        to: to.to_vec(),
        subject: Some(subject.to_owned()),
        body: "Your documents are attached. Reply on the page if anything is missing.".into(),
        attachments: attachment
            .map(|(name, data)| OutgoingAttachment::Bytes {
                name: name.to_owned(),
                content_type: Some("application/octet-stream".into()),
                data: data.to_vec(),
            })
            .into_iter()
            .collect(),
        ..SendRequest::default()
    }
}

/// Sends `request` (secure or not) and times it.
async fn timed(
    (helpr, emu, server): World<'_>,
    secure: bool,
    request: SendRequest,
) -> Result<Sample, BenchError> {
    let attached = !request.attachments.is_empty();
    reset_peak(server)?;
    let server_before_kib = server.rss_kib()?;
    let before = mail::count(emu);
    let arrival = Arrival::watch(emu.clone(), before, LIMIT);
    let start = Instant::now();
    if secure {
        helpr.send_secure(request, SecureOptions::default()).await?;
    } else {
        helpr.send(request).await?;
    }
    let returned = start.elapsed();
    let accepted = arrival
        .wait()
        .ok_or_else(|| BenchError::Timeout("the mail to reach the emulator's SMTP".into()))?;
    for sent in emu.sent_messages().iter().skip(before) {
        emu.delete_message(&sent.id);
    }
    Ok(Sample {
        secure,
        attached,
        smtp_ms: ms(accepted.duration_since(start)),
        returned_ms: ms(returned),
        server_before_kib,
        server_peak_kib: server.peak_kib()?,
    })
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The agent's vault, the emulator, the server.
pub type World<'a> = (&'a Helpr, &'a Arc<Emulator>, &'a ServerProcess);

/// `rounds` rounds of a secure and a plain send of a message with `attachment`, and without.
pub async fn measure(
    world: World<'_>,
    rounds: usize,
    attachment: &[u8],
) -> Result<Vec<Sample>, BenchError> {
    let to = ["reader@customer.test".to_owned()];
    for secure in [true, false] {
        timed(world, secure, request(&to, "Warm-up", None)).await?;
    }
    let mut samples = Vec::with_capacity(rounds * 2);
    for round in 0..rounds {
        let order = if round % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for file in [Some(("documents.bin", attachment)), None] {
            for secure in order {
                let subject = format!("Documents, round {round}");
                let sample = timed(world, secure, request(&to, &subject, file)).await?;
                println!(
                    "[send] round {round}: {} {} → SMTP {:.0} ms, returned {:.0} ms; server RSS {:.0} → peak {:.0} MiB",
                    if secure { "secure" } else { "plain " },
                    if file.is_some() {
                        "with attachment"
                    } else {
                        "no attachment  "
                    },
                    sample.smtp_ms,
                    sample.returned_ms,
                    sample.server_before_kib as f64 / 1024.0,
                    sample.server_peak_kib as f64 / 1024.0,
                );
                samples.push(sample);
            }
        }
    }
    Ok(samples)
}
