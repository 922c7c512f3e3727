//! The MIME encodings the sample generator writes: RFC 2047 encoded words (B and Q), RFC 2231
//! parameter values, quoted-printable and base64 bodies, and header folding. Output lines end in
//! `\n` (Maildir convention) and stay within 78 characters where the format allows.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Text charsets the generator uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    /// ISO-8859-1; only for text whose characters are all below U+0100.
    Latin1,
}

impl Charset {
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Latin1 => "ISO-8859-1",
        }
    }

    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Self::Utf8 => text.as_bytes().to_vec(),
            Self::Latin1 => text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).expect("Latin-1 text has no char above U+00FF"))
                .collect(),
        }
    }
}

/// Encoded-word flavour: `B` (base64) or `Q` (quoted-printable-like).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    B,
    Q,
}

/// An encoded word may be at most 75 characters long (RFC 2047 §2).
const MAX_WORD: usize = 75;

/// Header tokens for free text: ASCII words as they are, anything else as encoded words.
pub fn text_tokens(text: &str, charset: Charset, word: Word) -> Vec<String> {
    if text.is_ascii() {
        text.split_whitespace().map(str::to_owned).collect()
    } else {
        encoded_words(text, charset, word)
    }
}

/// Header tokens for `Name <address>`: the name as atoms, a quoted string or encoded words.
pub fn mailbox_tokens(name: &str, address: &str, charset: Charset, word: Word) -> Vec<String> {
    let mut tokens = if name.is_ascii() {
        if name.contains(|c: char| "()<>[]:;@\\,.\"".contains(c)) {
            vec![format!(
                "\"{}\"",
                name.replace('\\', "\\\\").replace('"', "\\\"")
            )]
        } else {
            name.split_whitespace().map(str::to_owned).collect()
        }
    } else {
        encoded_words(name, charset, word)
    };
    tokens.push(format!("<{address}>"));
    tokens
}

/// The text as RFC 2047 encoded words of at most 75 characters, never splitting a character.
pub fn encoded_words(text: &str, charset: Charset, word: Word) -> Vec<String> {
    let prefix = format!(
        "=?{}?{}?",
        charset.name(),
        if word == Word::B { "B" } else { "Q" }
    );
    let room = MAX_WORD - prefix.len() - 2;
    let mut words = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut pending_len = 0;
    let finish = |bytes: &[u8]| match word {
        Word::B => format!("{prefix}{}?=", STANDARD.encode(bytes)),
        Word::Q => format!("{prefix}{}?=", q_encode(bytes)),
    };
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let bytes = charset.encode(c.encode_utf8(&mut buf));
        let grown = match word {
            Word::B => (pending.len() + bytes.len()).div_ceil(3) * 4,
            Word::Q => pending_len + q_encode(&bytes).len(),
        };
        if grown > room && !pending.is_empty() {
            words.push(finish(&pending));
            pending.clear();
        }
        pending.extend_from_slice(&bytes);
        pending_len = match word {
            Word::B => pending.len().div_ceil(3) * 4,
            Word::Q => q_encode(&pending).len(),
        };
    }
    if !pending.is_empty() {
        words.push(finish(&pending));
    }
    words
}

/// The Q encoding restricted to what RFC 2047 allows inside a phrase (§5 rule 3).
fn q_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b' ' => out.push('_'),
            b if b.is_ascii_alphanumeric() || b"!*+-/".contains(&b) => out.push(char::from(b)),
            b => out.push_str(&format!("={b:02X}")),
        }
    }
    out
}

/// `Name: token token…\n`, folded before 78 characters at token boundaries.
pub fn header(name: &str, tokens: &[String]) -> String {
    let mut out = format!("{name}:");
    let mut line_len = out.len();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 && line_len + 1 + token.len() > 78 {
            out.push_str("\n ");
            line_len = 1;
        } else {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(token);
        line_len += token.len();
    }
    out.push('\n');
    out
}

/// A header whose value is plain ASCII text, folded at spaces.
pub fn plain_header(name: &str, value: &str) -> String {
    let tokens: Vec<String> = value.split(' ').map(str::to_owned).collect();
    header(name, &tokens)
}

/// A MIME parameter (`name="value"` or RFC 2231 `name*=UTF-8''…` for non-ASCII).
pub fn parameter(name: &str, value: &str) -> String {
    if value.is_ascii() {
        format!(
            "{name}=\"{}\"",
            value.replace('\\', "\\\\").replace('"', "\\\"")
        )
    } else {
        let mut encoded = String::new();
        for &b in value.as_bytes() {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                encoded.push(char::from(b));
            } else {
                encoded.push_str(&format!("%{b:02X}"));
            }
        }
        format!("{name}*=UTF-8''{encoded}")
    }
}

