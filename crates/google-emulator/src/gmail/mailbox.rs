//! The one account's mailbox behind the Gmail endpoints: messages (Gmail-shaped ids, thread,
//! labels, internal date, raw bytes, snippet), user labels, the history id counter, seeding from
//! raw messages or a Maildir, the changes that write history (add, delete, label changes,
//! label creation; records in [`super::history`]) and the approximate threading of incoming
//! mail.
//!
//! Threading (google-protocols.md §5 calls Gmail's rules for incoming mail unconfirmed): a message
//! joins the thread of a message it names in `In-Reply-To`/`References` when their subjects match
//! once `Re:`/`Fwd:` prefixes are stripped (case-insensitively); failing that, a reply-looking subject (`Re:`, `Fwd:`)
//! joins the newest thread with the same stripped subject; otherwise it starts a thread whose id
//! is its own id. Seeds are inserted oldest first, so parents come before replies.

use super::history::{Change, Record};
use mail_parser::{HeaderValue, MessageParser};
use std::collections::HashMap;
use std::path::Path;

/// System labels: id (= name), `messageListVisibility`, `labelListVisibility`. Visibility
/// values per system label are unconfirmed (§5); `None` omits the field.
pub(crate) const SYSTEM_LABELS: &[(&str, Option<&str>, Option<&str>)] = &[
    ("CHAT", Some("hide"), Some("labelHide")),
    ("SENT", None, None),
    ("INBOX", Some("hide"), Some("labelShow")),
    ("IMPORTANT", None, None),
    ("TRASH", Some("hide"), Some("labelHide")),
    ("DRAFT", None, None),
    ("SPAM", Some("hide"), Some("labelHide")),
    ("CATEGORY_FORUMS", None, None),
    ("CATEGORY_UPDATES", None, None),
    ("CATEGORY_PERSONAL", None, None),
    ("CATEGORY_PROMOTIONS", None, None),
    ("CATEGORY_SOCIAL", None, None),
    ("STARRED", None, None),
    ("UNREAD", None, None),
];

/// A message as the mailbox holds it.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    /// 16 lowercase hex digits.
    pub id: String,
    pub thread_id: String,
    pub label_ids: Vec<String>,
    /// Milliseconds since the epoch.
    pub internal_date: i64,
    /// The history id of the last change to this message.
    pub history_id: u64,
    pub raw: Vec<u8>,
    pub snippet: String,
    /// What threading looks at.
    pub(crate) message_id: Option<String>,
    pub(crate) base_subject: String,
}

/// A user label.
#[derive(Debug, Clone)]
pub struct UserLabel {
    /// `Label_<n>`.
    pub id: String,
    pub name: String,
}

/// Told of every history record as it is written (the push hub listens here).
#[derive(Clone)]
pub(crate) struct ChangeSink(pub(crate) std::sync::Arc<SinkFn>);

/// The sink's callback: the record just written and its time (ms).
pub(crate) type SinkFn = dyn Fn(&Record, u64) + Send + Sync;

impl std::fmt::Debug for ChangeSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeSink")
    }
}

/// The mailbox.
#[derive(Debug)]
pub struct Mailbox {
    sink: Option<ChangeSink>,
    messages: HashMap<String, StoredMessage>,
    labels: Vec<UserLabel>,
    history_id: u64,
    next_seq: u64,
    history: Vec<Record>,
    /// `startHistoryId` below this answers 404; records at or below it are gone.
    floor: u64,
    /// splitmix64 state for the history id steps.
    rng: u64,
}

/// Why a label was not created.
#[derive(Debug, PartialEq, Eq)]
pub enum LabelConflict {
    /// A user label has the name, or it is a system label's.
    Exists,
}

impl Default for Mailbox {
    fn default() -> Self {
        Self {
            sink: None,
            messages: HashMap::new(),
            labels: Vec::new(),
            // Real mailboxes start far from zero; any positive start will do.
            history_id: 1000,
            next_seq: 0,
            history: Vec::new(),
            floor: 1000,
            rng: DEFAULT_HISTORY_SEED,
        }
    }
}

