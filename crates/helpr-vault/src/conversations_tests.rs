//! Conversations on a real vault: threads newest first a page at a time with their counts and
//! newest message, filtered by inbox and label, deleted messages left out everywhere, and the
//! sidebar's inbox and label counts.

use crate::test_support::TestVault;
use crate::{Act, ConversationFilter, NewMessage, Target};

/// `n` messages; message `i` replies to message `i - 1` when `i % 3 != 0`, so threads are
/// {0}, {1,2}, {3}, {4,5}, {6}, … with message dates equal to `i`.
fn threaded(t: &TestVault, n: usize) -> Vec<i64> {
    let batch: Vec<NewMessage> = (0..n)
        .map(|i| NewMessage {
            message_id: Some(format!("m{i}@example.com")),
            references: if i % 3 != 0 && i % 3 != 1 {
                vec![format!("m{}@example.com", i - 1)]
            } else {
                vec![]
            },
            unread: i % 2 == 0,
            labels: if i % 4 == 0 {
                vec!["INBOX".into(), "Invoices".into()]
            } else {
                vec!["INBOX".into()]
            },
            ..t.message(i)
        })
        .collect();
    t.insert(&batch)
}

fn all() -> ConversationFilter {
    ConversationFilter::default()
}

#[test]
fn pages_list_threads_newest_first_with_counts_and_newest_message() {
    let t = TestVault::new();
    let ids = threaded(&t, 9); // threads {0} {1,2} {3} {4,5} {6} {7,8}
    let page = t.vault.conversations(&t.scope, all(), 100, 0).unwrap();
    assert_eq!(page.total, 6);
    let subjects: Vec<&str> = page
        .conversations
        .iter()
        .map(|c| c.latest.subject.as_str())
        .collect();
    assert_eq!(
        subjects,
        [
            "subject 8",
            "subject 6",
            "subject 5",
            "subject 3",
            "subject 2",
            "subject 0"
        ]
    );
    let first = &page.conversations[0];
    assert_eq!((first.message_count, first.unread_count), (2, 1));
    assert_eq!(first.last_date, 8);
    assert_eq!(first.latest.id, ids[8]);
    assert_eq!(first.labels, ["INBOX", "Invoices"]); // message 8 is labelled Invoices
    assert_eq!(page.conversations[1].labels, ["INBOX"]);

    // Pages follow one another without overlap or gap.
    let mut paged = Vec::new();
    for offset in (0..6).step_by(4) {
        let p = t.vault.conversations(&t.scope, all(), 4, offset).unwrap();
        assert_eq!(p.total, 6);
        paged.extend(p.conversations.into_iter().map(|c| c.thread_id));
    }
    let whole: Vec<i64> = page.conversations.iter().map(|c| c.thread_id).collect();
    assert_eq!(paged, whole);
    assert!(t
        .vault
        .conversations(&t.scope, all(), 10, 50)
        .unwrap()
        .conversations
        .is_empty());
}

#[test]
fn a_thread_lists_its_live_messages_oldest_first_and_deleted_ones_leave_every_count() {
    let t = TestVault::new();
    let ids = threaded(&t, 3); // {0} {1,2}
    let page = t.vault.conversations(&t.scope, all(), 10, 0).unwrap();
    let pair = page.conversations[0].thread_id;
    assert_eq!(
        t.vault.thread_message_ids(&t.scope, pair).unwrap(),
        [ids[1], ids[2]]
    );

    // Deleting the newest message: the thread falls back to the older one.
    let act = Act {
        actor: "test",
        now: 100,
    };
    t.vault
        .soft_delete(&t.scope, Target::Message(ids[2]), act)
        .unwrap();
    let page = t.vault.conversations(&t.scope, all(), 10, 0).unwrap();
    let c = &page.conversations[0];
    assert_eq!((c.thread_id, c.message_count, c.last_date), (pair, 1, 1));
    assert_eq!(c.latest.id, ids[1]);
    assert_eq!(
        t.vault.thread_message_ids(&t.scope, pair).unwrap(),
        [ids[1]]
    );

    // Deleting the rest: the thread is gone from the list, the counts and the thread read.
    t.vault
        .soft_delete(&t.scope, Target::Message(ids[1]), act)
        .unwrap();
    let page = t.vault.conversations(&t.scope, all(), 10, 0).unwrap();
    assert_eq!(page.total, 1);
    assert!(page.conversations.iter().all(|c| c.thread_id != pair));
    assert!(t
        .vault
        .thread_message_ids(&t.scope, pair)
        .unwrap()
        .is_empty());
    let counts = t.vault.inbox_counts(&t.scope).unwrap();
    assert_eq!((counts[0].conversations, counts[0].unread), (1, 1));
}

