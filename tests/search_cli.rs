//! `helpr search`, `delete` and `index stats` end to end through the real binary, on a Maildir
//! written here (distinct words, senders, recipients, dates, attachments with names, Gmail
//! labels, seen flags): every query operator returns exactly the expected messages, newest
//! first; pages concatenate to the whole result with a constant total; `--sort relevance`
//! ranks the best match first; malformed queries fail with `invalid_input`, a column, and no
//! change to the data dir; hits carry the decrypted summary; a deleted message is gone from
//! search, `list` and `show`, and the index keeps no deleted document.

use std::collections::BTreeMap;
use std::path::Path;

use helpr_tests::{assert_nothing_written, ids_of, rfc2822, snapshot, utc, Scratch, ALL_HITS};

/// One message of the test mailbox; `subject`'s first word is its key in expectations.
struct Mail {
    subject: &'static str,
    from: &'static str,
    to: &'static str,
    cc: Option<&'static str>,
    date: i64,
    body: &'static str,
    labels: Option<&'static str>,
    attachment: Option<&'static str>,
    seen: bool,
}

fn mailbox() -> Vec<Mail> {
    vec![
        Mail {
            subject: "Alpha planning",
            from: "Ana Silva <ana@acme.test>",
            to: "team@acme.test",
            cc: Some("Bo Berg <bo@acme.test>"),
            date: utc(2024, 1, 15, 10, 0, 0),
            body: "the quarterly report is due friday",
            labels: Some("Inbox,Billing"),
            attachment: None,
            seen: true,
        },
        Mail {
            subject: "Beta invoice",
            from: "Bo Berg <bo@acme.test>",
            to: "Ana Silva <ana@acme.test>",
            cc: None,
            date: utc(2024, 2, 20, 9, 30, 0),
            body: "report quarterly numbers in the sheet",
            labels: Some("Inbox,Team/Ops"),
            attachment: Some("invoice-march.pdf"),
            seen: false,
        },
        Mail {
            subject: "Gamma outage",
            from: "Chen Wei <chen@partner.test>",
            to: "team@acme.test",
            cc: Some("Dana Ortiz <dana@acme.test>"),
            date: utc(2024, 3, 5, 14, 0, 0),
            body: "server outage in region north zebra",
            labels: Some("Urgent,Project X"),
            attachment: Some("server.log"),
            seen: false,
        },
        Mail {
            subject: "Delta holiday",
            from: "Dana Ortiz <dana@acme.test>",
            to: "Chen Wei <chen@partner.test>",
            cc: None,
            // Exactly midnight: after: includes the day, before: excludes it.
            date: utc(2024, 4, 1, 0, 0, 0),
            body: "holiday schedule for april, no contract needed",
            labels: None,
            attachment: None,
            seen: true,
        },
        Mail {
            subject: "Epsilon newsletter",
            from: "Vendor News <news@vendor.test>",
            to: "team@acme.test",
            cc: None,
            date: utc(2024, 5, 12, 7, 0, 0),
            body: "monthly newsletter zebra",
            labels: Some("Spam"),
            attachment: None,
            seen: false,
        },
        Mail {
            subject: "Zeta contract",
            from: "Eli Cohen <eli@vendor.test>",
            to: "ana@acme.test",
            cc: Some("Fatou Diop <fatou@partner.test>"),
            date: utc(2024, 6, 30, 16, 45, 0),
            body: "renewal signed by both sides",
            labels: Some("Inbox,Billing"),
            attachment: Some("contract-final.docx"),
            seen: true,
        },
        Mail {
            subject: "Eta meeting notes",
            from: "Ana Silva <ana@acme.test>",
            to: "Bo Berg <bo@acme.test>",
            cc: None,
            date: utc(2023, 12, 31, 23, 59, 59),
            body: "notes from the meeting",
            labels: Some("Inbox"),
            attachment: None,
            seen: false,
        },
        Mail {
            subject: "Theta refund",
            from: "Fatou Diop <fatou@partner.test>",
            to: "team@acme.test",
            cc: None,
            date: utc(2024, 7, 4, 12, 0, 0),
            body: "refund approved, see invoice",
            labels: Some("Inbox,Team/Ops"),
            attachment: None,
            seen: true,
        },
        Mail {
            subject: "Iota zebra digest",
            from: "Gus Lind <gus@vendor.test>",
            to: "team@acme.test",
            cc: None,
            date: utc(2024, 1, 2, 8, 0, 0),
            body: "zebra zebra zebra",
            labels: None,
            attachment: None,
            seen: true,
        },
    ]
}

