//! The secure-email recipient's page (`helpr-server/src/secure/page/`) and the Rust format
//! (`helpr-secure`) agree, in real Chromium: a message sealed in Rust opens in the page, its
//! attachment downloads byte-exact, and the replies the page seals open in Rust as the next
//! entries (after a conflict too). A tampered part or a wrong key ends on the "cannot be opened"
//! page with nothing decrypted shown; a link without its fragment ends on "incomplete"; the
//! API's errors end on their sentences. No CSP violation anywhere.
//!
//! The page is served as the team server will serve it (page.js and page.css inlined into
//! page.html, a CSP allowing exactly those by hash) by a stand-in for the four reader endpoints;
//! the real server's end-to-end test is elsewhere.

mod support;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use helpr_browser_check::driver::{Driver, LaunchOptions, Tab};
use helpr_secure::{part, Attachment, LinkKey, Manifest, MessageKey, SealedPackage, ServerKey};
use serde_json::{json, Value};
use support::{csp_hash, Request, Response, Server};

const WAIT: Duration = Duration::from_secs(30);
const ADDRESS: &str = "ada@example.com";
const CODE: &str = "123456";
const SUBJECT: &str = "Your contract, as promised";
const BODY: &str =
    "Hello Ada,\n\n  the figures are attached.\n<b>not markup</b> & not HTML.\n\nBest,\nSam";
const ATTACHMENT: &str = "contract 7.pdf";
const BROKEN: &str =
    "This message cannot be opened: the link is damaged, or the message was altered.";
const INCOMPLETE: &str = "This link is incomplete. Open the link from your email again, in full.";

fn page_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../helpr-server/src/secure/page")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(page_dir().join(name)).unwrap()
}

/// page.html with page.js and page.css inlined, and the CSP that allows exactly them.
fn served_page() -> (String, String) {
    let (html, js, css) = (read("page.html"), read("page.js"), read("page.css"));
    let page = html.replace("{{STYLE}}", &css).replace("{{SCRIPT}}", &js);
    let csp = format!(
        "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; \
         img-src 'self' blob: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        csp_hash(&js),
        csp_hash(&css)
    );
    (page, csp)
}

/// Bytes with every value in them, in no simple repeating order.
fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect()
}

/// One entry as the server keeps it: sealed parts and what is outside them.
#[derive(Clone)]
struct Entry {
    from: &'static str,
    at: i64,
    manifest: Vec<u8>,
    attachments: Vec<Vec<u8>>,
}

#[derive(Default)]
struct State {
    entries: Vec<Entry>,
    /// Addresses a code was asked for.
    codes_asked: Vec<String>,
    /// The token the verify step hands out; `None` after the session is ended.
    token: Option<String>,
    tokens_made: u32,
    /// Serve the last entry's manifest with one byte flipped.
    tamper_last: bool,
    /// Taken by another writer just before the next reply arrives (that reply gets 409).
    race: Option<Entry>,
    /// The message is expired or revoked, with the server's words.
    gone: Option<String>,
    /// Too many codes asked for.
    rate_limited: bool,
    /// Close every API connection without an answer.
    hang_up: bool,
}

/// The reader's endpoints of one message, as the contract has them, over the test's server.
struct Standin {
    id: String,
    link: LinkKey,
    key: MessageKey,
    state: Arc<Mutex<State>>,
    server: Server,
    attachment: Vec<u8>,
}

