//! MIME parsing with mail-parser 0.11: charsets and RFC 2047 decoded to UTF-8, text and HTML
//! bodies picked, attachments (including `message/rfc822` parts) collected with their names.
//! Malformed input never panics: it is parsed as well as it can be, or rejected with a reason.

use mail_parser::{
    Address, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};
use serde::{Deserialize, Serialize};

use crate::sanitize;

pub(crate) const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Longest snippet kept for lists, in characters.
const SNIPPET_CHARS: usize = 200;

/// Why a message was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection(pub String);

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

impl std::fmt::Display for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Some(n) if !n.is_empty() => write!(f, "{n} <{}>", self.address),
            _ => f.write_str(&self.address),
        }
    }
}

/// The headers helpr keeps for display and replies (sealed together in the vault).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct KeptHeaders {
    pub from: Vec<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub reply_to: Vec<Mailbox>,
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub content_id: Option<String>,
    pub inline: bool,
    pub data: Vec<u8>,
}

/// A parsed message, bodies decoded to UTF-8 and HTML sanitized.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedMail {
    pub headers: KeptHeaders,
    pub subject: String,
    /// Seconds since the epoch from the `Date` header, if it parses.
    pub date: Option<i64>,
    pub text: String,
    /// Sanitized HTML; remote images replaced by `helpr-remote:N` placeholders.
    pub html: Option<String>,
    /// The remote image URLs the sanitizer blocked, by placeholder index.
    pub remote_images: Vec<String>,
    pub snippet: String,
    pub attachments: Vec<Attachment>,
    /// Gmail labels from `X-Gmail-Labels` (Google Takeout mbox exports).
    pub labels: Vec<String>,
    pub size: usize,
}

impl ParsedMail {
    /// The sender as shown in lists.
    pub fn sender(&self) -> String {
        self.headers
            .from
            .first()
            .map(|m| m.to_string())
            .unwrap_or_default()
    }

    /// `In-Reply-To` then `References`, without duplicates.
    pub fn thread_refs(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in self
            .headers
            .in_reply_to
            .iter()
            .chain(&self.headers.references)
        {
            if !out.contains(r) {
                out.push(r.clone());
            }
        }
        out
    }
}

fn mailboxes(addr: Option<&Address<'_>>) -> Vec<Mailbox> {
    addr.map(|a| {
        a.iter()
            .filter_map(|m| {
                Some(Mailbox {
                    name: m.name().map(str::to_string),
                    address: m.address()?.to_string(),
                })
            })
            .collect()
    })
    .unwrap_or_default()
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// True when the input starts like an RFC 5322 header block (`Name: value`).
fn starts_with_header(raw: &[u8]) -> bool {
    let line_end = raw.iter().position(|&b| b == b'\n').unwrap_or(raw.len());
    let line = &raw[..line_end];
    match line.iter().position(|&b| b == b':') {
        Some(colon) if colon > 0 => line[..colon].iter().all(|&b| (33..=126).contains(&b)),
        _ => false,
    }
}

fn snippet(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.chars().count() >= SNIPPET_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().count() > SNIPPET_CHARS {
        out = out.chars().take(SNIPPET_CHARS).collect();
    }
    out
}

/// `raw` without a UTF-8 byte-order mark and leading blank lines (some exporters add them).
fn trim_start(raw: &[u8]) -> &[u8] {
    let raw = raw.strip_prefix(UTF8_BOM).unwrap_or(raw);
    let start = raw
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(raw.len());
    &raw[start..]
}

/// True when `raw` is shaped like a message, whether or not it parses: it starts with a header
/// line and its header block names at least one field mail uses (`Cc`, `Received`,
/// `Content-Type`…), not only made-up names like the `{"key"` of a JSON file. A file that is not
/// is no message at all; one that is but fails to parse is mail helpr could not display, and is
/// kept.
pub fn looks_like_mail(raw: &[u8]) -> bool {
    let raw = trim_start(raw);
    if raw.is_empty() || !starts_with_header(raw) {
        return false;
    }
    crate::guard::contain(|| {
        MessageParser::default()
            .parse_headers(raw)
            .is_some_and(|m| {
                m.headers()
                    .iter()
                    .any(|h| !matches!(h.name, mail_parser::HeaderName::Other(_)))
            })
    })
    .unwrap_or(true)
}

/// Parses one raw RFC 822 message.
pub fn parse(raw: &[u8]) -> Result<ParsedMail, Rejection> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Rejection("empty message".into()));
    }
    let raw = trim_start(raw);
    if !starts_with_header(raw) {
        return Err(Rejection(
            "not an email message: it does not start with a header line".into(),
        ));
    }
    crate::guard::contain(|| parse_headers_ok(raw))
        .map_err(|panic| Rejection(format!("the MIME parser failed on this message ({panic})")))?
}

