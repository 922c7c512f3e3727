//! Zero plaintext at rest: a canary word indexed into the EncryptedDirectory appears nowhere in
//! its files (raw, UTF-16LE, base64), while the same documents in tantivy's plain
//! `MmapDirectory` do contain it — the control that proves the scan can see it.
//!
//! The text is also STORED here (unlike helpr's real schema): tantivy's FST term dictionary
//! does not keep a term's bytes contiguous, so the stored copy is what makes the control
//! visible — and the encrypted side must hide the term dictionary and the doc store alike.

mod common;

use std::path::Path;

use base64::Engine;
use helpr_index::EncryptedDirectory;
use tantivy::collector::Count;
use tantivy::directory::MmapDirectory;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Schema, STORED, TEXT};
use tantivy::Term;

const CANARY: &str = "zqxcanaryvortexplum";

fn build<D: tantivy::Directory>(dir: D) -> (tantivy::Index, tantivy::schema::Field) {
    let mut b = Schema::builder();
    let body = b.add_text_field("body", TEXT | STORED);
    common::build_index_with(dir, b.build(), body, &docs())
}

fn docs() -> Vec<String> {
    (0..200)
        .map(|i| {
            if i % 10 == 0 {
                format!("quarterly report {CANARY} number {i}")
            } else {
                format!("ordinary mail number {i} about lunch")
            }
        })
        .collect()
}

/// Byte patterns that would reveal the canary: raw, UTF-16LE, and base64 at each alignment
/// (the middle of the encoding, which does not depend on neighbouring bytes).
fn needles() -> Vec<Vec<u8>> {
    let mut out = vec![CANARY.as_bytes().to_vec()];
    out.push(CANARY.encode_utf16().flat_map(u16::to_le_bytes).collect());
    for pad in 0..3 {
        let mut input = vec![b' '; pad];
        input.extend_from_slice(CANARY.as_bytes());
        let enc = base64::engine::general_purpose::STANDARD.encode(&input);
        out.push(enc.as_bytes()[4..enc.len() - 4].to_vec());
    }
    out
}

/// Files in `root` containing any needle.
fn hits(root: &Path) -> Vec<String> {
    let needles = needles();
    common::files(root)
        .into_iter()
        .filter(|p| {
            let bytes = std::fs::read(p).unwrap();
            needles.iter().any(|n| common::contains(&bytes, n))
        })
        .map(|p| p.display().to_string())
        .collect()
}

#[test]
fn canary_never_reaches_disk() {
    // Control: the plain directory holds the canary somewhere (term dictionary).
    let plain_tmp = tempfile::tempdir().unwrap();
    let plain = MmapDirectory::open(plain_tmp.path()).unwrap();
    let (plain_index, _) = build(plain);
    drop(plain_index);
    assert!(
        !hits(plain_tmp.path()).is_empty(),
        "control failed: the scan cannot see the canary in a plain index"
    );

    let tmp = tempfile::tempdir().unwrap();
    let dir = EncryptedDirectory::open(tmp.path(), common::cipher()).unwrap();
    let (index, body) = build(dir);
    // The canary is really indexed: it is searchable.
    let searcher = index.reader().unwrap().searcher();
    let q = TermQuery::new(
        Term::from_field_text(body, CANARY),
        IndexRecordOption::Basic,
    );
    assert_eq!(searcher.search(&q, &Count).unwrap(), 20);
    drop(searcher);
    drop(index);

    assert!(common::files(tmp.path()).len() > 3);
    assert_eq!(hits(tmp.path()), Vec::<String>::new());
}
