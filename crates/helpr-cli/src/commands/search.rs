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
            output::clip(&output::subject(&m.subject, m.kept), 60)
        );
        if !m.snippet.is_empty() {
            println!("        {}", output::clip(&m.snippet, 96));
        }
    }
    println!(
        "{}",
        footer(page.total, args.offset as u64, page.hits.len() as u64)
    );
    Ok(())
}

/// The line under a page of hits: which hits these are, and where the next page starts, named
/// only when there is one (a script that follows it stops).
fn footer(total: u64, offset: u64, shown: u64) -> String {
    match (total, shown) {
        (0, _) => "no messages match".to_owned(),
        (t, 0) if offset >= t => format!("{t} messages; none past --offset {offset}"),
        (t, 0) => format!("{t} messages (--limit 0 counts only)"),
        (t, n) if offset == 0 && n == t => format!("{t} messages"),
        (t, n) if offset + n < t => format!(
            "{}–{} of {t} messages (more with --offset {})",
            offset + 1,
            offset + n,
            offset + n
        ),
        (t, n) => format!(
            "{}–{} of {t} messages (the last page)",
            offset + 1,
            offset + n
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::footer;

    #[test]
    fn the_footer_offers_a_next_page_only_when_there_is_one() {
        assert_eq!(
            footer(220, 0, 50),
            "1–50 of 220 messages (more with --offset 50)"
        );
        assert_eq!(
            footer(220, 150, 50),
            "151–200 of 220 messages (more with --offset 200)"
        );
        assert_eq!(
            footer(220, 170, 50),
            "171–220 of 220 messages (the last page)"
        );
        assert_eq!(footer(220, 0, 220), "220 messages");
        assert_eq!(footer(220, 0, 0), "220 messages (--limit 0 counts only)");
        assert_eq!(
            footer(220, 4_294_967_295, 0),
            "220 messages; none past --offset 4294967295"
        );
        assert_eq!(footer(0, 0, 0), "no messages match");
        assert_eq!(footer(0, 90, 0), "no messages match");
    }
}
