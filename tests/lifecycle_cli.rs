//! The data lifecycle through the real `helpr` (issue 14), on the test clock (`HELPR_TEST_NOW`,
//! helpr's `test-clock` feature, on in the suite's build): delete hides a message or a whole
//! conversation everywhere and purges it from the index at once, restore brings it back and
//! re-indexes it, the trash counts down the grace period, the start-up purge takes what
//! outlived it (a restore then says so), `purge --now` needs a deleted item and a confirmation,
//! the grace period is bounded, and the audit trail records each step, redacted after the purge,
//! with `audit verify` intact.

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

/// The `action` of each entry of `helpr audit --json`, in order.
fn actions(audit: &Value) -> Vec<&str> {
    audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
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
        json!({"ids": [lonely], "purge_after": T0 + 60 * DAY})
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
    assert_eq!(
        s.json(&["audit", "--since", "2026-03-03"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
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
