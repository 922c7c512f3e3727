//! [`EncryptedDirectory`]: tantivy's `Directory` over a real folder, every file sealed.
//!
//! Each file — `meta.json`, `.managed.json` and segment files alike — is stored in the format
//! of [`format`]: a header, then 16 KiB plaintext chunks each sealed with AES-256-GCM by the
//! [`IndexCipher`] (nonce = per-file random prefix ‖ chunk counter; AAD = file name | chunk
//! index | last-chunk flag). Truncation, reordering, swapping files or flipping a bit is an
//! `io::Error` (surfaced by tantivy as an error), never wrong data.
//!
//! - [`reader`]: random-access reads decrypting only the chunks needed, via a byte-bounded
//!   LRU [`chunk_cache`] of plaintext chunks shared by the whole directory.
//! - [`writer`]: `open_write` buffers at most one chunk of plaintext and seals chunk by chunk;
//!   plaintext never reaches disk. `atomic_write` seals to a temp file, then renames.
//! - Locks are empty lock files held with an OS file lock (like `MmapDirectory`); `watch` fires
//!   when this directory atomically writes `meta.json`.

mod chunk_cache;
pub mod format;
mod reader;
mod writer;

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use helpr_crypto::IndexCipher;
use tantivy::directory::error::{
    DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError,
};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, TerminatingWrite, WatchCallback, WatchCallbackList,
    WatchHandle, WritePtr,
};

use chunk_cache::ChunkCache;
use reader::SealedFile;
use writer::SealingWriter;

/// Default bound of the decrypted-chunk cache: 64 MiB of plaintext.
pub const DEFAULT_CACHE_BYTES: usize = 64 * 1024 * 1024;

const META_FILE: &str = "meta.json";
const TEMP_SUFFIX: &str = ".hix-tmp";

/// State shared by the directory's clones and its open files.
pub(crate) struct Shared {
    root: PathBuf,
    cipher: IndexCipher,
    cache: Mutex<ChunkCache>,
    chunks_decrypted: AtomicU64,
    cache_hits: AtomicU64,
    watchers: WatchCallbackList,
}

/// Counters of one directory (all its clones), for tests and `index stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryStats {
    /// Chunks decrypted from disk since the directory was opened.
    pub chunks_decrypted: u64,
    /// Chunk reads answered by the cache.
    pub cache_hits: u64,
    /// Plaintext bytes in the cache now.
    pub cache_bytes: usize,
    /// Chunks in the cache now.
    pub cache_chunks: usize,
    /// The cache's byte bound.
    pub cache_capacity: usize,
}

/// A tantivy `Directory` whose files are sealed at rest. Cheap to clone.
#[derive(Clone)]
pub struct EncryptedDirectory {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EncryptedDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncryptedDirectory({:?})", self.shared.root)
    }
}

/// The file name bound into the AAD: the path relative to the directory, as UTF-8.
fn file_name(path: &Path) -> io::Result<&str> {
    path.to_str().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "index file names must be UTF-8",
        )
    })
}

impl EncryptedDirectory {
    /// Opens the existing folder `root` with the default cache bound.
    pub fn open(
        root: impl AsRef<Path>,
        cipher: IndexCipher,
    ) -> Result<EncryptedDirectory, OpenDirectoryError> {
        Self::open_with_cache(root, cipher, DEFAULT_CACHE_BYTES)
    }

