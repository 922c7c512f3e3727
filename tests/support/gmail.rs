//! A Gmail test rig: the google-emulator running in this process (on real loopback sockets,
//! its own Tokio runtime), a scratch vault, and the real `helpr` binary connected to the
//! emulator through `helpr connect gmail --config FILE --no-browser` — the test plays the
//! user's browser by fetching the printed URL (the emulator auto-approves consent).
//!
//! Comparison: [`GmailRig::mailbox`] and [`GmailRig::vault`] reduce both sides to
//! Gmail id → (subject, SHA-256 of the text body, labels, unread), parsing the emulator's
//! raw bytes with the same helpr-mail pipeline and reading the vault in this process.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Output, Stdio};

use google_emulator::{Config, Emulator, OAuthConfig};
use sha2::{Digest, Sha256};

use crate::Scratch;

/// What a message is, on either side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub subject: String,
    pub text_sha256: String,
    pub labels: Vec<String>,
    pub unread: bool,
}

/// Which of the emulator's SMTP listeners a configuration names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smtp {
    /// Implicit TLS (465-style): `helpr_config_toml()` as the emulator writes it.
    ImplicitTls,
    /// Plain text then STARTTLS (587-style).
    StartTls,
}

pub struct GmailRig {
    /// User labels created through [`GmailRig::create_label`]: id → name.
    labels: std::sync::Mutex<BTreeMap<String, String>>,
    pub rt: tokio::runtime::Runtime,
    pub emu: Emulator,
    pub scratch: Scratch,
    pub config: PathBuf,
}

