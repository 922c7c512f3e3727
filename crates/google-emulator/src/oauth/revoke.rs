//! `POST /revoke` (google-protocols.md §1.8, §7 item 3): `token` in the query or the form
//! body, an access or a refresh token; either kills the whole grant (the refresh token and
//! every access token it issued). Client authentication and `token_type_hint` are accepted
//! and ignored, as oauth2-rs sends both. 200 on success, 400 `invalid_token` when unknown.

use super::form::Params;
use super::token::{err, error_response, json_response};
use super::OAuth;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use serde_json::json;

pub(crate) fn handle(oauth: &OAuth, query: &str, body: &[u8]) -> Response<Full<Bytes>> {
    let from_query = Params::parse(query).ok();
    let from_body = Params::parse(&String::from_utf8_lossy(body)).ok();
    let token = from_query
        .as_ref()
        .and_then(|p| p.get("token"))
        .or_else(|| from_body.as_ref().and_then(|p| p.get("token")));
    let Some(token) = token else {
        return error_response(&err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Bad Request",
        ));
    };
    let now = oauth.clock.now();
    let mut store = oauth.store();
    let grant = store.refresh.get(token).copied().or_else(|| {
        store
            .access
            .get(token)
            .filter(|t| t.expires_at > now)
            .map(|t| t.grant)
    });
    match grant {
        Some(grant) => {
            store.revoke_grant(grant);
            json_response(StatusCode::OK, &json!({}))
        }
        None => error_response(&err(
            StatusCode::BAD_REQUEST,
            "invalid_token",
            "Token expired or revoked",
        )),
    }
}