fn render(n: usize, m: &Mail) -> String {
    let mut h = format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <search-{n}@acme.test>\r\nMIME-Version: 1.0\r\n",
        m.from,
        m.to,
        m.subject,
        rfc2822(m.date)
    );
    if let Some(cc) = m.cc {
        h.push_str(&format!("Cc: {cc}\r\n"));
    }
    if let Some(labels) = m.labels {
        h.push_str(&format!("X-Gmail-Labels: {labels}\r\n"));
    }
    match m.attachment {
        None => format!(
            "{h}Content-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n",
            m.body
        ),
        Some(name) => format!(
            "{h}Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n--B\r\n\
Content-Type: application/octet-stream; name=\"{name}\"\r\n\
Content-Disposition: attachment; filename=\"{name}\"\r\n\r\nbytes of {name}\r\n--B--\r\n",
            m.body
        ),
    }
}

/// Writes the mailbox as a Maildir (seen → `cur/…:2,S`, unseen → `new/`).
fn write_maildir(dir: &Path, mails: &[Mail]) {
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    for (n, m) in mails.iter().enumerate() {
        let path = if m.seen {
            dir.join(format!("cur/{n}.test:2,S"))
        } else {
            dir.join(format!("new/{n}.test"))
        };
        std::fs::write(path, render(n, m)).unwrap();
    }
}

/// A vault holding [`mailbox`], and the id of each message by the first word of its subject.
struct Fixture {
    s: Scratch,
    ids: BTreeMap<String, i64>,
    /// Every id, newest first (as `list` orders them).
    order: Vec<i64>,
}

impl Fixture {
    fn new() -> Fixture {
        let s = Scratch::new();
        s.init();
        let mails = mailbox();
        let dir = s.mail().join("Maildir");
        write_maildir(&dir, &mails);
        let report = s.json(&["import", dir.to_str().unwrap()]);
        assert_eq!(report["imported"], mails.len(), "{report}");
        assert_eq!(report.get("index_error"), None, "{report}");
        let ids = s
            .ids_by_subject()
            .into_iter()
            .map(|(subject, id)| (subject.split(' ').next().unwrap().to_string(), id))
            .collect();
        let order = s.list_ids();
        // The dates came through as written (the date operators depend on them).
        let list = s.json(&["list"]);
        for m in &mails {
            let row = list
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["subject"] == m.subject)
                .unwrap();
            assert_eq!(row["date"], m.date, "{}", m.subject);
            assert_eq!(row["unread"], !m.seen, "{}", m.subject);
        }
        Fixture { s, ids, order }
    }

    /// The ids of `keys`, newest first.
    fn expect(&self, keys: &[&str]) -> Vec<i64> {
        let wanted: Vec<i64> = keys
            .iter()
            .map(|k| *self.ids.get(*k).unwrap_or_else(|| panic!("no message {k}")))
            .collect();
        self.order
            .iter()
            .copied()
            .filter(|id| wanted.contains(id))
            .collect()
    }

    fn key(&self, id: i64) -> &str {
        self.ids
            .iter()
            .find(|(_, v)| **v == id)
            .map(|(k, _)| k.as_str())
            .unwrap_or("?")
    }

    fn keys(&self, ids: &[i64]) -> Vec<&str> {
        ids.iter().map(|id| self.key(*id)).collect()
    }
}

