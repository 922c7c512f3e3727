//! One SMTP session (RFC 5321 with RFC 3207 STARTTLS and RFC 4954 AUTH), as smtp.gmail.com
//! answers it (google-protocols.md §4): EHLO's extensions, AUTH (XOAUTH2 checked against the
//! OAuth store; PLAIN and LOGIN always refused, as there are no passwords here), MAIL FROM,
//! RCPT TO, DATA (dot-unstuffing, size cap), RSET, NOOP, QUIT. Mail commands before AUTH get
//! 530; on the STARTTLS port, AUTH and mail before STARTTLS get 530 "Must issue a STARTTLS
//! command first". A client that vanishes mid-command (lettre after an XOAUTH2 `334`) just
//! ends its session.
//!
//! Reply texts follow Gmail's where the reference has them (`235 2.7.0 Accepted` and the
//! `535 5.7.8` text are unconfirmed, §4); the rest are RFC-style.

use crate::server::State;
use crate::smtp::SentMessage;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use std::sync::atomic::Ordering;
use tokio::io::{
    AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, BufReader,
};

/// The longest command line read (RFC 5321 says 512; AUTH lines with tokens run longer).
const MAX_COMMAND: u64 = 16 * 1024;
/// The longest DATA line read (RFC 5321 says 1000).
const MAX_DATA_LINE: u64 = 64 * 1024;

/// What the session starts as.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flags {
    /// The connection is already TLS.
    pub(crate) tls: bool,
    /// EHLO offers STARTTLS and AUTH/mail wait for it.
    pub(crate) offer_starttls: bool,
    /// Send the `220` greeting (not after STARTTLS).
    pub(crate) greet: bool,
}

