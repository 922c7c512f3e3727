//! Shared helpers for the cross-crate tests: run the real `helpr` binary against a temp data
//! dir (with its own TMPDIR), read the real keychain entry, snapshot a folder byte for byte, and
//! scan files for canaries in the encodings DESIGN §3 names; search the index through the CLI
//! and compare result sets; generate seeded sample mail ([`sample_mail`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine;
use serde_json::Value;

pub mod desktop;
pub mod gmail;
pub mod kill;
#[cfg(feature = "desktop-e2e")]
pub mod notifications;
pub mod sample_mail;
#[cfg(feature = "desktop-e2e")]
pub mod screen;
pub mod secure;
pub mod team;
#[cfg(feature = "desktop-e2e")]
pub mod webdriver;

pub use sample_mail::{rfc2822, utc, write_sample_maildir, SAMPLE_QUERIES};

/// A two-thread tokio runtime for what a test runs beside the CLI it drives (an emulator, a
/// team server), which keeps serving while the test blocks on a child process.
pub fn background_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The variable through which the gate hands over the `helpr` under test.
pub const HELPR_BIN: &str = "HELPR_BIN";

/// The `helpr` binary under test: the path in `$HELPR_BIN`, which `cargo xtask test` sets to the
/// binary it has just built from this checkout. There is no fallback: a binary found anywhere
/// else could be a stale one an earlier build left behind. Panics, saying how to run the tests,
/// when the variable is unset or names no executable.
pub fn helpr_bin() -> PathBuf {
    handed_over_binary(HELPR_BIN, "helpr", "cargo build -p helpr-cli")
        .unwrap_or_else(|message| panic!("{message}"))
}

/// The `helpr-server` binary under test, from `$HELPR_SERVER_BIN` (as [`helpr_bin`]).
pub fn server_bin() -> PathBuf {
    handed_over_binary(
        "HELPR_SERVER_BIN",
        "helpr-server",
        "cargo build -p helpr-server",
    )
    .unwrap_or_else(|message| panic!("{message}"))
}

/// Resolves a binary the gate hands over in `$var`: it must be set and name an existing file.
/// The error says how to run the tests so that it is (`cargo xtask test`), or how to `build`
/// the binary by hand and set the variable.
pub fn handed_over_binary(var: &str, bin: &str, build: &str) -> Result<PathBuf, String> {
    let how = format!(
        "run the tests with `cargo xtask test` (it builds `{bin}` from this checkout and sets \
         {var}), or build it yourself (`{build}`) and set {var}=<target dir>/debug/{bin}"
    );
    let Some(path) = std::env::var_os(var).filter(|value| !value.is_empty()) else {
        return Err(format!("{var} is not set: {how}"));
    };
    let path = PathBuf::from(path);
    if !path.is_file() {
        return Err(format!(
            "{var} is {}, which is not a file: {how}",
            path.display()
        ));
    }
    Ok(path)
}

/// A scratch vault location: a data dir and a private temp dir for the process.
pub struct Scratch {
    pub root: tempfile::TempDir,
    /// The time every command runs at (`HELPR_TEST_NOW`, helpr's `test-clock`), when set.
    clock: std::cell::Cell<Option<i64>>,
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

impl Scratch {
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(root.path().join("tmp")).unwrap();
        std::fs::create_dir_all(root.path().join("mail")).unwrap();
        Scratch {
            root,
            clock: std::cell::Cell::new(None),
        }
    }

    /// Runs every later command at `secs` since the epoch (`None`: the real clock).
    pub fn set_clock(&self, secs: Option<i64>) {
        self.clock.set(secs);
    }

    pub fn data(&self) -> PathBuf {
        self.root.path().join("data")
    }

    pub fn tmp(&self) -> PathBuf {
        self.root.path().join("tmp")
    }

    pub fn mail(&self) -> PathBuf {
        self.root.path().join("mail")
    }

