//! The mu (maildir-utils) baseline of `bench search`, for import and index size only: a store
//! in its own `--muhome` in the scratch folder, `mu init` (not timed), then `mu index` (timed).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{ensure, Context, Result};

use super::measure::{self, time_process};
use crate::process;

/// One mu store in `home`.
pub struct Mu {
    home: PathBuf,
    maildir: PathBuf,
}

impl Mu {
    pub fn new(home: &Path, maildir: &Path) -> Self {
        Self {
            home: home.to_path_buf(),
            maildir: maildir.to_path_buf(),
        }
    }

    fn command(&self, verb: &str) -> Command {
        let mut cmd = Command::new("mu");
        cmd.arg(verb)
            .arg(format!("--muhome={}", self.home.display()))
            .env("TZ", "UTC");
        cmd
    }

    /// A fresh store, then `mu index` timed; checks that the store holds `messages` messages.
    pub fn import(&self, messages: usize) -> Result<Duration> {
        measure::fresh_dir(&self.home)?;
        process::output(
            self.command("init")
                .arg("--quiet")
                .arg(format!("--maildir={}", self.maildir.display())),
        )?;
        let (took, _) = time_process(self.command("index").arg("--quiet"))?;
        let info = process::output(self.command("info").arg("store"))?;
        let count = store_count(&info)
            .with_context(|| format!("`mu info store` printed no message count:\n{info}"))?;
        ensure!(
            count == messages,
            "mu indexed {count} messages, the corpus has {messages}"
        );
        Ok(took)
    }

    /// The Xapian database's bytes on disk (`MUHOME/xapian`).
    pub fn index_bytes(&self) -> Result<u64> {
        measure::dir_bytes(&self.home.join("xapian"))
    }
}

/// The `messages in store` row of `mu info store`'s table.
fn store_count(info: &str) -> Option<usize> {
    info.lines()
        .find(|line| line.contains("messages in store"))
        .and_then(|line| line.split('|').nth(2))
        .and_then(|cell| cell.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_store_count() {
        let info =
            "+---+---+\n| maildir | /m |\n| messages in store | 2000                       |\n";
        assert_eq!(store_count(info), Some(2000));
        assert_eq!(store_count("| maildir | /m |"), None);
    }
}
