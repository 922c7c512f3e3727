//! What the desktop reads through helpr-core: the conversation list a page at a time, a thread's
//! messages, and the sidebar (inboxes with counts, labels and Gmail health), on real vaults —
//! imported mail, and a Gmail inbox synced from the google-emulator.

use std::collections::BTreeSet;

use google_emulator::OAuthConfig;
use helpr_core::{ConversationQuery, Helpr, Target, MAX_CONVERSATION_PAGE};
use helpr_tests::gmail::GmailRig;
use helpr_tests::Scratch;

fn query(limit: u32, offset: u32) -> ConversationQuery {
    ConversationQuery {
        inbox: None,
        label: None,
        limit,
        offset,
    }
}

/// `.eml` text of message `id`, replying to `parent` when given, sent on day `day` of March.
fn eml(id: &str, subject: &str, parent: Option<&str>, day: u32) -> String {
    let reply = parent
        .map(|p| format!("In-Reply-To: <{p}@example.com>\r\nReferences: <{p}@example.com>\r\n"))
        .unwrap_or_default();
    format!(
        "From: Sender {id} <{id}@example.com>\r\nTo: team@example.com\r\nSubject: {subject}\r\n\
         Date: {day:02} Mar 2026 10:00:00 +0000\r\nMessage-ID: <{id}@example.com>\r\n{reply}\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody of {id}\r\n"
    )
}

