//! Why a push was refused. Every message is log-safe: no token, no claim value, no address,
//! no body bytes — only which check failed.

/// A push that must not be processed (answer non-2xx only for [`PushError::Jwks`], which is
/// ours to retry; everything else is a forgery or garbage and can be refused outright).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PushError {
    #[error("push refused: no bearer token")]
    MissingToken,
    #[error("push refused: token is not a well-formed JWT")]
    MalformedToken,
    #[error("push refused: token algorithm is not RS256")]
    Algorithm,
    #[error("push refused: token has no key id")]
    MissingKeyId,
    #[error("push refused: no published Google key has the token's key id")]
    UnknownKey,
    #[error("push refused: signature does not verify")]
    Signature,
    #[error("push refused: token lacks a required claim")]
    MissingClaim,
    #[error("push refused: token issuer is not Google")]
    Issuer,
    #[error("push refused: token audience is not this endpoint")]
    Audience,
    #[error("push refused: token expired")]
    Expired,
    #[error("push refused: token is not from the expected service account")]
    Email,
    #[error("push refused: service account email is not verified")]
    EmailUnverified,
    #[error("push refused: could not get Google's signing keys: {0}")]
    Jwks(#[from] JwksError),
    #[error("push refused: malformed body: {0}")]
    Body(#[from] BodyError),
}

/// Fetching or reading the JWKS failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwksError {
    #[error("request failed")]
    Transport,
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("response is not a JWKS")]
    Parse,
    #[error("the configured JWKS URL is not a URL")]
    Url,
}

/// The push body is not a Gmail notification in a Pub/Sub envelope.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BodyError {
    #[error("not a JSON object")]
    NotJson,
    #[error("no message object")]
    NoMessage,
    #[error("message has no data string")]
    NoData,
    #[error("message data is not base64")]
    DataNotBase64,
    #[error("message data is not a JSON object")]
    DataNotJson,
    #[error("notification has no emailAddress string")]
    NoEmailAddress,
    #[error("notification has no historyId")]
    NoHistoryId,
    #[error("historyId is not an unsigned 64-bit integer")]
    BadHistoryId,
}
