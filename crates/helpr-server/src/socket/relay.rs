//! Presence between replicas (PostgreSQL only): this replica's [`Note`]s go out through
//! `pg_notify('helpr_presence', …)`, the others' come in through the listener
//! ([`crate::store::notify`]) and join [`Presence`]. A note holds ids only (organization,
//! inbox, Gmail thread, users), never content. Every [`REPEAT`] the notes of whatever this
//! replica has people in go out again (a replica that started since, or whose listener
//! reconnected, learns them), and another replica's that were not repeated for [`FORGET`] are
//! dropped (it stopped, or lost the database).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinHandle;
use tokio::time::{interval_at, Instant, MissedTickBehavior};

use super::presence::{Note, Presence};
use crate::store::{queries, Db};

/// How often this replica says again who of it is where.
pub const REPEAT: Duration = Duration::from_secs(20);
/// How long another replica's note stands without being said again.
pub const FORGET: Duration = Duration::from_secs(60);
/// PostgreSQL refuses a notification payload of 8,000 bytes or more.
const MAX_PAYLOAD: usize = 7_900;

/// Relays until aborted: `outbox` is what [`Presence`] says of this replica, `heard` the
/// payloads of the others' notes.
pub fn spawn(
    presence: Arc<Presence>,
    db: Db,
    mut outbox: UnboundedReceiver<Note>,
    mut heard: UnboundedReceiver<String>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut repeat = interval_at(Instant::now() + REPEAT, REPEAT);
        repeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                Some(note) = outbox.recv() => {
                    // Whatever queued meanwhile goes in the same transaction, in order.
                    let mut notes = vec![note];
                    while let Ok(more) = outbox.try_recv() {
                        notes.push(more);
                    }
                    publish(&db, notes).await;
                }
                Some(payload) = heard.recv() => match serde_json::from_str::<Note>(&payload) {
                    Ok(note) => presence.hear(note),
                    Err(e) => tracing::warn!(error = %e, "a presence note that does not parse"),
                },
                _ = repeat.tick() => {
                    presence.forget_older_than(FORGET);
                    publish(&db, presence.notes()).await;
                }
            }
        }
    })
}

async fn publish(db: &Db, notes: Vec<Note>) {
    let payloads: Vec<String> = notes
        .iter()
        .filter_map(|note| serde_json::to_string(note).ok())
        .filter(|payload| {
            let fits = payload.len() < MAX_PAYLOAD;
            if !fits {
                // Hundreds of people in one conversation (or a thread id no Gmail makes).
                tracing::warn!(bytes = payload.len(), "a presence note too large to relay");
            }
            fits
        })
        .collect();
    if payloads.is_empty() {
        return;
    }
    let sent = db
        .run(move |tx| {
            for payload in &payloads {
                queries::notify_presence(tx, payload)?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = sent {
        // The next repeat says it again.
        tracing::warn!(error = %e, "relaying presence to the other replicas");
    }
}
