//! [`MailIndex`]: the mail search index in one folder, every file sealed by an
//! [`EncryptedDirectory`] under the index key (DESIGN §4: own folder, own key, isolated from
//! the vault). It opens or creates the index, hands out one [`MailWriter`] at a time (tantivy's
//! writer lock, shared with other helpr processes), and answers searches with message ids only:
//! the index stores no text, so hits are resolved and decrypted through the vault.
//!
//! The reader reloads lazily: before a search it compares `meta.json`'s size and mtime with what
//! it saw last, so a commit by another process is visible on the next search without a watcher.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use helpr_crypto::IndexCipher;
use tantivy::collector::sort_key::SortByStaticFastValue;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::Directory;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher};

use crate::error::{IndexError, Result};
use crate::mail_writer::MailWriter;
use crate::{query, EncryptedDirectory, MailSchema};

/// Memory of the writer, split between its threads (tantivy needs ≥ 15 MB per thread). One
/// indexing thread keeps up with the import pipeline on its own and makes half as many
/// segments to merge as two.
const WRITER_MEMORY: usize = 96 * 1024 * 1024;
const WRITER_THREADS: usize = 1;
/// How long [`MailIndex::writer`] waits for another process's writer to finish.
const WRITER_WAIT: Duration = Duration::from_secs(30);

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Newest first (ties: higher message id first), like the message list.
    #[default]
    Date,
    /// Best match first (BM25).
    Relevance,
}

/// One search: the query text, who may see what, and which page.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    pub query: &'a str,
    pub tenant: u64,
    /// The inboxes the caller may see; none means nothing matches.
    pub inboxes: &'a [u64],
    pub sort: Sort,
    pub limit: usize,
    pub offset: usize,
}

/// The page of hits (message ids, in order) and how many messages match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHits {
    pub total: u64,
    pub message_ids: Vec<u64>,
}

/// What the index holds, for `helpr index stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexStats {
    /// Live documents (messages).
    pub docs: u64,
    /// Documents deleted but not yet merged away (0 after every helpr delete).
    pub deleted_docs: u64,
    pub segments: u64,
    /// Files in the index folder and their total size on disk.
    pub files: u64,
    pub bytes: u64,
}

/// `meta.json`'s size and modification time, to notice commits by other processes.
type MetaStamp = (u64, Option<SystemTime>);

/// The search index. `Send + Sync`; share it behind an `Arc`.
pub struct MailIndex {
    index: Index,
    schema: MailSchema,
    reader: IndexReader,
    /// The folder of an encrypted index (None for an index in another directory).
    root: Option<PathBuf>,
    encrypted: Option<EncryptedDirectory>,
    seen: Mutex<Option<MetaStamp>>,
}

