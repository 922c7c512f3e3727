//! Tests of the sample-mail generator: determinism, must-have coverage, parseable output.

use super::*;

fn text_of(message: &SampleMessage) -> String {
    String::from_utf8(message.bytes.clone()).expect("samples are UTF-8")
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    let head = message.split("\n\n").next().unwrap();
    head.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let options = Options { seed: 7, count: 60 };
    let (a, summary_a) = generate(&options);
    let (b, summary_b) = generate(&options);
    assert_eq!(summary_a, summary_b);
    assert!(a
        .iter()
        .zip(&b)
        .all(|(a, b)| a.path == b.path && a.bytes == b.bytes));
    let (c, _) = generate(&Options { seed: 8, count: 60 });
    assert!(a.iter().zip(&c).any(|(a, c)| a.bytes != c.bytes));
}

#[test]
fn the_count_is_exact() {
    for count in [0, 1, 5, 13, 200] {
        let (messages, summary) = generate(&Options { seed: 1, count });
        assert_eq!(messages.len(), count);
        assert_eq!(summary.messages, count);
    }
}

#[test]
fn the_default_mailbox_has_every_feature() {
    let (messages, summary) = generate(&Options {
        seed: DEFAULT_SEED,
        count: DEFAULT_COUNT,
    });
    assert!(summary.threads >= 5, "{summary}");
    assert!(summary.with_attachments >= 5, "{summary}");
    assert!(summary.with_html >= 20, "{summary}");
    assert!(summary.encoded_subjects >= 3, "{summary}");
    assert!(summary.unread > 0 && summary.unread < summary.messages);

    let texts: Vec<String> = messages.iter().map(text_of).collect();
    let ids: Vec<&str> = texts
        .iter()
        .filter_map(|m| header(m, "Message-ID"))
        .collect();
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(
        unique.len(),
        messages.len(),
        "every message has its own Message-ID"
    );
    let mut replies = 0;
    for text in &texts {
        if let Some(parent) = header(text, "In-Reply-To") {
            assert!(unique.contains(parent), "a reply to an unknown message");
            replies += 1;
        }
    }
    assert_eq!(replies, summary.replies);
    for needle in [
        "=?UTF-8?B?",
        "=?UTF-8?Q?",
        "=?ISO-8859-1?Q?",
        "filename*=UTF-8''",
        "format=flowed",
        "Content-Transfer-Encoding: quoted-printable",
        "Content-Transfer-Encoding: base64",
        "Content-Transfer-Encoding: 8bit",
        "multipart/alternative",
        "-----Original Message-----",
        "javascript:",
        "List-Unsubscribe:",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(needle)),
            "no message has {needle}"
        );
    }
}

#[test]
fn headers_are_ascii_and_lines_are_short() {
    let (messages, _) = generate(&Options {
        seed: 3,
        count: 120,
    });
    for message in &messages {
        let text = text_of(message);
        let head = text.split("\n\n").next().unwrap();
        assert!(head.is_ascii(), "non-ASCII header in {}", message.path);
        assert!(text.lines().all(|line| line.len() <= 998));
        assert!(!text.contains('\r'), "bare CR in {}", message.path);
    }
}

#[test]
fn writes_a_maildir_and_refuses_a_used_directory() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let summary = write_maildir(&maildir, &Options { seed: 5, count: 30 }).unwrap();
    let count = |sub: &str| fs::read_dir(maildir.join(sub)).unwrap().count();
    assert_eq!(count("cur") + count("new"), 30);
    assert_eq!(count("new"), summary.unread);
    assert_eq!(count("tmp"), 0);
    assert!(write_maildir(&maildir, &Options { seed: 5, count: 1 }).is_err());
}
