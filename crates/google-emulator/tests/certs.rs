//! The emulator's cert endpoints and push minting, seen from outside over a real socket:
//! Google's JWKS and PEM-map shapes, `Cache-Control`, fetch counters, rotation, and tokens and
//! bodies in the shape Pub/Sub sends (google-protocols.md §3, §7 items 4 and 6).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use google_emulator::{
    Config, Delivery, Emulator, HistoryIdForm, Notification, PushClaims, SigningKey,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rsa::pkcs1::DecodeRsaPublicKey as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::Value;
use x509_cert::der::DecodePem as _;

async fn get(url: &str) -> (u16, Option<String>, Value) {
    let response = reqwest::get(url).await.expect("emulator answers");
    let status = response.status().as_u16();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.bytes().await.unwrap();
    (
        status,
        cache,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn jwks_has_googles_shape_and_cache_control() {
    let emulator = Emulator::start(Config::default()).await.unwrap();
    let (status, cache, jwks) = get(&emulator.jwks_url()).await;
    assert_eq!(status, 200);
    assert_eq!(cache.as_deref(), Some("public, max-age=21600"));
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = keys[0].as_object().unwrap();
    let mut fields: Vec<&str> = key.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["alg", "e", "kid", "kty", "n", "use"]);
    assert_eq!(key["kid"], emulator.active_kid().as_str());
    assert_eq!(key["e"], "AQAB");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    assert_eq!(n.len(), 256, "a 2048-bit modulus");
    assert_eq!(emulator.active_kid().len(), 40);
    assert_eq!(emulator.jwks_fetches(), 1);

    emulator.set_certs_max_age(1);
    let (_, cache, _) = get(&emulator.jwks_url()).await;
    assert_eq!(cache.as_deref(), Some("public, max-age=1"));
    assert_eq!(emulator.jwks_fetches(), 2);
    assert_eq!(emulator.pem_fetches(), 0);
}

#[tokio::test]
async fn rotation_publishes_both_keys_until_the_old_one_retires() {
    let emulator = Emulator::start(Config::default()).await.unwrap();
    let old = emulator.active_kid();
    let new = emulator.rotate_key().unwrap();
    assert_ne!(old, new);
    assert_eq!(emulator.active_kid(), new);
    assert_eq!(emulator.published_kids(), [old.clone(), new.clone()]);

    let (_, _, jwks) = get(&emulator.jwks_url()).await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [old.as_str(), new.as_str()]);
    let (status, cache, pems) = get(&emulator.pem_url()).await;
    assert_eq!(status, 200);
    assert_eq!(cache.as_deref(), Some("public, max-age=21600"));
    let pems = pems.as_object().unwrap();
    assert_eq!(pems.len(), 2);
    for (kid, jwk) in [&old, &new]
        .into_iter()
        .zip(jwks["keys"].as_array().unwrap())
    {
        let pem = pems[kid.as_str()].as_str().unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"), "{pem}");
        let cert = x509_cert::Certificate::from_pem(pem).unwrap();
        let tbs = &cert.tbs_certificate;
        assert_eq!(tbs.issuer, tbs.subject, "self-signed");
        assert_eq!(tbs.subject.to_string(), format!("CN={kid}"));
        let public = rsa::RsaPublicKey::from_pkcs1_der(
            tbs.subject_public_key_info.subject_public_key.raw_bytes(),
        )
        .unwrap();
        let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
        assert_eq!(
            public.n().to_bytes_be(),
            n,
            "the certificate holds the JWK's key"
        );
    }

    assert_eq!(emulator.retire_old_keys(), [old]);
    let (_, _, jwks) = get(&emulator.jwks_url()).await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(jwks["keys"][0]["kid"], new.as_str());
    assert_eq!(emulator.jwks_fetches(), 2);
    assert_eq!(emulator.pem_fetches(), 1);
}

#[tokio::test]
async fn unknown_paths_and_methods_are_refused() {
    let emulator = Emulator::start(Config::default()).await.unwrap();
    let (status, _, _) = get(&format!("{}/nope", emulator.base_url())).await;
    assert_eq!(status, 404);
    let post = reqwest::Client::new()
        .post(emulator.jwks_url())
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 405);
    assert_eq!(emulator.jwks_fetches(), 0);
}

#[tokio::test]
async fn push_token_is_an_rs256_oidc_token_under_a_published_kid() {
    let emulator = Emulator::start(Config::default()).await.unwrap();
    let claims = PushClaims::new("https://push.example/h", "sa@p.iam.gserviceaccount.com");
    let token = emulator.push_token(&claims).unwrap();

    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some(emulator.active_kid().as_str()));

    let (_, _, jwks) = get(&emulator.jwks_url()).await;
    let jwk = &jwks["keys"][0];
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&["https://push.example/h"]);
    validation.set_issuer(&["https://accounts.google.com"]);
    let got: Value = jsonwebtoken::decode(&token, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(got["email"], "sa@p.iam.gserviceaccount.com");
    assert_eq!(got["email_verified"], true);
    let iat = got["iat"].as_u64().unwrap();
    assert_eq!(got["exp"].as_u64().unwrap(), iat + 3600);
    let sub = got["sub"].as_str().unwrap();
    assert!(
        sub.len() == 21 && sub.bytes().all(|b| b.is_ascii_digit()),
        "{sub}"
    );
    assert_eq!(got["azp"], sub);
}

#[tokio::test]
async fn push_body_is_a_wrapped_pubsub_delivery() {
    for (form, expected) in [
        (HistoryIdForm::Number, Value::from(1710u64)),
        (HistoryIdForm::String, Value::from("1710")),
    ] {
        let body = google_emulator::pubsub::push_body(
            &Notification {
                email_address: "user@example.com".to_owned(),
                history_id: 1710,
                form,
            },
            &Delivery {
                delivery_attempt: 3,
                ..Delivery::default()
            },
        );
        let body: Value = serde_json::from_slice(&body).unwrap();
        let message = &body["message"];
        let data = STANDARD.decode(message["data"].as_str().unwrap()).unwrap();
        let data: Value = serde_json::from_slice(&data).unwrap();
        assert_eq!(data["emailAddress"], "user@example.com");
        assert_eq!(data["historyId"], expected);
        assert_eq!(message["messageId"], message["message_id"]);
        assert_eq!(message["publishTime"], message["publish_time"]);
        let publish_time = message["publishTime"].as_str().unwrap();
        assert_eq!(
            publish_time.len(),
            "2021-02-26T19:13:55.749Z".len(),
            "{publish_time}"
        );
        assert!(publish_time.ends_with('Z') && publish_time.as_bytes()[19] == b'.');
        assert!(body["subscription"]
            .as_str()
            .unwrap()
            .starts_with("projects/"));
        assert_eq!(body["deliveryAttempt"], 3);
    }
}

#[test]
fn keys_load_from_pkcs1_and_pkcs8_pem() {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let pkcs1 = SigningKey::from_pem(&private.to_pkcs1_pem(LineEnding::LF).unwrap()).unwrap();
    let pkcs8 = SigningKey::from_pem(&private.to_pkcs8_pem(LineEnding::LF).unwrap()).unwrap();
    assert_eq!(pkcs1.kid(), pkcs8.kid());
    assert_eq!(pkcs1.modulus_b64(), pkcs8.modulus_b64());
    assert!(SigningKey::from_pem("-----BEGIN NOTHING-----").is_err());
}
