//! The Pub/Sub push side of `watch` (google-protocols.md §2.8, §3, §7 item 6): the hub that
//! every mailbox change reports to (under the mailbox's write lock, through the mailbox's
//! change sink), the watch it filters by, the fault knobs (drops, duplicates, reordering,
//! historyId form, pausing) and the counters; `sender` POSTs the notifications.
//!
//! Publishing happens synchronously with the change: whether a notification is dropped or
//! duplicated is drawn then (seeded splitmix64), so a test that changes a knob between two
//! changes knows which notification it applied to. Delivery is one background task, in
//! publication order (reversed per batch when reordering), each notification retried until
//! acknowledged.

mod sender;

use crate::gmail::{Change, Record};
use crate::pubsub::HistoryIdForm;
use crate::server::Emulator;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{mpsc, Notify};

pub(crate) use sender::run as run_sender;

/// The push-auth service account in tokens unless changed.
pub const DEFAULT_PUSH_SERVICE_ACCOUNT: &str = "gmail-push@helpr-emulator.iam.gserviceaccount.com";
/// The subscription named in push bodies.
pub const PUSH_SUBSCRIPTION: &str = "projects/helpr-emulator/subscriptions/gmail-push";
/// The seed of the drop/duplicate draws unless changed.
pub const DEFAULT_PUSH_SEED: u64 = 0x7075_7368;

/// A watch lasts seven days (Google: re-call at least every 7 days).
pub(crate) const WATCH_LIFETIME_MS: u64 = 7 * 24 * 3600 * 1000;

/// What `users.watch` asked for.
#[derive(Debug, Clone)]
pub(crate) struct Watch {
    pub(crate) label_ids: Vec<String>,
    /// `labelFilterBehavior`: `include` (true) or `exclude`.
    pub(crate) include: bool,
}

/// The watch in force and when it lapses (emulator clock, ms).
#[derive(Debug, Clone)]
pub(crate) struct Watching {
    watch: Watch,
    expires_ms: u64,
}

impl Watch {
    /// Whether a change to a message is one this watch reports.
    fn covers(&self, record: &Record) -> bool {
        if self.label_ids.is_empty() {
            return true;
        }
        let changed: &[String] = match &record.change {
            Change::LabelsAdded(l) | Change::LabelsRemoved(l) => l,
            Change::MessageAdded | Change::MessageDeleted => &[],
        };
        let touches = self
            .label_ids
            .iter()
            .any(|l| record.label_ids.contains(l) || changed.contains(l));
        touches == self.include
    }
}

/// One notification on its way.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) history_id: u64,
    pub(crate) message_id: String,
    pub(crate) publish_ms: u64,
    /// 1, or 2 for a duplicate delivery.
    pub(crate) copies: u32,
    pub(crate) form: HistoryIdForm,
}

#[derive(Debug)]
pub(crate) struct Settings {
    /// Endpoint URL and token audience.
    pub(crate) endpoint: Option<(String, String)>,
    pub(crate) service_account: String,
    pub(crate) watch: Option<Watching>,
    pub(crate) duplicate_rate: f64,
    pub(crate) drop_rate: f64,
    pub(crate) reorder: bool,
    pub(crate) paused: bool,
    pub(crate) form: HistoryIdForm,
    /// First retry delay and its cap.
    pub(crate) backoff: (Duration, Duration),
    /// Certificates (PEM) the sender trusts beside the public roots and the test CA: an
    /// endpoint's own, standing for a publicly trusted one.
    pub(crate) trusted: Vec<String>,
    rng: u64,
    next_message_id: u64,
}

/// The push hub: settings, the queue to the sender, counters.
#[derive(Debug)]
pub(crate) struct Hub {
    settings: Mutex<Settings>,
    queue: mpsc::UnboundedSender<Outgoing>,
    pub(crate) resumed: Notify,
    /// Told whenever a notification is done (acknowledged, or its endpoint cleared).
    pub(crate) finished_one: Notify,
    /// Notifications queued for delivery, and those done.
    published: AtomicUsize,
    pub(crate) finished: AtomicUsize,
    pub(crate) attempts: AtomicUsize,
    pub(crate) delivered: AtomicUsize,
    pub(crate) dropped: AtomicUsize,
}