fn parse_headers_ok(raw: &[u8]) -> Result<ParsedMail, Rejection> {
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| Rejection("not a MIME message".into()))?;
    if msg.from().is_none()
        && msg.date().is_none()
        && msg.subject().is_none()
        && msg.message_id().is_none()
        && msg.to().is_none()
    {
        return Err(Rejection(
            "not an email message: no From, To, Date, Subject or Message-ID header".into(),
        ));
    }

    let headers = kept_headers(&msg);

    let has_html = msg
        .html_part(0)
        .is_some_and(|p| matches!(p.body, PartType::Html(_)));
    // Quoted history is cut before sanitizing, so the stripped part is never stored.
    let stripped_html = if has_html {
        msg.body_html(0).map(|h| {
            let capped = crate::nesting::cap_depth(&h, crate::nesting::MAX_DEPTH);
            crate::quotes::strip_html_quotes(&capped)
        })
    } else {
        None
    };
    let has_text = msg
        .text_part(0)
        .is_some_and(|p| matches!(p.body, PartType::Text(_)));
    let text = match (&stripped_html, has_text) {
        (Some(h), false) => mail_parser::decoders::html::html_to_text(h),
        _ => msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
    };
    let text = crate::quotes::strip_text_quotes(&text);
    let sanitized = stripped_html.map(|h| sanitize(&h));
    let (html, remote_images) = match sanitized {
        Some(s) => (Some(s.html), s.remote_images),
        None => (None, Vec::new()),
    };

    // Attachment bytes are moved out of the parsed message, not copied: a decoded 40 MB
    // attachment would otherwise be in memory twice (`cargo xtask bench hostile` measures the
    // peak of importing a 50 MB message).
    let mut msg = msg;
    let ids: Vec<usize> = msg
        .attachments
        .iter()
        .map(|&id| id as usize)
        .take_while(|&id| id < msg.parts.len())
        .collect();
    let mut attachments: Vec<Attachment> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            let part = &msg.parts[id];
            let content_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".into())
                .to_ascii_lowercase();
            let name = part
                .attachment_name()
                .map(str::to_string)
                .or_else(|| {
                    part.message()
                        .and_then(|m| m.subject())
                        .map(|s| format!("{s}.eml"))
                })
                .unwrap_or_else(|| format!("attachment-{}", i + 1));
            Attachment {
                name,
                content_type,
                content_id: part.content_id().map(str::to_string),
                inline: part
                    .content_disposition()
                    .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline")),
                data: Vec::new(),
            }
        })
        .collect();
    // A part listed twice gets a copy of the bytes taken the first time.
    let mut first: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (i, &id) in ids.iter().enumerate() {
        attachments[i].data = match first.get(&id) {
            Some(&earlier) => attachments[earlier].data.clone(),
            None => {
                first.insert(id, i);
                take_contents(&mut msg.parts[id])
            }
        };
    }

    let labels = gmail_labels(&msg);

    Ok(ParsedMail {
        subject: msg.subject().unwrap_or_default().to_string(),
        date: msg.date().map(|d| d.to_timestamp()),
        snippet: snippet(&text),
        text,
        html,
        remote_images,
        attachments,
        labels,
        size: raw.len(),
        headers,
    })
}

/// A part's contents (what `MessagePart::contents` returns), moved out of the part when it
/// owns them (decoded bodies); the part is left empty.
fn take_contents(part: &mut MessagePart<'_>) -> Vec<u8> {
    match std::mem::replace(&mut part.body, PartType::Multipart(Vec::new())) {
        PartType::Text(text) | PartType::Html(text) => text.into_owned().into_bytes(),
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => bytes.into_owned(),
        PartType::Message(message) => message.raw_message().to_vec(),
        PartType::Multipart(_) => Vec::new(),
    }
}

