//! What a list call selects, shared by messages.list and threads.list (google-protocols.md
//! §2.3): `labelIds` (a message must carry all), `includeSpamTrash` (default false; SPAM and
//! TRASH also show when `labelIds` or `q` asks for them), `q` (Gmail search, [`super::search`]),
//! `maxResults` (default 100, clamped to 500) and `pageToken`, an opaque cursor of digits: the
//! sort key (internal date, id) of the last item served, so a page never repeats or skips
//! an item that was there before.

use super::mailbox::{Mailbox, StoredMessage};
use super::search::matcher::{Context, Facts};
use super::search::{self, Expr};
use super::Query;

const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 500;

/// A list call's parameters, checked.
#[derive(Debug)]
pub(crate) struct Listing {
    labels: Vec<String>,
    show_spam_trash: bool,
    search: Option<Expr>,
    pub(crate) page_size: usize,
    /// Serve only items that sort below this `(internal date, id)`.
    pub(crate) cursor: Option<(i64, String)>,
}

impl Listing {
    /// The parameters of `query`, or the 400's message.
    pub(crate) fn parse(query: &Query) -> Result<Self, String> {
        let include_spam_trash = query.flag("includeSpamTrash", false)?;
        let page_size = match query.one("maxResults") {
            None => DEFAULT_PAGE,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n >= 1 => n.min(MAX_PAGE),
                _ => return Err(format!("Invalid value at 'max_results' ({v})")),
            },
        };
        let cursor = match query.one("pageToken").filter(|t| !t.is_empty()) {
            None => None,
            Some(token) => Some(decode_token(token).ok_or("Invalid pageToken")?),
        };
        let search = match query.one("q").filter(|q| !q.trim().is_empty()) {
            None => None,
            Some(q) => Some(search::parse(q).map_err(|e| e.to_string())?),
        };
        let labels = query.all("labelIds");
        let show_spam_trash = include_spam_trash
            || labels.iter().any(|l| l == "SPAM" || l == "TRASH")
            || search.as_ref().is_some_and(Expr::reveals_spam_trash);
        Ok(Self {
            labels,
            show_spam_trash,
            search,
            page_size,
            cursor,
        })
    }

    /// Whether the call selects `m` (cursor aside).
    pub(crate) fn selects(&self, mailbox: &Mailbox, m: &StoredMessage, now_ms: i64) -> bool {
        if !self.labels.iter().all(|w| m.label_ids.contains(w)) {
            return false;
        }
        if !self.show_spam_trash && m.label_ids.iter().any(|l| l == "SPAM" || l == "TRASH") {
            return false;
        }
        self.search
            .as_ref()
            .is_none_or(|expr| expr.matches(m, &Facts::of(&m.raw), &Context { mailbox, now_ms }))
    }

    /// Whether an item with sort key `(date, id)` comes after the cursor.
    pub(crate) fn after_cursor(&self, date: i64, id: &str) -> bool {
        self.cursor
            .as_ref()
            .is_none_or(|(d, i)| (date, id) < (*d, i.as_str()))
    }
}

/// Digits only, like Google's: the internal date (20 digits, offset so it is never negative),
/// then the id as a decimal u64 (20 digits).
pub(crate) fn encode_token(date: i64, id: &str) -> String {
    let id = u64::from_str_radix(id, 16).expect("ids are hex");
    let date = (i128::from(date) - i128::from(i64::MIN)) as u128;
    format!("{date:020}{id:020}")
}

fn decode_token(token: &str) -> Option<(i64, String)> {
    if token.len() != 40 || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let date: u128 = token[..20].parse().ok()?;
    let id: u64 = token[20..].parse().ok()?;
    let date = i64::try_from(i128::try_from(date).ok()? + i128::from(i64::MIN)).ok()?;
    Some((date, format!("{id:016x}")))
}