/// Quoted-printable (RFC 2045 §6.7) of `\n`-separated text, lines at most 76 characters.
pub fn quoted_printable(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut len = 0;
        for (j, &b) in line.iter().enumerate() {
            let last = j + 1 == line.len();
            let token = match b {
                b' ' | b'\t' if !last => char::from(b).to_string(),
                b'=' => "=3D".to_owned(),
                33..=126 => char::from(b).to_string(),
                _ => format!("={b:02X}"),
            };
            // Leave room for the soft break's `=` unless this token ends the line.
            let limit = if last { 76 } else { 75 };
            if len + token.len() > limit {
                out.push_str("=\n");
                len = 0;
            }
            out.push_str(&token);
            len += token.len();
        }
    }
    out
}

/// Base64 in 76-character lines, each ending in `\n`.
pub fn base64_lines(bytes: &[u8]) -> String {
    let encoded = STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 + 1);
    for chunk in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out
}

/// `&`, `<`, `>` and `"` escaped for HTML text and attribute values.
pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qp_decode(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let bytes = text.replace("=\n", "").into_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        out
    }

    #[test]
    fn q_words_encode_what_a_phrase_may_not_hold() {
        assert_eq!(
            encoded_words("Jürgen Weiß", Charset::Utf8, Word::Q),
            ["=?UTF-8?Q?J=C3=BCrgen_Wei=C3=9F?="]
        );
        assert_eq!(
            encoded_words("facturación", Charset::Latin1, Word::Q),
            ["=?ISO-8859-1?Q?facturaci=F3n?="]
        );
    }

    #[test]
    fn long_text_splits_into_short_words_on_character_boundaries() {
        let text =
            "注文の配送について、もう一度確認していただけますでしょうか。よろしくお願いします。";
        for word in [Word::B, Word::Q] {
            let words = encoded_words(text, Charset::Utf8, word);
            assert!(words.len() > 1);
            let mut decoded = Vec::new();
            for w in &words {
                assert!(w.len() <= MAX_WORD, "{w} is too long");
                let inner = &w[10..w.len() - 2];
                match word {
                    Word::B => decoded.extend(STANDARD.decode(inner).unwrap()),
                    Word::Q => decoded.extend(qp_decode(&inner.replace('_', " "))),
                }
                // Each word decodes to whole characters on its own.
                assert!(std::str::from_utf8(&decoded).is_ok());
            }
            assert_eq!(String::from_utf8(decoded).unwrap(), text);
        }
    }

    #[test]
    fn names_with_specials_are_quoted() {
        assert_eq!(
            mailbox_tokens("Finance, Northwind", "ap@x.example", Charset::Utf8, Word::Q),
            ["\"Finance, Northwind\"", "<ap@x.example>"]
        );
        assert_eq!(
            mailbox_tokens("Sam O'Connor", "s@x.example", Charset::Utf8, Word::Q),
            ["Sam", "O'Connor", "<s@x.example>"]
        );
    }

    #[test]
    fn headers_fold_before_78_columns() {
        let tokens: Vec<String> = (0..40).map(|i| format!("<id{i}@x.example>")).collect();
        let folded = header("References", &tokens);
        assert!(folded.lines().all(|line| line.len() <= 78));
        assert!(folded.lines().skip(1).all(|line| line.starts_with(' ')));
        assert_eq!(folded.split_whitespace().count(), 41);
    }

    #[test]
    fn quoted_printable_round_trips_with_short_lines() {
        let text =
            "Grüße aus Köln = 100% ✓ \nline with trailing space \n".repeat(5) + &"x".repeat(200);
        let encoded = quoted_printable(text.as_bytes());
        assert!(encoded.lines().all(|line| line.len() <= 76), "{encoded}");
        assert!(encoded.lines().all(|line| !line.ends_with(' ')));
        assert_eq!(qp_decode(&encoded), text.as_bytes());
    }

    #[test]
    fn non_ascii_parameters_use_rfc_2231() {
        assert_eq!(parameter("filename", "a.pdf"), "filename=\"a.pdf\"");
        assert_eq!(
            parameter("filename", "Rückerstattung Beleg.pdf"),
            "filename*=UTF-8''R%C3%BCckerstattung%20Beleg.pdf"
        );
    }
}
