//! OS notifications of new mail. After each sync run the shell asks core what arrived in the
//! inboxes the user watches (core decides the text: the sender and subject only when the user
//! allowed it and the screen is known to be unlocked) and shows one notification per inbox
//! through the desktop's notification service (`notify-rust`, the freedesktop D-Bus protocol
//! on Linux).
//!
//! Whether the screen is locked comes from the session's `org.freedesktop.ScreenSaver`
//! (`GetActive`). No answer (no such service, no session bus, another OS) counts as locked:
//! content is shown only when the session says the screen is unlocked.

use helpr_core::{Helpr, NewMailNotice};

/// Shows a notification for each watched inbox with unread mail stored after message `after`.
/// Never fails the sync it follows: a problem is logged (by code) and no notification shown.
pub async fn new_mail(helpr: &Helpr, after: i64) {
    let notices = match helpr
        .new_mail_notices(after, || screen_locked() == Some(false))
        .await
    {
        Ok(notices) => notices,
        Err(e) => {
            tracing::warn!(code = e.code(), "new-mail notifications skipped");
            return;
        }
    };
    for notice in notices {
        if let Err(e) = tokio::task::spawn_blocking(move || show(&notice)).await {
            tracing::warn!("a new-mail notification failed: {e}");
        }
    }
}

fn show(notice: &NewMailNotice) {
    let shown = notify_rust::Notification::new()
        .appname("helpr")
        .icon("helpr")
        // The summary is plain text; the body may be read as markup, so it is escaped.
        .summary(&notice.title)
        .body(&escape_markup(&notice.body))
        .hint(notify_rust::Hint::Category("email.arrived".to_owned()))
        .show();
    if let Err(e) = shown {
        // The error names the service, never the notification's text.
        tracing::warn!("the desktop's notification service refused: {e}");
    }
}

/// `text` safe as a freedesktop notification body (which may be read as simple markup: a
/// subject's `<img src=…>` must not become a fetch).
fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Whether the session reports its screen locked (`None`: it cannot say).
#[cfg(target_os = "linux")]
fn screen_locked() -> Option<bool> {
    use std::time::Duration;

    let bus = dbus::blocking::Connection::new_session().ok()?;
    let saver = bus.with_proxy(
        "org.freedesktop.ScreenSaver",
        "/org/freedesktop/ScreenSaver",
        Duration::from_secs(1),
    );
    let (active,): (bool,) = saver
        .method_call("org.freedesktop.ScreenSaver", "GetActive", ())
        .ok()?;
    Some(active)
}

#[cfg(not(target_os = "linux"))]
fn screen_locked() -> Option<bool> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_cannot_carry_markup() {
        assert_eq!(
            escape_markup(r#"<img src="http://t/x"> & <b>"#),
            r#"&lt;img src="http://t/x"&gt; &amp; &lt;b&gt;"#
        );
    }
}
