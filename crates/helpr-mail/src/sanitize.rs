//! The HTML sanitizer: one policy, used by the import/sync pipeline and by `helpr sanitize`.
//!
//! ammonia's allow-list (no `script`/`style`/`iframe`/`frame`/`object`/`embed`/`form`/`input`/
//! `base`/`meta`/`link`/`svg`, no `on*` handlers) widened only by presentational attributes mail
//! needs (tables, fonts, `style`), with:
//! - URL schemes `http`, `https`, `mailto`, `cid` only; relative URLs dropped;
//! - `style` attributes through the CSS filter ([`crate::css`]);
//! - remote images blocked: `img src`, `srcset`, `background` and CSS `url()` sources are
//!   replaced by `helpr-remote:N` placeholders (a scheme no browser fetches) and their URLs
//!   returned, so the reader can load them on request;
//! - `cid:` images rewritten to `helpr-cid:<content-id>`, served from the vault;
//! - links get `rel="noopener noreferrer"`.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::OnceLock;

use crate::css::filter_style;
use crate::nesting::{cap_depth, MAX_DEPTH};

/// The placeholder scheme for a blocked remote image: `helpr-remote:<index>`.
pub const REMOTE_PLACEHOLDER: &str = "helpr-remote:";
/// The internal reference for an inline `cid:` image: `helpr-cid:<content-id>`.
pub const CID_REFERENCE: &str = "helpr-cid:";

/// Sanitized HTML and the remote image URLs it referred to (index N ↔ `helpr-remote:N`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sanitized {
    pub html: String,
    pub remote_images: Vec<String>,
}

thread_local! {
    /// Remote URLs found by the attribute filter during the current `sanitize` call.
    static REMOTE: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn is_remote(url: &str) -> bool {
    let l = url.trim_start().to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// Records a remote URL and returns its placeholder.
fn placeholder(url: &str) -> String {
    REMOTE.with(|r| {
        let mut r = r.borrow_mut();
        let url = url.trim().to_string();
        let idx = match r.iter().position(|u| *u == url) {
            Some(i) => i,
            None => {
                r.push(url);
                r.len() - 1
            }
        };
        format!("{REMOTE_PLACEHOLDER}{idx}")
    })
}

fn filter_attribute(element: &str, attribute: &str, value: &str) -> Option<String> {
    match (element, attribute) {
        (_, "style") => {
            let mut found = Vec::new();
            let css = filter_style(value, &mut found);
            for url in &found {
                placeholder(url);
            }
            (!css.is_empty()).then_some(css)
        }
        ("img", "src") => {
            let v = value.trim();
            if v.len() > 4 && v[..4].eq_ignore_ascii_case("cid:") {
                Some(format!("{CID_REFERENCE}{}", &v[4..]))
            } else if is_remote(v) {
                Some(placeholder(v))
            } else {
                None
            }
        }
        ("img", "srcset") => {
            for candidate in value.split(',') {
                if let Some(url) = candidate.split_whitespace().next() {
                    if is_remote(url) {
                        placeholder(url);
                    }
                }
            }
            None
        }
        (_, "background") => is_remote(value).then(|| placeholder(value)),
        _ => Some(value.to_string()),
    }
}

fn builder() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.add_tags(["font"])
            .add_generic_attributes([
                "style", "dir", "align", "valign", "bgcolor", "width", "height",
            ])
            .add_tag_attributes("font", ["color", "face", "size"])
            .add_tag_attributes("img", ["srcset", "border", "hspace", "vspace"])
            .add_tag_attributes(
                "table",
                [
                    "background",
                    "border",
                    "cellpadding",
                    "cellspacing",
                    "summary",
                ],
            )
            .add_tag_attributes("td", ["background", "colspan", "rowspan", "nowrap"])
            .add_tag_attributes("th", ["background", "colspan", "rowspan", "nowrap"])
            .add_tag_attributes("tr", ["background"])
            .url_schemes(HashSet::from(["http", "https", "mailto", "cid"]))
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some("noopener noreferrer"))
            .attribute_filter(|element, attribute, value| {
                filter_attribute(element, attribute, value).map(Into::into)
            });
        b
    })
}

/// Sanitizes `html` and returns it with the remote image URLs it referred to.
pub fn sanitize(html: &str) -> Sanitized {
    REMOTE.with(|r| r.borrow_mut().clear());
    // Nesting is capped first: the tree builder's cost grows with the square of the depth.
    let html = cap_depth(html, MAX_DEPTH);
    let html = builder().clean(&html).to_string();
    let remote_images = REMOTE.with(|r| std::mem::take(&mut *r.borrow_mut()));
    Sanitized {
        html,
        remote_images,
    }
}

