//! helpr-vault: the encrypted local store.
//!
//! SQLCipher (through rusqlite) opened with a raw key derived from the keychain KEK; every
//! content field additionally sealed with the tenant's DEK (helpr-crypto), so the database never
//! holds plaintext content even for someone holding the SQLCipher key.
//!
//! - [`layout`]: the files of a data dir (`vault.json`, `vault.db`).
//! - [`open`]: create/open, fail-closed unlock, connection set-up, one writer + pooled readers.
//! - [`migrations`]: forward-only, versioned schema (`STRICT` tables).
//! - [`messages`], [`attachments`], [`labels`]: sealed records; [`delete`]: hard delete.
//! - [`index_feed`]: what the search indexer reads, and its outbox (`index_queue`).
//! - [`gmail`]: Gmail accounts (sealed configuration and refresh token) and sync state;
//!   [`gmail_sync`]: one sync batch and its checkpoint in one transaction.
//! - [`team`]: the sign-in to a team server and its last snapshot (sealed), and which local
//!   inbox holds each of the server's shared inboxes.
//! - [`secure`]: secure messages sent from this vault: both halves of each key and its last
//!   status (sealed), its conversation, how many of its entries are stored as messages.
//! - [`keys`]: key versions, O(1) rotation, resumable retirement.
//! - [`doctor`]: integrity and counts.
//! - [`conversations`]: the list's pages, threads and counts; `stamped` keeps the list's
//!   order between pages, and the counts between refreshes, until the database changes.
//! - `sqlite_setup`: SQLite's process-wide set-up (OpenSSL options), started while the keychain
//!   answers.

pub mod attachments;
pub mod audit;
mod cached;
pub mod conversations;
pub mod delete;
pub mod doctor;
pub mod drafts;
mod error;
pub mod gmail;
pub mod gmail_outbox;
pub mod gmail_sync;
mod ids;
pub mod image_senders;
pub mod inbox_lifecycle;
pub mod index_feed;
pub mod kept;
pub mod keys;
pub mod labels;
pub mod layout;
pub mod lifecycle;
pub mod messages;
pub mod migrations;
pub mod notify;
pub mod open;
pub mod read_state;
mod readers;
mod scope;
pub mod secure;
mod sqlite_setup;
mod stamped;
pub mod team;
mod tenants;

pub use attachments::{NewAttachment, StoredAttachment};
pub use audit::{AuditEntry, AuditEvent, AuditFilter, AuditVerdict};
pub use conversations::{
    ConversationFilter, ConversationPage, InboxCounts, LabelCounts, StoredConversation,
};
pub use doctor::DoctorReport;
pub use drafts::{DraftPlace, StoredDraft};
pub use error::VaultError;
pub use gmail::{AccountState, GmailAccount, SyncStatus};
pub use gmail_outbox::{OutboxAction, OutboxEntry, OutboxState};
pub use gmail_sync::{GmailApplied, GmailBatch, GmailLabelChange};
pub use inbox_lifecycle::{InboxState, TrashedInbox};
pub use index_feed::IndexSource;
pub use kept::KeptMessage;
pub use keys::{KeyVersionInfo, RetireControl, RetireOutcome, RetireProgress};
pub use lifecycle::{Act, Target, TrashItem};
pub use messages::{InsertOutcome, Kept, NewMessage, StoredMessage, StoredSummary};
pub use notify::NewMail;
pub use open::Vault;
pub use scope::Scope;
pub use secure::SecureRecord;
pub use team::TeamLinkRecord;
pub use tenants::{InboxInfo, TenantInfo};

/// Seconds since the Unix epoch, for `created_at` columns.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod conversations_tests;
#[cfg(test)]
mod delete_tests;
#[cfg(test)]
mod gmail_tests;
#[cfg(test)]
mod index_feed_tests;
#[cfg(test)]
mod kept_tests;
#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod read_path_tests;
#[cfg(test)]
mod tamper_tests;
#[cfg(test)]
mod test_support;