impl Standin {
    fn start() -> Self {
        let id = URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes());
        let link = LinkKey::generate();
        let server_key = ServerKey::generate();
        let key = MessageKey::derive(&link, &server_key);
        let attachment = pattern(150_000, 7);
        let package = SealedPackage::seal(
            &key,
            &format!("{id}/0"),
            SUBJECT,
            BODY,
            &[Attachment {
                name: ATTACHMENT.into(),
                content_type: "application/pdf".into(),
                bytes: attachment.clone(),
            }],
        );
        let state = Arc::new(Mutex::new(State {
            entries: vec![Entry {
                from: "sender",
                at: 1_767_000_000,
                manifest: package.manifest,
                attachments: package.attachments,
            }],
            ..State::default()
        }));
        let (page, csp) = served_page();
        let key_server = URL_SAFE_NO_PAD.encode(server_key.as_bytes());
        let shared = Arc::clone(&state);
        let our_id = id.clone();
        let server = Server::start(move |request| {
            answer(
                request,
                &our_id,
                &page,
                &csp,
                &key_server,
                &mut lock(&shared),
            )
        });
        Self {
            id,
            link,
            key,
            state,
            server,
            attachment,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    fn link_url(&self) -> String {
        format!(
            "{}#{}",
            self.server.url(&format!("/s/{}", self.id)),
            self.link.to_fragment()
        )
    }

    /// Seals an entry as the agents' answer would be, under `{id}/{n}`.
    fn sealed_answer(&self, n: usize, body: &str) -> Entry {
        let package =
            SealedPackage::seal(&self.key, &format!("{}/{n}", self.id), "Re: x", body, &[]);
        Entry {
            from: "sender",
            at: 1_767_000_500,
            manifest: package.manifest,
            attachments: package.attachments,
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

fn api_error(status: u16, code: &str, message: &str) -> Response {
    Response::json(status, &json!({ "code": code, "message": message }))
}

fn answer(
    request: &Request,
    id: &str,
    page: &str,
    csp: &str,
    key_server: &str,
    state: &mut State,
) -> Response {
    let path = request.path.as_str();
    // The page is static: the same for every id (what it asks the API decides the rest).
    if path.starts_with("/s/") {
        return Response::html(page.to_string())
            .with_header("Content-Security-Policy", csp)
            .with_header("Referrer-Policy", "no-referrer");
    }
    let Some(rest) = path.strip_prefix("/api/v1/secure/") else {
        return Response::not_found();
    };
    let (message, tail) = rest.split_once('/').unwrap_or((rest, ""));
    if message != id {
        return api_error(404, "not_found", "no such message");
    }
    if let Some(words) = &state.gone {
        return api_error(410, "gone", words);
    }
    if state.hang_up {
        return Response::hang_up();
    }
    if state.rate_limited {
        return api_error(429, "rate_limited", "too many codes");
    }
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let authorized = state
        .token
        .as_ref()
        .is_some_and(|t| request.header("Authorization") == Some(&format!("Bearer {t}")));
    match (request.method.as_str(), tail) {
        ("POST", "code") => {
            state
                .codes_asked
                .push(body["address"].as_str().unwrap_or_default().to_string());
            Response::json(202, &json!({ "sent": true }))
        }
        ("POST", "verify") => {
            if body["address"] != ADDRESS || body["code"] != CODE {
                return api_error(403, "wrong_code", "wrong, expired or used code");
            }
            state.tokens_made += 1;
            let token = format!("token-{}", state.tokens_made);
            state.token = Some(token.clone());
            Response::json(
                200,
                &json!({ "token": token, "key_server": key_server, "expires_at": 4_000_000_000i64 }),
            )
        }
        _ if !authorized => api_error(401, "unauthenticated", "no session"),
        ("GET", "thread") => {
            let last = state.entries.len() - 1;
            let entries: Vec<Value> = state
                .entries
                .iter()
                .enumerate()
                .map(|(n, e)| {
                    let mut manifest = e.manifest.clone();
                    if state.tamper_last && n == last {
                        let middle = manifest.len() / 2;
                        manifest[middle] ^= 0x20;
                    }
                    json!({
                        "n": n,
                        "from": e.from,
                        "at": e.at,
                        "manifest": STANDARD.encode(manifest),
                        "attachments": e.attachments.iter().map(Vec::len).collect::<Vec<_>>(),
                    })
                })
                .collect();
            Response::json(
                200,
                &json!({ "entries": entries, "expires_at": 1_769_000_000 }),
            )
        }
        ("GET", tail) if tail.starts_with("entries/") => {
            let parts: Vec<&str> = tail.split('/').collect();
            let found = match parts.as_slice() {
                ["entries", n, "attachments", k] => n
                    .parse::<usize>()
                    .ok()
                    .zip(k.parse::<usize>().ok())
                    .and_then(|(n, k)| state.entries.get(n)?.attachments.get(k).cloned()),
                _ => None,
            };
            match found {
                Some(bytes) => Response::bytes(bytes),
                None => api_error(404, "not_found", "no such part"),
            }
        }
        ("POST", "reply") => {
            if let Some(taken) = state.race.take() {
                state.entries.push(taken);
            }
            let n = body["n"].as_u64().unwrap_or(u64::MAX) as usize;
            if n != state.entries.len() {
                return api_error(409, "conflict", "entry taken");
            }
            let decode = |v: &Value| STANDARD.decode(v.as_str().unwrap_or("!")).unwrap();
            state.entries.push(Entry {
                from: "you",
                at: 1_767_001_000,
                manifest: decode(&body["manifest"]),
                attachments: body["attachments"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(decode)
                    .collect(),
            });
            Response::json(201, &json!({ "n": n }))
        }
        _ => api_error(404, "not_found", "no such endpoint"),
    }
}

fn wait(tab: &Tab, predicate: &str) {
    tab.wait_until(predicate, WAIT)
        .unwrap_or_else(|e| panic!("{e}"));
}

fn wait_state(tab: &Tab, state: &str) {
    wait(tab, &format!("document.body.dataset.state === '{state}'"));
}

fn text(tab: &Tab, testid: &str) -> String {
    let value = tab
        .eval(&format!(
            "Array.from(document.querySelectorAll('[data-testid=\"{testid}\"]'), (e) => e.textContent)"
        ))
        .unwrap();
    let texts: Vec<String> = serde_json::from_value(value).unwrap();
    texts.join("\n")
}

fn texts(tab: &Tab, testid: &str) -> Vec<String> {
    serde_json::from_value(
        tab.eval(&format!(
            "Array.from(document.querySelectorAll('[data-testid=\"{testid}\"]'), (e) => e.textContent)"
        ))
        .unwrap(),
    )
    .unwrap()
}

fn focused(tab: &Tab) -> Value {
    tab.eval("document.activeElement && document.activeElement.dataset.testid")
        .unwrap()
}

/// Address, then code: ends with the thread shown (or whatever the page ends on).
fn sign_in(tab: &Tab) {
    wait_state(tab, "address");
    tab.fill("[data-testid=address]", ADDRESS).unwrap();
    tab.click("[data-testid=send-code]").unwrap();
    wait_state(tab, "code");
    tab.fill("[data-testid=code]", CODE).unwrap();
    tab.click("[data-testid=verify]").unwrap();
    wait(
        tab,
        "!['code', 'loading'].includes(document.body.dataset.state)",
    );
}

/// With `HELPR_SCREENSHOTS` naming a directory, saves the page as shown, light and dark, as
/// `secure-{name}-{scheme}.png` there, for a person to look at.
fn shoot(tab: &Tab, name: &str) {
    let Some(dir) = std::env::var_os("HELPR_SCREENSHOTS") else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    for scheme in ["light", "dark"] {
        tab.set_color_scheme(scheme).unwrap();
        let png = tab.screenshot().unwrap();
        std::fs::write(
            PathBuf::from(&dir).join(format!("secure-{name}-{scheme}.png")),
            png,
        )
        .unwrap();
    }
    tab.set_color_scheme("").unwrap();
}

fn no_csp_violations(tab: &Tab) {
    let violations = tab.csp_violations().unwrap();
    assert!(violations.is_empty(), "CSP violations: {violations:#?}");
}

#[test]
fn the_page_files_keep_the_inlining_rules() {
    let (html, js, css) = (read("page.html"), read("page.js"), read("page.css"));
    assert_eq!(html.matches("{{STYLE}}").count(), 1);
    assert_eq!(html.matches("{{SCRIPT}}").count(), 1);
    assert!(html.contains("<style>{{STYLE}}</style>"));
    assert!(html.contains("<script>{{SCRIPT}}</script>"));
    assert_eq!(html.matches("<script").count(), 1, "one script only");
    assert_eq!(html.matches("<style").count(), 1, "one style only");
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains(" style="), "no style attributes");
    assert!(
        !lower.contains("<link rel=\"stylesheet"),
        "no external styles"
    );
    assert!(!lower.contains(" src="), "no external resources");
    for attribute in lower.split_whitespace().filter(|w| w.starts_with("on")) {
        assert!(!attribute.contains('='), "an inline handler: {attribute}");
    }
    // The script and the style are allowed by their hash: ASCII, so no encoding can change
    // the bytes hashed; nothing in them that would end their element or be taken for the other
    // placeholder.
    for (name, text) in [("page.js", &js), ("page.css", &css)] {
        assert!(text.is_ascii(), "{name} is not ASCII");
        assert!(
            !text.contains("{{SCRIPT}}") && !text.contains("{{STYLE}}"),
            "{name}"
        );
        let lower = text.to_ascii_lowercase();
        assert!(
            !lower.contains("</script") && !lower.contains("</style"),
            "{name}"
        );
    }
    assert!(js.trim_start().starts_with("//") && js.contains("\"use strict\";"));
    assert!(!js.contains("innerHTML") && !js.contains("outerHTML"));
    assert!(!js.contains("insertAdjacentHTML") && !js.contains("document.write"));
    assert!(!js.contains("eval(") && !js.contains("new Function"));
}

#[test]
fn a_message_sealed_in_rust_opens_downloads_and_takes_replies_in_the_browser() {
    let standin = Standin::start();
    let driver = Driver::launch(LaunchOptions::default()).unwrap();
    let tab = driver.new_tab().unwrap();
    tab.goto(&standin.link_url()).unwrap();

    // Address: focus is in the field; a code is asked for.
    wait_state(&tab, "address");
    assert_eq!(focused(&tab), json!("address"));
    shoot(&tab, "address");
    tab.fill("[data-testid=address]", ADDRESS).unwrap();
    tab.click("[data-testid=send-code]").unwrap();
    wait_state(&tab, "code");
    assert_eq!(standin.state().codes_asked, [ADDRESS]);
    assert_eq!(
        text(&tab, "code-sent"),
        format!("We sent a 6-digit code to {ADDRESS} if it may read this message. It is valid 10 minutes.")
    );
    assert_eq!(focused(&tab), json!("code"));

    // A new code on request.
    tab.click("[data-testid=resend]").unwrap();
    wait(
        &tab,
        "document.querySelector('[data-testid=notice]').textContent !== ''",
    );
    assert_eq!(
        text(&tab, "notice"),
        "We sent a new code. It is valid 10 minutes."
    );
    assert_eq!(standin.state().codes_asked, [ADDRESS, ADDRESS]);

    // A wrong code is a sentence and the step stays.
    tab.fill("[data-testid=code]", "000000").unwrap();
    tab.click("[data-testid=verify]").unwrap();
    wait(
        &tab,
        "!document.querySelector('[data-testid=error]').hidden",
    );
    assert!(text(&tab, "error").starts_with("That code is not right"));
    shoot(&tab, "wrong-code");
    assert_eq!(
        tab.eval("document.body.dataset.state").unwrap(),
        json!("code")
    );
    assert_eq!(standin.state().token, None);

    // The right code opens the thread, decrypted in the page.
    tab.fill("[data-testid=code]", CODE).unwrap();
    tab.click("[data-testid=verify]").unwrap();
    wait_state(&tab, "thread");
    assert_eq!(texts(&tab, "entry-subject"), [SUBJECT]);
    assert_eq!(texts(&tab, "entry-body"), [BODY]);
    assert_eq!(texts(&tab, "entry-author"), ["Sender"]);
    assert_eq!(text(&tab, "thread-title"), SUBJECT);
    assert_eq!(texts(&tab, "attachment-name"), [ATTACHMENT]);
    assert_eq!(
        texts(&tab, "attachment-meta"),
        ["application/pdf \u{b7} 146 KB"]
    );
    assert!(
        tab.eval("document.querySelector('[data-testid=entry-body] *') === null")
            .unwrap()
            == json!(true),
        "the body is text, never markup"
    );

    // The attachment downloads and decrypts byte-exact.
    tab.click("[data-testid=download]").unwrap();
    let path = driver.wait_for_download(ATTACHMENT, WAIT).unwrap();
    assert!(
        std::fs::read(&path).unwrap() == standin.attachment,
        "the bytes differ"
    );

    // A reply with two files, sealed in the page as entry 1.
    let files = tempfile::tempdir().unwrap();
    let notes = files.path().join("notes.txt");
    let scan = files.path().join("scan.bin");
    std::fs::write(&notes, "Signed, see the scan.\n").unwrap();
    let scan_bytes = pattern(90_000, 11);
    std::fs::write(&scan, &scan_bytes).unwrap();
    let reply = "Thank you, Sam.\nGrüße aus Köln — 東京にも。";
    tab.fill("[data-testid=reply-body]", reply).unwrap();
    tab.set_files("[data-testid=reply-files]", &[&notes, &scan])
        .unwrap();
    tab.click("[data-testid=reply-send]").unwrap();
    wait(
        &tab,
        "document.querySelectorAll('[data-testid=entry]').length === 2",
    );
    wait(
        &tab,
        "document.querySelector('[data-testid=notice]').textContent !== ''",
    );
    assert_eq!(text(&tab, "notice"), "Your reply was sent.");
    assert_eq!(texts(&tab, "entry-author"), ["Sender", "You"]);
    shoot(&tab, "thread");
    assert_eq!(
        tab.eval("document.querySelector('[data-testid=reply-body]').value")
            .unwrap(),
        json!(""),
        "the form is cleared"
    );

    let entry = standin.state().entries[1].clone();
    let message = format!("{}/1", standin.id);
    let manifest: Manifest = serde_json::from_slice(
        &part::open(&standin.key, &message, "manifest", &entry.manifest).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest.subject, format!("Re: {SUBJECT}"));
    assert_eq!(manifest.body, reply);
    let listed: Vec<(&str, &str, u64)> = manifest
        .attachments
        .iter()
        .map(|a| (a.name.as_str(), a.content_type.as_str(), a.size))
        .collect();
    assert_eq!(
        listed,
        [
            ("notes.txt", "text/plain", 22),
            ("scan.bin", "application/octet-stream", 90_000)
        ]
    );
    assert_eq!(
        part::open(
            &standin.key,
            &message,
            "attachment/0",
            &entry.attachments[0]
        )
        .unwrap(),
        b"Signed, see the scan.\n"
    );
    assert!(
        part::open(
            &standin.key,
            &message,
            "attachment/1",
            &entry.attachments[1]
        )
        .unwrap()
            == scan_bytes
    );
    // Bound to its place: not entry 0's, not another slot's.
    assert!(part::open(
        &standin.key,
        &format!("{}/0", standin.id),
        "manifest",
        &entry.manifest
    )
    .is_err());

    // Another entry takes number 2 just before the next reply: the page reads the thread again
    // and seals its reply as entry 3.
    standin.state().race = Some(standin.sealed_answer(2, "An agent's answer."));
    tab.fill("[data-testid=reply-body]", "One more thing.")
        .unwrap();
    tab.click("[data-testid=reply-send]").unwrap();
    wait(
        &tab,
        "document.querySelectorAll('[data-testid=entry]').length === 4",
    );
    assert_eq!(
        texts(&tab, "entry-body")[2..],
        ["An agent's answer.", "One more thing."]
    );
    let entry = standin.state().entries[3].clone();
    assert_eq!(entry.from, "you");
    let manifest: Manifest = serde_json::from_slice(
        &part::open(
            &standin.key,
            &format!("{}/3", standin.id),
            "manifest",
            &entry.manifest,
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(manifest.body, "One more thing.");
    assert!(manifest.attachments.is_empty());

    // A reload in the same tab does not ask again.
    tab.reload().unwrap();
    wait_state(&tab, "thread");
    assert_eq!(texts(&tab, "entry").len(), 4);
    assert_eq!(standin.state().tokens_made, 1);

    // The session ends at the server: the next call is a 401, and the page asks again.
    standin.state().token = None;
    tab.reload().unwrap();
    wait_state(&tab, "address");
    assert_eq!(
        text(&tab, "error"),
        "Your session has ended. Enter your address to get a new code."
    );
    assert_eq!(
        tab.eval("document.getElementById('step-thread').hidden")
            .unwrap(),
        json!(true)
    );
    assert_eq!(
        tab.eval("sessionStorage.length").unwrap(),
        json!(0),
        "the dead session is dropped"
    );
    no_csp_violations(&tab);
}

#[test]
fn altered_data_a_wrong_key_or_a_cut_link_never_show_content() {
    let standin = Standin::start();
    // Entry 0 is intact; entry 1 is an agent's answer whose manifest the server alters.
    let answer = standin.sealed_answer(1, "canary-answer-body");
    standin.state().entries.push(answer);
    standin.state().tamper_last = true;
    let driver = Driver::launch(LaunchOptions::default()).unwrap();

    let tampered = driver.new_tab().unwrap();
    tampered.goto(&standin.link_url()).unwrap();
    sign_in(&tampered);
    wait_state(&tampered, "broken");
    assert_eq!(text(&tampered, "state"), BROKEN);
    shoot(&tampered, "broken");
    let shown = tampered.eval("document.body.innerText").unwrap();
    let shown = shown.as_str().unwrap();
    assert!(
        !shown.contains(SUBJECT) && !shown.contains("figures") && !shown.contains("canary"),
        "decrypted content is shown next to the broken page: {shown}"
    );
    assert!(texts(&tampered, "entry").is_empty());
    no_csp_violations(&tampered);

    // The data intact, the link's key another one.
    standin.state().tamper_last = false;
    let wrong = driver.new_tab().unwrap();
    let other = LinkKey::generate().to_fragment();
    wrong
        .goto(&format!(
            "{}#{other}",
            standin.server.url(&format!("/s/{}", standin.id))
        ))
        .unwrap();
    sign_in(&wrong);
    wait_state(&wrong, "broken");
    assert_eq!(text(&wrong, "state"), BROKEN);
    assert!(texts(&wrong, "entry").is_empty());
    no_csp_violations(&wrong);

    // No fragment, or one cut short: nothing is asked of the server.
    let asked = standin.state().codes_asked.len();
    let base = standin.server.url(&format!("/s/{}", standin.id));
    let fragment = standin.link.to_fragment();
    for url in [
        base.clone(),
        format!("{base}#"),
        format!("{base}#{}", &fragment[..42]),
        format!("{base}#{fragment}A"),
    ] {
        let cut = driver.new_tab().unwrap();
        cut.goto(&url).unwrap();
        wait_state(&cut, "incomplete");
        assert_eq!(text(&cut, "state"), INCOMPLETE, "{url}");
        if url == base {
            shoot(&cut, "incomplete");
        }
        assert_eq!(focused(&cut), json!("state"));
        no_csp_violations(&cut);
    }
    assert_eq!(standin.state().codes_asked.len(), asked);
}

#[test]
fn the_api_s_errors_end_on_their_sentences() {
    let standin = Standin::start();
    let driver = Driver::launch(LaunchOptions::default()).unwrap();

    // A message id the server does not know.
    let unknown = driver.new_tab().unwrap();
    let other_id = URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes());
    unknown
        .goto(&format!(
            "{}#{}",
            standin.server.url(&format!("/s/{other_id}")),
            standin.link.to_fragment()
        ))
        .unwrap();
    wait_state(&unknown, "address");
    unknown.fill("[data-testid=address]", ADDRESS).unwrap();
    unknown.click("[data-testid=send-code]").unwrap();
    wait_state(&unknown, "error");
    assert_eq!(
        text(&unknown, "state"),
        "This secure message does not exist or was deleted."
    );
    no_csp_violations(&unknown);

    // Rate limited, then no answer at all: a sentence each, and the step stays.
    let tab = driver.new_tab().unwrap();
    tab.goto(&standin.link_url()).unwrap();
    wait_state(&tab, "address");
    standin.state().rate_limited = true;
    tab.fill("[data-testid=address]", ADDRESS).unwrap();
    tab.click("[data-testid=send-code]").unwrap();
    wait(
        &tab,
        "document.querySelector('[data-testid=error]').textContent !== ''",
    );
    assert_eq!(
        text(&tab, "error"),
        "Too many tries for now. Wait a few minutes, then try again."
    );
    standin.state().rate_limited = false;
    standin.state().hang_up = true;
    tab.click("[data-testid=send-code]").unwrap();
    wait(&tab, "document.querySelector('[data-testid=error]').textContent.startsWith('The server could not')");
    assert_eq!(
        text(&tab, "error"),
        "The server could not be reached. Check your connection, then try again."
    );
    assert_eq!(
        tab.eval("document.body.dataset.state").unwrap(),
        json!("address")
    );
    standin.state().hang_up = false;
    tab.click("[data-testid=send-code]").unwrap();
    wait_state(&tab, "code");
    assert_eq!(
        text(&tab, "error"),
        "",
        "the banner goes when the step succeeds"
    );

    // Opening the thread fails for want of an answer: a page with Try again, which works once
    // the server answers.
    tab.fill("[data-testid=code]", CODE).unwrap();
    tab.click("[data-testid=verify]").unwrap();
    wait_state(&tab, "thread");
    standin.state().hang_up = true;
    tab.reload().unwrap();
    wait_state(&tab, "error");
    assert_eq!(
        text(&tab, "state"),
        "The message could not be opened just now."
    );
    assert_eq!(
        text(&tab, "state-hint"),
        "The server could not be reached. Check your connection, then try again."
    );
    assert_eq!(
        tab.eval("document.getElementById('step-thread').hidden")
            .unwrap(),
        json!(true)
    );
    standin.state().hang_up = false;
    tab.click("[data-testid=retry]").unwrap();
    wait_state(&tab, "thread");
    assert_eq!(texts(&tab, "entry-subject"), [SUBJECT]);
    no_csp_violations(&tab);

    // Expired or revoked: the server's own words.
    standin.state().gone = Some("This message expired on 2 March 2026.".into());
    let gone = driver.new_tab().unwrap();
    gone.goto(&standin.link_url()).unwrap();
    wait_state(&gone, "address");
    gone.fill("[data-testid=address]", ADDRESS).unwrap();
    gone.click("[data-testid=send-code]").unwrap();
    wait_state(&gone, "error");
    assert_eq!(
        text(&gone, "state"),
        "This message expired on 2 March 2026."
    );
    no_csp_violations(&gone);
}
