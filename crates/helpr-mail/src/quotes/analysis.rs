//! Where an HTML body's trailing quoted history starts, decided from what the scan found: the
//! quote-related elements ([`Mark`]s) and the visible text nodes ([`Node`]s), both with byte
//! offsets into the source. Pure data in, one byte offset (or nothing to cut) out; no HTML here.
//!
//! The model: text inside a reply quote (a quoting blockquote, an attribution, or anything after
//! the start of an Outlook reply header) is *quoted*; every other visible text is the author's.
//! The cut is the earliest quote start after the author's last text, so only trailing history
//! goes and inline replies stay. A forward found before any reply quote keeps the whole body.

use super::patterns::{self, HeaderKind, Separator};

/// The kinds of element the scan reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MarkKind {
    /// `div.gmail_quote`: Gmail's wrapper around attribution and quote; its own text is not quoted
    /// (Gmail puts inline replies there), but it is removed with a trailing quote.
    Wrapper,
    /// `blockquote.gmail_quote`, `blockquote[type=cite]` (Apple Mail, Thunderbird): quoted text.
    Quote,
    /// `div.gmail_attr`, `div.moz-cite-prefix`: the "On … wrote:" line before a quote.
    Attribution,
    /// `#divRplyFwdMsg`, `#appendonsend`: Outlook; it and everything after it is the earlier message.
    Outlook,
    /// Elements that only widen a cut made just inside them (Outlook's bordered header `div`,
    /// `hr`), so no empty shell is left behind.
    Anchor,
}

/// An element of interest: where its start tag begins and where the element ends (past its
/// end tag, or where it was closed implicitly).
#[derive(Debug, Clone)]
pub(super) struct Mark {
    pub kind: MarkKind,
    pub start: usize,
    pub end: usize,
}

/// A text node with something visible in it, with entities decoded and [`patterns::normalize`]d.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub start: usize,
    pub end: usize,
    pub norm: String,
}

/// A closed Wrapper, Quote or Attribution element.
#[derive(Debug)]
struct Region {
    kind: MarkKind,
    start: usize,
    end: usize,
    /// A reply attribution comes right before it (or opens it): a reply even if a forward follows.
    attributed: bool,
    forward: bool,
}

/// How many text nodes an attribution may span (Gmail and Apple split it around the address).
const ATTRIBUTION_NODES: usize = 4;
/// How many text nodes after an Outlook marker its header block may start.
const OUTLOOK_HEADER_WINDOW: usize = 12;

