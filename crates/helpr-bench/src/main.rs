//! helpr-bench: the measurements behind `cargo xtask bench`. xtask prepares the input (a seeded
//! sample Maildir) and runs this binary in release mode; every figure is printed beside a
//! baseline measured in the same run, on the same input.
//!
//! - [`pipeline`]: parse, sanitize and the whole mail pipeline vs ammonia alone.
//! - [`search`]: in-process search latency (helpr-core) and the encrypted directory vs
//!   tantivy's plain one on the same index.
//! - [`hostile`]: deep nesting through the sanitizer vs ammonia alone, the peak memory of
//!   importing a 50 MB message, and search latency during a large import vs idle.
//! - [`desktop`]: the desktop app on a 100,000-message vault (start → list painted, memory,
//!   scroll frames, search as you type) beside the CLI's same figures.
//! - [`sync`]: a full Gmail sync against the emulator at Google's quota, as a fraction of the
//!   quota-bound rate, and new-message-to-searchable latency.

mod desktop;
mod hostile;
mod lifecycle;
mod pipeline;
mod search;
mod sync;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "helpr-bench")]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Mail pipeline throughput over the messages of a Maildir.
    Pipeline(pipeline::Args),
    /// In-process search latency on an imported vault, encrypted vs plain directory.
    Search(search::Args),
    /// Full Gmail sync against the emulator at Google's quota; arrival-to-searchable latency.
    Sync(sync::Args),
    /// Hostile input and a busy vault: nesting, a 50 MB message, searches during an import.
    Hostile(hostile::Args),
    /// Lifecycle costs: delete → absent from search, purge throughput, audit verify.
    Lifecycle(lifecycle::Args),
    /// The desktop app on a large vault: start → list painted, memory, scrolling, typing.
    Desktop(desktop::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().bench {
        Bench::Pipeline(args) => pipeline::run(&args),
        Bench::Search(args) => search::run(&args),
        Bench::Sync(args) => sync::run(&args),
        Bench::Hostile(args) => hostile::run(&args),
        Bench::Lifecycle(args) => lifecycle::run(&args),
        Bench::Desktop(args) => desktop::run(&args),
    }
}
