//! The on-disk format of one sealed index file (format version 1).
//!
//! ```text
//! header (21 bytes): magic "HIX1" | version u8 = 1 | nonce prefix [8] | plaintext length u64 LE
//! chunk 0 .. chunk n-1: AES-256-GCM(plaintext[i*16 KiB .. (i+1)*16 KiB]) ‖ tag(16)
//! ```
//!
//! Every chunk but the last holds exactly [`CHUNK_SIZE`] plaintext bytes; the last holds the
//! rest (0 bytes for an empty file: there is always a last chunk, flagged in its AAD). The file
//! size is a strictly increasing function of the plaintext length, so a header whose length was
//! altered no longer matches the file and is rejected before any read; a changed nonce prefix
//! fails every chunk's tag; magic and version are checked on open.

use std::io;

use helpr_crypto::index_cipher::{CHUNK_OVERHEAD, NONCE_PREFIX_LEN};

/// Plaintext bytes per chunk (all but the last). 16 KiB rather than 64: opening an index reads
/// many small footers and headers, and a search process decrypting 64 KiB for each spent ~4 ms
/// more per search at 100k messages (measured); the tag overhead stays at 0.1%.
pub const CHUNK_SIZE: usize = 16 * 1024;
/// The file magic.
pub const MAGIC: &[u8; 4] = b"HIX1";
/// The only format version so far.
pub const FORMAT_VERSION: u8 = 1;
/// Header length in bytes.
pub const HEADER_LEN: usize = 4 + 1 + NONCE_PREFIX_LEN + 8;
/// Offset of the plaintext length in the header (written last, when a file is terminated).
pub const LENGTH_OFFSET: usize = 4 + 1 + NONCE_PREFIX_LEN;
/// Sealed chunk size of a full chunk.
pub const SEALED_CHUNK_SIZE: usize = CHUNK_SIZE + CHUNK_OVERHEAD;
/// The length written while a file is still being written: never matches a real file size.
pub const UNTERMINATED_LENGTH: u64 = u64::MAX;

/// The parsed header of a sealed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub nonce_prefix: [u8; NONCE_PREFIX_LEN],
    pub plaintext_len: u64,
}

impl Header {
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..4].copy_from_slice(MAGIC);
        out[4] = FORMAT_VERSION;
        out[5..LENGTH_OFFSET].copy_from_slice(&self.nonce_prefix);
        out[LENGTH_OFFSET..].copy_from_slice(&self.plaintext_len.to_le_bytes());
        out
    }

    /// Parses a header and checks it against the sealed file's size.
    pub fn decode(bytes: &[u8; HEADER_LEN], file_size: u64) -> io::Result<Header> {
        if &bytes[..4] != MAGIC {
            return Err(invalid("not a sealed index file (bad magic)"));
        }
        if bytes[4] != FORMAT_VERSION {
            return Err(invalid("unknown sealed index file version"));
        }
        let nonce_prefix = bytes[5..LENGTH_OFFSET].try_into().expect("8 bytes");
        let plaintext_len = u64::from_le_bytes(bytes[LENGTH_OFFSET..].try_into().expect("8"));
        if sealed_len(plaintext_len) != Some(file_size) {
            return Err(invalid(
                "sealed index file size does not match its header (truncated or tampered)",
            ));
        }
        Ok(Header {
            nonce_prefix,
            plaintext_len,
        })
    }
}

/// Number of chunks of a file of `plaintext_len` bytes (at least 1).
pub fn chunk_count(plaintext_len: u64) -> u64 {
    plaintext_len.div_ceil(CHUNK_SIZE as u64).max(1)
}

/// Total sealed size of a file of `plaintext_len` bytes, `None` if it would overflow.
pub fn sealed_len(plaintext_len: u64) -> Option<u64> {
    let tags = chunk_count(plaintext_len).checked_mul(CHUNK_OVERHEAD as u64)?;
    plaintext_len
        .checked_add(tags)?
        .checked_add(HEADER_LEN as u64)
}

/// Offset of chunk `index` in the sealed file.
pub fn chunk_offset(index: u64) -> u64 {
    HEADER_LEN as u64 + index * SEALED_CHUNK_SIZE as u64
}

/// Plaintext length of chunk `index` of a file of `plaintext_len` bytes.
pub fn chunk_plain_len(plaintext_len: u64, index: u64) -> usize {
    let start = index * CHUNK_SIZE as u64;
    (plaintext_len.saturating_sub(start)).min(CHUNK_SIZE as u64) as usize
}

pub fn invalid(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(chunk_count(0), 1);
        assert_eq!(chunk_count(CHUNK_SIZE as u64), 1);
        assert_eq!(chunk_count(CHUNK_SIZE as u64 + 1), 2);
        assert_eq!(sealed_len(0), Some(HEADER_LEN as u64 + 16));
        assert_eq!(chunk_plain_len(CHUNK_SIZE as u64 + 5, 1), 5);
        assert_eq!(chunk_plain_len(0, 0), 0);
        assert_eq!(sealed_len(UNTERMINATED_LENGTH), None);
        // Strictly increasing, so a changed length never matches the file size.
        for l in [0u64, 1, 65535, 65536, 65537, 131072] {
            assert!(sealed_len(l).unwrap() < sealed_len(l + 1).unwrap());
        }
    }

    #[test]
    fn header_round_trip_and_checks() {
        let h = Header {
            nonce_prefix: [1, 2, 3, 4, 5, 6, 7, 8],
            plaintext_len: 70_000,
        };
        let size = sealed_len(70_000).unwrap();
        let enc = h.encode();
        assert_eq!(Header::decode(&enc, size).unwrap(), h);
        assert!(Header::decode(&enc, size - 1).is_err());
        let mut bad = enc;
        bad[0] ^= 1;
        assert!(Header::decode(&bad, size).is_err());
        let mut bad = enc;
        bad[4] = 2;
        assert!(Header::decode(&bad, size).is_err());
    }
}
