//! A single-pass HTML tokenizer made for the quote scan, no DOM: it finds the quote-related
//! elements ([`Mark`]s), the visible text nodes ([`Node`]s) and the explicitly closed elements,
//! all with byte offsets, so [`cut`] can drop everything from an offset on and still close what
//! was open. It follows the HTML tokenizer where that matters for offsets (comments, `<!…>` and
//! `<?…>` constructs, quoted attribute values, raw-text elements such as `script` and `style`,
//! an unfinished tag at the end). An end tag closes the nearest open element of its name and,
//! right there, the elements opened inside it, as the tree builder does for the block elements
//! that matter here; what is still open when the input ends, ends there. Text inside `title`,
//! `textarea` and raw-text elements is not visible text and is skipped.

use memchr::memchr;

use crate::html_lex::{
    attributes, comment_end, end_tag_at, match_depth, raw_text_end, start_tag_name, Name, RAW_TEXT,
    VOID,
};

use super::analysis::{Mark, MarkKind, Node};
use super::patterns;

/// An element closed by its own end tag: where its start tag begins and where its end tag lies.
#[derive(Debug, Clone, Copy)]
struct Closed {
    start: usize,
    end_tag: (usize, usize),
}

/// What one pass over an HTML body found.
#[derive(Debug, Default)]
pub(super) struct Scan {
    pub marks: Vec<Mark>,
    pub nodes: Vec<Node>,
    /// In the order of their end tags.
    closed: Vec<Closed>,
}

struct Open {
    name: Name,
    start: usize,
    /// The marks this element carries, as a range of `Scan::marks`.
    marks: (usize, usize),
}

/// The attribute values a start tag carries that the marks depend on, as byte ranges.
#[derive(Default)]
struct Attrs {
    class: Option<(usize, usize)>,
    id: Option<(usize, usize)>,
    kind: Option<(usize, usize)>,
    style: Option<(usize, usize)>,
}

/// Scans `html` once.
pub(super) fn scan(html: &str) -> Scan {
    let b = html.as_bytes();
    let mut out = Scan::default();
    let mut stack: Vec<Open> = Vec::new();
    let mut pos = 0;
    let mut text_start = 0;
    while let Some(lt) = memchr(b'<', &b[pos..]).map(|i| pos + i) {
        let next = b.get(lt + 1).copied();
        let after = match next {
            Some(c) if c.is_ascii_alphabetic() => {
                push_text(html, text_start, lt, &mut out.nodes);
                match start_tag(html, lt, &mut out, &mut stack) {
                    Some(end) => end,
                    None => return finish(out, lt), // input ends inside a tag: it is dropped
                }
            }
            Some(b'/') => {
                push_text(html, text_start, lt, &mut out.nodes);
                match end_tag(b, lt, &mut out, &mut stack) {
                    Some(end) => end,
                    None => return finish(out, lt),
                }
            }
            Some(b'!') => {
                push_text(html, text_start, lt, &mut out.nodes);
                if b[lt + 2..].starts_with(b"--") {
                    comment_end(b, lt + 4)
                } else {
                    memchr(b'>', &b[lt..]).map_or(b.len(), |i| lt + i + 1)
                }
            }
            Some(b'?') => {
                push_text(html, text_start, lt, &mut out.nodes);
                memchr(b'>', &b[lt..]).map_or(b.len(), |i| lt + i + 1)
            }
            _ => {
                // A lone "<" is text.
                pos = lt + 1;
                continue;
            }
        };
        pos = after;
        text_start = after;
    }
    push_text(html, text_start, b.len(), &mut out.nodes);
    finish(out, b.len())
}

/// Elements still open where the input ends (or where a tag cut off by its end begins) end there.
fn finish(mut out: Scan, end: usize) -> Scan {
    for mark in &mut out.marks {
        mark.end = mark.end.min(end);
    }
    out
}

