//! `MailIndex` end to end on a real encrypted folder: date and relevance order, pages,
//! the access filter, idempotent upserts, commits seen by a second handle (another process),
//! damage reported as damage, and delete + purge leaving no term of the deleted message in any
//! segment's term dictionary.

mod common;

use std::collections::BTreeSet;

use helpr_index::{IndexError, MailDoc, MailIndex, SearchRequest, Sort};

const DELETED_CANARY: &str = "zqxdeletedcanary";
const KEPT_CANARY: &str = "zqxkeptcanary";

fn doc(id: u64, inbox: u64, subject: &str, body: &str) -> MailDoc {
    MailDoc {
        message_id: id,
        tenant: 1,
        inbox,
        thread: id,
        from: vec![format!("Sender {id} <s{id}@example.com>")],
        to: vec!["support@acme.example".into()],
        subject: subject.into(),
        body: body.into(),
        // Dates out of id order, so date order is not id order.
        date: 1_700_000_000 + ((id * 7919) % 1000) as i64 * 3600,
        ..Default::default()
    }
}

fn request<'a>(query: &'a str, inboxes: &'a [u64]) -> SearchRequest<'a> {
    SearchRequest {
        query,
        tenant: 1,
        inboxes,
        sort: Sort::Date,
        limit: 1000,
        offset: 0,
    }
}

fn open(path: &std::path::Path, cipher: &helpr_crypto::IndexCipher) -> MailIndex {
    MailIndex::open_or_create(path, cipher.clone()).unwrap()
}

fn terms_of(index: &MailIndex) -> BTreeSet<String> {
    index.terms().unwrap()
}

#[test]
fn date_order_pages_and_relevance() {
    let tmp = tempfile::tempdir().unwrap();
    let cipher = common::cipher();
    let index = open(tmp.path(), &cipher);
    let mut w = index.writer().unwrap();
    let docs: Vec<MailDoc> = (1..=60)
        .map(|i| {
            let body = if i % 3 == 0 {
                "refund refund refund please".to_string()
            } else {
                format!("general question {i} about a refund")
            };
            doc(i, 1, &format!("ticket {i}"), &body)
        })
        .collect();
    for d in &docs {
        w.add(d).unwrap();
    }
    w.commit().unwrap();
    w.finish().unwrap();

    let all = index.search(&request("refund", &[1])).unwrap();
    assert_eq!(all.total, 60);
    let mut expected: Vec<&MailDoc> = docs.iter().collect();
    expected.sort_by_key(|d| std::cmp::Reverse((d.date, d.message_id)));
    let expected: Vec<u64> = expected.iter().map(|d| d.message_id).collect();
    assert_eq!(all.message_ids, expected);

    // Pages concatenate to the whole list, in the same order.
    let mut paged = Vec::new();
    for page in 0..7 {
        let hits = index
            .search(&SearchRequest {
                limit: 9,
                offset: page * 9,
                ..request("refund", &[1])
            })
            .unwrap();
        assert_eq!(hits.total, 60);
        paged.extend(hits.message_ids);
    }
    assert_eq!(paged, expected);

    // An offset past every document is an empty page that still counts, for both orders,
    // without asking for room for `offset + limit` hits (4294967295 aborted the process).
    for sort in [Sort::Date, Sort::Relevance] {
        for offset in [60, 500_000_000, u32::MAX as usize, usize::MAX - 1] {
            let hits = index
                .search(&SearchRequest {
                    limit: 50,
                    offset,
                    sort,
                    ..request("refund", &[1])
                })
                .unwrap();
            assert_eq!(
                (hits.total, hits.message_ids.len()),
                (60, 0),
                "offset {offset}"
            );
        }
    }
    // The last page is cut at the end.
    let tail = index
        .search(&SearchRequest {
            limit: 50,
            offset: 55,
            ..request("refund", &[1])
        })
        .unwrap();
    assert_eq!(tail.message_ids, expected[55..]);

    // Relevance: the messages that say "refund" three times come first.
    let best = index
        .search(&SearchRequest {
            sort: Sort::Relevance,
            limit: 20,
            ..request("refund", &[1])
        })
        .unwrap();
    assert!(best.message_ids.iter().all(|id| id % 3 == 0));
    assert_eq!(best.message_ids.len(), 20);

    // A count without hits.
    let count = index
        .search(&SearchRequest {
            limit: 0,
            ..request("refund", &[1])
        })
        .unwrap();
    assert_eq!((count.total, count.message_ids.len()), (60, 0));
}

