//! Code entry → the decrypted thread painted, in Chromium (helpr-browser-check's driver, the
//! server's certificate trusted by its SPKI pin). Two secure messages, one with the large
//! attachment and one without (the baseline), each to one reader per round. A round opens
//! each message's link in a fresh tab, asks for a code, reads it from the emulator's outbox
//! and enters it; the page then verifies the code, gets the key and the thread, opens every
//! manifest with WebCrypto and renders it.
//!
//! The time is taken inside the page, so no DevTools round trip is in it: from the Verify
//! click (a capturing listener on the button; the page's own handler is on the form's submit,
//! which follows) to `body[data-state=thread]` (a MutationObserver: rendered), and to the end
//! of the first frame after it (`requestAnimationFrame` then a task: painted).
//!
//! Then the attachment: Download clicked → the file decrypted and saved (`Browser.download*`
//! events), beside the baseline of the same tab fetching the same sealed part without
//! decrypting it (`fetch(…).arrayBuffer()` with the reader's token from `sessionStorage`),
//! both timed from the bench around one DevTools exchange.
//!
//! The browser's requests all come from 127.0.0.1, and the server allows a client 20 code
//! requests and tries at once, then one per 15 s: [`Pace`] mirrors that limit and waits,
//! outside any timing, before a request the server would refuse.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use helpr_browser_check::driver::{spki_pin, Driver, LaunchOptions, Tab};
use serde_json::Value;

use crate::error::BenchError;
use crate::mail::CodeBook;
use crate::send::ms;

/// How long the page may take to reach a state.
const WAIT: Duration = Duration::from_secs(60);
/// The server's per-client limit on code requests and tries (`secure/codes.rs`).
const CLIENT_BURST: f64 = 20.0;
const CLIENT_EVERY: Duration = Duration::from_secs(15);

/// One message's link and what its thread shows.
pub struct Opened<'a> {
    pub link: &'a str,
    pub subject: &'a str,
    /// The attachment's file name and bytes, if it has one.
    pub attachment: Option<(&'a str, &'a [u8])>,
}

/// One round's figures for one message.
#[derive(Debug, Clone, Copy, Default)]
pub struct Painted {
    /// Verify clicked → `data-state=thread`.
    pub rendered_ms: f64,
    /// Verify clicked → the end of the first frame after it.
    pub painted_ms: f64,
}

/// One round's download figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct Download {
    /// Download clicked → the decrypted file saved.
    pub saved_ms: f64,
    /// The sealed part fetched by the page, no decryption (bench-side).
    pub fetch_ms: f64,
    /// The same fetch timed inside the page.
    pub fetch_in_page_ms: f64,
}

/// What the Chromium rounds measured.
#[derive(Debug, Default)]
pub struct Figures {
    pub with_attachment: Vec<Painted>,
    pub without_attachment: Vec<Painted>,
    pub downloads: Vec<Download>,
}

/// The server's per-client limit, mirrored: a token bucket of [`CLIENT_BURST`] refilled one
/// per [`CLIENT_EVERY`].
struct Pace {
    tokens: f64,
    at: Instant,
}

impl Pace {
    fn new() -> Pace {
        Pace {
            tokens: CLIENT_BURST,
            at: Instant::now(),
        }
    }

    fn refill(&mut self) {
        let gained = self.at.elapsed().as_secs_f64() / CLIENT_EVERY.as_secs_f64();
        self.tokens = (self.tokens + gained).min(CLIENT_BURST);
        self.at = Instant::now();
    }

    /// Waits until the server takes one more request from this client, and counts it.
    fn take(&mut self) {
        self.refill();
        if self.tokens < 1.0 {
            let wait = (1.0 - self.tokens) * CLIENT_EVERY.as_secs_f64() + 0.5;
            println!("[chromium] waiting {wait:.0} s for the server's per-client code limit");
            std::thread::sleep(Duration::from_secs_f64(wait));
            self.refill();
        }
        self.tokens -= 1.0;
    }
}

/// Installed before Verify is clicked: `window.__helprBench` becomes a promise of the
/// click's, the render's and the paint's `performance.now()`.
const TIMING_HOOK: &str = r#"(() => {
  const button = document.querySelector("[data-testid=verify]");
  let clicked = null;
  button.addEventListener("click", () => { clicked = performance.now(); }, { capture: true, once: true });
  window.__helprBench = new Promise((resolve, reject) => {
    const observer = new MutationObserver(() => {
      const state = document.body.dataset.state;
      if (state === "thread") {
        observer.disconnect();
        const rendered = performance.now();
        requestAnimationFrame(() => setTimeout(() => resolve({ clicked, rendered, painted: performance.now() }), 0));
      } else if (state !== "code" && state !== "loading") {
        observer.disconnect();
        reject(new Error("the page went to " + state));
      }
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ["data-state"] });
  });
  return true;
})()"#;

/// The baseline: the sealed part of entry 0, attachment 0, fetched with the reader's token,
/// not decrypted.
const FETCH_SEALED: &str = r#"(async () => {
  const id = location.pathname.split("/")[2];
  const session = JSON.parse(sessionStorage.getItem("helpr-secure:" + id));
  const start = performance.now();
  const response = await fetch("/api/v1/secure/" + id + "/entries/0/attachments/0", {
    headers: { Authorization: "Bearer " + session.token },
    cache: "no-store",
  });
  const bytes = (await response.arrayBuffer()).byteLength;
  return { status: response.status, bytes, ms: performance.now() - start };
})()"#;

