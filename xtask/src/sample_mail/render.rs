//! Turning a drafted message into the bytes of an RFC 5322 file: trace and address headers, MIME
//! structure, transfer encodings chosen the way the sender's mail client would choose them.

use time::format_description::well_known::Rfc2822;
use time::{OffsetDateTime, UtcOffset};

use super::content::Client;
use super::encode::{self, Charset, Word};

/// `Name <address>`.
#[derive(Debug, Clone)]
pub struct Mailbox {
    pub name: String,
    pub email: String,
}

/// One message before encoding.
pub struct Draft {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub subject: String,
    /// Charset of encoded words in `Subject:` and display names.
    pub header_charset: Charset,
    /// Seconds since the Unix epoch.
    pub at: i64,
    /// Minutes east of UTC, for `Date:`.
    pub utc_offset_minutes: i32,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// Extra ASCII headers (`List-Unsubscribe`, `Auto-Submitted`, …).
    pub extra_headers: Vec<(&'static str, String)>,
    /// `Some((relay host, id))` for mail that arrived from outside: adds a `Received:` line.
    pub received: Option<(String, String)>,
    pub client: Client,
    pub body: Body,
}

/// The MIME tree.
pub enum Body {
    Text { text: String, charset: Charset },
    Html(String),
    Alternative { text: String, html: String },
    Mixed { main: Box<Body>, files: Vec<File> },
}

/// An attachment.
pub struct File {
    pub name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

impl Body {
    pub fn has_html(&self) -> bool {
        match self {
            Self::Text { .. } => false,
            Self::Html(_) | Self::Alternative { .. } => true,
            Self::Mixed { main, .. } => main.has_html(),
        }
    }

