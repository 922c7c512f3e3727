//! Gmail's Trash and helpr's trash follow each other (issue 14, item 1), through the real
//! `helpr` against the google-emulator:
//!
//! - a delete in helpr moves the message (or every message of the conversation) into Gmail's
//!   Trash, and a restore takes it out again, before the command returns when Gmail answers;
//! - while Gmail cannot be reached the delete still happens, the call waits in the vault's
//!   outbox (shown by `status`), and the next `helpr sync` sends it;
//! - a sync killed with SIGKILL while it sends the outbox leaves the rest queued, and the
//!   next sync sends every one;
//! - a message someone else trashes at Gmail arrives by sync as soft-deleted in helpr (out of
//!   the list and search, in the trash, audited as Gmail's act), and comes back when untrashed;
//!   one deleted at Gmail for good goes to helpr's trash too, restorable for the grace period;
//! - a purge run while a sync is storing mail waits for the index between the sync's batches,
//!   and both finish with nothing lost.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use google_emulator::OAuthConfig;
use helpr_tests::gmail::GmailRig;
use helpr_tests::message;
use serde_json::Value;

/// A connected, synced rig with `n` messages; their Gmail ids.
fn synced_rig(n: usize, seed: u64) -> (GmailRig, Vec<String>) {
    let rig = GmailRig::new(OAuthConfig::default());
    rig.connect_ok();
    let ids = rig.seed(n, seed);
    rig.sync_ok();
    (rig, ids)
}

