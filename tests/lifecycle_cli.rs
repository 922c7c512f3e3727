//! The data lifecycle through the real `helpr` (issue 14), on the test clock (`HELPR_TEST_NOW`,
//! helpr's `test-clock` feature, on in the suite's build): delete hides a message or a whole
//! conversation everywhere and purges it from the index at once, restore brings it back and
//! re-indexes it, the trash counts down the grace period, the start-up purge takes what
//! outlived it (a restore then says so), `purge --now` needs a deleted item and a confirmation,
//! the grace period is bounded, and the audit trail records each step (and each user's vault
//! unlock, once an hour), redacted after the purge, with `audit verify` intact.

use helpr_tests::{message, scan, Scratch};
use serde_json::{json, Value};

const DAY: i64 = 86_400;
/// 2026-03-02 10:00 UTC: "today" for these tests.
const T0: i64 = 1_772_445_600;

fn with_reply(s: &Scratch) -> (i64, i64, i64) {
    let first = message("lc1", "Refund request", "lonely wombatglyph", None);
    let root = message("lc2", "Order 7", "root quokkaglyph", None);
    let reply = String::from_utf8(message("lc3", "Re: Order 7", "reply quokkaglyph", None))
        .unwrap()
        .replacen("Subject:", "In-Reply-To: <lc2@example.com>\r\nSubject:", 1);
    for (name, bytes) in [
        ("1.eml", first),
        ("2.eml", root),
        ("3.eml", reply.into_bytes()),
    ] {
        s.write_mail(name, &bytes);
    }
    let report = s.json(&["import", s.mail().to_str().unwrap()]);
    assert_eq!(report["imported"], 3, "{report}");
    let ids = s.ids_by_subject();
    (ids["Refund request"], ids["Order 7"], ids["Re: Order 7"])
}

/// The `action` of each entry of `helpr audit --json`, in order, but the unlocks (see
/// `the_vault_unlock_is_audited_once_an_hour_per_user`).
fn actions(audit: &Value) -> Vec<&str> {
    audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|a| *a != "vault.unlock")
        .collect()
}

