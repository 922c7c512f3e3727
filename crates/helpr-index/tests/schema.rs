//! The mail schema in a real encrypted index: nothing is stored, every field is searchable as
//! its operator will need (words in from/subject/body/filename, whole labels, ids, dates, flags).

mod common;

use helpr_index::schema::{MailDoc, MailSchema};
use helpr_index::EncryptedDirectory;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Index, Term};

fn doc(id: u64, inbox: u64) -> MailDoc {
    MailDoc {
        message_id: id,
        tenant: 1,
        inbox,
        thread: id / 2,
        from: vec![format!("Ana Lopez <ana{id}@example.com>")],
        to: vec!["support@acme.example".into()],
        cc: vec![],
        subject: if id.is_multiple_of(2) {
            "Invoice overdue".into()
        } else {
            "Lunch".into()
        },
        body: format!("body of message {id}"),
        attachment_names: if id.is_multiple_of(3) {
            vec!["report.pdf".into()]
        } else {
            vec![]
        },
        labels: vec!["Team/Ops".into()],
        date: 1_700_000_000 + id as i64 * 86_400,
        has_attachment: id.is_multiple_of(3),
        unread: id.is_multiple_of(4),
    }
}

#[test]
fn nothing_is_stored_and_every_operator_field_is_searchable() {
    let s = MailSchema::new();
    for (_, entry) in s.schema.fields() {
        assert!(!entry.is_stored(), "{} is stored", entry.name());
    }

    let tmp = tempfile::tempdir().unwrap();
    let dir = EncryptedDirectory::open(tmp.path(), common::cipher()).unwrap();
    let index = Index::create(dir, s.schema.clone(), Default::default()).unwrap();
    helpr_index::tokenizer::register(&index);
    let mut writer = index.writer(15_000_000).unwrap();
    for id in 0..12 {
        writer
            .add_document(s.document(&doc(id, 1 + id % 2)))
            .unwrap();
    }
    writer.commit().unwrap();
    let searcher = index.reader().unwrap().searcher();
    let count = |q: &dyn Query| searcher.search(q, &Count).unwrap();
    let text = |f, w: &str| TermQuery::new(Term::from_field_text(f, w), IndexRecordOption::Basic);

    assert_eq!(count(&text(s.subject, "invoice")), 6);
    assert_eq!(count(&text(s.from, "ana3")), 1);
    assert_eq!(count(&text(s.to, "support")), 12);
    assert_eq!(count(&text(s.attachment_names, "report")), 4);
    assert_eq!(count(&text(s.labels, "team/ops")), 12);
    assert_eq!(count(&text(s.labels, "team")), 0, "labels match whole");
    let flag = |f, v| TermQuery::new(Term::from_field_bool(f, v), IndexRecordOption::Basic);
    assert_eq!(count(&flag(s.has_attachment, true)), 4);
    assert_eq!(count(&flag(s.unread, true)), 3);
    let inbox = TermQuery::new(Term::from_field_u64(s.inbox, 2), IndexRecordOption::Basic);
    let in_inbox_2_invoice = BooleanQuery::new(vec![
        (Occur::Must, Box::new(inbox) as Box<dyn Query>),
        (Occur::Must, Box::new(text(s.subject, "invoice"))),
    ]);
    // Inbox 2 holds the odd ids, the invoices are the even ones.
    assert_eq!(count(&in_inbox_2_invoice), 0);
    let after = RangeQuery::new(
        std::ops::Bound::Included(Term::from_field_i64(s.date, 1_700_000_000 + 10 * 86_400)),
        std::ops::Bound::Unbounded,
    );
    assert_eq!(count(&after), 2);

    // Hits resolve to message ids through the fast field, not through stored text.
    let top = searcher
        .search(
            &text(s.from, "ana7"),
            &TopDocs::with_limit(5).order_by_score(),
        )
        .unwrap();
    assert_eq!(top.len(), 1);
    let (_, addr) = top[0];
    let ids = searcher
        .segment_reader(addr.segment_ord)
        .fast_fields()
        .u64("message_id")
        .unwrap();
    assert_eq!(ids.first(addr.doc_id), Some(7));
}
