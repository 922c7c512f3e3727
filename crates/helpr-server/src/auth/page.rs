//! The sign-in page (`GET /sign-in`) and its form (`POST /sign-in`). Server-rendered, with no
//! script; its CSP allows its one stylesheet by hash and posting only to itself, and it may not
//! be framed. On success the browser is sent to the desktop's loopback redirect with a one-time
//! code; a wrong address and a wrong password get the same answer, in the same time.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use helpr_proto::auth::SignInQuery;
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{password, pkce, token};
use crate::app::App;
use crate::store::queries::{self, SignInCode};

/// A sign-in code is good for this long.
pub const CODE_LIFETIME: i64 = 120;

const STYLE: &str = "body{font:15px/1.4 system-ui,sans-serif;background:#f5f6f8;color:#1d2433;\
display:flex;justify-content:center;padding-top:12vh;margin:0}\
main{background:#fff;padding:28px 32px;border-radius:8px;box-shadow:0 1px 3px #0002;width:320px}\
h1{font-size:19px;margin:0 0 16px}label{display:block;margin:12px 0 4px;font-weight:600}\
input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:8px;\
border:1px solid #9aa3b2;border-radius:4px;font:inherit}\
button{margin-top:18px;width:100%;padding:9px;border:0;border-radius:4px;background:#2457c5;\
color:#fff;font:inherit;font-weight:600;cursor:pointer}\
.error{background:#fde8e8;color:#8a1c1c;padding:8px 10px;border-radius:4px}";

static CSP: LazyLock<HeaderValue> = LazyLock::new(|| {
    let hash = STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    HeaderValue::from_str(&format!(
        "default-src 'none'; style-src 'sha256-{hash}'; form-action 'self' http://127.0.0.1:* http://[::1]:*; frame-ancestors 'none'; base-uri 'none'"
    ))
    .expect("an ASCII header")
});

/// The form's fields: the sign-in's query, carried along, and the credentials.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    pub email: String,
    pub password: String,
    pub redirect_uri: String,
    pub state: String,
    pub code_challenge: String,
    pub code_challenge_method: String,
}

fn page(status: StatusCode, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Sign in to helpr" }
                style { (maud::PreEscaped(STYLE)) }
            }
            body { main { (body) } }
        }
    };
    let mut response = (status, markup).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, CSP.clone());
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn form(query: &SignInQuery, email: &str, error: Option<&str>) -> Markup {
    html! {
        h1 { "Sign in to helpr" }
        @if let Some(error) = error { p.error role="alert" { (error) } }
        form method="post" action="/sign-in" {
            input type="hidden" name="redirect_uri" value=(query.redirect_uri);
            input type="hidden" name="state" value=(query.state);
            input type="hidden" name="code_challenge" value=(query.code_challenge);
            input type="hidden" name="code_challenge_method" value=(query.code_challenge_method);
            label for="email" { "Email" }
            input #email type="email" name="email" value=(email) autocomplete="username" required autofocus;
            label for="password" { "Password" }
            input #password type="password" name="password" autocomplete="current-password" required;
            button type="submit" { "Sign in" }
        }
    }
}

fn refused(reason: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        html! {
            h1 { "This sign-in link is not valid" }
            p.error role="alert" { (reason) }
            p { "Start signing in again from helpr." }
        },
    )
}

/// `GET /sign-in`.
pub async fn show(
    query: Result<Query<SignInQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return refused("the sign-in link is missing its parameters");
    };
    if let Err(reason) = pkce::check(&query) {
        return refused(&reason);
    }
    page(StatusCode::OK, form(&query, "", None))
}

/// `POST /sign-in`.
pub async fn submit(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    form_data: Result<Form<SignInForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = form_data else {
        return refused("the sign-in form was incomplete");
    };
    let query = SignInQuery {
        redirect_uri: f.redirect_uri,
        state: f.state,
        code_challenge: f.code_challenge,
        code_challenge_method: f.code_challenge_method,
    };
    if let Err(reason) = pkce::check(&query) {
        return refused(&reason);
    }
    let email = f.email.trim().to_lowercase();
    if !app.limits.attempt(&email, peer.ip()) {
        return page(
            StatusCode::TOO_MANY_REQUESTS,
            form(
                &query,
                &email,
                Some("Too many attempts. Wait a minute, then try again."),
            ),
        );
    }
    let wrong = || {
        page(
            StatusCode::UNAUTHORIZED,
            form(&query, &email, Some("The email or password is wrong.")),
        )
    };
    let lookup = email.clone();
    let credential = match app
        .hub
        .db()
        .run(move |tx| queries::credential_by_email(tx, &lookup))
        .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "sign-in lookup");
            return crate::error::Failure::internal().into_response();
        }
    };
    let (phc, known) = match &credential {
        Some(c) => (c.hash.clone(), true),
        None => (password::dummy_hash().await, false),
    };
    if !password::verify(f.password, phc).await || !known {
        return wrong();
    }
    let Some(credential) = credential else {
        return wrong();
    };
    let code = token::new_token();
    let row = SignInCode {
        user: credential.user,
        challenge: query.code_challenge.clone(),
        redirect_uri: query.redirect_uri.clone(),
        expires_at: app.hub.clock().now() + CODE_LIFETIME,
    };
    let hash = token::digest(&code);
    if let Err(e) = app
        .hub
        .db()
        .run(move |tx| queries::insert_code(tx, &hash, &row))
        .await
    {
        tracing::error!(error = %e, "storing a sign-in code");
        return crate::error::Failure::internal().into_response();
    }
    let mut target = match reqwest::Url::parse(&query.redirect_uri) {
        Ok(url) => url,
        Err(_) => return refused("the redirect is not a valid address"),
    };
    target
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &query.state);
    let mut response = Redirect::to(target.as_str()).into_response();
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
