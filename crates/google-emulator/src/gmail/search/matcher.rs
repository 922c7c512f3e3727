//! Evaluating a parsed `q=` against stored messages: the facts a query reads from a message
//! (addresses, subject and body words, attachments, Message-ID; read once per message with
//! mail-parser) and the label rule (`label:`/`in:`/`is:` match a system label id or a user
//! label's name, any case, with `-` standing for a space or `/` as in Gmail's label search).

use super::{AddressField, Expr, Term};
use crate::gmail::mailbox::{Mailbox, StoredMessage};
use mail_parser::{Address, MessageParser};

/// What a query reads from one message.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    from: Vec<String>,
    to: Vec<String>,
    cc: Vec<String>,
    bcc: Vec<String>,
    subject: Vec<String>,
    /// Word tokens of each address, then of the body text.
    text: Vec<Vec<String>>,
    has_attachment: bool,
    message_id: Option<String>,
}

impl Facts {
    /// Reads `raw` (an unparsable message has no facts, so only label and date terms match).
    pub(crate) fn of(raw: &[u8]) -> Self {
        let Some(message) = MessageParser::default().parse(raw) else {
            return Self::default();
        };
        let from = addresses(message.from());
        let to = addresses(message.to());
        let cc = addresses(message.cc());
        let bcc = addresses(message.bcc());
        let subject = super::tokens(message.subject().unwrap_or_default());
        let mut text: Vec<Vec<String>> = from
            .iter()
            .chain(&to)
            .chain(&cc)
            .chain(&bcc)
            .map(|a| super::tokens(a))
            .collect();
        text.push(subject.clone());
        text.push(super::tokens(
            message.body_text(0).as_deref().unwrap_or_default(),
        ));
        Self {
            from,
            to,
            cc,
            bcc,
            subject,
            text,
            has_attachment: message.attachment_count() > 0,
            message_id: message.message_id().map(str::to_owned),
        }
    }
}

