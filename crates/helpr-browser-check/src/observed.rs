//! What one page did, as the runner accumulates it from DevTools events, the settle steps and
//! the recorder's log, and how that becomes a [`Verdict`]: proxy records first, then requests the
//! browser started that never reached the proxy, then navigations and pending refreshes.

use crate::recorder::Record;
use crate::{Execution, Request, RequestKind, Verdict};

/// What happened while one page was shown.
#[derive(Default)]
pub(crate) struct Observed {
    pub page_url: String,
    pub executions: Vec<Execution>,
    pub navigations: Vec<Request>,
    pub network: Vec<NetworkRequest>,
    pub records: Vec<Record>,
    pub marks: Vec<(u64, bool)>,
    pub refreshes: Vec<String>,
    /// The tab's main frame committed a document since the counter was last cleared (a load
    /// event counts only after that, so a late one from the previous document is ignored).
    pub commits: usize,
    /// The main frame's load event fired since the flag was last cleared.
    pub loaded: bool,
    /// The harness itself is navigating the tab to `about:blank`.
    pub leaving: bool,
}

pub(crate) struct NetworkRequest {
    pub session: Option<String>,
    pub id: String,
    pub method: String,
    pub url: String,
    pub done: bool,
}

impl Observed {
    pub fn new(page_url: String) -> Self {
        Self {
            page_url,
            ..Self::default()
        }
    }

    pub fn pending_requests(&self) -> usize {
        self.network.iter().filter(|r| !r.done).count()
    }

    pub fn pending_urls(&self) -> Vec<&str> {
        self.network
            .iter()
            .filter(|r| !r.done)
            .map(|r| r.url.as_str())
            .collect()
    }

    /// Anything at all that a clean page would not show.
    pub fn fired(&self) -> bool {
        !self.executions.is_empty()
            || !self.navigations.is_empty()
            || !self.network.is_empty()
            || !self.records.is_empty()
            || !self.refreshes.is_empty()
    }

    pub fn merge(&mut self, other: Observed) {
        self.executions.extend(other.executions);
        self.navigations.extend(other.navigations);
        self.network.extend(other.network);
        self.records.extend(other.records);
        self.refreshes.extend(other.refreshes);
    }

    pub fn into_verdict(self) -> Verdict {
        let mut requests: Vec<Request> = self
            .records
            .iter()
            .map(|r| Request {
                kind: RequestKind::Proxy,
                detail: format!("{} {}", r.method, r.target),
            })
            .collect();
        requests.extend(
            self.network
                .iter()
                .filter(|n| !self.records.iter().any(|r| same_request(r, &n.url)))
                .map(|n| Request {
                    kind: RequestKind::Browser,
                    detail: format!("{} {}", n.method, n.url),
                }),
        );
        requests.extend(self.navigations);
        requests.extend(self.refreshes.into_iter().map(|content| Request {
            kind: RequestKind::PendingRefresh,
            detail: format!("<meta http-equiv=refresh content={content:?}>"),
        }));
        Verdict {
            executions: self.executions,
            requests,
        }
    }
}

/// Whether the proxy's `record` is the wire form of a request for `url`.
pub(crate) fn same_request(record: &Record, url: &str) -> bool {
    let url = url.split('#').next().unwrap_or(url);
    if record.target == url {
        return true;
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && !authority.ends_with(']')
    {
        authority.to_string()
    } else {
        let port = if matches!(scheme, "https" | "wss") {
            443
        } else {
            80
        };
        format!("{authority}:{port}")
    };
    record.method == "CONNECT" && record.target.eq_ignore_ascii_case(&with_port)
}

/// Schemes whose requests go over the network (and so through the proxy).
pub(crate) fn is_network_url(url: &str) -> bool {
    let scheme = url.split(':').next().unwrap_or_default();
    ["http", "https", "ws", "wss", "ftp"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(scheme))
}

pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(method: &str, target: &str) -> Record {
        Record {
            method: method.into(),
            target: target.into(),
        }
    }

    #[test]
    fn matches_browser_requests_to_what_the_proxy_saw() {
        assert!(same_request(
            &record("GET", "http://e.com/x.png"),
            "http://e.com/x.png#frag"
        ));
        assert!(same_request(
            &record("CONNECT", "e.com:443"),
            "https://e.com/x"
        ));
        assert!(same_request(
            &record("CONNECT", "e.com:8443"),
            "https://u:p@e.com:8443/x"
        ));
        assert!(same_request(&record("CONNECT", "e.com:80"), "ws://e.com/s"));
        assert!(!same_request(
            &record("GET", "http://e.com/y"),
            "http://e.com/x"
        ));
        assert!(!same_request(
            &record("CONNECT", "f.com:443"),
            "https://e.com/"
        ));
    }

    #[test]
    fn only_network_schemes_are_requests() {
        assert!(is_network_url("HTTP://e.com/"));
        assert!(is_network_url("wss://e.com/"));
        assert!(!is_network_url("data:image/png;base64,AA=="));
        assert!(!is_network_url("helpr-remote:1"));
        assert!(!is_network_url("about:blank"));
    }
}
