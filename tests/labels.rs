//! Labels through helpr-core against the google-emulator: a label applied in helpr is on the
//! message at Gmail at once (created there when Gmail has no label of that name), removing it
//! takes it off, Gmail's own labels go by their ids, `label:` search follows; while Gmail
//! fails, the change waits in the outbox (already made in helpr, and not undone by a sync that
//! still sees the old state) and the next sync delivers it. Bad names are refused.

use google_emulator::OAuthConfig;
use helpr_core::{Helpr, SyncOptions, Target};
use helpr_tests::gmail::{GmailRig, Smtp};

fn at_gmail(rig: &GmailRig, gmail_id: &str) -> Vec<String> {
    rig.emu.message(gmail_id).unwrap().label_ids
}

async fn found(helpr: &Helpr, query: &str) -> u64 {
    helpr
        .search(query.into(), Default::default())
        .await
        .unwrap()
        .total
}

#[test]
fn labels_set_in_helpr_reach_gmail_now_or_at_the_next_sync() {
    let rig = GmailRig::new(OAuthConfig::default());
    rig.use_emulator_config(Smtp::ImplicitTls);
    rig.connect_ok();
    let raw = helpr_tests::message("lb1", "Quarterly figures", "See the figures.", None);
    let gmail_id = rig.emu.add_message(raw, &["INBOX"]);
    rig.sync_ok();
    let data = rig.scratch.data();

    rig.rt.block_on(async {
        let helpr = Helpr::open(&data).await.unwrap();
        let message = helpr
            .list_messages()
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.subject == "Quarterly figures")
            .unwrap();
        let thread = Target::Thread(message.thread_id);

        // A new label: created at Gmail, applied there, searchable here.
        let marked = helpr
            .label(vec![thread], " Follow-up ", true)
            .await
            .unwrap();
        assert_eq!(marked.changed, [message.id]);
        assert_eq!(marked.gmail_pending, 0);
        let follow_up = rig.emu.create_label("Follow-up");
        assert!(at_gmail(&rig, &gmail_id).contains(&follow_up));
        assert_eq!(found(&helpr, "label:follow-up").await, 1);
        let view = helpr.get_message(message.id).await.unwrap();
        assert!(view.labels.iter().any(|l| l == "Follow-up"));

        // Gmail's own label by its id, whatever the case typed.
        helpr.label(vec![thread], "starred", true).await.unwrap();
        assert!(at_gmail(&rig, &gmail_id).iter().any(|l| l == "STARRED"));
        assert_eq!(found(&helpr, "label:starred").await, 1);

        // Removed: gone at Gmail, and from search.
        helpr.label(vec![thread], "Follow-up", false).await.unwrap();
        assert!(!at_gmail(&rig, &gmail_id).contains(&follow_up));
        assert_eq!(found(&helpr, "label:follow-up").await, 0);

        // Gmail fails: the label waits, stands in helpr, and a sync meanwhile keeps it.
        rig.emu.set_server_error_rate(1.0);
        let marked = helpr.label(vec![thread], "Follow-up", true).await.unwrap();
        assert_eq!(marked.gmail_pending, 1);
        assert!(!at_gmail(&rig, &gmail_id).contains(&follow_up));
        rig.emu.set_server_error_rate(0.0);
        let outcomes = helpr
            .sync_gmail(None, SyncOptions::default(), std::sync::Arc::new(|_, _| {}))
            .await
            .unwrap();
        assert!(outcomes[0].error.is_none(), "{outcomes:?}");
        assert!(
            at_gmail(&rig, &gmail_id).contains(&follow_up),
            "the sync delivered the label"
        );
        let view = helpr.get_message(message.id).await.unwrap();
        assert!(view.labels.iter().any(|l| l == "Follow-up"));

        // Another client removes it at Gmail: the next sync follows.
        rig.emu.modify_message(&gmail_id, &[], &[&follow_up]);
        helpr
            .sync_gmail(None, SyncOptions::default(), std::sync::Arc::new(|_, _| {}))
            .await
            .unwrap();
        assert_eq!(found(&helpr, "label:follow-up").await, 0);

        // Bad names and unknown targets are refused, and change nothing.
        for bad in ["", "UNREAD", "Trash", "a\u{0}b"] {
            let e = helpr.label(vec![thread], bad, true).await.unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad:?}");
        }
        let missing = helpr
            .label(vec![Target::Thread(987_654)], "Follow-up", true)
            .await
            .unwrap_err();
        assert_eq!(missing.code(), "not_found");
        assert!(!at_gmail(&rig, &gmail_id).contains(&follow_up));
    });
}