/// Each address as `name <address>`, lowercase.
fn addresses(header: Option<&Address<'_>>) -> Vec<String> {
    header
        .map(|a| {
            a.iter()
                .map(|addr| {
                    format!(
                        "{} <{}>",
                        addr.name().unwrap_or_default(),
                        addr.address().unwrap_or_default()
                    )
                    .to_lowercase()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `needle` (tokens) appears in this order, side by side, in `haystack`.
fn contains_run(haystack: &[String], needle: &[String]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// What evaluation needs besides the message: the mailbox's user labels and the clock.
pub(crate) struct Context<'a> {
    pub(crate) mailbox: &'a Mailbox,
    pub(crate) now_ms: i64,
}

impl Context<'_> {
    /// Whether `m` carries the label `wanted` names (lowercase id or user label name).
    fn has_label(&self, m: &StoredMessage, wanted: &str) -> bool {
        let normal = |name: &str| name.to_lowercase().replace([' ', '/'], "-");
        m.label_ids.iter().any(|id| {
            id.eq_ignore_ascii_case(wanted)
                || self
                    .mailbox
                    .user_labels()
                    .iter()
                    .any(|l| &l.id == id && normal(&l.name) == normal(wanted))
        })
    }
}

impl Expr {
    /// Whether `m`, with `facts` read from it, matches.
    pub(crate) fn matches(&self, m: &StoredMessage, facts: &Facts, cx: &Context<'_>) -> bool {
        match self {
            Expr::All(items) => items.iter().all(|e| e.matches(m, facts, cx)),
            Expr::Any(items) => items.iter().any(|e| e.matches(m, facts, cx)),
            Expr::Not(inner) => !inner.matches(m, facts, cx),
            Expr::Term(term) => term.matches(m, facts, cx),
        }
    }
}

impl Term {
    fn matches(&self, m: &StoredMessage, facts: &Facts, cx: &Context<'_>) -> bool {
        match self {
            Term::Words(words) => facts.text.iter().any(|field| contains_run(field, words)),
            Term::Address(field, needle) => {
                let lists: &[&Vec<String>] = match field {
                    AddressField::From => &[&facts.from],
                    AddressField::To => &[&facts.to, &facts.cc, &facts.bcc],
                    AddressField::Cc => &[&facts.cc],
                    AddressField::Bcc => &[&facts.bcc],
                };
                lists
                    .iter()
                    .flat_map(|list| list.iter())
                    .any(|a| a.contains(needle.as_str()))
            }
            Term::Subject(words) => contains_run(&facts.subject, words),
            Term::Label(label) => cx.has_label(m, label),
            Term::HasAttachment => facts.has_attachment,
            Term::After(at) => m.internal_date >= *at,
            Term::Before(at) => m.internal_date < *at,
            Term::NewerThan(age) => m.internal_date > cx.now_ms.saturating_sub(*age),
            Term::OlderThan(age) => m.internal_date < cx.now_ms.saturating_sub(*age),
            Term::MessageId(id) => facts.message_id.as_deref() == Some(id.as_str()),
            Term::Anywhere => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    const DAY: i64 = 86_400_000;

    fn mailbox() -> (Mailbox, Vec<String>) {
        let mut mb = Mailbox::default();
        let work = mb.create_label("Work Stuff");
        let plain = b"From: Bob Stone <bob@example.org>\r\nTo: user@example.com\r\n\
Cc: Carol <carol@example.net>\r\nSubject: Quarterly report draft\r\n\
Date: Tue, 2 Jan 2024 10:00:00 +0000\r\nMessage-ID: <q1@example.org>\r\n\r\n\
The numbers look fine.\r\n"
            .to_vec();
        let attached = b"From: dave@example.com\r\nTo: user@example.com\r\nSubject: Photos\r\n\
Date: Fri, 5 Jan 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
See attached.\r\n--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; \
filename=a.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0K\r\n--b--\r\n"
            .to_vec();
        let a = mb.add(plain, &["INBOX", "UNREAD"], 0);
        let b = mb.add(attached, &["INBOX", work.as_str()], 0);
        (mb, vec![a, b])
    }

    /// Which of the two messages `q` matches, at `now_ms`.
    fn hits(q: &str, now_ms: i64) -> Vec<usize> {
        let (mb, ids) = mailbox();
        let expr = parse(q).unwrap();
        let cx = Context {
            mailbox: &mb,
            now_ms,
        };
        ids.iter()
            .enumerate()
            .filter(|(_, id)| {
                let m = mb.get(id).unwrap();
                expr.matches(m, &Facts::of(&m.raw), &cx)
            })
            .map(|(i, _)| i)
            .collect()
    }

    const NOW: i64 = 1_704_931_200_000; // 2024-01-11T00:00:00Z

    #[test]
    fn words_match_whole_words_of_subject_addresses_and_body() {
        assert_eq!(hits("quarterly", NOW), [0]);
        assert_eq!(
            hits("QUARTER", NOW),
            Vec::<usize>::new(),
            "whole words only"
        );
        assert_eq!(hits("numbers fine", NOW), [0]);
        assert_eq!(hits("\"look fine\"", NOW), [0]);
        assert_eq!(hits("\"fine look\"", NOW), Vec::<usize>::new());
        assert_eq!(hits("carol", NOW), [0], "a Cc address is text");
        assert_eq!(hits("attached", NOW), [1]);
    }

    #[test]
    fn address_operators_read_their_headers() {
        assert_eq!(hits("from:bob@example.org", NOW), [0]);
        assert_eq!(hits("from:stone", NOW), [0], "the display name too");
        assert_eq!(hits("from:dave", NOW), [1]);
        assert_eq!(hits("to:user@example.com", NOW), [0, 1]);
        assert_eq!(hits("to:carol", NOW), [0], "to: covers Cc");
        assert_eq!(hits("cc:carol", NOW), [0]);
        assert_eq!(hits("cc:user", NOW), Vec::<usize>::new());
        assert_eq!(hits("subject:report", NOW), [0]);
        assert_eq!(hits("subject:numbers", NOW), Vec::<usize>::new());
    }

    #[test]
    fn labels_flags_and_attachments() {
        assert_eq!(hits("is:unread", NOW), [0]);
        assert_eq!(hits("is:read", NOW), [1]);
        assert_eq!(hits("in:inbox", NOW), [0, 1]);
        assert_eq!(hits("label:work-stuff", NOW), [1], "user label by name");
        assert_eq!(hits("label:\"work stuff\"", NOW), [1]);
        assert_eq!(hits("label:Label_1", NOW), [1], "or by id");
        assert_eq!(hits("label:nosuch", NOW), Vec::<usize>::new());
        assert_eq!(hits("has:attachment", NOW), [1]);
        assert_eq!(hits("rfc822msgid:q1@example.org", NOW), [0]);
    }

    #[test]
    fn dates_and_ages_use_internal_date_and_the_clock() {
        assert_eq!(hits("after:2024/01/03", NOW), [1]);
        assert_eq!(hits("before:2024/01/03", NOW), [0]);
        assert_eq!(
            hits("after:2024/01/02 before:2024/01/03", NOW),
            [0],
            "a day"
        );
        assert_eq!(hits("newer_than:7d", NOW), [1]);
        assert_eq!(hits("older_than:7d", NOW), [0]);
        assert_eq!(hits("newer_than:1y", NOW + 400 * DAY), Vec::<usize>::new());
    }

    #[test]
    fn negation_and_alternatives() {
        assert_eq!(hits("-has:attachment", NOW), [0]);
        assert_eq!(hits("from:bob OR from:dave", NOW), [0, 1]);
        assert_eq!(hits("{from:bob from:dave} -is:unread", NOW), [1]);
        assert_eq!(hits("-(from:bob OR photos)", NOW), Vec::<usize>::new());
    }
}
