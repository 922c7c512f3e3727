//! The test driver does what integration tests will lean on, against pages served from this
//! test on 127.0.0.1: CSP violations are counted (from the page's own event and from Chromium's
//! log, each once, across navigations), fill and click reach the page's handlers, a download
//! arrives byte-exact, picked files reach the page's script, and a self-signed HTTPS server is
//! trusted by its key and no other one is.

mod support;

use std::sync::Arc;
use std::time::Duration;

use helpr_browser_check::driver::{spki_pin, Driver, LaunchOptions, Tab};
use helpr_browser_check::Error;
use serde_json::json;
use sha2::{Digest, Sha256};
use support::{strict_page, Response, Server};

const WAIT: Duration = Duration::from_secs(20);

fn launch() -> Driver {
    Driver::launch(LaunchOptions::default())
        .unwrap_or_else(|e| panic!("the driver cannot start Chromium: {e}"))
}

fn wait(tab: &Tab, predicate: &str) {
    tab.wait_until(predicate, WAIT)
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Bytes with every value in them, in no simple repeating order.
fn pattern(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect()
}

const ALLOWED: &str = "document.body.dataset.allowed = 'ran';";
const LEAVES: &str = "addEventListener('load', () => location.replace('/clean'));";

fn csp_site() -> Server {
    Server::start(|request| match request.path.as_str() {
        "/strict" => strict_page(
            "<p>strict</p><script>document.body.dataset.blocked = 'ran';</script>",
            ALLOWED,
        ),
        "/clean" => strict_page("<p>clean</p>", ALLOWED),
        "/leaves" => strict_page(
            "<p>leaves</p><script>document.body.dataset.blocked = 'ran';</script>",
            LEAVES,
        ),
        _ => Response::not_found(),
    })
}

#[test]
fn csp_violations_are_counted_once_each_and_survive_navigation() {
    let site = csp_site();
    let driver = launch();

    let clean = driver.new_tab().unwrap();
    clean.goto(&site.url("/clean")).unwrap();
    assert_eq!(
        clean.eval("document.body.dataset.allowed").unwrap(),
        json!("ran")
    );
    assert_eq!(clean.csp_violations().unwrap(), Vec::<String>::new());

    let strict = driver.new_tab().unwrap();
    strict.goto(&site.url("/strict")).unwrap();
    assert_eq!(
        strict
            .eval("[document.body.dataset.allowed, document.body.dataset.blocked ?? null]")
            .unwrap(),
        json!(["ran", null]),
        "the hashed script runs, the other one is blocked"
    );
    let violations = strict.csp_violations().unwrap();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(
        violations[0].starts_with("script-src-elem refused inline"),
        "the page's own event describes it: {violations:#?}"
    );
    // Leaving the page keeps its violation, still counted once (the event and the log entry).
    strict.goto(&site.url("/clean")).unwrap();
    assert_eq!(strict.csp_violations().unwrap(), violations);

    // A page that leaves on its own takes its event records with it; Chromium's log still has
    // the violation.
    let leaves = driver.new_tab().unwrap();
    leaves.goto(&site.url("/leaves")).unwrap();
    wait(
        &leaves,
        "location.pathname === '/clean' && document.body && document.body.dataset.allowed === 'ran'",
    );
    let violations = leaves.csp_violations().unwrap();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(
        violations[0].contains("inline script")
            && violations[0].contains("Content Security Policy"),
        "{violations:#?}"
    );
}

#[test]
fn fill_and_click_reach_the_page_and_refuse_what_a_person_could_not_do() {
    let script = r#"
const name = document.getElementById("name");
const greet = document.getElementById("greet");
name.addEventListener("input", () => { greet.disabled = name.value === ""; });
greet.addEventListener("click", () => {
  document.getElementById("out").textContent = "Hello, " + name.value + ".";
});"#;
    let body = r#"<label for="name">Name</label> <input id="name">
<button id="greet" disabled>Greet</button> <button id="hidden" hidden>Hidden</button>
<p id="out"></p>"#;
    let site = Server::start(move |_| strict_page(body, script));
    let driver = launch();
    let tab = driver.new_tab().unwrap();
    tab.goto(&site.url("/")).unwrap();

    assert!(
        matches!(tab.click("#greet"), Err(Error::NotClickable { reason, .. }) if reason.contains("disabled"))
    );
    assert!(matches!(
        tab.click("#hidden"),
        Err(Error::NotClickable { .. })
    ));
    assert!(matches!(tab.click("#nowhere"), Err(Error::NoElement(_))));
    assert!(matches!(
        tab.fill("#nowhere", "x"),
        Err(Error::NoElement(_))
    ));

    tab.fill("#name", "Ada \"Countess\" <Lovelace>").unwrap();
    tab.click("#greet").unwrap();
    wait(&tab, "document.getElementById('out').textContent !== ''");
    assert_eq!(
        tab.eval("document.getElementById('out').textContent")
            .unwrap(),
        json!("Hello, Ada \"Countess\" <Lovelace>.")
    );
    assert_eq!(
        tab.eval("document.activeElement.id").unwrap(),
        json!("greet"),
        "a real click moves the focus"
    );
    assert!(tab.csp_violations().unwrap().is_empty());
}

#[test]
fn eval_awaits_promises_and_reports_exceptions() {
    let driver = launch();
    let tab = driver.new_tab().unwrap();
    assert_eq!(
        tab.eval("new Promise((resolve) => setTimeout(() => resolve({ a: [1, 'two'] }), 10))")
            .unwrap(),
        json!({ "a": [1, "two"] })
    );
    assert_eq!(tab.eval("undefined").unwrap(), json!(null));
    match tab.eval("Promise.reject(new Error('no luck'))") {
        Err(Error::Script(message)) => assert!(message.contains("no luck"), "{message}"),
        other => panic!("{other:?}"),
    }
    match tab.eval("(() => { throw new TypeError('bad type'); })()") {
        Err(Error::Script(message)) => assert!(message.contains("bad type"), "{message}"),
        other => panic!("{other:?}"),
    }
    match tab.wait_until("false", Duration::from_millis(200)) {
        Err(Error::Timeout(what)) => assert!(what.contains("false"), "{what}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_download_arrives_byte_exact() {
    let bytes = Arc::new(pattern(300_000));
    let script = r#"
document.getElementById("save").addEventListener("click", async () => {
  const data = await (await fetch("/bytes")).arrayBuffer();
  const url = URL.createObjectURL(new Blob([data], { type: "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = "report 1.bin";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
});"#;
    let served = Arc::clone(&bytes);
    let site = Server::start(move |request| match request.path.as_str() {
        "/bytes" => Response::bytes(served.to_vec()),
        _ => strict_page("<button id=\"save\">Save</button>", script),
    });
    let driver = launch();
    let tab = driver.new_tab().unwrap();
    tab.goto(&site.url("/")).unwrap();
    tab.click("#save").unwrap();
    let path = driver.wait_for_download("report 1.bin", WAIT).unwrap();
    assert!(path.starts_with(driver.download_dir()));
    assert!(std::fs::read(&path).unwrap() == *bytes, "the bytes differ");

    // The same name again is a second download, returned by a second wait.
    tab.click("#save").unwrap();
    let again = driver.wait_for_download("report 1.bin", WAIT).unwrap();
    assert_ne!(again, path);
    assert!(std::fs::read(&again).unwrap() == *bytes);
    assert!(tab.csp_violations().unwrap().is_empty());
}

#[test]
fn picked_files_reach_the_page_s_script() {
    let script = r#"
const input = document.getElementById("files");
input.addEventListener("change", async () => {
  const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  const seen = [];
  for (const file of input.files) {
    seen.push([file.name, file.size, hex(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()))]);
  }
  document.body.dataset.files = JSON.stringify(seen);
});"#;
    let site = Server::start(move |_| {
        strict_page(
            "<label for=\"files\">Files</label> <input id=\"files\" type=\"file\" multiple>",
            script,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("notes.txt", b"plain words\n".to_vec()),
        ("scan 2.pdf", pattern(70_000)),
    ];
    for (name, bytes) in &files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let driver = launch();
    let tab = driver.new_tab().unwrap();
    tab.goto(&site.url("/")).unwrap();
    let paths: Vec<_> = files.iter().map(|(n, _)| dir.path().join(n)).collect();
    tab.set_files("#files", &paths).unwrap();
    wait(&tab, "document.body.dataset.files");
    let seen: serde_json::Value = serde_json::from_str(
        tab.eval("document.body.dataset.files")
            .unwrap()
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let expected: Vec<serde_json::Value> = files
        .iter()
        .map(|(name, bytes)| json!([name, bytes.len(), hex(&Sha256::digest(bytes))]))
        .collect();
    assert_eq!(seen, json!(expected));
    assert!(matches!(
        tab.set_files("#nowhere", &paths),
        Err(Error::NoElement(_))
    ));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A self-signed certificate for 127.0.0.1 and a TLS configuration presenting it.
fn self_signed() -> (
    rcgen::Certificate,
    rcgen::KeyPair,
    Arc<rustls::ServerConfig>,
) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    (cert, key, Arc::new(config))
}

#[test]
fn a_self_signed_server_is_trusted_by_its_pin_and_no_other_is() {
    let (pinned_cert, pinned_key, pinned_config) = self_signed();
    let (_, _, other_config) = self_signed();
    // The pin is the SHA-256 of the key's SubjectPublicKeyInfo, from PEM or DER alike.
    let pin = spki_pin(pinned_cert.pem().as_bytes()).unwrap();
    assert_eq!(spki_pin(pinned_cert.der()).unwrap(), pin);
    let expected = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(
            rcgen::PublicKeyData::subject_public_key_info(&pinned_key),
        ))
    };
    assert_eq!(pin, expected);

    let page = |_: &support::Request| strict_page("<p id=\"hello\">over TLS</p>", ALLOWED);
    let pinned = Server::start_tls(pinned_config, page);
    let other = Server::start_tls(other_config, page);
    let driver = Driver::launch(LaunchOptions {
        spki_pins: vec![pin],
        ..LaunchOptions::default()
    })
    .unwrap();
    let tab = driver.new_tab().unwrap();
    tab.goto(&pinned.url("/")).unwrap();
    assert_eq!(
        tab.eval(
            "[document.getElementById('hello').textContent, isSecureContext, !!crypto.subtle]"
        )
        .unwrap(),
        json!(["over TLS", true, true])
    );
    match tab.goto(&other.url("/")) {
        Err(Error::Navigation { reason, .. }) => assert!(reason.contains("CERT"), "{reason}"),
        other => panic!("an unpinned self-signed certificate was accepted: {other:?}"),
    }

    assert!(matches!(
        Driver::launch(LaunchOptions {
            spki_pins: vec!["x,--no-sandbox".into()],
            ..LaunchOptions::default()
        }),
        Err(Error::Pin(_))
    ));
}
