//! Each query operator's meaning on a real encrypted index, and the access filter: results
//! never leave the caller's tenant and inboxes.

mod common;

use std::collections::BTreeSet;

use helpr_index::query::{compile, parse};
use helpr_index::{EncryptedDirectory, MailDoc, MailSchema};
use tantivy::collector::DocSetCollector;
use tantivy::Index;

fn corpus() -> Vec<MailDoc> {
    let day = |d: i64| 1_709_251_200 + d * 86_400; // 2024-03-01 + d days
    let mk = |id: u64, inbox: u64, from: &str, subject: &str, body: &str| MailDoc {
        message_id: id,
        tenant: 1,
        inbox,
        thread: id,
        from: vec![from.into()],
        to: vec!["Support <support@acme.example>".into()],
        subject: subject.into(),
        body: body.into(),
        date: day(id as i64),
        ..Default::default()
    };
    let mut docs = vec![
        mk(
            1,
            1,
            "Ana Lopez <ana@client.example>",
            "Invoice overdue",
            "the invoice is late",
        ),
        mk(
            2,
            1,
            "Bo Chen <bo@vendor.example>",
            "Lunch plans",
            "tacos or sushi",
        ),
        mk(
            3,
            1,
            "Ana Lopez <ana@client.example>",
            "Re: Invoice overdue",
            "paid it today",
        ),
        mk(
            4,
            2,
            "Cy <cy@other.example>",
            "Invoice for March",
            "attached",
        ),
        mk(
            5,
            1,
            "Dee <dee@client.example>",
            "Quarterly report",
            "see the report",
        ),
    ];
    docs[0].labels = vec!["Inbox".into(), "Billing".into()];
    docs[1].labels = vec!["Inbox".into()];
    docs[2].cc = vec!["finance@acme.example".into()];
    docs[2].unread = true;
    docs[3].attachment_names = vec!["march-invoice.pdf".into()];
    docs[3].has_attachment = true;
    docs[4].attachment_names = vec!["q1 report.xlsx".into()];
    docs[4].has_attachment = true;
    docs[4].unread = true;
    let mut other_tenant = mk(
        6,
        1,
        "Ana Lopez <ana@client.example>",
        "Invoice overdue",
        "x",
    );
    other_tenant.tenant = 2;
    docs.push(other_tenant);
    docs
}

struct Fixture {
    _tmp: tempfile::TempDir,
    index: Index,
    schema: MailSchema,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let schema = MailSchema::new();
    let dir = EncryptedDirectory::open(tmp.path(), common::cipher()).unwrap();
    let index = Index::create(dir, schema.schema.clone(), Default::default()).unwrap();
    helpr_index::tokenizer::register(&index);
    let mut w = index.writer(15_000_000).unwrap();
    for d in corpus() {
        w.add_document(schema.document(&d)).unwrap();
    }
    w.commit().unwrap();
    Fixture {
        _tmp: tmp,
        index,
        schema,
    }
}

impl Fixture {
    fn ids(&self, q: &str, inboxes: &[u64]) -> BTreeSet<u64> {
        let query = compile(&self.schema, &parse(q).unwrap(), 1, inboxes);
        let searcher = self.index.reader().unwrap().searcher();
        searcher
            .search(&*query, &DocSetCollector)
            .unwrap()
            .into_iter()
            .map(|addr| {
                searcher
                    .segment_reader(addr.segment_ord)
                    .fast_fields()
                    .u64("message_id")
                    .unwrap()
                    .first(addr.doc_id)
                    .unwrap()
            })
            .collect()
    }

    fn all(&self, q: &str) -> Vec<u64> {
        self.ids(q, &[1, 2]).into_iter().collect()
    }
}

#[test]
fn every_operator_means_what_it_says() {
    let f = fixture();
    assert_eq!(f.all("invoice"), vec![1, 3, 4]);
    assert_eq!(f.all("\"invoice overdue\""), vec![1, 3]);
    assert_eq!(f.all("from:ana"), vec![1, 3]);
    assert_eq!(f.all("from:ana@client.example"), vec![1, 3]);
    assert_eq!(f.all("to:support"), vec![1, 2, 3, 4, 5]);
    assert_eq!(f.all("cc:finance"), vec![3]);
    assert_eq!(f.all("subject:lunch"), vec![2]);
    assert_eq!(f.all("subject:\"for march\""), vec![4]);
    assert_eq!(f.all("label:billing"), vec![1]);
    assert_eq!(f.all("in:inbox"), vec![1, 2]);
    assert_eq!(f.all("has:attachment"), vec![4, 5]);
    assert_eq!(f.all("filename:report"), vec![5]);
    assert_eq!(f.all("filename:pdf"), vec![4]);
    assert_eq!(f.all("is:unread"), vec![3, 5]);
    assert_eq!(f.all("is:read"), vec![1, 2, 4]);
    // id N is dated 2024-03-01 + N days.
    assert_eq!(f.all("after:2024-03-04"), vec![3, 4, 5]);
    assert_eq!(f.all("before:2024-03-04"), vec![1, 2]);
    assert_eq!(f.all("after:2024-03-03 before:2024-03-05"), vec![2, 3]);
    assert_eq!(f.all("invoice -from:ana"), vec![4]);
    assert_eq!(f.all("-invoice"), vec![2, 5]);
    assert_eq!(f.all("lunch OR report"), vec![2, 5]);
    assert_eq!(f.all("(from:ana OR from:cy) -is:unread"), vec![1, 4]);
    assert_eq!(f.all("nothingmatchesthis"), Vec::<u64>::new());
}

#[test]
fn results_stay_inside_the_callers_inboxes_and_tenant() {
    let f = fixture();
    // Tenant 2's copy of "Invoice overdue" (id 6) never shows for tenant 1.
    assert!(!f.all("invoice").contains(&6));
    assert_eq!(
        f.ids("invoice", &[1]).into_iter().collect::<Vec<_>>(),
        vec![1, 3]
    );
    assert_eq!(
        f.ids("invoice", &[2]).into_iter().collect::<Vec<_>>(),
        vec![4]
    );
    assert!(f.ids("invoice", &[]).is_empty());
    assert!(f.ids("-nothing", &[3]).is_empty());
}
