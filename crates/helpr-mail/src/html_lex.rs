//! The lexical side of HTML shared by the linear passes that run before any tree is built (the
//! quote scan, the nesting cap): tag names, void and raw-text elements, comments, attributes
//! with quoted values, all as byte offsets into the source. It follows the HTML tokenizer where
//! offsets depend on it; it builds nothing.

use memchr::{memchr, memmem};

/// Tag names compared in lowercase; longer names keep their first bytes (only custom elements
/// are that long, and sharing a prefix merely changes which one an end tag closes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Name {
    len: u8,
    bytes: [u8; 22],
}

impl Name {
    pub(crate) fn new(raw: &[u8]) -> Self {
        let mut bytes = [0; 22];
        let len = raw.len().min(bytes.len());
        for (b, r) in bytes.iter_mut().zip(raw) {
            *b = r.to_ascii_lowercase();
        }
        Name {
            len: len as u8,
            bytes,
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// How deep below the top of the open-element stack an end tag looks for its element; bounds
/// the work on stray end tags in pathological input.
pub(crate) const MAX_MATCH_DEPTH: usize = 256;

pub(crate) const VOID: &[&[u8]] = &[
    b"area",
    b"base",
    b"basefont",
    b"bgsound",
    b"br",
    b"col",
    b"embed",
    b"frame",
    b"hr",
    b"img",
    b"input",
    b"keygen",
    b"link",
    b"meta",
    b"param",
    b"source",
    b"track",
    b"wbr",
];
/// Elements whose content is not markup, up to their end tag.
pub(crate) const RAW_TEXT: &[&[u8]] = &[
    b"script",
    b"style",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
    b"textarea",
    b"title",
];

pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Where a comment whose content starts at `from` ends (past `-->`, `--!>`, or an abrupt `>`).
pub(crate) fn comment_end(b: &[u8], from: usize) -> usize {
    if b.get(from) == Some(&b'>') {
        return from + 1;
    }
    if b[from.min(b.len())..].starts_with(b"->") {
        return from + 2;
    }
    let mut at = from;
    while let Some(i) = memmem::find(&b[at.min(b.len())..], b"--") {
        let dash = at + i;
        let rest = &b[dash + 2..];
        if rest.starts_with(b">") {
            return dash + 3;
        }
        if rest.starts_with(b"!>") {
            return dash + 4;
        }
        at = dash + 1;
    }
    b.len()
}

/// Reads a start tag's attributes from `at` to its closing `>`, handing each attribute's name
/// and value range to `on_attribute`; returns where the tag ends, `None` at end of input.
pub(crate) fn attributes(
    b: &[u8],
    mut at: usize,
    mut on_attribute: impl FnMut(&[u8], (usize, usize)),
) -> Option<usize> {
    loop {
        while at < b.len() && (is_space(b[at]) || b[at] == b'/') {
            at += 1;
        }
        if *b.get(at)? == b'>' {
            return Some(at + 1);
        }
        let name_start = at;
        at += 1; // the first character may be anything, even "="
        while at < b.len() && !is_space(b[at]) && !matches!(b[at], b'/' | b'>' | b'=') {
            at += 1;
        }
        let name = &b[name_start..at];
        while at < b.len() && is_space(b[at]) {
            at += 1;
        }
        if b.get(at) != Some(&b'=') {
            continue;
        }
        at += 1;
        while at < b.len() && is_space(b[at]) {
            at += 1;
        }
        let value = match *b.get(at)? {
            q @ (b'"' | b'\'') => {
                let close = at + 1 + memchr(q, &b[at + 1..])?;
                let v = (at + 1, close);
                at = close + 1;
                v
            }
            _ => {
                let start = at;
                while at < b.len() && !is_space(b[at]) && b[at] != b'>' {
                    at += 1;
                }
                (start, at)
            }
        };
        on_attribute(name, value);
    }
}

/// Where the raw-text element `tag` whose content starts at `from` ends (past its end tag).
pub(crate) fn raw_text_end(b: &[u8], from: usize, tag: &[u8]) -> usize {
    let mut at = from;
    while let Some(i) = memmem::find(&b[at..], b"</") {
        let name_at = at + i + 2;
        let name_end = name_at + tag.len();
        let ends_name = b
            .get(name_end)
            .is_none_or(|&c| is_space(c) || c == b'/' || c == b'>');
        if b.get(name_at..name_end)
            .is_some_and(|n| n.eq_ignore_ascii_case(tag))
            && ends_name
        {
            return memchr(b'>', &b[name_end..]).map_or(b.len(), |j| name_end + j + 1);
        }
        at = name_at;
    }
    b.len()
}

/// The name of the start tag whose `<` is at `lt`, and where the name ends.
pub(crate) fn start_tag_name(b: &[u8], lt: usize) -> (Name, usize) {
    let name_end = (lt + 1..b.len())
        .find(|&i| is_space(b[i]) || b[i] == b'/' || b[i] == b'>')
        .unwrap_or(b.len());
    (Name::new(&b[lt + 1..name_end]), name_end)
}

/// The end tag whose `</` is at `lt`: where its `>` is, and its name (`None` for `</>` or a
/// bogus comment like `</ x>`, which close nothing). `None` when the input ends first.
pub(crate) fn end_tag_at(b: &[u8], lt: usize) -> Option<(usize, Option<Name>)> {
    let gt = lt + memchr(b'>', &b[lt..])?;
    if !b.get(lt + 2).is_some_and(u8::is_ascii_alphabetic) {
        return Some((gt, None));
    }
    let name_end = (lt + 2..gt)
        .find(|&i| is_space(b[i]) || b[i] == b'/')
        .unwrap_or(gt);
    Some((gt, Some(Name::new(&b[lt + 2..name_end]))))
}

/// How far below the top of the open-element `names` the nearest one called `name` lies,
/// looking at most [`MAX_MATCH_DEPTH`] deep (stray end tags in pathological input stay cheap).
pub(crate) fn match_depth(
    names: impl DoubleEndedIterator<Item = Name>,
    name: Name,
) -> Option<usize> {
    names.rev().take(MAX_MATCH_DEPTH).position(|n| n == name)
}
