//! New-mail notifications through helpr-core against the google-emulator: what a sync brings
//! to an inbox raises a notice only once the inbox is watched; unread mail only; the notice
//! names the sender and subject only when the user allowed it and the screen is unlocked, and
//! otherwise only how many messages arrived where.

use std::sync::Arc;

use google_emulator::OAuthConfig;
use helpr_core::{Helpr, SyncOptions};
use helpr_tests::gmail::{GmailRig, Smtp};

async fn sync(helpr: &Helpr) {
    let outcomes = helpr
        .sync_gmail(None, SyncOptions::default(), Arc::new(|_, _| {}))
        .await
        .unwrap();
    assert!(outcomes[0].error.is_none(), "{outcomes:?}");
}

#[test]
fn new_mail_in_a_watched_inbox_is_noticed_and_named_only_when_allowed_and_unlocked() {
    let rig = GmailRig::new(OAuthConfig::default());
    rig.use_emulator_config(Smtp::ImplicitTls);
    rig.connect_ok();
    let old = helpr_tests::message("n0", "Old news", "Already here.", None);
    rig.emu.add_message(old, &["INBOX", "UNREAD"]);
    rig.sync_ok();
    let data = rig.scratch.data();

    rig.rt.block_on(async {
        let helpr = Helpr::open(&data).await.unwrap();
        let settings = helpr.notification_settings().await.unwrap();
        assert!(!settings.show_content, "content is opt-in");
        assert!(settings.inboxes.iter().all(|i| !i.watched), "opt-in");
        let inbox = settings
            .inboxes
            .iter()
            .find(|i| i.address.contains('@'))
            .expect("the Gmail inbox");

        // Not watched: a sync's new mail raises nothing.
        let before = helpr.newest_message_id().await.unwrap();
        let first = helpr_tests::message("n1", "Invoice overdue", "Please pay.", None);
        rig.emu.add_message(first, &["INBOX", "UNREAD"]);
        sync(&helpr).await;
        assert!(helpr
            .new_mail_notices(before, || true)
            .await
            .unwrap()
            .is_empty());

        // Watched: the unread new mail is counted (not the read one, nor older mail), and
        // nothing of it is named.
        helpr.watch_inbox(inbox.inbox_id, true).await.unwrap();
        let before = helpr.newest_message_id().await.unwrap();
        let urgent = helpr_tests::message("n2", "Server down at Acme", "Help!", None);
        rig.emu.add_message(urgent, &["INBOX", "UNREAD"]);
        let seen = helpr_tests::message("n3", "Seen elsewhere", "Read on the phone.", None);
        rig.emu.add_message(seen, &["INBOX"]);
        sync(&helpr).await;
        let notices = helpr.new_mail_notices(before, || true).await.unwrap();
        assert_eq!(notices.len(), 1, "{notices:?}");
        let notice = &notices[0];
        assert_eq!(notice.count, 1);
        assert_eq!(notice.title, "New mail");
        assert_eq!(notice.body, format!("1 new message in {}", inbox.address));
        assert!(!notice.content_shown);

        // Allowed: named while unlocked, not while locked (or unknown).
        helpr.show_notification_content(true).await.unwrap();
        assert!(helpr.notification_settings().await.unwrap().show_content);
        let locked = helpr.new_mail_notices(before, || false).await.unwrap();
        assert!(!locked[0].content_shown);
        for text in [&locked[0].title, &locked[0].body] {
            assert!(
                !text.contains("Acme") && !text.contains("sender-n2"),
                "{text}"
            );
        }
        let unlocked = helpr.new_mail_notices(before, || true).await.unwrap();
        assert!(unlocked[0].content_shown);
        assert_eq!(unlocked[0].title, "Sender n2 <sender-n2@example.com>");
        assert_eq!(unlocked[0].body, "Server down at Acme");

        // Several at once: counted, the newest named.
        let before = helpr.newest_message_id().await.unwrap();
        for (id, subject) in [("n4", "First of two"), ("n5", "Second of two")] {
            rig.emu.add_message(
                helpr_tests::message(id, subject, "…", None),
                &["INBOX", "UNREAD"],
            );
        }
        sync(&helpr).await;
        let two = helpr.new_mail_notices(before, || true).await.unwrap();
        assert_eq!(two[0].count, 2);
        assert_eq!(two[0].title, format!("2 new messages in {}", inbox.address));
        assert!(two[0].body.starts_with("Sender n"), "{}", two[0].body);

        // Unwatched again: silent. An inbox that is not there cannot be watched.
        helpr.watch_inbox(inbox.inbox_id, false).await.unwrap();
        assert!(helpr
            .new_mail_notices(before, || true)
            .await
            .unwrap()
            .is_empty());
        let missing = helpr.watch_inbox(987_654, true).await.unwrap_err();
        assert_eq!(missing.code(), "not_found");
    });
}
