//! `POST /token` (google-protocols.md §1.5–1.7, §7 item 2): client authentication by HTTP
//! Basic or body credentials (never both), the `authorization_code` grant (single-use code,
//! expiry, `redirect_uri` equality, PKCE) and the `refresh_token` grant (optional rotation,
//! `invalid_grant` once revoked or expired). Errors are `{"error","error_description"}`.

use super::authorize::is_pkce_string;
use super::form::{basic_credentials, Params};
use super::{random_token, AccessToken, Account, ChallengeMethod, Grant, OAuth, Store};
use crate::keys::KeyRing;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE};
use hyper::{HeaderMap, Response, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

const REVOKED: &str = "Token has been expired or revoked.";
/// ID tokens live an hour, as Google's do.
const ID_TOKEN_LIFETIME_SECS: u64 = 3600;

/// A token-endpoint error.
pub(crate) struct TokenError {
    status: StatusCode,
    code: &'static str,
    description: String,
    basic_challenge: bool,
}

pub(crate) fn err(
    status: StatusCode,
    code: &'static str,
    description: impl Into<String>,
) -> TokenError {
    TokenError {
        status,
        code,
        description: description.into(),
        basic_challenge: false,
    }
}

fn invalid_grant(description: &str) -> TokenError {
    err(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn invalid_request(description: impl Into<String>) -> TokenError {
    err(StatusCode::BAD_REQUEST, "invalid_request", description)
}

pub(crate) fn handle(
    oauth: &OAuth,
    keys: &KeyRing,
    headers: &HeaderMap,
    body: &[u8],
) -> Response<Full<Bytes>> {
    match exchange(oauth, keys, headers, body) {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => error_response(&e),
    }
}

fn exchange(
    oauth: &OAuth,
    keys: &KeyRing,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, TokenError> {
    if let Some(kind) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        if !kind
            .trim_start()
            .starts_with("application/x-www-form-urlencoded")
        {
            return Err(invalid_request(
                "Content-Type must be application/x-www-form-urlencoded.",
            ));
        }
    }
    let params = Params::parse(&String::from_utf8_lossy(body))
        .map_err(|name| invalid_request(format!("Parameter not allowed more than once: {name}")))?;
    let client_id = authenticate(oauth, headers, &params)?;
    match params.get("grant_type") {
        Some("authorization_code") => code_grant(oauth, keys, &client_id, &params),
        Some("refresh_token") => refresh_grant(oauth, keys, &client_id, &params),
        Some(other) => Err(err(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("Invalid grant_type: {other}"),
        )),
        None => Err(invalid_request("Required parameter is missing: grant_type")),
    }
}

/// The authenticated client's id. One method only (RFC 6749 §2.3).
fn authenticate(oauth: &OAuth, headers: &HeaderMap, params: &Params) -> Result<String, TokenError> {
    let basic = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let (id, secret, by_basic) = match basic {
        Some(header) => {
            if params.get("client_secret").is_some() {
                return Err(invalid_request(
                    "Client credentials were sent both in the Authorization header and in the body.",
                ));
            }
            let Some((id, secret)) = basic_credentials(header) else {
                return Err(TokenError {
                    basic_challenge: true,
                    ..err(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized")
                });
            };
            if params.get("client_id").is_some_and(|body_id| body_id != id) {
                return Err(invalid_request(
                    "client_id in the body differs from the Authorization header.",
                ));
            }
            (id, secret, true)
        }
        None => (
            params.get("client_id").unwrap_or_default().to_owned(),
            params.get("client_secret").unwrap_or_default().to_owned(),
            false,
        ),
    };
    let refuse = |description: &str| TokenError {
        basic_challenge: by_basic,
        ..err(StatusCode::UNAUTHORIZED, "invalid_client", description)
    };
    let Some(client) = oauth.client(&id) else {
        return Err(refuse("The OAuth client was not found."));
    };
    if secret.is_empty() || client.secret != secret {
        return Err(refuse("Unauthorized"));
    }
    Ok(id)
}

fn code_grant(
    oauth: &OAuth,
    keys: &KeyRing,
    client_id: &str,
    params: &Params,
) -> Result<Value, TokenError> {
    let code = params
        .get("code")
        .ok_or_else(|| invalid_request("Missing required parameter: code"))?;
    let now = oauth.clock.now();
    let mut store = oauth.store();
    let entry = store
        .codes
        .get_mut(code)
        .ok_or_else(|| invalid_grant("Malformed auth code."))?;
    if entry.redeemed {
        return Err(invalid_grant("Code was already redeemed."));
    }
    if entry.request.client_id != client_id {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Unauthorized",
        ));
    }
    if entry.expires_at <= now {
        return Err(invalid_grant("Bad Request"));
    }
    if params.get("redirect_uri") != Some(entry.request.redirect_uri.as_str()) {
        // Google's own code for this, rather than RFC 6749's invalid_grant.
        return Err(err(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            "Bad Request",
        ));
    }
    check_verifier(
        entry.request.challenge.as_ref(),
        params.get("code_verifier"),
    )?;
    entry.redeemed = true;
    let (account, scopes, offline) = (
        entry.account.clone(),
        entry.request.scopes.clone(),
        entry.request.offline,
    );

    let config = oauth.config();
    let grant_id = store.next_grant;
    store.next_grant += 1;
    store.grants.insert(
        grant_id,
        Grant {
            client_id: client_id.to_owned(),
            account: account.clone(),
            scopes: scopes.clone(),
            refresh_expires_at: config.refresh_token_lifetime_secs.map(|l| now + l),
        },
    );
    let refresh = offline.then(|| {
        let token = random_token("1//0");
        store.refresh.insert(token.clone(), grant_id);
        token
    });
    let lifetime = config.access_token_lifetime_secs;
    drop(config);
    respond(
        &mut store, keys, grant_id, client_id, &account, &scopes, lifetime, now, refresh,
    )
}

fn check_verifier(
    challenge: Option<&(String, ChallengeMethod)>,
    verifier: Option<&str>,
) -> Result<(), TokenError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(invalid_grant("code_verifier or verifier is not needed.")),
        (Some(_), None) => Err(invalid_grant("Missing code verifier.")),
        (Some((challenge, method)), Some(verifier)) => {
            let computed = match method {
                ChallengeMethod::Plain => verifier.to_owned(),
                ChallengeMethod::S256 => {
                    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
                }
            };
            if is_pkce_string(verifier) && computed == *challenge {
                Ok(())
            } else {
                Err(invalid_grant("Invalid code verifier."))
            }
        }
    }
}

