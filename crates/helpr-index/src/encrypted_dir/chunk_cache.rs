//! A byte-bounded LRU cache of decrypted chunks, shared by all readers of one directory.
//!
//! Keyed by (file name, nonce prefix, chunk index): a file rewritten under the same name has a
//! new random prefix, so a stale entry can never answer for the new file.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use helpr_crypto::index_cipher::NONCE_PREFIX_LEN;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChunkKey {
    pub file: Arc<str>,
    pub nonce_prefix: [u8; NONCE_PREFIX_LEN],
    pub index: u64,
}

struct Entry {
    bytes: Arc<[u8]>,
    tick: u64,
}

/// LRU by a monotonically increasing use tick; `order` maps tick → key.
pub struct ChunkCache {
    capacity: usize,
    used: usize,
    tick: u64,
    entries: HashMap<ChunkKey, Entry>,
    order: BTreeMap<u64, ChunkKey>,
}

impl ChunkCache {
    pub fn new(capacity: usize) -> Self {
        ChunkCache {
            capacity,
            used: 0,
            tick: 0,
            entries: HashMap::new(),
            order: BTreeMap::new(),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Plaintext bytes held now (always `<= capacity`).
    pub fn used(&self) -> usize {
        self.used
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn get(&mut self, key: &ChunkKey) -> Option<Arc<[u8]>> {
        self.tick += 1;
        let tick = self.tick;
        let entry = self.entries.get_mut(key)?;
        self.order.remove(&entry.tick);
        entry.tick = tick;
        self.order.insert(tick, key.clone());
        Some(entry.bytes.clone())
    }

    /// Inserts a chunk, evicting least recently used ones to stay within the byte bound.
    /// A chunk larger than the whole capacity is not kept.
    pub fn insert(&mut self, key: ChunkKey, bytes: Arc<[u8]>) {
        if bytes.len() > self.capacity {
            return;
        }
        self.remove(&key);
        while self.used + bytes.len() > self.capacity {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            if let Some(e) = self.entries.remove(&oldest) {
                self.used -= e.bytes.len();
            }
        }
        self.tick += 1;
        self.used += bytes.len();
        self.order.insert(self.tick, key.clone());
        self.entries.insert(
            key,
            Entry {
                bytes,
                tick: self.tick,
            },
        );
    }

    fn remove(&mut self, key: &ChunkKey) {
        if let Some(e) = self.entries.remove(key) {
            self.order.remove(&e.tick);
            self.used -= e.bytes.len();
        }
    }

    /// Drops every chunk of `file` (all versions), e.g. when the file is deleted.
    pub fn remove_file(&mut self, file: &str) {
        let keys: Vec<ChunkKey> = self
            .entries
            .keys()
            .filter(|k| &*k.file == file)
            .cloned()
            .collect();
        for k in keys {
            self.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u64) -> ChunkKey {
        ChunkKey {
            file: Arc::from("f"),
            nonce_prefix: [0; 8],
            index: i,
        }
    }

    #[test]
    fn lru_within_bound() {
        let mut c = ChunkCache::new(30);
        for i in 0..3 {
            c.insert(key(i), Arc::from(vec![i as u8; 10]));
        }
        assert_eq!(c.used(), 30);
        assert!(c.get(&key(0)).is_some()); // 0 is now most recent; 1 is oldest
        c.insert(key(3), Arc::from(vec![3u8; 10]));
        assert_eq!(c.used(), 30);
        assert!(c.get(&key(1)).is_none());
        assert!(c.get(&key(0)).is_some());
        c.insert(key(4), Arc::from(vec![4u8; 31]));
        assert!(c.get(&key(4)).is_none(), "larger than capacity is not kept");
        c.insert(key(5), Arc::from(vec![5u8; 25]));
        assert!(c.used() <= 30);
        assert_eq!(c.len(), 1);
        c.remove_file("f");
        assert_eq!((c.used(), c.len()), (0, 0));
    }
}