/// Parses the start tag at `lt`; returns where parsing continues, `None` at end of input.
fn start_tag(html: &str, lt: usize, out: &mut Scan, stack: &mut Vec<Open>) -> Option<usize> {
    let b = html.as_bytes();
    let (name, name_end) = start_tag_name(b, lt);
    let mut attrs = Attrs::default();
    let end = attributes(b, name_end, |name, value| {
        // The first of duplicate attributes wins, as in the HTML tokenizer.
        let slot = if name.eq_ignore_ascii_case(b"class") {
            &mut attrs.class
        } else if name.eq_ignore_ascii_case(b"id") {
            &mut attrs.id
        } else if name.eq_ignore_ascii_case(b"type") {
            &mut attrs.kind
        } else if name.eq_ignore_ascii_case(b"style") {
            &mut attrs.style
        } else {
            return;
        };
        slot.get_or_insert(value);
    })?;

    let marks_from = out.marks.len();
    push_marks(html, lt, name, &attrs, &mut out.marks);
    let marks = (marks_from, out.marks.len());

    let tag = name.as_bytes();
    if VOID.contains(&tag) {
        return Some(end);
    }
    if tag == b"plaintext" {
        return Some(b.len());
    }
    if RAW_TEXT.contains(&tag) {
        return Some(raw_text_end(b, end, tag));
    }
    stack.push(Open {
        name,
        start: lt,
        marks,
    });
    Some(end)
}

/// Records the marks a start tag carries.
fn push_marks(html: &str, start: usize, name: Name, attrs: &Attrs, marks: &mut Vec<Mark>) {
    let value = |range: Option<(usize, usize)>| range.map_or("", |(s, e)| &html[s..e]);
    // The end is filled in when the element closes or the input ends.
    let mut mark = |kind| {
        marks.push(Mark {
            kind,
            start,
            end: usize::MAX,
        })
    };
    let has_class = |c: &str| value(attrs.class).split_ascii_whitespace().any(|t| t == c);
    match name.as_bytes() {
        b"div" => {
            if has_class("gmail_quote") {
                mark(MarkKind::Wrapper);
            }
            if has_class("gmail_attr") || has_class("moz-cite-prefix") {
                mark(MarkKind::Attribution);
            }
            let style = value(attrs.style).as_bytes();
            if has_class("OutlookMessageHeader")
                || style
                    .windows(10)
                    .any(|w| w.eq_ignore_ascii_case(b"border-top"))
            {
                mark(MarkKind::Anchor);
            }
        }
        b"blockquote"
            if has_class("gmail_quote") || value(attrs.kind).eq_ignore_ascii_case("cite") =>
        {
            mark(MarkKind::Quote);
        }
        b"hr" => mark(MarkKind::Anchor),
        _ => {}
    }
    if matches!(value(attrs.id), "divRplyFwdMsg" | "appendonsend") {
        mark(MarkKind::Outlook);
    }
}

/// Handles the `</…` at `lt`; returns where parsing continues, `None` at end of input.
fn end_tag(b: &[u8], lt: usize, out: &mut Scan, stack: &mut Vec<Open>) -> Option<usize> {
    let (gt, name) = end_tag_at(b, lt)?;
    let end = gt + 1;
    let Some(name) = name else {
        return Some(end); // "</>" or a bogus comment like "</ x>"
    };
    if let Some(depth) = match_depth(stack.iter().map(|o| o.name), name) {
        // Elements opened inside the matched one end where this end tag starts, as in the
        // tree builder.
        for open in stack.drain(stack.len() - depth..) {
            for mark in &mut out.marks[open.marks.0..open.marks.1] {
                mark.end = lt;
            }
        }
        if let Some(open) = stack.pop() {
            for mark in &mut out.marks[open.marks.0..open.marks.1] {
                mark.end = end;
            }
            out.closed.push(Closed {
                start: open.start,
                end_tag: (lt, end),
            });
        }
    }
    Some(end)
}

/// Records the text between `start` and `end` if it has anything visible in it.
fn push_text(html: &str, start: usize, end: usize, nodes: &mut Vec<Node>) {
    let Some(raw) = html.get(start..end).filter(|r| !r.is_empty()) else {
        return;
    };
    let norm = patterns::normalize(&super::html::decode_entities(raw));
    if !norm.is_empty() {
        nodes.push(Node { start, end, norm });
    }
}