/// The seed of the history id steps unless [`Mailbox::set_history_seed`] says otherwise.
pub const DEFAULT_HISTORY_SEED: u64 = 0x005e_ed0f_4e11;

impl Mailbox {
    /// Reports every record from now on to `sink`.
    pub(crate) fn set_sink(&mut self, sink: ChangeSink) {
        self.sink = Some(sink);
    }

    /// Seeds the 1..=3 steps between history ids.
    pub fn set_history_seed(&mut self, seed: u64) {
        self.rng = seed;
    }

    /// The next history id: the counter moves by a seeded 1..=3, so ids have gaps.
    fn next_history_id(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        self.history_id += 1 + z % 3;
        self.history_id
    }

    /// Writes a record for `message` (after the change) and stamps it with the record's id.
    fn record(&mut self, id: &str, change: Change, now_ms: i64) {
        let history_id = self.next_history_id();
        let Some(m) = self.messages.get_mut(id) else {
            return;
        };
        m.history_id = history_id;
        let record = Record {
            id: history_id,
            at_ms: u64::try_from(now_ms).unwrap_or(0),
            message_id: m.id.clone(),
            thread_id: m.thread_id.clone(),
            label_ids: m.label_ids.clone(),
            change,
        };
        if let Some(sink) = &self.sink {
            (sink.0)(&record, record.at_ms);
        }
        self.history.push(record);
    }

    /// History records, oldest first.
    pub fn history(&self) -> &[Record] {
        &self.history
    }

    /// The retention floor: `startHistoryId` below it answers 404.
    pub fn history_floor(&self) -> u64 {
        self.floor
    }

    /// Raises the floor to `floor` (never lowers it) and forgets the records it covers.
    pub fn set_history_floor(&mut self, floor: u64) {
        self.floor = self.floor.max(floor);
        let f = self.floor;
        self.history.retain(|r| r.id > f);
    }

    /// Forgets records written before `cutoff_ms` on the emulator's clock; the floor becomes
    /// the newest forgotten id.
    pub fn expire_history_before(&mut self, cutoff_ms: u64) {
        if let Some(newest) = self
            .history
            .iter()
            .filter(|r| r.at_ms < cutoff_ms)
            .map(|r| r.id)
            .max()
        {
            self.set_history_floor(newest);
        }
    }

    /// Adds and removes labels (`add` first); one record per direction that changed
    /// something. `None` for an unknown message.
    pub fn modify(
        &mut self,
        id: &str,
        add: &[String],
        remove: &[String],
        now_ms: i64,
    ) -> Option<()> {
        let m = self.messages.get_mut(id)?;
        let mut added = Vec::new();
        for l in add {
            if !m.label_ids.contains(l) && !added.contains(l) {
                m.label_ids.push(l.clone());
                added.push(l.clone());
            }
        }
        let mut removed = Vec::new();
        for l in remove {
            if let Some(i) = m.label_ids.iter().position(|x| x == l) {
                m.label_ids.remove(i);
                removed.push(l.clone());
            }
        }
        if !added.is_empty() {
            self.record(id, Change::LabelsAdded(added), now_ms);
        }
        if !removed.is_empty() {
            self.record(id, Change::LabelsRemoved(removed), now_ms);
        }
        Some(())
    }

    /// Deletes a message for good (a `messagesDeleted` record). `false` for an unknown id.
    pub fn delete(&mut self, id: &str, now_ms: i64) -> bool {
        if !self.messages.contains_key(id) {
            return false;
        }
        self.record(id, Change::MessageDeleted, now_ms);
        self.messages.remove(id);
        true
    }

    /// The current history id.
    pub fn history_id(&self) -> u64 {
        self.history_id
    }

