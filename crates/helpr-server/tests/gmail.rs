//! The Gmail broker end to end, over real sockets and TLS: the google-emulator in process
//! (OAuth consent auto-approved, Gmail REST, SMTP with XOAUTH2, push tokens signed with its
//! published keys), the team server with the emulator's configuration, desktops played by
//! helpr-team's pinned clients and helpr-gmail's own sync engine pointed at the server.
//!
//! Connecting (an admin's desktop, its loopback and browser), refusals of it; sync through
//! the proxy byte for byte; what an assigned-only member lists, syncs and may fetch; every
//! role against every proxied call and send (the table is the documentation of who may);
//! sending and the conversations it starts; push to exactly the entitled sockets, forgeries
//! refused and replays ignored; disconnecting; and no plaintext of mail or account in any
//! file of the server's. With a push topic: the server's own users.watch on connecting, the
//! emulator's Pub/Sub delivering to the server's real push URL, stop on disconnect and
//! delete, daily renewal claimed once, and the watch at every start.

#[path = "support/canary.rs"]
mod canary;
#[path = "support/gmail.rs"]
mod gmail_rig;
mod support;

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use gmail_rig::{mail, Collected, GmailRig, Person};
use helpr_crypto::{KeyStore, RecordRef, WrappedKey};
use helpr_gmail::sync::Mode;
use helpr_gmail::{OAuthClient, OAuthError, SyncEngine};
use helpr_policy::Denied;
use helpr_proto::error::{ApiError, ErrorCode};
use helpr_proto::gmail::SendMail;
use helpr_proto::requests::CreateTeam;
use helpr_proto::snapshot::Snapshot;
use helpr_proto::socket::{Change, ServerMessage};
use helpr_server::gmail::connect::CONNECT_LIFETIME;
use helpr_server::store::gmail as rows;
use helpr_team::socket::Socket;
use helpr_team::TeamError;
use reqwest::Method;
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::json;

const ADDRESS: &str = "support@acme-shop.test";
const CUSTOMER: &str = "Carla Customer <carla@customer.test>";

/// Four messages in three conversations: m1 and its reply m2, m3, m4.
fn seed() -> Vec<Vec<u8>> {
    vec![
        mail(
            "m1",
            CUSTOMER,
            ADDRESS,
            "Order 1",
            "Where is order 1?",
            None,
        ),
        mail(
            "m2",
            CUSTOMER,
            ADDRESS,
            "Re: Order 1",
            "Any news?",
            Some("m1"),
        ),
        mail(
            "m3",
            CUSTOMER,
            ADDRESS,
            "Order 2",
            "Where is order 2?",
            None,
        ),
        mail(
            "m4",
            CUSTOMER,
            ADDRESS,
            "Order 3",
            "Where is order 3?",
            None,
        ),
    ]
}

fn thread(g: &GmailRig, id: &str) -> String {
    g.emu.message(id).unwrap().thread_id
}

fn refused(e: TeamError) -> (u16, ApiError) {
    match e {
        TeamError::Api { status, error } => (status, error),
        other => panic!("not a refusal: {other:?}"),
    }
}

fn api_error(body: &[u8]) -> ApiError {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("not an ApiError: {}", String::from_utf8_lossy(body)))
}

fn b64(raw: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

/// The next socket message, failing after 10 s of silence.
async fn next(socket: &mut Socket) -> ServerMessage {
    tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("a message within 10 s")
        .expect("the socket is open")
        .expect("a well-formed message")
}

async fn welcomed(who: &Person) -> (Socket, Snapshot) {
    let mut socket = helpr_team::socket::connect(&who.client, None)
        .await
        .unwrap();
    let ServerMessage::Welcome { .. } = next(&mut socket).await else {
        panic!("no welcome")
    };
    let ServerMessage::Snapshot { snapshot } = next(&mut socket).await else {
        panic!("no snapshot")
    };
    (socket, snapshot)
}

/// The conversation changes a socket is told of until the organization change numbered
/// `sentinel` arrives (everything before it has been decided by then).
async fn conversations_until(socket: &mut Socket, sentinel: u64) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        if let ServerMessage::Event { event } = next(socket).await {
            match event.change {
                Change::Conversations { conversations, .. } => {
                    seen.extend(conversations.into_iter().map(|c| c.thread))
                }
                Change::Organization if event.seq >= sentinel => return seen,
                _ => {}
            }
        }
    }
}

/// An organization change everyone is told of; its sequence number.
async fn sentinel(g: &GmailRig, name: &str) -> u64 {
    g.owner
        .client
        .create_team(&CreateTeam {
            name: name.into(),
            members: vec![],
        })
        .await
        .unwrap();
    g.seq()
}

/// The refresh token the server keeps for the inbox, opened as only the server's key can.
async fn stored_refresh_token(g: &GmailRig) -> Option<SecretString> {
    let (inbox, org) = (g.inbox, g.rig.org);
    let (row, keys) = g
        .rig
        .hub()
        .db()
        .run(move |tx| Ok((rows::account_of(tx, inbox)?, rows::tenant_keys(tx, org)?)))
        .await
        .unwrap();
    let row = row?;
    let kek = helpr_crypto::key_file::load_kek(&g.rig.data.path().join("server.key")).unwrap();
    let store = KeyStore::new(kek);
    for (version, wrapped) in keys {
        store
            .load_tenant_key(org.0, version, &WrappedKey(wrapped))
            .unwrap();
    }
    let token = store
        .open_string(
            org.0,
            RecordRef::new("gmail_account", inbox.0, "refresh_token"),
            &row.refresh_token,
        )
        .unwrap();
    Some(SecretString::from(token))
}