    /// `helpr --data-dir DATA args…` with TMPDIR pointed at our temp dir.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(helpr_bin());
        cmd.arg("--data-dir")
            .arg(self.data())
            .args(args)
            .env("TMPDIR", self.tmp())
            .env_remove("HELPR_DATA_DIR");
        match self.clock.get() {
            Some(now) => cmd.env("HELPR_TEST_NOW", now.to_string()),
            None => cmd.env_remove("HELPR_TEST_NOW"),
        };
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run helpr")
    }

    /// Runs with `input` on stdin (stdout and stderr captured).
    pub fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        use std::io::Write as _;
        let mut child = self
            .command(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run helpr");
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(input)
            .expect("write helpr's stdin");
        child.wait_with_output().expect("wait for helpr")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "helpr {args:?} failed ({}):\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs with `--json` appended and parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.push("--json");
        let out = self.ok(&args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad JSON from {args:?}: {e}\n{out}"))
    }

    pub fn init(&self) -> &Self {
        self.ok(&["init"]);
        self
    }

    /// The vault id from `vault.json`.
    pub fn vault_id(&self) -> String {
        let info: serde_json::Value =
            serde_json::from_slice(&std::fs::read(self.data().join("vault.json")).unwrap())
                .unwrap();
        info["vault_id"].as_str().unwrap().to_string()
    }

    /// The real keychain entry of this vault.
    pub fn keychain_entry(&self) -> keyring::Entry {
        vault_keychain_entry(&self.vault_id()).unwrap()
    }

    /// Writes a message file under the mail dir and returns its path.
    pub fn write_mail(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.mail().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Leave the keychain as we found it.
        if self.data().join("vault.json").exists() {
            let _ = self.keychain_entry().delete_credential();
        }
    }
}

/// A simple but complete message: text body, one attachment, a label, a Message-ID.
pub fn message(id: &str, subject: &str, body: &str, attachment: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut m = format!(
        "From: Sender {id} <sender-{id}@example.com>\r\n\
To: team@example.com\r\n\
Subject: {subject}\r\n\
Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n\
Message-ID: <{id}@example.com>\r\n\
MIME-Version: 1.0\r\n"
    );
    match attachment {
        None => m.push_str(&format!(
            "Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
        )),
        Some((name, data)) => m.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=BOUND\r\n\r\n--BOUND\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n--BOUND\r\n\
Content-Type: application/octet-stream; name=\"{name}\"\r\n\
Content-Disposition: attachment; filename=\"{name}\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--BOUND--\r\n",
            base64::engine::general_purpose::STANDARD.encode(data)
        )),
    }
    m.into_bytes()
}

/// Every file under `dir` with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    walk(dir, &mut out);
    out
}

/// The byte patterns a canary may take on disk: raw UTF-8, UTF-16 LE/BE, base64 at each of
/// the three alignments, and quoted-printable.
pub fn canary_forms(canary: &str) -> Vec<(String, Vec<u8>)> {
    let mut forms = vec![("raw".to_string(), canary.as_bytes().to_vec())];
    forms.push((
        "utf-16le".into(),
        canary
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect(),
    ));
    forms.push((
        "utf-16be".into(),
        canary
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect(),
    ));
    let b64 = base64::engine::general_purpose::STANDARD;
    for shift in 0..3 {
        // Encode with `shift` bytes of prefix, then keep only the characters that depend on
        // the canary alone (drop the first group and the tail), so any base64 stream that
        // contains the canary at that alignment contains this string.
        let prefixed: Vec<u8> = std::iter::repeat_n(b'x', shift)
            .chain(canary.bytes())
            .collect();
        let enc = b64.encode(&prefixed);
        let start = if shift == 0 { 0 } else { 4 };
        let usable = (prefixed.len() / 3) * 4;
        if usable > start + 8 {
            forms.push((
                format!("base64+{shift}"),
                enc.as_bytes()[start..usable].to_vec(),
            ));
        }
    }
    let qp: String = canary
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            }
        })
        .collect();
    forms.push(("quoted-printable".into(), qp.into_bytes()));
    forms
}

/// `(file, form)` for every occurrence of any form of `canary` under `dirs`, as written and
/// lower-cased (the search index stores words lower-cased).
pub fn scan(dirs: &[&Path], canary: &str) -> Vec<(PathBuf, String)> {
    let mut forms = canary_forms(canary);
    let lower = canary.to_lowercase();
    if lower != canary {
        forms.extend(
            canary_forms(&lower)
                .into_iter()
                .map(|(name, form)| (format!("{name}, lower-cased"), form)),
        );
    }
    let mut hits = Vec::new();
    for dir in dirs {
        for (path, bytes) in snapshot(dir) {
            for (name, form) in &forms {
                if bytes.windows(form.len()).any(|w| w == form.as_slice()) {
                    hits.push((path.clone(), name.clone()));
                }
            }
        }
    }
    hits
}

