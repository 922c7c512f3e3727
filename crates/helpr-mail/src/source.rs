//! Sources of raw messages for import: single `.eml` files, folders of them (recursively),
//! Maildir folders (`cur`/`new`, flags read for seen/unseen) and mbox files (see [`crate::mbox`]).
//!
//! [`plan`] looks at the paths once and says what each is, how many bytes it holds (for
//! progress) and which entries it skipped and why (links out of the folder given or back up the
//! tree, dangling links, pipes, sockets, devices); [`Unit::messages`] then streams that unit's
//! messages one at a time.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::mbox;
use crate::parse::UTF8_BOM;

#[derive(Debug, Error)]
pub enum SourceError {
    #[error("{0}: no such file or folder")]
    NotFound(String),
    #[error("{0}: not a file or folder (a pipe, socket or device)")]
    NotAFile(String),
    #[error("{path}: {err}")]
    Io { path: String, err: std::io::Error },
}

/// One thing to import from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    Eml(PathBuf),
    /// A Maildir folder and its message files (`new` and `cur`, sorted).
    Maildir(PathBuf, Vec<PathBuf>),
    Mbox(PathBuf),
}

/// A raw message and where it came from (a path, or `path#n` for the n-th of an mbox).
#[derive(Debug, Clone)]
pub struct RawMessage {
    pub origin: String,
    pub bytes: Vec<u8>,
    /// Maildir's `S` flag; `None` where the format says nothing.
    pub seen: Option<bool>,
    /// Delivery time from the container (mbox `From ` line, Maildir file), seconds.
    pub internal_date: Option<i64>,
    /// Bytes of the source this message accounts for (for progress).
    pub source_bytes: u64,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SourceError + '_ {
    move |err| SourceError::Io {
        path: path.display().to_string(),
        err,
    }
}

fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() && dir.join("new").is_dir()
}

fn looks_like_mbox(path: &Path) -> Result<bool, SourceError> {
    let mut head = [0u8; 8];
    let mut f = File::open(path).map_err(io_err(path))?;
    let n = f.read(&mut head).map_err(io_err(path))?;
    let head = &head[..n];
    Ok(head
        .strip_prefix(UTF8_BOM)
        .unwrap_or(head)
        .starts_with(b"From "))
}

/// A buffered reader past a leading UTF-8 byte-order mark.
fn skip_bom(f: File) -> std::io::Result<BufReader<File>> {
    let mut r = BufReader::new(f);
    if r.fill_buf()?.starts_with(UTF8_BOM) {
        r.consume(UTF8_BOM.len());
    }
    Ok(r)
}

/// An entry under a folder that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// What [`plan`] found: the units to read, their bytes (for progress), and what it skipped.
#[derive(Debug, Default)]
pub struct Plan {
    pub units: Vec<Unit>,
    pub bytes: u64,
    pub skipped: Vec<Skipped>,
}

/// What a folder entry is, for the walk.
enum Entry {
    Folder { dev: u64, ino: u64 },
    File,
    Skip(&'static str),
}

/// Walks the folders given, each as a root: symbolic links are followed only to places inside
/// the root they were found in, every folder is entered once (by device and inode, so a link
/// back up the tree ends), and whatever is not a folder or regular file is skipped with a reason.
struct Walk {
    root: PathBuf,
    seen: HashSet<(u64, u64)>,
    plan: Plan,
}

impl Walk {
    fn skip(&mut self, path: &Path, reason: impl Into<String>) {
        self.plan.skipped.push(Skipped {
            path: path.display().to_string(),
            reason: reason.into(),
        });
    }

    fn root(&mut self, dir: &Path) -> Result<(), SourceError> {
        self.root = std::fs::canonicalize(dir).map_err(io_err(dir))?;
        let meta = std::fs::metadata(dir).map_err(io_err(dir))?;
        if self.seen.insert((meta.dev(), meta.ino())) {
            self.folder(dir)?;
        } else {
            self.skip(dir, "already imported: the same folder was given twice");
        }
        Ok(())
    }