impl std::fmt::Debug for MailIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailIndex")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl MailIndex {
    /// Opens the encrypted index in `root`, creating the folder and an empty index when there
    /// is none yet.
    pub fn open_or_create(root: &Path, cipher: IndexCipher) -> Result<MailIndex> {
        std::fs::create_dir_all(root)?;
        let dir = EncryptedDirectory::open(root, cipher)?;
        let mut index = Self::in_directory(dir.clone())?;
        index.root = Some(root.to_owned());
        index.encrypted = Some(dir);
        index.seen = Mutex::new(Some(meta_stamp(root)));
        Ok(index)
    }

    /// Whether `root` holds an index (its `meta.json`), without opening it.
    pub fn exists(root: &Path) -> bool {
        root.join("meta.json").is_file()
    }

    /// Opens or creates the index in any tantivy directory (the benchmark compares the
    /// encrypted directory with tantivy's plain `MmapDirectory` through this).
    pub fn in_directory<D: Directory>(dir: D) -> Result<MailIndex> {
        let schema = MailSchema::new();
        let boxed: Box<dyn Directory> = Box::new(dir);
        let index = if Index::exists(boxed.as_ref()).map_err(tantivy::TantivyError::from)? {
            let index = Index::open(boxed)?;
            if index.schema() != schema.schema {
                return Err(IndexError::Damaged(
                    "the index was written with another schema".into(),
                ));
            }
            index
        } else {
            Index::create(boxed, schema.schema.clone(), Default::default())?
        };
        crate::tokenizer::register(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(MailIndex {
            index,
            schema,
            reader,
            root: None,
            encrypted: None,
            seen: Mutex::new(None),
        })
    }

    pub fn schema(&self) -> &MailSchema {
        &self.schema
    }

    /// The tantivy index underneath (tests inspect term dictionaries through it).
    pub fn tantivy(&self) -> &Index {
        &self.index
    }

    /// The folder of an encrypted index.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// Counters of the encrypted directory (chunks decrypted, cache use).
    pub fn directory_stats(&self) -> Option<crate::DirectoryStats> {
        self.encrypted.as_ref().map(EncryptedDirectory::stats)
    }

    /// The only writer, waiting (bounded) while another process holds the index.
    pub fn writer(&self) -> Result<MailWriter<'_>> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match self
                .index
                .writer_with_num_threads::<tantivy::TantivyDocument>(WRITER_THREADS, WRITER_MEMORY)
                .map_err(IndexError::from)
            {
                Ok(w) => return Ok(MailWriter::new(self, w)),
                Err(IndexError::Busy) if started.elapsed() < WRITER_WAIT => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(250));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The writer if no other process holds it now, else `None` at once (for work that the
    /// holder does anyway, such as replaying the vault's queue: a reader must not wait for it).
    pub fn try_writer(&self) -> Result<Option<MailWriter<'_>>> {
        match self
            .index
            .writer_with_num_threads::<tantivy::TantivyDocument>(WRITER_THREADS, WRITER_MEMORY)
            .map_err(IndexError::from)
        {
            Ok(w) => Ok(Some(MailWriter::new(self, w))),
            Err(IndexError::Busy) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Makes the latest commit (by this process or another) visible to searches.
    pub fn reload(&self) -> Result<()> {
        let mut seen = self.seen.lock().expect("index reload lock");
        self.reader.reload()?;
        if let Some(root) = &self.root {
            *seen = Some(meta_stamp(root));
        }
        Ok(())
    }

    /// A searcher on the latest commit.
    pub fn searcher(&self) -> Result<Searcher> {
        if let Some(root) = &self.root {
            let now = meta_stamp(root);
            let mut seen = self.seen.lock().expect("index reload lock");
            if seen.as_ref() != Some(&now) {
                self.reader.reload()?;
                *seen = Some(now);
            }
        }
        Ok(self.reader.searcher())
    }

    /// Runs a query inside the access filter and returns one page of message ids.
    pub fn search(&self, req: &SearchRequest<'_>) -> Result<SearchHits> {
        let parsed = query::parse(req.query)?;
        let q = query::compile(&self.schema, &parsed, req.tenant, req.inboxes);
        let searcher = self.searcher()?;
        // Paging is bounded by what the index holds: a collector keeps `offset + limit` hits,
        // so an offset past every document (`--offset 4294967295`) must not become that
        // allocation. Such a page is empty and only counts.
        let docs = searcher.num_docs() as usize;
        let limit = req.limit.min(docs.saturating_sub(req.offset));
        if limit == 0 {
            let total = searcher.search(&q, &Count)? as u64;
            return Ok(SearchHits {
                total,
                message_ids: Vec::new(),
            });
        }
        let top = TopDocs::with_limit(limit).and_offset(req.offset);
        let (total, addresses): (usize, Vec<DocAddress>) = match req.sort {
            Sort::Date => {
                let by_date = top.order_by((
                    (SortByStaticFastValue::<i64>::for_field("date"), Order::Desc),
                    (
                        SortByStaticFastValue::<u64>::for_field("message_id"),
                        Order::Desc,
                    ),
                ));
                let (total, hits) = searcher.search(&q, &(Count, by_date))?;
                (total, hits.into_iter().map(|(_, a)| a).collect())
            }
            Sort::Relevance => {
                let (total, hits) = searcher.search(&q, &(Count, top.order_by_score()))?;
                (total, hits.into_iter().map(|(_, a)| a).collect())
            }
        };
        Ok(SearchHits {
            total: total as u64,
            message_ids: self.message_ids_of(&searcher, &addresses)?,
        })
    }

    fn message_ids_of(&self, searcher: &Searcher, addresses: &[DocAddress]) -> Result<Vec<u64>> {
        let mut columns = std::collections::HashMap::new();
        let mut out = Vec::with_capacity(addresses.len());
        for a in addresses {
            let column = match columns.entry(a.segment_ord) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(
                    searcher
                        .segment_reader(a.segment_ord)
                        .fast_fields()
                        .u64("message_id")?,
                ),
            };
            let id = column
                .first(a.doc_id)
                .ok_or_else(|| IndexError::Damaged("a document has no message id".into()))?;
            out.push(id);
        }
        Ok(out)
    }

    /// The message id of every live document, ascending (to reconcile with the vault).
    pub fn message_ids(&self) -> Result<Vec<u64>> {
        let searcher = self.searcher()?;
        let mut ids = Vec::with_capacity(searcher.num_docs() as usize);
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("message_id")?;
            for doc in segment.doc_ids_alive() {
                ids.extend(column.first(doc));
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }

    /// Every term of every text field in the live segments: what the index could still reveal.
    /// It reads (decrypts) every term dictionary whole, so it is for checks — that a purge left
    /// no term of a deleted message behind — not for searching.
    pub fn terms(&self) -> Result<std::collections::BTreeSet<String>> {
        let s = &self.schema;
        let fields = [
            s.from,
            s.to,
            s.cc,
            s.subject,
            s.body,
            s.attachment_names,
            s.labels,
        ];
        let mut out = std::collections::BTreeSet::new();
        for segment in self.searcher()?.segment_readers() {
            for field in fields {
                let inverted = segment.inverted_index(field)?;
                let mut stream = inverted.terms().stream()?;
                while stream.advance() {
                    out.insert(String::from_utf8_lossy(stream.key()).into_owned());
                }
            }
        }
        Ok(out)
    }

    /// The payload of the last commit (a rebuild's checkpoint).
    pub fn payload(&self) -> Result<Option<String>> {
        Ok(self.index.load_metas()?.payload)
    }

    /// Reads every file of every live segment through the encrypted directory and checks
    /// tantivy's checksum of each (what `doctor` runs): a missing, truncated or altered file
    /// is `Damaged`, naming it, even one that only some searches read (positions, for phrases).
    pub fn verify(&self) -> Result<()> {
        use tantivy::index::SegmentComponent as C;
        let metas = self.index.searchable_segment_metas()?;
        for meta in &metas {
            let mut parts = vec![
                C::Postings,
                C::Positions,
                C::Terms,
                C::Store,
                C::FastFields,
                C::FieldNorms,
            ];
            if meta.has_deletes() {
                parts.push(C::Delete);
            }
            for part in parts {
                let file = meta.relative_path(part);
                if !self.index.directory().exists(&file).unwrap_or(false) {
                    return Err(IndexError::Damaged(format!(
                        "{} is missing",
                        file.display()
                    )));
                }
            }
        }
        let corrupted = self.index.validate_checksum()?;
        if let Some(file) = corrupted.iter().next() {
            return Err(IndexError::Damaged(format!(
                "{} fails its checksum ({} files in all)",
                file.display(),
                corrupted.len()
            )));
        }
        Ok(())
    }

    pub fn stats(&self) -> Result<IndexStats> {
        let searcher = self.searcher()?;
        let mut deleted = 0u64;
        for s in searcher.segment_readers() {
            deleted += s.num_deleted_docs() as u64;
        }
        let (files, bytes) = match &self.root {
            Some(root) => folder_size(root)?,
            None => (0, 0),
        };
        Ok(IndexStats {
            docs: searcher.num_docs(),
            deleted_docs: deleted,
            segments: searcher.segment_readers().len() as u64,
            files,
            bytes,
        })
    }
}

fn meta_stamp(root: &Path) -> MetaStamp {
    match std::fs::metadata(root.join("meta.json")) {
        Ok(m) => (m.len(), m.modified().ok()),
        Err(_) => (0, None),
    }
}

/// Files under `root` (recursively) and their total size.
fn folder_size(root: &Path) -> Result<(u64, u64)> {
    let (mut files, mut bytes) = (0u64, 0u64);
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                files += 1;
                bytes += meta.len();
            }
        }
    }
    Ok((files, bytes))
}

/// A writer whose type the crate names once.
pub(crate) type RawWriter = IndexWriter<tantivy::TantivyDocument>;