impl Hub {
    /// A hub and the receiving end its sender task reads.
    pub(crate) fn new() -> (Self, mpsc::UnboundedReceiver<Outgoing>) {
        let (queue, rx) = mpsc::unbounded_channel();
        let hub = Self {
            settings: Mutex::new(Settings {
                endpoint: None,
                service_account: DEFAULT_PUSH_SERVICE_ACCOUNT.to_owned(),
                watch: None,
                duplicate_rate: 0.0,
                drop_rate: 0.0,
                reorder: false,
                paused: false,
                form: HistoryIdForm::Number,
                backoff: (Duration::from_millis(50), Duration::from_secs(2)),
                trusted: Vec::new(),
                rng: DEFAULT_PUSH_SEED,
                next_message_id: 2_070_443_601_311_540,
            }),
            queue,
            resumed: Notify::new(),
            finished_one: Notify::new(),
            published: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            attempts: AtomicUsize::new(0),
            delivered: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
        };
        (hub, rx)
    }

    pub(crate) fn settings(&self) -> MutexGuard<'_, Settings> {
        self.settings.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A mailbox change: published when a watch in force covers it.
    pub(crate) fn changed(&self, record: &Record, now_ms: u64) {
        let covered = self
            .settings()
            .watch
            .as_ref()
            .is_some_and(|w| now_ms < w.expires_ms && w.watch.covers(record));
        if covered {
            self.publish(record.id, now_ms);
        }
    }

    /// `users.watch` succeeded: remember it (for seven days) and publish the mailbox's
    /// current id at once. Its expiration.
    pub(crate) fn watch(&self, watch: Watch, history_id: u64, now_ms: u64) -> u64 {
        let expires_ms = now_ms + WATCH_LIFETIME_MS;
        self.settings().watch = Some(Watching { watch, expires_ms });
        self.publish(history_id, now_ms);
        expires_ms
    }

    /// `users.stop`: nothing new is published (what is queued is still delivered).
    pub(crate) fn stop(&self) {
        self.settings().watch = None;
    }

    fn publish(&self, history_id: u64, now_ms: u64) {
        let mut s = self.settings();
        if s.endpoint.is_none() {
            return;
        }
        let (drop_rate, duplicate_rate) = (s.drop_rate, s.duplicate_rate);
        if s.draw() < drop_rate {
            self.dropped.fetch_add(1, Ordering::SeqCst);
            return;
        }
        let copies = if s.draw() < duplicate_rate { 2 } else { 1 };
        s.next_message_id += 1;
        let outgoing = Outgoing {
            history_id,
            message_id: s.next_message_id.to_string(),
            publish_ms: now_ms,
            copies,
            form: s.form,
        };
        self.published.fetch_add(1, Ordering::SeqCst);
        // The receiver lives as long as the emulator.
        let _ = self.queue.send(outgoing);
    }
}

/// [`Emulator::trust_push_certificate`] was given no PEM certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushTrustError;

impl std::fmt::Display for PushTrustError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no PEM certificate to trust for push")
    }
}

impl std::error::Error for PushTrustError {}

