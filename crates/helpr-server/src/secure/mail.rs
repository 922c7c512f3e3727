//! The mails a reader gets from the server: a one-time code, or word that they are locked out.
//! They go from the message's inbox, over SMTP with its Gmail grant, like the agents' own mail
//! (helpr-gmail's `Sender`), and say nothing of the message but that it exists. Sent in the
//! background: the answer to the reader's request comes at the same time whether or not the
//! address may read, and a failure is logged without the address.

use std::sync::Arc;

use helpr_gmail::Sender;
use helpr_policy::{InboxId, OrgId};
use lettre::message::{header::ContentType, Mailbox};
use lettre::Message;
use secrecy::zeroize::Zeroizing;

use super::codes::CODE_LIFETIME;
use crate::app::App;

/// What to tell a reader.
pub enum Notice {
    Code(Zeroizing<String>),
    LockedOut,
}

fn compose(from: &str, to: &str, notice: &Notice) -> Option<Vec<u8>> {
    let (subject, body) = match notice {
        Notice::Code(code) => (
            "Your code for a secure message".to_owned(),
            format!(
                "Your code to open the secure message is:\n\n    {}\n\n\
                 It is valid for {} minutes and can be used once. If you did not ask for it, \
                 you can ignore this email: without the code the message stays closed.\n",
                code.as_str(),
                CODE_LIFETIME / 60
            ),
        ),
        Notice::LockedOut => (
            "Secure message locked".to_owned(),
            "Too many wrong codes were entered for a secure message sent to you, so it is \
             locked. Ask its sender to unlock it, then request a new code.\n"
                .to_owned(),
        ),
    };
    let message = Message::builder()
        .from(from.parse::<Mailbox>().ok()?)
        .to(to.parse::<Mailbox>().ok()?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .ok()?;
    Some(message.formatted())
}

/// Sends `notice` to `to` from `inbox`'s account, in the background.
pub fn send(app: Arc<App>, org: OrgId, inbox: InboxId, to: Zeroizing<String>, notice: Notice) {
    tokio::spawn(async move {
        let sent = async {
            let upstream = app.gmail.upstream().map_err(|f| f.body.message)?;
            let connection = app
                .gmail
                .connection(org, inbox)
                .await
                .map_err(|f| f.body.message)?;
            let raw = compose(&connection.address, &to, &notice)
                .ok_or_else(|| "the mail could not be composed".to_owned())?;
            Sender::new(
                upstream.config.smtp.clone(),
                upstream.config.tls.extra_ca_pem.clone(),
            )
            .send_raw(
                &connection.tokens,
                &connection.address,
                &[to.to_string()],
                &raw,
            )
            .await
            // Its code names the failure without the address an invalid-address error holds.
            .map_err(|e| format!("SMTP: {}", e.code()))?;
            Ok::<(), String>(())
        }
        .await;
        if let Err(why) = sent {
            tracing::warn!(inbox = inbox.0, %why, "a secure message's code mail was not sent");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_mail_holds_the_code_and_nothing_of_the_message() {
        let raw = compose(
            "team@example.com",
            "reader@example.org",
            &Notice::Code(Zeroizing::new("042917".into())),
        )
        .unwrap();
        let text = String::from_utf8(raw).unwrap();
        assert!(text.contains("042917"));
        assert!(text.contains("To: reader@example.org"));
        assert!(text.contains("valid for 10 minutes"));
        assert!(compose("team@example.com", "not an address", &Notice::LockedOut).is_none());
    }
}
