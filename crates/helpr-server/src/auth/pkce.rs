//! The sign-in's parameters, checked before anything is shown or redirected: the redirect must
//! be a loopback `http` address (RFC 8252 §7.3: the desktop listens there), the challenge
//! method S256 and the challenge 43 to 128 base64url characters (RFC 7636 §4.2).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use helpr_proto::auth::SignInQuery;
use sha2::{Digest, Sha256};

/// Why a sign-in request is refused (shown on the page; never redirected to).
pub fn check(query: &SignInQuery) -> Result<(), String> {
    check_redirect(&query.redirect_uri)?;
    if query.code_challenge_method != "S256" {
        return Err("the code challenge method must be S256".into());
    }
    check_challenge(&query.code_challenge)?;
    if query.state.len() > 512 {
        return Err("the state is too long".into());
    }
    Ok(())
}

fn check_challenge(challenge: &str) -> Result<(), String> {
    let ok = (43..=128).contains(&challenge.len())
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err("the code challenge must be 43 to 128 base64url characters".into())
    }
}

/// A loopback `http` redirect: `http://127.0.0.1:PORT/…` or `http://[::1]:PORT/…`.
pub fn check_redirect(uri: &str) -> Result<(), String> {
    let refuse =
        || Err("the redirect must be http://127.0.0.1:PORT/… or http://[::1]:PORT/…".into());
    let Ok(url) = reqwest::Url::parse(uri) else {
        return refuse();
    };
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    if url.scheme() != "http"
        || !loopback
        || url.port().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.fragment().is_some()
    {
        return refuse();
    }
    Ok(())
}

/// Whether `verifier` answers `challenge` (BASE64URL(SHA-256(verifier)) = challenge).
pub fn verifies(verifier: &str, challenge: &str) -> bool {
    let ok_verifier = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    ok_verifier && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_redirects_with_a_port_pass() {
        for good in [
            "http://127.0.0.1:4000/cb",
            "http://[::1]:4000/",
            "http://127.0.0.1:1/a?b=c",
        ] {
            assert_eq!(check_redirect(good), Ok(()), "{good}");
        }
        for bad in [
            "https://127.0.0.1:4000/cb",
            "http://localhost:4000/cb",
            "http://10.0.0.1:4000/cb",
            "http://127.0.0.1/cb",
            "http://user@127.0.0.1:4000/",
            "http://127.0.0.1:4000/#x",
            "http://evil.example:4000/",
            "javascript:alert(1)",
            "",
        ] {
            assert!(check_redirect(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_rfc_7636_example_verifies_and_a_changed_verifier_does_not() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(verifies(verifier, challenge));
        assert!(!verifies(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
            challenge
        ));
        assert!(!verifies("short", challenge));
    }
}
