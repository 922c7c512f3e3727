//! Sources of raw messages for import: single `.eml` files, folders of them (recursively),
//! Maildir folders (`cur`/`new`, flags read for seen/unseen) and mbox files (`From ` lines).
//!
//! [`plan`] looks at the paths once and says what each is and how many bytes it holds (for
//! progress); [`Unit::messages`] then streams that unit's messages one at a time.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::parse::UTF8_BOM;

#[derive(Debug, Error)]
pub enum SourceError {
    #[error("{0}: no such file or folder")]
    NotFound(String),
    #[error("{path}: {err}")]
    Io { path: String, err: std::io::Error },
}

/// One thing to import from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    Eml(PathBuf),
    Maildir(PathBuf),
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

fn walk(dir: &Path, out: &mut Vec<Unit>) -> Result<(), SourceError> {
    if is_maildir(dir) {
        out.push(Unit::Maildir(dir.to_path_buf()));
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_err(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.is_file() {
            out.push(file_unit(&path)?);
        }
    }
    Ok(())
}

fn file_unit(path: &Path) -> Result<Unit, SourceError> {
    Ok(if looks_like_mbox(path)? {
        Unit::Mbox(path.to_path_buf())
    } else {
        Unit::Eml(path.to_path_buf())
    })
}

/// What to read for `paths`, and the total bytes (for progress).
pub fn plan(paths: &[PathBuf]) -> Result<(Vec<Unit>, u64), SourceError> {
    let mut units = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut units)?;
        } else if path.is_file() {
            units.push(file_unit(path)?);
        } else {
            return Err(SourceError::NotFound(path.display().to_string()));
        }
    }
    let mut total = 0;
    for unit in &units {
        total += unit.bytes()?;
    }
    Ok((units, total))
}

fn maildir_files(dir: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let mut files = Vec::new();
    for sub in ["new", "cur"] {
        let d = dir.join(sub);
        for e in std::fs::read_dir(&d).map_err(io_err(&d))? {
            let p = e.map_err(io_err(&d))?.path();
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if p.is_file() && !hidden {
                files.push(p);
            }
        }
    }
    files.sort();
    Ok(files)
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
            Unit::Eml(p) | Unit::Maildir(p) | Unit::Mbox(p) => p,
        }
    }

    fn bytes(&self) -> Result<u64, SourceError> {
        match self {
            Unit::Eml(p) | Unit::Mbox(p) => file_len(p),
            Unit::Maildir(d) => maildir_files(d)?.iter().map(|p| file_len(p)).sum(),
        }
    }

    /// The unit's messages, one at a time; a read error is yielded for that message only.
    pub fn messages(&self) -> Box<dyn Iterator<Item = Result<RawMessage, SourceError>> + Send> {
        match self {
            Unit::Eml(p) => {
                let p = p.clone();
                Box::new(std::iter::once_with(move || read_file(&p, None)))
            }
            Unit::Maildir(d) => match maildir_files(d) {
                Ok(files) => Box::new(
                    files
                        .into_iter()
                        .map(|p| read_file(&p, Some(maildir_seen(&p)))),
                ),
                Err(e) => Box::new(std::iter::once(Err(e))),
            },
            Unit::Mbox(p) => match File::open(p).and_then(skip_bom) {
                Ok(reader) => {
                    let origin = p.display().to_string();
                    let it = mail_parser::mailbox::mbox::MessageIterator::new(reader);
                    let path = p.clone();
                    Box::new(it.enumerate().map(move |(i, m)| match m {
                        Ok(m) => {
                            let internal = m.internal_date() as i64;
                            let bytes = m.unwrap_contents();
                            Ok(RawMessage {
                                origin: format!("{origin}#{}", i + 1),
                                source_bytes: bytes.len() as u64,
                                bytes,
                                seen: None,
                                internal_date: (internal > 0).then_some(internal),
                            })
                        }
                        Err(err) => Err(SourceError::Io {
                            path: path.display().to_string(),
                            err,
                        }),
                    }))
                }
                Err(e) => Box::new(std::iter::once(Err(io_err(p)(e)))),
            },
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

        let (units, total) = plan(&[md.clone(), mbox.clone(), eml.clone(), bom.clone()]).unwrap();
        assert_eq!(
            units,
            vec![
                Unit::Maildir(md),
                Unit::Mbox(mbox),
                Unit::Eml(eml),
                Unit::Mbox(bom)
            ]
        );
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
        assert!(String::from_utf8_lossy(&msgs[2].bytes).contains("From quoted"));
        assert!(String::from_utf8_lossy(&msgs[3].bytes).contains("Subject: two"));
    }

    #[test]
    fn missing_path_is_a_clear_error() {
        let err = plan(&[PathBuf::from("/no/such/place")]).unwrap_err();
        assert!(err.to_string().contains("no such file"), "{err}");
    }
}
