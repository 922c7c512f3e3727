//! helpr-index: the search index, isolated from the vault and sealed at rest (DESIGN §4).
//!
//! - [`encrypted_dir`]: [`EncryptedDirectory`], a tantivy `Directory` that stores every file
//!   (`meta.json`, `.managed.json`, segment files) in AES-256-GCM chunks sealed by an
//!   [`helpr_crypto::IndexCipher`]; this crate never sees key bytes.
//! - [`schema`]: [`MailSchema`] and [`MailDoc`]: what is indexed (text indexed, never stored).
//! - [`query`]: the Gmail-like query language: [`query::parse`] with positioned errors,
//!   [`query::compile`] to tantivy inside the access filter.
//! - [`mail_index`]: [`MailIndex`] — open/create in its own folder, search (date or relevance,
//!   paginated, always inside the access filter), ids, stats.
//! - [`mail_writer`]: [`MailWriter`] — add/upsert/delete, commit, and the physical purge of
//!   deleted messages.
//! - [`tokenizer`]: the words of mail text, with CJK script cut into bigrams.
//! - [`error`]: [`IndexError`], the typed errors.

pub mod encrypted_dir;
pub mod error;
pub mod mail_index;
pub mod mail_writer;
pub mod query;
pub mod schema;
pub mod tokenizer;

pub use encrypted_dir::{DirectoryStats, EncryptedDirectory, DEFAULT_CACHE_BYTES};
pub use error::IndexError;
pub use mail_index::{IndexStats, MailIndex, SearchHits, SearchRequest, Sort};
pub use mail_writer::{MailWriter, PurgeReport};
pub use schema::{MailDoc, MailSchema};