/// `(query, subjects' first words)`: every operator alone and combined.
const CASES: &[(&str, &[&str])] = &[
    // Words (AND), in any field; case-insensitive.
    ("zebra", &["Gamma", "Epsilon", "Iota"]),
    ("ZEBRA", &["Gamma", "Epsilon", "Iota"]),
    ("quarterly report", &["Alpha", "Beta"]),
    ("invoice", &["Beta", "Theta"]),
    ("ana", &["Alpha", "Beta", "Zeta", "Eta"]),
    ("contract", &["Delta", "Zeta"]),
    ("nosuchwordanywhere", &[]),
    // Phrases: the words adjacent and in order.
    ("\"quarterly report\"", &["Alpha"]),
    ("\"report quarterly\"", &["Beta"]),
    // Address fields: names, addresses, parts of addresses.
    ("from:ana", &["Alpha", "Eta"]),
    ("from:bo@acme.test", &["Beta"]),
    ("from:\"Bo Berg\"", &["Beta"]),
    ("from:vendor.test", &["Epsilon", "Zeta", "Iota"]),
    ("to:chen", &["Delta"]),
    ("to:ana@acme.test", &["Beta", "Zeta"]),
    ("cc:dana", &["Gamma"]),
    ("cc:bo", &["Alpha"]),
    ("cc:fatou", &["Zeta"]),
    // Subject only.
    ("subject:invoice", &["Beta"]),
    ("Subject:Outage", &["Gamma"]),
    ("subject:\"meeting notes\"", &["Eta"]),
    // Labels (X-Gmail-Labels), whole and case-insensitive; in: is label:.
    ("label:billing", &["Alpha", "Zeta"]),
    ("label:Team/Ops", &["Beta", "Theta"]),
    ("label:\"project x\"", &["Gamma"]),
    ("in:inbox", &["Alpha", "Beta", "Zeta", "Eta", "Theta"]),
    ("in:spam", &["Epsilon"]),
    ("label:team", &[]),
    // Attachments.
    ("has:attachment", &["Beta", "Gamma", "Zeta"]),
    ("filename:pdf", &["Beta"]),
    ("filename:server.log", &["Gamma"]),
    ("filename:contract", &["Zeta"]),
    // Seen flags.
    ("is:unread", &["Beta", "Gamma", "Epsilon", "Eta"]),
    ("is:read", &["Alpha", "Delta", "Zeta", "Theta", "Iota"]),
    // Dates (UTC days; after: includes the day, before: excludes it).
    ("before:2024-01-01", &["Eta"]),
    ("after:2024-07-01", &["Theta"]),
    ("after:2024-04-01", &["Delta", "Epsilon", "Zeta", "Theta"]),
    (
        "before:2024-04-01",
        &["Eta", "Iota", "Alpha", "Beta", "Gamma"],
    ),
    (
        "after:2024-02-01 before:2024-06-01",
        &["Beta", "Gamma", "Delta", "Epsilon"],
    ),
    ("after:2024/07/04", &["Theta"]),
    // Negation.
    ("zebra -label:spam", &["Gamma", "Iota"]),
    ("-in:inbox", &["Gamma", "Delta", "Epsilon", "Iota"]),
    ("in:inbox -has:attachment", &["Alpha", "Eta", "Theta"]),
    ("-is:unread -is:read", &[]),
    // OR and parentheses.
    ("refund OR holiday", &["Delta", "Theta"]),
    ("from:ana OR from:eli", &["Alpha", "Zeta", "Eta"]),
    ("(from:ana OR from:chen) is:unread", &["Gamma", "Eta"]),
    (
        "has:attachment (label:billing OR label:urgent)",
        &["Gamma", "Zeta"],
    ),
    ("-(in:inbox OR in:spam)", &["Gamma", "Delta", "Iota"]),
    (
        "zebra OR (cc:bo is:read)",
        &["Alpha", "Gamma", "Epsilon", "Iota"],
    ),
];

#[test]
fn every_operator_returns_exactly_the_expected_messages_newest_first() {
    let f = Fixture::new();
    let mut wrong = Vec::new();
    for (query, keys) in CASES {
        let want = f.expect(keys);
        let got = f.s.search_ids(query);
        if got != want {
            wrong.push(format!(
                "{query:?}: got {:?}, want {:?}",
                f.keys(&got),
                f.keys(&want)
            ));
        }
    }
    assert!(wrong.is_empty(), "wrong results:\n{}", wrong.join("\n"));
    // Every message is found by some case, and a query matching all returns list's order.
    assert_eq!(f.s.search_ids("after:1970-01-01"), f.order);
}

