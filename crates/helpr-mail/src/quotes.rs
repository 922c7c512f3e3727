//! Quoted-history stripping, the pipeline step between parsing and sanitizing (DESIGN §5): the
//! earlier messages that replies carry along are removed before a body is stored, and the
//! removed part is not kept anywhere.
//!
//! Recognized: Gmail (`div.gmail_quote` with its `gmail_attr` line, `blockquote.gmail_quote`),
//! Outlook (`#divRplyFwdMsg`, `#appendonsend` and the "From: … Sent: …" header block, in English,
//! German, French and Spanish — each with everything after it), Apple Mail
//! (`blockquote type="cite"` with the "On … wrote:" line before it), Thunderbird
//! (`div.moz-cite-prefix` and its blockquote), and in plain text the trailing `>` lines with
//! their attribution. The rules, shared by both formats:
//!
//! - only *trailing* history goes: a quote followed by the author's text (inline replies,
//!   bottom-posting) stays, and only the last quoted block at the end is removed;
//! - forwards keep their content: a forward separator or forward header before any reply quote
//!   keeps the body as it is;
//! - a body that is nothing but a quote is kept as it is.
//!
//! - [`patterns`]: the language side (attributions, separators, header labels).
//! - [`analysis`]: where an HTML body's trailing quote starts, from the scan's findings.
//! - [`html`]: the HTML entry (pre-check, entities); [`scan`]: its one-pass tokenizer and the
//!   cut. [`text`]: plain text.

mod analysis;
mod html;
mod patterns;
mod scan;
mod text;

/// Removes trailing quoted history from an HTML body (before sanitizing). Returns the HTML
/// without the quote, or `html` unchanged when there is none, when the quote is a forward, or
/// when removing it would leave nothing.
pub fn strip_html_quotes(html: &str) -> String {
    crate::guard::contain(|| html::strip(html))
        .ok()
        .flatten()
        .unwrap_or_else(|| html.to_owned())
}

/// Removes trailing quoted history from a plain-text body, with the same rules as
/// [`strip_html_quotes`].
pub fn strip_text_quotes(text: &str) -> String {
    let keep = crate::guard::contain(|| text::strip(text)).ok().flatten();
    keep.and_then(|n| text.get(..n)).unwrap_or(text).to_owned()
}
