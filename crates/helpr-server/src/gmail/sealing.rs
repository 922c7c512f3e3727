//! What the broker keeps of an inbox's Google account, sealed with helpr-crypto (DESIGN §2)
//! on top of the database's own encryption (SQLCipher; PostgreSQL has none of its own):
//!
//! - Each organization has tenant keys (AES-256-GCM DEKs) made by [`KeyStore`], stored only
//!   wrapped by the server's root key (table `tenant_keys`, AAD = organization | version) and
//!   unwrapped into memory when first needed. The organization's id is the tenant id.
//! - An account's refresh token and address are sealed under its organization's active key,
//!   bound to `gmail_account` / the inbox's id / the field, so a ciphertext moved to another
//!   inbox, field or organization does not open. A pending connection's PKCE verifier is
//!   sealed the same way (`gmail_connect`).
//! - Push finds the inboxes of an address by a keyed MAC of it ([`address_mac`], the root
//!   key's fingerprint sub-key under the server-wide tenant 0), so the address itself is never
//!   stored in the clear, not even as an index.

use std::sync::Arc;

use helpr_crypto::{KeyStore, RecordRef, WrappedKey};
use helpr_policy::{InboxId, OrgId};
use secrecy::zeroize::Zeroizing;
use tokio::sync::Mutex;

use crate::error::Failure;
use crate::store::{gmail as rows, Db, StoreError};

/// The tenant id keyed MACs that span organizations use (organizations' ids start at 1).
const SERVER_TENANT: i64 = 0;
/// The record kind of an account's sealed fields.
pub const ACCOUNT: &str = "gmail_account";
/// The record kind of a pending connection's sealed verifier.
pub const CONNECT: &str = "gmail_connect";

/// Seals and opens the broker's fields with each organization's tenant key (cheap to clone:
/// every clone shares the keys and the set-up lock).
#[derive(Clone)]
pub struct Sealer {
    keys: Arc<KeyStore>,
    db: Db,
    /// One organization's key is made or loaded at a time (two concurrent first uses must
    /// not each make a key).
    setup: Arc<Mutex<()>>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer")
    }
}

fn crypto(e: helpr_crypto::CryptoError) -> Failure {
    tracing::error!(error = %e, "sealing");
    Failure::internal()
}

impl Sealer {
    pub fn new(keys: Arc<KeyStore>, db: Db) -> Self {
        Sealer {
            keys,
            db,
            setup: Arc::new(Mutex::new(())),
        }
    }

    /// The database the broker's rows are in.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Makes sure `org`'s active tenant key is in memory: loaded from the database, or made
    /// (version 1) and stored wrapped when the organization has none. Another server making
    /// it at the same moment wins the insert; this one then loads theirs.
    pub async fn ready(&self, org: OrgId) -> Result<(), Failure> {
        if self.keys.active_version(org.0).is_ok() {
            return Ok(());
        }
        let _one = self.setup.lock().await;
        if self.keys.active_version(org.0).is_ok() {
            return Ok(());
        }
        let mut stored = self.db.run(move |tx| rows::tenant_keys(tx, org)).await?;
        if stored.is_empty() {
            let wrapped = self.keys.make_tenant_key(org.0, 1);
            let bytes = wrapped.0.clone();
            match self
                .db
                .run(move |tx| rows::insert_tenant_key(tx, org, 1, &bytes))
                .await
            {
                Ok(()) => {
                    self.keys.set_active(org.0, 1).map_err(crypto)?;
                    return Ok(());
                }
                Err(StoreError::Duplicate) => {
                    self.keys.forget_tenant_key(org.0, 1);
                    stored = self.db.run(move |tx| rows::tenant_keys(tx, org)).await?;
                }
                Err(e) => {
                    self.keys.forget_tenant_key(org.0, 1);
                    return Err(e.into());
                }
            }
        }
        let mut newest = None;
        for (version, wrapped) in stored {
            self.keys
                .load_tenant_key(org.0, version, &WrappedKey(wrapped))
                .map_err(crypto)?;
            newest = newest.max(Some(version));
        }
        let newest = newest.ok_or_else(Failure::internal)?;
        self.keys.set_active(org.0, newest).map_err(crypto)
    }

    /// Seals `field` of `kind` record `inbox` (call [`ready`](Self::ready) first).
    pub fn seal(
        &self,
        org: OrgId,
        kind: &str,
        inbox: InboxId,
        field: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Failure> {
        self.seal_record(org, kind, inbox.0, field, plaintext)
    }

    /// Opens what [`seal`](Self::seal) sealed for the same place, as text.
    pub fn open(
        &self,
        org: OrgId,
        kind: &str,
        inbox: InboxId,
        field: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<String>, Failure> {
        let bytes = self.open_record(org, kind, inbox.0, field, sealed)?;
        String::from_utf8(bytes.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| crypto(helpr_crypto::CryptoError::Malformed("not UTF-8")))
    }

    /// Seals `field` of `kind` record `id` (any record of the organization's: an inbox's
    /// account, a secure message); call [`ready`](Self::ready) first.
    pub fn seal_record(
        &self,
        org: OrgId,
        kind: &str,
        id: i64,
        field: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Failure> {
        self.keys
            .seal(org.0, RecordRef::new(kind, id, field), plaintext)
            .map_err(crypto)
    }

    /// Opens what [`seal_record`](Self::seal_record) sealed for the same place.
    pub fn open_record(
        &self,
        org: OrgId,
        kind: &str,
        id: i64,
        field: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Failure> {
        self.keys
            .open(org.0, RecordRef::new(kind, id, field), sealed)
            .map_err(crypto)
    }

    /// The keyed MAC push looks an account up by (the address lower-cased).
    pub fn address_mac(&self, address: &str) -> Vec<u8> {
        self.keys
            .fingerprint(
                SERVER_TENANT,
                "gmail-address",
                address.trim().to_lowercase().as_bytes(),
            )
            .to_vec()
    }
}