#[test]
fn pages_concatenate_to_the_whole_result_with_a_constant_total() {
    let f = Fixture::new();
    for (query, size) in [("after:1970-01-01", 9), ("in:inbox", 5)] {
        let all = f.s.search_ids(query);
        assert_eq!(all.len(), size, "{query}");
        for limit in [1usize, 2, 4] {
            let mut pages = Vec::new();
            let mut offset = 0;
            loop {
                let page = f.s.search(
                    query,
                    &[
                        "--limit",
                        &limit.to_string(),
                        "--offset",
                        &offset.to_string(),
                    ],
                );
                assert_eq!(page["total"], size, "{query} at {offset}: {page}");
                let ids = ids_of(&page["hits"]);
                assert!(ids.len() <= limit, "{page}");
                if ids.is_empty() {
                    break;
                }
                pages.extend(ids);
                offset += limit;
            }
            assert_eq!(pages, all, "{query} in pages of {limit}");
        }
        let past = f.s.search(query, &["--offset", "100"]);
        assert_eq!(past["total"], size);
        assert_eq!(past["hits"], serde_json::json!([]));
    }
    // Text output says where a page is in the whole.
    let text = f.s.ok(&["search", "in:inbox", "--limit", "2"]);
    assert!(
        text.contains("1–2 of 5 messages (more with --offset 2)"),
        "{text}"
    );
    assert!(f
        .s
        .ok(&["search", "nosuchword"])
        .contains("no messages match"));
}

#[test]
fn relevance_ranks_the_best_match_first() {
    let f = Fixture::new();
    // Iota has "zebra" in its subject and three times in a short body: the best match, but
    // the oldest of the three, so date order puts it last.
    let by_date = f.s.search_ids("zebra");
    assert_eq!(f.keys(&by_date), ["Epsilon", "Gamma", "Iota"]);
    let page =
        f.s.search("zebra", &["--sort", "relevance", "--limit", ALL_HITS]);
    let by_score = ids_of(&page["hits"]);
    assert_eq!(page["total"], 3);
    assert_eq!(f.key(by_score[0]), "Iota", "{:?}", f.keys(&by_score));
    let mut a = by_score.clone();
    let mut b = by_date.clone();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b, "relevance returns the same messages");
    // Relevance pages concatenate too.
    let first = ids_of(&f.s.search("zebra", &["--sort", "relevance", "--limit", "2"])["hits"]);
    let rest = ids_of(
        &f.s.search(
            "zebra",
            &["--sort", "relevance", "--limit", "2", "--offset", "2"],
        )["hits"],
    );
    assert_eq!([first, rest].concat(), by_score);
}