impl Settings {
    /// A uniform draw in `[0, 1)`.
    fn draw(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Emulator {
    /// Where notifications go (`http` or `https`; the emulator's sender trusts the public
    /// roots and the test CA) and the token's `aud` (Pub/Sub's default is the endpoint URL).
    /// Nothing is sent before a `watch`.
    pub fn set_push_endpoint(&self, url: &str, audience: &str) {
        self.hub().settings().endpoint = Some((url.to_owned(), audience.to_owned()));
    }

    /// Trusts `pem` (a CA or a self-signed certificate) for HTTPS endpoints from the next
    /// delivery attempt on. Pub/Sub pushes only to endpoints whose certificate chains to a
    /// public root; a test endpoint with its own certificate (a team server's self-signed
    /// one, say) stands for such an endpoint by being trusted here. A PEM that does not parse
    /// is refused.
    pub fn trust_push_certificate(&self, pem: &str) -> Result<(), PushTrustError> {
        if reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_or(true, |c| c.is_empty()) {
            return Err(PushTrustError);
        }
        self.hub().settings().trusted.push(pem.to_owned());
        Ok(())
    }

    /// No endpoint: notifications are not published.
    pub fn clear_push_endpoint(&self) {
        self.hub().settings().endpoint = None;
    }

    /// The `email` of push tokens (default [`DEFAULT_PUSH_SERVICE_ACCOUNT`]).
    pub fn set_push_service_account(&self, email: &str) {
        self.hub().settings().service_account = email.to_owned();
    }

    /// Fault knob: the share (0.0..=1.0) of notifications delivered twice.
    pub fn set_push_duplicate_rate(&self, rate: f64) {
        self.hub().settings().duplicate_rate = rate.clamp(0.0, 1.0);
    }

    /// Fault knob: the share (0.0..=1.0) of notifications never delivered (Gmail drops some,
    /// §3.4).
    pub fn set_push_drop_rate(&self, rate: f64) {
        self.hub().settings().drop_rate = rate.clamp(0.0, 1.0);
    }

    /// Fault knob: deliver each batch (what queued while the sender was busy or paused) in
    /// reverse order.
    pub fn set_push_reorder(&self, on: bool) {
        self.hub().settings().reorder = on;
    }

    /// `historyId` in `message.data` as a JSON number (default, as observed) or string (as
    /// Google's guide shows), for notifications published from now on.
    pub fn set_push_history_id_form(&self, form: HistoryIdForm) {
        self.hub().settings().form = form;
    }

    /// Seeds the drop and duplicate draws.
    pub fn set_push_seed(&self, seed: u64) {
        self.hub().settings().rng = seed;
    }

    /// Redelivery backoff: the first retry waits `initial`, each next one twice as long, up
    /// to `max` (default 50 ms and 2 s).
    pub fn set_push_backoff(&self, initial: Duration, max: Duration) {
        self.hub().settings().backoff = (initial, max.max(initial));
    }

    /// Holds deliveries: notifications queue until [`Emulator::resume_push`], which sends
    /// them as one batch.
    pub fn pause_push(&self) {
        self.hub().settings().paused = true;
    }

    pub fn resume_push(&self) {
        self.hub().settings().paused = false;
        self.hub().resumed.notify_one();
    }

    /// Waits until every notification published so far is done: acknowledged by the endpoint
    /// (every copy) or abandoned because the endpoint was cleared. Counters read afterwards
    /// are exact. Never returns while the endpoint keeps refusing, or while paused with
    /// something queued.
    pub async fn push_idle(&self) {
        let hub = self.hub();
        loop {
            let finished = hub.finished_one.notified();
            tokio::pin!(finished);
            finished.as_mut().enable();
            if hub.finished.load(Ordering::SeqCst) >= hub.published.load(Ordering::SeqCst) {
                return;
            }
            finished.await;
        }
    }

    /// A `watch` as if another client had called it (label filter `include` over
    /// `label_ids`, empty = every change): publishes the current history id at once, as the
    /// endpoint does. Returns that id.
    pub fn watch_mailbox(&self, label_ids: &[&str]) -> u64 {
        let mailbox = self.mailbox();
        let history_id = mailbox.history_id();
        let watch = Watch {
            label_ids: label_ids.iter().map(|l| (*l).to_owned()).collect(),
            include: true,
        };
        self.hub()
            .watch(watch, history_id, self.state.oauth.clock.now_ms());
        history_id
    }

    /// Whether a `watch` is in force (no `stop` since, not expired on the emulator clock).
    pub fn watch_active(&self) -> bool {
        self.watch_expiration().is_some()
    }

    /// The expiration (epoch ms, emulator clock) of the watch in force, as `users.watch`
    /// answered it: a renewal moves it.
    pub fn watch_expiration(&self) -> Option<u64> {
        let now = self.state.oauth.clock.now_ms();
        self.hub()
            .settings()
            .watch
            .as_ref()
            .map(|w| w.expires_ms)
            .filter(|expires| now < *expires)
    }

    /// POSTs made to the endpoint, retries and duplicates included.
    pub fn push_attempts(&self) -> usize {
        self.hub().attempts.load(Ordering::SeqCst)
    }

    /// POSTs the endpoint acknowledged (102, 200, 201, 202, 204).
    pub fn push_delivered(&self) -> usize {
        self.hub().delivered.load(Ordering::SeqCst)
    }

    /// Notifications the drop knob discarded.
    pub fn push_dropped(&self) -> usize {
        self.hub().dropped.load(Ordering::SeqCst)
    }

    fn hub(&self) -> &Hub {
        &self.state.push
    }
}
