//! MIME decoding through the pipeline's `parse`: every charset the issue names decoded to UTF-8
//! in bodies and RFC 2047 headers, multipart nesting, inline `cid:` parts, attached messages and
//! TNEF kept as attachments.

use base64::Engine;
use helpr_mail::parse;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A single-part text message with `body` in `charset`, base64-encoded.
fn text_message(charset: &str, body: &[u8]) -> Vec<u8> {
    format!(
        "From: a@example.com\r\nSubject: charset {charset}\r\nContent-Type: text/plain; charset=\"{charset}\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        b64(body)
    )
    .into_bytes()
}

const CHARSETS: &[(&str, &[u8], &str)] = &[
    (
        "iso-8859-1",
        b"\x47\x72\xfc\xdf\x65\x20\x61\x75\x73\x20\x4b\xf6\x6c\x6e",
        "Grüße aus Köln",
    ),
    (
        "iso-8859-2",
        b"\x5a\x61\xbf\xf3\xb3\xe6\x20\x67\xea\xb6\x6c\xb1",
        "Zażółć gęślą",
    ),
    (
        "iso-8859-15",
        b"\x50\x72\x69\x78\x20\x35\x20\xa4",
        "Prix 5 €",
    ),
    (
        "windows-1251",
        b"\xcf\xf0\xe8\xe2\xe5\xf2\x20\xec\xe8\xf0",
        "Привет мир",
    ),
    (
        "windows-1252",
        b"\x93\x53\x6d\x61\x72\x74\x94\x20\x71\x75\x6f\x74\x65\x73\x20\x96\x20\x64\x61\x73\x68",
        "“Smart” quotes – dash",
    ),
    ("koi8-r", b"\xf0\xd2\xc9\xd7\xc5\xd4", "Привет"),
    ("big5", b"\xa4\xa4\xa4\xe5\xb4\xfa\xb8\xd5", "中文測試"),
    ("gb2312", b"\xd6\xd0\xce\xc4\xb2\xe2\xca\xd4", "中文测试"),
    ("gbk", b"\xd6\xd0\xce\xc4\xb2\xe2\xca\xd4", "中文测试"),
    (
        "shift_jis",
        b"\x93\xfa\x96\x7b\x8c\xea\x83\x65\x83\x58\x83\x67",
        "日本語テスト",
    ),
    (
        "iso-2022-jp",
        b"\x1b\x24\x42\x46\x7c\x4b\x5c\x38\x6c\x25\x46\x25\x39\x25\x48\x1b\x28\x42",
        "日本語テスト",
    ),
    (
        "utf-7",
        b"\x48\x69\x20\x4d\x6f\x6d\x20\x2d\x2b\x4a\x6a\x6f\x2d\x2d\x21",
        "Hi Mom -☺-!",
    ),
    (
        "utf-16",
        b"\xff\xfe\x55\x00\x6e\x00\x69\x00\x63\x00\x6f\x00\x64\x00\x65\x00\x20\x00\x13\x27",
        "Unicode ✓",
    ),
];

#[test]
fn bodies_in_every_named_charset_decode_to_utf8() {
    let mut failures = Vec::new();
    for (charset, bytes, want) in CHARSETS {
        let m = parse(&text_message(charset, bytes)).unwrap();
        if m.text.trim() != *want {
            failures.push(format!("{charset}: got {:?}, want {want:?}", m.text.trim()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rfc2047_headers_decode_in_several_charsets() {
    let subject_of = |encoded: &str| {
        let raw = format!("From: a@example.com\r\nSubject: {encoded}\r\n\r\nx");
        parse(raw.as_bytes()).unwrap().subject
    };
    let enc = |cs: &str, bytes: &[u8]| format!("=?{cs}?B?{}?=", b64(bytes));
    assert_eq!(
        subject_of(&enc("koi8-r", b"\xf0\xd2\xc9\xd7\xc5\xd4")),
        "Привет"
    );
    assert_eq!(
        subject_of(&enc("gb2312", b"\xd6\xd0\xce\xc4\xb2\xe2\xca\xd4")),
        "中文测试"
    );
    assert_eq!(
        subject_of(&enc(
            "iso-2022-jp",
            b"\x1b\x24\x42\x46\x7c\x4b\x5c\x38\x6c\x25\x46\x25\x39\x25\x48\x1b\x28\x42"
        )),
        "日本語テスト"
    );
    assert_eq!(subject_of("=?utf-8?Q?Caf=C3=A9_au_lait?="), "Café au lait");
    // Adjacent encoded words join without the whitespace between them (RFC 2047 §6.2).
    assert_eq!(
        subject_of("=?utf-8?Q?Hello?= =?utf-8?Q?_World?="),
        "Hello World"
    );
    assert_eq!(
        subject_of("=?iso-8859-1?Q?Gr=FC=DFe?= from Bonn"),
        "Grüße from Bonn"
    );
}

#[test]
fn nested_multiparts_inline_cid_attached_messages_and_tnef() {
    let png = b"\x89PNG\r\n\x1a\nfake-png";
    let tnef = b"\x78\x9f\x3e\x22fake-tnef";
    let raw = format!(
        "From: a@example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n\
--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain version\r\n\
--alt\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n\
--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML version <img src=\"cid:logo@example.com\"></p>\r\n\
--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@example.com>\r\nContent-Disposition: inline; filename=\"logo.png\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--rel--\r\n\
--alt--\r\n\
--outer\r\nContent-Type: message/rfc822\r\n\r\n\
From: b@example.com\r\nSubject: The forwarded one\r\n\r\nInner body\r\n\
--outer\r\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\r\n\
Content-Disposition: attachment; filename=\"winmail.dat\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
--outer--\r\n",
        b64(png),
        b64(tnef)
    );
    let m = parse(raw.as_bytes()).unwrap();
    assert!(m.text.contains("Plain version"), "{}", m.text);
    let html = m.html.as_deref().unwrap();
    assert!(html.contains("HTML version"), "{html}");
    assert!(html.contains("helpr-cid:logo@example.com"), "{html}");

    let logo = m.attachments.iter().find(|a| a.name == "logo.png").unwrap();
    assert_eq!(logo.content_id.as_deref(), Some("logo@example.com"));
    assert!(logo.inline);
    assert_eq!(logo.data, png);
    let inner = m
        .attachments
        .iter()
        .find(|a| a.content_type == "message/rfc822")
        .expect("attached message kept");
    assert_eq!(inner.name, "The forwarded one.eml");
    assert!(String::from_utf8_lossy(&inner.data).contains("Inner body"));
    let winmail = m
        .attachments
        .iter()
        .find(|a| a.name == "winmail.dat")
        .unwrap();
    assert_eq!(winmail.content_type, "application/ms-tnef");
    assert_eq!(winmail.data, tnef);
}