    fn entry(&self, path: &Path) -> Entry {
        let Ok(own) = std::fs::symlink_metadata(path) else {
            return Entry::Skip("cannot be read");
        };
        let meta = if own.file_type().is_symlink() {
            match std::fs::canonicalize(path) {
                Err(_) => return Entry::Skip("a dangling symbolic link"),
                Ok(target) if !target.starts_with(&self.root) => {
                    return Entry::Skip("a symbolic link to outside the folder given")
                }
                Ok(_) => match std::fs::metadata(path) {
                    Ok(meta) => meta,
                    Err(_) => return Entry::Skip("cannot be read"),
                },
            }
        } else {
            own
        };
        let kind = meta.file_type();
        if kind.is_dir() {
            Entry::Folder {
                dev: meta.dev(),
                ino: meta.ino(),
            }
        } else if kind.is_file() {
            Entry::File
        } else if kind.is_fifo() {
            Entry::Skip("a named pipe (FIFO), not a file")
        } else if kind.is_socket() {
            Entry::Skip("a socket, not a file")
        } else if kind.is_block_device() || kind.is_char_device() {
            Entry::Skip("a device, not a file")
        } else {
            Entry::Skip("not a regular file")
        }
    }

    /// The folder's entries, sorted, hidden ones (`.name`) left out.
    fn listing(dir: &Path) -> Result<Vec<PathBuf>, SourceError> {
        let mut entries = Vec::new();
        for e in std::fs::read_dir(dir).map_err(io_err(dir))? {
            let path = e.map_err(io_err(dir))?.path();
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if !hidden {
                entries.push(path);
            }
        }
        entries.sort();
        Ok(entries)
    }

    fn folder(&mut self, dir: &Path) -> Result<(), SourceError> {
        if is_maildir(dir) {
            return self.maildir(dir);
        }
        for path in Self::listing(dir)? {
            match self.entry(&path) {
                Entry::Folder { dev, ino } => {
                    if self.seen.insert((dev, ino)) {
                        self.folder(&path)?;
                    } else {
                        self.skip(&path, "a folder already walked (a symbolic link loop)");
                    }
                }
                Entry::File => self.plan.units.push(file_unit(&path)?),
                Entry::Skip(reason) => self.skip(&path, reason),
            }
        }
        Ok(())
    }

    fn maildir(&mut self, dir: &Path) -> Result<(), SourceError> {
        let mut files = Vec::new();
        for sub in ["new", "cur"] {
            for path in Self::listing(&dir.join(sub))? {
                match self.entry(&path) {
                    Entry::File => files.push(path),
                    Entry::Folder { .. } => self.skip(&path, "a folder inside a Maildir's cur/new"),
                    Entry::Skip(reason) => self.skip(&path, reason),
                }
            }
        }
        files.sort();
        self.plan
            .units
            .push(Unit::Maildir(dir.to_path_buf(), files));
        Ok(())
    }
}

fn file_unit(path: &Path) -> Result<Unit, SourceError> {
    Ok(if looks_like_mbox(path)? {
        Unit::Mbox(path.to_path_buf())
    } else {
        Unit::Eml(path.to_path_buf())
    })
}

/// What to read for `paths`: folders are walked (see [`Walk`]), files read as mbox when they
/// start with a `From ` line, else as one message. A path given that does not exist, or is not
/// a file or folder, is an error; what a walk skips is listed in the plan.
pub fn plan(paths: &[PathBuf]) -> Result<Plan, SourceError> {
    let mut walk = Walk {
        root: PathBuf::new(),
        seen: HashSet::new(),
        plan: Plan::default(),
    };
    for path in paths {
        if path.is_dir() {
            walk.root(path)?;
        } else if path.is_file() {
            walk.plan.units.push(file_unit(path)?);
        } else if path.exists() {
            return Err(SourceError::NotAFile(path.display().to_string()));
        } else {
            return Err(SourceError::NotFound(path.display().to_string()));
        }
    }
    let mut plan = walk.plan;
    for unit in &plan.units {
        plan.bytes += unit.bytes()?;
    }
    Ok(plan)
}

fn file_len(p: &Path) -> Result<u64, SourceError> {
    Ok(std::fs::metadata(p).map_err(io_err(p))?.len())
}

/// Maildir info suffix `:2,FLAGS`: `S` means seen.
fn maildir_seen(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.rsplit_once(":2,"))
        .is_some_and(|(_, flags)| flags.contains('S'))
}

