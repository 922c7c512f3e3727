//! `cargo xtask corpus DIR`: will run a directory of hostile/odd MIME samples through the mail
//! pipeline and check the results. Issue 3; until then it refuses to pretend it ran.

use std::path::PathBuf;

use anyhow::bail;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The corpus directory.
    pub dir: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    bail!(
        "corpus {}: not implemented yet (issue 3)",
        args.dir.display()
    )
}