    pub fn has_files(&self) -> bool {
        matches!(self, Self::Mixed { .. })
    }
}

/// `B` words for scripts that Q would triple in size, `Q` otherwise.
pub fn word_for(text: &str) -> Word {
    if text.chars().any(|c| u32::from(c) >= 0x2E80) {
        Word::B
    } else {
        Word::Q
    }
}

/// The message file. `tag` makes MIME boundaries unique to this message.
pub fn render(draft: &Draft, tag: &str) -> String {
    let mut out = String::new();
    let date = format_date(draft.at, draft.utc_offset_minutes);
    if let Some((relay, id)) = &draft.received {
        out.push_str(&format!(
            "Received: from {relay} ({relay} [192.0.2.{}])\n\tby mx.acme.example with ESMTPS id {id}\n\tfor <{}>; {}\n",
            u8::from_str_radix(id.get(..2).unwrap_or("0"), 16).unwrap_or(0) % 250 + 1,
            draft.to.first().map_or("support@acme.example", |to| to.email.as_str()),
            format_date(draft.at + 2, 0),
        ));
    }
    out.push_str(&encode::plain_header("Date", &date));
    out.push_str(&encode::header(
        "From",
        &mailbox_list(std::slice::from_ref(&draft.from), draft.header_charset),
    ));
    out.push_str(&encode::header(
        "To",
        &mailbox_list(&draft.to, draft.header_charset),
    ));
    if !draft.cc.is_empty() {
        out.push_str(&encode::header(
            "Cc",
            &mailbox_list(&draft.cc, draft.header_charset),
        ));
    }
    out.push_str(&encode::header(
        "Subject",
        &encode::text_tokens(
            &draft.subject,
            draft.header_charset,
            word_for(&draft.subject),
        ),
    ));
    out.push_str(&encode::plain_header("Message-ID", &draft.message_id));
    if let Some(parent) = &draft.in_reply_to {
        out.push_str(&encode::plain_header("In-Reply-To", parent));
    }
    if !draft.references.is_empty() {
        out.push_str(&encode::header("References", &draft.references));
    }
    match draft.client {
        Client::Gmail => {}
        Client::Outlook => out.push_str("X-Mailer: Microsoft Outlook 16.0\n"),
        Client::AppleMail => out.push_str("X-Mailer: Apple Mail (2.3774.600.62)\n"),
        Client::Thunderbird => out.push_str("User-Agent: Mozilla Thunderbird\n"),
    }
    for (name, value) in &draft.extra_headers {
        out.push_str(&encode::plain_header(name, value));
    }
    out.push_str("MIME-Version: 1.0\n");
    part(&draft.body, draft.client, tag, 0, &mut out);
    out
}

fn mailbox_list(mailboxes: &[Mailbox], charset: Charset) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for (i, mailbox) in mailboxes.iter().enumerate() {
        if i > 0 {
            if let Some(last) = tokens.last_mut() {
                last.push(',');
            }
        }
        tokens.extend(encode::mailbox_tokens(
            &mailbox.name,
            &mailbox.email,
            charset,
            word_for(&mailbox.name),
        ));
    }
    tokens
}

/// `Tue, 03 Sep 2024 10:12:00 +0200`.
pub fn format_date(at: i64, utc_offset_minutes: i32) -> String {
    local_time(at, utc_offset_minutes)
        .format(&Rfc2822)
        .expect("sample dates are in RFC 2822's range")
}

/// The instant `at` on the wall clock of someone `utc_offset_minutes` east of UTC.
pub fn local_time(at: i64, utc_offset_minutes: i32) -> OffsetDateTime {
    let offset = UtcOffset::from_whole_seconds(utc_offset_minutes * 60).expect("offset in range");
    OffsetDateTime::from_unix_timestamp(at)
        .expect("sample dates are in range")
        .to_offset(offset)
}

/// Writes `Content-Type` (and friends), a blank line and the content of `body`.
fn part(body: &Body, client: Client, tag: &str, depth: usize, out: &mut String) {
    match body {
        Body::Text { text, charset } => text_leaf("plain", text, *charset, client, out),
        Body::Html(html) => text_leaf("html", html, Charset::Utf8, client, out),
        Body::Alternative { text, html } => multipart("alternative", tag, depth, out, |out, b| {
            out.push_str(&format!("--{b}\n"));
            text_leaf("plain", text, Charset::Utf8, client, out);
            out.push_str(&format!("--{b}\n"));
            text_leaf("html", html, Charset::Utf8, client, out);
        }),
        Body::Mixed { main, files } => multipart("mixed", tag, depth, out, |out, b| {
            out.push_str(&format!("--{b}\n"));
            part(main, client, tag, depth + 1, out);
            for file in files {
                out.push_str(&format!("--{b}\n"));
                file_leaf(file, out);
            }
        }),
    }
}

fn multipart(
    subtype: &str,
    tag: &str,
    depth: usize,
    out: &mut String,
    children: impl FnOnce(&mut String, &str),
) {
    let boundary = format!("=_{tag}_{depth}");
    out.push_str(&format!(
        "Content-Type: multipart/{subtype};\n boundary=\"{boundary}\"\n\n"
    ));
    if depth == 0 {
        out.push_str("This is a multi-part message in MIME format.\n\n");
    }
    children(out, &boundary);
    out.push_str(&format!("--{boundary}--\n"));
}

fn text_leaf(subtype: &str, text: &str, charset: Charset, client: Client, out: &mut String) {
    let flowed = subtype == "plain" && client == Client::Thunderbird;
    let text = if flowed {
        wrap_flowed(text)
    } else {
        text.to_owned()
    };
    let bytes = charset.encode(&text);
    let fits_7bit = bytes.is_ascii() && text.lines().all(|line| line.len() <= 76);
    let mostly_wide = text.chars().filter(|c| u32::from(*c) >= 0x2E80).count() * 4 > text.len();
    let (encoding, content) = if fits_7bit {
        ("7bit", text.clone())
    } else if charset == Charset::Utf8 && mostly_wide {
        ("base64", encode::base64_lines(&bytes))
    } else if charset == Charset::Utf8 && client == Client::AppleMail {
        ("8bit", text.clone())
    } else {
        ("quoted-printable", encode::quoted_printable(&bytes))
    };
    out.push_str(&format!(
        "Content-Type: text/{subtype}; charset=\"{}\"{}\nContent-Transfer-Encoding: {encoding}\n\n",
        charset.name(),
        if flowed { "; format=flowed" } else { "" },
    ));
    out.push_str(&content);
    if !content.ends_with('\n') {
        out.push('\n');
    }
}

fn file_leaf(file: &File, out: &mut String) {
    let name_param = if file.name.is_ascii() {
        encode::parameter("name", &file.name)
    } else {
        // What most clients send: an encoded word in `name` and RFC 2231 in `filename*`.
        let words = encode::encoded_words(&file.name, Charset::Utf8, Word::Q).join(" ");
        format!("name=\"{words}\"")
    };
    out.push_str(&format!(
        "Content-Type: {};\n {name_param}\nContent-Disposition: attachment;\n {}\nContent-Transfer-Encoding: base64\n\n",
        file.mime,
        encode::parameter("filename", &file.name),
    ));
    out.push_str(&encode::base64_lines(&file.bytes));
}

/// RFC 3676 format=flowed: long lines broken at spaces, each soft break marked by a trailing
/// space. Quoted lines (`>`) are left alone, as Thunderbird does when it cannot re-flow them.
fn wrap_flowed(text: &str) -> String {
    let mut out = String::new();
    for line in text.split('\n') {
        if line.len() <= 72 || line.starts_with('>') {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut current = String::new();
        for word in line.split(' ') {
            if !current.is_empty() && current.len() + word.len() + 1 > 72 {
                out.push_str(&current);
                out.push_str(" \n");
                current.clear();
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push_str(&current);
        out.push('\n');
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flowed_lines_end_soft_breaks_with_a_space() {
        let text = "word ".repeat(40);
        let wrapped = wrap_flowed(text.trim_end());
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines.len() > 1);
        assert!(lines[..lines.len() - 1]
            .iter()
            .all(|line| line.ends_with(' ')));
        assert!(lines.iter().all(|line| line.len() <= 73));
        assert_eq!(wrapped.replace(" \n", " "), text.trim_end());
    }

    #[test]
    fn dates_follow_rfc_2822_in_the_senders_zone() {
        // 2024-09-02T07:30:00Z
        assert_eq!(
            format_date(1_725_262_200, 120),
            "Mon, 02 Sep 2024 09:30:00 +0200"
        );
        assert_eq!(
            format_date(1_725_262_200, -300),
            "Mon, 02 Sep 2024 02:30:00 -0500"
        );
    }
}
