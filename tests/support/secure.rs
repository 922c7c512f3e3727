//! Secure email's rig for the desktop's tests: an agent's vault signed in to a brokered shared
//! inbox, the mails the inbox sent (the notification, the server's code mails), the link in a
//! notification and the code in a code mail.

use std::time::Duration;

use crate::team::{BrokeredInbox, PASSWORD};
use crate::Scratch;

/// The reader every secure test writes to.
pub const READER: &str = "reader@customer.test";

/// The agent's vault, signed in, with the shared inbox synced.
pub fn agent(brokered: &BrokeredInbox) -> Scratch {
    brokered.add_member("Ada", "ada@acme.test");
    let vault = Scratch::new();
    vault.init();
    let (ok, _, stderr) = brokered.team.cli_sign_in(
        &vault,
        "ada@acme.test",
        PASSWORD,
        brokered.team.fingerprint(),
    );
    assert!(ok, "{stderr}");
    vault.ok(&["team", "listen", "--once", "--json"]);
    vault.ok(&["team", "sync"]);
    vault
}

/// `helpr send --secure` from the shared inbox to [`READER`]: a new protected thread with
/// `subject`, `body` and maybe a file; the CLI's answer (`id`, `entry`).
pub fn send_secure(
    agent: &Scratch,
    subject: &str,
    body: &str,
    attach: Option<&std::path::Path>,
) -> serde_json::Value {
    let mut args = vec![
        "send",
        "--secure",
        "--from",
        "support@acme.test",
        "--to",
        READER,
        "--subject",
        subject,
        "--body",
        body,
    ];
    if let Some(path) = attach {
        args.extend(["--attach", path.to_str().expect("a UTF-8 path")]);
    }
    agent.json(&args)
}

/// The mails the inbox sent since `before`, as text (the server's background code mails
/// included: waited for, as a hang guard).
pub fn mails_after(emu: &google_emulator::Emulator, before: usize, count: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(mails) = sent_since(emu, before, count) {
            return mails;
        }
        assert!(std::time::Instant::now() < deadline, "no mail came");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// [`mails_after`] for async tests whose runtime also runs the emulator.
pub async fn mails_after_async(
    emu: &google_emulator::Emulator,
    before: usize,
    count: usize,
) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(mails) = sent_since(emu, before, count) {
            return mails;
        }
        assert!(std::time::Instant::now() < deadline, "no mail came");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn sent_since(emu: &google_emulator::Emulator, before: usize, count: usize) -> Option<Vec<String>> {
    let sent = emu.sent_messages();
    (sent.len() >= before + count).then(|| {
        sent[before..]
            .iter()
            .map(|m| {
                String::from_utf8(emu.message(&m.id).expect("Gmail's copy").raw).expect("text")
            })
            .collect()
    })
}

/// The link in a notification: `(https://…/s/{id}, id, fragment)`. Quoted-printable soft
/// breaks are undone first.
pub fn link_in(text: &str) -> (String, String, String) {
    let text = text.replace("=\r\n", "").replace("=3D", "=");
    let start = text.find("https://").expect("a link");
    let url: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let (page, fragment) = url.split_once('#').expect("a fragment");
    let id = page.rsplit('/').next().unwrap().to_owned();
    (page.to_owned(), id, fragment.to_owned())
}

/// The code in a code mail: its line of exactly six digits (not the first run of six digits
/// anywhere: a header, such as a random address, may hold one).
pub fn six_digits(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|line| line.len() == 6 && line.bytes().all(|b| b.is_ascii_digit()))
        .expect("a code")
        .to_owned()
}