/// Returns the byte offset from which everything is trailing quoted history, or `None` when
/// nothing should be cut (no quote, a forward, inline replies only, or nothing would be left).
pub(super) fn find_cut(marks: &[Mark], nodes: &[Node]) -> Option<usize> {
    let mut regions: Vec<Region> = marks
        .iter()
        .filter(|m| {
            matches!(
                m.kind,
                MarkKind::Wrapper | MarkKind::Quote | MarkKind::Attribution
            )
        })
        .filter(|m| m.end > m.start)
        .map(|m| Region {
            kind: m.kind,
            start: m.start,
            end: m.end,
            attributed: false,
            forward: false,
        })
        .collect();
    regions.sort_by_key(|r| r.start);

    // Attributions: the text just before a quote, or the first text inside it.
    let mut quoted_spans: Vec<(usize, usize)> = Vec::new();
    for r in regions.iter_mut().filter(|r| r.kind == MarkKind::Quote) {
        let j = nodes.partition_point(|n| n.start < r.start);
        if let Some(k) = attribution_ending_at(nodes, j) {
            r.attributed = true;
            quoted_spans.push((nodes[j - k].start, nodes[j - 1].end));
        } else {
            r.attributed = attribution_starts_at(nodes, j, r.end);
        }
    }

    // Forwards: a region whose first text is a forward separator, unless it sits inside a reply
    // region (then it is quoted history that happened to be a forward).
    let mut open: Vec<(usize, bool)> = Vec::new(); // (end, is reply) of enclosing regions
    let mut replies_open = 0usize;
    let mut forward_at: Option<usize> = None;
    for r in regions.iter_mut() {
        while let Some(&(end, reply)) = open.last() {
            if end > r.start {
                break;
            }
            open.pop();
            replies_open -= usize::from(reply);
        }
        if replies_open == 0 && !r.attributed {
            let first = nodes[nodes.partition_point(|n| n.start < r.start)..]
                .first()
                .filter(|n| n.start < r.end);
            r.forward =
                first.is_some_and(|n| patterns::separator(&n.norm) == Some(Separator::Forward));
            if r.forward {
                forward_at = min_opt(forward_at, r.start);
            }
        }
        open.push((r.end, !r.forward));
        replies_open += usize::from(!r.forward);
    }
    quoted_spans.extend(
        regions
            .iter()
            .filter(|r| !r.forward && matches!(r.kind, MarkKind::Quote | MarkKind::Attribution))
            .map(|r| (r.start, r.end)),
    );
    let spans = merge(quoted_spans);
    let quoted = quoted_flags(nodes, &spans);

    // Outlook header blocks, separators and markers, in the author's text only.
    let norms: Vec<&str> = nodes.iter().map(|n| n.norm.as_str()).collect();
    let mut absorbed = vec![false; nodes.len()];
    let mut headers: Vec<(usize, usize, bool)> = Vec::new(); // (node index, start, forward)
    for i in (0..nodes.len()).filter(|&i| !quoted[i]) {
        let Some(kind) = patterns::header_at(&norms, i) else {
            continue;
        };
        let mut start = nodes[i].start;
        let mut forward = kind == HeaderKind::Forward;
        if i > 0 && !quoted[i - 1] {
            if let Some(sep) = patterns::separator(norms[i - 1]) {
                start = nodes[i - 1].start;
                absorbed[i - 1] = true;
                forward |= sep == Separator::Forward;
            }
        }
        headers.push((i, start, forward));
    }
    let mut reply_at: Option<usize> = None;
    for &(_, start, forward) in &headers {
        if forward {
            forward_at = min_opt(forward_at, start);
        } else {
            reply_at = min_opt(reply_at, start);
        }
    }
    for i in (0..nodes.len()).filter(|&i| !quoted[i] && !absorbed[i]) {
        if matches!(
            patterns::separator(norms[i]),
            Some(Separator::Forward | Separator::Original)
        ) {
            forward_at = min_opt(forward_at, nodes[i].start);
        }
    }
    for m in marks
        .iter()
        .filter(|m| m.kind == MarkKind::Outlook && !covered(&spans, m.start))
    {
        let first = nodes.partition_point(|n| n.start < m.start);
        let header = headers
            .get(headers.partition_point(|&(_, start, _)| start < m.start))
            .filter(|&&(i, _, _)| i < first + OUTLOOK_HEADER_WINDOW);
        match header {
            Some(&(_, _, true)) => forward_at = min_opt(forward_at, m.start),
            _ => reply_at = min_opt(reply_at, m.start),
        }
    }

    // A forward before any reply marker: the forwarded content stays, and so does the rest.
    if let Some(f) = forward_at {
        if reply_at.is_none_or(|s| f < s) {
            return None;
        }
    }

    // The author's last text before the reply header (after which everything is quoted).
    let outlook = reply_at.unwrap_or(usize::MAX);
    let authored = |i: usize| !quoted[i] && nodes[i].start < outlook;
    let last_authored = (0..nodes.len()).rev().find(|&i| authored(i))?;
    let after = nodes[last_authored].end;

    let cut = regions
        .iter()
        .filter(|r| !r.forward)
        .map(|r| r.start)
        .chain(quoted_spans_starts(nodes, &quoted, last_authored))
        .chain(reply_at)
        .filter(|&s| s >= after)
        .min()?;
    // Widen over markup that only opens the quote (nothing visible between).
    let cut = marks
        .iter()
        .map(|m| m.start)
        .filter(|&s| s >= after && s < cut)
        .min()
        .unwrap_or(cut);
    Some(cut)
}

/// The start of the first quoted node after the author's last text: catches attributions found
/// by their wording, which are not elements of their own.
fn quoted_spans_starts(nodes: &[Node], quoted: &[bool], last_authored: usize) -> Option<usize> {
    nodes[last_authored + 1..]
        .iter()
        .zip(&quoted[last_authored + 1..])
        .find(|(_, &q)| q)
        .map(|(n, _)| n.start)
}

