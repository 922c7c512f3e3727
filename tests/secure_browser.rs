//! Secure email in real Chromium (Debian's `chromium`, driven by helpr-browser-check's
//! driver) against a running team server and google-emulator, with the real `helpr` binary
//! and vault on the agent's side.
//!
//! The full flow: compose secure (`helpr send --secure` with an attachment) → the
//! notification in the emulator's mailbox → the link opened → a code mailed → the code
//! entered → the thread read → the attachment downloaded byte-exact → a reply with a file →
//! the reply in the agent's vault. Then what must stop a reader, each on a clear page and
//! without the server's half of the key: a link with its fragment removed; wrong codes until
//! the lockout (shown to the sender); tampered ciphertext; revocation before and after the
//! first read; expiry with the server's clock moved. No CSP violation on any page; no canary
//! of a message in any file of the server's.
//!
//! The browser trusts the server's made certificate by its key (an SPKI pin), never blanket.

use std::path::Path;
use std::time::Duration;

use helpr_browser_check::driver::{spki_pin, Driver, LaunchOptions, Tab};
use helpr_tests::secure::{agent, link_in, mails_after, send_secure, six_digits, READER};
use helpr_tests::team::BrokeredInbox;
use helpr_tests::{scan, Scratch};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);
const SUBJECT: &str = "Payslip okapi3318";
const BODY: &str = "Your payslip for November is attached. gecko7064";
const FILE: &str = "payslip-kinkajou2291.pdf";
const REPLY: &str = "Received with thanks. manatee4470";
const REPLY_FILE: &str = "signed-caracal5137.pdf";

/// The browser, trusting the team server's certificate by its key, saving downloads in `dir`.
fn browser(brokered: &BrokeredInbox, dir: &Path) -> Driver {
    let cert = std::fs::read(brokered.team.data.path().join("tls/server.crt")).unwrap();
    Driver::launch(LaunchOptions {
        spki_pins: vec![spki_pin(&cert).unwrap()],
        download_dir: Some(dir.to_owned()),
    })
    .expect("Chromium starts (`cargo xtask test` installs Debian's chromium)")
}

/// Sends a secure message from the agent's vault; its id and the notification's link.
fn send(
    brokered: &BrokeredInbox,
    ada: &Scratch,
    subject: &str,
    attach: Option<&Path>,
) -> (String, String) {
    let before = brokered.emu.sent_messages().len();
    let sent = send_secure(ada, subject, BODY, attach);
    let id = sent["id"]
        .as_str()
        .expect("the protected thread's id")
        .to_owned();
    let (page, _, fragment) = link_in(&mails_after(&brokered.emu, before, 1)[0]);
    (id, format!("{page}#{fragment}"))
}