fn oauth(g: &GmailRig) -> OAuthClient {
    OAuthClient::new(g.rig.config.gmail.as_ref().unwrap().oauth_config()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_connects_the_inbox_from_their_desktop_and_every_desktop_hears_of_it() {
    let (g, _) = GmailRig::new(ADDRESS, seed()).await;
    let agent = g.person("agent");
    let (mut socket, first) = welcomed(agent).await;
    let entitled = |s: &Snapshot| {
        s.inboxes
            .iter()
            .find(|e| e.inbox.id == g.inbox)
            .unwrap()
            .inbox
            .gmail_connected
    };
    assert!(!entitled(&first));
    let before = g.seq();

    let view = g.connect(g.person("admin")).await;
    assert!(view.connected && !view.reconnect_needed);
    assert_eq!(view.address.as_deref(), Some(ADDRESS));
    assert_eq!(view.history_id, Some(g.emu.history_id()));
    assert_eq!(
        g.person("admin")
            .client
            .gmail_account(g.inbox)
            .await
            .unwrap(),
        view
    );
    assert!(agent.client.inbox(g.inbox).await.unwrap().gmail_connected);

    // The agent's desktop is told: an organization change, and its new snapshot.
    let mut told = false;
    loop {
        match next(&mut socket).await {
            ServerMessage::Event { event } if event.seq > before => {
                told |= event.change == Change::Organization;
            }
            ServerMessage::Snapshot { snapshot } if entitled(&snapshot) => break,
            _ => {}
        }
    }
    assert!(told);

    // The log records the connection and names no address; the row holds it sealed.
    let org = g.rig.org;
    let events = g
        .rig
        .hub()
        .db()
        .run(move |tx| helpr_server::store::queries::events_since(tx, org, before))
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.body.contains("gmail_connected")));
    assert!(events.iter().all(|e| !e.body.contains(ADDRESS)));
    let inbox = g.inbox;
    let row = g
        .rig
        .hub()
        .db()
        .run(move |tx| rows::account_of(tx, inbox))
        .await
        .unwrap()
        .unwrap();
    assert!(!row
        .address
        .windows(ADDRESS.len())
        .any(|w| w == ADDRESS.as_bytes()));
    let refresh = stored_refresh_token(&g).await.unwrap();
    assert!(refresh.expose_secret().starts_with("1//"));
    assert!(!row
        .refresh_token
        .windows(refresh.expose_secret().len())
        .any(|w| w == refresh.expose_secret().as_bytes()));
    // The grant the server keeps is live at Google.
    assert!(oauth(&g).refresh(&refresh).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_is_for_owners_and_admins_and_an_attempt_is_its_session_s_once_for_ten_minutes()
{
    let (g, _) = GmailRig::new(ADDRESS, seed()).await;
    for name in ["manager", "agent", "viewer", "assigned", "outsider"] {
        let who = g.person(name);
        let (status, error) = refused(
            who.client
                .start_gmail_connect(g.inbox, "http://127.0.0.1:9/")
                .await
                .unwrap_err(),
        );
        assert_eq!(
            (status, error.reason),
            (403, Some(Denied::NotAdmin)),
            "{name}"
        );
        let (status, _) = refused(who.client.gmail_account(g.inbox).await.unwrap_err());
        assert_eq!(status, 403, "{name}");
        let (status, _) = refused(who.client.disconnect_gmail(g.inbox).await.unwrap_err());
        assert_eq!(status, 403, "{name}");
    }
    let admin = g.person("admin");
    for bad in [
        "https://127.0.0.1:9/",
        "http://evil.example:9/",
        "http://127.0.0.1/",
    ] {
        let (status, error) = refused(
            admin
                .client
                .start_gmail_connect(g.inbox, bad)
                .await
                .unwrap_err(),
        );
        assert_eq!(
            (status, error.code),
            (400, ErrorCode::InvalidInput),
            "{bad}"
        );
    }

    // Another session (the owner's) cannot finish the admin's attempt, which is then spent.
    let loopback = helpr_loopback::Loopback::bind().await.unwrap();
    let started = admin
        .client
        .start_gmail_connect(g.inbox, &loopback.redirect_uri())
        .await
        .unwrap();
    let (code, state) = g.browse(&loopback, &started.authorization_url).await;
    let (status, _) = refused(
        g.owner
            .client
            .finish_gmail_connect(g.inbox, &state, &code)
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 400);
    let (status, _) = refused(
        admin
            .client
            .finish_gmail_connect(g.inbox, &state, &code)
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 400, "used once");

    // Ten minutes later an attempt is gone; a made-up state never was.
    let started = admin
        .client
        .start_gmail_connect(g.inbox, &loopback.redirect_uri())
        .await
        .unwrap();
    let now = g.rig.hub().clock().now();
    assert_eq!(started.expires_at, now + CONNECT_LIFETIME);
    let (code, state) = g.browse(&loopback, &started.authorization_url).await;
    let (status, _) = refused(
        admin
            .client
            .finish_gmail_connect(g.inbox, "made-up", &code)
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 400);
    g.rig.config.clock.advance(CONNECT_LIFETIME + 1);
    let (status, _) = refused(
        admin
            .client
            .finish_gmail_connect(g.inbox, &state, &code)
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 400, "expired");
    assert!(!admin.client.gmail_account(g.inbox).await.unwrap().connected);
    assert!(
        !g.person("agent")
            .client
            .inbox(g.inbox)
            .await
            .unwrap()
            .gmail_connected
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_s_own_sync_engine_runs_through_the_server_and_gets_gmail_s_exact_bytes() {
    let (g, seeded) = GmailRig::connected(ADDRESS, seed()).await;
    let agent = g.person("agent");
    let store = Arc::new(Collected::default());
    let mut engine = SyncEngine::new(g.gmail_api(agent), store.clone());
    let summary = engine.run().await.unwrap();
    assert_eq!(summary.added, seeded.len() as u64);
    {
        let got = store.messages.lock().unwrap();
        for id in &seeded {
            let theirs = g.emu.message(id).unwrap();
            assert_eq!(got[id].raw, theirs.raw, "{id} byte for byte");
            assert_eq!(got[id].thread_id, theirs.thread_id);
        }
    }

    // New mail: the next run is incremental (history through the proxy) and brings it.
    let new = g.emu.add_message(
        mail("m5", CUSTOMER, ADDRESS, "Order 4", "And order 4?", None),
        &["INBOX", "UNREAD"],
    );
    let summary = engine.run().await.unwrap();
    assert_eq!((summary.mode, summary.added), (Mode::Incremental, 1));
    assert_eq!(
        store.messages.lock().unwrap()[&new].raw,
        g.emu.message(&new).unwrap().raw
    );

    // The outbox's calls: read, trash and untrash, a new label.
    let api = engine.api();
    api.modify(&new, &[], &["UNREAD"]).await.unwrap();
    assert!(!g
        .emu
        .message(&new)
        .unwrap()
        .label_ids
        .contains(&"UNREAD".into()));
    api.trash(&seeded[3]).await.unwrap();
    assert!(g
        .emu
        .message(&seeded[3])
        .unwrap()
        .label_ids
        .contains(&"TRASH".into()));
    api.untrash(&seeded[3]).await.unwrap();
    let label = api.create_label("Follow-up").await.unwrap();
    api.modify(&new, &[label.id.as_str()], &[]).await.unwrap();
    let summary = engine.run().await.unwrap();
    assert_eq!(summary.mode, Mode::Incremental);
    assert!(store
        .labels
        .lock()
        .unwrap()
        .iter()
        .any(|d| d.gmail_id == new && d.add.contains(&"Follow-up".to_owned())));

    // Only the calls sync makes, and only their parameters, go through.
    for (path, why) in [
        (format!("/messages/{new}?format=raw&fields=id"), "fields"),
        (format!("/messages/{new}?format=full"), "full"),
        (format!("/messages/{new}"), "no format"),
        ("/messages?q=from:carla".to_owned(), "q"),
    ] {
        let (status, body) = g.call(agent, Method::GET, &path, None).await;
        assert_eq!(status, 400, "{why}: {}", String::from_utf8_lossy(&body));
    }
    let (status, body) = g.call(agent, Method::GET, "/threads", None).await;
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
    let (status, _) = g
        .call(agent, Method::GET, "/messages/nope?format=raw", None)
        .await;
    assert_eq!(status, 404, "Gmail's own 404, passed on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assigned_only_member_lists_syncs_and_fetches_only_their_conversations() {
    let (g, seeded) = GmailRig::connected(ADDRESS, seed()).await;
    let assigned = g.person("assigned");
    let (a, b) = (thread(&g, &seeded[0]), thread(&g, &seeded[2]));
    assert_eq!(thread(&g, &seeded[1]), a, "m2 answers m1");
    g.person("manager")
        .client
        .assign(g.inbox, &a, vec![assigned.id])
        .await
        .unwrap();

    let store = Arc::new(Collected::default());
    let mut engine = SyncEngine::new(g.gmail_api(assigned), store.clone());
    engine.run().await.unwrap();
    let ids: Vec<String> = store.messages.lock().unwrap().keys().cloned().collect();
    let mut theirs = vec![seeded[0].clone(), seeded[1].clone()];
    theirs.sort();
    assert_eq!(ids, theirs);

    // The list says nothing of the others, not even how many there are.
    let (status, body) = g.call(assigned, Method::GET, "/messages", None).await;
    assert_eq!(status, 200);
    let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(page["messages"].as_array().unwrap().len(), 2);
    assert_eq!(page["resultSizeEstimate"], 2);
    let (_, body) = g.call(assigned, Method::GET, "/profile", None).await;
    let profile: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(profile.get("messagesTotal").is_none() && profile.get("historyId").is_some());

    // Another conversation's message, fetched directly: refused, whatever the format.
    for format in ["raw", "minimal", "metadata"] {
        let (status, body) = g
            .call(
                assigned,
                Method::GET,
                &format!("/messages/{}?format={format}", seeded[2]),
                None,
            )
            .await;
        assert_eq!(status, 403, "{format}");
        assert_eq!(api_error(&body).reason, Some(Denied::NotAssigned));
        assert!(!String::from_utf8_lossy(&body).contains("Order 2"));
    }
    let (status, _) = g
        .call(
            assigned,
            Method::GET,
            &format!("/messages/{}?format=raw", seeded[0]),
            None,
        )
        .await;
    assert_eq!(status, 200);

    // History: changes in A and in B; the member hears only of A.
    let start = g.emu.history_id();
    g.emu.modify_message(&seeded[2], &["STARRED"], &[]);
    let reply = g.emu.add_message(
        mail("m6", CUSTOMER, ADDRESS, "Re: Order 1", "Hello?", Some("m2")),
        &["INBOX", "UNREAD"],
    );
    assert_eq!(thread(&g, &reply), a);
    let (status, body) = g
        .call(
            assigned,
            Method::GET,
            &format!("/history?startHistoryId={start}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.contains(&reply) && !text.contains(&seeded[2]) && !text.contains(&b),
        "{text}"
    );
    let summary = engine.run().await.unwrap();
    assert_eq!(summary.added, 1);
    assert!(store
        .labels
        .lock()
        .unwrap()
        .iter()
        .all(|d| d.gmail_id != seeded[2]));

    // The plain agent sees everything.
    let (_, body) = g
        .call(g.person("agent"), Method::GET, "/messages", None)
        .await;
    let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(page["messages"].as_array().unwrap().len(), 5);
}

/// What each role may do through the broker, about conversation B (of m3, assigned to no
/// one), written out: see the inbox (profile, labels, list, history), read B's message,
/// change it (modify, trash, reply in B), write anew (a new conversation, a label).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_gets_through_the_proxy_and_send_what_the_policy_gives_it() {
    use Denied::*;
    type Cell = Result<(), Denied>;
    const OK: Cell = Ok(());
    let table: [(&str, Cell, Cell, Cell, Cell); 7] = [
        //  who          see              read              change            write anew
        (
            "owner",
            Err(NoAccess),
            Err(NoAccess),
            Err(NoAccess),
            Err(NoAccess),
        ),
        (
            "admin",
            Err(NoAccess),
            Err(NoAccess),
            Err(NoAccess),
            Err(NoAccess),
        ),
        ("manager", OK, OK, OK, OK),
        ("agent", OK, OK, OK, OK),
        ("viewer", OK, OK, Err(ViewOnly), Err(ViewOnly)),
        ("assigned", OK, Err(NotAssigned), Err(NotAssigned), OK),
        (
            "outsider",
            Err(NoAccess),
            Err(NoAccess),
            Err(NoAccess),
            Err(NoAccess),
        ),
    ];
    let (g, seeded) = GmailRig::connected(ADDRESS, seed()).await;
    let m3 = &seeded[2];
    let b = thread(&g, m3);
    let check = |who: &str, what: &str, expected: Cell, status: u16, body: &[u8]| match expected {
        Ok(()) => assert!(
            (200..300).contains(&status),
            "{who} {what}: {status} {}",
            String::from_utf8_lossy(body)
        ),
        Err(reason) => {
            assert_eq!(
                status,
                403,
                "{who} {what}: {}",
                String::from_utf8_lossy(body)
            );
            assert_eq!(api_error(body).reason, Some(reason), "{who} {what}");
        }
    };
    for (n, (who, see, read, change, anew)) in table.into_iter().enumerate() {
        let person = if who == "owner" {
            g.owner.clone()
        } else {
            g.person(who).clone()
        };
        let history = format!("/history?startHistoryId={}", g.emu.history_id());
        for path in ["/profile", "/labels", "/messages", history.as_str()] {
            let (status, body) = g.call(&person, Method::GET, path, None).await;
            check(who, path, see, status, &body);
        }
        let (status, body) = g
            .call(
                &person,
                Method::GET,
                &format!("/messages/{m3}?format=raw"),
                None,
            )
            .await;
        check(who, "get", read, status, &body);
        for (verb, body) in [
            ("modify", Some(json!({"addLabelIds": ["STARRED"]}))),
            ("modify", Some(json!({"removeLabelIds": ["STARRED"]}))),
            ("trash", None),
            ("untrash", None),
        ] {
            let (status, answer) = g
                .call(
                    &person,
                    Method::POST,
                    &format!("/messages/{m3}/{verb}"),
                    body,
                )
                .await;
            check(who, verb, change, status, &answer);
        }
        let (status, body) = g
            .call(
                &person,
                Method::POST,
                "/labels",
                Some(json!({"name": format!("Label {n}"), "labelListVisibility": "labelShow", "messageListVisibility": "show"})),
            )
            .await;
        check(who, "labels.create", anew, status, &body);

        let send = |thread: Option<&str>, id: &str| {
            let raw = mail(
                id,
                ADDRESS,
                CUSTOMER,
                if thread.is_some() {
                    "Re: Order 2"
                } else {
                    "Hello"
                },
                "text",
                thread.map(|_| "m3"),
            );
            json!({"raw": b64(&raw), "thread_id": thread})
        };
        let path = format!("/api/v1/inboxes/{}/gmail/send", g.inbox.0);
        let (status, body) = g.post(&person, &path, send(None, &format!("new{n}"))).await;
        check(who, "send new", anew, status, body.to_string().as_bytes());
        let (status, body) = g
            .post(&person, &path, send(Some(&b), &format!("reply{n}")))
            .await;
        check(
            who,
            "send reply",
            change,
            status,
            body.to_string().as_bytes(),
        );
        if change.is_ok() {
            assert_eq!(body["thread_id"], json!(b), "the reply joined B");
            assert_eq!(body["started"], json!(false));
        }
    }
    assert!(!g
        .emu
        .message(m3)
        .unwrap()
        .label_ids
        .contains(&"TRASH".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sent_message_lands_in_gmail_and_a_new_conversation_stays_its_sender_s() {
    let (g, _) = GmailRig::connected(ADDRESS, seed()).await;
    let assigned = g.person("assigned");
    let raw = format!(
        "From: {ADDRESS}\r\nTo: {CUSTOMER}\r\nBcc: boss@acme.test\r\nSubject: Your refund\r\n\
         Message-ID: <refund-1@acme.test>\r\n\r\nThe refund is on its way.\r\n"
    );
    let sent = assigned
        .client
        .send_gmail(
            g.inbox,
            &SendMail {
                raw: b64(raw.as_bytes()),
                thread_id: None,
            },
        )
        .await
        .unwrap();
    assert!(sent.started);
    let (id, t) = (sent.message_id.unwrap(), sent.thread_id.unwrap());

    // In Gmail's sent mail, from the inbox's account, the blind copy delivered but not shown.
    let submitted = g.emu.sent_messages().pop().unwrap();
    assert_eq!(submitted.id, id);
    assert_eq!(submitted.mail_from, ADDRESS);
    let mut rcpt = submitted.rcpt_to.clone();
    rcpt.sort();
    assert_eq!(rcpt, ["boss@acme.test", "carla@customer.test"]);
    let stored = g.emu.message(&id).unwrap();
    assert!(stored.label_ids.contains(&"SENT".into()));
    let text = String::from_utf8(stored.raw).unwrap();
    assert!(text.contains("The refund is on its way.") && !text.contains("boss@acme.test"));

    // The conversation is the sender's: recorded, listed and readable for them.
    let conversation = assigned.client.conversation(g.inbox, &t).await.unwrap();
    assert_eq!(conversation.started_by, Some(assigned.id));
    let (_, body) = g.call(assigned, Method::GET, "/messages", None).await;
    assert!(String::from_utf8(body).unwrap().contains(&t));
    let (status, _) = g
        .call(
            assigned,
            Method::GET,
            &format!("/messages/{id}?format=raw"),
            None,
        )
        .await;
    assert_eq!(status, 200);

    // A reply in it joins it and starts nothing.
    let reply = mail(
        "refund-2",
        ADDRESS,
        CUSTOMER,
        "Re: Your refund",
        "Done.",
        None,
    )
    .into_iter()
    .collect::<Vec<u8>>();
    let reply = String::from_utf8(reply).unwrap().replace(
        "Date:",
        "In-Reply-To: <refund-1@acme.test>\r\nReferences: <refund-1@acme.test>\r\nDate:",
    );
    let sent = assigned
        .client
        .send_gmail(
            g.inbox,
            &SendMail {
                raw: b64(reply.as_bytes()),
                thread_id: Some(t.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (sent.thread_id.as_deref(), sent.started),
        (Some(t.as_str()), false)
    );

    // What cannot be sent is refused before anything reaches Gmail.
    let count = g.emu.sent_messages().len();
    for (raw, why) in [
        ("not base64 at all!".to_owned(), "base64"),
        (
            b64(b"To: a@b.test\r\nSubject: x\r\n\r\nno id"),
            "Message-ID",
        ),
        (
            b64(b"Subject: x\r\nMessage-ID: <x@y>\r\n\r\nnobody"),
            "recipient",
        ),
    ] {
        let (status, error) = refused(
            assigned
                .client
                .send_gmail(
                    g.inbox,
                    &SendMail {
                        raw,
                        thread_id: None,
                    },
                )
                .await
                .unwrap_err(),
        );
        assert_eq!(
            (status, error.code),
            (400, ErrorCode::InvalidInput),
            "{why}"
        );
    }
    assert_eq!(g.emu.sent_messages().len(), count);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_reaches_exactly_the_entitled_desktops_and_forgeries_and_replays_change_nothing() {
    let (g, _) = GmailRig::connected(ADDRESS, seed()).await;
    let (mut agent, _) = welcomed(g.person("agent")).await;
    let (mut assigned, _) = welcomed(g.person("assigned")).await;

    let new = g.emu.add_message(
        mail("p1", CUSTOMER, ADDRESS, "Order 9", "Order 9?", None),
        &["INBOX", "UNREAD"],
    );
    let t = thread(&g, &new);
    let h1 = g.emu.history_id();
    assert_eq!(g.push(&g.claims(), h1).await, 204);
    let mark = sentinel(&g, "First").await;
    assert_eq!(
        conversations_until(&mut agent, mark).await,
        std::slice::from_ref(&t)
    );
    assert!(conversations_until(&mut assigned, mark).await.is_empty());
    let admin = g.person("admin");
    assert_eq!(
        admin
            .client
            .gmail_account(g.inbox)
            .await
            .unwrap()
            .history_id,
        Some(h1)
    );

    // Replayed (the same, or an older one): acknowledged, nothing happens.
    let seq = g.seq();
    assert_eq!(g.push(&g.claims(), h1).await, 204);
    assert_eq!(g.push(&g.claims(), h1 - 1).await, 204);
    assert_eq!(g.seq(), seq);

    // Forged: refused, nothing happens, even for news that is real.
    g.emu.add_message(
        mail("p2", CUSTOMER, ADDRESS, "Order 10", "Order 10?", None),
        &["INBOX"],
    );
    let h2 = g.emu.history_id();
    let mut forged = Vec::new();
    let mut claims = g.claims();
    claims.aud = "https://elsewhere.test/push".into();
    forged.push(("audience", g.emu.push_token(&claims).unwrap()));
    let mut claims = g.claims();
    claims.email = "someone@evil.iam.gserviceaccount.com".into();
    forged.push(("service account", g.emu.push_token(&claims).unwrap()));
    let mut claims = g.claims();
    claims.iss = "https://accounts.evil.test".into();
    forged.push(("issuer", g.emu.push_token(&claims).unwrap()));
    let mut claims = g.claims();
    claims.email_verified = false;
    forged.push(("unverified", g.emu.push_token(&claims).unwrap()));
    let mut claims = g.claims();
    claims.iat -= 7200;
    claims.exp -= 7200;
    forged.push(("expired", g.emu.push_token(&claims).unwrap()));
    let genuine = g.emu.push_token(&g.claims()).unwrap();
    let (head, signature) = genuine.rsplit_once('.').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
    bytes[0] ^= 1;
    forged.push((
        "signature",
        format!("{head}.{}", URL_SAFE_NO_PAD.encode(bytes)),
    ));
    forged.push(("not a JWT", "garbage".to_owned()));
    for (why, token) in &forged {
        assert_eq!(g.push_with(token, ADDRESS, h2).await, 401, "{why}");
    }
    let anonymous = helpr_team::pin::client(&g.rig.server.fingerprint)
        .post(format!("{}/api/v1/gmail/push", g.base()))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(g.seq(), seq);
    assert_eq!(
        admin
            .client
            .gmail_account(g.inbox)
            .await
            .unwrap()
            .history_id,
        Some(h1)
    );

    // An account no inbox has: acknowledged and ignored.
    assert_eq!(
        g.push_with(&genuine, "stranger@elsewhere.test", h2 + 10)
            .await,
        204
    );
    assert_eq!(g.seq(), seq);

    // The genuine one goes through.
    assert_eq!(g.push_with(&genuine, ADDRESS, h2).await, 204);
    let mark = sentinel(&g, "Second").await;
    assert_eq!(conversations_until(&mut agent, mark).await.len(), 1);
    assert!(conversations_until(&mut assigned, mark).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnecting_or_deleting_the_inbox_revokes_the_grant_at_google_and_forgets_it() {
    let (g, _) = GmailRig::connected(ADDRESS, seed()).await;
    let refresh = stored_refresh_token(&g).await.unwrap();
    let admin = g.person("admin");
    admin.client.disconnect_gmail(g.inbox).await.unwrap();

    assert!(matches!(
        oauth(&g).refresh(&refresh).await,
        Err(OAuthError::ReconnectNeeded)
    ));
    assert!(stored_refresh_token(&g).await.is_none());
    assert!(!admin.client.gmail_account(g.inbox).await.unwrap().connected);
    assert!(
        !g.person("agent")
            .client
            .inbox(g.inbox)
            .await
            .unwrap()
            .gmail_connected
    );
    let (status, body) = g
        .call(g.person("agent"), Method::GET, "/profile", None)
        .await;
    assert_eq!((status, api_error(&body).code), (409, ErrorCode::Upstream));
    let (status, _) = refused(admin.client.disconnect_gmail(g.inbox).await.unwrap_err());
    assert_eq!(status, 404);
    let seq = g.seq();
    assert_eq!(g.push(&g.claims(), g.emu.history_id() + 5).await, 204);
    assert_eq!(g.seq(), seq);

    // And it connects again.
    assert!(g.connect(admin).await.connected);
    let (status, _) = g
        .call(g.person("agent"), Method::GET, "/profile", None)
        .await;
    assert_eq!(status, 200);

    // Deleting the inbox deletes its grant and revokes it at Google (in the background).
    let refresh = stored_refresh_token(&g).await.unwrap();
    g.owner.client.delete_inbox(g.inbox).await.unwrap();
    assert!(stored_refresh_token(&g).await.is_none());
    let mut revoked = false;
    for _ in 0..100 {
        if matches!(
            oauth(&g).refresh(&refresh).await,
            Err(OAuthError::ReconnectNeeded)
        ) {
            revoked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(revoked, "the deleted inbox's grant is revoked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_refresh_token_is_sealed_and_kept_and_a_refused_grant_asks_for_a_reconnect() {
    let (g, _) = GmailRig::connected(ADDRESS, seed()).await;
    g.emu.set_refresh_token_rotation(true);
    let first = stored_refresh_token(&g).await.unwrap();
    let agent = g.person("agent");
    let (status, _) = g.call(agent, Method::GET, "/profile", None).await;
    assert_eq!(status, 200);
    let rotated = stored_refresh_token(&g).await.unwrap();
    assert_ne!(rotated.expose_secret(), first.expose_secret());

    // Someone revokes the grant in their Google account: the next call finds out.
    oauth(&g).revoke(&rotated).await.unwrap();
    let (status, body) = g.call(agent, Method::GET, "/profile", None).await;
    let error = api_error(&body);
    assert_eq!((status, error.code), (409, ErrorCode::Upstream));
    assert!(
        error.message.starts_with("reconnect needed"),
        "{}",
        error.message
    );
    let admin = g.person("admin");
    assert!(
        admin
            .client
            .gmail_account(g.inbox)
            .await
            .unwrap()
            .reconnect_needed
    );
    let (status, _) = g.call(agent, Method::GET, "/labels", None).await;
    assert_eq!(status, 409, "no second try at Google");

    let view = g.connect(admin).await;
    assert!(view.connected && !view.reconnect_needed);
    let (status, _) = g.call(agent, Method::GET, "/profile", None).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_mail_and_no_account_detail_is_left_in_any_file_of_the_server_s() {
    let tag = format!("{:016x}", rand::random::<u64>());
    let account = format!("canary-inbox-{tag}@acme-shop.test");
    let customer = format!("canary-customer-{tag}@customer.test");
    let subject = format!("Canary subject {tag}");
    let body = format!("Canary body text {tag} with details.");
    let sent_subject = format!("Canary reply subject {tag}");
    let sent_body = format!("Canary sent body {tag}.");
    let recipient = format!("canary-recipient-{tag}@elsewhere.test");
    let (g, seeded) = GmailRig::connected(
        &account,
        vec![mail("c1", &customer, &account, &subject, &body, None)],
    )
    .await;

    // A desktop syncs it all through the server, and answers.
    let agent = g.person("agent");
    let store = Arc::new(Collected::default());
    SyncEngine::new(g.gmail_api(agent), store.clone())
        .run()
        .await
        .unwrap();
    let got = store.messages.lock().unwrap()[&seeded[0]].raw.clone();
    assert!(String::from_utf8(got).unwrap().contains(&subject));
    let raw = format!(
        "From: {account}\r\nTo: {customer}\r\nCc: {recipient}\r\nSubject: {sent_subject}\r\n\
         Message-ID: <c2-{tag}@acme-shop.test>\r\n\r\n{sent_body}\r\n"
    );
    let sent = agent
        .client
        .send_gmail(
            g.inbox,
            &SendMail {
                raw: b64(raw.as_bytes()),
                thread_id: None,
            },
        )
        .await
        .unwrap();
    assert!(sent.started);
    // News by push, so its path ran too.
    g.emu.add_message(
        mail("c3", &customer, &account, &subject, &body, Some("c1")),
        &["INBOX"],
    );
    assert_eq!(
        g.push_with(
            &g.emu.push_token(&g.claims()).unwrap(),
            &account,
            g.emu.history_id()
        )
        .await,
        204
    );

    let canaries = [
        account.as_str(),
        customer.as_str(),
        subject.as_str(),
        body.as_str(),
        sent_subject.as_str(),
        sent_body.as_str(),
        recipient.as_str(),
    ];
    // The log itself (read through the server's key) names none of them either.
    let org = g.rig.org;
    let events = g
        .rig
        .hub()
        .db()
        .run(move |tx| helpr_server::store::queries::events_since(tx, org, 0))
        .await
        .unwrap();
    for canary in canaries {
        assert!(
            events.iter().all(|e| !e.body.contains(canary)),
            "{canary} in the log"
        );
    }

    // The scan finds a canary in every form looked for (here as Gmail's JSON carries it).
    for pad in 0..3 {
        let text = format!("{}{subject}!", "p".repeat(pad));
        for encoded in [STANDARD.encode(&text), URL_SAFE_NO_PAD.encode(&text)] {
            assert!(
                canary::found(encoded.as_bytes(), subject.as_bytes()),
                "{encoded}"
            );
        }
    }

    let canaries: Vec<&[u8]> = canaries.iter().map(|c| c.as_bytes()).collect();
    let (hits, scanned) = canary::scan(g.rig.data.path(), &canaries);
    assert!(scanned > 0);
    assert_eq!(hits, Vec::<String>::new(), "plaintext at rest");
}

/// Waits (a hang guard, not a timing assertion) until the emulator has delivered everything
/// it published and the server acknowledged it.
async fn pushes_done(g: &GmailRig) {
    tokio::time::timeout(Duration::from_secs(60), g.emu.push_idle())
        .await
        .expect("every push acknowledged within a minute");
}

/// Waits until `done` holds, checking every 50 ms, failing after 30 s.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not within 30 s");
}

async fn stored_watch(g: &GmailRig) -> rows::WatchRow {
    let inbox = g.inbox;
    g.rig
        .hub()
        .db()
        .run(move |tx| rows::watch_of(tx, inbox))
        .await
        .unwrap()
        .expect("the inbox's account row")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_watches_a_connected_inbox_and_gmail_s_own_pushes_reach_the_entitled_desktops() {
    let (g, _) = GmailRig::watching(ADDRESS, seed()).await;
    assert!(!g.emu.watch_active());
    let h0 = g.emu.history_id();

    // Connecting watches the mailbox; Gmail publishes its current id at once, which is where
    // the server already is (the profile's): acknowledged, nothing to tell.
    let view = g.connect(&g.owner).await;
    assert!(view.connected);
    assert!(g.emu.watch_active(), "the server called users.watch");
    let seq = g.seq();
    pushes_done(&g).await;
    assert_eq!(g.emu.push_delivered(), 1);
    assert_eq!(g.seq(), seq);
    let watch = stored_watch(&g).await;
    assert_eq!(Some(watch.expiration as u64), g.emu.watch_expiration());

    // New mail: Gmail's own push (its signed token, to the server's real URL) makes the
    // conversation news for exactly those who may read it.
    let (mut agent, _) = welcomed(g.person("agent")).await;
    let (mut assigned, _) = welcomed(g.person("assigned")).await;
    let new = g.emu.add_message(
        mail("w1", CUSTOMER, ADDRESS, "Order 11", "Order 11?", None),
        &["INBOX", "UNREAD"],
    );
    let t = thread(&g, &new);
    pushes_done(&g).await;
    assert_eq!(g.emu.push_delivered(), 2);
    let mark = sentinel(&g, "Pushed").await;
    assert_eq!(
        conversations_until(&mut agent, mark).await,
        std::slice::from_ref(&t)
    );
    assert!(conversations_until(&mut assigned, mark).await.is_empty());
    let history_id = g
        .person("admin")
        .client
        .gmail_account(g.inbox)
        .await
        .unwrap()
        .history_id;
    assert!(history_id > Some(h0));
    assert_eq!(history_id, Some(g.emu.history_id()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnecting_or_deleting_a_watched_inbox_stops_its_watch() {
    let (g, _) = GmailRig::watching(ADDRESS, seed()).await;
    let admin = g.person("admin");
    g.connect(admin).await;
    assert!(g.emu.watch_active());
    admin.client.disconnect_gmail(g.inbox).await.unwrap();
    assert!(!g.emu.watch_active(), "the server called users.stop");

    // Connected again, it is watched again; deleting the inbox stops it (in the background,
    // before the grant is revoked).
    g.connect(admin).await;
    assert!(g.emu.watch_active());
    g.owner.client.delete_inbox(g.inbox).await.unwrap();
    eventually("the deleted inbox's watch stopped", || {
        !g.emu.watch_active()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_is_renewed_daily_once_across_replicas_and_at_every_start() {
    let (g, _) = GmailRig::watching(ADDRESS, seed()).await;
    g.connect(&g.owner).await;
    let first = g.emu.watch_expiration().unwrap();
    let watch = stored_watch(&g).await;
    let now = g.rig.config.clock.now();
    assert_eq!(watch.expiration as u64, first);
    assert!(
        (now..=now + helpr_server::gmail::watch::RENEW_AFTER).contains(&watch.renew_at),
        "{watch:?}"
    );

    // Not due yet: no replica may claim the renewal; once due, exactly one does.
    let inbox = g.inbox;
    let claims = g
        .rig
        .hub()
        .db()
        .run(move |tx| {
            Ok([
                rows::claim_watch(tx, inbox, now, now + 600)?,
                rows::claim_watch(tx, inbox, watch.renew_at, watch.renew_at + 600)?,
                rows::claim_watch(tx, inbox, watch.renew_at, watch.renew_at + 600)?,
            ])
        })
        .await
        .unwrap();
    assert_eq!(claims, [false, true, false]);
    g.rig
        .hub()
        .db()
        .run(move |tx| rows::set_watch(tx, inbox, watch.expiration, watch.renew_at))
        .await
        .unwrap();

    // A day later (Google's clock and the server's), the server renews it: a new expiration.
    let day = Duration::from_secs(24 * 3600 + 60);
    g.emu.advance_clock(day);
    g.rig.config.clock.advance(day.as_secs() as i64);
    eventually("the watch renewed", || {
        g.emu.watch_expiration().is_some_and(|e| e > first)
    })
    .await;
    let second = g.emu.watch_expiration().unwrap();
    for _ in 0..600 {
        if stored_watch(&g).await.expiration as u64 == second {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stored_watch(&g).await.expiration as u64, second);
    assert!(stored_watch(&g).await.renew_at > g.rig.config.clock.now());
    pushes_done(&g).await;

    // A restarted server watches every connected inbox at once.
    g.emu.advance_clock(Duration::from_secs(60));
    let GmailRig { emu, rig, .. } = g;
    let rig = rig.restart().await;
    gmail_rig::deliver_to(&emu, &rig);
    eventually("watched at start", || {
        emu.watch_expiration().is_some_and(|e| e > second)
    })
    .await;
}
