//! Pub/Sub push deliveries as Google sends them for Gmail `watch`: the OIDC token
//! (`Authorization: Bearer <RS256 JWT>`) and the wrapped JSON body (google-protocols.md §3.1–3.2).
//! This module mints them; [`crate::push`] sends them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// Google's issuer as it appears in push tokens.
pub const ISSUER: &str = "https://accounts.google.com";
/// Lifetime of a push token (`exp − iat`).
pub const TOKEN_LIFETIME_SECS: u64 = 3600;

/// `publishTime` as Pub/Sub writes it: RFC 3339, UTC, milliseconds (`2021-02-26T19:13:55.749Z`).
const PUBLISH_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// The claims of a push OIDC token. Fields are public so tests can forge bad tokens.
#[derive(Debug, Clone, Serialize)]
pub struct PushClaims {
    pub iss: String,
    /// The push endpoint URL (Pub/Sub's default audience).
    pub aud: String,
    /// The subscription's push-auth service account.
    pub email: String,
    pub email_verified: bool,
    pub iat: u64,
    pub exp: u64,
    pub sub: String,
    pub azp: String,
}

impl PushClaims {
    /// A valid token's claims, issued now.
    pub fn new(audience: &str, service_account: &str) -> Self {
        Self::issued_at(audience, service_account, unix_now())
    }

    /// A valid token's claims, issued at `iat` (seconds since the epoch).
    pub fn issued_at(audience: &str, service_account: &str, iat: u64) -> Self {
        // Google's `sub`/`azp` are the service account's numeric id.
        let id = numeric_id(service_account);
        Self {
            iss: ISSUER.to_owned(),
            aud: audience.to_owned(),
            email: service_account.to_owned(),
            email_verified: true,
            iat,
            exp: iat + TOKEN_LIFETIME_SECS,
            sub: id.clone(),
            azp: id,
        }
    }
}

/// How `historyId` is written inside `message.data`: Google's guide shows a string, real
/// notifications carry a number; a faithful sender produces both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryIdForm {
    Number,
    String,
}

/// One Gmail notification to wrap.
#[derive(Debug, Clone)]
pub struct Notification {
    pub email_address: String,
    pub history_id: u64,
    pub form: HistoryIdForm,
}

/// Pub/Sub's envelope fields around the data.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub message_id: String,
    pub subscription: String,
    pub delivery_attempt: u32,
    pub publish_time: OffsetDateTime,
}

impl Default for Delivery {
    fn default() -> Self {
        Self {
            message_id: "2070443601311540".to_owned(),
            subscription: "projects/helpr-emulator/subscriptions/gmail-push".to_owned(),
            delivery_attempt: 1,
            publish_time: OffsetDateTime::now_utc(),
        }
    }
}

/// The JSON Gmail puts in `message.data`, before base64.
pub fn notification_json(n: &Notification) -> Vec<u8> {
    let history_id = match n.form {
        HistoryIdForm::Number => json!(n.history_id),
        HistoryIdForm::String => json!(n.history_id.to_string()),
    };
    serde_json::to_vec(&json!({ "emailAddress": n.email_address, "historyId": history_id }))
        .expect("a JSON value serializes")
}

/// The wrapped push body for `n` (data in standard base64 with padding, as Pub/Sub sends).
pub fn push_body(n: &Notification, d: &Delivery) -> Vec<u8> {
    wrap_data(&STANDARD.encode(notification_json(n)), d)
}

/// A wrapped push body around an already-encoded `data` string (tests use it to send other
/// alphabets or bytes that are not a notification).
pub fn wrap_data(data: &str, d: &Delivery) -> Vec<u8> {
    let publish_time = d
        .publish_time
        .to_offset(UtcOffset::UTC)
        .format(PUBLISH_TIME)
        .expect("a UTC time formats");
    let body: Value = json!({
        "message": {
            "data": data,
            "messageId": d.message_id,
            "message_id": d.message_id,
            "publishTime": publish_time,
            "publish_time": publish_time,
            "attributes": {},
        },
        "subscription": d.subscription,
        "deliveryAttempt": d.delivery_attempt,
    });
    serde_json::to_vec(&body).expect("a JSON value serializes")
}

/// Seconds since the epoch, now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A stable 21-digit id for a service account (the shape of Google's `sub`).
pub(crate) fn numeric_id(account: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(account.as_bytes());
    let mut n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    n %= 1_000_000_000_000_000;
    format!("113774{n:015}")
}
