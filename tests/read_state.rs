//! Read and unread through helpr-core against the google-emulator: marking a conversation
//! read takes `UNREAD` off its messages at Gmail at once, marking unread puts it back; while
//! Gmail fails, the change waits in the outbox (the flag already set in helpr, and a sync that
//! still sees the old state does not undo it) and the next sync delivers it.

use google_emulator::OAuthConfig;
use helpr_core::{Helpr, SyncOptions, Target};
use helpr_tests::gmail::{GmailRig, Smtp};

fn unread_at_gmail(rig: &GmailRig, gmail_id: &str) -> bool {
    rig.emu
        .message(gmail_id)
        .unwrap()
        .label_ids
        .iter()
        .any(|l| l == "UNREAD")
}

#[test]
fn marking_read_and_unread_reaches_gmail_now_or_at_the_next_sync() {
    let rig = GmailRig::new(OAuthConfig::default());
    rig.use_emulator_config(Smtp::ImplicitTls);
    rig.connect_ok();
    let raw = helpr_tests::message("rd1", "Please confirm", "Can you confirm?", None);
    let gmail_id = rig.emu.add_message(raw, &["INBOX", "UNREAD"]);
    rig.sync_ok();
    let data = rig.scratch.data();

    rig.rt.block_on(async {
        let helpr = Helpr::open(&data).await.unwrap();
        let message = helpr
            .list_messages()
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.subject == "Please confirm")
            .unwrap();
        assert!(message.unread);
        let thread = Target::Thread(message.thread_id);

        let marked = helpr.mark_read(vec![thread], true).await.unwrap();
        assert_eq!(marked.changed, [message.id]);
        assert_eq!(marked.gmail_pending, 0);
        assert!(!unread_at_gmail(&rig, &gmail_id), "UNREAD removed at Gmail");
        let page = helpr
            .search("is:unread".into(), Default::default())
            .await
            .unwrap();
        assert_eq!(page.total, 0, "is:unread follows at once");

        helpr.mark_read(vec![thread], false).await.unwrap();
        assert!(unread_at_gmail(&rig, &gmail_id), "UNREAD back at Gmail");

        // Gmail fails: the read waits, and stands in helpr.
        rig.emu.set_server_error_rate(1.0);
        let marked = helpr.mark_read(vec![thread], true).await.unwrap();
        assert_eq!(marked.gmail_pending, 1);
        assert!(unread_at_gmail(&rig, &gmail_id));
        rig.emu.set_server_error_rate(0.0);

        // The next sync sends it, and what it then reads from Gmail agrees.
        let outcomes = helpr
            .sync_gmail(None, SyncOptions::default(), std::sync::Arc::new(|_, _| {}))
            .await
            .unwrap();
        assert!(outcomes[0].error.is_none(), "{outcomes:?}");
        assert!(
            !unread_at_gmail(&rig, &gmail_id),
            "the sync delivered the read"
        );
        let again = helpr.get_message(message.id).await.unwrap();
        assert!(!again.labels.iter().any(|l| l == "UNREAD"));
        let listed = helpr.list_messages().await.unwrap();
        assert!(!listed.iter().find(|m| m.id == message.id).unwrap().unread);

        let missing = helpr
            .mark_read(vec![Target::Thread(987_654)], true)
            .await
            .unwrap_err();
        assert_eq!(missing.code(), "not_found");
    });
}