fn wait_state(tab: &Tab, wanted: &str) -> Result<(), BenchError> {
    tab.wait_until(&format!("document.body.dataset.state === '{wanted}'"), WAIT)
        .map_err(|e| BenchError::Flow(format!("the page did not reach `{wanted}`: {e}")))
}

fn number(value: &Value, field: &str) -> Result<f64, BenchError> {
    value[field]
        .as_f64()
        .ok_or_else(|| BenchError::Flow(format!("the page's timing has no `{field}`: {value}")))
}

fn text(tab: &Tab, testid: &str) -> Result<String, BenchError> {
    Ok(tab
        .eval(&format!(
            "Array.from(document.querySelectorAll('[data-testid={testid}]')).map(e => e.textContent).join('\\n')"
        ))?
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// Opens `message` in `tab` as `reader` and times code entry → thread painted.
fn open(
    tab: &Tab,
    message: &Opened<'_>,
    reader: &str,
    codes: &CodeBook,
    pace: &mut Pace,
) -> Result<Painted, BenchError> {
    tab.goto(message.link)?;
    wait_state(tab, "address")?;
    tab.fill("[data-testid=address]", reader)?;
    pace.take();
    tab.click("[data-testid=send-code]")?;
    wait_state(tab, "code")?;
    let code = codes.wait_blocking(reader, WAIT)?;
    tab.fill("[data-testid=code]", &code)?;
    tab.eval(TIMING_HOOK)?;
    pace.take();
    tab.click("[data-testid=verify]")?;
    let times = tab.eval("window.__helprBench")?;
    let clicked = number(&times, "clicked")?;
    let painted = Painted {
        rendered_ms: number(&times, "rendered")? - clicked,
        painted_ms: number(&times, "painted")? - clicked,
    };
    if text(tab, "entry-subject")? != message.subject {
        return Err(BenchError::Flow("the thread shows another subject".into()));
    }
    if let Some((name, _)) = message.attachment {
        if !text(tab, "attachment-name")?.contains(name) {
            return Err(BenchError::Flow(
                "the thread does not list the attachment".into(),
            ));
        }
    }
    Ok(painted)
}

/// Times Download → the decrypted file saved (checked byte for byte, then removed), and the
/// baseline fetch of the sealed part.
fn download(
    driver: &Driver,
    tab: &Tab,
    (name, bytes): (&str, &[u8]),
) -> Result<Download, BenchError> {
    let start = Instant::now();
    tab.click("[data-testid=download]")?;
    let saved = driver.wait_for_download(name, WAIT)?;
    let saved_ms = ms(start.elapsed());
    let file = std::fs::read(&saved).map_err(BenchError::io("reading the downloaded file"))?;
    if file != bytes {
        return Err(BenchError::Flow(
            "the downloaded file differs from the attachment sent".into(),
        ));
    }
    std::fs::remove_file(&saved).map_err(BenchError::io("removing the downloaded file"))?;

    let start = Instant::now();
    let fetched = tab.eval(FETCH_SEALED)?;
    let fetch_ms = ms(start.elapsed());
    if fetched["status"] != 200 || number(&fetched, "bytes")? as usize <= bytes.len() {
        return Err(BenchError::Flow(format!(
            "the sealed part's fetch answered {fetched}"
        )));
    }
    Ok(Download {
        saved_ms,
        fetch_ms,
        fetch_in_page_ms: number(&fetched, "ms")?,
    })
}

/// The Chromium rounds: round `r` opens both messages as `readers[r]` (alternating which goes
/// first), then downloads the attachment.
pub fn measure(
    certificate: &[u8],
    downloads: PathBuf,
    codes: &CodeBook,
    with: &Opened<'_>,
    without: &Opened<'_>,
    readers: &[String],
) -> Result<Figures, BenchError> {
    let driver = Driver::launch(LaunchOptions {
        spki_pins: vec![spki_pin(certificate)?],
        download_dir: Some(downloads),
    })?;
    let attachment = with
        .attachment
        .ok_or_else(|| BenchError::Flow("the timed message has no attachment".into()))?;
    let mut pace = Pace::new();
    let mut figures = Figures::default();
    for (round, reader) in readers.iter().enumerate() {
        let order = if round % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for has_attachment in order {
            let tab = driver.new_tab()?;
            if has_attachment {
                let painted = open(&tab, with, reader, codes, &mut pace)?;
                let downloaded = download(&driver, &tab, attachment)?;
                println!(
                    "[chromium] round {round}: with attachment painted {:.0} ms; download {:.0} ms (fetch {:.0} ms)",
                    painted.painted_ms, downloaded.saved_ms, downloaded.fetch_ms
                );
                figures.with_attachment.push(painted);
                figures.downloads.push(downloaded);
            } else {
                let painted = open(&tab, without, reader, codes, &mut pace)?;
                println!(
                    "[chromium] round {round}: without attachment painted {:.0} ms",
                    painted.painted_ms
                );
                figures.without_attachment.push(painted);
            }
        }
    }
    Ok(figures)
}
