//! The push body: a Pub/Sub envelope whose `message.data` is base64 of Gmail's
//! `{"emailAddress", "historyId"}` (google-protocols.md §3.1). `data` is decoded accepting both
//! the standard and URL-safe alphabets, with or without padding (Gmail's guide says base64url,
//! Pub/Sub's type says base64); `historyId` may be a JSON number or a decimal string.

use super::error::BodyError;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde_json::Value;

/// One Gmail notification: "this mailbox is now at historyId H".
#[derive(Clone, PartialEq, Eq)]
pub struct Notification {
    pub email: String,
    pub history_id: u64,
}

impl std::fmt::Debug for Notification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The address stays out of logs.
        f.debug_struct("Notification")
            .field("email", &"<redacted>")
            .field("history_id", &self.history_id)
            .finish()
    }
}

const ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Parses a push request body.
pub fn parse_body(body: &[u8]) -> Result<Notification, BodyError> {
    let envelope: Value = serde_json::from_slice(body).map_err(|_| BodyError::NotJson)?;
    let envelope = envelope.as_object().ok_or(BodyError::NotJson)?;
    let message = envelope
        .get("message")
        .and_then(Value::as_object)
        .ok_or(BodyError::NoMessage)?;
    let data = message
        .get("data")
        .and_then(Value::as_str)
        .ok_or(BodyError::NoData)?;
    let decoded = decode_any_base64(data).ok_or(BodyError::DataNotBase64)?;
    let inner: Value = serde_json::from_slice(&decoded).map_err(|_| BodyError::DataNotJson)?;
    let inner = inner.as_object().ok_or(BodyError::DataNotJson)?;
    let email = inner
        .get("emailAddress")
        .and_then(Value::as_str)
        .ok_or(BodyError::NoEmailAddress)?;
    let history_id = match inner.get("historyId") {
        None | Some(Value::Null) => return Err(BodyError::NoHistoryId),
        Some(Value::Number(n)) => n.as_u64().ok_or(BodyError::BadHistoryId)?,
        Some(Value::String(s)) => parse_decimal(s).ok_or(BodyError::BadHistoryId)?,
        Some(_) => return Err(BodyError::BadHistoryId),
    };
    Ok(Notification {
        email: email.to_owned(),
        history_id,
    })
}

/// Standard or URL-safe alphabet, padded or not (a mix of both alphabets is also taken: the
/// two differ only in two symbols that never collide).
fn decode_any_base64(data: &str) -> Option<Vec<u8>> {
    let standard: String = data
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    ANY_PADDING.decode(standard).ok()
}

/// Digits only: no sign, no blanks, no empty string (`u64::from_str` would take a `+`).
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_alphabets_and_padding_all_decode() {
        // `{"a":">?~"}` encodes with `+`/`/` in standard and `-`/`_` in URL-safe.
        let raw = br#"{"emailAddress":"a@b","historyId":">>??~~"}"#;
        let standard = base64::engine::general_purpose::STANDARD.encode(raw);
        assert!(
            standard.contains(['+', '/']),
            "the sample exercises both alphabets"
        );
        for engine in [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            let encoded = engine.encode(raw);
            assert_eq!(
                decode_any_base64(&encoded).as_deref(),
                Some(&raw[..]),
                "{encoded}"
            );
        }
    }

    #[test]
    fn decimal_strings_only() {
        assert_eq!(parse_decimal("1234567890"), Some(1_234_567_890));
        for bad in ["", "+5", "-5", " 5", "5x", "18446744073709551616"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }
}