/// The largest page `helpr search` returns (`--limit 10000`): "every hit" for these tests.
pub const ALL_HITS: &str = "10000";

impl Scratch {
    /// `DATA/index`, the live search index.
    pub fn index_dir(&self) -> PathBuf {
        self.data().join("index")
    }

    /// `search QUERY EXTRA… --json`, parsed (`{total, hits}`).
    pub fn search(&self, query: &str, extra: &[&str]) -> Value {
        let mut args = vec!["search", query];
        args.extend_from_slice(extra);
        self.json(&args)
    }

    /// The ids of every hit of `query`, newest first; asserts `total` counts exactly them.
    pub fn search_ids(&self, query: &str) -> Vec<i64> {
        let page = self.search(query, &["--limit", ALL_HITS]);
        let ids = ids_of(&page["hits"]);
        assert_eq!(page["total"], ids.len(), "{query:?}: total vs hits");
        ids
    }

    /// `(query, ids)` for each query: what two index states are compared by.
    pub fn results(&self, queries: &[&str]) -> Vec<(String, Vec<i64>)> {
        queries
            .iter()
            .map(|q| (q.to_string(), self.search_ids(q)))
            .collect()
    }

    /// The ids `list` shows, newest first.
    pub fn list_ids(&self) -> Vec<i64> {
        ids_of(&self.json(&["list"]))
    }

    /// Subject → id of every listed message (subjects are unique in these tests).
    pub fn ids_by_subject(&self) -> BTreeMap<String, i64> {
        let list = self.json(&["list"]);
        let map: BTreeMap<String, i64> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["subject"].as_str().unwrap().to_string(),
                    m["id"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(map.len(), list.as_array().unwrap().len(), "subjects repeat");
        map
    }

    /// Runs `args --json`, expecting failure; returns the exit code and the `error` object.
    pub fn json_err(&self, args: &[&str]) -> (i32, Value) {
        let mut args = args.to_vec();
        args.push("--json");
        let out = self.run(&args);
        assert!(!out.status.success(), "helpr {args:?} should have failed");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "bad JSON from {args:?}: {e}\n{}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        (out.status.code().unwrap_or(-1), v["error"].clone())
    }

    /// Asserts `doctor --json` is healthy with the index holding every vault message; returns
    /// the message count.
    pub fn assert_doctor_healthy(&self) -> u64 {
        let d = self.json(&["doctor"]);
        assert_eq!(d["healthy"], true, "{d}");
        assert_eq!(d["index"]["error"], Value::Null, "{d}");
        assert_eq!(d["index"]["docs"], d["index"]["vault_messages"], "{d}");
        d["index"]["docs"].as_u64().unwrap()
    }
}

/// The `id` of each element of a JSON array of messages, in order.
pub fn ids_of(messages: &Value) -> Vec<i64> {
    messages
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {messages}"))
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

/// Asserts that nothing was written between two snapshots ([`snapshot`]) of a data dir: the
/// same files with the same bytes, naming what differs.
pub fn assert_nothing_written(
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
) {
    let mut diff = Vec::new();
    for (path, bytes) in before {
        match after.get(path) {
            None => diff.push(format!("removed {}", path.display())),
            Some(b) if b != bytes => diff.push(format!("changed {}", path.display())),
            Some(_) => {}
        }
    }
    for path in after.keys().filter(|p| !before.contains_key(*p)) {
        diff.push(format!("added {}", path.display()));
    }
    assert!(
        diff.is_empty(),
        "the data dir changed:\n{}",
        diff.join("\n")
    );
}

/// Every file under `dir` and its size, largest first.
pub fn files_by_size(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut files: Vec<(PathBuf, u64)> = snapshot(dir)
        .into_iter()
        .map(|(p, b)| (p, b.len() as u64))
        .collect();
    files.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    files
}

/// A vault's key in the real keychain: service "helpr", account "vault-<vault id>".
pub fn vault_keychain_entry(vault_id: &str) -> keyring::Result<keyring::Entry> {
    keyring::Entry::new("helpr", &format!("vault-{vault_id}"))
}