#[test]
fn access_filter_and_malformed_queries() {
    let tmp = tempfile::tempdir().unwrap();
    let index = open(tmp.path(), &common::cipher());
    let mut w = index.writer().unwrap();
    w.add(&doc(1, 1, "invoice", "x")).unwrap();
    w.add(&doc(2, 2, "invoice", "x")).unwrap();
    let mut other = doc(3, 1, "invoice", "x");
    other.tenant = 2;
    w.add(&other).unwrap();
    w.commit().unwrap();
    w.finish().unwrap();

    assert_eq!(
        index.search(&request("invoice", &[1])).unwrap().message_ids,
        vec![1]
    );
    let mut both = index
        .search(&request("invoice", &[1, 2]))
        .unwrap()
        .message_ids;
    both.sort();
    assert_eq!(both, vec![1, 2]);
    assert_eq!(index.search(&request("invoice", &[])).unwrap().total, 0);

    match index.search(&request("subject:(", &[1])) {
        Err(IndexError::Query(e)) => assert!(e.column >= 1, "{e}"),
        other => panic!("expected a query error, got {other:?}"),
    }
}

#[test]
fn upsert_is_idempotent_and_other_handles_see_commits() {
    let tmp = tempfile::tempdir().unwrap();
    let cipher = common::cipher();
    let a = open(tmp.path(), &cipher);
    let b = open(tmp.path(), &cipher);
    assert_eq!(b.search(&request("alpha", &[1])).unwrap().total, 0);

    let mut w = a.writer().unwrap();
    w.upsert(&doc(7, 1, "alpha", "first")).unwrap();
    w.upsert(&doc(7, 1, "alpha", "second")).unwrap();
    w.commit().unwrap();
    w.upsert(&doc(7, 1, "alpha", "third")).unwrap();
    w.commit().unwrap();
    w.finish().unwrap();

    // `b` never reloaded by hand: it notices the new meta.json.
    assert_eq!(
        b.search(&request("alpha", &[1])).unwrap().message_ids,
        vec![7]
    );
    assert_eq!(b.search(&request("third", &[1])).unwrap().total, 1);
    assert_eq!(b.search(&request("first", &[1])).unwrap().total, 0);
    assert_eq!(b.message_ids().unwrap(), vec![7]);
    assert_eq!(b.stats().unwrap().docs, 1);
}

