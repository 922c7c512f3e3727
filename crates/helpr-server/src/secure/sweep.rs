//! Expired secure messages lose the server's half of their key and every sealed part, so an
//! expired link stays useless even to someone who kept the ciphertext. Readers are refused at
//! expiry whether or not the sweep has run ([`super::check_live`]); the sweep makes it
//! permanent, every [`EVERY`] and whenever the clock is moved.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::app::App;
use crate::store::secure as rows;
use crate::store::StoreError;

/// How often the sweep runs.
pub const EVERY: Duration = Duration::from_secs(600);

/// Destroys every message expired by `now`; how many.
pub async fn sweep(app: &App, now: i64) -> Result<usize, StoreError> {
    app.hub
        .db()
        .run(move |tx| {
            let expired = rows::expired(tx, now)?;
            for row_id in &expired {
                rows::destroy(tx, *row_id, None)?;
            }
            Ok(expired.len())
        })
        .await
}

/// The sweep's task.
pub fn spawn(app: Arc<App>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let clock = app.hub.clock().clone();
        loop {
            let advanced = clock.advanced();
            tokio::pin!(advanced);
            advanced.as_mut().enable();
            match sweep(&app, clock.now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(messages = n, "expired secure messages destroyed"),
                Err(e) => tracing::warn!(error = %e, "sweeping expired secure messages"),
            }
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = advanced => {}
            }
        }
    })
}