fn kept_headers(msg: &Message<'_>) -> KeptHeaders {
    KeptHeaders {
        from: mailboxes(msg.from()),
        to: mailboxes(msg.to()),
        cc: mailboxes(msg.cc()),
        reply_to: mailboxes(msg.reply_to()),
        message_id: msg.message_id().map(str::to_string),
        in_reply_to: ids(msg.in_reply_to()),
        references: ids(msg.references()),
    }
}

/// Labels from `X-Gmail-Labels` (Google Takeout mbox exports).
fn gmail_labels(msg: &Message<'_>) -> Vec<String> {
    msg.header_raw("X-Gmail-Labels")
        .map(|v| {
            v.split(',')
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// What can be saved of a message [`parse`] rejected: its headers alone (parsed without
/// touching the body, under the same panic guard), with no body and no attachments, so it can be
/// listed and searched by sender, recipients, subject and date. Headers that do not parse
/// either leave everything empty; this never fails.
pub fn salvage(raw: &[u8]) -> ParsedMail {
    let raw = trim_start(raw);
    let headers = crate::guard::contain(|| {
        MessageParser::default().parse_headers(raw).map(|msg| {
            (
                kept_headers(&msg),
                msg.subject().unwrap_or_default().to_string(),
                msg.date().map(|d| d.to_timestamp()),
                gmail_labels(&msg),
            )
        })
    });
    let mut mail = ParsedMail {
        size: raw.len(),
        ..Default::default()
    };
    if let Ok(Some((headers, subject, date, labels))) = headers {
        mail.headers = headers;
        mail.subject = subject;
        mail.date = date;
        mail.labels = labels;
    }
    mail
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIMPLE: &[u8] = b"From: =?utf-8?q?J=C3=BCrgen?= <j@example.com>\r\n\
To: a@example.com, \"B\" <b@example.com>\r\n\
Subject: =?iso-8859-1?q?Gr=FC=DFe?=\r\n\
Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n\
Message-ID: <m1@example.com>\r\n\
In-Reply-To: <m0@example.com>\r\n\
References: <root@example.com> <m0@example.com>\r\n\
X-Gmail-Labels: Inbox,Important, Team/Ops\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\
\r\n\
--b\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Hello   world\r\n\
--b\r\n\
Content-Type: application/pdf; name=\"r\xc3\xa9sum\xc3\xa9.pdf\"\r\n\
Content-Disposition: attachment; filename=\"report.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQ=\r\n\
--b--\r\n";

    #[test]
    fn parses_headers_bodies_attachments_labels() {
        let m = parse(SIMPLE).unwrap();
        assert_eq!(m.subject, "Grüße");
        assert_eq!(m.sender(), "Jürgen <j@example.com>");
        assert_eq!(m.headers.to.len(), 2);
        assert_eq!(m.headers.message_id.as_deref(), Some("m1@example.com"));
        assert_eq!(
            m.thread_refs(),
            vec!["m0@example.com".to_string(), "root@example.com".to_string()]
        );
        assert_eq!(m.date, Some(1057049557));
        assert!(m.text.contains("Hello"));
        assert_eq!(m.snippet, "Hello world");
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].name, "report.pdf");
        assert_eq!(m.attachments[0].content_type, "application/pdf");
        assert_eq!(m.attachments[0].data, b"%PDF-1.4");
        assert_eq!(m.labels, vec!["Inbox", "Important", "Team/Ops"]);
    }

    #[test]
    fn html_is_sanitized() {
        let raw = b"From: a@b.c\r\nSubject: h\r\nContent-Type: text/html\r\n\r\n<p>x<script>alert(1)</script></p>";
        let m = parse(raw).unwrap();
        let html = m.html.unwrap();
        assert!(!html.contains("script"), "{html}");
        assert!(m.text.contains('x'));
    }

    #[test]
    fn rejects_what_is_not_mail_with_a_reason() {
        assert!(parse(b"").unwrap_err().0.contains("empty"));
        assert!(parse(b"{\"json\": true}\n")
            .unwrap_err()
            .0
            .contains("not an email"));
        assert!(parse(b"just some text\n")
            .unwrap_err()
            .0
            .contains("not an email"));
        assert!(parse(b"X-Foo: bar\r\n\r\nbody")
            .unwrap_err()
            .0
            .contains("no From"));
        // A byte-order mark or leading blank padding is not a reason to reject.
        assert_eq!(
            parse(b"\xef\xbb\xbfFrom: a@b.c\r\nSubject: bom\r\n\r\nx")
                .unwrap()
                .subject,
            "bom"
        );
        assert_eq!(
            parse(b"   \n\r\nSubject: padded\r\n\r\nx").unwrap().subject,
            "padded"
        );
    }

    /// mail-parser 0.11 panics ("Invalid part ID") on nested empty message/rfc822 parts
    /// (found in a real mbox); the pipeline turns that into a rejection.
    /// mail-parser 0.11 overflows on this input; the overflow panics only where overflow checks
    /// are on (debug builds, the test profile).
    #[cfg(debug_assertions)]
    #[test]
    fn parser_panic_becomes_a_rejection() {
        let raw = b"From: a@example.com\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\
Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\nContent-Type: message/rfc822\n\n\n\
--b\n\n--b--";
        let err = parse(raw).unwrap_err();
        assert!(err.0.contains("MIME parser failed"), "{err}");
        // Its headers are still there to be saved.
        assert_eq!(salvage(raw).sender(), "a@example.com");
    }

    /// Moving attachment bytes out of the parsed message gives exactly what mail-parser's
    /// `contents()` reads, for every kind of part.
    #[test]
    fn attachments_hold_exactly_their_parts_contents() {
        let raw = b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n\
--b\r\nContent-Type: application/octet-stream; name=x.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n\
--b\r\nContent-Type: text/csv; name=t.csv\r\nContent-Disposition: attachment\r\n\r\na,b\r\n1,2\r\n\
--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@example.com\r\nSubject: inner\r\n\r\ninner body\r\n\
--b\r\nContent-Type: image/png; name=i.png\r\nContent-Disposition: inline\r\nContent-ID: <i1>\r\n\
Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n";
        let reference = MessageParser::default().parse(&raw[..]).unwrap();
        let expected: Vec<Vec<u8>> = reference
            .attachments()
            .map(|p| p.contents().to_vec())
            .collect();
        let ours: Vec<Vec<u8>> = parse(raw)
            .unwrap()
            .attachments
            .into_iter()
            .map(|a| a.data)
            .collect();
        assert_eq!(expected.len(), 4);
        assert_eq!(ours, expected);
        assert_eq!(ours[0], vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn salvage_keeps_the_headers_and_drops_the_body() {
        let m = salvage(SIMPLE);
        assert_eq!(m.subject, "Grüße");
        assert_eq!(m.sender(), "Jürgen <j@example.com>");
        assert_eq!(m.headers.message_id.as_deref(), Some("m1@example.com"));
        assert_eq!(m.labels, vec!["Inbox", "Important", "Team/Ops"]);
        assert!(m.date.is_some());
        assert!(m.text.is_empty() && m.html.is_none() && m.attachments.is_empty());
        assert_eq!(m.size, SIMPLE.len());
        let nothing = salvage(b"\x00\x01 not headers at all");
        assert!(nothing.subject.is_empty() && nothing.headers.from.is_empty());
    }

    #[test]
    fn mail_shaped_input_is_told_from_other_files() {
        assert!(looks_like_mail(SIMPLE));
        assert!(looks_like_mail(
            b"\xef\xbb\xbf\r\n\r\nReceived: from mx.example.com\n\nbody"
        ));
        assert!(!looks_like_mail(b" \r\n\t"));
        assert!(!looks_like_mail(b"%PDF-1.4 binary"));
        assert!(!looks_like_mail(b"Dear team, see below: nothing"));
        assert!(!looks_like_mail(b"{\"this\": \"is json, not mail\"}\n"));
        assert!(looks_like_mail(b"Cc: ops@example.com\r\n\r\nbody"));
        assert!(!looks_like_mail(b"X-Only: made-up names\r\n\r\nbody"));
    }

    #[test]
    fn never_panics_on_garbage() {
        let mut seed = 7u64;
        for len in 0..400 {
            let mut buf = b"From: a@b\r\n".to_vec();
            for _ in 0..len {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                buf.push((seed >> 56) as u8);
            }
            let _ = parse(&buf);
        }
    }
}