    pub fn get(&self, id: &str) -> Option<&StoredMessage> {
        self.messages.get(id)
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// How many distinct threads hold messages.
    pub fn threads_total(&self) -> usize {
        let mut threads: Vec<&str> = self
            .messages
            .values()
            .map(|m| m.thread_id.as_str())
            .collect();
        threads.sort_unstable();
        threads.dedup();
        threads.len()
    }

    pub fn user_labels(&self) -> &[UserLabel] {
        &self.labels
    }

    /// Creates a user label (`Label_<n>`), or returns the id of the one named `name`.
    pub fn create_label(&mut self, name: &str) -> String {
        if let Some(label) = self
            .labels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
        {
            return label.id.clone();
        }
        // Not a user label's name, so a conflict is a system label's, whose id is its name.
        self.new_label(name)
            .unwrap_or_else(|_| name.to_ascii_uppercase())
    }

    /// labels.create: a new user label, refused when a user label has the name (any case) or
    /// it is a system label's. Moves the history counter without a record.
    pub fn new_label(&mut self, name: &str) -> Result<String, LabelConflict> {
        let taken = self
            .labels
            .iter()
            .any(|l| l.name.eq_ignore_ascii_case(name))
            || SYSTEM_LABELS
                .iter()
                .any(|(s, _, _)| s.eq_ignore_ascii_case(name));
        if taken {
            return Err(LabelConflict::Exists);
        }
        let id = format!("Label_{}", self.labels.len() + 1);
        self.labels.push(UserLabel {
            id: id.clone(),
            name: name.to_owned(),
        });
        self.next_history_id();
        Ok(id)
    }

    /// Whether `id` names a system or user label.
    pub fn label_exists(&self, id: &str) -> bool {
        SYSTEM_LABELS.iter().any(|(s, _, _)| *s == id) || self.labels.iter().any(|l| l.id == id)
    }

    /// Every message, newest first (internal date, then id, both descending).
    pub fn newest_first(&self) -> Vec<&StoredMessage> {
        let mut all: Vec<&StoredMessage> = self.messages.values().collect();
        all.sort_by(|a, b| sort_key(b).cmp(&sort_key(a)));
        all
    }

    /// The messages of thread `thread_id`, oldest first (empty for an unknown thread).
    pub fn thread(&self, thread_id: &str) -> Vec<&StoredMessage> {
        let mut messages: Vec<&StoredMessage> = self
            .messages
            .values()
            .filter(|m| m.thread_id == thread_id)
            .collect();
        messages.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        messages
    }

    /// Seeds `raw` messages with the default labels (`INBOX` + `UNREAD`, or `SENT` when `From`
    /// is `account`); returns their ids in the order given. Inserted oldest first so replies
    /// find their parents.
    pub fn seed(&mut self, account: &str, raw: Vec<Vec<u8>>, now_ms: i64) -> Vec<String> {
        let mut parsed: Vec<(usize, Parsed)> = raw
            .into_iter()
            .map(|bytes| parse(bytes, now_ms))
            .enumerate()
            .collect();
        parsed.sort_by_key(|(i, p)| (p.internal_date, *i));
        let mut ids = vec![String::new(); parsed.len()];
        for (i, p) in parsed {
            let labels = if p
                .from
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case(account))
            {
                vec!["SENT".to_owned()]
            } else {
                vec!["INBOX".to_owned(), "UNREAD".to_owned()]
            };
            ids[i] = self.insert(p, labels, now_ms, Threading::Incoming);
        }
        ids
    }

    /// Adds one message carrying exactly `label_ids`; returns its id.
    pub fn add(&mut self, raw: Vec<u8>, label_ids: &[&str], now_ms: i64) -> String {
        let labels = label_ids.iter().map(|l| (*l).to_owned()).collect();
        self.insert(parse(raw, now_ms), labels, now_ms, Threading::Incoming)
    }

    /// Adds a message the account sent (SMTP), labelled `SENT`, dated now (the submission
    /// time, as Gmail stamps sent mail). It joins a thread only by the documented rule
    /// (§5): its `In-Reply-To`/`References` name a message here with the same stripped
    /// subject; otherwise it starts one. Returns its id.
    pub fn add_sent(&mut self, raw: Vec<u8>, now_ms: i64) -> String {
        self.add_sent_to(raw, None, now_ms)
    }

