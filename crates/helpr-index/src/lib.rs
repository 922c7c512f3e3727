//! helpr-index: the search index, isolated from the vault and sealed at rest (DESIGN §4).
//!
//! - [`encrypted_dir`]: [`EncryptedDirectory`], a tantivy `Directory` that stores every file
//!   (`meta.json`, `.managed.json`, segment files) in AES-256-GCM chunks sealed by an
//!   [`helpr_crypto::IndexCipher`]; this crate never sees key bytes.
//! - [`schema`]: [`MailSchema`] and [`MailDoc`]: what is indexed (text indexed, never stored).
//!
//! - [`query`]: the Gmail-like query language: [`query::parse`] with positioned errors,
//!   [`query::compile`] to tantivy inside the access filter.
//!
//! Wiring into import, purge, rebuild and the CLI come next (issue 4).

pub mod encrypted_dir;
pub mod query;
pub mod schema;

pub use encrypted_dir::{DirectoryStats, EncryptedDirectory, DEFAULT_CACHE_BYTES};
pub use schema::{MailDoc, MailSchema};
