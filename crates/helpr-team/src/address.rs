//! The team server's address as the desktop accepts it: `https://host[:port]`, or plain
//! `http://` only to a loopback address (a server on this machine behind no TLS, e.g. a local
//! proxy). Anything else is refused before any connection is made.

use url::{Host, Url};

/// A checked server address: scheme, host and port, nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress(Url);

/// Why an address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("not a server address: {0}")]
    Malformed(String),
    #[error("refusing plain http:// to a server that is not on this machine; use https://")]
    PlainHttp,
    #[error("a server address is https://host[:port], without a path, query or credentials")]
    Extra,
}

impl ServerAddress {
    pub fn parse(text: &str) -> Result<ServerAddress, AddressError> {
        let url = Url::parse(text.trim()).map_err(|e| AddressError::Malformed(e.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" => {
                let loopback = match url.host() {
                    Some(Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(Host::Ipv6(ip)) => ip.is_loopback(),
                    Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                    None => false,
                };
                if !loopback {
                    return Err(AddressError::PlainHttp);
                }
            }
            other => return Err(AddressError::Malformed(format!("scheme {other}"))),
        }
        if url.host().is_none() {
            return Err(AddressError::Malformed("no host".into()));
        }
        if !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
            || !matches!(url.path(), "" | "/")
        {
            return Err(AddressError::Extra);
        }
        Ok(ServerAddress(url))
    }

    /// The URL of `path` (which starts with `/`, and may end in `?query`) on this server.
    pub fn join(&self, path: &str) -> Url {
        let mut url = self.0.clone();
        let (path, query) = match path.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path, None),
        };
        url.set_path(path);
        url.set_query(query);
        url
    }

    /// `host:port`, for a raw TLS connection.
    pub fn host_port(&self) -> (String, u16) {
        let host = match self.0.host() {
            Some(Host::Ipv6(ip)) => ip.to_string(),
            Some(h) => h.to_string(),
            None => String::new(),
        };
        (host, self.0.port_or_known_default().unwrap_or(443))
    }

    pub fn is_https(&self) -> bool {
        self.0.scheme() == "https"
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Display for ServerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str().trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_only_on_loopback() {
        for good in [
            "https://team.example.com",
            "https://team.example.com:7443/",
            "http://127.0.0.1:7443",
            "http://[::1]:7443",
            "http://localhost:7443",
        ] {
            assert!(ServerAddress::parse(good).is_ok(), "{good}");
        }
        assert_eq!(
            ServerAddress::parse("http://team.example.com"),
            Err(AddressError::PlainHttp)
        );
        assert_eq!(
            ServerAddress::parse("http://10.0.0.2:7443"),
            Err(AddressError::PlainHttp)
        );
        assert_eq!(
            ServerAddress::parse("https://u:p@team.example.com"),
            Err(AddressError::Extra)
        );
        assert_eq!(
            ServerAddress::parse("https://team.example.com/x"),
            Err(AddressError::Extra)
        );
        assert!(matches!(
            ServerAddress::parse("ftp://team.example.com"),
            Err(AddressError::Malformed(_))
        ));
        assert!(matches!(
            ServerAddress::parse("team.example.com"),
            Err(AddressError::Malformed(_))
        ));
    }
}