/// The XOAUTH2 failure challenge: base64 of Google's observed JSON (§4).
fn xoauth2_challenge() -> String {
    STANDARD.encode(br#"{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}"#)
}

struct Session<'a, S> {
    io: BufReader<S>,
    state: &'a State,
    peer: &'a str,
    flags: Flags,
    helo: bool,
    authed: bool,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

/// Why the session loop stopped.
enum Stop {
    /// QUIT, EOF, an I/O error or a line too long.
    Closed,
    /// `220` sent to STARTTLS: hand the raw stream back for the handshake.
    StartTls,
}

/// Runs a session on `stream`; returns the stream when the client asked for STARTTLS.
pub(crate) async fn run<S>(stream: S, state: &State, peer: &str, flags: Flags) -> Option<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut session = Session {
        io: BufReader::new(stream),
        state,
        peer,
        flags,
        helo: false,
        authed: false,
        mail_from: None,
        rcpt_to: Vec::new(),
    };
    if flags.greet
        && session
            .reply("220 127.0.0.1 ESMTP google-emulator - gsmtp")
            .await
            .is_err()
    {
        return None;
    }
    match session.serve().await {
        // Pipelined plaintext after STARTTLS is dropped with the buffer (RFC 3207 §4.2).
        Stop::StartTls => Some(session.io.into_inner()),
        Stop::Closed => None,
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Session<'_, S> {
    /// One reply, its line and CRLF in one write: written apart they left as two segments, and
    /// Nagle held the CRLF until the client's delayed ACK (~40 ms a reply on loopback, ~0.3 s
    /// a submission), which smtp.gmail.com does not do.
    async fn reply(&mut self, line: &str) -> std::io::Result<()> {
        let stream = self.io.get_mut();
        stream.write_all(format!("{line}\r\n").as_bytes()).await?;
        stream.flush().await
    }

    /// One line without its CRLF; `None` at EOF, on an error or when longer than `limit`.
    async fn line(&mut self, limit: u64) -> Option<Vec<u8>> {
        let mut buf = Vec::new();
        let n = (&mut self.io)
            .take(limit)
            .read_until(b'\n', &mut buf)
            .await
            .ok()?;
        if n == 0 || !buf.ends_with(b"\n") {
            if n as u64 >= limit {
                let _ = self.reply("500 5.5.2 Line too long").await;
            }
            return None;
        }
        buf.pop();
        if buf.ends_with(b"\r") {
            buf.pop();
        }
        Some(buf)
    }

    async fn serve(&mut self) -> Stop {
        loop {
            let Some(line) = self.line(MAX_COMMAND).await else {
                return Stop::Closed;
            };
            let line = String::from_utf8_lossy(&line).into_owned();
            let (verb, arg) = line.split_once(' ').unwrap_or((line.as_str(), ""));
            let verb = verb.to_ascii_uppercase();
            let arg = arg.trim();
            let result = match verb.as_str() {
                "EHLO" => self.ehlo(arg).await,
                "HELO" => {
                    self.helo = true;
                    self.reset();
                    self.reply("250 127.0.0.1 at your service").await
                }
                "STARTTLS" => match self.starttls(arg).await {
                    Ok(true) => return Stop::StartTls,
                    other => other.map(|_| ()),
                },
                "AUTH" => match self.auth(arg).await {
                    Some(r) => r,
                    None => return Stop::Closed,
                },
                "MAIL" => self.mail(arg).await,
                "RCPT" => self.rcpt(arg).await,
                "DATA" => match self.data().await {
                    Some(r) => r,
                    None => return Stop::Closed,
                },
                "RSET" => {
                    self.reset();
                    self.reply("250 2.1.5 Flushed").await
                }
                "NOOP" => self.reply("250 2.0.0 OK").await,
                "QUIT" => {
                    let _ = self.reply("221 2.0.0 closing connection").await;
                    return Stop::Closed;
                }
                _ => self.reply("502 5.5.1 Unrecognized command.").await,
            };
            if result.is_err() {
                return Stop::Closed;
            }
        }
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
    }

    /// AUTH and mail need TLS first on the STARTTLS port.
    fn needs_starttls(&self) -> bool {
        self.flags.offer_starttls && !self.flags.tls
    }

    async fn ehlo(&mut self, _domain: &str) -> std::io::Result<()> {
        self.helo = true;
        self.reset();
        let mut lines = vec![
            format!("127.0.0.1 at your service, [{}]", self.peer),
            format!("SIZE {}", self.state.smtp.max_size.load(Ordering::SeqCst)),
            "8BITMIME".to_owned(),
        ];
        if self.needs_starttls() {
            lines.push("STARTTLS".to_owned());
        } else {
            lines.push("AUTH PLAIN LOGIN XOAUTH2".to_owned());
        }
        lines.extend(["ENHANCEDSTATUSCODES", "PIPELINING", "SMTPUTF8"].map(str::to_owned));
        let last = lines.len() - 1;
        let text: String = lines
            .iter()
            .enumerate()
            .map(|(i, l)| format!("250{}{l}\r\n", if i == last { ' ' } else { '-' }))
            .collect();
        let stream = self.io.get_mut();
        stream.write_all(text.as_bytes()).await?;
        stream.flush().await
    }

    /// `Ok(true)` when `220` was sent and the handshake comes next.
    async fn starttls(&mut self, arg: &str) -> std::io::Result<bool> {
        if !self.needs_starttls() {
            self.reply("503 5.5.1 TLS already active").await?;
            return Ok(false);
        }
        if !arg.is_empty() {
            self.reply("501 5.5.4 Syntax error, no parameters allowed")
                .await?;
            return Ok(false);
        }
        self.reply("220 2.0.0 Ready to start TLS").await?;
        Ok(true)
    }

    /// `None` when the client went away mid-exchange.
    async fn auth(&mut self, arg: &str) -> Option<std::io::Result<()>> {
        if self.needs_starttls() {
            return Some(
                self.reply("530 5.7.0 Must issue a STARTTLS command first")
                    .await,
            );
        }
        if !self.helo {
            return Some(self.reply("503 5.5.1 EHLO/HELO first.").await);
        }
        if self.authed {
            return Some(self.reply("503 5.5.1 Already authenticated.").await);
        }
        let (mechanism, initial) = arg.split_once(' ').unwrap_or((arg, ""));
        let mechanism = mechanism.to_ascii_uppercase();
        let initial = initial.trim();
        match mechanism.as_str() {
            "XOAUTH2" => self.xoauth2(initial).await,
            "PLAIN" => {
                if initial.is_empty() {
                    self.reply("334 ").await.ok()?;
                    self.line(MAX_COMMAND).await?;
                }
                self.state.smtp.count_auth_failure();
                Some(self.refuse_password().await)
            }
            "LOGIN" => {
                if initial.is_empty() {
                    self.reply("334 VXNlcm5hbWU6").await.ok()?;
                    self.line(MAX_COMMAND).await?;
                }
                self.reply("334 UGFzc3dvcmQ6").await.ok()?;
                self.line(MAX_COMMAND).await?;
                self.state.smtp.count_auth_failure();
                Some(self.refuse_password().await)
            }
            _ => Some(
                self.reply("504 5.7.4 Unrecognized authentication type.")
                    .await,
            ),
        }
    }

    async fn refuse_password(&mut self) -> std::io::Result<()> {
        self.reply("535 5.7.8 Username and Password not accepted")
            .await
    }

    async fn xoauth2(&mut self, initial: &str) -> Option<std::io::Result<()>> {
        let response = if initial.is_empty() {
            self.reply("334 ").await.ok()?;
            String::from_utf8_lossy(&self.line(MAX_COMMAND).await?).into_owned()
        } else {
            initial.to_owned()
        };
        if response == "*" {
            return Some(self.reply("501 5.7.0 Authentication aborted").await);
        }
        let Ok(decoded) = STANDARD.decode(response.trim()) else {
            return Some(self.reply("501 5.5.2 Cannot Decode response").await);
        };
        let accepted = !self.state.smtp.take_forced_failure()
            && parse_xoauth2(&decoded).is_some_and(|(user, token)| {
                self.state
                    .oauth
                    .check_access_token(&token)
                    .is_ok_and(|account| account.email.eq_ignore_ascii_case(&user))
            });
        if accepted {
            self.authed = true;
            return Some(self.reply("235 2.7.0 Accepted").await);
        }
        self.state.smtp.count_auth_failure();
        self.reply(&format!("334 {}", xoauth2_challenge()))
            .await
            .ok()?;
        // The client answers the challenge with an empty line; lettre hangs up instead.
        self.line(MAX_COMMAND).await?;
        Some(self.refuse_password().await)
    }

    /// Why a mail transaction cannot start yet: no TLS where it is required, or no AUTH.
    fn unauthenticated(&self) -> Option<&'static str> {
        if self.needs_starttls() {
            Some("530 5.7.0 Must issue a STARTTLS command first")
        } else if !self.authed {
            Some("530 5.7.0 Authentication Required")
        } else {
            None
        }
    }

    async fn mail(&mut self, arg: &str) -> std::io::Result<()> {
        if let Some(refusal) = self.unauthenticated() {
            return self.reply(refusal).await;
        }
        if self.mail_from.is_some() {
            return self.reply("503 5.5.1 Nested MAIL command.").await;
        }
        let Some((address, params)) = path_arg(arg, "FROM:") else {
            return self.reply("501 5.5.4 Syntax error in MAIL FROM").await;
        };
        let max = self.state.smtp.max_size.load(Ordering::SeqCst);
        let too_big = params.split_whitespace().any(|p| {
            p.to_ascii_uppercase()
                .strip_prefix("SIZE=")
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n > max)
        });
        if too_big {
            return self
                .reply("552 5.3.4 Message size exceeds fixed maximum message size")
                .await;
        }
        self.mail_from = Some(address);
        self.reply("250 2.1.0 OK").await
    }

    async fn rcpt(&mut self, arg: &str) -> std::io::Result<()> {
        if let Some(refusal) = self.unauthenticated() {
            return self.reply(refusal).await;
        }
        if self.mail_from.is_none() {
            return self.reply("503 5.5.1 need MAIL before RCPT").await;
        }
        match path_arg(arg, "TO:") {
            Some((address, _)) if !address.is_empty() => {
                self.rcpt_to.push(address);
                self.reply("250 2.1.5 OK").await
            }
            _ => self.reply("501 5.5.4 Syntax error in RCPT TO").await,
        }
    }

    /// `None` when the client went away mid-message.
    async fn data(&mut self) -> Option<std::io::Result<()>> {
        if self.needs_starttls() {
            return Some(
                self.reply("530 5.7.0 Must issue a STARTTLS command first")
                    .await,
            );
        }
        if !self.authed {
            return Some(self.reply("530 5.7.0 Authentication Required").await);
        }
        if self.rcpt_to.is_empty() {
            return Some(self.reply("503 5.5.1 RCPT first.").await);
        }
        self.reply("354 Go ahead").await.ok()?;
        let max = self.state.smtp.max_size.load(Ordering::SeqCst);
        let mut message = Vec::new();
        let mut too_big = false;
        loop {
            let line = self.line(MAX_DATA_LINE).await?;
            if line == b"." {
                break;
            }
            // Dot-unstuffing (RFC 5321 §4.5.2).
            let line = line.strip_prefix(b".").unwrap_or(&line);
            if message.len() + line.len() + 2 > max {
                too_big = true;
            }
            if !too_big {
                message.extend_from_slice(line);
                message.extend_from_slice(b"\r\n");
            }
        }
        let mail_from = self.mail_from.take().unwrap_or_default();
        let rcpt_to = std::mem::take(&mut self.rcpt_to);
        if too_big {
            return Some(
                self.reply("552 5.3.4 Message size exceeds fixed maximum message size")
                    .await,
            );
        }
        let sent = self.deliver(message, mail_from, rcpt_to);
        Some(
            self.reply(&format!("250 2.0.0 OK {} - gsmtp", sent.id))
                .await,
        )
    }

    fn deliver(&self, message: Vec<u8>, mail_from: String, rcpt_to: Vec<String>) -> SentMessage {
        let now_ms = i64::try_from(self.state.oauth.clock.now_ms()).unwrap_or(i64::MAX);
        let mut mailbox = self
            .state
            .gmail
            .mailbox
            .write()
            .unwrap_or_else(|p| p.into_inner());
        let id = mailbox.add_sent(message, now_ms);
        let thread_id = mailbox
            .get(&id)
            .map(|m| m.thread_id.clone())
            .unwrap_or_else(|| id.clone());
        drop(mailbox);
        let sent = SentMessage {
            id,
            thread_id,
            mail_from,
            rcpt_to,
        };
        self.state.smtp.record_sent(sent.clone());
        sent
    }
}

