//! The Gmail broker's rig: the google-emulator in this process (real sockets, HTTPS and SMTP
//! with its test CA, consent auto-approved), a team server configured with the emulator's
//! helpr configuration and push settings, an organization with one restricted inbox and a
//! person in each role, and the inbox's account connected the way an admin's desktop does it
//! (its loopback listener, the browser played by an HTTP client).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use google_emulator::push::DEFAULT_PUSH_SERVICE_ACCOUNT;
use google_emulator::{Account, Config as EmulatorConfig, Emulator, OAuthConfig, PushClaims};
use helpr_gmail::limiter::{Backoff, Quota};
use helpr_gmail::sync::{Applied, Batch, Cursor, FetchedMessage, Progress, StoreError};
use helpr_gmail::{GmailApi, GmailConfig, PushConfig, SyncStore, TokenSource};
use helpr_policy::{InboxId, MemberRole, OrgRole, UserId, Visibility};
use helpr_proto::gmail::GmailAccountView;
use helpr_proto::requests::{CreateInbox, CreateUser, SetMember};
use helpr_team::TeamClient;
use secrecy::SecretString;

use crate::support::{Rig, OWNER_EMAIL, PASSWORD};

/// The audience the push subscription is configured with.
pub const PUSH_AUDIENCE: &str = "https://team.helpr.test/api/v1/gmail/push";
/// The Pub/Sub topic a watching server names.
pub const PUSH_TOPIC: &str = "projects/helpr-test/topics/gmail";

/// One person of the organization, signed in.
#[derive(Clone)]
pub struct Person {
    pub id: UserId,
    pub client: TeamClient,
    pub token: String,
}

/// A member's role and own assigned-only flag.
type Membership = Option<(MemberRole, bool)>;

/// Who is in the rig, by what they are to the inbox.
pub const PEOPLE: [(&str, OrgRole, Membership); 6] = [
    ("admin", OrgRole::Admin, None),
    (
        "manager",
        OrgRole::Agent,
        Some((MemberRole::Manager, false)),
    ),
    ("agent", OrgRole::Agent, Some((MemberRole::Agent, false))),
    ("viewer", OrgRole::Agent, Some((MemberRole::Viewer, false))),
    ("assigned", OrgRole::Agent, Some((MemberRole::Agent, true))),
    ("outsider", OrgRole::Agent, None),
];

pub struct GmailRig {
    pub emu: Emulator,
    pub rig: Rig,
    pub owner: Person,
    pub inbox: InboxId,
    pub people: BTreeMap<&'static str, Person>,
    pub address: String,
}