#[test]
fn filters_by_inbox_and_label_and_never_cross_the_scope() {
    let t = TestVault::new();
    threaded(&t, 8); // {0} {1,2} {3} {4,5} {6} {7}; Invoices on 0 and 4
    let inbox = t.scope.inboxes[0];
    let labels = t.vault.label_counts(&t.scope).unwrap();
    let names: Vec<(&str, u64, u64)> = labels
        .iter()
        .map(|l| (l.name.as_str(), l.conversations, l.unread))
        .collect();
    // Unread messages: the even ones. INBOX: every thread; unread threads {0} {1,2} {4,5} {6}.
    assert_eq!(names, [("INBOX", 6, 4), ("Invoices", 2, 2)]);
    let invoices = labels.iter().find(|l| l.name == "Invoices").unwrap();

    let by_label = ConversationFilter {
        label: Some(invoices.label_id),
        ..all()
    };
    let page = t.vault.conversations(&t.scope, by_label, 10, 0).unwrap();
    assert_eq!(page.total, 2);
    // The whole thread counts, not only its labelled message.
    let subjects: Vec<(&str, u32)> = page
        .conversations
        .iter()
        .map(|c| (c.latest.subject.as_str(), c.message_count))
        .collect();
    assert_eq!(subjects, [("subject 5", 2), ("subject 0", 1)]);

    let by_inbox = ConversationFilter {
        inbox: Some(inbox),
        ..all()
    };
    assert_eq!(
        t.vault
            .conversations(&t.scope, by_inbox, 10, 0)
            .unwrap()
            .total,
        6
    );

    // Another tenant sees none of it, even when it names this tenant's inbox and label.
    let stranger = t.other_tenant();
    for filter in [all(), by_inbox, by_label] {
        let page = t.vault.conversations(&stranger, filter, 10, 0).unwrap();
        assert_eq!((page.total, page.conversations.len()), (0, 0), "{filter:?}");
    }
    assert!(t.vault.label_counts(&stranger).unwrap().is_empty());
    let counts = t.vault.inbox_counts(&stranger).unwrap();
    assert!(counts.iter().all(|c| c.conversations == 0));
    let pair = t
        .vault
        .conversations(&t.scope, all(), 1, 0)
        .unwrap()
        .conversations[0]
        .thread_id;
    assert!(t
        .vault
        .thread_message_ids(&stranger, pair)
        .unwrap()
        .is_empty());

    // An inbox of the same tenant outside the scope is not listed either.
    let other = t.other_inbox();
    let outside = ConversationFilter {
        inbox: Some(other),
        ..all()
    };
    assert_eq!(
        t.vault
            .conversations(&t.scope, outside, 10, 0)
            .unwrap()
            .total,
        0
    );
}

#[test]
fn counts_include_empty_inboxes() {
    let t = TestVault::new();
    let counts = t.vault.inbox_counts(&t.scope).unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!((counts[0].conversations, counts[0].unread), (0, 0));
    let page = t.vault.conversations(&t.scope, all(), 10, 0).unwrap();
    assert_eq!((page.total, page.conversations.len()), (0, 0));
}

/// The list's order is kept between pages (`stamped`); every change must still reach the
/// next page: this vault's own writes, and commits by another connection to the same file (a
/// CLI import while the desktop is open).
#[test]
fn pages_see_every_change_made_after_the_order_was_kept() {
    let t = TestVault::new();
    let ids = threaded(&t, 6); // {0} {1,2} {3} {4,5}
    let first = t.vault.conversations(&t.scope, all(), 2, 0).unwrap();
    assert_eq!(first.total, 4);
    let newest = first.conversations[0].thread_id;
    assert_eq!(first.conversations[0].unread_count, 1);

    // A write here: reading the newest thread changes its unread count on the next page.
    t.vault
        .set_unread(&t.scope, Target::Message(ids[4]), false, 10)
        .unwrap();
    let page = t.vault.conversations(&t.scope, all(), 2, 0).unwrap();
    assert_eq!(page.conversations[0].thread_id, newest);
    assert_eq!(page.conversations[0].unread_count, 0);

    // A commit by another connection: a second handle on the same vault adds a newer thread.
    let other = crate::Vault::open(t.vault.dir()).unwrap();
    let added = other
        .insert_messages(t.scope.tenant, &[t.message(50)])
        .unwrap();
    assert!(matches!(added[0], crate::InsertOutcome::Inserted { .. }));
    let page = t.vault.conversations(&t.scope, all(), 2, 0).unwrap();
    assert_eq!(page.total, 5);
    assert_eq!(page.conversations[0].latest.subject, "subject 50");
    assert_eq!(page.conversations[1].thread_id, newest);

    // And the pages after it shift by one, without gap or overlap.
    let mut paged = Vec::new();
    for offset in (0..5).step_by(2) {
        let p = t.vault.conversations(&t.scope, all(), 2, offset).unwrap();
        paged.extend(p.conversations.into_iter().map(|c| c.last_date));
    }
    assert_eq!(paged, [50, 5, 3, 2, 0]);
}

/// The sidebar's counts are kept between its refreshes (`stamped`); every change must still
/// reach the next refresh, this vault's own writes and another connection's commits alike.
#[test]
fn sidebar_counts_see_every_change_made_after_they_were_kept() {
    let t = TestVault::new();
    let ids = threaded(&t, 8); // {0} {1,2} {3} {4,5} {6} {7}; Invoices on 0 and 4
    let labels = |t: &TestVault| -> Vec<(String, u64, u64)> {
        let counts = t.vault.label_counts(&t.scope).unwrap();
        counts
            .into_iter()
            .map(|l| (l.name, l.conversations, l.unread))
            .collect()
    };
    let inbox = |t: &TestVault| {
        let c = t.vault.inbox_counts(&t.scope).unwrap()[0];
        (c.conversations, c.unread)
    };
    assert_eq!(inbox(&t), (6, 4));
    assert_eq!(labels(&t)[1], ("Invoices".into(), 2, 2));

    // A write here: reading message 4 leaves its thread {4,5} unread only through 5 (odd, read).
    t.vault
        .set_unread(&t.scope, Target::Message(ids[4]), false, 10)
        .unwrap();
    assert_eq!(inbox(&t), (6, 3));
    assert_eq!(labels(&t)[1], ("Invoices".into(), 2, 1));

    // A commit by another connection: a second handle on the same vault adds a thread.
    let other = crate::Vault::open(t.vault.dir()).unwrap();
    let labelled = NewMessage {
        labels: vec!["INBOX".into()],
        ..t.message(50)
    };
    other.insert_messages(t.scope.tenant, &[labelled]).unwrap();
    assert_eq!(inbox(&t).0, 7);
    assert_eq!(labels(&t)[0].1, 7);
}
