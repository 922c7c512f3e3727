//! helpr-loopback: the loopback listener of RFC 8252 §7.3 for browser sign-ins (Gmail's
//! installed-app flow in helpr-gmail, the team server's in helpr-team): `127.0.0.1:<random
//! port>`, one GET read with a minimal HTTP/1.1 request-line parser, a small page back. Other paths (a browser's
//! `/favicon.ico`) get a 404 and the wait goes on. Nothing here logs.

use std::io;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// Longest request head read; a redirect with code and state is far shorter.
const MAX_HEAD: usize = 16 * 1024;
/// How long one connection may take to send its head (a stray connection must not stall us).
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Loopback {
    listener: TcpListener,
    port: u16,
}

/// The redirect's query parameters and the connection to answer on.
pub struct Redirect {
    pub params: Vec<(String, String)>,
    stream: TcpStream,
}

impl Redirect {
    /// The value of `name` if it appears exactly once.
    pub fn single(&self, name: &str) -> Option<&str> {
        let mut values = self.params.iter().filter(|(n, _)| n == name);
        let first = values.next()?;
        values.next().is_none().then_some(first.1.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.params.iter().any(|(n, _)| n == name)
    }

    /// Answers the browser; errors are ignored (the user may already have closed it).
    pub async fn answer(mut self, signed_in: bool) {
        let (status, body) = if signed_in {
            (
                "200 OK",
                "<!doctype html><title>helpr</title><p>Signed in. You can close this window and return to helpr.</p>",
            )
        } else {
            (
                "400 Bad Request",
                "<!doctype html><title>helpr</title><p>Sign-in did not complete. You can close this window; helpr says why.</p>",
            )
        };
        let _ = respond(&mut self.stream, status, body).await;
    }
}

impl Loopback {
    pub async fn bind() -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        Ok(Self { listener, port })
    }

    /// `http://127.0.0.1:<port>/`.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Waits for a `GET /?…`; other requests are answered and skipped.
    pub async fn next_redirect(&self) -> io::Result<Redirect> {
        loop {
            let (mut stream, _) = self.listener.accept().await?;
            let head = match tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await {
                Ok(Ok(head)) => head,
                _ => continue,
            };
            match parse_request_line(&head) {
                Some(Target::Redirect(params)) => return Ok(Redirect { params, stream }),
                Some(Target::Other) => {
                    let _ = respond(&mut stream, "404 Not Found", "").await;
                }
                None => {
                    let _ = respond(&mut stream, "400 Bad Request", "").await;
                }
            }
        }
    }
}

async fn read_head(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(head)
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) -> io::Result<()> {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

#[derive(Debug, PartialEq)]
enum Target {
    /// `GET /` with its query parameters (form-decoded, repeats kept).
    Redirect(Vec<(String, String)>),
    Other,
}

/// `GET <target> HTTP/1.x` → the target's query; `None` for anything else.
fn parse_request_line(head: &[u8]) -> Option<Target> {
    let line_end = head.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&head[..line_end]).ok()?;
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !version.starts_with("HTTP/1.") {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" || path != "/" {
        return Some(Target::Other);
    }
    let params = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    Some(Target::Redirect(params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_line_gives_the_query() {
        let head = b"GET /?code=4%2F0A&state=a+b&x=1&x=2 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        assert_eq!(
            parse_request_line(head),
            Some(Target::Redirect(vec![
                ("code".into(), "4/0A".into()),
                ("state".into(), "a b".into()),
                ("x".into(), "1".into()),
                ("x".into(), "2".into()),
            ]))
        );
        assert_eq!(
            parse_request_line(b"GET /favicon.ico HTTP/1.1\r\n\r\n"),
            Some(Target::Other)
        );
        assert_eq!(
            parse_request_line(b"POST /?code=1 HTTP/1.1\r\n\r\n"),
            Some(Target::Other)
        );
        assert_eq!(parse_request_line(b"GET / SPDY\r\n\r\n"), None);
        assert_eq!(parse_request_line(b"garbage"), None);
    }
}
