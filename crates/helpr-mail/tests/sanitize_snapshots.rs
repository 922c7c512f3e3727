//! Snapshot tests of the sanitizer policy on whole, realistic bodies: each fixture
//! `fixtures/sanitize/NAME.html` must sanitize to exactly `NAME.expected.html` (the sanitized
//! HTML, then one `remote[N]: URL` line per blocked remote image). `HELPR_BLESS=1` rewrites the
//! expected files; review the diff before committing.

use std::path::Path;

fn render(name: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sanitize");
    let input = std::fs::read_to_string(dir.join(format!("{name}.html"))).unwrap();
    let s = helpr_mail::sanitize(&input);
    let mut out = s.html;
    out.push('\n');
    for (i, url) in s.remote_images.iter().enumerate() {
        out.push_str(&format!("remote[{i}]: {url}\n"));
    }
    let expected = dir.join(format!("{name}.expected.html"));
    if std::env::var_os("HELPR_BLESS").is_some() {
        std::fs::write(&expected, &out).unwrap();
    }
    let want = std::fs::read_to_string(&expected)
        .unwrap_or_else(|_| panic!("{} missing: run with HELPR_BLESS=1", expected.display()));
    assert_eq!(out, want, "{name}: sanitized output changed");
    out
}

#[test]
fn newsletter() {
    let out = render("newsletter");
    for gone in [
        "<style",
        "<link",
        "<base",
        "onload",
        "expression",
        "behavior",
        "binding",
        "track.news",
        "cdn.news",
    ] {
        assert!(
            !out.split("remote[").next().unwrap().contains(gone),
            "{gone}"
        );
    }
    assert!(
        out.contains("remote[0]: https://cdn.news.example/tile.jpg"),
        "{out}"
    );
    assert!(out.contains("https://track.news.example/open?u=42"));
}

#[test]
fn phishing() {
    let out = render("phishing");
    for gone in [
        "<form",
        "<input",
        "<button",
        "javascript",
        "data:",
        "/relative",
        "<iframe",
        "<object",
        "<embed",
        "<svg",
        "<meta",
        "onerror",
        "onmouseover",
        "<script",
        "alert",
    ] {
        assert!(!out.contains(gone), "{gone} in {out}");
    }
}

#[test]
fn inline_cid() {
    let out = render("inline_cid");
    assert!(out.contains(r#"src="helpr-cid:logo.png@01D9""#), "{out}");
    assert!(out.contains(r#"src="helpr-cid:second@01D9""#), "{out}");
    assert!(!out.contains("remote["));
}
