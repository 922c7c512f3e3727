//! The google-emulator's outbox as the bench reads it: when a mail was accepted by its SMTP
//! ([`Arrival`], polled every millisecond on a thread of its own), the link in a secure
//! message's notification ([`notification_link`]), and the one-time codes the server mails
//! to readers ([`CodeBook`], collected by address on a thread of its own as they arrive).
//!
//! Mails are read from their raw bytes: header and body split at the first blank line,
//! quoted-printable soft breaks and `=3D` undone (lettre folds long lines so), and only the
//! body searched, so nothing in a header (a date, a Message-ID) passes for a code.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use google_emulator::Emulator;

use crate::error::BenchError;

/// The subject of the server's code mails (`helpr-server/src/secure/mail.rs`).
const CODE_SUBJECT: &str = "Subject: Your code for a secure message";
/// The subject of a secure message's notification (`helpr-core/src/team/secure.rs`).
const NOTIFICATION_SUBJECT: &str = "Subject: Secure message from ";

/// One mail the emulator accepted: its envelope recipients and its text.
pub struct Mail {
    pub rcpt_to: Vec<String>,
    pub head: String,
    pub body: String,
}

/// How many mails the emulator's SMTP has accepted so far.
pub fn count(emu: &Emulator) -> usize {
    emu.sent_messages().len()
}

/// The mails accepted after the first `before`.
pub fn since(emu: &Emulator, before: usize) -> Vec<Mail> {
    emu.sent_messages()
        .into_iter()
        .skip(before)
        .filter_map(|sent| {
            let raw = emu.message(&sent.id)?.raw;
            Some(read(sent.rcpt_to, &raw))
        })
        .collect()
}

fn read(rcpt_to: Vec<String>, raw: &[u8]) -> Mail {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Mail {
        rcpt_to,
        head: head.to_owned(),
        body: body.replace("=\r\n", "").replace("=3D", "="),
    }
}

/// The link of the notification among `mails`: `(https://…/s/{id}#{K_link}, id)`.
pub fn notification_link(mails: &[Mail]) -> Result<(String, String), BenchError> {
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.head.contains(NOTIFICATION_SUBJECT))
        .ok_or_else(|| BenchError::Flow("no notification mail was sent".into()))?;
    let start = mail
        .body
        .find("https://")
        .ok_or_else(|| BenchError::Flow("the notification holds no link".into()))?;
    let link: String = mail.body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let page = link
        .split_once('#')
        .map(|(page, _)| page)
        .ok_or_else(|| BenchError::Flow("the notification's link has no fragment".into()))?;
    let id = page.rsplit('/').next().unwrap_or_default().to_owned();
    Ok((link, id))
}

/// The code in a code mail: its line of exactly six digits (a header may hold another run).
fn six_digits(body: &str) -> Option<String> {
    body.lines()
        .map(str::trim)
        .find(|line| line.len() == 6 && line.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
}

/// Watches for the `before + 1`th mail: the instant the emulator's SMTP had accepted it
/// (within the 1 ms poll), or `None` after `limit`.
pub struct Arrival {
    thread: JoinHandle<Option<Instant>>,
}

impl Arrival {
    pub fn watch(emu: Arc<Emulator>, before: usize, limit: Duration) -> Arrival {
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + limit;
            while Instant::now() < deadline {
                if count(&emu) > before {
                    return Some(Instant::now());
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            None
        });
        Arrival { thread }
    }

    pub fn wait(self) -> Option<Instant> {
        self.thread.join().ok().flatten()
    }
}

/// The codes mailed to readers, by address (lower case), as they arrive. Each code is taken
/// once.
pub struct CodeBook {
    codes: Arc<Mutex<HashMap<String, String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl CodeBook {
    /// Collects the code mails accepted after the first `from`, every 5 ms.
    pub fn start(emu: Arc<Emulator>, from: usize) -> CodeBook {
        let codes = Arc::new(Mutex::new(HashMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (codes, stop) = (codes.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut seen = from;
                while !stop.load(Ordering::Relaxed) {
                    let sent = emu.sent_messages();
                    for m in sent.iter().skip(seen) {
                        let Some(stored) = emu.message(&m.id) else {
                            continue;
                        };
                        let mail = read(m.rcpt_to.clone(), &stored.raw);
                        if !mail.head.contains(CODE_SUBJECT) {
                            continue;
                        }
                        if let (Some(code), [to]) = (six_digits(&mail.body), &mail.rcpt_to[..]) {
                            codes
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .insert(to.to_lowercase(), code);
                        }
                    }
                    seen = seen.max(sent.len());
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        };
        CodeBook {
            codes,
            stop,
            thread: Some(thread),
        }
    }

    fn take(&self, address: &str) -> Option<String> {
        self.codes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&address.to_lowercase())
    }

    /// The code mailed to `address`, waited for (from async code).
    pub async fn wait(&self, address: &str, limit: Duration) -> Result<String, BenchError> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(code) = self.take(address) {
                return Ok(code);
            }
            if Instant::now() >= deadline {
                return Err(BenchError::Timeout(format!("the code mail to {address}")));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// The code mailed to `address`, waited for (from blocking code).
    pub fn wait_blocking(&self, address: &str, limit: Duration) -> Result<String, BenchError> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(code) = self.take(address) {
                return Ok(code);
            }
            if Instant::now() >= deadline {
                return Err(BenchError::Timeout(format!("the code mail to {address}")));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for CodeBook {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_links_come_from_the_body_only() {
        let code = read(
            vec!["r@x.test".into()],
            b"Date: Mon, 1 Jan 2024\r\nMessage-ID: <a123456b@helpr>\r\n\
              Subject: Your code for a secure message\r\n\r\nYour code is:\r\n\r\n    042917\r\n",
        );
        assert!(code.head.contains(CODE_SUBJECT));
        assert_eq!(six_digits(&code.body).as_deref(), Some("042917"));

        let notice = read(
            vec!["r@x.test".into()],
            b"Subject: Secure message from a@b.test\r\n\r\nOpen it here:\r\n\
              https://127.0.0.1:1/s/AAAAAAAAAAAAAAAAAAAAAA#KEY=\r\nPART\r\n\r\nMore text\r\n",
        );
        let (link, id) = notification_link(&[notice]).unwrap();
        assert_eq!(link, "https://127.0.0.1:1/s/AAAAAAAAAAAAAAAAAAAAAA#KEYPART");
        assert_eq!(id, "AAAAAAAAAAAAAAAAAAAAAA");
    }
}