    /// Opens the existing folder `root`, keeping at most `cache_bytes` of decrypted chunks.
    pub fn open_with_cache(
        root: impl AsRef<Path>,
        cipher: IndexCipher,
        cache_bytes: usize,
    ) -> Result<EncryptedDirectory, OpenDirectoryError> {
        let root = root.as_ref();
        let meta = fs::metadata(root).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                OpenDirectoryError::DoesNotExist(root.to_owned())
            } else {
                OpenDirectoryError::wrap_io_error(e, root.to_owned())
            }
        })?;
        if !meta.is_dir() {
            return Err(OpenDirectoryError::NotADirectory(root.to_owned()));
        }
        Ok(EncryptedDirectory {
            shared: Arc::new(Shared {
                root: root.to_owned(),
                cipher,
                cache: Mutex::new(ChunkCache::new(cache_bytes)),
                chunks_decrypted: AtomicU64::new(0),
                cache_hits: AtomicU64::new(0),
                watchers: WatchCallbackList::default(),
            }),
        })
    }

    /// The folder this directory stores its files in.
    pub fn root(&self) -> &Path {
        &self.shared.root
    }

    pub fn stats(&self) -> DirectoryStats {
        let cache = self.shared.cache.lock().expect("cache lock");
        DirectoryStats {
            chunks_decrypted: self.shared.chunks_decrypted.load(Ordering::Relaxed),
            cache_hits: self.shared.cache_hits.load(Ordering::Relaxed),
            cache_bytes: cache.used(),
            cache_chunks: cache.len(),
            cache_capacity: cache.capacity(),
        }
    }

    fn resolve(&self, path: &Path) -> PathBuf {
        self.shared.root.join(path)
    }

    fn open_sealed(&self, path: &Path) -> Result<SealedFile, OpenReadError> {
        let wrap = |e: io::Error| {
            if e.kind() == io::ErrorKind::NotFound {
                OpenReadError::FileDoesNotExist(path.to_owned())
            } else {
                OpenReadError::wrap_io_error(e, path.to_owned())
            }
        };
        let name = file_name(path).map_err(wrap)?;
        SealedFile::open(self.shared.clone(), &self.resolve(path), name).map_err(wrap)
    }

    fn write_sealed_temp(&self, path: &Path, data: &[u8]) -> io::Result<PathBuf> {
        let name = file_name(path)?;
        let full = self.resolve(path);
        let parent = full
            .parent()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no parent directory"))?;
        let file_part = full
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        let (temp_path, file) = loop {
            // A random tag (not a nonce: the file gets its own prefix inside).
            let tag = u64::from_le_bytes(IndexCipher::make_nonce_prefix());
            let mut temp_name = std::ffi::OsString::from(".");
            temp_name.push(file_part);
            temp_name.push(format!(".{tag:016x}{TEMP_SUFFIX}"));
            let temp_path = parent.join(temp_name);
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp_path)
            {
                Ok(file) => break (temp_path, file),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        };
        let result = (|| {
            // Sealed under the final name: after the rename it reads as that file.
            let mut writer = SealingWriter::new(self.shared.cipher.clone(), file, name)?;
            writer.write_all(data)?;
            writer.terminate()
        })();
        match result {
            Ok(()) => Ok(temp_path),
            Err(e) => {
                let _ = fs::remove_file(&temp_path);
                Err(e)
            }
        }
    }
}

/// Holds the OS lock on a lock file until dropped. The lock file stays empty.
struct HeldLock {
    _file: File,
}

impl Directory for EncryptedDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        Ok(Arc::new(self.open_sealed(path)?))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        fs::remove_file(self.resolve(path)).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                DeleteError::FileDoesNotExist(path.to_owned())
            } else {
                DeleteError::IoError {
                    io_error: Arc::new(e),
                    filepath: path.to_owned(),
                }
            }
        })?;
        if let Some(name) = path.to_str() {
            self.shared
                .cache
                .lock()
                .expect("cache lock")
                .remove_file(name);
        }
        Ok(())
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.resolve(path)
            .try_exists()
            .map_err(|e| OpenReadError::wrap_io_error(e, path.to_owned()))
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let wrap = |e: io::Error| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                OpenWriteError::FileAlreadyExists(path.to_owned())
            } else {
                OpenWriteError::wrap_io_error(e, path.to_owned())
            }
        };
        let name = file_name(path).map_err(wrap)?;
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.resolve(path))
            .map_err(wrap)?;
        // Durable after `terminate` (which syncs the file) and `sync_directory`.
        let writer = SealingWriter::new(self.shared.cipher.clone(), file, name).map_err(wrap)?;
        Ok(BufWriter::new(Box::new(writer)))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.open_sealed(path)?
            .read_all_uncached()
            .map_err(|e| OpenReadError::wrap_io_error(e, path.to_owned()))
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let temp_path = self.write_sealed_temp(path, data)?;
        if let Err(e) = fs::rename(&temp_path, self.resolve(path)) {
            let _ = fs::remove_file(&temp_path);
            return Err(e);
        }
        if path == Path::new(META_FILE) {
            drop(self.shared.watchers.broadcast());
        }
        Ok(())
    }

    fn sync_directory(&self) -> io::Result<()> {
        #[cfg(not(windows))]
        {
            File::open(&self.shared.root)?.sync_data()?;
        }
        Ok(())
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.resolve(&lock.filepath))
            .map_err(LockError::wrap_io_error)?;
        if lock.is_blocking {
            file.lock().map_err(LockError::wrap_io_error)?;
        } else {
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => return Err(LockError::LockBusy),
                Err(fs::TryLockError::Error(e)) => return Err(LockError::wrap_io_error(e)),
            }
        }
        Ok(DirectoryLock::from(Box::new(HeldLock { _file: file })))
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(self.shared.watchers.subscribe(watch_callback))
    }
}