fn state(tab: &Tab) -> String {
    tab.eval("document.body.dataset.state")
        .unwrap()
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn wait_state(tab: &Tab, wanted: &str) {
    let waited = tab.wait_until(&format!("document.body.dataset.state === '{wanted}'"), WAIT);
    assert!(
        waited.is_ok(),
        "the page did not reach `{wanted}` (it is `{}`): {:?}",
        state(tab),
        tab.console()
    );
}

/// The page shows a clear refusal that says `why`, with no CSP violation.
fn refused(tab: &Tab, why: &str) {
    wait_state(tab, "error");
    let said = text(tab, "state");
    assert!(said.contains(why), "{said}");
    no_csp_violation(tab);
}

fn text(tab: &Tab, testid: &str) -> String {
    tab.eval(&format!(
        "Array.from(document.querySelectorAll('[data-testid={testid}]')).map(e => e.textContent).join('\\n')"
    ))
    .unwrap()
    .as_str()
    .unwrap_or("")
    .to_owned()
}

/// The reader asks for a code in the page: the code the server mailed.
fn ask_code(brokered: &BrokeredInbox, tab: &Tab) -> String {
    wait_state(tab, "address");
    let before = brokered.emu.sent_messages().len();
    tab.fill("[data-testid=address]", READER).unwrap();
    tab.click("[data-testid=send-code]").unwrap();
    wait_state(tab, "code");
    six_digits(&mails_after(&brokered.emu, before, 1)[0])
}

/// Enters `code` and waits for the page's answer to this try (the banner is cleared first).
fn enter_code(tab: &Tab, code: &str) {
    tab.eval("{ const b = document.querySelector('[data-testid=error]'); b.hidden = true; b.textContent = ''; }")
        .unwrap();
    tab.fill("[data-testid=code]", code).unwrap();
    tab.click("[data-testid=verify]").unwrap();
    tab.wait_until(
        "document.body.dataset.state !== 'code' || !document.querySelector('[data-testid=error]').hidden",
        WAIT,
    )
    .unwrap();
}

/// Opens `link` and proves the address: the thread is on screen.
fn open(brokered: &BrokeredInbox, tab: &Tab, link: &str) {
    tab.goto(link).unwrap();
    let code = ask_code(brokered, tab);
    enter_code(tab, &code);
    wait_state(tab, "thread");
}

fn no_csp_violation(tab: &Tab) {
    assert_eq!(
        tab.csp_violations().unwrap(),
        Vec::<String>::new(),
        "CSP violations"
    );
}

#[test]
fn a_reader_opens_downloads_and_replies_in_chromium_and_the_reply_lands_in_the_vault() {
    let brokered = BrokeredInbox::start("support@acme.test", vec![]);
    let ada = agent(&brokered);
    let pdf: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let attachment = ada.tmp().join(FILE);
    std::fs::write(&attachment, &pdf).unwrap();
    let (_, link) = send(&brokered, &ada, SUBJECT, Some(&attachment));

    let downloads = tempfile::tempdir().unwrap();
    let driver = browser(&brokered, downloads.path());
    let tab = driver.new_tab().unwrap();
    open(&brokered, &tab, &link);
    assert_eq!(text(&tab, "entry-subject"), SUBJECT);
    assert_eq!(text(&tab, "entry-body"), BODY);
    assert!(text(&tab, "attachment-name").contains(FILE));

    // The attachment, decrypted in the browser, byte for byte.
    tab.click("[data-testid=download]").unwrap();
    let saved = driver.wait_for_download(FILE, WAIT).unwrap();
    assert_eq!(std::fs::read(saved).unwrap(), pdf);

    // A reply with a file, sealed in the browser.
    let signed = downloads.path().join(REPLY_FILE);
    let signed_bytes: Vec<u8> = (0..90_000u32).map(|i| (i * 13 % 256) as u8).collect();
    std::fs::write(&signed, &signed_bytes).unwrap();
    tab.fill("[data-testid=reply-body]", REPLY).unwrap();
    tab.set_files("[data-testid=reply-files]", &[&signed])
        .unwrap();
    tab.click("[data-testid=reply-send]").unwrap();
    tab.wait_until(
        "document.querySelectorAll('[data-testid=entry]').length === 2",
        WAIT,
    )
    .unwrap();
    assert!(text(&tab, "entry-body").contains(REPLY));
    no_csp_violation(&tab);

    // The agent's next sync: the reply in the conversation, its file byte-exact.
    ada.ok(&["team", "sync"]);
    let hits = ada.json(&["search", "manatee4470"])["hits"].clone();
    assert_eq!(hits.as_array().map(Vec::len), Some(1), "{hits}");
    let own = ada.json(&["search", "okapi3318"])["hits"][0]["thread_id"].clone();
    assert_eq!(
        hits[0]["thread_id"], own,
        "the reply is in the conversation"
    );
    let shown = ada.json(&["show", &hits[0]["id"].to_string()]);
    let file = &shown["attachments"][0];
    assert_eq!(file["name"], REPLY_FILE, "{shown}");
    let stored = brokered.team.runtime.block_on(async {
        let helpr = helpr_core::Helpr::open(&ada.data()).await.unwrap();
        helpr
            .read_attachment(file["id"].as_i64().unwrap())
            .await
            .unwrap()
    });
    assert_eq!(stored, signed_bytes);
    let status = ada.json(&["secure", "status"]);
    assert_eq!(
        status[0]["status"]["recipients"][0]["state"], "read",
        "{status}"
    );

    let fragment = link.split_once('#').unwrap().1.to_owned();
    for canary in [SUBJECT, BODY, FILE, REPLY, REPLY_FILE, &fragment] {
        assert_eq!(
            scan(&[brokered.team.data.path()], canary),
            vec![],
            "{canary} on the server"
        );
    }
}

#[test]
fn every_way_a_reader_is_stopped_ends_on_a_clear_page_without_the_key() {
    let brokered = BrokeredInbox::start("support@acme.test", vec![]);
    let ada = agent(&brokered);
    let downloads = tempfile::tempdir().unwrap();
    let driver = browser(&brokered, downloads.path());
    let server = &brokered.team.server;

    // A link with its fragment removed: the page says so and asks the server nothing.
    let (_, link) = send(&brokered, &ada, "Fragment", None);
    let tab = driver.new_tab().unwrap();
    let mails = brokered.emu.sent_messages().len();
    tab.goto(link.split_once('#').unwrap().0).unwrap();
    wait_state(&tab, "incomplete");
    assert!(text(&tab, "state").contains("incomplete"));
    no_csp_violation(&tab);
    assert_eq!(
        brokered.emu.sent_messages().len(),
        mails,
        "no code was asked for"
    );

    // Wrong codes: the fifth locks the reader out; the right code then fails too; the
    // sender sees the lockout and unlocks.
    let (id, link) = send(&brokered, &ada, "Lockout", None);
    let tab = driver.new_tab().unwrap();
    tab.goto(&link).unwrap();
    let code = ask_code(&brokered, &tab);
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    for _ in 0..5 {
        enter_code(&tab, &wrong);
        assert_eq!(state(&tab), "code");
        assert!(
            text(&tab, "error").contains("not right"),
            "{}",
            text(&tab, "error")
        );
    }
    enter_code(&tab, &code);
    assert_eq!(
        state(&tab),
        "code",
        "the right code after the lockout opens nothing"
    );
    ada.ok(&["secure", "sync"]);
    let status = ada.json(&["secure", "status"]);
    let locked = status
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id.as_str())
        .unwrap();
    assert_eq!(
        locked["status"]["recipients"][0]["state"], "locked",
        "{status}"
    );
    ada.ok(&["secure", "unlock", &id, "--recipient", "0"]);
    tab.click("[data-testid=resend]").unwrap();
    let before = brokered.emu.sent_messages().len();
    let fresh = six_digits(&mails_after(&brokered.emu, before, 1)[0]);
    enter_code(&tab, &fresh);
    wait_state(&tab, "thread");
    no_csp_violation(&tab);

    // Tampered ciphertext: one byte of the stored manifest flipped. The key is released (the
    // server cannot tell), but nothing opens and nothing decrypted is shown.
    let (id, link) = send(&brokered, &ada, "Tampered", None);
    let flipped = id.clone();
    brokered
        .team
        .runtime
        .block_on(server.hub.db().run(move |tx| {
            let m = helpr_server::store::secure::message_by_id(tx, &flipped)?.unwrap();
            let entries = helpr_server::store::secure::entries(tx, m.row_id)?;
            let mut manifest = entries[0].0.manifest.clone();
            let last = manifest.len() - 1;
            manifest[last] ^= 0x01;
            tx.execute(
                "UPDATE secure_entries SET manifest = $1 WHERE message = $2 AND n = 0",
                &[manifest.into(), m.row_id.into()],
            )?;
            Ok(())
        }))
        .unwrap();
    let tab = driver.new_tab().unwrap();
    tab.goto(&link).unwrap();
    let code = ask_code(&brokered, &tab);
    enter_code(&tab, &code);
    wait_state(&tab, "broken");
    assert!(text(&tab, "state").contains("cannot be opened"));
    assert!(!text(&tab, "thread").contains(BODY));
    no_csp_violation(&tab);

    // Revoked before the first read: the link is useless, the key never released.
    let (id, link) = send(&brokered, &ada, "Revoked before", None);
    ada.ok(&["secure", "revoke", &id]);
    let tab = driver.new_tab().unwrap();
    tab.goto(&link).unwrap();
    wait_state(&tab, "address");
    tab.fill("[data-testid=address]", READER).unwrap();
    tab.click("[data-testid=send-code]").unwrap();
    refused(&tab, "revoked");

    // Revoked after the first read: the open page's next load is refused.
    let (id, link) = send(&brokered, &ada, "Revoked after", None);
    let tab = driver.new_tab().unwrap();
    open(&brokered, &tab, &link);
    ada.ok(&["secure", "revoke", &id]);
    tab.reload().unwrap();
    refused(&tab, "revoked");

    // Expired: 28 days on by the server's clock, the open page's next load is refused and
    // the key is gone from the server.
    let (id, link) = send(&brokered, &ada, "Expiring", None);
    let tab = driver.new_tab().unwrap();
    open(&brokered, &tab, &link);
    server.hub.clock().advance(28 * 86_400 + 1);
    tab.reload().unwrap();
    refused(&tab, "expired");
    let gone = brokered.team.runtime.block_on(async {
        tokio::time::timeout(WAIT, async {
            loop {
                let id = id.clone();
                let row = server
                    .hub
                    .db()
                    .run(move |tx| helpr_server::store::secure::message_by_id(tx, &id))
                    .await
                    .unwrap()
                    .unwrap();
                if row.key_server.is_none() {
                    return Value::Bool(true);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
    });
    assert_eq!(
        gone.ok(),
        Some(Value::Bool(true)),
        "the sweep deleted the server's half"
    );
}
