//! Helpers shared by the integration tests: keys, a small tantivy schema, file scanning.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use helpr_crypto::{IndexCipher, Kek, KeyStore};
use tantivy::schema::{Field, Schema, TEXT};
use tantivy::{doc, Index, IndexSettings, IndexWriter};

pub fn cipher() -> IndexCipher {
    KeyStore::new(Kek::make()).derive_index_cipher()
}

/// A schema with one indexed, not stored, text field.
pub fn schema() -> (Schema, Field) {
    let mut b = Schema::builder();
    let body = b.add_text_field("body", TEXT);
    (b.build(), body)
}

/// Indexes `docs` into a new index in `dir` (schema of [`schema`]) and commits.
pub fn build_index<D: tantivy::Directory>(dir: D, docs: &[String]) -> (Index, Field) {
    let (schema, body) = schema();
    build_index_with(dir, schema, body, docs)
}

/// Indexes `docs` into field `body` of a new index in `dir` and commits.
pub fn build_index_with<D: tantivy::Directory>(
    dir: D,
    schema: Schema,
    body: Field,
    docs: &[String],
) -> (Index, Field) {
    let index = Index::create(dir, schema, IndexSettings::default()).expect("create index");
    let mut writer: IndexWriter = index.writer(15_000_000).expect("writer");
    for text in docs {
        writer
            .add_document(doc!(body => text.as_str()))
            .expect("add");
    }
    writer.commit().expect("commit");
    writer.wait_merging_threads().expect("merge threads");
    (index, body)
}

/// Every regular file under `root`, recursively.
pub fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
