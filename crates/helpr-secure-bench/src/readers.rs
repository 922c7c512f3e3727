//! Many recipients opening their messages at once, against the server's memory. The messages
//! are sent first (a server allows 50 recipients per message, so several, each with a
//! smaller attachment to keep the run bounded); the server is then restarted so its memory
//! holds the organization and not what the large uploads left in the allocator, and its RSS
//! read idle (the baseline). Then every reader starts at the same instant and does what the
//! page does over HTTPS (reqwest, the server's certificate pinned): ask for a code, wait for
//! it in the emulator's outbox, verify it (the key released), read the thread, fetch the
//! sealed attachment. Meanwhile the server's VmRSS is read every 10 ms; its VmHWM after the
//! run is the peak since the restart.
//!
//! The server limits code requests and tries per client address (20 at once, then one per
//! 15 s), so each reader's requests leave from a loopback address of its own (127.0.0.2 on;
//! all of 127/8 is this machine), as readers on many machines would.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use helpr_server_bench::server::ServerProcess;
use serde_json::{json, Value};

use crate::error::BenchError;
use crate::mail::CodeBook;
use crate::send::ms;

/// How long one reader may take.
const LIMIT: Duration = Duration::from_secs(120);
/// How often the server's memory is read during the run.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// One message of the run: its public id and its readers' addresses.
pub struct Message {
    pub id: String,
    pub readers: Vec<String>,
}

/// One reader's figures.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    /// Start → the attachment fetched.
    pub total_ms: f64,
    /// Of which: the code requested → the code mail in the outbox.
    pub code_mail_ms: f64,
}

/// What the run measured.
#[derive(Debug)]
pub struct Figures {
    pub readers: Vec<Reader>,
    pub failures: Vec<String>,
    /// Start → the last reader done.
    pub wall_ms: f64,
    pub idle_kib: u64,
    pub peak_sampled_kib: u64,
    pub peak_hwm_kib: u64,
    pub samples: usize,
}

/// Reader `i`'s own loopback address: 127.0.0.2 … 127.0.0.251, then 127.0.1.2 ….
pub fn client_address(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, (i / 250) as u8, (i % 250 + 2) as u8))
}

fn flow(what: &str, status: reqwest::StatusCode) -> BenchError {
    BenchError::Flow(format!("{what} answered {status}"))
}

/// One reader, as the page: code, verify, thread, the sealed attachment.
async fn read(
    http: reqwest::Client,
    base: String,
    message: (String, String),
    codes: Arc<CodeBook>,
    part_len: usize,
) -> Result<Reader, BenchError> {
    let (id, address) = message;
    let start = Instant::now();
    let api = format!("{base}/api/v1/secure/{id}");
    let asked = http
        .post(format!("{api}/code"))
        .json(&json!({ "address": address }))
        .send()
        .await?;
    if asked.status() != reqwest::StatusCode::ACCEPTED {
        return Err(flow("the code request", asked.status()));
    }
    let asked_at = Instant::now();
    let code = codes.wait(&address, LIMIT).await?;
    let code_mail_ms = ms(asked_at.elapsed());
    let verified = http
        .post(format!("{api}/verify"))
        .json(&json!({ "address": address, "code": code }))
        .send()
        .await?;
    if !verified.status().is_success() {
        return Err(flow("the code try", verified.status()));
    }
    let released: Value = verified.json().await?;
    let token = released["token"]
        .as_str()
        .ok_or_else(|| BenchError::Flow("the key's release has no token".into()))?
        .to_owned();
    let thread = http
        .get(format!("{api}/thread"))
        .bearer_auth(&token)
        .send()
        .await?;
    if !thread.status().is_success() {
        return Err(flow("the thread", thread.status()));
    }
    let thread: Value = thread.json().await?;
    if thread["entries"][0]["attachments"][0].as_u64() != Some(part_len as u64) {
        return Err(BenchError::Flow(format!(
            "the thread lists another part: {}",
            thread["entries"][0]["attachments"]
        )));
    }
    let part = http
        .get(format!("{api}/entries/0/attachments/0"))
        .bearer_auth(&token)
        .send()
        .await?;
    if !part.status().is_success() {
        return Err(flow("the sealed attachment", part.status()));
    }
    let bytes = part.bytes().await?;
    if bytes.len() != part_len {
        return Err(BenchError::Flow(format!(
            "the sealed attachment has {} bytes, not {part_len}",
            bytes.len()
        )));
    }
    Ok(Reader {
        total_ms: ms(start.elapsed()),
        code_mail_ms,
    })
}