/// Starts `helpr sync` in the background and returns it once `started` holds (it has done
/// some of its work); fails saying `nothing` if that takes over a minute.
fn sync_once_it(
    s: &helpr_tests::Scratch,
    nothing: &str,
    started: impl Fn() -> bool,
) -> std::process::Child {
    let child = s
        .command(&["sync"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let since = Instant::now();
    while !started() {
        assert!(since.elapsed() < Duration::from_secs(60), "{nothing}");
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

/// Whether Gmail (the emulator) holds `gmail_id` in its Trash.
fn in_gmail_trash(rig: &GmailRig, gmail_id: &str) -> bool {
    rig.emu
        .message(gmail_id)
        .expect("the emulator has the message")
        .label_ids
        .iter()
        .any(|l| l == "TRASH")
}

/// helpr's id of `gmail_id`.
fn local_id(rig: &GmailRig, gmail_id: &str) -> i64 {
    rig.vault_lookup(gmail_id).1.expect("stored in the vault")
}

fn trash_ids(rig: &GmailRig) -> BTreeSet<i64> {
    rig.scratch.json(&["trash"])["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["message"]["id"].as_i64().unwrap())
        .collect()
}

fn outbox_pending(rig: &GmailRig) -> (u64, Value) {
    let status = rig.status();
    (
        status["outbox_pending"].as_u64().unwrap(),
        status["outbox_error"].clone(),
    )
}

/// `(actor, action, detail)` of the audit entries about messages.
fn message_audit(rig: &GmailRig) -> Vec<(String, String, String)> {
    rig.scratch
        .json(&["audit", "--action", "message."])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_delete_trashes_at_gmail_and_a_restore_untrashes() {
    let (rig, gmail_ids) = synced_rig(12, 41);
    let s = &rig.scratch;
    let one = &gmail_ids[0];
    let id = local_id(&rig, one);

    let deleted = s.json(&["delete", &id.to_string()]);
    assert_eq!(deleted["gmail_pending"], 0, "{deleted}");
    assert!(in_gmail_trash(&rig, one), "not trashed at Gmail");
    assert!(!s.list_ids().contains(&id));
    assert_eq!(outbox_pending(&rig).0, 0);

    let restored = s.json(&["restore", &id.to_string()]);
    assert_eq!(restored["gmail_pending"], 0, "{restored}");
    assert!(!in_gmail_trash(&rig, one), "not untrashed at Gmail");
    assert!(s.list_ids().contains(&id));

    // A conversation: every one of its messages goes to Gmail's Trash.
    let root = rig
        .emu
        .add_message(message("tr1", "Order 9", "root", None), &["INBOX"]);
    let reply = String::from_utf8(message("tr2", "Re: Order 9", "reply", None))
        .unwrap()
        .replacen("Subject:", "In-Reply-To: <tr1@example.com>\r\nSubject:", 1);
    let reply = rig.emu.add_message(reply.into_bytes(), &["INBOX"]);
    assert_eq!(
        rig.emu.message(&root).unwrap().thread_id,
        rig.emu.message(&reply).unwrap().thread_id
    );
    rig.sync_ok();
    let local_root = local_id(&rig, &root);
    let local_thread = s
        .json(&["list"])
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == local_root)
        .unwrap()["thread_id"]
        .as_i64()
        .unwrap();
    let deleted = s.json(&["delete", "--thread", &local_thread.to_string()]);
    assert_eq!(deleted["ids"].as_array().unwrap().len(), 2, "{deleted}");
    assert!(in_gmail_trash(&rig, &root) && in_gmail_trash(&rig, &reply));
    assert!(!in_gmail_trash(&rig, one));

    // Gmail's echo of helpr's own moves changes nothing in helpr.
    let before = trash_ids(&rig);
    let sync = rig.sync_ok();
    assert_eq!(sync[0]["outbox"]["sent"], 0, "{sync}");
    assert_eq!(trash_ids(&rig), before);
    assert!(s.list_ids().contains(&id));
    assert!(
        message_audit(&rig)
            .iter()
            .all(|(actor, ..)| actor != "gmail"),
        "helpr's own moves came back as Gmail's: {:?}",
        message_audit(&rig)
    );
}

#[test]
fn a_trash_owed_while_gmail_is_unreachable_goes_out_with_the_next_sync() {
    let (rig, gmail_ids) = synced_rig(6, 42);
    let s = &rig.scratch;
    let (a, b) = (&gmail_ids[0], &gmail_ids[1]);
    let (ida, idb) = (local_id(&rig, a), local_id(&rig, b));

    // Gmail answers every call with a 503: the delete still happens here, at once.
    rig.emu.set_server_error_rate(1.0);
    let out = s.ok(&["delete", &ida.to_string()]);
    assert!(out.contains("Gmail could not be reached"), "{out}");
    let deleted = s.json(&["delete", &idb.to_string()]);
    assert_eq!(deleted["gmail_pending"], 2, "{deleted}");
    assert!(!s.list_ids().contains(&ida) && !s.list_ids().contains(&idb));
    assert_eq!(trash_ids(&rig), BTreeSet::from([ida, idb]));
    assert!(!in_gmail_trash(&rig, a) && !in_gmail_trash(&rig, b));
    let (pending, error) = outbox_pending(&rig);
    assert_eq!((pending, error.as_str()), (2, Some("gmail_unavailable")));
    // Restored while still offline: the wish for b is now an untrash.
    let restored = s.json(&["restore", &idb.to_string()]);
    assert_eq!(restored["gmail_pending"], 2, "{restored}");

    // Back online: the next sync (a new process, so also after a restart) sends what waits.
    rig.emu.set_server_error_rate(0.0);
    let sync = rig.sync_ok();
    assert_eq!(sync[0]["outbox"]["sent"], 2, "{sync}");
    assert_eq!(sync[0]["outbox"]["pending"], 0, "{sync}");
    assert!(in_gmail_trash(&rig, a), "the queued trash was not sent");
    assert!(
        !in_gmail_trash(&rig, b),
        "the untrash that replaced it was not sent"
    );
    assert_eq!(outbox_pending(&rig), (0, Value::Null));
    assert_eq!(trash_ids(&rig), BTreeSet::from([ida]));
    assert!(s.list_ids().contains(&idb));
}

#[test]
fn a_sync_killed_while_sending_the_outbox_sends_every_wish_on_the_next_run() {
    const DELETED: usize = 24;
    let (rig, gmail_ids) = synced_rig(40, 43);
    let s = &rig.scratch;
    let owed: Vec<&String> = gmail_ids.iter().take(DELETED).collect();
    rig.emu.set_server_error_rate(1.0);
    for g in &owed {
        s.ok(&["delete", &local_id(&rig, g).to_string()]);
    }
    assert_eq!(outbox_pending(&rig).0, DELETED as u64);
    rig.emu.set_server_error_rate(0.0);

    // Slow answers, so a sync is still sending when it is killed; the kill must land after
    // some trash reached Gmail and before all did, or it proved nothing.
    rig.emu.set_latency(Duration::from_millis(150));
    let trashed = || owed.iter().filter(|g| in_gmail_trash(&rig, g)).count();
    let mut child = sync_once_it(s, "the sync sent nothing", || trashed() > 0);
    child.kill().unwrap();
    child.wait().unwrap();
    let at_kill = trashed();
    assert!(
        at_kill < DELETED,
        "the kill landed after every trash was sent ({at_kill}); nothing was proved"
    );
    let (pending, _) = outbox_pending(&rig);
    assert!(
        pending as usize >= DELETED - at_kill && pending > 0,
        "{pending} queued after the kill, {at_kill} of {DELETED} sent"
    );

    rig.emu.set_latency(Duration::ZERO);
    let sync = rig.sync_ok();
    assert_eq!(sync[0]["outbox"]["pending"], 0, "{sync}");
    assert_eq!(trashed(), DELETED, "a queued trash was lost to the kill");
    assert_eq!(outbox_pending(&rig), (0, Value::Null));
    assert_eq!(trash_ids(&rig).len(), DELETED);
    assert_eq!(rig.vault().len(), 40 - DELETED);
}

#[test]
fn gmail_trash_and_untrash_by_someone_else_arrive_by_sync() {
    let (rig, gmail_ids) = synced_rig(8, 44);
    let s = &rig.scratch;
    let (a, gone) = (&gmail_ids[0], &gmail_ids[1]);
    let (ida, idgone) = (local_id(&rig, a), local_id(&rig, gone));
    let subject = s.json(&["show", &ida.to_string()])["subject"]
        .as_str()
        .unwrap()
        .to_owned();
    let word = subject
        .split_whitespace()
        .filter(|w| w.chars().all(char::is_alphanumeric))
        .max_by_key(|w| w.len())
        .unwrap()
        .to_owned();
    assert!(s.search_ids(&format!("subject:{word}")).contains(&ida));

    assert!(rig.emu.modify_message(a, &["TRASH"], &[]));
    assert!(rig.emu.delete_message(gone));
    rig.sync_ok();
    assert!(!s.list_ids().contains(&ida) && !s.list_ids().contains(&idgone));
    assert!(!s.search_ids(&format!("subject:{word}")).contains(&ida));
    assert_eq!(trash_ids(&rig), BTreeSet::from([ida, idgone]));
    let audit = message_audit(&rig);
    let by_gmail: Vec<&str> = audit
        .iter()
        .filter(|(actor, ..)| actor == "gmail")
        .map(|(_, _, detail)| detail.as_str())
        .collect();
    assert_eq!(
        by_gmail.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from(["trashed at Gmail", "deleted at Gmail"])
    );
    // Nothing is owed back to Gmail for what it did itself.
    assert_eq!(outbox_pending(&rig).0, 0);

    assert!(rig.emu.modify_message(a, &[], &["TRASH"]));
    rig.sync_ok();
    assert!(
        s.list_ids().contains(&ida),
        "the untrashed message did not come back"
    );
    assert!(s.search_ids(&format!("subject:{word}")).contains(&ida));
    assert_eq!(trash_ids(&rig), BTreeSet::from([idgone]));
    assert!(message_audit(&rig)
        .iter()
        .any(|(actor, action, detail)| actor == "gmail"
            && action == "message.restore"
            && detail == "untrashed at Gmail"));
    assert_eq!(s.json(&["audit", "verify"])["intact"], true);
}

#[test]
fn a_purge_while_a_sync_runs_waits_its_turn_and_loses_nothing() {
    let (rig, gmail_ids) = synced_rig(10, 45);
    let s = &rig.scratch;
    let doomed = local_id(&rig, &gmail_ids[0]);
    s.ok(&["delete", &doomed.to_string()]);
    // A full resync (the stored history is too old) of many new messages, applied in batches
    // with slow answers: still running when the purge starts and ends.
    let added = rig.seed(200, 46);
    rig.emu.set_history_floor(rig.emu.history_id());
    rig.emu.set_latency(Duration::from_millis(50));
    let before = rig.stored_count();
    let mut sync = sync_once_it(s, "the sync stored nothing", || rig.stored_count() > before);
    let purged = s.json(&["purge", "--now", &doomed.to_string(), "--yes"]);
    let sync_was_running = sync.try_wait().unwrap().is_none();
    assert_eq!(purged["purged"], 1, "{purged}");
    assert!(sync.wait().unwrap().success(), "the sync failed");
    assert!(
        sync_was_running,
        "the sync ended before the purge did; the overlap proved nothing"
    );

    // Both finished their work: the purged message is gone, every other one is as at Gmail.
    let all: Vec<String> = gmail_ids.iter().chain(&added).cloned().collect();
    assert_eq!(rig.vault(), rig.mailbox(&all));
    assert!(trash_ids(&rig).is_empty());
    let doctor = s.json(&["doctor"]);
    assert_eq!(doctor["healthy"], true, "{doctor}");
    assert_eq!(
        s.json(&["index", "stats"])["docs"],
        rig.vault().len(),
        "the index and the vault differ"
    );
}