    /// [`Mailbox::add_sent`] for messages.send: with `thread_id`, the message joins that
    /// thread only when the reference rule finds its parent there (Gmail's three conditions:
    /// the `threadId`, the references, the subject); otherwise it starts a thread.
    pub fn add_sent_to(&mut self, raw: Vec<u8>, thread_id: Option<&str>, now_ms: i64) -> String {
        let mut p = parse(raw, now_ms);
        p.internal_date = now_ms;
        let threading = match thread_id {
            Some(t) => Threading::InThread(t.to_owned()),
            None => Threading::ByReference,
        };
        self.insert(p, vec!["SENT".to_owned()], now_ms, threading)
    }

    fn insert(
        &mut self,
        p: Parsed,
        label_ids: Vec<String>,
        now_ms: i64,
        threading: Threading,
    ) -> String {
        let id = self.new_id(p.internal_date);
        let thread_id = self
            .thread_for(&p, &threading)
            .unwrap_or_else(|| id.clone());
        self.messages.insert(
            id.clone(),
            StoredMessage {
                id: id.clone(),
                thread_id,
                label_ids,
                internal_date: p.internal_date,
                history_id: 0,
                raw: p.raw,
                snippet: p.snippet,
                message_id: p.message_id,
                base_subject: p.base_subject,
            },
        );
        self.record(&id, Change::MessageAdded, now_ms);
        id
    }

    /// Observed Gmail ids are the receipt time in ms shifted left by 20 bits plus a counter,
    /// in hex; so are these, which keeps ids roughly time-ordered like Google's.
    fn new_id(&mut self, internal_date: i64) -> String {
        loop {
            self.next_seq += 1;
            let ms = u64::try_from(internal_date).unwrap_or(0) & ((1 << 44) - 1);
            let id = format!("{:016x}", (ms << 20) | (self.next_seq & 0xf_ffff));
            if !self.messages.contains_key(&id) {
                return id;
            }
        }
    }

    fn thread_for(&self, p: &Parsed, threading: &Threading) -> Option<String> {
        let within = match threading {
            Threading::InThread(t) => Some(t.as_str()),
            _ => None,
        };
        let by_reference = p.references.iter().rev().find_map(|r| {
            self.messages.values().find(|m| {
                m.message_id.as_deref() == Some(r)
                    && m.base_subject == p.base_subject
                    && within.is_none_or(|t| m.thread_id == t)
            })
        });
        if let Some(parent) = by_reference {
            return Some(parent.thread_id.clone());
        }
        if *threading != Threading::Incoming || !p.reply_subject || p.base_subject.is_empty() {
            return None;
        }
        self.messages
            .values()
            .filter(|m| m.base_subject == p.base_subject)
            .max_by_key(|m| sort_key(m))
            .map(|m| m.thread_id.clone())
    }
}

/// Which threading rule a new message gets.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Threading {
    /// References with a matching subject, else a `Re:` subject's newest namesake.
    Incoming,
    /// References with a matching subject only.
    ByReference,
    /// References with a matching subject, to a message of this thread only.
    InThread(String),
}

fn sort_key(m: &StoredMessage) -> (i64, &str) {
    (m.internal_date, m.id.as_str())
}

struct Parsed {
    raw: Vec<u8>,
    internal_date: i64,
    snippet: String,
    from: Option<String>,
    message_id: Option<String>,
    references: Vec<String>,
    base_subject: String,
    reply_subject: bool,
}

/// What the mailbox keeps from a message's headers. `Date:` gives the internal date (as for
/// imported mail); without one, `now_ms`.
fn parse(raw: Vec<u8>, now_ms: i64) -> Parsed {
    let message = MessageParser::default().parse(&raw);
    let Some(message) = message else {
        return Parsed {
            raw,
            internal_date: now_ms,
            snippet: String::new(),
            from: None,
            message_id: None,
            references: Vec::new(),
            base_subject: String::new(),
            reply_subject: false,
        };
    };
    let internal_date = message
        .date()
        .map(|d| d.to_timestamp().saturating_mul(1000))
        .unwrap_or(now_ms);
    let from = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(str::to_owned);
    let mut references = ids_of(message.references());
    for id in ids_of(message.in_reply_to()) {
        if !references.contains(&id) {
            references.push(id);
        }
    }
    let subject = message.subject().unwrap_or_default();
    let stripped = base_subject(subject);
    let reply_subject = stripped.len() < subject.trim().len();
    let base_subject = stripped.to_lowercase();
    let snippet = snippet(message.body_preview(400).as_deref().unwrap_or_default());
    let message_id = message.message_id().map(str::to_owned);
    drop(message);
    Parsed {
        raw,
        internal_date,
        snippet,
        from,
        message_id,
        references,
        base_subject,
        reply_subject,
    }
}