/// `html` without everything from byte `cut` on, followed by the end tags of the elements open
/// at `cut` that the source closes explicitly, in source order.
pub(super) fn cut(html: &str, scan: &Scan, cut: usize) -> Option<String> {
    let mut out = String::with_capacity(cut + 64);
    out.push_str(html.get(..cut)?);
    for c in scan
        .closed
        .iter()
        .filter(|c| c.start < cut && c.end_tag.0 >= cut)
    {
        out.push_str(html.get(c.end_tag.0..c.end_tag.1)?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(html: &'a str, scan: &Scan) -> Vec<&'a str> {
        scan.nodes.iter().map(|n| &html[n.start..n.end]).collect()
    }

    #[test]
    fn marks_and_text_with_offsets() {
        let html =
            r#"<p>Hi</p><BLOCKQUOTE Type=CITE>old</blockquote><div id="appendonsend"></div>"#;
        let scan = scan(html);
        let marks: Vec<_> = scan
            .marks
            .iter()
            .map(|m| (m.kind, m.start, m.end))
            .collect();
        assert_eq!(
            marks,
            [(MarkKind::Quote, 9, 47), (MarkKind::Outlook, 47, 76)]
        );
        assert_eq!(texts(html, &scan), ["Hi", "old"]);
    }

    #[test]
    fn class_tokens_and_styles() {
        let html = r#"<div class="gmail_quote gmail_quote_container"><div class='x gmail_attr'>a</div><div class="not_gmail_quote">b</div><div style="border:none;BORDER-TOP:solid">c</div></div><hr>"#;
        let kinds: Vec<_> = scan(html).marks.iter().map(|m| m.kind).collect();
        assert_eq!(
            kinds,
            [
                MarkKind::Wrapper,
                MarkKind::Attribution,
                MarkKind::Anchor,
                MarkKind::Anchor
            ]
        );
    }

    #[test]
    fn comments_raw_text_and_odd_markup_are_not_text() {
        let html = "<!-- <b>x</b> -->a<!---->b<!-->c<script>if (a<b) x='</div>'</script>d\
                    <style>p{}</STYLE >e<title>t</title>f<? pi ?>g<!DOCTYPE html>h</ x>i</>j 1 < 2";
        let scan = scan(html);
        assert_eq!(
            texts(html, &scan),
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j 1 < 2"]
        );
    }

    #[test]
    fn quoted_attribute_values_may_hold_angle_brackets() {
        let html = r#"<div title="a > b" class="gmail_quote">q</div>"#;
        let scan = scan(html);
        assert_eq!(scan.marks[0].end, html.len());
        assert_eq!(texts(html, &scan), ["q"]);
    }

    #[test]
    fn end_tags_close_the_nearest_open_element_of_their_name() {
        let html = "<div><blockquote type=cite><p>x</div>y</blockquote><blockquote type=cite>z";
        let scan = scan(html);
        // The first blockquote is closed implicitly by </div>, the second by the end of input.
        let ends: Vec<_> = scan.marks.iter().map(|m| m.end).collect();
        assert_eq!(ends, [html.find("</div>").unwrap(), html.len()]);
        assert_eq!(scan.closed.len(), 1);
    }

    #[test]
    fn unfinished_tag_at_the_end_is_dropped() {
        let html = "a<blockquote type=cite>b<div class=\"gmail_quote";
        let scan = scan(html);
        assert_eq!(scan.marks.len(), 1);
        assert_eq!(scan.marks[0].end, html.find("<div").unwrap());
        assert_eq!(texts(html, &scan), ["a", "b"]);
    }

    #[test]
    fn cut_closes_what_the_source_closes() {
        let html =
            "<html><body><div><p>keep</p><p>drop <b>me</b></p><!-- c --></div><br></body></html>";
        let s = scan(html);
        let out = cut(html, &s, html.find("<p>drop").unwrap()).unwrap();
        assert_eq!(out, "<html><body><div><p>keep</p></div></body></html>");
    }

    #[test]
    fn stray_end_tags_and_deep_nesting_stay_cheap() {
        let html = format!("{}{}", "<div>".repeat(20_000), "</span>".repeat(20_000));
        let s = scan(&html);
        assert!(s.closed.is_empty());
    }
}
