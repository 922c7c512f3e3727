//! helpr-core: the one application API (DESIGN §1) used by the CLI, the desktop shell and tests.
//!
//! [`Helpr`] wraps an unlocked vault and its tenant; every operation runs its blocking work
//! off the async runtime. Views ([`MessageSummary`], [`MessageView`]) are what the edges show;
//! errors carry a stable [`CoreError::code`] for the edges to branch on.
//!
//! - [`error`]: `CoreError` and the `{code, message}` payload.
//! - [`views`]: the serializable views.
//! - [`import`]: the import pipeline (sources → parse/sanitize in parallel → vault → index).
//! - [`keys`]: key versions, rotation and retirement.
//! - [`conversations`]: the sidebar, the conversation list a page at a time, one thread.
//! - [`search`]: Gmail-like search over the encrypted index, resolved through the vault.
//! - [`lifecycle`]: soft delete, restore, trash, purge, the grace period and the audit trail.
//! - [`clock`]: the time lifecycle decisions use (settable in tests with `test-clock`).
//! - [`kept`]: messages the pipeline could not display, kept with their source; reprocess.
//! - [`rebuild`]: recreating the index from the vault, resumable.
//! - [`indexing`]: keeping the index in step with the vault (queue replay at start, reconcile).
//! - [`gmail`]: Gmail accounts: connect, sync into the vault and index, health, disconnect.
//! - [`send`]: sending from a Gmail account (SMTP XOAUTH2), replies threaded, the sent copy
//!   stored and searchable at once.
//! - [`index_stats`]: index statistics and the index half of `doctor`.
//! - [`labels`]: labels applied or removed in helpr, owed to Gmail through the outbox.
//! - [`notify`]: new-mail notifications, opt-in per inbox; content only when allowed.
//! - [`team`]: team mode: sign-in to a team server, its snapshots applied (what it takes away
//!   purged at once), the live socket.

pub mod clock;
pub mod conversations;
pub mod drafts;
mod error;
pub mod gmail;
pub mod import;
mod index_stats;
pub mod indexing;
pub mod inline;
pub mod kept;
pub mod keys;
pub mod labels;
pub mod lifecycle;
pub mod notify;
pub mod read_state;
pub mod rebuild;
pub mod remote_images;
pub mod save;
pub mod search;
pub mod send;
pub mod team;
mod views;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use helpr_vault::{Scope, Vault};

/// A user's unlocks closer together than this make one audit entry.
const UNLOCK_AUDIT_SECS: i64 = 3_600;

pub use conversations::{
    ConversationPage, ConversationQuery, ConversationSummary, SidebarInbox, SidebarLabel,
    ThreadView, MAX_CONVERSATION_PAGE,
};
pub use drafts::{ComposeMode, Draft, DraftAttachment, DraftSummary, SecureChoice};
pub use error::{CoreError, ErrorPayload};
pub use gmail::{InboxHealth, SyncOptions, SyncOutcome, SyncProgressFn, SyncStats};
#[cfg(target_os = "linux")]
pub use helpr_crypto::session_bus;
pub use helpr_gmail::sync::{Phase as SyncPhase, Progress as SyncProgress};
pub use helpr_gmail::GmailConfig;
pub use helpr_vault::AccountState;
pub use helpr_vault::TrashedInbox;
pub use helpr_vault::{AuditEntry, AuditFilter, AuditVerdict, Target};
pub use import::{ImportProgress, ImportReport, KeptItem, RejectedItem};
pub use index_stats::{DoctorView, IndexHealth, IndexStatsView};
pub use indexing::{lost_messages_warning, IndexRepair};
pub use inline::InlineImage;
pub use kept::{ReprocessReport, StillKept};
pub use keys::{KeyVersionInfo, RetireControl, RetireOutcome, RetireProgress};
pub use lifecycle::{AuditQuery, Deleted, Purged, Restored, Trash, TrashView};
pub use notify::{NewMailNotice, NotificationSettings, WatchedInbox};
pub use read_state::Marked;
pub use rebuild::{RebuildControl, RebuildProgress, RebuildReport};
pub use search::{SearchOptions, SearchPage, SearchSort, MAX_SEARCH_LIMIT};
pub use send::{OutgoingAttachment, SendRequest, SentView};
pub use views::{AboutView, AttachmentInfo, MessageSummary, MessageView};

/// Sanitizes HTML exactly as the import/sync pipeline does (no vault needed).
pub fn sanitize_html(html: &str) -> String {
    helpr_mail::sanitize_html(html)
}

