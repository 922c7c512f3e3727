//! The HTML sanitizer: one function, used by the import/sync pipeline and `helpr sanitize`.
//!
//! ammonia's allow-list (no script/style/iframe/object/embed/form elements, no `on*` handlers)
//! with URL schemes limited to `http`, `https`, `mailto` and `cid`, and
//! `rel="noopener noreferrer"` on links. (The CSS filter, remote-image blocking and quote
//! stripping of DESIGN §5 build on this in the mail-pipeline issue.)

use std::sync::OnceLock;

fn builder() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(["http", "https", "mailto", "cid"].into_iter().collect())
            .link_rel(Some("noopener noreferrer"));
        b
    })
}

/// Returns `html` with everything that could run, load or navigate removed.
pub fn sanitize_html(html: &str) -> String {
    builder().clean(html).to_string()
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
}