#[test]
fn delete_and_purge_remove_the_terms_from_every_segment() {
    let tmp = tempfile::tempdir().unwrap();
    let cipher = common::cipher();
    let index = open(tmp.path(), &cipher);
    // Several commits, so the message sits in one segment among several.
    let mut w = index.writer().unwrap();
    for batch in 0..4u64 {
        for i in 0..25u64 {
            let id = batch * 25 + i + 1;
            let body = match id {
                42 => format!("please forget {DELETED_CANARY} now"),
                43 => format!("keep {KEPT_CANARY} around"),
                _ => format!("ordinary message {id}"),
            };
            let mut d = doc(id, 1, &format!("subject {id}"), &body);
            if id == 42 {
                d.attachment_names = vec![format!("{DELETED_CANARY}-file.pdf")];
                d.from = vec![format!("{DELETED_CANARY}@example.com")];
            }
            w.add(&d).unwrap();
        }
        w.commit().unwrap();
    }
    w.finish().unwrap();
    assert_eq!(
        index
            .search(&request(DELETED_CANARY, &[1]))
            .unwrap()
            .message_ids,
        vec![42]
    );
    assert!(
        terms_of(&index).contains(DELETED_CANARY),
        "control: the term is indexed"
    );
    let files_before = common::files(tmp.path());

    let mut w = index.writer().unwrap();
    w.delete(42);
    let report = w.purge().unwrap();
    // Gone from results as soon as purge returns …
    assert_eq!(
        index.search(&request(DELETED_CANARY, &[1])).unwrap().total,
        0
    );
    assert_eq!(
        index.search(&request("filename:pdf", &[1])).unwrap().total,
        0
    );
    w.finish().unwrap();

    // … and from every term dictionary, while the other messages' terms stay.
    let terms = terms_of(&index);
    assert!(
        !terms.iter().any(|t| t.contains(DELETED_CANARY)),
        "deleted term survived"
    );
    assert!(terms.contains(KEPT_CANARY));
    assert_eq!(
        index
            .search(&request(KEPT_CANARY, &[1]))
            .unwrap()
            .message_ids,
        vec![43]
    );
    let stats = index.stats().unwrap();
    assert_eq!((stats.docs, stats.deleted_docs), (99, 0));
    assert!(report.segments_merged >= 1);
    // The old segment's files are gone from disk.
    let files_after = common::files(tmp.path());
    assert!(files_before.iter().any(|f| !files_after.contains(f)));

    // A fresh handle (another process) sees the same: no trace of the term.
    let fresh = open(tmp.path(), &cipher);
    assert!(!terms_of(&fresh).iter().any(|t| t.contains(DELETED_CANARY)));
}

#[test]
fn a_flipped_bit_is_reported_as_damage() {
    let tmp = tempfile::tempdir().unwrap();
    let cipher = common::cipher();
    {
        let index = open(tmp.path(), &cipher);
        let mut w = index.writer().unwrap();
        for i in 1..=20 {
            w.add(&doc(i, 1, "hello", "world")).unwrap();
        }
        w.commit().unwrap();
        w.finish().unwrap();
    }
    // Flip one bit in the largest segment file (postings / term dictionary).
    let victim = common::files(tmp.path())
        .into_iter()
        .filter(|p| {
            !p.to_string_lossy().ends_with(".json") && !p.to_string_lossy().ends_with(".lock")
        })
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(&victim).unwrap();
    let at = bytes.len() - 20;
    bytes[at] ^= 0x01;
    std::fs::write(&victim, bytes).unwrap();

    let result = MailIndex::open_or_create(tmp.path(), cipher.clone())
        .and_then(|index| index.search(&request("hello", &[1])));
    match result {
        Err(IndexError::Damaged(_)) => {}
        other => panic!("expected damage, got {other:?}"),
    }
}

#[test]
fn words_inside_unspaced_cjk_text_are_found() {
    let tmp = tempfile::tempdir().unwrap();
    let index = open(tmp.path(), &common::cipher());
    let mut w = index.writer().unwrap();
    w.add(&doc(
        1,
        1,
        "注文 A-54199 の配送について",
        "ライセンスキーを再送いたしました",
    ))
    .unwrap();
    w.add(&doc(
        2,
        1,
        "Rückerstattung für Bestellung",
        "配達は明日です",
    ))
    .unwrap();
    w.add(&doc(3, 1, "서울에서 만나요", "회의 일정")).unwrap();
    w.commit().unwrap();
    w.finish().unwrap();
    let ids = |q: &str| {
        let mut ids = index.search(&request(q, &[1])).unwrap().message_ids;
        ids.sort();
        ids
    };
    assert_eq!(
        ids("配送"),
        vec![1],
        "a word inside a run of kanji and kana"
    );
    assert_eq!(ids("subject:配送について"), vec![1]);
    assert_eq!(ids("再送"), vec![1]);
    assert_eq!(ids("配達"), vec![2]);
    assert_eq!(ids("\"ライセンスキー\""), vec![1]);
    assert_eq!(ids("서울"), vec![3]);
    assert_eq!(
        ids("送配"),
        Vec::<u64>::new(),
        "characters in another order"
    );
    assert_eq!(ids("54199"), vec![1]);
    assert_eq!(ids("bestellung"), vec![2]);
}
