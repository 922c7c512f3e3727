//! API throughput of the entitlement-filtered list beside an unfiltered one, in the same run on
//! the same server. The server has no conversation list of its own (conversations are listed
//! by the Gmail proxy, whose rate Google's quota bounds, 50 lists a second per inbox), so the
//! list measured is `GET /api/v1/inboxes`, which keeps each inbox only when `can()` lets the
//! caller see or configure it: as an agent (filtered: a few of the organization's inboxes) and
//! as the owner (the baseline: every inbox passes). Each runs for a fixed time with a fixed
//! number of requests in flight over kept-alive connections; the order alternates and the best
//! of two rounds counts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Requests in flight.
const CONCURRENCY: usize = 16;

/// Why a list request failed.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("GET /api/v1/inboxes: {0}")]
    Request(#[from] reqwest::Error),
    #[error("GET /api/v1/inboxes answered {0}")]
    Status(u16),
    #[error("GET /api/v1/inboxes answered something that is not a list")]
    NotAList,
}

/// One caller's figures.
#[derive(Debug, Clone)]
pub struct Rate {
    pub requests_per_s: f64,
    /// Inboxes in one answer.
    pub inboxes: usize,
    pub bytes: usize,
}

/// The caller: a client trusting the server, its address and a session token.
#[derive(Clone)]
pub struct Caller {
    pub http: reqwest::Client,
    pub url: String,
    pub token: String,
}

impl Caller {
    async fn get(&self) -> Result<Vec<u8>, ListError> {
        let response = self
            .http
            .get(&self.url)
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(ListError::Status(status));
        }
        Ok(response.bytes().await?.to_vec())
    }
}

/// Requests per second for `caller` over `duration`.
async fn rate(caller: &Caller, duration: Duration) -> Result<f64, ListError> {
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (caller, done) = (caller.clone(), done.clone());
        workers.spawn(async move {
            while started.elapsed() < duration {
                caller.get().await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, ListError>(())
        });
    }
    while let Some(worker) = workers.join_next().await {
        worker.expect("a list worker does not panic")?;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

async fn shape(caller: &Caller) -> Result<(usize, usize), ListError> {
    let body = caller.get().await?;
    let list: Vec<serde_json::Value> =
        serde_json::from_slice(&body).map_err(|_| ListError::NotAList)?;
    Ok((list.len(), body.len()))
}

/// The filtered (agent) and unfiltered (owner) rates, best of two alternating rounds each.
pub async fn compare(
    filtered: &Caller,
    unfiltered: &Caller,
    duration: Duration,
) -> Result<(Rate, Rate), ListError> {
    // Warm both (connections, allocator).
    rate(unfiltered, Duration::from_millis(500)).await?;
    rate(filtered, Duration::from_millis(500)).await?;
    let (mut best_f, mut best_u) = (0.0f64, 0.0f64);
    for _ in 0..2 {
        best_u = best_u.max(rate(unfiltered, duration).await?);
        best_f = best_f.max(rate(filtered, duration).await?);
    }
    let (fi, fb) = shape(filtered).await?;
    let (ui, ub) = shape(unfiltered).await?;
    Ok((
        Rate {
            requests_per_s: best_f,
            inboxes: fi,
            bytes: fb,
        },
        Rate {
            requests_per_s: best_u,
            inboxes: ui,
            bytes: ub,
        },
    ))
}
