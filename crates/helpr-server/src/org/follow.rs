//! Keeping this server's organizations in step with the database when others write to it
//! (replicas, `helpr-server create-org`): a full catch-up every [`POLL`], and on PostgreSQL one
//! as soon as a change is heard of ([`crate::store::notify`]), the poll then being only the
//! fallback for a notification lost while the listener reconnected.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::{interval_at, Instant, MissedTickBehavior};

use super::hub::Hub;
use crate::store::notify::Wake;

/// How often the server looks for changes it was not told of (another process's, or a
/// replica's whose notification was lost).
pub const POLL: Duration = Duration::from_secs(2);

/// Catches up every [`POLL`] and at each wake, until aborted. Wakes that queued up meanwhile
/// are handled together, each organization once.
pub async fn follow(hub: Arc<Hub>, mut wakes: Option<UnboundedReceiver<Wake>>) {
    let mut poll = interval_at(Instant::now() + POLL, POLL);
    poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let heard = async {
            match wakes.as_mut() {
                Some(wakes) => wakes.recv().await,
                None => std::future::pending().await,
            }
        };
        let mut all = false;
        let mut orgs = BTreeSet::new();
        tokio::select! {
            _ = poll.tick() => all = true,
            wake = heard => match wake {
                Some(wake) => {
                    let queued = std::iter::from_fn(|| wakes.as_mut()?.try_recv().ok());
                    for wake in std::iter::once(wake).chain(queued) {
                        match wake {
                            Wake::All => all = true,
                            Wake::Org(org) => _ = orgs.insert(org),
                        }
                    }
                }
                None => {
                    // The listener is gone (it ends only when told to): polling goes on.
                    wakes = None;
                    continue;
                }
            },
        }
        let caught_up = if all {
            hub.refresh_all().await
        } else {
            let mut result = Ok(());
            for org in orgs {
                result = result.and(hub.refresh(org).await);
            }
            result
        };
        if let Err(e) = caught_up {
            tracing::warn!(error = %e, "catching up with the database");
        }
    }
}
