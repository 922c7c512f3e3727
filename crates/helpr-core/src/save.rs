//! Saving an attachment to a file the user asked for: the only place an attachment is
//! decrypted to disk, and only into that file.
//!
//! The name comes from the mail, so it is hostile until cleaned: [`safe_file_name`] keeps the
//! last path component only, drops control and reserved characters and leading dots, and
//! bounds the length. [`Helpr::save_attachment`] (the "Save" button) creates a new file in a
//! folder, never replacing one: `report.pdf`, then `report (1).pdf`, … created with
//! `create_new`, so a file that appears meanwhile is not overwritten either.
//! [`Helpr::save_attachment_as`] (a save dialog's choice, which already asked about replacing)
//! writes beside the target and renames over it, so a failure leaves no half-written file.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{CoreError, Helpr};

/// Longest file name kept, in bytes (ext4 allows 255).
const MAX_NAME_BYTES: usize = 200;

/// A file name from an attachment's name, safe to join to a folder.
pub fn safe_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| match c {
            c if c.is_control() => '_',
            ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            // Bidirectional overrides make `evil\u{202E}fdp.exe` read as `evilexe.pdf`.
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' ']);
    let mut out = String::new();
    for c in trimmed.chars() {
        if out.len() + c.len_utf8() > MAX_NAME_BYTES {
            break;
        }
        out.push(c);
    }
    if out.is_empty() {
        "attachment".to_owned()
    } else {
        out
    }
}

/// `name`, then `stem (1).ext`, `stem (2).ext`, …
fn candidates(name: &str) -> impl Iterator<Item = String> + '_ {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    std::iter::once(name.to_owned()).chain((1..).map(move |i| format!("{stem} ({i}){ext}")))
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> CoreError {
    CoreError::Storage(format!("{what} {}: {e}", path.display()))
}

fn write_all(mut file: File, path: &Path, data: &[u8]) -> Result<(), CoreError> {
    file.write_all(data)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error("could not write", path, e))
}

impl Helpr {
    /// Decrypts attachment `id` into a new file in `dir` under its cleaned name (numbered when
    /// the name is taken); returns the file's path.
    pub async fn save_attachment(&self, id: i64, dir: &Path) -> Result<PathBuf, CoreError> {
        let (name, data) = self.attachment_with_name(id).await?;
        let name = safe_file_name(&name);
        for candidate in candidates(&name).take(1000) {
            let path = dir.join(&candidate);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    if let Err(e) = write_all(file, &path, &data) {
                        let _ = std::fs::remove_file(&path);
                        return Err(e);
                    }
                    return Ok(path);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_error("could not create", &path, e)),
            }
        }
        Err(CoreError::Storage(format!(
            "{} holds too many files named like {name}",
            dir.display()
        )))
    }

    /// Decrypts attachment `id` into `path` (chosen in a save dialog, which asked before
    /// replacing a file): written beside it, then renamed over it.
    pub async fn save_attachment_as(&self, id: i64, path: &Path) -> Result<PathBuf, CoreError> {
        let (_, data) = self.attachment_with_name(id).await?;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file_name = path
            .file_name()
            .ok_or_else(|| CoreError::InvalidInput("choose a file name to save to".into()))?;
        let temp = dir.join(format!(
            ".{}.helpr-{}",
            file_name.to_string_lossy(),
            uuid::Uuid::new_v4()
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| io_error("could not create", &temp, e))?;
        let written = write_all(file, &temp, &data).and_then(|()| {
            std::fs::rename(&temp, path).map_err(|e| io_error("could not replace", path, e))
        });
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written.map(|()| path.to_path_buf())
    }

    /// Attachment `id`'s name as [`Helpr::save_attachment`] would write it (a save dialog's
    /// suggestion).
    pub async fn attachment_file_name(&self, id: i64) -> Result<String, CoreError> {
        let name = self
            .with_vault(move |h| Ok(h.vault.attachment_name(&h.scope()?, id)?))
            .await?;
        Ok(safe_file_name(&name))
    }

    async fn attachment_with_name(&self, id: i64) -> Result<(String, Vec<u8>), CoreError> {
        self.with_vault(move |h| {
            let scope = h.scope()?;
            let name = h.vault.attachment_name(&scope, id)?;
            Ok((name, h.vault.read_attachment(&scope, id)?))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_controls_and_leading_dots() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("..\\..\\boot.ini"), "boot.ini");
        assert_eq!(safe_file_name("/abs/report.pdf"), "report.pdf");
        assert_eq!(safe_file_name(".bashrc"), "bashrc");
        assert_eq!(safe_file_name("a\u{0}b\nc.txt"), "a_b_c.txt");
        assert_eq!(safe_file_name("inv\u{202E}fdp.exe"), "inv_fdp.exe");
        assert_eq!(safe_file_name("what?.txt"), "what_.txt");
        assert_eq!(safe_file_name("trailing. . "), "trailing");
        assert_eq!(safe_file_name(".."), "attachment");
        assert_eq!(safe_file_name(""), "attachment");
        assert_eq!(safe_file_name("dir/"), "attachment");
        let long = "é".repeat(300);
        let cut = safe_file_name(&long);
        assert!(cut.len() <= MAX_NAME_BYTES && cut.chars().all(|c| c == 'é'));
    }

    #[test]
    fn taken_names_are_numbered_before_the_extension() {
        let names: Vec<String> = candidates("report.pdf").take(3).collect();
        assert_eq!(names, ["report.pdf", "report (1).pdf", "report (2).pdf"]);
        let names: Vec<String> = candidates("README").take(2).collect();
        assert_eq!(names, ["README", "README (1)"]);
    }
}
