//! `cargo xtask bench ...`: will run the benchmarks (import, search, open). Issue 4; until then it
//! refuses to pretend it ran.

use std::ffi::OsString;

use anyhow::bail;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Arguments for the benchmarks, kept for when they exist.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<OsString>,
}

pub fn run(_args: &Args) -> anyhow::Result<()> {
    bail!("bench: not implemented yet (issue 4)")
}
