//! The recording proxy: a tiny HTTP/1.1 proxy on 127.0.0.1 that the tab's browser context sends
//! *every* request through (bypass list `<-loopback>`, so loopback too). It serves the harness's
//! own test pages, each exactly once, and answers everything else — any host, plain HTTP or an
//! HTTPS/WebSocket `CONNECT` — with an error, after writing it down. Nothing it is asked for
//! ever leaves the machine. A second instance, read by nobody, takes the browser's own
//! background traffic.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::{Error, Result};

/// The made-up origin test pages are served from (it only ever resolves inside the proxy).
pub(crate) const PAGE_ORIGIN: &str = "http://helpr-check.test";

/// Longest request head read; anything larger is recorded as far as read and cut off.
const MAX_HEAD: usize = 64 * 1024;
/// Longest request body read and thrown away (form posts, beacons).
const MAX_BODY: u64 = 1 << 20;
/// How long one connection may stay silent before the proxy gives up on it.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// One request the proxy received that was not a test page being served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub method: String,
    /// The request target as sent: an absolute URL, or `host:port` for `CONNECT`.
    pub target: String,
}

#[derive(Default)]
struct State {
    /// Test pages not served yet, by absolute URL.
    pages: HashMap<String, String>,
    /// Requests received since the last [`Recorder::take`].
    log: Vec<Record>,
}

struct Shared {
    state: Mutex<State>,
    stop: AtomicBool,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A connection thread that panicked leaves plain data behind; keep using it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(crate) struct Recorder {
    addr: SocketAddr,
    shared: Arc<Shared>,
    next_page: AtomicU64,
    acceptor: Option<JoinHandle<()>>,
}

impl Recorder {
    pub fn start() -> Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(Error::Proxy)?;
        let addr = listener.local_addr().map_err(Error::Proxy)?;
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            stop: AtomicBool::new(false),
        });
        let accept_shared = Arc::clone(&shared);
        let acceptor = std::thread::Builder::new()
            .name("browser-check-proxy".into())
            .spawn(move || accept_loop(&listener, &accept_shared))
            .map_err(Error::Proxy)?;
        Ok(Self {
            addr,
            shared,
            next_page: AtomicU64::new(1),
            acceptor: Some(acceptor),
        })
    }

    /// `http://127.0.0.1:PORT`, for `--proxy-server`.
    pub fn proxy_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Registers `html` as a new page and returns its URL; the proxy serves it once.
    pub fn add_page(&self, html: String) -> String {
        let n = self.next_page.fetch_add(1, Ordering::Relaxed);
        let url = format!("{PAGE_ORIGIN}/page/{n}");
        self.shared.state().pages.insert(url.clone(), html);
        url
    }

    /// The requests received since the last call.
    pub fn take(&self) -> Vec<Record> {
        std::mem::take(&mut self.shared.state().log)
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(shared);
        // One short-lived thread per connection: every answer closes the connection.
        let _ = std::thread::Builder::new()
            .name("browser-check-conn".into())
            .spawn(move || {
                let _ = serve(stream, &shared);
            });
    }
}

/// Reads one request, records or serves it, answers and closes.
fn serve(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let Some(head) = read_head(&mut reader)? else {
        // A connection that sent nothing (a preconnect) carries no request.
        return Ok(());
    };
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let content_length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<u64>().ok())
        .unwrap_or(0);
    if content_length > 0 {
        std::io::copy(
            &mut reader.by_ref().take(content_length.min(MAX_BODY)),
            &mut std::io::sink(),
        )?;
    }

    let page = {
        let mut state = shared.state();
        let page = (method == "GET")
            .then(|| state.pages.remove(&target))
            .flatten();
        if page.is_none() {
            state.log.push(Record {
                method: method.clone(),
                target,
            });
        }
        page
    };
    let mut stream = stream;
    match page {
        Some(html) => respond(&mut stream, "200 OK", "text/html; charset=utf-8", &html),
        None if method == "CONNECT" => respond(&mut stream, "403 Forbidden", "text/plain", ""),
        None => respond(&mut stream, "404 Not Found", "text/plain", ""),
    }
}

/// The request head (request line and headers) as text, or `None` for an empty connection.
fn read_head(reader: &mut impl BufRead) -> std::io::Result<Option<String>> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let n = reader
            .by_ref()
            .take((MAX_HEAD - head.len()) as u64)
            .read_until(b'\n', &mut head)?;
        if n == 0 || head.len() >= MAX_HEAD {
            break;
        }
        let line = &head[before..];
        if line == b"\r\n" || line == b"\n" {
            break;
        }
    }
    if head.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&head).into_owned()))
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &str,
) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send(recorder: &Recorder, request: &str) -> String {
        let mut stream = TcpStream::connect(recorder.addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    #[test]
    fn serves_a_page_once_and_records_everything_else() {
        let recorder = Recorder::start().unwrap();
        let url = recorder.add_page("<p>hi</p>".into());
        let first = send(&recorder, &format!("GET {url} HTTP/1.1\r\nHost: x\r\n\r\n"));
        assert!(first.starts_with("HTTP/1.1 200 OK"), "{first}");
        assert!(first.ends_with("<p>hi</p>"), "{first}");
        assert!(recorder.take().is_empty());

        let again = send(&recorder, &format!("GET {url} HTTP/1.1\r\n\r\n"));
        assert!(again.starts_with("HTTP/1.1 404"), "{again}");
        let post = send(
            &recorder,
            "POST http://evil.example/x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
        );
        assert!(post.starts_with("HTTP/1.1 404"), "{post}");
        let connect = send(&recorder, "CONNECT evil.example:443 HTTP/1.1\r\n\r\n");
        assert!(connect.starts_with("HTTP/1.1 403"), "{connect}");

        let log = recorder.take();
        let seen: Vec<(&str, &str)> = log
            .iter()
            .map(|r| (r.method.as_str(), r.target.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("GET", url.as_str()),
                ("POST", "http://evil.example/x"),
                ("CONNECT", "evil.example:443"),
            ]
        );
    }
}
