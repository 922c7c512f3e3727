//! A cap on element nesting, applied in one linear pass before any HTML parser sees a body.
//!
//! html5ever's tree builder (inside ammonia, and so inside every sanitize) checks "is there a
//! `p` in button scope" and similar for each start tag by walking the stack of open elements, so
//! `<div>` nested n deep costs n² steps: 100,000 levels took 48 s, and any sender could stall an
//! inbox's import with one message. Browsers cap the depth their parser builds (Blink at 512)
//! and attach deeper elements to the element at the cap; [`cap_depth`] does the same on the
//! source: start tags that would open an element deeper than [`MAX_DEPTH`] are left out with
//! their end tags, and their content stays, one level up. Input under the cap is returned
//! unchanged (borrowed), which is every real message.

use std::borrow::Cow;

use memchr::memchr;

use crate::html_lex::{
    attributes, comment_end, end_tag_at, match_depth, raw_text_end, start_tag_name, Name, RAW_TEXT,
    VOID,
};

/// The deepest element kept, as Blink's HTML parser caps it.
pub const MAX_DEPTH: usize = 512;

struct Open {
    name: Name,
    /// Left out: opened beyond the cap.
    dropped: bool,
}

/// `html` with no element nested deeper than `max` (see the module documentation).
pub fn cap_depth(html: &str, max: usize) -> Cow<'_, str> {
    let b = html.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    // Byte ranges of the tags left out, in order.
    let mut drop: Vec<(usize, usize)> = Vec::new();
    let mut pos = 0;
    while let Some(lt) = memchr(b'<', &b[pos..]).map(|i| pos + i) {
        pos = match b.get(lt + 1).copied() {
            Some(c) if c.is_ascii_alphabetic() => {
                let (name, name_end) = start_tag_name(b, lt);
                let Some(end) = attributes(b, name_end, |_, _| {}) else {
                    break; // the input ends inside a tag
                };
                let tag = name.as_bytes();
                if VOID.contains(&tag) {
                    end
                } else if tag == b"plaintext" {
                    b.len()
                } else if RAW_TEXT.contains(&tag) {
                    raw_text_end(b, end, tag)
                } else {
                    let dropped = stack.len() >= max;
                    if dropped {
                        drop.push((lt, end));
                    }
                    stack.push(Open { name, dropped });
                    end
                }
            }
            Some(b'/') => {
                let Some((gt, name)) = end_tag_at(b, lt) else {
                    break;
                };
                if let Some(name) = name {
                    if let Some(depth) = match_depth(stack.iter().map(|o| o.name), name) {
                        stack.truncate(stack.len() - depth);
                        if stack.pop().is_some_and(|o| o.dropped) {
                            drop.push((lt, gt + 1));
                        }
                    }
                }
                gt + 1
            }
            Some(b'!') if b[lt + 2..].starts_with(b"--") => comment_end(b, lt + 4),
            Some(b'!' | b'?') => memchr(b'>', &b[lt..]).map_or(b.len(), |i| lt + i + 1),
            _ => lt + 1, // a lone "<" is text
        };
    }
    if drop.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut from = 0;
    for (start, end) in drop {
        out.push_str(&html[from..start]);
        from = end;
    }
    out.push_str(&html[from..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(tag: &str, n: usize, inner: &str) -> String {
        format!(
            "{}{inner}{}",
            format!("<{tag}>").repeat(n),
            format!("</{tag}>").repeat(n)
        )
    }

    #[test]
    fn input_under_the_cap_is_returned_as_it_is() {
        let html = nested(
            "div",
            511,
            "<p>x<br>y</p><!-- <div> --><script>'<div>'</script>",
        );
        assert!(matches!(cap_depth(&html, MAX_DEPTH), Cow::Borrowed(_)));
    }

    #[test]
    fn elements_past_the_cap_go_and_their_content_stays() {
        assert_eq!(
            cap_depth(&nested("div", 5, "x"), 3),
            "<div><div><div>x</div></div></div>"
        );
        // Attributes and mixed tags: only the tags past the cap go, the text between them stays.
        assert_eq!(
            cap_depth(
                "<div id=a><blockquote type=cite>one<span class='>'>two</span>three</blockquote></div>",
                2
            ),
            "<div id=a><blockquote type=cite>onetwothree</blockquote></div>"
        );
        // Siblings past the cap each go; what follows at a shallower level is kept.
        assert_eq!(
            cap_depth("<b><i><u>1</u><u>2</u></i></b><p>3</p>", 2),
            "<b><i>12</i></b><p>3</p>"
        );
    }

    #[test]
    fn unclosed_and_stray_tags_do_not_confuse_the_count() {
        // End tags close what was opened inside the element they match, as the tree builder does.
        assert_eq!(
            cap_depth("<div><span><i></div><div>x</div>", 2),
            "<div><span></div><div>x</div>"
        );
        assert_eq!(cap_depth("</p></div>text", 1), "</p></div>text");
        // Void and raw-text elements do not nest.
        let flat = "<div><img src=a><br><input><style><div><div></style>x</div>";
        assert_eq!(cap_depth(flat, 1), flat);
    }

    #[test]
    fn the_pass_is_linear_in_the_depth_it_removes() {
        // 200,000 levels come out as the cap's 512 (the bench times it: `bench hostile`).
        let html = nested("div", 200_000, "x");
        let capped = cap_depth(&html, MAX_DEPTH);
        assert_eq!(capped, nested("div", MAX_DEPTH, "x"));
    }
}
