//! `GET /o/oauth2/v2/auth` and its consent form (google-protocols.md §1.2–1.4, §7 item 1).
//! The request is validated before anything is shown; a bad client or a redirect URI that is
//! not loopback gets an error page and never a redirect. Auto-approve redirects at once with
//! `code`, `scope`, `state`; otherwise the consent page POSTs Allow (the same redirect) or
//! Deny (`error=access_denied`) back here.

use super::form::{encode, Params};
use super::{random_token, AuthRequest, ChallengeMethod, Code, OAuth};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use hyper::{Response, StatusCode, Uri};

/// Scopes the emulator knows; `email`/`profile` are granted under their long names, as Google does.
const SCOPES: &[&str] = &[
    "https://mail.google.com/",
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/userinfo.profile",
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/gmail.modify",
    "https://www.googleapis.com/auth/gmail.send",
    "https://www.googleapis.com/auth/gmail.labels",
    "https://www.googleapis.com/auth/gmail.metadata",
    "https://www.googleapis.com/auth/gmail.compose",
];

/// An authorization error shown on Google's own page (`Error 400: invalid_request`).
struct PageError {
    status: StatusCode,
    code: &'static str,
    description: String,
}

fn page_error(status: StatusCode, code: &'static str, description: impl Into<String>) -> PageError {
    PageError {
        status,
        code,
        description: description.into(),
    }
}

/// `GET`: validate, then redirect (auto-approve) or show the consent page.
pub(crate) fn start(oauth: &OAuth, query: &str) -> Response<Full<Bytes>> {
    let request = match validate(oauth, query) {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    let (auto_approve, account) = {
        let config = oauth.config();
        (config.auto_approve, config.account.clone())
    };
    if auto_approve {
        return grant(oauth, request, false);
    }
    if request.prompt_none {
        // The user must be asked, and the client said not to.
        return redirect(&request, &[("error", "consent_required")]);
    }
    let id = random_token("");
    let page = consent_page(&id, &request, &account.email);
    oauth.store().pending.insert(id, request);
    html(StatusCode::OK, page)
}

/// `POST` from the consent page: `request=<id>&decision=allow|deny`.
pub(crate) fn decide(oauth: &OAuth, body: &[u8]) -> Response<Full<Bytes>> {
    let params = Params::parse(&String::from_utf8_lossy(body)).unwrap_or_default();
    let pending = params
        .get("request")
        .and_then(|id| oauth.store().pending.remove(id));
    let Some(request) = pending else {
        return error_page(&page_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "This consent request is unknown or was already answered.",
        ));
    };
    match params.get("decision") {
        Some("allow") => grant(oauth, request, true),
        Some("deny") => redirect(&request, &[("error", "access_denied")]),
        _ => error_page(&page_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing decision.",
        )),
    }
}

/// Issues a code for `request` and redirects to the client with it.
fn grant(oauth: &OAuth, request: AuthRequest, consent_shown: bool) -> Response<Full<Bytes>> {
    let (lifetime, account) = {
        let config = oauth.config();
        (config.code_lifetime_secs, config.account.clone())
    };
    let code = random_token("4/0A");
    let scope = request.scopes.join(" ");
    let mut params = vec![
        ("code", code.as_str()),
        ("scope", scope.as_str()),
        ("authuser", "0"),
    ];
    if consent_shown {
        params.push(("prompt", "consent"));
    }
    let response = redirect(&request, &params);
    oauth.store().codes.insert(
        code.clone(),
        Code {
            request,
            account,
            expires_at: oauth.clock.now() + lifetime,
            redeemed: false,
        },
    );
    response
}

fn validate(oauth: &OAuth, query: &str) -> Result<AuthRequest, PageError> {
    let bad = |d: String| page_error(StatusCode::BAD_REQUEST, "invalid_request", d);
    let params = Params::parse(query)
        .map_err(|name| bad(format!("Parameter not allowed more than once: {name}")))?;
    let missing = |name: &str| bad(format!("Required parameter is missing: {name}"));

    let client_id = params
        .get("client_id")
        .ok_or_else(|| missing("client_id"))?;
    if oauth.client(client_id).is_none() {
        return Err(page_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The OAuth client was not found.",
        ));
    }
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| missing("redirect_uri"))?;
    if !is_loopback(redirect_uri) {
        return Err(page_error(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            "A desktop client's redirect_uri must be http://127.0.0.1, http://[::1] or http://localhost with any port.",
        ));
    }
    match params.get("response_type") {
        Some("code") => {}
        Some(other) => {
            return Err(page_error(
                StatusCode::BAD_REQUEST,
                "unsupported_response_type",
                format!("Invalid response_type: {other}"),
            ))
        }
        None => return Err(missing("response_type")),
    }
    let scopes = scopes(params.get("scope").ok_or_else(|| missing("scope"))?)?;

    let challenge = match (
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    ) {
        (None, None) => None,
        (None, Some(_)) => return Err(missing("code_challenge")),
        (Some(challenge), method) => {
            let method = match method {
                None | Some("plain") => ChallengeMethod::Plain,
                Some("S256") => ChallengeMethod::S256,
                Some(other) => return Err(bad(format!("Invalid code_challenge_method: {other}"))),
            };
            if !is_pkce_string(challenge) {
                return Err(bad("Invalid code_challenge.".to_owned()));
            }
            Some((challenge.to_owned(), method))
        }
    };
    let offline = match params.get("access_type") {
        None | Some("online") => false,
        Some("offline") => true,
        Some(other) => return Err(bad(format!("Invalid access_type: {other}"))),
    };
    let prompt: Vec<&str> = params
        .get("prompt")
        .map(|p| p.split(' ').filter(|v| !v.is_empty()).collect())
        .unwrap_or_default();
    if let Some(v) = prompt
        .iter()
        .find(|v| !matches!(**v, "none" | "consent" | "select_account"))
    {
        return Err(bad(format!("Invalid prompt: {v}")));
    }
    if prompt.contains(&"none") && prompt.len() > 1 {
        return Err(bad(
            "prompt=none cannot be combined with other values.".to_owned()
        ));
    }
    Ok(AuthRequest {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        scopes,
        state: params.get("state").map(str::to_owned),
        challenge,
        offline,
        prompt_none: prompt.contains(&"none"),
    })
}

