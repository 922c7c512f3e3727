//! Push verification against the google-emulator over real sockets: the emulator serves the
//! JWKS and signs tokens the way Pub/Sub does; each test forges one thing and checks that the
//! verifier refuses exactly that (and accepts the genuine article). Time is a manual clock,
//! so cache expiry and token expiry need no sleeps.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use google_emulator::{Config, Delivery, Emulator, HistoryIdForm, Notification, PushClaims};
use helpr_gmail::push::LEEWAY_SECS;
use helpr_gmail::{BodyError, Clock, Outcome, PushConfig, PushError, PushVerifier};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const AUDIENCE: &str = "https://team.helpr.test/gmail/push";
const SERVICE_ACCOUNT: &str = "gmail-push@helpr-test.iam.gserviceaccount.com";
const MAILBOX: &str = "team@helpr.test";

/// A clock that moves only when told.
struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

struct Fixture {
    emulator: Emulator,
    verifier: PushVerifier,
    clock: Arc<ManualClock>,
}

async fn fixture_with(config: Config) -> Fixture {
    let emulator = Emulator::start(config).await.expect("emulator starts");
    let clock = Arc::new(ManualClock(Mutex::new(SystemTime::now())));
    let verifier = PushVerifier::with_clock(
        PushConfig {
            jwks_url: emulator.jwks_url(),
            audience: AUDIENCE.to_owned(),
            service_account: SERVICE_ACCOUNT.to_owned(),
        },
        clock.clone(),
    )
    .expect("verifier builds");
    Fixture {
        emulator,
        verifier,
        clock,
    }
}

async fn fixture() -> Fixture {
    fixture_with(Config::default()).await
}

fn claims() -> PushClaims {
    PushClaims::new(AUDIENCE, SERVICE_ACCOUNT)
}

fn body(history_id: u64, form: HistoryIdForm) -> Vec<u8> {
    google_emulator::pubsub::push_body(
        &Notification {
            email_address: MAILBOX.to_owned(),
            history_id,
            form,
        },
        &Delivery::default(),
    )
}

fn body_with_data(data: &str) -> Vec<u8> {
    google_emulator::pubsub::wrap_data(data, &Delivery::default())
}

impl Fixture {
    fn token(&self, claims: &PushClaims) -> String {
        self.emulator.push_token(claims).expect("emulator signs")
    }

    async fn verify_token(&self, token: &str) -> Result<(), PushError> {
        self.verifier.verify_token(token).await
    }

    async fn verify(&self, body: &[u8], last: Option<u64>) -> Result<Outcome, PushError> {
        let header = format!("Bearer {}", self.token(&claims()));
        self.verifier.verify(Some(&header), body, last).await
    }
}

fn new(history_id: u64) -> Outcome {
    Outcome::New {
        email: MAILBOX.to_owned(),
        history_id,
    }
}

/// `header.payload.` with the payload of a genuine token.
fn unsigned(header: &str, genuine: &str) -> String {
    let payload = genuine.split('.').nth(1).unwrap();
    format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(header))
}

#[tokio::test]
async fn valid_push_is_accepted() {
    let f = fixture().await;
    assert_eq!(
        f.verify(&body(1710, HistoryIdForm::Number), None).await,
        Ok(new(1710))
    );
    assert_eq!(
        f.verify(&body(1_234_567_890, HistoryIdForm::String), Some(1710))
            .await,
        Ok(new(1_234_567_890))
    );
    assert_eq!(
        f.emulator.jwks_fetches(),
        1,
        "the second push used the cache"
    );
}

#[tokio::test]
async fn both_issuer_spellings_are_accepted() {
    let f = fixture().await;
    for iss in ["accounts.google.com", "https://accounts.google.com"] {
        let token = f.token(&PushClaims {
            iss: iss.to_owned(),
            ..claims()
        });
        assert_eq!(f.verify_token(&token).await, Ok(()), "{iss}");
    }
}