/// An open helpr vault for one tenant, and its search index. Cheap to clone; `Send + Sync`.
#[derive(Clone, Debug)]
pub struct Helpr {
    vault: Arc<Vault>,
    tenant: i64,
    index: Arc<indexing::SearchIndex>,
    /// Who this process acts as in the audit trail.
    actor: Arc<str>,
    /// When this process last purged expired items (see [`Helpr::purge_if_due`]).
    last_purge: Arc<std::sync::atomic::AtomicI64>,
}

/// Runs blocking vault work on tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CoreError> + Send + 'static,
) -> Result<T, CoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CoreError::Internal(format!("background task failed: {e}")))?
}

impl Helpr {
    /// The platform's data dir for helpr (e.g. `~/.local/share/helpr` on Linux).
    pub fn default_data_dir() -> PathBuf {
        directories::ProjectDirs::from("app", "helpr", "helpr")
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from(".helpr"))
    }

    /// Creates a vault in `data_dir` with tenant `tenant`; refuses to overwrite.
    pub async fn init(data_dir: &Path, tenant: &str) -> Result<Helpr, CoreError> {
        let dir = data_dir.to_path_buf();
        let tenant = tenant.to_string();
        blocking(move || {
            let vault = Vault::create(&dir, &tenant)?;
            Self::from_vault(vault)
        })
        .await
    }

    /// Opens (unlocks) the vault in `data_dir`. Fails closed with `vault_locked`.
    pub async fn open(data_dir: &Path) -> Result<Helpr, CoreError> {
        let dir = data_dir.to_path_buf();
        blocking(move || Self::from_vault(Vault::open(&dir)?)).await
    }

    /// Wraps an unlocked vault, then repairs the index if a crash left it behind the vault.
    fn from_vault(vault: Vault) -> Result<Helpr, CoreError> {
        let tenant = vault.default_tenant()?.id;
        let helpr = Helpr {
            index: Arc::new(indexing::SearchIndex::new(&vault)),
            vault: Arc::new(vault),
            tenant,
            actor: clock::actor().into(),
            last_purge: Arc::new(std::sync::atomic::AtomicI64::new(clock::now())),
        };
        {
            let _phase =
                tracing::debug_span!(target: "helpr::phase", "index_queue_replay").entered();
            helpr.repair_index_on_start();
        }
        {
            let _phase = tracing::debug_span!(target: "helpr::phase", "audit_unlock").entered();
            // Who unlocked the vault, at most once an hour per user in the trail.
            if let Err(e) = helpr
                .vault
                .audit_unlock(tenant, helpr.act(), UNLOCK_AUDIT_SECS)
            {
                tracing::warn!("the unlock was not audited: {e}");
            }
        }
        {
            let _phase = tracing::debug_span!(target: "helpr::phase", "purge_expired").entered();
            // What outlived its grace period goes at every start. A purge that cannot run now
            // (another process holds the index writer) runs at a later start.
            if let Err(e) = helpr.purge_expired_blocking() {
                tracing::warn!(code = e.code(), "expired items were not purged yet: {e}");
            }
        }
        Ok(helpr)
    }

    /// What the caller may see: today every inbox of the tenant (the seam for team ACLs).
    fn scope(&self) -> Result<Scope, CoreError> {
        Ok(Scope {
            tenant: self.tenant,
            inboxes: self.vault.inbox_ids(self.tenant)?,
        })
    }

    /// Runs `f` with the vault on the blocking pool.
    async fn with_vault<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Helpr) -> Result<T, CoreError> + Send + 'static,
    ) -> Result<T, CoreError> {
        let this = self.clone();
        blocking(move || f(&this)).await
    }

    /// Every message, newest first.
    pub async fn list_messages(&self) -> Result<Vec<MessageSummary>, CoreError> {
        self.list_messages_page(u32::MAX, 0).await
    }

    /// One page of messages, newest first.
    pub async fn list_messages_page(
        &self,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<MessageSummary>, CoreError> {
        self.with_vault(move |h| {
            Ok(h.vault
                .list_messages(&h.scope()?, limit, offset)?
                .into_iter()
                .map(MessageSummary::from)
                .collect())
        })
        .await
    }

    /// One message, decrypted.
    pub async fn get_message(&self, id: i64) -> Result<MessageView, CoreError> {
        self.with_vault(move |h| MessageView::load(&h.vault, &h.scope()?, id))
            .await
    }

    /// An attachment's bytes, decrypted in memory.
    pub async fn read_attachment(&self, id: i64) -> Result<Vec<u8>, CoreError> {
        self.with_vault(move |h| Ok(h.vault.read_attachment(&h.scope()?, id)?))
            .await
    }

    /// Version, data directory and vault id.
    pub fn about(&self) -> AboutView {
        AboutView {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: self.vault.dir().display().to_string(),
            vault_id: self.vault_id(),
        }
    }

    /// The vault's id (names its keychain entry).
    pub fn vault_id(&self) -> String {
        self.vault.id().to_string()
    }
}
