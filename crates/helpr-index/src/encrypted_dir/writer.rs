//! Writing sealed files: plaintext is buffered one chunk at a time and sealed to disk chunk by
//! chunk; the header's length is filled in on `terminate`, so an unterminated file never opens.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::sync::Arc;

use helpr_crypto::index_cipher::NONCE_PREFIX_LEN;
use helpr_crypto::IndexCipher;
use tantivy::directory::{AntiCallToken, TerminatingWrite};
use zeroize::Zeroizing;

use super::format::{Header, CHUNK_SIZE, LENGTH_OFFSET, UNTERMINATED_LENGTH};

/// Seals what is written to it into `file`. Holds at most one chunk of plaintext.
pub struct SealingWriter {
    cipher: IndexCipher,
    file: File,
    name: Arc<str>,
    nonce_prefix: [u8; NONCE_PREFIX_LEN],
    buf: Zeroizing<Vec<u8>>,
    next_index: u64,
    written: u64,
    terminated: bool,
}

impl SealingWriter {
    /// Starts a sealed file in `file` (new and empty) named `name` in the AAD, with a fresh
    /// random nonce prefix.
    pub fn new(cipher: IndexCipher, mut file: File, name: &str) -> io::Result<SealingWriter> {
        let nonce_prefix = IndexCipher::make_nonce_prefix();
        let header = Header {
            nonce_prefix,
            plaintext_len: UNTERMINATED_LENGTH,
        };
        file.write_all(&header.encode())?;
        Ok(SealingWriter {
            cipher,
            file,
            name: Arc::from(name),
            nonce_prefix,
            buf: Zeroizing::new(Vec::with_capacity(CHUNK_SIZE)),
            next_index: 0,
            written: 0,
            terminated: false,
        })
    }

    fn seal_buffered(&mut self, last: bool) -> io::Result<()> {
        let sealed = self.cipher.seal_chunk(
            &self.name,
            &self.nonce_prefix,
            self.next_index,
            last,
            &self.buf,
        );
        self.file.write_all(&sealed)?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        self.next_index += 1;
        Ok(())
    }

    fn check_open(&self) -> io::Result<()> {
        if self.terminated {
            return Err(io::Error::other("write to a terminated sealed index file"));
        }
        Ok(())
    }
}

impl Write for SealingWriter {
    fn write(&mut self, mut data: &[u8]) -> io::Result<usize> {
        self.check_open()?;
        let total = data.len();
        while !data.is_empty() {
            // A full buffer is sealed only once more data arrives: the last chunk must be
            // flagged as last, and only `terminate` knows which one that is.
            if self.buf.len() == CHUNK_SIZE {
                self.seal_buffered(false)?;
            }
            let take = (CHUNK_SIZE - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        Ok(total)
    }

    /// Chunks are fixed-size, so a partial chunk is not sealed here; sealed bytes already
    /// written are handed to the OS.
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl TerminatingWrite for SealingWriter {
    fn terminate_ref(&mut self, _: AntiCallToken) -> io::Result<()> {
        self.check_open()?;
        self.seal_buffered(true)?;
        self.terminated = true;
        self.file.seek(SeekFrom::Start(LENGTH_OFFSET as u64))?;
        self.file.write_all(&self.written.to_le_bytes())?;
        self.file.flush()?;
        self.file.sync_data()
    }
}
