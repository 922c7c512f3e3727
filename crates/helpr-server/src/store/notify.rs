//! How a replica hears of the others' changes on PostgreSQL: every append runs
//! `pg_notify('helpr_events', '<org id>')` in its transaction ([`queries::notify`]), so the
//! notification goes out when (and only if) it commits; each replica `LISTEN`s on one
//! connection of its own, held by a dedicated thread (the client blocks), which turns what it
//! hears into [`Wake`]s for the server's refresh task. It also hears the replicas' presence
//! notes (`helpr_presence`, [`crate::socket::relay`]), which it hands on as they are.
//!
//! When that connection drops, the thread reconnects with a bounded backoff and, once
//! listening again, asks for a full refresh ([`Wake::All`]): notifications sent while no one
//! listened are lost. A quiet connection is pinged now and then, so a dead one is noticed.
//! The thread ends soon after the receiver is dropped (the server stopped). The server's
//! polling refresh stays as the fallback for anything missed in between.

use std::time::{Duration, Instant};

use helpr_policy::OrgId;
use postgres::fallible_iterator::FallibleIterator;
use postgres::NoTls;
use tokio::sync::mpsc;

use super::postgres::{backend, config};
use super::{queries, StoreError};

/// What the refresh task should catch up with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Every organization, new ones included (the listener (re)connected).
    All,
    /// One organization, which another replica (or this one) changed or created.
    Org(OrgId),
}

/// How long the thread waits for a notification before looking whether it should stop.
const TICK: Duration = Duration::from_millis(250);
/// How long a connection may stay quiet before it is pinged.
const PING_EVERY: Duration = Duration::from_secs(15);
/// How long a ping may take before the connection counts as dead.
const PING_TIMEOUT: Duration = Duration::from_secs(5);
/// The first wait before reconnecting, doubled at each failure up to [`BACKOFF_MAX`].
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// What the listener hears: changes to catch up with, and the other replicas' presence notes.
pub struct Heard {
    pub wakes: mpsc::UnboundedReceiver<Wake>,
    pub presence: mpsc::UnboundedReceiver<String>,
}

/// The listener's two outlets.
struct Outlets {
    wakes: mpsc::UnboundedSender<Wake>,
    presence: mpsc::UnboundedSender<String>,
}

/// Starts listening to the database at `url` on a thread of its own. Only the URL is checked
/// here: connecting (and reconnecting) is the thread's, so this does not block.
pub fn listen(url: &str) -> Result<Heard, StoreError> {
    let config = config(url)?;
    let (wakes, wakes_rx) = mpsc::unbounded_channel();
    let (presence, presence_rx) = mpsc::unbounded_channel();
    let outlets = Outlets { wakes, presence };
    std::thread::Builder::new()
        .name("helpr-pg-listen".into())
        .spawn(move || run(&config, &outlets))
        .map_err(|e| StoreError::Backend(format!("starting the database listener: {e}")))?;
    Ok(Heard {
        wakes: wakes_rx,
        presence: presence_rx,
    })
}

/// Listens until the wakes' receiver goes, reconnecting when the connection fails.
fn run(config: &postgres::Config, outlets: &Outlets) {
    let wakes = &outlets.wakes;
    let mut backoff = BACKOFF_MIN;
    while !wakes.is_closed() {
        let mut listened = false;
        match session(config, outlets, &mut listened) {
            Ok(()) => return,
            Err(e) => {
                if listened {
                    backoff = BACKOFF_MIN;
                }
                tracing::warn!(error = %e, retry_in = ?backoff, "listening for other replicas' changes");
            }
        }
        let until = Instant::now() + backoff;
        while Instant::now() < until {
            if wakes.is_closed() {
                return;
            }
            std::thread::sleep(TICK.min(until.saturating_duration_since(Instant::now())));
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// One connection's life: `Ok` when the receiver went, an error when the connection failed.
fn session(
    config: &postgres::Config,
    outlets: &Outlets,
    listened: &mut bool,
) -> Result<(), StoreError> {
    let wakes = &outlets.wakes;
    let mut client = config.connect(NoTls).map_err(backend)?;
    client
        .batch_execute(&format!(
            "LISTEN {}; LISTEN {}",
            queries::EVENTS_CHANNEL,
            queries::PRESENCE_CHANNEL
        ))
        .map_err(backend)?;
    *listened = true;
    if wakes.send(Wake::All).is_err() {
        return Ok(());
    }
    let mut pinged = Instant::now();
    loop {
        {
            let mut notifications = client.notifications();
            let mut heard = notifications.timeout_iter(TICK);
            while let Some(notification) = heard.next().map_err(backend)? {
                if notification.channel() == queries::PRESENCE_CHANNEL {
                    // No one to hand it to is fine (a server without sockets' relay).
                    let _ = outlets.presence.send(notification.payload().to_owned());
                    pinged = Instant::now();
                    continue;
                }
                if notification.channel() != queries::EVENTS_CHANNEL {
                    continue;
                }
                let wake = match notification.payload().parse() {
                    Ok(id) => Wake::Org(OrgId(id)),
                    Err(_) => {
                        tracing::warn!("a change notification without an organization id");
                        Wake::All
                    }
                };
                if wakes.send(wake).is_err() {
                    return Ok(());
                }
                pinged = Instant::now();
            }
        }
        if wakes.is_closed() {
            return Ok(());
        }
        if client.is_closed() {
            return Err(StoreError::Backend(
                "the connection to PostgreSQL closed".into(),
            ));
        }
        if pinged.elapsed() >= PING_EVERY {
            client.is_valid(PING_TIMEOUT).map_err(backend)?;
            pinged = Instant::now();
        }
    }
}