/// A plain message, threaded under `parent` when given.
pub fn mail(
    n: &str,
    from: &str,
    to: &str,
    subject: &str,
    body: &str,
    parent: Option<&str>,
) -> Vec<u8> {
    let threading = parent
        .map(|p| format!("In-Reply-To: <{p}@example.org>\r\nReferences: <{p}@example.org>\r\n"))
        .unwrap_or_default();
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{n}@example.org>\r\n\
         {threading}Date: Mon, 3 Jun 2024 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

impl GmailRig {
    /// The emulator signed in as `address` with `seed` in its mailbox, the server, the people.
    /// Not connected yet.
    pub async fn new(address: &str, seed: Vec<Vec<u8>>) -> (GmailRig, Vec<String>) {
        GmailRig::start(address, seed, false).await
    }

    /// [`GmailRig::new`] with the server watching on [`PUSH_TOPIC`], and the emulator's push
    /// subscription delivering to the server's real push URL (trusting its certificate, as
    /// Pub/Sub trusts a public one). Not connected yet.
    pub async fn watching(address: &str, seed: Vec<Vec<u8>>) -> (GmailRig, Vec<String>) {
        GmailRig::start(address, seed, true).await
    }

    async fn start(address: &str, seed: Vec<Vec<u8>>, watching: bool) -> (GmailRig, Vec<String>) {
        let emu = Emulator::start_with_oauth(
            EmulatorConfig::default(),
            OAuthConfig {
                auto_approve: true,
                account: Account::new(address),
                ..OAuthConfig::default()
            },
        )
        .await
        .unwrap();
        emu.set_quota(None);
        let seeded = emu.seed_messages(seed);

        let gmail = GmailConfig::from_toml(&emu.helpr_config_toml()).unwrap();
        let push = PushConfig {
            jwks_url: emu.https_jwks_url(),
            audience: PUSH_AUDIENCE.to_owned(),
            service_account: DEFAULT_PUSH_SERVICE_ACCOUNT.to_owned(),
        };
        let rig = Rig::start_with(|config| {
            config.gmail = Some(gmail);
            config.gmail_push = Some(push);
            if watching {
                config.gmail_push_topic = Some(PUSH_TOPIC.to_owned());
            }
        })
        .await;
        if watching {
            deliver_to(&emu, &rig);
        }
        let owner = person(&rig, rig.owner, OWNER_EMAIL).await;
        let inbox = owner
            .client
            .create_inbox(&CreateInbox {
                name: "Support".into(),
                visibility: Visibility::Restricted,
                teams: vec![],
                assigned_only: false,
            })
            .await
            .unwrap()
            .id;
        let mut people = BTreeMap::new();
        for (name, role, membership) in PEOPLE {
            let email = format!("{name}@acme.test");
            let user = owner
                .client
                .create_user(&CreateUser {
                    name: name.into(),
                    email: email.clone(),
                    role,
                    password: PASSWORD.into(),
                })
                .await
                .unwrap();
            if let Some((role, assigned_only)) = membership {
                owner
                    .client
                    .set_member(
                        inbox,
                        user.id,
                        &SetMember {
                            role,
                            assigned_only,
                        },
                    )
                    .await
                    .unwrap();
            }
            people.insert(name, person(&rig, user.id, &email).await);
        }
        (
            GmailRig {
                emu,
                rig,
                owner,
                inbox,
                people,
                address: address.to_owned(),
            },
            seeded,
        )
    }

    /// [`GmailRig::new`], connected by the owner.
    pub async fn connected(address: &str, seed: Vec<Vec<u8>>) -> (GmailRig, Vec<String>) {
        let (rig, seeded) = GmailRig::new(address, seed).await;
        let view = rig.connect(&rig.owner).await;
        assert!(view.connected, "{view:?}");
        (rig, seeded)
    }

    pub fn person(&self, name: &str) -> &Person {
        &self.people[name]
    }

    /// What an admin's desktop does: listen on a loopback port, ask the server for the
    /// authorization URL, open it in the browser (here an HTTP client following redirects;
    /// the emulator approves), take the code the browser brings back after checking its
    /// `state`, and hand both to the server.
    pub async fn connect(&self, admin: &Person) -> GmailAccountView {
        let loopback = helpr_loopback::Loopback::bind().await.unwrap();
        let started = admin
            .client
            .start_gmail_connect(self.inbox, &loopback.redirect_uri())
            .await
            .unwrap();
        let (code, state) = self.browse(&loopback, &started.authorization_url).await;
        assert_eq!(state, started.state);
        admin
            .client
            .finish_gmail_connect(self.inbox, &state, &code)
            .await
            .unwrap()
    }

    /// The browser visits `url`; the loopback receives Google's redirect: `(code, state)`.
    pub async fn browse(&self, loopback: &helpr_loopback::Loopback, url: &str) -> (String, String) {
        let url = url.to_owned();
        let browser = tokio::spawn(async move {
            reqwest::Client::new()
                .get(url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        });
        let redirect = tokio::time::timeout(Duration::from_secs(20), loopback.next_redirect())
            .await
            .expect("the browser comes back")
            .unwrap();
        let code = redirect.single("code").unwrap().to_owned();
        let state = redirect.single("state").unwrap().to_owned();
        redirect.answer(true).await;
        let page = browser.await.unwrap();
        assert!(page.contains("close this window"), "{page}");
        (code, state)
    }

    /// The server's address.
    pub fn base(&self) -> String {
        format!("https://{}", self.rig.server.addr)
    }

    /// The inbox's Gmail API base on the server.
    pub fn api_base(&self, who: &Person) -> String {
        who.client.gmail_api_base(self.inbox)
    }

    /// helpr-gmail's client pointed at the server's proxy with `who`'s session token, over
    /// the client that pins the server's certificate.
    pub fn gmail_api(&self, who: &Person) -> GmailApi {
        GmailApi::with_client(
            who.client.http(),
            &self.api_base(who),
            Arc::new(TokenSource::fixed(SecretString::from(who.token.clone()))),
            Arc::new(Quota::new(100_000)),
            Backoff {
                initial: Duration::from_millis(5),
                max: Duration::from_millis(50),
                attempts: 2,
            },
        )
    }

    /// A request to the proxy as `who`: status and body.
    pub async fn call(
        &self,
        who: &Person,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, Vec<u8>) {
        let mut request = who
            .client
            .http()
            .request(method, format!("{}{path}", self.api_base(who)))
            .bearer_auth(&who.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    }

    /// A GET from the server (outside the proxy) as `who`: status and body.
    pub async fn get(&self, who: &Person, path: &str) -> (u16, Vec<u8>) {
        let response = who
            .client
            .http()
            .get(format!("{}{path}", self.base()))
            .bearer_auth(&who.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    }

    /// A POST to the server (outside the proxy) as `who`, JSON in and out.
    pub async fn post(
        &self,
        who: &Person,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = who
            .client
            .http()
            .post(format!("{}{path}", self.base()))
            .bearer_auth(&who.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }

    /// A Pub/Sub push as Google sends it: the emulator's signed token over `claims`, the
    /// envelope around `{emailAddress, historyId}`. The status the server answered.
    pub async fn push(&self, claims: &PushClaims, history_id: u64) -> u16 {
        let token = self.emu.push_token(claims).unwrap();
        self.push_with(&token, &self.address, history_id).await
    }

    pub async fn push_with(&self, token: &str, address: &str, history_id: u64) -> u16 {
        let body = google_emulator::pubsub::push_body(
            &google_emulator::Notification {
                email_address: address.to_owned(),
                history_id,
                form: google_emulator::HistoryIdForm::Number,
            },
            &google_emulator::Delivery::default(),
        );
        helpr_team::pin::client(&self.rig.server.fingerprint)
            .post(format!("{}/api/v1/gmail/push", self.base()))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Genuine push claims, issued now (by the emulator's clock: the system's).
    pub fn claims(&self) -> PushClaims {
        PushClaims::new(PUSH_AUDIENCE, DEFAULT_PUSH_SERVICE_ACCOUNT)
    }

    /// The organization's last sequence number.
    pub fn seq(&self) -> u64 {
        self.rig.hub().read(self.rig.org, |s| s.seq).unwrap()
    }
}

/// Points the emulator's push subscription at `rig`'s `/api/v1/gmail/push` (audience
/// [`PUSH_AUDIENCE`]) and has it trust the server's made certificate.
pub fn deliver_to(emu: &Emulator, rig: &Rig) {
    let cert = std::fs::read_to_string(rig.data.path().join("tls/server.crt")).unwrap();
    emu.trust_push_certificate(&cert).unwrap();
    emu.set_push_endpoint(
        &format!("https://{}/api/v1/gmail/push", rig.server.addr),
        PUSH_AUDIENCE,
    );
}

async fn person(rig: &Rig, id: UserId, email: &str) -> Person {
    let token = rig
        .sign_in_response(email, PASSWORD)
        .await
        .unwrap()
        .session_token;
    Person {
        id,
        client: rig
            .anonymous()
            .with_token(SecretString::from(token.clone())),
        token,
    }
}

/// A sync store that keeps what it is given, in memory (the desktop's vault stands here).
#[derive(Default)]
pub struct Collected {
    pub messages: Mutex<BTreeMap<String, FetchedMessage>>,
    pub labels: Mutex<Vec<helpr_gmail::sync::LabelDelta>>,
    pub deleted: Mutex<Vec<String>>,
    cursor: Mutex<Cursor>,
}

impl SyncStore for Collected {
    fn cursor(&self) -> Result<Cursor, StoreError> {
        Ok(*self.cursor.lock().unwrap())
    }

    fn begin_full_sync(&self, from: u64) -> Result<(), StoreError> {
        *self.cursor.lock().unwrap() = Cursor {
            history_id: None,
            full_sync_from: Some(from),
        };
        Ok(())
    }

    fn known_ids(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        Ok(self.messages.lock().unwrap().keys().cloned().collect())
    }

    fn apply(&self, batch: Batch) -> Result<Applied, StoreError> {
        let added = batch.added.len() as u64;
        let mut messages = self.messages.lock().unwrap();
        for m in batch.added {
            messages.insert(m.gmail_id.clone(), m);
        }
        for id in &batch.deleted {
            messages.remove(id);
        }
        self.deleted
            .lock()
            .unwrap()
            .extend(batch.deleted.iter().cloned());
        self.labels.lock().unwrap().extend(batch.labels);
        if let Some(h) = batch.checkpoint {
            *self.cursor.lock().unwrap() = Cursor {
                history_id: Some(h),
                full_sync_from: None,
            };
        }
        Ok(Applied {
            added,
            ..Applied::default()
        })
    }

    fn progress(&self, _progress: Progress) {}
}