/// Returns `html` with everything that could run, load or navigate by itself removed.
pub fn sanitize_html(html: &str) -> String {
    sanitize(html).html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_script_handlers_and_bad_schemes() {
        let out = sanitize_html(
            r#"<p onclick="x()">hi<script>alert(1)</script><a href="javascript:alert(1)">a</a><a href="https://e.com">b</a></p>"#,
        );
        assert!(!out.contains("script"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(out.contains(r#"rel="noopener noreferrer""#), "{out}");
        assert!(out.contains("https://e.com"), "{out}");
    }

    #[test]
    fn removes_dangerous_elements() {
        for tag in [
            "<style>p{}</style>",
            "<iframe src=https://x></iframe>",
            "<frame src=https://x>",
            "<object data=https://x></object>",
            "<embed src=https://x>",
            "<form action=https://x><input name=a></form>",
            "<base href=https://x/>",
            "<meta http-equiv=refresh content=\"0;url=https://x\">",
            "<link rel=stylesheet href=https://x>",
            "<svg><script>alert(1)</script></svg>",
            "<svg onload=alert(1)>",
        ] {
            let out = sanitize_html(tag);
            for word in [
                "<style",
                "<iframe",
                "<frame",
                "<object",
                "<embed",
                "<form",
                "<input",
                "<base",
                "<meta",
                "<link",
                "<svg",
                "onload",
                "https://x",
            ] {
                assert!(!out.contains(word), "{tag} -> {out}");
            }
        }
    }

    #[test]
    fn url_schemes_are_allow_listed_however_encoded() {
        for href in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java&#x09;script:alert(1)",
            "&#106;avascript:alert(1)",
            " javascript:alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html,<script>alert(1)</script>",
            "/relative/path",
            "//protocol-relative.example/x",
        ] {
            let out = sanitize_html(&format!("<a href=\"{href}\">x</a>"));
            assert!(!out.contains("href"), "{href} -> {out}");
        }
        for ok in [
            "https://e.example/",
            "http://e.example/",
            "mailto:a@e.example",
        ] {
            let out = sanitize_html(&format!("<a href=\"{ok}\">x</a>"));
            assert!(out.contains(&format!("href=\"{ok}\"")), "{ok} -> {out}");
        }
    }

    #[test]
    fn remote_images_become_placeholders_with_urls_kept() {
        let s = sanitize(
            r#"<img src="https://t.example/open.gif" srcset="https://t.example/a.png 2x, https://t.example/b.png 3x"><table background="http://t.example/bg.jpg"><tr><td style="color:red;background-image:url(https://t.example/c.png)">x</td></tr></table><img src="https://t.example/open.gif">"#,
        );
        assert_eq!(
            s.remote_images,
            vec![
                "https://t.example/open.gif",
                "https://t.example/a.png",
                "https://t.example/b.png",
                "http://t.example/bg.jpg",
                "https://t.example/c.png",
            ]
        );
        assert!(!s.html.contains("t.example"), "{}", s.html);
        assert!(s.html.contains(r#"src="helpr-remote:0""#), "{}", s.html);
        assert!(
            s.html.contains(r#"background="helpr-remote:3""#),
            "{}",
            s.html
        );
        assert!(s.html.contains(r#"style="color: red""#), "{}", s.html);
        assert_eq!(s.html.matches("helpr-remote:0").count(), 2);
    }

    #[test]
    fn cid_images_point_into_the_vault_and_other_sources_go() {
        let s = sanitize(
            r#"<img src="cid:logo@x"><img src="data:image/png;base64,AAAA"><img src="/rel.png">"#,
        );
        assert!(s.html.contains(r#"src="helpr-cid:logo@x""#), "{}", s.html);
        assert!(!s.html.contains("data:"), "{}", s.html);
        assert!(!s.html.contains("rel.png"), "{}", s.html);
        assert!(s.remote_images.is_empty());
    }

    #[test]
    fn keeps_mail_presentation() {
        let out = sanitize_html(
            r##"<table width="100%" cellpadding="4" bgcolor="#eee"><tr><td align="center"><font color="#333" face="Arial">Hi</font></td></tr></table>"##,
        );
        for want in [
            r#"width="100%""#,
            r#"cellpadding="4""#,
            r##"bgcolor="#eee""##,
            r#"align="center""#,
            r##"<font color="#333" face="Arial">"##,
        ] {
            assert!(out.contains(want), "{want} missing in {out}");
        }
    }
}