/// The requested scopes under their granted names, each once, in the order asked.
fn scopes(requested: &str) -> Result<Vec<String>, PageError> {
    let mut granted: Vec<String> = Vec::new();
    for scope in requested.split(' ').filter(|s| !s.is_empty()) {
        let name = match scope {
            "email" => "https://www.googleapis.com/auth/userinfo.email",
            "profile" => "https://www.googleapis.com/auth/userinfo.profile",
            s if SCOPES.contains(&s) => s,
            _ => {
                return Err(page_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    "Some requested scopes were invalid.",
                ))
            }
        };
        if !granted.iter().any(|g| g == name) {
            granted.push(name.to_owned());
        }
    }
    if granted.is_empty() {
        return Err(page_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required parameter is missing: scope",
        ));
    }
    Ok(granted)
}

/// RFC 8252 §7.3 loopback (plus `localhost`): `http`, no user info or fragment, any port.
pub(crate) fn is_loopback(uri: &str) -> bool {
    if uri.contains('#') {
        return false;
    }
    let Ok(parsed) = uri.parse::<Uri>() else {
        return false;
    };
    let Some(authority) = parsed.authority() else {
        return false;
    };
    parsed.scheme_str() == Some("http")
        && !authority.as_str().contains('@')
        && matches!(authority.host(), "127.0.0.1" | "[::1]" | "localhost")
}

/// RFC 7636 §4.1/§4.2: 43–128 characters from `[A-Za-z0-9-._~]`.
pub(crate) fn is_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// 302 to the client's redirect URI with `params` and the request's `state`.
fn redirect(request: &AuthRequest, params: &[(&str, &str)]) -> Response<Full<Bytes>> {
    let mut location = request.redirect_uri.clone();
    let mut separator = if location.contains('?') { '&' } else { '?' };
    let state = request.state.as_deref().map(|s| ("state", s));
    for (name, value) in state.iter().chain(params.iter()) {
        location.push(separator);
        location.push_str(name);
        location.push('=');
        location.push_str(&encode(value));
        separator = '&';
    }
    Response::builder()
        .status(StatusCode::FOUND)
        .header(LOCATION, location)
        .header(CACHE_CONTROL, "no-store")
        .body(Full::new(Bytes::new()))
        .expect("a response from valid parts")
}

fn error_page(error: &PageError) -> Response<Full<Bytes>> {
    let page = format!(
        "<!doctype html><html><head><title>Error {status}: {code}</title></head><body>\
         <h1>Access blocked: authorization error</h1><p>Error {status}: {code}</p><p>{description}</p>\
         </body></html>",
        status = error.status.as_u16(),
        code = error.code,
        description = escape(&error.description),
    );
    html(error.status, page)
}

fn consent_page(id: &str, request: &AuthRequest, email: &str) -> String {
    let scopes: String = request
        .scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    let form = |decision: &str, label: &str| {
        format!(
            "<form method=\"post\" action=\"{path}\">\
             <input type=\"hidden\" name=\"request\" value=\"{id}\">\
             <button type=\"submit\" name=\"decision\" value=\"{decision}\">{label}</button></form>",
            path = super::AUTH_PATH,
        )
    };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in - Google Accounts (emulator)</title></head>\
         <body><h1>{client} wants to access your Google Account</h1><p>{email}</p>\
         <p>This will allow it to:</p><ul>{scopes}</ul>{allow}{deny}</body></html>",
        client = escape(&request.client_id),
        email = escape(email),
        allow = form("allow", "Allow"),
        deny = form("deny", "Deny"),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn html(status: StatusCode, page: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "text/html; charset=utf-8")
        .header(CACHE_CONTROL, "no-store")
        .body(Full::new(Bytes::from(page)))
        .expect("a response from valid parts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only() {
        for ok in [
            "http://127.0.0.1:5000/",
            "http://127.0.0.1:1/cb?x=1",
            "http://[::1]:8080",
            "http://localhost:9/",
            "http://127.0.0.1/",
        ] {
            assert!(is_loopback(ok), "{ok}");
        }
        for bad in [
            "https://127.0.0.1:5000/",
            "http://127.0.0.2:5000/",
            "http://evil.example/",
            "http://127.0.0.1@evil.example/",
            "http://127.0.0.1.evil.example/",
            "http://127.0.0.1:5000/#x",
            "urn:ietf:wg:oauth:2.0:oob",
            "/relative",
        ] {
            assert!(!is_loopback(bad), "{bad}");
        }
    }
}
