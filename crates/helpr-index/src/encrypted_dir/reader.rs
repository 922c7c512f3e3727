//! Reading sealed files: header check on open, then random-access reads that decrypt only the
//! chunks a range touches, through the directory's shared chunk cache.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use helpr_crypto::index_cipher::{CHUNK_OVERHEAD, NONCE_PREFIX_LEN};
use tantivy::directory::{FileHandle, OwnedBytes};
use tantivy::HasLen;

use super::chunk_cache::ChunkKey;
use super::format::{self, Header, CHUNK_SIZE, HEADER_LEN};
use super::Shared;

/// An open sealed file. Keeps its `File` open, so a reader survives the file's deletion
/// (tantivy's garbage collection) as with `MmapDirectory`.
pub struct SealedFile {
    shared: Arc<Shared>,
    file: File,
    name: Arc<str>,
    nonce_prefix: [u8; NONCE_PREFIX_LEN],
    plaintext_len: u64,
}

impl std::fmt::Debug for SealedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SealedFile({:?}, {} bytes)",
            self.name, self.plaintext_len
        )
    }
}

fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}

impl SealedFile {
    /// Opens `full_path` (named `name` in the AAD) and checks its header. `NotFound` is passed
    /// through so the caller can map it to tantivy's `FileDoesNotExist`.
    pub fn open(shared: Arc<Shared>, full_path: &Path, name: &str) -> io::Result<SealedFile> {
        let file = File::open(full_path)?;
        let size = file.metadata()?.len();
        if size < HEADER_LEN as u64 {
            return Err(format::invalid("sealed index file shorter than its header"));
        }
        let mut header = [0u8; HEADER_LEN];
        read_exact_at(&file, &mut header, 0)?;
        let Header {
            nonce_prefix,
            plaintext_len,
        } = Header::decode(&header, size)?;
        Ok(SealedFile {
            shared,
            file,
            name: Arc::from(name),
            nonce_prefix,
            plaintext_len,
        })
    }

    fn chunk_count(&self) -> u64 {
        format::chunk_count(self.plaintext_len)
    }

    /// Reads and opens chunk `index` from disk (no cache).
    fn decrypt_chunk(&self, index: u64) -> io::Result<Vec<u8>> {
        let plain_len = format::chunk_plain_len(self.plaintext_len, index);
        let mut sealed = vec![0u8; plain_len + CHUNK_OVERHEAD];
        read_exact_at(&self.file, &mut sealed, format::chunk_offset(index))?;
        let last = index + 1 == self.chunk_count();
        self.shared.chunks_decrypted.fetch_add(1, Ordering::Relaxed);
        self.shared
            .cipher
            .open_chunk(&self.name, &self.nonce_prefix, index, last, &sealed)
            .map_err(|_| {
                format::invalid(
                    "sealed index chunk failed authentication (tampered, moved, or wrong key)",
                )
            })
    }

    /// Chunk `index`, from the cache or decrypted (and then cached).
    fn chunk(&self, index: u64) -> io::Result<Arc<[u8]>> {
        let key = ChunkKey {
            file: self.name.clone(),
            nonce_prefix: self.nonce_prefix,
            index,
        };
        if let Some(hit) = self.shared.cache.lock().expect("cache lock").get(&key) {
            self.shared.cache_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(hit);
        }
        let bytes: Arc<[u8]> = Arc::from(self.decrypt_chunk(index)?);
        self.shared
            .cache
            .lock()
            .expect("cache lock")
            .insert(key, bytes.clone());
        Ok(bytes)
    }

    /// The whole plaintext, chunk by chunk, bypassing the cache (for `atomic_read`).
    pub fn read_all_uncached(&self) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.plaintext_len as usize);
        for index in 0..self.chunk_count() {
            out.extend_from_slice(&self.decrypt_chunk(index)?);
        }
        Ok(out)
    }
}

impl HasLen for SealedFile {
    fn len(&self) -> usize {
        self.plaintext_len as usize
    }
}

impl FileHandle for SealedFile {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if range.start > range.end || range.end > self.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "range {range:?} out of bounds of {:?} ({} bytes)",
                    self.name,
                    self.len()
                ),
            ));
        }
        if range.is_empty() {
            return Ok(OwnedBytes::empty());
        }
        let first = range.start / CHUNK_SIZE;
        let last = (range.end - 1) / CHUNK_SIZE;
        if first == last {
            let base = first * CHUNK_SIZE;
            let chunk = self.chunk(first as u64)?;
            return Ok(OwnedBytes::new(chunk).slice(range.start - base..range.end - base));
        }
        let mut out = Vec::with_capacity(range.len());
        for index in first..=last {
            let base = index * CHUNK_SIZE;
            let chunk = self.chunk(index as u64)?;
            let from = range.start.max(base) - base;
            let to = range.end.min(base + chunk.len()) - base;
            out.extend_from_slice(&chunk[from..to]);
        }
        Ok(OwnedBytes::new(out))
    }
}
