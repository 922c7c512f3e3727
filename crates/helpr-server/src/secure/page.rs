//! The recipient's page, `GET /s/{id}`: one static document, the same for every message (the
//! id is read from the path and the key from the fragment, in the browser). Its one script
//! and one stylesheet are inlined and allowed by their SHA-256 in the CSP, which allows
//! nothing else: no other script, no inline handler, no frame, no form posting, fetches only
//! to this server. No referrer leaves it and no cache keeps it.

use std::sync::LazyLock;

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

const HTML: &str = include_str!("page/page.html");
const SCRIPT: &str = include_str!("page/page.js");
const STYLE: &str = include_str!("page/page.css");

/// The page and its CSP, made once.
pub static PAGE: LazyLock<(String, HeaderValue)> = LazyLock::new(|| {
    let hash = |text: &str| STANDARD.encode(Sha256::digest(text.as_bytes()));
    let html = HTML
        .replace("{{STYLE}}", STYLE)
        .replace("{{SCRIPT}}", SCRIPT);
    let csp = format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; connect-src 'self'; \
         img-src 'self' blob: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        hash(SCRIPT),
        hash(STYLE)
    );
    (html, HeaderValue::from_str(&csp).expect("an ASCII header"))
});

/// `GET /s/{id}`.
pub async fn show() -> Response {
    let (html, csp) = &*PAGE;
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html.clone(),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    for (name, value) in [
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_inlines_exactly_the_script_and_style_its_csp_allows() {
        let (html, csp) = &*PAGE;
        assert!(!html.contains("{{SCRIPT}}") && !html.contains("{{STYLE}}"));
        assert_eq!(html.matches("<script").count(), 1);
        assert_eq!(html.matches("<style").count(), 1);
        let start = html.find("<script>").unwrap() + "<script>".len();
        let end = html.find("</script>").unwrap();
        let inlined = STANDARD.encode(Sha256::digest(&html.as_bytes()[start..end]));
        assert!(csp
            .to_str()
            .unwrap()
            .contains(&format!("'sha256-{inlined}'")));
        assert!(!html.contains(" onclick=") && !html.contains(" style="));
    }
}