impl Unit {
    pub fn path(&self) -> &Path {
        match self {
            Unit::Eml(p) | Unit::Maildir(p, _) | Unit::Mbox(p) => p,
        }
    }

    fn bytes(&self) -> Result<u64, SourceError> {
        match self {
            Unit::Eml(p) | Unit::Mbox(p) => file_len(p),
            Unit::Maildir(_, files) => files.iter().map(|p| file_len(p)).sum(),
        }
    }

    /// The unit's messages, one at a time; a read error is yielded for that message only.
    pub fn messages(&self) -> Box<dyn Iterator<Item = Result<RawMessage, SourceError>> + Send> {
        match self {
            Unit::Eml(p) => {
                let p = p.clone();
                Box::new(std::iter::once_with(move || read_file(&p, None)))
            }
            Unit::Maildir(_, files) => Box::new(
                files
                    .clone()
                    .into_iter()
                    .map(|p| read_file(&p, Some(maildir_seen(&p)))),
            ),
            Unit::Mbox(p) => {
                match File::open(p).and_then(skip_bom) {
                    Ok(reader) => {
                        let origin = p.display().to_string();
                        let path = p.clone();
                        Box::new(mbox::Messages::new(reader).enumerate().map(
                            move |(i, m)| match m {
                                Ok(m) => Ok(RawMessage {
                                    origin: format!("{origin}#{}", i + 1),
                                    source_bytes: m.source_bytes,
                                    bytes: m.bytes,
                                    seen: None,
                                    internal_date: m.internal_date,
                                }),
                                Err(err) => Err(SourceError::Io {
                                    path: path.display().to_string(),
                                    err,
                                }),
                            },
                        ))
                    }
                    Err(e) => Box::new(std::iter::once(Err(io_err(p)(e)))),
                }
            }
        }
    }
}