fn ids_of(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(list) => list.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// The subject with leading `Re:`/`Fwd:`/`Fw:` prefixes (any case, repeated) removed.
pub(crate) fn base_subject(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.to_ascii_lowercase();
        let Some(rest) = ["re:", "fwd:", "fw:"]
            .iter()
            .find(|p| lower.starts_with(*p))
            .map(|p| &s[p.len()..])
        else {
            return s.to_owned();
        };
        s = rest.trim_start();
    }
}

/// The first 200 characters of the text, whitespace collapsed. (Gmail HTML-escapes its
/// snippets; this one is plain text.)
fn snippet(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(200).collect()
}

/// Every file of `dir/cur` and `dir/new` (either may be missing), ordered by file name.
/// Maildir flags are not read: seeded messages get the default labels.
pub fn read_maildir(dir: &Path) -> std::io::Result<Vec<Vec<u8>>> {
    let mut files = Vec::new();
    for sub in ["cur", "new"] {
        let entries = match std::fs::read_dir(dir.join(sub)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    files.into_iter().map(std::fs::read).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, subject: &str, date: &str, refs: &str) -> Vec<u8> {
        format!(
            "From: a@example.org\r\nTo: user@example.com\r\nSubject: {subject}\r\nDate: {date}\r\n\
             Message-ID: <{id}>\r\n{refs}\r\nbody of {id}\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn replies_join_the_thread_they_reference_and_strangers_do_not() {
        let mut mb = Mailbox::default();
        let ids = mb.seed(
            "user@example.com",
            vec![
                msg(
                    "b@x",
                    "Re: Plan",
                    "Tue, 2 Jan 2024 10:00:00 +0000",
                    "In-Reply-To: <a@x>\r\n",
                ),
                msg("a@x", "Plan", "Mon, 1 Jan 2024 10:00:00 +0000", ""),
                msg("c@x", "Plan", "Wed, 3 Jan 2024 10:00:00 +0000", ""),
                msg("d@x", "RE: plan", "Thu, 4 Jan 2024 10:00:00 +0000", ""),
                msg(
                    "e@x",
                    "Other",
                    "Fri, 5 Jan 2024 10:00:00 +0000",
                    "References: <a@x>\r\n",
                ),
            ],
            0,
        );
        let thread = |i: usize| mb.get(&ids[i]).unwrap().thread_id.clone();
        assert_eq!(thread(1), ids[1], "a thread's first message names it");
        assert_eq!(thread(0), ids[1], "In-Reply-To with the same subject joins");
        assert_eq!(
            thread(2),
            ids[2],
            "the same subject without Re: starts a thread"
        );
        assert_eq!(
            thread(3),
            ids[2],
            "a Re: subject joins the newest same-subject thread"
        );
        assert_eq!(
            thread(4),
            ids[4],
            "a reference with another subject does not join"
        );
        assert_eq!(mb.threads_total(), 3);
    }

    #[test]
    fn ids_are_16_hex_digits_and_follow_time() {
        let mut mb = Mailbox::default();
        let ids = mb.seed(
            "user@example.com",
            vec![
                msg("2@x", "b", "Tue, 2 Jan 2024 10:00:00 +0000", ""),
                msg("1@x", "a", "Mon, 1 Jan 2024 10:00:00 +0000", ""),
            ],
            0,
        );
        for id in &ids {
            assert_eq!(id.len(), 16);
            assert!(id
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        }
        assert!(ids[0] > ids[1]);
        assert_eq!(mb.get(&ids[1]).unwrap().internal_date, 1_704_103_200_000);
    }

    #[test]
    fn base_subject_strips_stacked_prefixes() {
        assert_eq!(base_subject("Re: FWD: re:Plan "), "Plan");
        assert_eq!(base_subject("Regarding"), "Regarding");
    }
}