fn sha(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Labels as helpr stores them: system label ids, user label names, no `UNREAD`, sorted.
fn labels_of(ids: &[String], names: &BTreeMap<String, String>) -> (Vec<String>, bool) {
    let unread = ids.iter().any(|l| l == "UNREAD");
    let mut labels: Vec<String> = ids
        .iter()
        .filter(|l| *l != "UNREAD")
        .map(|l| names.get(l).cloned().unwrap_or_else(|| l.clone()))
        .collect();
    labels.sort();
    (labels, unread)
}

impl GmailRig {
    /// An emulator with `oauth` (auto-approve forced on) and an initialized vault.
    pub fn new(mut oauth: OAuthConfig) -> GmailRig {
        oauth.auto_approve = true;
        let rt = crate::background_runtime();
        let emu = rt
            .block_on(Emulator::start_with_oauth(Config::default(), oauth))
            .unwrap();
        let scratch = Scratch::new();
        scratch.init();
        let config = scratch.tmp().join("gmail.toml");
        std::fs::write(&config, Self::config_text(&emu)).unwrap();
        GmailRig {
            labels: Default::default(),
            rt,
            emu,
            scratch,
            config,
        }
    }

    /// What `google-emulator --print-config` prints: HTTPS endpoints and the test CA.
    fn config_text(emu: &Emulator) -> String {
        emu.helpr_config_toml()
    }

    /// The account address the emulator signs in.
    pub fn address(&self) -> String {
        "user@example.com".to_owned()
    }

    /// A user label in the emulator's mailbox; returns its id.
    pub fn create_label(&self, name: &str) -> String {
        let id = self.emu.create_label(name);
        self.labels
            .lock()
            .unwrap()
            .insert(id.clone(), name.to_owned());
        id
    }

    /// Seeds `n` sample messages (seeded), returns their Gmail ids.
    pub fn seed(&self, n: usize, seed: u64) -> Vec<String> {
        let dir = self.scratch.tmp().join(format!("seed-{seed}"));
        std::fs::create_dir_all(&dir).unwrap();
        crate::write_sample_maildir(&dir, n, seed);
        self.emu.seed_maildir(&dir).unwrap()
    }

    /// `helpr connect gmail --config … --no-browser`, with this test as the browser.
    pub fn connect(&self) -> Output {
        let mut child = self
            .scratch
            .command(&[
                "connect",
                "gmail",
                "--config",
                self.config.to_str().unwrap(),
                "--no-browser",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let url = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                let out = child.wait_with_output().unwrap();
                panic!(
                    "connect printed no URL: {seen}{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            seen.push_str(&line);
            if line.starts_with("http") {
                break line.trim().to_owned();
            }
        };
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .unwrap();
        let page = self
            .rt
            .block_on(async { browser.get(&url).send().await?.text().await })
            .expect("the browser reaches helpr's loopback page");
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        let mut out = child.wait_with_output().unwrap();
        out.stderr = format!("{seen}{rest}\n[browser saw: {page}]").into_bytes();
        out
    }

    /// Connects and asserts success.
    pub fn connect_ok(&self) {
        let out = self.connect();
        assert!(
            out.status.success(),
            "connect failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `helpr sync --json`.
    pub fn sync(&self) -> Output {
        self.scratch.run(&["sync", "--json"])
    }

    /// `helpr sync --json`, asserted successful; its outcomes.
    pub fn sync_ok(&self) -> serde_json::Value {
        let out = self.sync();
        assert!(
            out.status.success(),
            "sync failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `helpr status --json`: the first (only) inbox.
    pub fn status(&self) -> serde_json::Value {
        self.scratch.json(&["status"])[0].clone()
    }

    /// The emulator's mailbox (only `ids` that still exist), as helpr would store it.
    pub fn mailbox(&self, ids: &[String]) -> BTreeMap<String, Content> {
        let names = self.labels.lock().unwrap().clone();
        ids.iter()
            .filter_map(|id| self.emu.message(id))
            .filter(|m| !m.label_ids.iter().any(|l| l == "SPAM" || l == "TRASH"))
            .map(|m| {
                let mail = helpr_mail::parse(&m.raw).expect("emulator mail parses");
                let (labels, unread) = labels_of(&m.label_ids, &names);
                (
                    m.id.clone(),
                    Content {
                        subject: mail.subject.clone(),
                        text_sha256: sha(&mail.text),
                        labels,
                        unread,
                    },
                )
            })
            .collect()
    }

    /// How many live messages the Gmail inbox holds: one read, so it may be asked while a sync
    /// writes (`vault()` reads ids and count apart and would see a batch land between them).
    pub fn stored_count(&self) -> u64 {
        let vault = helpr_vault::Vault::open(&self.scratch.data()).expect("vault opens");
        let tenant = vault.default_tenant().unwrap().id;
        let inbox = vault.gmail_accounts(tenant).unwrap()[0].inbox_id;
        vault
            .count_messages(&helpr_vault::Scope {
                tenant,
                inboxes: vec![inbox],
            })
            .unwrap()
    }

    /// The vault's live Gmail messages (not those in the trash), read in this process. Panics
    /// unless each live message has its own Gmail id; not while a sync writes (see
    /// `stored_count`).
    pub fn vault(&self) -> BTreeMap<String, Content> {
        let vault = helpr_vault::Vault::open(&self.scratch.data()).expect("vault opens");
        let tenant = vault.default_tenant().unwrap().id;
        let accounts = vault.gmail_accounts(tenant).unwrap();
        let inbox = accounts[0].inbox_id;
        let scope = helpr_vault::Scope {
            tenant,
            inboxes: vec![inbox],
        };
        // Every Gmail id stored, in the trash too; the live ones are what a mailbox shows.
        let live: Vec<(String, helpr_vault::StoredMessage)> = vault
            .gmail_ids(inbox)
            .unwrap()
            .into_iter()
            .filter_map(|gid| {
                let id = vault.message_by_gmail_id(inbox, &gid).unwrap().unwrap();
                match vault.get_message(&scope, id) {
                    Ok(m) => Some((gid, m)),
                    Err(helpr_vault::VaultError::NotFound(_)) => None,
                    Err(e) => panic!("reading message {id}: {e}"),
                }
            })
            .collect();
        let total = vault.count_messages(&scope).unwrap();
        assert_eq!(
            total as usize,
            live.len(),
            "every live message has one Gmail id"
        );
        live.into_iter()
            .map(|(gid, m)| {
                let mut labels = m.labels.clone();
                labels.sort();
                (
                    gid,
                    Content {
                        subject: m.summary.subject.clone(),
                        text_sha256: sha(&m.text),
                        labels,
                        unread: m.summary.unread,
                    },
                )
            })
            .collect()
    }

    /// Rewrites the configuration file (before [`GmailRig::connect`]) as the emulator's own
    /// `helpr_config_toml()`: HTTPS endpoints, its CA as `tls.extra_ca_pem`, and its SMTP
    /// listener — the implicit-TLS one, or the STARTTLS one with `security = "starttls"`.
    pub fn use_emulator_config(&self, smtp: Smtp) {
        let text = self.emu.helpr_config_toml();
        let text = match smtp {
            Smtp::ImplicitTls => text,
            Smtp::StartTls => {
                let tls = format!("port = {}\n", self.emu.smtp_tls_addr().port());
                let starttls = format!("port = {}\n", self.emu.smtp_starttls_addr().port());
                assert!(text.contains(&tls), "{text}");
                text.replace(&tls, &starttls)
                    .replace("security = \"tls\"", "security = \"starttls\"")
            }
        };
        std::fs::write(&self.config, text).unwrap();
    }

    /// `helpr send ARGS… --json`.
    pub fn send(&self, args: &[&str]) -> Output {
        let mut all = vec!["send"];
        all.extend_from_slice(args);
        all.push("--json");
        self.scratch.run(&all)
    }

    /// `helpr send ARGS… --json`, asserted successful; the sent view `{id, thread_id,
    /// message_id}`.
    pub fn send_ok(&self, args: &[&str]) -> serde_json::Value {
        let out = self.send(args);
        assert!(
            out.status.success(),
            "send failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// How many live messages the Gmail inbox holds, and the local id of `gmail_id`, read
    /// from the vault in this process.
    pub fn vault_lookup(&self, gmail_id: &str) -> (u64, Option<i64>) {
        let vault = helpr_vault::Vault::open(&self.scratch.data()).expect("vault opens");
        let tenant = vault.default_tenant().unwrap().id;
        let inbox = vault.gmail_accounts(tenant).unwrap()[0].inbox_id;
        let scope = helpr_vault::Scope {
            tenant,
            inboxes: vec![inbox],
        };
        (
            vault.count_messages(&scope).unwrap(),
            vault.message_by_gmail_id(inbox, gmail_id).unwrap(),
        )
    }
}

impl GmailRig {
    /// The refresh token stored (sealed) in the vault, read in this process.
    pub fn stored_refresh_token(&self) -> Option<String> {
        let vault = helpr_vault::Vault::open(&self.scratch.data()).expect("vault opens");
        let tenant = vault.default_tenant().unwrap().id;
        let inbox = vault.gmail_accounts(tenant).unwrap()[0].inbox_id;
        vault
            .gmail_refresh_token(tenant, inbox)
            .unwrap()
            .map(|t| String::from_utf8(t.to_vec()).unwrap())
    }

    /// An HTTPS client trusting the emulator's test CA.
    fn https(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .add_root_certificate(
                reqwest::Certificate::from_pem(self.emu.ca_pem().as_bytes()).unwrap(),
            )
            .build()
            .unwrap()
    }

    /// A refresh grant with `token` at the emulator: the HTTP status and the `error` field.
    pub fn try_refresh(&self, token: &str) -> (u16, String) {
        let http = self.https();
        self.rt.block_on(async {
            let resp = http
                .post(self.emu.https_token_url())
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", token),
                    ("client_id", google_emulator::oauth::DEFAULT_CLIENT_ID),
                    (
                        "client_secret",
                        google_emulator::oauth::DEFAULT_CLIENT_SECRET,
                    ),
                ])
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await.unwrap_or_default();
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            (status, body["error"].as_str().unwrap_or("").to_owned())
        })
    }

    /// Revokes `token` at the emulator, as the user would from their Google account page.
    pub fn revoke_out_of_band(&self, token: &str) {
        let http = self.https();
        let status = self.rt.block_on(async {
            http.post(self.emu.https_revoke_url())
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
                .status()
        });
        assert_eq!(status.as_u16(), 200);
    }
}

/// Plays the user's browser on the emulator's consent page at `url`: loads it, presses Allow
/// (the form's POST), and follows the redirect to the app's loopback listener. Returns what
/// the loopback page said.
pub async fn give_consent(url: &str) -> anyhow::Result<String> {
    use anyhow::Context as _;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()?;
    let page = browser.get(url).send().await?.text().await?;
    let marker = "name=\"request\" value=\"";
    let start = page
        .find(marker)
        .with_context(|| format!("no consent form on the page: {page}"))?
        + marker.len();
    let request = &page[start..]
        .split('"')
        .next()
        .context("the consent form's request id is not closed")?;
    let origin = url
        .find(google_emulator::oauth::AUTH_PATH)
        .map(|i| &url[..i])
        .context("the consent URL is not the emulator's")?;
    let answer = browser
        .post(format!("{origin}{}", google_emulator::oauth::AUTH_PATH))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("request={request}&decision=allow"))
        .send()
        .await?;
    Ok(answer.text().await?)
}
