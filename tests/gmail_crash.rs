//! A syncing `helpr` killed with SIGKILL loses nothing and duplicates nothing (DESIGN §6: the
//! message upsert and the historyId checkpoint commit in one transaction).
//!
//! A full sync of a mailbox that takes several seconds at Gmail's quota is killed again and
//! again at seeded random moments; after every kill the vault holds no Gmail id twice and
//! every stored message equals the mailbox's, and each kill must have landed mid-way (more
//! stored than before, not yet all), or it proved nothing. Then the same during an incremental
//! sync of new mail, deletions and label changes. Finally an uninterrupted run completes and
//! the vault equals the mailbox exactly — count and content — with the search index in step.

use std::process::Stdio;
use std::time::Duration;

use google_emulator::OAuthConfig;
use helpr_tests::gmail::GmailRig;

/// Large enough that five kills 1.2–2.6 s in cannot finish the full sync even with a fresh
/// quota burst each start (400 once could, on a fast run, and the test failed).
const FULL: usize = 1000;

/// A small deterministic generator for the kill moments.
struct Rng(u64);

impl Rng {
    fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(lo + self.0 % (hi - lo))
    }
}

/// Starts `helpr sync`, SIGKILLs it after `after`.
fn kill_sync_after(rig: &GmailRig, after: Duration) {
    let mut child = rig
        .scratch
        .command(&["sync"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// What a partial vault must satisfy: no duplicates (`vault()` checks one row per Gmail id)
/// and every stored message equal to the mailbox's. Returns how many are stored.
fn check_partial(rig: &GmailRig, ids: &[String]) -> usize {
    let vault = rig.vault();
    let mailbox = rig.mailbox(ids);
    for (id, content) in &vault {
        assert_eq!(
            mailbox.get(id),
            Some(content),
            "message {id} differs after a kill"
        );
    }
    vault.len()
}

#[test]
fn kill_9_during_sync_loses_and_duplicates_nothing() {
    let rig = GmailRig::new(OAuthConfig::default());
    rig.connect_ok();
    let mut ids = rig.seed(FULL, 31);
    let mut rng = Rng(0x5eed_cafe);

    // Full sync: about 20 s at 50 messages/s; each run is killed 1.2–2.6 s in.
    let mut stored = 0;
    let mut midway = 0;
    for _ in 0..5 {
        kill_sync_after(&rig, rng.millis(1200, 2600));
        let now = check_partial(&rig, &ids);
        assert!(now >= stored, "a kill lost stored mail: {now} < {stored}");
        if now > stored && now < FULL {
            midway += 1;
        }
        stored = now;
    }
    assert!(
        midway >= 3,
        "only {midway} kills landed mid-way ({stored} stored)"
    );
    let status = rig.status();
    assert_eq!(
        status["history_id"],
        serde_json::Value::Null,
        "full sync not done yet"
    );
    rig.sync_ok();
    assert_eq!(rig.vault(), rig.mailbox(&ids));

    // Incremental: new mail, deletions and label changes, killed twice mid-way.
    let dir = rig.scratch.tmp().join("later");
    helpr_tests::write_sample_maildir(&dir, 150, 32);
    for sub in ["cur", "new"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let raw = std::fs::read(entry.unwrap().path()).unwrap();
            ids.push(rig.emu.add_message(raw, &["INBOX", "UNREAD"]));
        }
    }
    for id in &ids[..10] {
        assert!(rig.emu.delete_message(id));
    }
    for id in &ids[10..30] {
        assert!(rig.emu.modify_message(id, &["STARRED"], &["UNREAD"]));
    }
    for _ in 0..2 {
        kill_sync_after(&rig, rng.millis(500, 1500));
        // Mid-way through the changes a message may still be there (its deletion not yet
        // applied) or carry its old labels, but never twice and never other content.
        let mailbox = rig.mailbox(&ids);
        for (id, content) in rig.vault() {
            match mailbox.get(&id) {
                Some(m) => assert_eq!(
                    (&m.subject, &m.text_sha256),
                    (&content.subject, &content.text_sha256)
                ),
                None => assert!(ids[..10].contains(&id), "{id} was never in the mailbox"),
            }
        }
    }
    rig.sync_ok();
    let mailbox = rig.mailbox(&ids);
    assert_eq!(mailbox.len(), FULL + 150 - 10);
    assert_eq!(rig.vault(), mailbox);
    assert_eq!(rig.status()["history_id"], rig.emu.history_id());

    // The index matches the vault: every sample message is found once, none twice.
    let hits = rig.scratch.search_ids("to:team@acme.test");
    assert_eq!(hits.len(), mailbox.len());
    let distinct: std::collections::BTreeSet<i64> = hits.iter().copied().collect();
    assert_eq!(distinct.len(), hits.len());
    let doctor = rig.scratch.json(&["doctor"]);
    assert_eq!(doctor["healthy"], true, "{doctor}");
}
