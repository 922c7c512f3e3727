//! The HTML side of quote stripping: a substring pre-check lets bodies without any quote marker
//! through untouched (no parsing at all); otherwise one [`scan`] pass finds the quote-related
//! elements and the visible text, [`analysis`] picks the cut, and the body is truncated there
//! with the end tags of the elements still open appended, so the output stays well formed.
//!
//! A dedicated tokenizer rather than `lol_html`: with the handlers this needs (a dozen selectors,
//! every text chunk, then `*` for the cut) two `lol_html` passes cost about as much as ammonia's
//! whole parse and clean of the same body; one byte-level pass costs a small fraction of it.
//!
//! [`analysis`]: super::analysis
//! [`scan`]: super::scan

use std::borrow::Cow;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use super::{analysis, scan};

/// Substrings (ASCII case-insensitive) without which no rule can apply: the quote containers'
/// class and id names, and the second label of an Outlook header block.
const MARKERS: &[&str] = &[
    "gmail_quote",
    "cite",
    "divrplyfwdmsg",
    "appendonsend",
    "sent:",
    "gesendet",
    "envoy",
    "enviado",
    "date:",
    "datum",
    "fecha",
];

fn has_marker(html: &str) -> bool {
    static FINDER: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    FINDER
        .get_or_init(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(MARKERS)
                .ok()
        })
        .as_ref()
        // Without the finder (it cannot fail to build for these patterns) every body is scanned.
        .is_none_or(|f| f.is_match(html))
}

/// Returns `html` without its trailing quoted history, or `None` when nothing is to be removed.
pub(super) fn strip(html: &str) -> Option<String> {
    if !has_marker(html) {
        return None;
    }
    let scan = scan::scan(html);
    let cut = analysis::find_cut(&scan.marks, &scan.nodes)?;
    scan::cut(html, &scan, cut)
}

/// Decodes the character references that matter for matching quote markers: numeric ones and the
/// named ones mail clients write in attributions and header labels. Others stay as written.
pub(super) fn decode_entities(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let semi = rest
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        match semi.and_then(|semi| reference(&rest[1..semi]).map(|c| (c, semi))) {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character for a reference name (without `&` and `;`).
fn reference(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|&c| c != '\0');
    }
    Some(match name {
        "nbsp" => '\u{a0}',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "aacute" => 'á',
        "agrave" => 'à',
        "acirc" => 'â',
        "auml" => 'ä',
        "Auml" => 'Ä',
        "ccedil" => 'ç',
        "eacute" => 'é',
        "Eacute" => 'É',
        "egrave" => 'è',
        "ecirc" => 'ê',
        "iacute" => 'í',
        "ntilde" => 'ñ',
        "oacute" => 'ó',
        "ouml" => 'ö',
        "Ouml" => 'Ö',
        "uacute" => 'ú',
        "uuml" => 'ü',
        "Uuml" => 'Ü',
        "szlig" => 'ß',
        "rsquo" => '’',
        "ndash" => '–',
        "mdash" => '—',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decode_for_matching() {
        assert_eq!(decode_entities("De&nbsp;:"), "De\u{a0}:");
        assert_eq!(
            decode_entities("Envoy&eacute;&#160;: &#x45;"),
            "Envoyé\u{a0}: E"
        );
        assert_eq!(
            decode_entities("a & b &unknown; &#0; &#xZZ; &"),
            "a & b &unknown; &#0; &#xZZ; &"
        );
        assert_eq!(decode_entities("plain"), "plain");
    }

    #[test]
    fn bodies_without_markers_are_not_parsed() {
        assert!(!has_marker("<p>Hello, see you on Monday.</p>"));
        assert!(has_marker(r#"<BLOCKQUOTE TYPE="CITE">x</BLOCKQUOTE>"#));
        assert_eq!(strip("<p>Hello</p>"), None);
    }

    const FUZZ_ROUNDS: usize = 3_000;

    #[test]
    fn malformed_input_never_panics() {
        // Called without the panic guard of the public functions, so a panic fails the test.
        let pieces = [
            "<div class=\"gmail_quote\">",
            "<div class=gmail_attr>On Mon, Jane wrote:",
            "<blockquote type=\"cite\">",
            "<blockquote class=\"gmail_quote\">",
            "</blockquote>",
            "</div>",
            "<div id=\"appendonsend\">",
            "<hr>",
            "<b>From:</b> a<br><b>Sent:</b> b<br><b>Subject:</b> RE: c",
            "---------- Forwarded message ---------",
            "reply é text&nbsp;",
            "<!-- c",
            "<script>x",
            "&#x",
            "<p",
            "</",
            "<div title='",
            "\u{0}",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let _ = strip(&format!("{a}{b}{c}"));
                }
            }
        }
        // Pseudo-random concatenations of longer sequences (deterministic, no extra crate).
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..FUZZ_ROUNDS {
            let mut html = String::new();
            for _ in 0..next() % 12 {
                html.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
            let _ = strip(&html);
            let _ = super::super::text::strip(&html.replace('<', "\n> "));
            // Character-level noise after a marker, for the tokenizer's corners.
            let alphabet: Vec<char> = "<>/!-?=\"'&#;x: aéq\n".chars().collect();
            let mut noise = String::from("r<blockquote type=cite>");
            for _ in 0..next() % 40 {
                noise.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            let _ = strip(&noise);
            let _ = super::super::text::strip(&noise);
        }
        let deep = format!("r{}q", "<blockquote type=cite>".repeat(5000));
        let _ = strip(&deep);
        let closed = format!(
            "r{}q{}",
            "<blockquote type=cite>".repeat(5000),
            "</blockquote>".repeat(5000)
        );
        assert_eq!(strip(&closed), Some("r".to_owned()));
    }
}