/// `FROM:<a@b> PARAMS` → (`a@b`, `PARAMS`); the keyword in any case, a space after the colon
/// tolerated.
fn path_arg(arg: &str, keyword: &str) -> Option<(String, String)> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let (address, params) = rest.split_once('>')?;
    Some((address.to_owned(), params.trim().to_owned()))
}

/// `user=<email>\x01auth=Bearer <token>\x01\x01` → (email, token).
fn parse_xoauth2(decoded: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(decoded).ok()?;
    let text = text.strip_suffix("\x01\x01")?;
    let (user, auth) = text.split_once('\x01')?;
    let user = user.strip_prefix("user=")?;
    let auth = auth.strip_prefix("auth=")?;
    let (scheme, token) = auth.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty())
        .then(|| (user.to_owned(), token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoauth2_initial_response_parses_as_googles_example() {
        let decoded = STANDARD
            .decode(
                "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52\
                 YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==",
            )
            .unwrap();
        assert_eq!(
            parse_xoauth2(&decoded),
            Some((
                "someuser@example.com".to_owned(),
                "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg".to_owned()
            ))
        );
        assert_eq!(parse_xoauth2(b"user=a\x01auth=Basic x\x01\x01"), None);
        assert_eq!(parse_xoauth2(b"user=a\x01auth=Bearer x\x01"), None);
    }

    #[test]
    fn paths_parse_with_params_and_any_case() {
        assert_eq!(
            path_arg("from:<a@b.c> SIZE=10 BODY=8BITMIME", "FROM:"),
            Some(("a@b.c".to_owned(), "SIZE=10 BODY=8BITMIME".to_owned()))
        );
        assert_eq!(
            path_arg("TO: <x@y>", "TO:"),
            Some(("x@y".to_owned(), String::new()))
        );
        assert_eq!(path_arg("TO:x@y", "TO:"), None);
    }
}