#[tokio::test]
async fn missing_or_non_bearer_authorization_is_rejected() {
    let f = fixture().await;
    let b = body(5, HistoryIdForm::Number);
    let token = f.token(&claims());
    for header in [
        None,
        Some(""),
        Some("Bearer"),
        Some(&*format!("Basic {token}")),
    ] {
        assert_eq!(
            f.verifier.verify(header, &b, None).await,
            Err(PushError::MissingToken),
            "{header:?}"
        );
    }
    assert_eq!(f.emulator.jwks_fetches(), 0);
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let f = fixture().await;
    let genuine = f.token(&claims());
    let kid = f.emulator.active_kid();
    for alg in ["none", "None", "NONE"] {
        let token = unsigned(
            &format!(r#"{{"alg":"{alg}","kid":"{kid}","typ":"JWT"}}"#),
            &genuine,
        );
        assert_eq!(
            f.verify_token(&token).await,
            Err(PushError::Algorithm),
            "{alg}"
        );
    }
    let no_alg = unsigned(&format!(r#"{{"kid":"{kid}","typ":"JWT"}}"#), &genuine);
    assert_eq!(f.verify_token(&no_alg).await, Err(PushError::Algorithm));
    assert_eq!(
        f.emulator.jwks_fetches(),
        0,
        "refused before any key was looked up"
    );
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_rejected() {
    let f = fixture().await;
    // The key-confusion attack: HMAC keyed with the published public key, in the forms a
    // verifier that hands "the key" to any algorithm would use.
    let pem = f.emulator.active_public_pem();
    let cert = f.emulator.active_certificate_pem();
    let jwks = reqwest::get(f.emulator.jwks_url())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for secret in [
        pem.as_bytes(),
        pem.trim_end().as_bytes(),
        cert.as_bytes(),
        jwks.as_bytes(),
    ] {
        let header = Header {
            alg: Algorithm::HS256,
            kid: Some(f.emulator.active_kid()),
            ..Header::default()
        };
        let token =
            jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(secret)).unwrap();
        assert_eq!(f.verify_token(&token).await, Err(PushError::Algorithm));

        // Same HMAC under a header that claims RS256: the RSA check fails it.
        let hs = token.split('.').nth(2).unwrap().to_owned();
        let rs_header = Header {
            alg: Algorithm::RS256,
            kid: Some(f.emulator.active_kid()),
            ..Header::default()
        };
        let genuine = f
            .emulator
            .push_token_with_header(&rs_header, &claims())
            .unwrap();
        let (signed_part, _) = genuine.rsplit_once('.').unwrap();
        let forged = format!("{signed_part}.{hs}");
        assert_eq!(f.verify_token(&forged).await, Err(PushError::Signature));
    }
}

#[tokio::test]
async fn other_rsa_algorithms_are_rejected() {
    let f = fixture().await;
    for alg in [Algorithm::RS384, Algorithm::RS512, Algorithm::PS256] {
        let header = Header {
            alg,
            kid: Some(f.emulator.active_kid()),
            ..Header::default()
        };
        let token = f
            .emulator
            .push_token_with_header(&header, &claims())
            .unwrap();
        assert_eq!(
            f.verify_token(&token).await,
            Err(PushError::Algorithm),
            "{alg:?}"
        );
    }
}

#[tokio::test]
async fn tampered_payload_fails_the_signature() {
    let f = fixture().await;
    let genuine = f.token(&claims());
    let other = f.token(&PushClaims {
        email: "attacker@evil.test".to_owned(),
        ..claims()
    });
    // The payload of one genuine token under the header and signature of another.
    let parts: Vec<&str> = genuine.split('.').collect();
    let spliced = format!(
        "{}.{}.{}",
        parts[0],
        other.split('.').nth(1).unwrap(),
        parts[2]
    );
    assert_eq!(f.verify_token(&spliced).await, Err(PushError::Signature));
    assert_eq!(
        f.verify_token("not.a.jwt").await,
        Err(PushError::MalformedToken)
    );
    assert_eq!(
        f.verify_token("only.two").await,
        Err(PushError::MalformedToken)
    );
}

#[tokio::test]
async fn unknown_kid_is_rejected_after_exactly_one_refetch() {
    let f = fixture().await;
    assert_eq!(f.verify_token(&f.token(&claims())).await, Ok(()));
    assert_eq!(f.emulator.jwks_fetches(), 1);

    let forged = f
        .emulator
        .push_token_with_kid(&claims(), "0000000000000000000000000000000000000000")
        .unwrap();
    assert_eq!(f.verify_token(&forged).await, Err(PushError::UnknownKey));
    assert_eq!(f.emulator.jwks_fetches(), 2, "one refetch, then the error");
}

#[tokio::test]
async fn missing_kid_is_rejected() {
    let f = fixture().await;
    let header = Header {
        alg: Algorithm::RS256,
        kid: None,
        ..Header::default()
    };
    let token = f
        .emulator
        .push_token_with_header(&header, &claims())
        .unwrap();
    assert_eq!(f.verify_token(&token).await, Err(PushError::MissingKeyId));
}

#[tokio::test]
async fn wrong_issuer_is_rejected() {
    let f = fixture().await;
    for iss in [
        "https://accounts.google.com.evil.test",
        "http://accounts.google.com",
        "https://evil.test",
    ] {
        let token = f.token(&PushClaims {
            iss: iss.to_owned(),
            ..claims()
        });
        assert_eq!(
            f.verify_token(&token).await,
            Err(PushError::Issuer),
            "{iss}"
        );
    }
}

#[tokio::test]
async fn wrong_audience_is_rejected() {
    let f = fixture().await;
    for aud in [
        "https://other.helpr.test/gmail/push",
        "https://team.helpr.test/gmail/push/",
        "",
    ] {
        let token = f.token(&PushClaims {
            aud: aud.to_owned(),
            ..claims()
        });
        assert_eq!(
            f.verify_token(&token).await,
            Err(PushError::Audience),
            "{aud:?}"
        );
    }
}

#[tokio::test]
async fn expiry_allows_sixty_seconds_of_leeway_and_no_more() {
    let f = fixture().await;
    let token = f.token(&claims());
    // Just past `exp`, inside the leeway: accepted.
    f.clock.advance(Duration::from_secs(
        google_emulator::pubsub::TOKEN_LIFETIME_SECS + 30,
    ));
    assert_eq!(f.verify_token(&token).await, Ok(()));
    // Past the leeway: refused.
    f.clock.advance(Duration::from_secs(LEEWAY_SECS));
    assert_eq!(f.verify_token(&token).await, Err(PushError::Expired));
}

#[tokio::test]
async fn email_verified_false_is_rejected() {
    let f = fixture().await;
    let token = f.token(&PushClaims {
        email_verified: false,
        ..claims()
    });
    assert_eq!(
        f.verify_token(&token).await,
        Err(PushError::EmailUnverified)
    );
}

#[tokio::test]
async fn wrong_email_is_rejected() {
    let f = fixture().await;
    for email in [
        "someone-else@helpr-test.iam.gserviceaccount.com",
        "GMAIL-PUSH@helpr-test.iam.gserviceaccount.com",
        "",
    ] {
        let token = f.token(&PushClaims {
            email: email.to_owned(),
            ..claims()
        });
        assert_eq!(
            f.verify_token(&token).await,
            Err(PushError::Email),
            "{email:?}"
        );
    }
}

#[tokio::test]
async fn replayed_or_older_history_id_is_a_replay() {
    let f = fixture().await;
    let b = body(500, HistoryIdForm::Number);
    assert_eq!(f.verify(&b, Some(499)).await, Ok(new(500)));
    assert_eq!(
        f.verify(&b, Some(500)).await,
        Ok(Outcome::Replay),
        "same id"
    );
    assert_eq!(
        f.verify(&body(420, HistoryIdForm::String), Some(500)).await,
        Ok(Outcome::Replay),
        "older id"
    );
}

#[tokio::test]
async fn data_in_any_base64_alphabet_and_padding_is_accepted() {
    let f = fixture().await;
    let json = br#"{"emailAddress":"team@helpr.test","historyId":"987654321"}"#;
    for data in [
        STANDARD.encode(json),
        STANDARD.encode(json).trim_end_matches('=').to_owned(),
        base64::engine::general_purpose::URL_SAFE.encode(json),
        URL_SAFE_NO_PAD.encode(json),
    ] {
        assert_eq!(
            f.verify(&body_with_data(&data), None).await,
            Ok(new(987_654_321))
        );
    }
}

#[tokio::test]
async fn malformed_bodies_are_typed_errors() {
    let f = fixture().await;
    let data = |json: &str| body_with_data(&STANDARD.encode(json));
    let cases: Vec<(&str, Vec<u8>, BodyError)> = vec![
        ("not JSON", b"<html>".to_vec(), BodyError::NotJson),
        ("JSON array", b"[1]".to_vec(), BodyError::NotJson),
        ("empty", Vec::new(), BodyError::NotJson),
        (
            "no message",
            br#"{"subscription":"s"}"#.to_vec(),
            BodyError::NoMessage,
        ),
        (
            "message not an object",
            br#"{"message":"x"}"#.to_vec(),
            BodyError::NoMessage,
        ),
        (
            "no data",
            br#"{"message":{"messageId":"1"}}"#.to_vec(),
            BodyError::NoData,
        ),
        (
            "data not base64",
            body_with_data("%%%not base64%%%"),
            BodyError::DataNotBase64,
        ),
        (
            "data not JSON",
            body_with_data(&STANDARD.encode("hello")),
            BodyError::DataNotJson,
        ),
        (
            "data JSON not an object",
            data("1710"),
            BodyError::DataNotJson,
        ),
        (
            "no emailAddress",
            data(r#"{"historyId":1}"#),
            BodyError::NoEmailAddress,
        ),
        (
            "historyId missing",
            data(r#"{"emailAddress":"a@b"}"#),
            BodyError::NoHistoryId,
        ),
        (
            "historyId null",
            data(r#"{"emailAddress":"a@b","historyId":null}"#),
            BodyError::NoHistoryId,
        ),
        (
            "historyId negative",
            data(r#"{"emailAddress":"a@b","historyId":-5}"#),
            BodyError::BadHistoryId,
        ),
        (
            "historyId negative string",
            data(r#"{"emailAddress":"a@b","historyId":"-5"}"#),
            BodyError::BadHistoryId,
        ),
        (
            "historyId non-numeric string",
            data(r#"{"emailAddress":"a@b","historyId":"abc"}"#),
            BodyError::BadHistoryId,
        ),
        (
            "historyId fraction",
            data(r#"{"emailAddress":"a@b","historyId":1.5}"#),
            BodyError::BadHistoryId,
        ),
        (
            "historyId too big",
            data(r#"{"emailAddress":"a@b","historyId":18446744073709551616}"#),
            BodyError::BadHistoryId,
        ),
        (
            "historyId bool",
            data(r#"{"emailAddress":"a@b","historyId":true}"#),
            BodyError::BadHistoryId,
        ),
    ];
    for (name, body, expected) in cases {
        assert_eq!(
            f.verify(&body, None).await,
            Err(PushError::Body(expected)),
            "{name}"
        );
    }
}

#[tokio::test]
async fn jwks_cache_honours_max_age() {
    let f = fixture_with(Config {
        certs_max_age_secs: 1,
    })
    .await;
    let token = f.token(&claims());
    assert_eq!(f.verify_token(&token).await, Ok(()));
    assert_eq!(f.verify_token(&token).await, Ok(()));
    assert_eq!(f.emulator.jwks_fetches(), 1, "no refetch within max-age");

    f.clock.advance(Duration::from_millis(1100));
    assert_eq!(f.verify_token(&token).await, Ok(()));
    assert_eq!(f.emulator.jwks_fetches(), 2, "a refetch after max-age");
    assert_eq!(f.verify_token(&token).await, Ok(()));
    assert_eq!(f.emulator.jwks_fetches(), 2, "and cached again");
}

#[tokio::test]
async fn key_rotation_is_followed() {
    let f = fixture_with(Config {
        certs_max_age_secs: 60,
    })
    .await;
    let old_token = f.token(&claims());
    assert_eq!(f.verify_token(&old_token).await, Ok(()));
    assert_eq!(f.emulator.jwks_fetches(), 1);

    // Google publishes a second key and signs with it; the cached set lacks it.
    let new_kid = f.emulator.rotate_key().unwrap();
    assert_eq!(f.emulator.active_kid(), new_kid);
    let new_token = f.token(&claims());
    assert_eq!(f.verify_token(&new_token).await, Ok(()));
    assert_eq!(
        f.emulator.jwks_fetches(),
        2,
        "unknown kid → one refetch → found"
    );
    assert_eq!(
        f.verify_token(&old_token).await,
        Ok(()),
        "old key still published"
    );
    assert_eq!(f.emulator.jwks_fetches(), 2);

    // The old key is retired; once the cache expires, its tokens no longer verify.
    f.emulator.retire_old_keys();
    f.clock.advance(Duration::from_secs(61));
    assert_eq!(f.verify_token(&old_token).await, Err(PushError::UnknownKey));
    assert_eq!(f.verify_token(&new_token).await, Ok(()));
}

#[tokio::test]
async fn jwks_failures_are_reported_not_trusted() {
    let f = fixture().await;
    let verifier = PushVerifier::new(PushConfig {
        jwks_url: format!("{}/no/such/path", f.emulator.base_url()),
        audience: AUDIENCE.to_owned(),
        service_account: SERVICE_ACCOUNT.to_owned(),
    })
    .unwrap();
    assert_eq!(
        verifier.verify_token(&f.token(&claims())).await,
        Err(PushError::Jwks(helpr_gmail::JwksError::Status(404)))
    );
}

#[tokio::test]
async fn error_messages_are_log_safe() {
    let f = fixture().await;
    let bad_email = f.token(&PushClaims {
        email: "leak-me@evil.test".to_owned(),
        ..claims()
    });
    let unverified = f.token(&PushClaims {
        email_verified: false,
        ..claims()
    });
    let wrong_aud = f.token(&PushClaims {
        aud: "https://leak-me.test".to_owned(),
        ..claims()
    });
    let mut shown = Vec::new();
    for token in [&bad_email, &unverified, &wrong_aud] {
        let err = f.verify_token(token).await.unwrap_err();
        shown.push((token.clone(), format!("{err} {err:?}")));
    }
    let header = format!("Bearer {}", f.token(&claims()));
    let leaky = body_with_data(&STANDARD.encode(r#"{"emailAddress":"leak-me@evil.test"}"#));
    let err = f
        .verifier
        .verify(Some(&header), &leaky, None)
        .await
        .unwrap_err();
    shown.push((header, format!("{err} {err:?}")));
    for (token, text) in shown {
        assert!(!text.contains(&token), "{text}");
        for secret in ["leak-me", SERVICE_ACCOUNT, AUDIENCE, MAILBOX] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}
