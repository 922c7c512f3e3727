//! A real tantivy index inside the EncryptedDirectory: commit, reopen, search.

mod common;

use helpr_index::encrypted_dir::format::MAGIC;
use helpr_index::EncryptedDirectory;
use tantivy::collector::Count;
use tantivy::query::{QueryParser, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Index, Term};

fn docs() -> Vec<String> {
    (0..300)
        .map(|i| {
            let topic = if i % 3 == 0 {
                "invoice overdue"
            } else {
                "lunch"
            };
            format!("message number w{i} about {topic} from team")
        })
        .collect()
}

#[test]
fn index_commit_reopen_search() {
    let tmp = tempfile::tempdir().unwrap();
    let cipher = common::cipher();
    let dir = EncryptedDirectory::open(tmp.path(), cipher.clone()).unwrap();
    let (index, body) = common::build_index(dir, &docs());

    let count = |index: &Index| {
        let searcher = index.reader().unwrap().searcher();
        let term =
            |w: &str| TermQuery::new(Term::from_field_text(body, w), IndexRecordOption::Basic);
        let phrase = QueryParser::for_index(index, vec![body])
            .parse_query("\"invoice overdue\"")
            .unwrap();
        (
            searcher.search(&term("invoice"), &Count).unwrap(),
            searcher.search(&term("lunch"), &Count).unwrap(),
            searcher.search(&term("w7"), &Count).unwrap(),
            searcher.search(&term("absent"), &Count).unwrap(),
            searcher.search(&phrase, &Count).unwrap(),
        )
    };
    assert_eq!(count(&index), (100, 200, 1, 0, 100));
    drop(index);

    // A fresh directory over the same folder and key (new cache) reads the same index.
    let reopened = Index::open(EncryptedDirectory::open(tmp.path(), cipher).unwrap()).unwrap();
    assert_eq!(count(&reopened), (100, 200, 1, 0, 100));

    // Every file with content is sealed, meta.json and .managed.json included.
    let names: Vec<String> = common::files(tmp.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&"meta.json".to_string()), "{names:?}");
    assert!(names.contains(&".managed.json".to_string()), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with(".idx")), "{names:?}");
    for path in common::files(tmp.path()) {
        let bytes = std::fs::read(&path).unwrap();
        if path.extension().is_some_and(|e| e == "lock") {
            assert!(bytes.is_empty(), "lock files carry no content");
        } else {
            assert_eq!(&bytes[..4], MAGIC, "{path:?} is not sealed");
        }
    }
}

#[test]
fn wrong_key_cannot_open_the_index() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = EncryptedDirectory::open(tmp.path(), common::cipher()).unwrap();
    drop(common::build_index(dir, &docs()));
    let other = EncryptedDirectory::open(tmp.path(), common::cipher()).unwrap();
    assert!(Index::open(other).is_err());
}

#[test]
fn tampered_meta_json_fails_to_open() {
    let tmp = tempfile::tempdir().unwrap();
    let cipher = common::cipher();
    let dir = EncryptedDirectory::open(tmp.path(), cipher.clone()).unwrap();
    drop(common::build_index(dir, &docs()));
    let meta = tmp.path().join("meta.json");
    let mut bytes = std::fs::read(&meta).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&meta, bytes).unwrap();
    assert!(Index::open(EncryptedDirectory::open(tmp.path(), cipher).unwrap()).is_err());
}

#[test]
fn second_writer_is_refused_while_the_lock_is_held() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = EncryptedDirectory::open(tmp.path(), common::cipher()).unwrap();
    let (index, _) = common::build_index(dir, &docs());
    let writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
    assert!(index
        .writer::<tantivy::TantivyDocument>(15_000_000)
        .is_err());
    drop(writer);
    assert!(index.writer::<tantivy::TantivyDocument>(15_000_000).is_ok());
}
