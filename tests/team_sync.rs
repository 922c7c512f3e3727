//! Team inboxes on the desktop: two agents' vaults sync the shared inbox through the team
//! server (never holding its Google credentials) and find its mail; one answers a customer
//! through the server, which submits it to Gmail; the server's data dir then holds none of the
//! mail, the answer or the addresses. When an admin removes one agent from the inbox, that
//! vault's next connection purges the inbox from the vault and the index — search finds
//! nothing and a byte scan of its data dir finds no canary — while the other agent's vault
//! keeps it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use helpr_core::{Helpr, SyncOptions};
use helpr_gmail::limiter::Backoff;
use helpr_tests::team::{self, BrokeredInbox, ServerProcess, PASSWORD};
use helpr_tests::{scan, Scratch};

const CANARY: &str = "zebracanary7731";
const ANSWER: &str = "ocelotanswer5519";

fn mail(n: u32) -> Vec<u8> {
    format!(
        "From: Customer <customer{n}@example.org>\r\nTo: support@acme.test\r\n\
         Subject: Question {n} {CANARY}\r\nMessage-ID: <q{n}@example.org>\r\n\
         Date: Mon, 3 Jun 2024 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Where is order {n}? {CANARY}\r\n"
    )
    .into_bytes()
}

fn hits(vault: &Scratch) -> usize {
    vault.json(&["search", CANARY])["hits"]
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn losing_a_shared_inbox_purges_its_mail_from_that_desktop_only() {
    let brokered = BrokeredInbox::start("support@acme.test", (1..=3).map(mail).collect());
    let ada_id = brokered.add_member("Ada", "ada@acme.test");
    brokered.add_member("Bob", "bob@acme.test");
    let fingerprint = brokered.team.fingerprint().to_owned();

    let mut vaults = Vec::new();
    for email in ["ada@acme.test", "bob@acme.test"] {
        let vault = Scratch::new();
        vault.init();
        let (ok, _, stderr) = brokered
            .team
            .cli_sign_in(&vault, email, PASSWORD, &fingerprint);
        assert!(ok, "{stderr}");
        vault.ok(&["team", "listen", "--once", "--json"]);
        let synced = vault.json(&["team", "sync"]);
        assert_eq!(synced[0]["address"], "support@acme.test", "{synced}");
        assert_eq!(hits(&vault), 3);
        vaults.push(vault);
    }
    let (ada, bob) = (&vaults[0], &vaults[1]);
    let status = ada.json(&["team", "status"]);
    assert!(status["inboxes"][0]["local_inbox"].is_number(), "{status}");

    // Bob answers the first question; the server submits it with the account's grant.
    let question = bob.json(&["search", "subject:\"Question 1\""])["hits"][0]["id"]
        .as_i64()
        .expect("the question is found");
    let body = format!("It shipped today. {ANSWER}");
    let sent = bob.json(&[
        "send",
        "--from",
        "support@acme.test",
        "--to",
        "customer1@example.org",
        "--reply-to",
        &question.to_string(),
        "--body",
        &body,
    ]);
    assert!(sent["id"].is_number(), "{sent}");
    let submitted = brokered.emu.sent_messages();
    assert_eq!(submitted.len(), 1);
    assert_eq!(submitted[0].mail_from, "support@acme.test");
    assert_eq!(submitted[0].rcpt_to, ["customer1@example.org"]);
    let stored = brokered
        .emu
        .message(&submitted[0].id)
        .expect("Gmail's sent copy");
    let raw = String::from_utf8_lossy(&stored.raw).into_owned();
    assert!(
        raw.contains(ANSWER) && raw.contains("In-Reply-To: <q1@example.org>"),
        "{raw}"
    );
    assert_eq!(
        bob.json(&["search", ANSWER])["hits"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // Ada's next sync brings Bob's answer, as Gmail's sent copy.
    ada.ok(&["team", "sync"]);
    assert_eq!(
        ada.json(&["search", ANSWER])["hits"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // The server kept none of it: no mail, no answer, no customer's or inbox's address.
    let server_data = brokered.team.data.path();
    for canary in [CANARY, ANSWER, "customer1@example.org", "support@acme.test"] {
        assert_eq!(
            scan(&[server_data], canary),
            vec![],
            "{canary} on the server"
        );
    }

    brokered.remove_member(ada_id);
    ada.ok(&["team", "listen", "--once", "--json"]);
    assert_eq!(
        ada.json(&["team", "status"])["inboxes"],
        serde_json::json!([])
    );
    assert_eq!(hits(ada), 0);
    assert_eq!(ada.json(&["list"]).as_array().map(Vec::len), Some(0));
    assert_eq!(scan(&[&ada.data()], CANARY), vec![]);

    // Bob keeps it: the three questions and his answer ("Re: Question 1 …").
    bob.ok(&["team", "listen", "--once", "--json"]);
    assert_eq!(hits(bob), 4);
    assert_eq!(ada.json(&["search", ANSWER])["hits"], serde_json::json!([]));
    assert_eq!(scan(&[&ada.data()], ANSWER), vec![]);
}

/// `Helpr::team_sync` in this process, with short retries; `progress` sees every update.
fn sync_in_process(
    runtime: &tokio::runtime::Runtime,
    vault: &Scratch,
    progress: helpr_core::SyncProgressFn,
) -> Vec<helpr_core::SyncOutcome> {
    runtime.block_on(async {
        let helpr = Helpr::open(&vault.data()).await.expect("the vault opens");
        let options = SyncOptions {
            backoff: Backoff {
                initial: Duration::from_millis(10),
                max: Duration::from_millis(50),
                attempts: 2,
            },
            ..SyncOptions::default()
        };
        helpr
            .team_sync(options, progress)
            .await
            .expect("the sync runs")
    })
}

#[test]
fn killing_the_server_mid_sync_loses_nothing_on_the_desktop() {
    const ALL: u32 = 260;
    let runtime = helpr_tests::background_runtime();
    let emu = runtime.block_on(team::emulator(
        "support@acme.test",
        (1..=ALL).map(mail).collect(),
    ));
    let mut server = ServerProcess::start(&emu.helpr_config_toml());
    let (owner, inbox) = runtime.block_on(team::connect_shared_inbox(
        &server.url(),
        &server.fingerprint,
    ));
    runtime.block_on(team::add_member(&owner, inbox, "Ada", "ada@acme.test"));

    // Ada's desktop already holds mail of its own.
    let ada = Scratch::new();
    ada.init();
    let own = ada.write_mail("own.eml", OWN_NOTE.as_bytes());
    ada.ok(&["import", own.to_str().unwrap()]);
    let fingerprint = server.fingerprint.clone();
    let (ok, _, stderr) = team::cli_sign_in(
        &runtime,
        (&server.url(), &fingerprint),
        &ada,
        ("ada@acme.test", PASSWORD),
        &fingerprint,
    );
    assert!(ok, "{stderr}");
    ada.ok(&["team", "listen", "--once", "--json"]);

    // While the desktop fetches the shared inbox, the server is killed (SIGKILL, from the
    // report of the first batch stored, so it happens mid-sync).
    let pid = server.pid();
    let killed = Arc::new(AtomicBool::new(false));
    let done_at_kill = Arc::new(AtomicU64::new(0));
    let (k, d) = (killed.clone(), done_at_kill.clone());
    let interrupted = sync_in_process(
        &runtime,
        &ada,
        Arc::new(move |_, p| {
            let fetching = p.phase == helpr_gmail::sync::Phase::FullSync;
            if fetching && p.done > 0 && p.done < p.total && !k.swap(true, Ordering::SeqCst) {
                d.store(p.done, Ordering::SeqCst);
                let status = std::process::Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status()
                    .expect("run kill");
                assert!(status.success());
            }
        }),
    );
    assert!(
        killed.load(Ordering::SeqCst),
        "the sync never reported a stored batch"
    );
    let ended = server.reap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&ended),
        Some(9)
    );
    let outcome = interrupted
        .iter()
        .find(|o| o.address == "support@acme.test")
        .expect("the shared inbox was synced");
    let error = outcome.error.as_ref().expect("the sync was cut off");
    assert!(!error.message.is_empty());
    assert!(done_at_kill.load(Ordering::SeqCst) < u64::from(ALL));

    // Nothing the desktop held is lost, and what it holds is whole (vault and index agree).
    let held = ada.assert_doctor_healthy();
    assert!(held < u64::from(ALL) + 1, "{held}");
    assert_eq!(ada.search_ids("8812").len(), 1);
    assert_eq!(hits_all(&ada) as u64, held - 1);
    // Offline, the vault still shows what it had.
    assert_eq!(
        ada.json(&["team", "status"])["inboxes"][0]["name"],
        "Support"
    );

    // The server comes back (same data, same port); the next sync completes it exactly.
    server.restart();
    assert_eq!(server.fingerprint, fingerprint);
    let resumed = sync_in_process(&runtime, &ada, Arc::new(|_, _| {}));
    assert!(resumed.iter().all(|o| o.error.is_none()), "{resumed:?}");
    assert_eq!(ada.assert_doctor_healthy(), u64::from(ALL) + 1);
    assert_eq!(hits_all(&ada), ALL as usize);
    assert_eq!(ada.search_ids("8812").len(), 1);
}

const OWN_NOTE: &str = "From: Ada <ada@acme.test>\r\nTo: ada@acme.test\r\n\
    Subject: own note 8812\r\nMessage-ID: <own@acme.test>\r\n\
    Date: Mon, 3 Jun 2024 09:00:00 +0000\r\n\r\nMine.\r\n";

/// Every message holding the canary, counted by the index.
fn hits_all(vault: &Scratch) -> usize {
    vault.search_ids(CANARY).len()
}
