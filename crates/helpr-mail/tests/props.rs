//! Property tests of the mail pipeline over generated hostile input (issue 13): the sanitizer,
//! the MIME parser and the mbox splitter answer anything without panicking, with output bounded
//! by their input, and the sanitizer's promises (no active element, nesting capped) hold.

use helpr_mail::{mbox, parse, sanitize};
use proptest::prelude::*;

/// HTML-shaped text: tags that run, load or nest, attributes with handlers and odd quoting,
/// comments, entities, CDATA, and raw bytes between them.
fn html() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<div>".to_owned()),
        Just("</div>".to_owned()),
        Just("<blockquote type=cite>".to_owned()),
        Just("<table><tr><td>".to_owned()),
        Just("<script>alert(1)</script>".to_owned()),
        Just("<ScRiPt src=//x>".to_owned()),
        Just("<img src=x onerror=alert(1)>".to_owned()),
        Just("<a href=\"java&#x09;script:alert(1)\">".to_owned()),
        Just("<svg><style>*{}</style>".to_owned()),
        Just("<iframe srcdoc='<script>'>".to_owned()),
        Just("<!--".to_owned()),
        Just("-->".to_owned()),
        Just("<![CDATA[".to_owned()),
        Just("<p style=\"background:url(https://t.example/x)\">".to_owned()),
        Just("&lt;&#0;&#x110000;".to_owned()),
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("\"'=".to_owned()),
        "\\PC{0,8}",
    ];
    prop::collection::vec(piece, 0..200).prop_map(|p| p.concat())
}

/// The deepest element nesting in sanitized output (its tags are well formed).
fn depth(html: &str) -> usize {
    let void = [
        "br", "img", "hr", "wbr", "col", "area", "input", "source", "track",
    ];
    let (mut now, mut max) = (0usize, 0usize);
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if tag.starts_with('/') {
            now = now.saturating_sub(1);
        } else if !void.contains(&name.as_str()) && !tag.ends_with('/') {
            now += 1;
            max = max.max(now);
        }
    }
    max
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_sanitizer_answers_anything_with_nothing_active(input in html()) {
        let out = sanitize(&input);
        // Escaping grows text at most sixfold (`"` → `&quot;`).
        prop_assert!(out.html.len() <= input.len() * 6 + 64, "{} → {}", input.len(), out.html.len());
        // Text escapes `<`, so every `<` in the output opens a tag: check the tags.
        let lower = out.html.to_ascii_lowercase();
        for tag in lower.split('<').skip(1).map(|t| t.split('>').next().unwrap_or(t)) {
            let name: String = tag.trim_start_matches('/').chars().take_while(char::is_ascii_alphanumeric).collect();
            prop_assert!(
                !["script", "iframe", "style", "svg", "object", "embed"].contains(&name.as_str()),
                "<{tag}> in {}", out.html
            );
            for attribute in [" onerror", " onload", "javascript:", "srcdoc"] {
                prop_assert!(!tag.contains(attribute), "{attribute} in <{tag}>");
            }
            prop_assert!(!tag.contains("https://t.example"), "a remote load in <{tag}>");
        }
    }

    #[test]
    fn nesting_stays_under_the_cap(depth_in in 1usize..3000, tag in prop_oneof![Just("div"), Just("blockquote"), Just("span"), Just("td")]) {
        let input = format!("{}x{}", format!("<{tag}>").repeat(depth_in), format!("</{tag}>").repeat(depth_in));
        let out = sanitize(&input);
        prop_assert!(out.html.contains('x'));
        prop_assert!(depth(&out.html) <= 512 + 4, "depth {} from {depth_in}", depth(&out.html));
    }

    #[test]
    fn the_parser_answers_any_bytes(raw in prop::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(mail) = parse(&raw) {
            prop_assert!(mail.text.len() <= raw.len() * 8 + 1024);
            prop_assert!(mail.html.as_ref().map_or(0, String::len) <= raw.len() * 8 + 1024);
        }
    }

    #[test]
    fn the_parser_answers_hostile_mime(
        boundary in "[a-zA-Z0-9'()+_,./:=?-]{0,20}",
        parts in prop::collection::vec((
            prop_oneof![Just("text/plain"), Just("text/html"), Just("multipart/mixed"), Just("message/rfc822"), Just("application/octet-stream"), Just("text/plain; charset=utf-16"), Just("text/html; charset=bogus")],
            prop_oneof![Just("7bit"), Just("base64"), Just("quoted-printable"), Just("x-uuencode"), Just("bogus")],
            "\\PC{0,200}",
        ), 0..12),
        subject in "\\PC{0,60}",
    ) {
        let mut raw = format!(
            "From: A <a@example.com>\r\nSubject: =?utf-8?b?{}?=\r\nMessage-ID: <p@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &subject)
        );
        for (kind, encoding, body) in &parts {
            raw.push_str(&format!("--{boundary}\r\nContent-Type: {kind}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n{body}\r\n"));
        }
        raw.push_str(&format!("--{boundary}--\r\n"));
        if let Ok(mail) = parse(raw.as_bytes()) {
            prop_assert!(mail.text.len() <= raw.len() * 8 + 1024);
        }
    }

    #[test]
    fn mbox_messages_account_for_every_byte(
        lines in prop::collection::vec(prop_oneof![
            Just("From a@b Sat Jan  3 01:05:34 1996\n".to_owned()),
            Just("From \n".to_owned()),
            Just(">From x\n".to_owned()),
            Just("Content-Length: 5\n".to_owned()),
            Just("Content-Length: 99999999999\n".to_owned()),
            Just("\n".to_owned()),
            Just("\r\n".to_owned()),
            "[a-zA-Z: ]{0,20}\n",
        ], 0..60),
    ) {
        let input = format!("From first@x Sat Jan  3 01:05:34 1996\n{}", lines.concat());
        let messages: Vec<_> = mbox::Messages::new(input.as_bytes())
            .collect::<Result<_, _>>()
            .expect("in memory");
        let accounted: u64 = messages.iter().map(|m| m.source_bytes).sum();
        prop_assert_eq!(accounted, input.len() as u64);
        for m in &messages {
            prop_assert!(m.bytes.len() as u64 <= m.source_bytes);
        }
    }
}