fn refresh_grant(
    oauth: &OAuth,
    keys: &KeyRing,
    client_id: &str,
    params: &Params,
) -> Result<Value, TokenError> {
    let token = params
        .get("refresh_token")
        .ok_or_else(|| invalid_request("Missing required parameter: refresh_token"))?;
    let now = oauth.clock.now();
    let mut store = oauth.store();
    let grant_id = *store
        .refresh
        .get(token)
        .ok_or_else(|| invalid_grant(REVOKED))?;
    let grant = store
        .grants
        .get(&grant_id)
        .ok_or_else(|| invalid_grant(REVOKED))?;
    if grant.client_id != client_id {
        return Err(err(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            "Unauthorized",
        ));
    }
    if grant.refresh_expires_at.is_some_and(|at| at <= now) {
        store.revoke_grant(grant_id);
        return Err(invalid_grant(REVOKED));
    }
    let scopes = match params.get("scope") {
        None => grant.scopes.clone(),
        Some(asked) => {
            let asked: Vec<String> = asked
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if asked.iter().any(|s| !grant.scopes.contains(s)) {
                return Err(err(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    "Some requested scopes were not granted.",
                ));
            }
            asked
        }
    };
    let account = grant.account.clone();
    let config = oauth.config();
    let rotated = config.rotate_refresh_tokens.then(|| {
        store.refresh.remove(token);
        let new = random_token("1//0");
        store.refresh.insert(new.clone(), grant_id);
        new
    });
    let lifetime = config.access_token_lifetime_secs;
    drop(config);
    respond(
        &mut store, keys, grant_id, client_id, &account, &scopes, lifetime, now, rotated,
    )
}

/// Issues an access token (and an ID token when `openid` was granted) and builds the body.
#[allow(clippy::too_many_arguments)]
fn respond(
    store: &mut Store,
    keys: &KeyRing,
    grant: u64,
    client_id: &str,
    account: &Account,
    scopes: &[String],
    lifetime: u64,
    now: u64,
    refresh_token: Option<String>,
) -> Result<Value, TokenError> {
    let access = random_token("ya29.");
    store.access.insert(
        access.clone(),
        AccessToken {
            grant,
            expires_at: now + lifetime,
        },
    );
    let mut body = json!({
        "access_token": access,
        "expires_in": lifetime,
        "scope": scopes.join(" "),
        "token_type": "Bearer",
    });
    if let Some(refresh) = refresh_token {
        body["refresh_token"] = json!(refresh);
    }
    if scopes.iter().any(|s| s == "openid") {
        body["id_token"] = json!(id_token(keys, client_id, account, scopes, &access, now)?);
    }
    Ok(body)
}

fn id_token(
    keys: &KeyRing,
    client_id: &str,
    account: &Account,
    scopes: &[String],
    access_token: &str,
    now: u64,
) -> Result<String, TokenError> {
    let digest = Sha256::digest(access_token.as_bytes());
    let mut claims = json!({
        "iss": crate::pubsub::ISSUER,
        "azp": client_id,
        "aud": client_id,
        "sub": account.sub,
        "at_hash": URL_SAFE_NO_PAD.encode(&digest[..16]),
        "iat": now,
        "exp": now + ID_TOKEN_LIFETIME_SECS,
    });
    if scopes
        .iter()
        .any(|s| s == "https://www.googleapis.com/auth/userinfo.email")
    {
        claims["email"] = json!(account.email);
        claims["email_verified"] = json!(true);
    }
    let key = keys.active();
    key.sign_with_kid(&claims, key.kid()).map_err(|_| {
        err(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_failure",
            "Signing failed.",
        )
    })
}

/// JSON with the token endpoint's no-cache headers (google-protocols.md §1.5).
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json; charset=utf-8")
        .header(
            CACHE_CONTROL,
            "no-cache, no-store, max-age=0, must-revalidate",
        )
        .header(PRAGMA, "no-cache")
        .body(Full::new(Bytes::from(
            serde_json::to_vec(body).expect("a JSON value serializes"),
        )))
        .expect("a response from valid parts")
}

pub(crate) fn error_response(error: &TokenError) -> Response<Full<Bytes>> {
    let mut response = json_response(
        error.status,
        &json!({"error": error.code, "error_description": error.description}),
    );
    if error.basic_challenge {
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            hyper::header::HeaderValue::from_static("Basic realm=\"oauth2\""),
        );
    }
    response
}
