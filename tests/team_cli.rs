//! Team mode from the command line, against a real team server: signing in pins the server's
//! certificate (a wrong fingerprint stores nothing), the owner administers the organization,
//! an agent's vault follows its entitlements through the live socket, sees exactly the inboxes
//! open to it, keeps the sign-in sealed, and is refused what the policy refuses.

use helpr_tests::team::{TeamServer, OWNER_EMAIL, PASSWORD};
use helpr_tests::{scan, Scratch};

fn inbox_names(status: &serde_json::Value) -> Vec<String> {
    status["inboxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_wrong_fingerprint_stores_nothing() {
    let team = TeamServer::start();
    let vault = Scratch::new();
    vault.init();
    let wrong = "00:".repeat(31) + "00";
    let (ok, _, stderr) = team.cli_sign_in(&vault, OWNER_EMAIL, PASSWORD, &wrong);
    assert!(!ok);
    assert!(stderr.contains("not the one given"), "{stderr}");
    assert_eq!(vault.json(&["team", "status"]), serde_json::Value::Null);
    // A plain-http address off this machine is refused before any connection.
    let out = vault.run(&["team", "sign-in", "http://team.example.com:7443", "--json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("plain http"));
}

#[test]
fn the_owner_administers_and_an_agent_s_vault_follows_its_entitlements() {
    let team = TeamServer::start();
    let owner = Scratch::new();
    owner.init();
    let (ok, status, stderr) = team.cli_sign_in(&owner, OWNER_EMAIL, PASSWORD, team.fingerprint());
    assert!(ok, "{stderr}");
    assert_eq!(status["user"]["email"], OWNER_EMAIL);
    assert_eq!(status["fingerprint"], team.fingerprint());

    let out = owner.run_with_stdin(
        &[
            "team",
            "users",
            "add",
            "--name",
            "Ada",
            "--email",
            "ada@example.test",
            "--json",
        ],
        format!("{PASSWORD}\n").as_bytes(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ada_id = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["id"].clone();
    let vip = "Restricted VIP canary-7c1e";
    owner.json(&[
        "team",
        "inboxes",
        "create",
        vip,
        "--visibility",
        "restricted",
    ]);
    owner.json(&[
        "team",
        "inboxes",
        "create",
        "Everyone",
        "--visibility",
        "organization",
    ]);
    owner.json(&["team", "members", "set", vip, "ada@example.test", "agent"]);
    let members = owner.json(&["team", "members", "list", vip]);
    assert_eq!(members[0]["user"], ada_id);

    let ada = Scratch::new();
    ada.init();
    let (ok, _, stderr) = team.cli_sign_in(&ada, "ada@example.test", PASSWORD, team.fingerprint());
    assert!(ok, "{stderr}");
    ada.ok(&["team", "listen", "--once", "--json"]);
    let status = ada.json(&["team", "status"]);
    let mut names = inbox_names(&status);
    names.sort();
    assert_eq!(names, ["Everyone", vip]);
    // The vault keeps the names the snapshot mentions (VIP's member), for offline.
    assert_eq!(
        status["people"],
        serde_json::json!([{"id": ada_id, "name": "Ada"}])
    );

    // The policy refuses an agent the organization's administration.
    let (code, error) = ada.json_err(&[
        "team",
        "inboxes",
        "create",
        "Mine",
        "--visibility",
        "organization",
    ]);
    assert_eq!(code, 1);
    assert_eq!(error["code"], "team_forbidden");

    // The owner takes VIP away; the agent's vault follows at its next connection.
    owner.json(&["team", "members", "remove", vip, "ada@example.test"]);
    ada.ok(&["team", "listen", "--once", "--json"]);
    assert_eq!(inbox_names(&ada.json(&["team", "status"])), ["Everyone"]);

    // What the vault keeps of the team is sealed: not even the inbox's name is on disk.
    assert_eq!(scan(&[&ada.data()], vip), vec![]);
    assert_eq!(scan(&[&ada.data()], "ada@example.test"), vec![]);

    // Signing out ends the session at the server.
    ada.json(&["team", "sign-out"]);
    assert_eq!(ada.json(&["team", "status"]), serde_json::Value::Null);
    let sessions = owner.json(&["team", "sessions", "--user", "ada@example.test"]);
    assert_eq!(sessions, serde_json::json!([]));
}
