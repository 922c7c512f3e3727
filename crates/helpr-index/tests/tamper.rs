//! Tampering with sealed files on disk is always a read error, never wrong data:
//! flipped bits (header, first chunk, last chunk), truncation, swapped chunks, a file copied
//! over another, a wrong key, and a file left unterminated.

mod common;

use std::io::Write;
use std::path::Path;

use helpr_crypto::IndexCipher;
use helpr_index::encrypted_dir::format::{
    CHUNK_SIZE, HEADER_LEN, LENGTH_OFFSET, SEALED_CHUNK_SIZE,
};
use helpr_index::EncryptedDirectory;
use tantivy::directory::{Directory, TerminatingWrite};

/// 3 full chunks and a partial one of recognisable plaintext.
fn plaintext(seed: u8) -> Vec<u8> {
    (0..CHUNK_SIZE * 3 + 1234)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn write_file(root: &Path, cipher: &IndexCipher, name: &str, data: &[u8]) {
    let dir = EncryptedDirectory::open(root, cipher.clone()).unwrap();
    let mut w = dir.open_write(Path::new(name)).unwrap();
    w.write_all(data).unwrap();
    w.terminate().unwrap();
}

/// Reads the whole file through a fresh directory (empty cache), both ways tantivy reads.
fn read(root: &Path, cipher: &IndexCipher, name: &str) -> Result<Vec<u8>, String> {
    let dir = EncryptedDirectory::open(root, cipher.clone()).unwrap();
    let via_slice = dir
        .open_read(Path::new(name))
        .map_err(|e| e.to_string())
        .and_then(|f| f.read_bytes().map_err(|e| e.to_string()))
        .map(|b| b.as_slice().to_vec());
    let via_atomic = dir.atomic_read(Path::new(name)).map_err(|e| e.to_string());
    assert_eq!(via_slice.is_ok(), via_atomic.is_ok());
    if let (Ok(a), Ok(b)) = (&via_slice, &via_atomic) {
        assert_eq!(a, b);
    }
    via_slice
}

fn setup() -> (tempfile::TempDir, IndexCipher, Vec<u8>) {
    let tmp = tempfile::tempdir().unwrap();
    let cipher = common::cipher();
    let data = plaintext(7);
    write_file(tmp.path(), &cipher, "a.idx", &data);
    assert_eq!(read(tmp.path(), &cipher, "a.idx").unwrap(), data);
    (tmp, cipher, data)
}

#[test]
fn one_flipped_bit_anywhere_is_an_error() {
    let (tmp, cipher, _) = setup();
    let path = tmp.path().join("a.idx");
    let original = std::fs::read(&path).unwrap();
    let len = original.len();
    let positions = [
        0,                                  // magic
        4,                                  // version
        6,                                  // nonce prefix
        LENGTH_OFFSET,                      // plaintext length
        HEADER_LEN,                         // first chunk, first ciphertext byte
        HEADER_LEN + 1000,                  // first chunk, middle
        HEADER_LEN + SEALED_CHUNK_SIZE - 1, // first chunk's tag
        HEADER_LEN + SEALED_CHUNK_SIZE + 5, // second chunk
        len - 1300,                         // last chunk, ciphertext
        len - 1,                            // last chunk's tag
    ];
    for pos in positions {
        for bit in [0u8, 7] {
            let mut bytes = original.clone();
            bytes[pos] ^= 1 << bit;
            std::fs::write(&path, &bytes).unwrap();
            assert!(
                read(tmp.path(), &cipher, "a.idx").is_err(),
                "bit {bit} at byte {pos} went unnoticed"
            );
        }
    }
}

#[test]
fn truncation_is_an_error() {
    let (tmp, cipher, data) = setup();
    let path = tmp.path().join("a.idx");
    let original = std::fs::read(&path).unwrap();
    // Drop the last chunk only.
    let last_chunk_start = HEADER_LEN + 3 * SEALED_CHUNK_SIZE;
    std::fs::write(&path, &original[..last_chunk_start]).unwrap();
    assert!(read(tmp.path(), &cipher, "a.idx").is_err());
    // Drop it and rewrite the header's length to match: the new last chunk is not flagged last.
    let mut bytes = original[..last_chunk_start].to_vec();
    bytes[LENGTH_OFFSET..HEADER_LEN].copy_from_slice(&(3 * CHUNK_SIZE as u64).to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    assert!(read(tmp.path(), &cipher, "a.idx").is_err());
    // Cut a few bytes off the end.
    std::fs::write(&path, &original[..original.len() - 3]).unwrap();
    assert!(read(tmp.path(), &cipher, "a.idx").is_err());
    // Restored, it reads again: the errors came from the tampering.
    std::fs::write(&path, &original).unwrap();
    assert_eq!(read(tmp.path(), &cipher, "a.idx").unwrap(), data);
}

#[test]
fn swapped_chunks_are_an_error() {
    let (tmp, cipher, _) = setup();
    let path = tmp.path().join("a.idx");
    let mut bytes = std::fs::read(&path).unwrap();
    let (c0, c1) = (HEADER_LEN, HEADER_LEN + SEALED_CHUNK_SIZE);
    let first = bytes[c0..c1].to_vec();
    let second = bytes[c1..c1 + SEALED_CHUNK_SIZE].to_vec();
    bytes[c0..c1].copy_from_slice(&second);
    bytes[c1..c1 + SEALED_CHUNK_SIZE].copy_from_slice(&first);
    std::fs::write(&path, &bytes).unwrap();
    assert!(read(tmp.path(), &cipher, "a.idx").is_err());
    // A range inside either swapped chunk fails too (random access checks each chunk).
    let dir = EncryptedDirectory::open(tmp.path(), cipher).unwrap();
    let slice = dir.open_read(Path::new("a.idx")).unwrap();
    assert!(slice.read_bytes_slice(10..20).is_err());
    assert!(slice
        .read_bytes_slice(CHUNK_SIZE + 10..CHUNK_SIZE + 20)
        .is_err());
    assert!(slice
        .read_bytes_slice(2 * CHUNK_SIZE + 10..2 * CHUNK_SIZE + 20)
        .is_ok());
}

#[test]
fn a_file_copied_over_another_is_an_error() {
    let (tmp, cipher, data_a) = setup();
    let data_b = plaintext(9);
    assert_eq!(data_a.len(), data_b.len());
    write_file(tmp.path(), &cipher, "b.idx", &data_b);
    assert_eq!(read(tmp.path(), &cipher, "b.idx").unwrap(), data_b);
    std::fs::copy(tmp.path().join("a.idx"), tmp.path().join("b.idx")).unwrap();
    assert!(read(tmp.path(), &cipher, "b.idx").is_err());
    assert_eq!(read(tmp.path(), &cipher, "a.idx").unwrap(), data_a);
}

#[test]
fn a_wrong_key_is_an_error() {
    let (tmp, _, _) = setup();
    assert!(read(tmp.path(), &common::cipher(), "a.idx").is_err());
}

#[test]
fn an_unterminated_file_does_not_open() {
    let tmp = tempfile::tempdir().unwrap();
    let cipher = common::cipher();
    let dir = EncryptedDirectory::open(tmp.path(), cipher.clone()).unwrap();
    let mut w = dir.open_write(Path::new("c.idx")).unwrap();
    w.write_all(&plaintext(1)).unwrap();
    w.flush().unwrap();
    drop(w); // never terminated, as after a crash
    assert!(read(tmp.path(), &cipher, "c.idx").is_err());
}
