//! The plain-text side of quote stripping: the trailing block of `>` lines with the attribution
//! line(s) above it ("On … wrote:", "Am … schrieb …:", "Le … a écrit :", "El … escribió:", possibly
//! wrapped over two or three lines), and an Outlook-style "From: … Sent: …" header block (optionally
//! under "-----Original Message-----" or a line of underscores) with everything after it.
//! A forward separator before any of these keeps the whole body.

use super::patterns::{self, HeaderKind, Separator};

/// How many lines a wrapped attribution may take.
const ATTRIBUTION_LINES: usize = 3;

struct Line<'a> {
    /// The line without its terminator.
    text: &'a str,
    /// Byte offset just past the line terminator.
    next: usize,
}

fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices('\n') {
        let body = &text[start..i];
        lines.push(Line {
            text: body.strip_suffix('\r').unwrap_or(body),
            next: i + 1,
        });
        start = i + 1;
    }
    if start < text.len() {
        lines.push(Line {
            text: &text[start..],
            next: text.len(),
        });
    }
    lines
}

fn is_quoted(line: &str) -> bool {
    line.trim_start_matches([' ', '\t']).starts_with('>')
}

/// The line without its quote markers (`> > text` gives `text`).
fn unquote(line: &str) -> &str {
    line.trim_start_matches(['>', ' ', '\t'])
}

fn is_significant_quote(line: &str) -> bool {
    patterns::is_significant(unquote(line))
}

/// Returns how many leading bytes of `text` to keep, or `None` when nothing is to be removed.
pub(super) fn strip(text: &str) -> Option<usize> {
    let lines = split_lines(text);
    // Normalized lines; quoted ones become ">" and blank ones "" so the matchers can skip them.
    let norms: Vec<String> = lines
        .iter()
        .map(|l| {
            if is_quoted(l.text) {
                ">".to_owned()
            } else {
                patterns::normalize(l.text)
            }
        })
        .collect();
    let quoted = |i: usize| norms[i] == ">";

    let limit = header_limit(&norms)?;

    // The trailing run of quoted (and blank) lines before the limit.
    let mut end = limit;
    while end > 0 && norms[end - 1].is_empty() {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && (quoted(start - 1) || norms[start - 1].is_empty()) {
        start -= 1;
    }
    while start < end && norms[start].is_empty() {
        start += 1;
    }
    // A quoted block that opens with a forward separator is a forward (Apple Mail quotes them).
    let head = lines[start..end]
        .iter()
        .find(|l| is_significant_quote(l.text));
    if head.is_some_and(|l| {
        patterns::separator(&patterns::normalize(unquote(l.text))) == Some(Separator::Forward)
    }) {
        return None;
    }
    let mut cut = if start < end { start } else { limit };
    if cut == lines.len() {
        return None;
    }
    if start < end {
        // The attribution above the quote (a blank line may separate them).
        let mut above = cut;
        while above > 0 && norms[above - 1].is_empty() {
            above -= 1;
        }
        let mut joined = String::new();
        for k in 1..=above.min(ATTRIBUTION_LINES) {
            let line = &norms[above - k];
            if line.is_empty() || quoted(above - k) {
                break;
            }
            joined = if joined.is_empty() {
                line.clone()
            } else {
                format!("{line} {joined}")
            };
            if patterns::is_attribution(&joined) {
                cut = above - k;
                break;
            }
        }
    }

    // Keep through the last non-blank line; a body that is only quotes stays as it is.
    if !(0..cut).any(|i| !quoted(i) && !norms[i].is_empty()) {
        return None;
    }
    let last = (0..cut).rev().find(|&i| !norms[i].is_empty())?;
    Some(lines[last].next)
}

/// Where the author's part ends at the latest: the first reply header block (with the separator
/// line right above it), or the end of the text. `None` when a forward comes first.
fn header_limit(norms: &[String]) -> Option<usize> {
    let next_non_blank = |i: usize| (i + 1..norms.len().min(i + 3)).find(|&k| !norms[k].is_empty());
    for i in 0..norms.len() {
        if norms[i].is_empty() || norms[i] == ">" {
            continue;
        }
        if let Some(kind) = patterns::header_at(norms, i) {
            let above = (i.saturating_sub(2)..i)
                .rev()
                .find(|&k| !norms[k].is_empty());
            let sep = above.and_then(|k| patterns::separator(&norms[k]).map(|s| (k, s)));
            if kind == HeaderKind::Forward || sep.is_some_and(|(_, s)| s == Separator::Forward) {
                return None;
            }
            return Some(sep.map_or(i, |(k, _)| k));
        }
        match patterns::separator(&norms[i]) {
            Some(Separator::Forward) => return None,
            // Outlook's "-----Original Message-----" above a header block: the block decides.
            Some(Separator::Original)
                if next_non_blank(i).is_some_and(|k| patterns::header_at(norms, k).is_some()) => {}
            // Thunderbird's forward separator.
            Some(Separator::Original) => return None,
            _ => {}
        }
    }
    Some(norms.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(text: &str) -> &str {
        strip(text).map_or(text, |n| &text[..n])
    }

    #[test]
    fn lines_keep_offsets_across_crlf() {
        let lines = split_lines("a\r\nb\n\nc");
        let texts: Vec<_> = lines.iter().map(|l| (l.text, l.next)).collect();
        assert_eq!(texts, [("a", 3), ("b", 5), ("", 6), ("c", 7)]);
    }

    #[test]
    fn trailing_quote_and_attribution_go() {
        let text =
            "Sounds good.\r\n\r\nOn Mon, 3 Mar 2024, Jane wrote:\r\n> old\r\n>\r\n> older\r\n";
        assert_eq!(kept(text), "Sounds good.\r\n");
    }

    #[test]
    fn edge_shapes() {
        assert_eq!(strip(""), None);
        assert_eq!(strip("\n\n"), None);
        assert_eq!(strip("> only\n> quote"), None);
        assert_eq!(kept("x\n>"), "x\n");
        assert_eq!(kept("x\n> a\ny\n> b\n\n"), "x\n> a\ny\n");
        assert_eq!(strip("From: a\nSent: b"), None);
    }
}