#[test]
fn malformed_queries_fail_with_a_column_and_change_nothing() {
    let f = Fixture::new();
    // Every file the vault and index have is there once a search has run.
    f.s.search_ids("zebra");
    let before = snapshot(&f.s.data());
    for (query, column, words) in [
        ("subject:(", 9, "needs a value"),
        ("\"unclosed", 1, "never closed"),
        ("before:2024-13-45", 8, "not a date"),
        ("OR", 1, "OR needs"),
        ("", 1, "empty"),
        ("zebra OR", 7, "OR needs"),
        ("(from:ana OR zebra", 1, "never closed"),
        ("from:ana)", 9, "unexpected ')'"),
        ("is:starred", 4, "is:starred"),
        ("- zebra", 1, "followed by a term"),
    ] {
        let (code, error) = f.s.json_err(&["search", query]);
        assert_eq!(code, 1, "{query:?}: {error}");
        assert_eq!(error["code"], "invalid_input", "{query:?}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("column {column}")) && message.contains(words),
            "{query:?}: {message}"
        );
        assert_nothing_written(&before, &snapshot(&f.s.data()));
    }
    // Without --json the error goes to stderr.
    let out = f.s.run(&["search", "subject:("]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("helpr: query error at column 9"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    // A page larger than the cap is refused the same way.
    let (code, error) = f.s.json_err(&["search", "zebra", "--limit", "10001"]);
    assert_eq!((code, error["code"].as_str()), (1, Some("invalid_input")));
    assert_nothing_written(&before, &snapshot(&f.s.data()));
}

#[test]
fn hits_carry_the_decrypted_summary() {
    let f = Fixture::new();
    let list = f.s.json(&["list"]);
    let page = f.s.search("has:attachment", &[]);
    let hits = page["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 3);
    for hit in hits {
        let row = list
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == hit["id"])
            .unwrap();
        assert_eq!(hit, row, "a hit is the message's list summary");
        assert_eq!(hit["has_attachments"], true);
    }
    let gamma = hits
        .iter()
        .find(|h| h["subject"] == "Gamma outage")
        .expect("Gamma in hits");
    assert!(
        gamma["from"]
            .as_str()
            .unwrap()
            .contains("chen@partner.test"),
        "{gamma}"
    );
    assert!(
        gamma["snippet"].as_str().unwrap().contains("server outage"),
        "{gamma}"
    );
    assert_eq!(gamma["unread"], true);
    assert!(gamma["thread_id"].as_i64().unwrap() > 0);
    for key in [
        "id",
        "thread_id",
        "date",
        "from",
        "subject",
        "snippet",
        "unread",
        "has_attachments",
    ] {
        assert!(gamma.get(key).is_some(), "{key} missing: {gamma}");
    }
}

#[test]
fn deleted_message_is_gone_from_search_list_show_and_the_index() {
    let f = Fixture::new();
    let gamma = f.ids["Gamma"];
    let id = gamma.to_string();
    assert!(f.s.search_ids("zebra").contains(&gamma));
    let out = f.s.json(&["delete", &id]);
    assert_eq!(out["ids"], serde_json::json!([gamma]), "{out}");

    for (query, keys) in [
        ("zebra", &["Epsilon", "Iota"][..]),
        ("filename:server.log", &[]),
        ("cc:dana", &[]),
        ("label:urgent", &[]),
        ("outage", &[]),
        ("has:attachment", &["Beta", "Zeta"]),
    ] {
        assert_eq!(f.s.search_ids(query), f.expect(keys), "{query}");
    }
    let list = f.s.list_ids();
    assert_eq!(list.len(), 8);
    assert!(!list.contains(&gamma));
    let (code, error) = f.s.json_err(&["show", &id]);
    assert_eq!(
        (code, error["code"].as_str()),
        (1, Some("not_found")),
        "{error}"
    );
    let out = f.s.run(&["show", &id]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
    // Deleting it again: not found, and nothing else goes.
    let (_, error) = f.s.json_err(&["delete", &id]);
    assert_eq!(error["code"], "not_found", "{error}");
    assert_eq!(f.s.list_ids().len(), 8);

    // Physically purged: no deleted document left in any segment, nothing queued.
    let stats = f.s.json(&["index", "stats"]);
    assert_eq!(stats["deleted_docs"], 0, "{stats}");
    assert_eq!(stats["docs"], 8, "{stats}");
    assert_eq!(stats["docs"], stats["vault_messages"], "{stats}");
    assert_eq!(stats["queued"], 0, "{stats}");
    assert!(stats["files"].as_u64().unwrap() > 0, "{stats}");
    assert_eq!(f.s.assert_doctor_healthy(), 8);

    // And the deleted message's own words are in no segment's term dictionary: the index opened
    // with the vault's index key, every text field of every segment read. "zebra" is shared with
    // two surviving messages (the control: it must stay); the others were Gamma's alone (body,
    // subject, label).
    let terms = index_terms(&f.s.data());
    assert!(
        terms.contains("zebra"),
        "control: surviving terms are readable"
    );
    for gone in ["outage", "north", "gamma", "urgent"] {
        assert!(!terms.contains(gone), "{gone:?} survived the delete");
    }
}

/// Every term of every text field in the live index of the vault in `data`.
fn index_terms(data: &Path) -> std::collections::BTreeSet<String> {
    let vault = helpr_vault::Vault::open(data).expect("open the vault");
    helpr_index::MailIndex::open_or_create(&data.join("index"), vault.index_cipher())
        .expect("open the index")
        .terms()
        .expect("read the term dictionaries")
}
