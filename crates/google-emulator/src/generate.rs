//! A seeded generator of realistic synthetic mail for demo mode and tests: RFC 5322 bytes
//! with threads (`Re:` replies carrying `In-Reply-To`/`References`), plain text,
//! multipart/alternative HTML, attachments (CSV, a PDF-like file, random binary), several
//! charsets and transfer encodings (UTF-8 8bit and base64, ISO-8859-1 quoted-printable,
//! Shift_JIS base64, RFC 2047 subjects and names) and some messages from the account itself
//! (so they seed as `SENT`). The same seed gives the same bytes; nothing reads the clock.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use time::macros::format_description;
use time::OffsetDateTime;

/// Monday 2024-01-01 00:00 UTC: the first message's date.
const START: i64 = 1_704_067_200;

const PEOPLE: &[(&str, &str)] = &[
    ("Alice Martin", "alice@example.org"),
    ("Bob Chen", "bob.chen@example.net"),
    ("Jürgen Müller", "juergen@beispiel.de"),
    ("Élodie Durand", "elodie@exemple.fr"),
    ("山田 太郎", "taro.yamada@example.jp"),
    ("Support Team", "support@vendor.example"),
    ("Priya Natarajan", "priya@example.com"),
];

const SUBJECTS: &[&str] = &[
    "Quarterly planning",
    "Invoice 2024-031",
    "Lunch on Friday?",
    "Angebot für die Wartung",
    "Réunion de lundi",
    "見積書の送付について",
    "Your ticket #4821 was updated",
    "Design review notes",
    "Travel itinerary",
    "Übergabe der Schlüssel",
];

const LINES: &[&str] = &[
    "Thanks for the update, this looks good to me.",
    "Could you send me the latest numbers before the meeting?",
    "I have attached the file we talked about.",
    "Let me know if Thursday works for you.",
    "We need a decision by the end of the week.",
    "The customer asked whether the delivery can be moved.",
    "See you tomorrow!",
];

const LATIN1_LINES: &[&str] = &[
    "Grüße aus München, die Übergabe ist für Dienstag geplant.",
    "Très bien, je vous envoie le relevé détaillé demain.",
    "Die Rechnung über 1.250 € folgt separat.",
];

const JAPANESE_LINES: &[&str] = &[
    "いつもお世話になっております。",
    "見積書を添付いたしますので、ご確認ください。",
    "よろしくお願いいたします。",
];

/// splitmix64: small, seeded, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What later replies need of a message.
struct Sent {
    message_id: String,
    references: String,
    subject: String,
    from_account: bool,
    correspondent: usize,
}

/// `n` messages for `account`, oldest first, deterministic in `seed`.
pub fn generate(seed: u64, n: usize, account: &str) -> Vec<Vec<u8>> {
    let mut rng = Rng(seed ^ 0x006d_6169_6c67_656e);
    let mut made: Vec<Sent> = Vec::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    let mut at = START;
    for i in 0..n {
        at += 600 + rng.below(36_000) as i64;
        let parent = (!made.is_empty() && rng.chance(40)).then(|| rng.below(made.len()));
        let (subject, correspondent, from_account, in_reply_to, references) = match parent {
            Some(p) => {
                let parent = &made[p];
                let refs = format!("{} {}", parent.references, parent.message_id);
                (
                    parent.subject.clone(),
                    parent.correspondent,
                    !parent.from_account,
                    Some(parent.message_id.clone()),
                    refs.trim().to_owned(),
                )
            }
            None => (
                (*rng.pick(SUBJECTS)).to_owned(),
                rng.below(PEOPLE.len()),
                rng.chance(20),
                None,
                String::new(),
            ),
        };
        let message_id = format!("<gen-{seed:x}-{i}@helpr-emulator.test>");
        let (name, address) = PEOPLE[correspondent];
        let them = format!("{} <{address}>", encode_word(name));
        let (from, to) = if from_account {
            (account.to_owned(), them)
        } else {
            (them, account.to_owned())
        };
        let shown_subject = if in_reply_to.is_some() {
            format!("Re: {subject}")
        } else {
            subject.clone()
        };
        let mut head = format!(
            "From: {from}\r\nTo: {to}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: {message_id}\r\n",
            encode_word(&shown_subject),
            date(at),
        );
        if let Some(parent) = &in_reply_to {
            head.push_str(&format!(
                "In-Reply-To: {parent}\r\nReferences: {references}\r\n"
            ));
        }
        head.push_str("MIME-Version: 1.0\r\n");
        let body = body(&mut rng, i, &subject);
        out.push([head.into_bytes(), body].concat());
        made.push(Sent {
            message_id,
            references,
            subject,
            from_account,
            correspondent,
        });
    }
    out
}

