//! Random-access reads decrypt only the chunks a range touches; the plaintext cache keeps
//! within its byte bound; directory contract details (missing files, exclusive create, delete).

mod common;

use std::io::Write;
use std::path::Path;

use helpr_index::encrypted_dir::format::CHUNK_SIZE;
use helpr_index::EncryptedDirectory;
use tantivy::directory::error::{DeleteError, OpenReadError, OpenWriteError};
use tantivy::directory::{Directory, TerminatingWrite};
use tantivy::HasLen;

fn data(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i % 251) as u8 ^ (i / 251) as u8)
        .collect()
}

fn write(dir: &EncryptedDirectory, name: &str, bytes: &[u8]) {
    let mut w = dir.open_write(Path::new(name)).unwrap();
    // Odd-sized writes, so chunk boundaries fall inside writes.
    for part in bytes.chunks(7777) {
        w.write_all(part).unwrap();
    }
    w.terminate().unwrap();
}

#[test]
fn a_range_across_a_chunk_boundary_decrypts_only_its_chunks() {
    let tmp = tempfile::tempdir().unwrap();
    let cipher = common::cipher();
    let plain = data(CHUNK_SIZE * 5 + 321);
    write(
        &EncryptedDirectory::open(tmp.path(), cipher.clone()).unwrap(),
        "big.bin",
        &plain,
    );

    let dir = EncryptedDirectory::open(tmp.path(), cipher).unwrap();
    let file = dir.open_read(Path::new("big.bin")).unwrap();
    assert_eq!(file.len(), plain.len());
    assert_eq!(dir.stats().chunks_decrypted, 0, "opening decrypts nothing");

    let range = 2 * CHUNK_SIZE - 100..2 * CHUNK_SIZE + 50;
    let got = file.read_bytes_slice(range.clone()).unwrap();
    assert_eq!(got.as_slice(), &plain[range.clone()]);
    assert_eq!(dir.stats().chunks_decrypted, 2, "chunks 1 and 2 only");

    // Again: served from the cache.
    let again = file.read_bytes_slice(range.clone()).unwrap();
    assert_eq!(again.as_slice(), &plain[range]);
    assert_eq!(dir.stats().chunks_decrypted, 2);
    assert_eq!(dir.stats().cache_hits, 2);

    // Within one chunk: one more decryption.
    let inner = 4 * CHUNK_SIZE + 10..4 * CHUNK_SIZE + 20;
    assert_eq!(
        file.read_bytes_slice(inner.clone()).unwrap().as_slice(),
        &plain[inner]
    );
    assert_eq!(dir.stats().chunks_decrypted, 3);

    // The last, partial chunk and the whole file.
    let tail = plain.len() - 10..plain.len();
    assert_eq!(
        file.read_bytes_slice(tail.clone()).unwrap().as_slice(),
        &plain[tail]
    );
    assert_eq!(file.read_bytes().unwrap().as_slice(), &plain[..]);
    assert_eq!(
        dir.stats().chunks_decrypted,
        6,
        "each of 6 chunks decrypted once"
    );

    // Out of bounds (asked of the handle itself; FileSlice asserts first) is an error.
    let handle = dir.get_file_handle(Path::new("big.bin")).unwrap();
    assert!(handle.read_bytes(plain.len() - 1..plain.len() + 1).is_err());
}

#[test]
fn the_cache_stays_within_its_byte_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let cipher = common::cipher();
    let plain = data(CHUNK_SIZE * 10);
    write(
        &EncryptedDirectory::open(tmp.path(), cipher.clone()).unwrap(),
        "big.bin",
        &plain,
    );
    let bound = 3 * CHUNK_SIZE + 100;
    let dir = EncryptedDirectory::open_with_cache(tmp.path(), cipher, bound).unwrap();
    assert_eq!(dir.stats().cache_capacity, bound);
    let file = dir.open_read(Path::new("big.bin")).unwrap();
    for i in 0..10 {
        let r = i * CHUNK_SIZE..i * CHUNK_SIZE + 8;
        assert_eq!(
            file.read_bytes_slice(r.clone()).unwrap().as_slice(),
            &plain[r]
        );
        let stats = dir.stats();
        assert!(stats.cache_bytes <= bound, "{stats:?}");
        assert_eq!(stats.cache_chunks, (i + 1).min(3));
    }
    let whole = file.read_bytes().unwrap();
    assert_eq!(whole.as_slice(), &plain[..]);
    assert!(dir.stats().cache_bytes <= bound);

    // Least recently used goes first: chunk 9 is cached, chunk 0 was evicted.
    let before = dir.stats().chunks_decrypted;
    file.read_bytes_slice(9 * CHUNK_SIZE..9 * CHUNK_SIZE + 1)
        .unwrap();
    assert_eq!(dir.stats().chunks_decrypted, before);
    file.read_bytes_slice(0..1).unwrap();
    assert_eq!(dir.stats().chunks_decrypted, before + 1);
}

#[test]
fn directory_contract() {
    let tmp = tempfile::tempdir().unwrap();
    let cipher = common::cipher();
    let dir = EncryptedDirectory::open(tmp.path(), cipher.clone()).unwrap();
    let missing = Path::new("missing.idx");
    assert!(matches!(
        dir.open_read(missing),
        Err(OpenReadError::FileDoesNotExist(_))
    ));
    assert!(matches!(
        dir.atomic_read(missing),
        Err(OpenReadError::FileDoesNotExist(_))
    ));
    assert!(matches!(
        dir.delete(missing),
        Err(DeleteError::FileDoesNotExist(_))
    ));
    assert!(!dir.exists(missing).unwrap());

    write(&dir, "x.idx", b"");
    assert!(dir.exists(Path::new("x.idx")).unwrap());
    assert_eq!(dir.open_read(Path::new("x.idx")).unwrap().len(), 0);
    assert!(matches!(
        dir.open_write(Path::new("x.idx")),
        Err(OpenWriteError::FileAlreadyExists(_))
    ));
    dir.delete(Path::new("x.idx")).unwrap();
    assert!(!dir.exists(Path::new("x.idx")).unwrap());

    // Exactly one chunk's worth: a single chunk, flagged last.
    write(&dir, "one.idx", &data(CHUNK_SIZE));
    assert_eq!(
        dir.atomic_read(Path::new("one.idx")).unwrap(),
        data(CHUNK_SIZE)
    );

    // atomic_write replaces content, leaves no temp file, and fires watchers for meta.json
    // (delivered on tantivy's watch thread: the test blocks on the channel, no timer).
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let _handle = dir
        .watch(tantivy::directory::WatchCallback::new(move || {
            let _ = tx.lock().unwrap().send(());
        }))
        .unwrap();
    dir.atomic_write(Path::new("other.json"), b"{}").unwrap();
    dir.atomic_write(Path::new("meta.json"), b"{\"v\":1}")
        .unwrap();
    dir.atomic_write(Path::new("meta.json"), b"{\"v\":2}")
        .unwrap();
    rx.recv().unwrap();
    rx.recv().unwrap();
    assert_eq!(
        dir.atomic_read(Path::new("meta.json")).unwrap(),
        b"{\"v\":2}"
    );
    assert_eq!(dir.atomic_read(Path::new("other.json")).unwrap(), b"{}");
    let names: Vec<_> = common::files(tmp.path());
    assert!(
        names
            .iter()
            .all(|p| !p.to_string_lossy().ends_with(".hix-tmp")),
        "{names:?}"
    );
    dir.sync_directory().unwrap();
}
