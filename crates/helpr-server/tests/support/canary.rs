//! Looking for plaintext at rest: every form a canary could take in a file (its bytes, UTF-16,
//! base64 standard and URL-safe at each alignment), and every file under a directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine as _;

/// Every form a canary could take in a file: its bytes, UTF-16, and base64 (standard and
/// URL-safe) at each of the three alignments it could start at.
pub fn forms(canary: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![canary.to_vec()];
    if let Ok(text) = std::str::from_utf8(canary) {
        out.push(text.encode_utf16().flat_map(u16::to_le_bytes).collect());
    }
    for pad in 0..3 {
        let mut bytes = vec![b'x'; pad];
        bytes.extend_from_slice(canary);
        for engine in [&STANDARD, &URL_SAFE] {
            let encoded = engine.encode(&bytes);
            // Skip the characters the padding touched and the unstable tail.
            let core = &encoded[(pad * 4).div_ceil(3) + 1..encoded.len() - 4];
            out.push(core.as_bytes().to_vec());
        }
    }
    out
}

/// Whether `bytes` hold `canary` in any of its [`forms`].
pub fn found(bytes: &[u8], canary: &[u8]) -> bool {
    forms(canary)
        .iter()
        .any(|f| bytes.windows(f.len()).any(|w| w == f.as_slice()))
}

/// Every file under `dir`.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Each canary found in a file under `dir`, with the file; and how many bytes were scanned.
pub fn scan(dir: &Path, canaries: &[&[u8]]) -> (Vec<String>, usize) {
    let mut scanned = 0;
    let mut hits = Vec::new();
    for file in files(dir) {
        let bytes = std::fs::read(&file).unwrap();
        scanned += bytes.len();
        for canary in canaries {
            if found(&bytes, canary) {
                hits.push(format!(
                    "{} in {}",
                    String::from_utf8_lossy(&canary[..canary.len().min(40)]),
                    file.display()
                ));
            }
        }
    }
    (hits, scanned)
}