/// Imports 3 conversations: `a` (a1 → a2 → a3), `b` (b1), `c` (c1 → c2); newest last in each.
async fn three_conversations(helpr: &Helpr, s: &Scratch) {
    let dir = s.mail().join("threads");
    std::fs::create_dir_all(&dir).unwrap();
    let mail = [
        ("a1", "Alpha", None, 1),
        ("b1", "Bravo", None, 2),
        ("a2", "Re: Alpha", Some("a1"), 3),
        ("c1", "Charlie", None, 4),
        ("a3", "Re: Alpha", Some("a2"), 5),
        ("c2", "Re: Charlie", Some("c1"), 6),
    ];
    for (id, subject, parent, day) in mail {
        std::fs::write(dir.join(format!("{id}.eml")), eml(id, subject, parent, day)).unwrap();
    }
    let report = helpr.import(vec![dir], |_| {}).await.unwrap();
    assert_eq!(report.imported, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_page_newest_first_and_a_thread_opens_whole() {
    let s = Scratch::new();
    let helpr = Helpr::init(&s.data(), "default").await.unwrap();
    three_conversations(&helpr, &s).await;

    let page = helpr.conversations(query(50, 0)).await.unwrap();
    assert_eq!(page.total, 3);
    let rows: Vec<(&str, u32, &str)> = page
        .conversations
        .iter()
        .map(|c| (c.subject.as_str(), c.message_count, c.from.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("Re: Charlie", 2, "Sender c2 <c2@example.com>"),
            ("Re: Alpha", 3, "Sender a3 <a3@example.com>"),
            ("Bravo", 1, "Sender b1 <b1@example.com>"),
        ]
    );
    // Imported mail is unread until read.
    assert!(page
        .conversations
        .iter()
        .all(|c| c.unread_count == c.message_count));

    // Pages of one follow each other.
    let mut paged = Vec::new();
    for offset in 0..4 {
        let p = helpr.conversations(query(1, offset)).await.unwrap();
        assert_eq!(p.total, 3);
        paged.extend(p.conversations.into_iter().map(|c| c.thread_id));
    }
    let whole: Vec<i64> = page.conversations.iter().map(|c| c.thread_id).collect();
    assert_eq!(paged, whole);

    // The thread: every message, oldest first.
    let alpha = &page.conversations[1];
    let thread = helpr.thread(alpha.thread_id).await.unwrap();
    assert_eq!(thread.subject, "Alpha");
    let bodies: Vec<&str> = thread.messages.iter().map(|m| m.text.trim()).collect();
    assert_eq!(bodies, ["Body of a1", "Body of a2", "Body of a3"]);

    // A deleted message leaves the thread and its counts; a wholly deleted thread is gone.
    let a3 = thread.messages[2].id;
    helpr.delete(Target::Message(a3)).await.unwrap();
    let thread = helpr.thread(alpha.thread_id).await.unwrap();
    assert_eq!(thread.messages.len(), 2);
    helpr.delete(Target::Thread(alpha.thread_id)).await.unwrap();
    let gone = helpr.thread(alpha.thread_id).await.unwrap_err();
    assert_eq!(gone.code(), "not_found");
    let page = helpr.conversations(query(50, 0)).await.unwrap();
    assert_eq!(page.total, 2);
    assert!(page
        .conversations
        .iter()
        .all(|c| c.thread_id != alpha.thread_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_pages_and_unknown_threads_are_refused_clearly() {
    let s = Scratch::new();
    let helpr = Helpr::init(&s.data(), "default").await.unwrap();
    three_conversations(&helpr, &s).await;
    for limit in [0, MAX_CONVERSATION_PAGE + 1, u32::MAX] {
        let error = helpr.conversations(query(limit, 0)).await.unwrap_err();
        assert_eq!(error.code(), "invalid_input", "limit {limit}");
        assert!(error.to_string().contains("1 to 500"), "{error}");
    }
    // Far past the end is an empty page, not an error.
    let past = helpr.conversations(query(10, u32::MAX)).await.unwrap();
    assert_eq!((past.total, past.conversations.len()), (3, 0));
    for id in [0, -1, i64::MAX] {
        assert_eq!(helpr.thread(id).await.unwrap_err().code(), "not_found");
    }
    // An inbox or label that does not exist lists nothing.
    for (inbox, label) in [(Some(999), None), (None, Some(999))] {
        let page = helpr
            .conversations(ConversationQuery {
                inbox,
                label,
                ..query(10, 0)
            })
            .await
            .unwrap();
        assert_eq!(page.total, 0);
    }
}

#[test]
fn a_synced_gmail_inbox_shows_in_the_sidebar_with_its_health_labels_and_counts() {
    let rig = GmailRig::new(OAuthConfig::default());
    rig.connect_ok();
    let invoices = rig.create_label("Invoices");
    let ids = rig.seed(40, 11);
    for id in ids.iter().take(3) {
        assert!(rig.emu.modify_message(id, &[&invoices], &[]));
    }
    rig.sync_ok();

    let threads: BTreeSet<String> = ids
        .iter()
        .map(|id| rig.emu.message(id).unwrap().thread_id)
        .collect();
    let unread_threads: BTreeSet<String> = ids
        .iter()
        .map(|id| rig.emu.message(id).unwrap())
        .filter(|m| m.label_ids.iter().any(|l| l == "UNREAD"))
        .map(|m| m.thread_id)
        .collect();
    let invoice_threads: BTreeSet<String> = ids
        .iter()
        .take(3)
        .map(|id| rig.emu.message(id).unwrap().thread_id)
        .collect();

    rig.rt.block_on(async {
        let helpr = Helpr::open(&rig.scratch.data()).await.unwrap();
        let sidebar = helpr.sidebar().await.unwrap();
        let kinds: Vec<&str> = sidebar.iter().map(|i| i.kind.as_str()).collect();
        assert_eq!(kinds, ["local", "gmail"]);
        let gmail = &sidebar[1];
        assert_eq!(gmail.address, rig.address());
        assert_eq!(gmail.conversations, threads.len() as u64);
        assert_eq!(gmail.unread, unread_threads.len() as u64);
        let health = gmail.health.as_ref().expect("a Gmail inbox has health");
        assert_eq!(
            (health.state.as_str(), health.last_error.as_deref()),
            ("idle", None)
        );
        assert_eq!(health.messages, 40);
        assert!(sidebar[0].health.is_none());

        let label = gmail
            .labels
            .iter()
            .find(|l| l.name == "Invoices")
            .expect("the user label is listed under its inbox");
        assert_eq!(label.conversations, invoice_threads.len() as u64);
        assert!(gmail.labels.iter().any(|l| l.name == "INBOX"));

        // The inbox and its label filter the list.
        let by_inbox = helpr
            .conversations(ConversationQuery {
                inbox: Some(gmail.inbox_id),
                ..query(100, 0)
            })
            .await
            .unwrap();
        assert_eq!(by_inbox.total, threads.len() as u64);
        let by_label = helpr
            .conversations(ConversationQuery {
                inbox: Some(gmail.inbox_id),
                label: Some(label.label_id),
                ..query(100, 0)
            })
            .await
            .unwrap();
        assert_eq!(by_label.total, invoice_threads.len() as u64);
        assert!(by_label
            .conversations
            .iter()
            .all(|c| c.labels.contains(&"Invoices".to_owned())));
    });
}