fn trash_ids(s: &Scratch) -> Vec<i64> {
    s.json(&["trash"])["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["message"]["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn delete_restore_and_the_purge_after_the_grace_period() {
    let s = Scratch::new();
    s.set_clock(Some(T0));
    s.init();
    let (lonely, root, reply) = with_reply(&s);
    assert_eq!(s.search_ids("wombatglyph"), vec![lonely]);

    // Delete: gone from search, list and show at once, in the trash for 60 days.
    let deleted = s.json(&["delete", &lonely.to_string()]);
    assert_eq!(
        deleted,
        json!({"ids": [lonely], "purge_after": T0 + 60 * DAY, "gmail_pending": 0})
    );
    assert!(s.search_ids("wombatglyph").is_empty());
    assert!(!s.list_ids().contains(&lonely));
    let (_, err) = s.json_err(&["show", &lonely.to_string()]);
    assert_eq!(err["code"], "not_found");
    let stats = s.json(&["index", "stats"]);
    assert_eq!(
        (&stats["docs"], &stats["deleted_docs"]),
        (&json!(2), &json!(0)),
        "{stats}"
    );
    let trash = s.json(&["trash"])["messages"].clone();
    assert_eq!(trash[0]["days_left"], 60, "{trash}");
    assert_eq!(trash[0]["message"]["subject"], "Refund request");

    // Restore: back in search and list.
    s.set_clock(Some(T0 + DAY));
    assert_eq!(
        s.json(&["restore", &lonely.to_string()])["restored"],
        json!([lonely])
    );
    assert_eq!(s.search_ids("wombatglyph"), vec![lonely]);
    assert!(trash_ids(&s).is_empty());
    let (_, err) = s.json_err(&["restore", &lonely.to_string()]);
    assert_eq!(err["code"], "not_found", "restoring a live message: {err}");

    // A whole conversation.
    let list = s.json(&["list"]);
    let thread_of = |id: i64| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .unwrap()["thread_id"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(thread_of(root), thread_of(reply));
    let t = thread_of(root).to_string();
    let deleted = s.json(&["delete", "--thread", &t]);
    assert_eq!(deleted["ids"], json!([root, reply]));
    assert!(s.search_ids("quokkaglyph").is_empty());
    s.json(&["delete", &lonely.to_string()]);
    let mut in_trash = trash_ids(&s);
    in_trash.sort_unstable();
    assert_eq!(in_trash, vec![lonely, root, reply]);

    // Day 60 after the first delete (61 after T0 + 1): nothing has expired yet.
    s.set_clock(Some(T0 + DAY + 59 * DAY));
    assert_eq!(s.list_ids(), Vec::<i64>::new());
    assert_eq!(trash_ids(&s).len(), 3);
    assert!(
        s.json(&["trash"])["messages"][0]["days_left"]
            .as_i64()
            .unwrap()
            >= 1
    );

    // Past the grace period: any command's start purges them.
    s.set_clock(Some(T0 + DAY + 61 * DAY));
    assert!(s.list_ids().is_empty());
    assert!(trash_ids(&s).is_empty());
    let (_, err) = s.json_err(&["restore", &lonely.to_string()]);
    assert_eq!(err["code"], "not_found");
    assert!(
        err["message"].as_str().unwrap().contains("already purged"),
        "{err}"
    );
    assert_eq!(s.json(&["doctor"])["healthy"], true);

    // The trail: every step, the purged objects no longer resolvable.
    let audit = s.json(&["audit"]);
    let actions = actions(&audit);
    assert_eq!(
        actions,
        vec![
            "message.delete",
            "message.restore",
            "thread.delete",
            "message.delete",
            "message.purge"
        ]
    );
    for e in audit.as_array().unwrap() {
        assert!(e["actor"].as_str().unwrap().starts_with("local:"), "{e}");
        if e["object_kind"] == "message" {
            assert_eq!(e["object_id"], Value::Null, "not redacted: {e}");
            assert!(e["object_ref"].as_str().unwrap().len() == 64);
        }
    }
    let only = s.json(&["audit", "--action", "message.purge"]);
    assert_eq!(only[0]["detail"], "messages 3");
    assert_eq!(s.json(&["audit", "verify"])["intact"], true);

    // The trail and the vault hold none of the purged words.
    for canary in ["wombatglyph", "quokkaglyph", "Refund request"] {
        assert!(scan(&[&s.data()], canary).is_empty(), "{canary} at rest");
    }
}

#[test]
fn purge_now_needs_a_deleted_item_and_a_confirmation() {
    let s = Scratch::new();
    s.set_clock(Some(T0));
    s.init();
    let (lonely, root, _) = with_reply(&s);
    let id = lonely.to_string();

    // A live message is not purged.
    let (_, err) = s.json_err(&["purge", "--now", &root.to_string(), "--yes"]);
    assert_eq!(err["code"], "not_found");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("not in the trash"),
        "{err}"
    );

    s.json(&["delete", &id]);
    // Without a terminal and without --yes, nothing is purged.
    let out = s.run(&["purge", "--now", &id]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert_eq!(trash_ids(&s), vec![lonely]);

    assert_eq!(s.json(&["purge", "--now", &id, "--yes"])["purged"], 1);
    assert!(trash_ids(&s).is_empty());
    let (_, err) = s.json_err(&["restore", &id]);
    assert_eq!(err["code"], "not_found");
    assert_eq!(s.json(&["purge", "--expired"])["purged"], 0);
    assert_eq!(s.list_ids().len(), 2);
}

#[test]
fn the_grace_period_is_a_bounded_audited_setting() {
    let s = Scratch::new();
    s.set_clock(Some(T0));
    s.init();
    assert_eq!(s.json(&["settings", "show"])["grace_days"], 60);
    for bad in ["0", "366", "-3", "ten", "1.5"] {
        let (code, err) = s.json_err(&["settings", "set", "grace-days", bad]);
        assert_eq!(
            (code, err["code"].as_str()),
            (1, Some("invalid_input")),
            "{bad}: {err}"
        );
    }
    assert_eq!(s.json(&["settings", "show"])["grace_days"], 60);
    assert_eq!(
        s.json(&["settings", "set", "grace-days", "7"]),
        json!({"grace_days": 7, "was": 60})
    );
    let (lonely, _, _) = with_reply(&s);
    s.json(&["delete", &lonely.to_string()]);
    assert_eq!(s.json(&["trash"])["messages"][0]["days_left"], 7);
    s.set_clock(Some(T0 + 8 * DAY));
    assert!(trash_ids(&s).is_empty(), "a 7-day grace period ended");
    let settings = s.json(&["audit", "--action", "settings.set"]);
    assert_eq!(settings[0]["detail"], "grace_days 60 -> 7");
    let (code, err) = s.json_err(&["audit", "--since", "March 2"]);
    assert_eq!(
        (code, err["code"].as_str()),
        (1, Some("invalid_input")),
        "{err}"
    );
    // Since March 3: the unlock of the command run 8 days later, and the purge it made.
    let since = s.json(&["audit", "--since", "2026-03-03"]);
    let since: Vec<&str> = since
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(since, ["vault.unlock", "message.purge"]);
}

#[test]
fn the_vault_unlock_is_audited_once_an_hour_per_user() {
    let s = Scratch::new();
    s.set_clock(Some(T0));
    s.init();
    let unlocks = |s: &Scratch| -> Vec<(i64, String)> {
        s.json(&["audit", "--action", "vault.unlock"])
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["at"].as_i64().unwrap(),
                    e["actor"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    for _ in 0..3 {
        s.ok(&["list"]);
    }
    let first = unlocks(&s);
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].0, T0);
    assert!(first[0].1.starts_with("local:"), "{first:?}");
    // Within the hour: still one entry. An hour and a second later: a second one.
    s.set_clock(Some(T0 + 3_599));
    s.ok(&["list"]);
    assert_eq!(unlocks(&s).len(), 1);
    s.set_clock(Some(T0 + 3_601));
    s.ok(&["list"]);
    assert_eq!(
        unlocks(&s).iter().map(|u| u.0).collect::<Vec<_>>(),
        [T0, T0 + 3_601]
    );
    assert_eq!(s.json(&["audit", "verify"])["intact"], true);
}

/// An inbox (a connected Gmail account) deleted as a whole: its grant is revoked at Google, it
/// and its mail vanish from every read and from the index, it waits in the trash and can be
/// restored (disconnected), and the purge after the grace period leaves no row it owned.
#[test]
fn deleting_an_inbox_revokes_it_and_its_purge_leaves_nothing_behind() {
    use google_emulator::OAuthConfig;
    use helpr_tests::gmail::GmailRig;

    let rig = GmailRig::new(OAuthConfig::default());
    rig.connect_ok();
    rig.seed(12, 31);
    rig.sync_ok();
    let s = &rig.scratch;
    s.set_clock(Some(T0));
    let synced = s.list_ids().len();
    assert!(synced > 5);
    let token = rig.stored_refresh_token().unwrap();
    let address = rig.address();

    let deleted = s.json(&["delete", "--inbox", &address]);
    assert_eq!(
        deleted["ids"].as_array().unwrap().len(),
        synced,
        "{deleted}"
    );
    assert_eq!(rig.try_refresh(&token), (400, "invalid_grant".to_owned()));
    assert!(s.list_ids().is_empty());
    assert_eq!(s.json(&["index", "stats"])["docs"], 0);
    assert_eq!(s.json(&["status"]), json!([]));
    let trash = s.json(&["trash"]);
    assert_eq!(trash["inboxes"][0]["address"], address.as_str(), "{trash}");
    assert_eq!(trash["inboxes"][0]["messages"], synced);
    let (_, err) = s.json_err(&["delete", "--inbox", &address]);
    assert_eq!(err["code"], "not_found", "{err}");

    // Restored: the mail is back (searchable), the account stays disconnected.
    s.set_clock(Some(T0 + DAY));
    let restored = s.json(&["restore", "--inbox", &address]);
    assert_eq!(restored["restored"].as_array().unwrap().len(), synced);
    assert_eq!(s.list_ids().len(), synced);
    assert_eq!(s.json(&["index", "stats"])["docs"], synced);
    assert_eq!(rig.status()["account"], "disconnected");
    assert_eq!(
        rig.stored_refresh_token(),
        None,
        "the sealed token was not dropped"
    );

    // Deleted again, then past the grace period: purged with everything it owned.
    s.json(&["delete", "--inbox", &address]);
    s.set_clock(Some(T0 + DAY + 61 * DAY));
    assert!(s.list_ids().is_empty());
    let trash = s.json(&["trash"]);
    assert_eq!(trash, json!({"messages": [], "inboxes": []}));
    let doctor = s.json(&["doctor"]);
    assert_eq!(doctor["healthy"], true, "{doctor}");
    assert_eq!(doctor["report"]["orphans"], json!([]), "{doctor}");
    assert_eq!(
        doctor["report"]["inboxes"], 1,
        "only the local inbox is left: {doctor}"
    );
    let (_, err) = s.json_err(&["restore", "--inbox", &address]);
    assert_eq!(err["code"], "not_found");
    let audit = s.json(&["audit", "--action", "inbox."]);
    let actions = actions(&audit);
    assert_eq!(
        actions,
        vec![
            "inbox.connect",
            "inbox.delete",
            "inbox.restore",
            "inbox.delete",
            "inbox.purge"
        ]
    );
    assert!(audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["object_kind"] == "inbox")
        .all(|e| e["object_id"] == Value::Null));
    assert_eq!(s.json(&["audit", "verify"])["intact"], true);
}

/// A conversation of `n` messages (each a reply to the first), imported; returns its thread id.
fn long_thread(s: &Scratch, n: usize) -> i64 {
    for i in 0..n {
        let mail = String::from_utf8(message(
            &format!("pc{i}"),
            &format!("Part {i}"),
            &format!("part {i} of a long conversation"),
            None,
        ))
        .unwrap();
        let mail = if i == 0 {
            mail
        } else {
            mail.replacen("Subject:", "In-Reply-To: <pc0@example.com>\r\nSubject:", 1)
        };
        s.write_mail(&format!("pc{i}.eml"), mail.as_bytes());
    }
    let report = s.json(&["import", s.mail().to_str().unwrap()]);
    assert_eq!(report["imported"], n, "{report}");
    let first = s.ids_by_subject()["Part 0"];
    s.json(&["list", "--limit", &(n + 1).to_string()])
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == first)
        .unwrap()["thread_id"]
        .as_i64()
        .unwrap()
}

/// How many messages the vault's trash holds, read in this process (opening the vault through
/// `helpr` would run the start-up purge and resume the work under test).
fn trash_len(s: &Scratch) -> usize {
    let vault = helpr_vault::Vault::open(&s.data()).expect("vault opens");
    let tenant = vault.default_tenant().unwrap().id;
    let scope = helpr_vault::Scope {
        tenant,
        inboxes: vault.inbox_ids(tenant).unwrap(),
    };
    vault.trash(&scope).unwrap().len()
}

#[test]
fn a_purge_killed_mid_way_resumes_at_the_next_start() {
    use helpr_tests::kill::{kill_after, KillPlan, Landed};
    use std::time::Instant;

    const N: usize = 2_000;
    // A vault with one live message and a conversation of N deleted 61 days ago, so the next
    // start purges it.
    let setup = || {
        let s = Scratch::new();
        s.set_clock(Some(T0));
        s.init();
        let thread = long_thread(&s, N);
        let live = s.write_mail("live.eml", &message("live", "Survivor", "live body", None));
        s.json(&["import", live.to_str().unwrap()]);
        let deleted = s.json(&["delete", "--thread", &thread.to_string()]);
        assert_eq!(deleted["ids"].as_array().unwrap().len(), N);
        s.set_clock(Some(T0 + 61 * DAY));
        s
    };
    let resumed = |s: &Scratch, context: &str| {
        // Any start resumes the purge; then nothing of the conversation is left anywhere.
        assert_eq!(
            s.json(&["trash"]),
            json!({"messages": [], "inboxes": []}),
            "{context}"
        );
        let doctor = s.json(&["doctor"]);
        assert_eq!(doctor["healthy"], true, "{context}: {doctor}");
        assert_eq!(
            doctor["report"]["orphans"],
            json!([]),
            "{context}: {doctor}"
        );
        assert_eq!(s.ids_by_subject().keys().collect::<Vec<_>>(), ["Survivor"]);
        assert_eq!(s.json(&["index", "stats"])["docs"], 1, "{context}");
        assert_eq!(s.search_ids("conversation"), Vec::<i64>::new());
        assert_eq!(s.json(&["audit", "verify"])["intact"], true, "{context}");
    };

    // Timed once uninterrupted (the start-up purge does the work, before the command's own).
    let clean = setup();
    assert_eq!(trash_len(&clean), N);
    let started = Instant::now();
    clean.ok(&["purge", "--expired"]);
    let full = started.elapsed();
    assert_eq!(trash_len(&clean), 0);
    resumed(&clean, "uninterrupted");

    let mut plan = KillPlan::new(full, &[0.3, 0.55, 0.8]);
    let mut s = setup();
    while let Some(delay) = plan.next_delay() {
        kill_after(&s, &["purge", "--expired"], delay);
        let left = trash_len(&s);
        let landed = match left {
            N => Landed::TooEarly,
            0 => Landed::TooLate,
            _ => Landed::Midway,
        };
        plan.record(delay, landed);
        if landed != Landed::TooEarly {
            resumed(&s, &format!("killed after {delay:?} with {left} left"));
            s = setup();
        }
    }
    plan.assert_proved("purge", full);
}

#[test]
fn sync_watch_purges_what_expired_while_it_runs() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let s = Scratch::new();
    s.set_clock(Some(T0));
    s.init();
    let (lonely, root, reply) = with_reply(&s);
    s.json(&["delete", &lonely.to_string()]);

    // The watcher's clock is a file this test moves while it runs.
    let clock = s.tmp().join("clock");
    std::fs::write(&clock, T0.to_string()).unwrap();
    s.set_clock(None);
    let mut watch = s
        .command(&["sync", "--watch", "--interval", "1"])
        .env("HELPR_TEST_NOW", format!("@{}", clock.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut rounds = BufReader::new(watch.stdout.take().unwrap()).lines();
    // A first round reported: the watcher is open, and its start-up purge found nothing due.
    let first = rounds.next().unwrap().unwrap();
    assert!(first.contains("no Gmail account"), "{first}");
    assert_eq!(trash_len(&s), 1);

    // 61 days pass while it runs: a later round purges the expired message.
    std::fs::write(&clock, (T0 + 61 * DAY).to_string()).unwrap();
    let mut seen = 0;
    while trash_len(&s) > 0 {
        rounds.next().unwrap().unwrap();
        seen += 1;
        assert!(seen < 60, "no purge after {seen} rounds");
    }
    watch.kill().unwrap();
    watch.wait().unwrap();

    s.set_clock(Some(T0 + 61 * DAY));
    let mut ids = s.list_ids();
    ids.sort();
    assert_eq!(ids, [root, reply]);
    let purges = s.json(&["audit", "--action", "message.purge"]);
    assert_eq!(purges.as_array().unwrap().len(), 1, "{purges}");
    assert_eq!(purges[0]["at"], T0 + 61 * DAY);
}
