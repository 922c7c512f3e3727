//! `application/x-www-form-urlencoded` as OAuth uses it: query strings and token-request
//! bodies parsed (a repeated parameter is an error, RFC 6749 §3.1), values percent-encoded
//! for redirects, and HTTP Basic client credentials (form-encoded before base64, §2.3.1).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use std::collections::HashMap;

/// Parsed parameters; each name at most once.
#[derive(Debug, Default)]
pub(crate) struct Params(HashMap<String, String>);

impl Params {
    /// Parses `input`; `Err(name)` names a parameter given twice.
    pub(crate) fn parse(input: &str) -> Result<Self, String> {
        let mut map = HashMap::new();
        for pair in input.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name);
            if map.insert(name.clone(), decode(value)).is_some() {
                return Err(name);
            }
        }
        Ok(Self(map))
    }

    /// The value of `name`, with an empty value read as absent.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Percent-decodes, reading `+` as a space; a malformed escape stays as written.
pub(crate) fn decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                let hex = [bytes[i + 1], bytes[i + 2]];
                let text = std::str::from_utf8(&hex).expect("hex digits are ASCII");
                out.push(u8::from_str_radix(text, 16).expect("two hex digits"));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for b in input.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Client id and secret from an `Authorization: Basic …` header value; `None` if the header
/// is not Basic or not decodable.
pub(crate) fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = STANDARD.decode(rest.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((decode(id), decode(secret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_rejects_repeats() {
        let p = Params::parse("a=x%20y+z&b=&c=%zz%2").unwrap();
        assert_eq!(p.get("a"), Some("x y z"));
        assert_eq!(p.get("b"), None);
        assert_eq!(p.get("c"), Some("%zz%2"));
        assert_eq!(Params::parse("a=1&a=2").unwrap_err(), "a");
    }

    #[test]
    fn encodes_reserved() {
        assert_eq!(
            encode("https://mail.google.com/ openid"),
            "https%3A%2F%2Fmail.google.com%2F%20openid"
        );
        assert_eq!(decode(&encode("a b/+~")), "a b/+~");
    }

    #[test]
    fn basic_is_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("id%3Ax:s+cr%2Bt"));
        assert_eq!(
            basic_credentials(&header),
            Some(("id:x".into(), "s cr+t".into()))
        );
        assert_eq!(basic_credentials("Bearer x"), None);
    }
}