/// The server's VmRSS, read every [`SAMPLE_EVERY`] until `done` turns true: (peak, reads).
async fn sample(
    server: &ServerProcess,
    mut done: tokio::sync::watch::Receiver<bool>,
) -> Result<(u64, usize), BenchError> {
    let (mut peak, mut reads) = (0, 0);
    loop {
        peak = peak.max(server.rss_kib()?);
        reads += 1;
        tokio::select! {
            _ = tokio::time::sleep(SAMPLE_EVERY) => {}
            _ = done.changed() => return Ok((peak, reads)),
        }
    }
}

/// Runs every reader of `messages` at once against `server`, whose parts are `part_len`
/// bytes sealed.
pub async fn run(
    server: &ServerProcess,
    codes: Arc<CodeBook>,
    messages: &[Message],
    part_len: usize,
) -> Result<Figures, BenchError> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut idle = Vec::new();
    for _ in 0..10 {
        idle.push(server.rss_kib()?);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    idle.sort_unstable();
    let idle_kib = idle[idle.len() / 2];

    let base = format!("https://{}", server.addr);
    let (go_tx, go) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    let all = messages
        .iter()
        .flat_map(|m| m.readers.iter().map(|r| (m.id.clone(), r.clone())));
    for (i, message) in all.enumerate() {
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(helpr_team::pin::tls_config(&server.fingerprint))
            .redirect(reqwest::redirect::Policy::none())
            .local_address(client_address(i))
            .timeout(LIMIT)
            .build()?;
        let (base, codes, mut go) = (base.clone(), codes.clone(), go.clone());
        tasks.push(tokio::spawn(async move {
            let _ = go.wait_for(|go| *go).await;
            read(http, base, message, codes, part_len).await
        }));
    }
    let (done_tx, done) = tokio::sync::watch::channel(false);
    let readers = async {
        let start = Instant::now();
        let _ = go_tx.send(true);
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            results.push(
                task.await
                    .unwrap_or_else(|e| Err(BenchError::Flow(format!("a reader panicked: {e}")))),
            );
        }
        let wall_ms = ms(start.elapsed());
        let _ = done_tx.send(true);
        (results, wall_ms)
    };
    let (sampled, (results, wall_ms)) = tokio::join!(sample(server, done), readers);
    let (peak_sampled_kib, samples) = sampled?;
    let (mut ok, mut failures) = (Vec::new(), Vec::new());
    for result in results {
        match result {
            Ok(reader) => ok.push(reader),
            Err(e) => failures.push(e.to_string()),
        }
    }
    Ok(Figures {
        readers: ok,
        failures,
        wall_ms,
        idle_kib,
        peak_sampled_kib,
        peak_hwm_kib: server.peak_kib()?,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::client_address;

    #[test]
    fn every_reader_has_a_loopback_address_of_its_own() {
        assert_eq!(client_address(0).to_string(), "127.0.0.2");
        assert_eq!(client_address(99).to_string(), "127.0.0.101");
        assert_eq!(client_address(250).to_string(), "127.0.1.2");
        let all: std::collections::BTreeSet<_> = (0..1000).map(client_address).collect();
        assert_eq!(all.len(), 1000);
    }
}
