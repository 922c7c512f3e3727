//! The push sender: one background task that takes published notifications in order (a
//! batch = everything queued when it looks, reversed when reordering; held while paused),
//! wraps each as Pub/Sub does ([`crate::pubsub::push_body`]), signs a fresh OIDC token per
//! attempt with the active key, and POSTs it. Statuses 102, 200, 201, 202 and 204
//! acknowledge; any other status or a connection error is retried with exponential backoff
//! (the `deliveryAttempt` grows) until acknowledged or the endpoint is cleared. The client
//! trusts the public roots, the test CA and the certificates a test added
//! ([`crate::Emulator::trust_push_certificate`]); it is rebuilt when that list grows.

use super::Outgoing;
use crate::pubsub::{push_body, Delivery, Notification, PushClaims};
use crate::server::State;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::mpsc::UnboundedReceiver;

/// Statuses Pub/Sub takes as an ack (§3.4).
const ACK: [u16; 5] = [102, 200, 201, 202, 204];
/// Per-attempt limit, so a silent endpoint counts as a failed attempt.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) async fn run(state: Arc<State>, mut queue: UnboundedReceiver<Outgoing>) {
    let mut http = Client::new(&state);
    while let Some(first) = queue.recv().await {
        loop {
            let resumed = state.push.resumed.notified();
            if !state.push.settings().paused {
                break;
            }
            resumed.await;
        }
        let mut batch = vec![first];
        while let Ok(next) = queue.try_recv() {
            batch.push(next);
        }
        if state.push.settings().reorder {
            batch.reverse();
        }
        for outgoing in batch {
            let mut attempt = 1;
            for _ in 0..outgoing.copies {
                attempt = deliver(&state, &mut http, &outgoing, attempt).await + 1;
            }
            state.push.finished.fetch_add(1, Ordering::SeqCst);
            state.push.finished_one.notify_waiters();
        }
    }
}

/// The sender's HTTP client and how many added certificates it trusts.
struct Client {
    http: reqwest::Client,
    trusted: usize,
}

impl Client {
    fn new(state: &State) -> Self {
        let trusted = state.push.settings().trusted.clone();
        let mut builder = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none());
        let pems = std::iter::once(state.tls.ca_pem()).chain(trusted.iter().map(String::as_str));
        for pem in pems {
            for cert in reqwest::Certificate::from_pem_bundle(pem.as_bytes()).unwrap_or_default() {
                builder = builder.add_root_certificate(cert);
            }
        }
        Self {
            http: builder.build().unwrap_or_default(),
            trusted: trusted.len(),
        }
    }

    /// The client, rebuilt first when a certificate was added since.
    fn current(&mut self, state: &State) -> &reqwest::Client {
        if state.push.settings().trusted.len() != self.trusted {
            *self = Client::new(state);
        }
        &self.http
    }
}

/// Delivers one copy, starting at `attempt`; returns the attempt that was acknowledged (or
/// the last one made when the endpoint went away).
async fn deliver(state: &State, http: &mut Client, o: &Outgoing, mut attempt: u32) -> u32 {
    let mut wait = state.push.settings().backoff.0;
    loop {
        let (endpoint, service_account, max_wait) = {
            let s = state.push.settings();
            let Some(endpoint) = s.endpoint.clone() else {
                return attempt;
            };
            (endpoint, s.service_account.clone(), s.backoff.1)
        };
        let (url, audience) = endpoint;
        let body = body(state, o, attempt);
        let claims = PushClaims::issued_at(&audience, &service_account, state.oauth.clock.now());
        let token = {
            let keys = state.keys.read().unwrap_or_else(|p| p.into_inner());
            let key = keys.active();
            key.sign_with_kid(&claims, key.kid())
        };
        state.push.attempts.fetch_add(1, Ordering::SeqCst);
        let acked = match token {
            Ok(token) => http
                .current(state)
                .post(&url)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .is_ok_and(|r| ACK.contains(&r.status().as_u16())),
            Err(_) => false,
        };
        if acked {
            state.push.delivered.fetch_add(1, Ordering::SeqCst);
            return attempt;
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(max_wait);
        attempt += 1;
    }
}

fn body(state: &State, o: &Outgoing, attempt: u32) -> Vec<u8> {
    let email = state.oauth.config().account.email.clone();
    let publish_time = i128::from(o.publish_ms) * 1_000_000;
    push_body(
        &Notification {
            email_address: email,
            history_id: o.history_id,
            form: o.form,
        },
        &Delivery {
            message_id: o.message_id.clone(),
            subscription: super::PUSH_SUBSCRIPTION.to_owned(),
            delivery_attempt: attempt,
            publish_time: OffsetDateTime::from_unix_timestamp_nanos(publish_time)
                .unwrap_or_else(|_| OffsetDateTime::now_utc()),
        },
    )
}
