//! Helpers for the crate's unit tests: a real vault (real SQLCipher, real keychain, so tests run
//! inside `cargo xtask session`) in a temp dir, whose KEK leaves the keychain on drop; simple
//! messages; raw SQL on the live vault.

use crate::{tenants, InsertOutcome, NewAttachment, NewMessage, Scope, Vault};

pub(crate) struct TestVault {
    _dir: tempfile::TempDir,
    pub(crate) vault: Vault,
    /// The default tenant's local inbox.
    pub(crate) scope: Scope,
}

impl Drop for TestVault {
    fn drop(&mut self) {
        let _ = helpr_crypto::keychain::delete_kek(&self.vault.id());
    }
}

impl TestVault {
    /// An empty vault with one tenant and its local inbox.
    pub(crate) fn new() -> TestVault {
        let dir = tempfile::tempdir().unwrap();
        let vault =
            Vault::create(&dir.path().join("data"), "t").expect("needs the keychain session");
        let tenant = vault.default_tenant().unwrap().id;
        let inbox = vault.local_inbox(tenant).unwrap().id;
        TestVault {
            _dir: dir,
            vault,
            scope: Scope {
                tenant,
                inboxes: vec![inbox],
            },
        }
    }

    /// Message `i` of the local inbox: subject `subject {i}`, text `text {i}`, date `i`.
    pub(crate) fn message(&self, i: usize) -> NewMessage {
        NewMessage {
            inbox_id: self.scope.inboxes[0],
            dedupe_key: format!("k{i}").into_bytes(),
            subject: format!("subject {i}"),
            snippet: format!("snippet {i}"),
            sender: "a@example.com".into(),
            text: format!("text {i}"),
            headers: b"{}".to_vec(),
            date: i as i64,
            ..Default::default()
        }
    }

    /// Inserts `batch` for `tenant`; every message must be new. Returns the ids.
    pub(crate) fn insert_for(&self, tenant: i64, batch: &[NewMessage]) -> Vec<i64> {
        self.vault
            .insert_messages(tenant, batch)
            .unwrap()
            .into_iter()
            .map(|o| match o {
                InsertOutcome::Inserted { id, .. } => id,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    /// Inserts `batch` for the default tenant.
    pub(crate) fn insert(&self, batch: &[NewMessage]) -> Vec<i64> {
        self.insert_for(self.scope.tenant, batch)
    }

    /// A second inbox of the default tenant (outside `scope`).
    pub(crate) fn other_inbox(&self) -> i64 {
        let keys = self.vault.keys();
        self.vault
            .write(|tx| tenants::create_inbox(tx, keys, self.scope.tenant, "local", "other"))
            .unwrap()
    }

    /// A second tenant with its local inbox, as a scope.
    pub(crate) fn other_tenant(&self) -> Scope {
        let keys = self.vault.keys();
        let tenant = self
            .vault
            .write(|tx| tenants::create_tenant(tx, keys, "u"))
            .unwrap();
        Scope {
            tenant,
            inboxes: self.vault.inbox_ids(tenant).unwrap(),
        }
    }

    /// `SELECT count(*) FROM {from}` on the live vault.
    pub(crate) fn count(&self, from: &str) -> i64 {
        self.vault
            .read(|c| Ok(c.query_row(&format!("SELECT count(*) FROM {from}"), [], |r| r.get(0))?))
            .unwrap()
    }

    /// The queued ids, ascending.
    pub(crate) fn queued(&self) -> Vec<i64> {
        self.vault.index_queue(u32::MAX).unwrap()
    }
}

/// A vault holding `n` messages, each with one attachment of `attachment` bytes if given.
pub(crate) fn vault_with(n: usize, attachment: Option<Vec<u8>>) -> (TestVault, Vec<i64>) {
    let t = TestVault::new();
    let batch: Vec<NewMessage> = (0..n)
        .map(|i| NewMessage {
            attachments: attachment
                .iter()
                .map(|data| NewAttachment {
                    name: "f.bin".into(),
                    content_type: "application/octet-stream".into(),
                    data: data.clone(),
                    ..Default::default()
                })
                .collect(),
            ..t.message(i)
        })
        .collect();
    let ids = t.insert(&batch);
    (t, ids)
}

/// Runs raw SQL in one write transaction on the live vault.
pub(crate) fn sql(
    v: &Vault,
    f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<usize>,
) {
    v.write(|tx| Ok(f(tx)?)).unwrap();
}