/// If the nodes just before index `j` form a reply attribution, how many of them (the fewest).
fn attribution_ending_at(nodes: &[Node], j: usize) -> Option<usize> {
    let mut joined = String::new();
    for k in 1..=j.min(ATTRIBUTION_NODES) {
        let node = &nodes[j - k].norm;
        joined = if joined.is_empty() {
            node.clone()
        } else {
            format!("{node} {joined}")
        };
        if patterns::is_attribution(&joined) {
            return Some(k);
        }
    }
    None
}

/// Whether the first text nodes from index `j` (before `end`) form a reply attribution.
fn attribution_starts_at(nodes: &[Node], j: usize, end: usize) -> bool {
    let mut joined = String::new();
    for n in nodes[j..]
        .iter()
        .take_while(|n| n.start < end)
        .take(ATTRIBUTION_NODES)
    {
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(&n.norm);
        if patterns::is_attribution(&joined) {
            return true;
        }
    }
    false
}

/// Sorts half-open byte spans and merges the overlapping ones.
fn merge(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Whether `pos` lies inside one of the merged `spans`.
fn covered(spans: &[(usize, usize)], pos: usize) -> bool {
    let k = spans.partition_point(|&(_, e)| e <= pos);
    spans.get(k).is_some_and(|&(s, _)| s <= pos)
}

/// For each node, whether it lies inside one of the merged `spans`.
fn quoted_flags(nodes: &[Node], merged: &[(usize, usize)]) -> Vec<bool> {
    let mut k = 0;
    nodes
        .iter()
        .map(|n| {
            while k < merged.len() && merged[k].1 <= n.start {
                k += 1;
            }
            merged.get(k).is_some_and(|&(s, _)| s <= n.start)
        })
        .collect()
}

fn min_opt(a: Option<usize>, b: usize) -> Option<usize> {
    Some(a.map_or(b, |a| a.min(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(start: usize, text: &str) -> Node {
        Node {
            start,
            end: start + text.len(),
            norm: patterns::normalize(text),
        }
    }

    fn mark(kind: MarkKind, start: usize, end: usize) -> Mark {
        Mark { kind, start, end }
    }

    #[test]
    fn trailing_quote_is_cut_at_its_wrapper() {
        let marks = [
            mark(MarkKind::Wrapper, 20, 200),
            mark(MarkKind::Attribution, 30, 80),
            mark(MarkKind::Quote, 90, 190),
        ];
        let nodes = [
            node(0, "Reply"),
            node(40, "On Mon, Jane wrote:"),
            node(100, "quoted"),
        ];
        assert_eq!(find_cut(&marks, &nodes), Some(20));
    }

    #[test]
    fn quote_followed_by_author_text_stays() {
        let marks = [mark(MarkKind::Quote, 10, 50)];
        let nodes = [node(0, "a"), node(20, "quoted"), node(60, "answer")];
        assert_eq!(find_cut(&marks, &nodes), None);
    }

    #[test]
    fn attribution_found_by_wording_is_cut_with_its_quote() {
        let marks = [mark(MarkKind::Quote, 60, 90)];
        let nodes = [
            node(0, "Reply"),
            node(20, "On Mon, Jane <"),
            node(40, "> wrote:"),
            node(70, "q"),
        ];
        assert_eq!(find_cut(&marks, &nodes), Some(20));
    }

    #[test]
    fn quote_only_body_is_not_cut() {
        let marks = [mark(MarkKind::Quote, 0, 50)];
        let nodes = [node(10, "quoted")];
        assert_eq!(find_cut(&marks, &nodes), None);
    }

    #[test]
    fn spans_merge_and_flag_nodes() {
        let nodes = [node(0, "a"), node(10, "b"), node(20, "c"), node(40, "d")];
        let spans = merge(vec![(15, 30), (8, 12), (25, 35)]);
        assert_eq!(spans, [(8, 12), (15, 35)]);
        assert_eq!(quoted_flags(&nodes, &spans), [false, true, true, false]);
        assert!(covered(&spans, 8) && covered(&spans, 34) && !covered(&spans, 12));
    }
}
