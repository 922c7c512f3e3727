//! `helpr search QUERY…`: Gmail-like search (words, "phrases", from:, to:, cc:, subject:,
//! label:/in:, has:attachment, filename:, is:unread, before:/after:, -term, OR, parentheses);
//! id, date, from, subject and snippet per hit, decrypted through the vault.

use std::path::Path;

use helpr_core::{CoreError, Helpr, SearchOptions, SearchSort};
use tracing::Instrument;

use crate::output::{self, phase};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SortArg {
    /// Newest first.
    Date,
    /// Best match first.
    Relevance,
}

pub struct Args {
    pub query: String,
    pub limit: u32,
    pub offset: u32,
    pub sort: SortArg,
    pub json: bool,
}

pub async fn run(dir: &Path, args: Args) -> Result<(), CoreError> {
    let query = args.query;
    let helpr = Helpr::open(dir).instrument(phase!("open")).await?;
    let options = SearchOptions {
        limit: args.limit,
        offset: args.offset,
        sort: match args.sort {
            SortArg::Date => SearchSort::Date,
            SortArg::Relevance => SearchSort::Relevance,
        },
    };
    let page = helpr
        .search(query, options)
        .instrument(phase!("search"))
        .await?;
    // Closing the vault (its connections, the WAL) is part of what a search costs.
    phase!("close").in_scope(|| drop(helpr));
    let _print = phase!("print").entered();
    if args.json {
        output::print_json(&page);
        return Ok(());
    }
    for m in &page.hits {
        println!(
            "{:>6}  {}  {:<28}  {}",
            m.id,
            output::date(m.date),
            output::clip(&m.from, 28),
            output::clip(&m.subject, 60)
        );
        if !m.snippet.is_empty() {
            println!("        {}", output::clip(&m.snippet, 96));
        }
    }
    let shown = page.hits.len() as u64;
    match page.total {
        0 => println!("no messages match"),
        t if shown < t => println!(
            "{}–{} of {t} messages (more with --offset {})",
            args.offset as u64 + 1.min(shown),
            args.offset as u64 + shown,
            args.offset as u64 + shown
        ),
        t => println!("{t} messages"),
    }
    Ok(())
}
