//! helpr-index: the search index, isolated from the vault and sealed at rest (DESIGN §4).
//!
//! - [`encrypted_dir`]: [`EncryptedDirectory`], a tantivy `Directory` that stores every file
//!   (`meta.json`, `.managed.json`, segment files) in AES-256-GCM chunks sealed by an
//!   [`helpr_crypto::IndexCipher`]; this crate never sees key bytes.
//!
//! Schema, query language, wiring into import, purge and rebuild come later (issue 4).

pub mod encrypted_dir;

pub use encrypted_dir::{DirectoryStats, EncryptedDirectory, DEFAULT_CACHE_BYTES};