fn read_file(p: &Path, seen: Option<bool>) -> Result<RawMessage, SourceError> {
    let bytes = std::fs::read(p).map_err(io_err(p))?;
    let internal_date = std::fs::metadata(p)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64);
    Ok(RawMessage {
        origin: p.display().to_string(),
        source_bytes: bytes.len() as u64,
        bytes,
        seen,
        internal_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_eml_maildir_and_mbox() {
        let dir = tempfile::tempdir().unwrap();
        let md = dir.path().join("box");
        for s in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(md.join(s)).unwrap();
        }
        std::fs::write(md.join("cur/1.x:2,S"), b"Subject: a\r\n\r\nx").unwrap();
        std::fs::write(md.join("new/2.x"), b"Subject: b\r\n\r\ny").unwrap();
        let mbox = dir.path().join("all.mbox");
        std::fs::write(
            &mbox,
            b"From a@b Sat Jan  3 01:05:34 1996\nSubject: one\n\n>From quoted\nbody\n\nFrom c@d Sat Jan  3 01:05:34 1996\nSubject: two\n\nbody2\n",
        )
        .unwrap();
        let bom = dir.path().join("bom.mbox");
        std::fs::write(
            &bom,
            b"\xef\xbb\xbfFrom - \nSubject: bom one\n\nx\nFrom - \nSubject: bom two\n\ny\n",
        )
        .unwrap();
        let eml = dir.path().join("one.eml");
        std::fs::write(&eml, b"Subject: c\r\n\r\nz").unwrap();

        let Plan {
            units,
            bytes: total,
            skipped,
        } = plan(&[md.clone(), mbox.clone(), eml.clone(), bom.clone()]).unwrap();
        assert_eq!(
            units,
            vec![
                Unit::Maildir(md.clone(), vec![md.join("cur/1.x:2,S"), md.join("new/2.x")]),
                Unit::Mbox(mbox),
                Unit::Eml(eml),
                Unit::Mbox(bom)
            ]
        );
        assert!(skipped.is_empty());
        assert!(total > 0);
        let msgs: Vec<RawMessage> = units
            .iter()
            .flat_map(|u| u.messages())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(msgs.len(), 7);
        assert!(String::from_utf8_lossy(&msgs[5].bytes).starts_with("Subject: bom one"));
        assert!(String::from_utf8_lossy(&msgs[6].bytes).starts_with("Subject: bom two"));
        assert_eq!(msgs[0].seen, Some(true)); // cur/1.x:2,S
        assert_eq!(msgs[1].seen, Some(false)); // new/2.x
        assert!(msgs[2].origin.ends_with("#1"));
        assert!(String::from_utf8_lossy(&msgs[2].bytes).contains("\nFrom quoted"));
        assert!(String::from_utf8_lossy(&msgs[3].bytes).contains("Subject: two"));
    }

    #[test]
    fn missing_path_is_a_clear_error() {
        let err = plan(&[PathBuf::from("/no/such/place")]).unwrap_err();
        assert!(err.to_string().contains("no such file"), "{err}");
    }

    fn skipped_reasons(plan: &Plan) -> Vec<(String, String)> {
        plan.skipped
            .iter()
            .map(|s| (s.path.clone(), s.reason.clone()))
            .collect()
    }

    #[test]
    fn link_loops_end_and_links_out_of_the_folder_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.eml"), b"Subject: s\r\n\r\nx").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("mail");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/a.eml"), b"Subject: a\r\n\r\nx").unwrap();
        std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
        std::os::unix::fs::symlink(&root, root.join("self")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("elsewhere")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.eml"), root.join("s.eml")).unwrap();
        std::os::unix::fs::symlink(root.join("sub/a.eml"), root.join("b.eml")).unwrap();
        std::os::unix::fs::symlink(root.join("gone.eml"), root.join("dangling.eml")).unwrap();

        let plan = plan(std::slice::from_ref(&root)).unwrap();
        assert_eq!(
            plan.units,
            [
                Unit::Eml(root.join("b.eml")),
                Unit::Eml(root.join("sub/a.eml"))
            ]
        );
        let at = |p: &str| root.join(p).display().to_string();
        assert_eq!(
            skipped_reasons(&plan),
            [
                (at("dangling.eml"), "a dangling symbolic link".into()),
                (
                    at("elsewhere"),
                    "a symbolic link to outside the folder given".into()
                ),
                (
                    at("s.eml"),
                    "a symbolic link to outside the folder given".into()
                ),
                (
                    at("self"),
                    "a folder already walked (a symbolic link loop)".into()
                ),
                (
                    at("sub/up"),
                    "a folder already walked (a symbolic link loop)".into()
                ),
            ]
        );
    }

    #[test]
    fn pipes_and_sockets_are_skipped_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let md = dir.path().join("box");
        for s in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(md.join(s)).unwrap();
        }
        std::fs::write(md.join("new/1.x"), b"Subject: a\r\n\r\nx").unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(md.join("new/2.sock")).unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());

        let plan = plan(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(
            plan.units,
            [Unit::Maildir(md.clone(), vec![md.join("new/1.x")])]
        );
        assert_eq!(
            skipped_reasons(&plan),
            [
                (
                    md.join("new/2.sock").display().to_string(),
                    "a socket, not a file".into()
                ),
                (
                    fifo.display().to_string(),
                    "a named pipe (FIFO), not a file".into()
                ),
            ]
        );
        let err = super::plan(std::slice::from_ref(&fifo)).unwrap_err();
        assert!(err.to_string().contains("not a file or folder"), "{err}");
    }

    #[test]
    fn an_mbox_with_content_lengths_imports_each_message_whole() {
        let dir = tempfile::tempdir().unwrap();
        let body = "From the desk of Ana\nFrom now on, write to me.\n";
        let mbox = dir.path().join("cl.mbox");
        std::fs::write(
            &mbox,
            format!(
                "From a@b Sat Jan  3 01:05:34 1996\nSubject: one\nContent-Length: {}\n\n{body}\nFrom c@d Sat Jan  3 01:05:34 1996\nSubject: two\nContent-Length: 2\n\nx\n",
                body.len()
            ),
        )
        .unwrap();
        let plan = plan(&[mbox]).unwrap();
        let msgs: Vec<RawMessage> = plan.units[0].messages().collect::<Result<_, _>>().unwrap();
        assert_eq!(msgs.len(), 2);
        assert!(String::from_utf8_lossy(&msgs[0].bytes).ends_with(body));
        assert_eq!(msgs.iter().map(|m| m.source_bytes).sum::<u64>(), plan.bytes);
    }
}