/// The `Content-Type` header onwards (headers, blank line, body) of message `i`.
fn body(rng: &mut Rng, i: usize, subject: &str) -> Vec<u8> {
    let text = format!(
        "Hello,\r\n\r\n{}\r\n{}\r\n\r\nBest regards\r\n",
        rng.pick(LINES),
        rng.pick(LINES)
    );
    match rng.below(6) {
        0 => format!(
            "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}"
        )
        .into_bytes(),
        1 => {
            let boundary = format!("=_alt_{i}");
            let html = format!(
                "<html><body><p>Hello,</p><p>{}</p><p><b>{}</b></p></body></html>",
                rng.pick(LINES),
                html_escape(subject)
            );
            format!(
                "Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
                 --{boundary}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{text}\r\n\
                 --{boundary}\r\nContent-Type: text/html; charset=UTF-8\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--{boundary}--\r\n",
                wrapped_base64(html.as_bytes())
            )
            .into_bytes()
        }
        2 => {
            let boundary = format!("=_mixed_{i}");
            let (name, mime, bytes) = attachment(rng, i);
            format!(
                "Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n\
                 --{boundary}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{text}\r\n\
                 --{boundary}\r\nContent-Type: {mime}; name=\"{name}\"\r\n\
                 Content-Disposition: attachment; filename=\"{name}\"\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--{boundary}--\r\n",
                wrapped_base64(&bytes)
            )
            .into_bytes()
        }
        3 => {
            let line = rng.pick(LATIN1_LINES);
            let latin1: Vec<u8> = format!("Hallo,\r\n\r\n{line}\r\n")
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect();
            let mut out = b"Content-Type: text/plain; charset=ISO-8859-1\r\n\
                            Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                .to_vec();
            out.extend_from_slice(quoted_printable(&latin1).as_bytes());
            out
        }
        4 => {
            let text = format!(
                "{}\r\n{}\r\n{}\r\n",
                JAPANESE_LINES[0],
                rng.pick(JAPANESE_LINES),
                JAPANESE_LINES[2]
            );
            let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
            format!(
                "Content-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
                wrapped_base64(&sjis)
            )
            .into_bytes()
        }
        _ => format!(
            "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
            wrapped_base64(format!("{text}{}\r\n", rng.pick(JAPANESE_LINES)).as_bytes())
        )
        .into_bytes(),
    }
}

/// A small attachment: CSV, a PDF-like file or random bytes.
fn attachment(rng: &mut Rng, i: usize) -> (String, &'static str, Vec<u8>) {
    match rng.below(3) {
        0 => {
            let mut csv = String::from("date,item,amount\r\n");
            for row in 0..(3 + rng.below(6)) {
                csv.push_str(&format!(
                    "2024-01-{:02},item {row},{}.{:02}\r\n",
                    1 + row,
                    rng.below(900),
                    rng.below(100)
                ));
            }
            (format!("report-{i}.csv"), "text/csv", csv.into_bytes())
        }
        1 => {
            let pdf = format!(
                "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% synthetic document {i}\n%%EOF\n"
            );
            (
                format!("invoice-{i}.pdf"),
                "application/pdf",
                pdf.into_bytes(),
            )
        }
        _ => {
            let bytes: Vec<u8> = (0..(64 + rng.below(512)))
                .map(|_| rng.next() as u8)
                .collect();
            (format!("data-{i}.bin"), "application/octet-stream", bytes)
        }
    }
}

/// RFC 2047 `=?UTF-8?B?…?=` when `text` is not plain ASCII.
fn encode_word(text: &str) -> String {
    if text.is_ascii() {
        text.to_owned()
    } else {
        format!("=?UTF-8?B?{}?=", STANDARD.encode(text))
    }
}

fn date(unix: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    t.format(format_description!(
        "[weekday repr:short], [day padding:none] [month repr:short] [year] [hour]:[minute]:[second] +0000"
    ))
    .unwrap_or_default()
}

/// Base64 in 76-character lines.
fn wrapped_base64(bytes: &[u8]) -> String {
    let encoded = STANDARD.encode(bytes);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    lines.join("\r\n")
}

/// Quoted-printable (RFC 2045 §6.7) of CRLF text: `=XX` for non-printables and `=`, soft
/// breaks before 76 characters.
fn quoted_printable(bytes: &[u8]) -> String {
    let mut out = String::new();
    let text = bytes.split(|b| *b == b'\n');
    for line in text {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut width = 0;
        for (k, &b) in line.iter().enumerate() {
            let last = k + 1 == line.len();
            let piece = if (b == b' ' && !last) || (b.is_ascii_graphic() && b != b'=') {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            if width + piece.len() > 75 {
                out.push_str("=\r\n");
                width = 0;
            }
            width += piece.len();
            out.push_str(&piece);
        }
        out.push_str("\r\n");
    }
    out
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_escapes_and_breaks() {
        assert_eq!(quoted_printable(b"a=b \xfc\r\n"), "a=3Db =FC\r\n\r\n");
        let long = quoted_printable(&[b'x'; 100]);
        assert!(long.lines().all(|l| l.len() <= 76), "{long}");
        assert!(long.contains("=\r\n"));
    }

    #[test]
    fn dates_are_rfc_5322() {
        assert_eq!(date(START), "Mon, 1 Jan 2024 00:00:00 +0000");
    }
}
