//! Output helpers shared by the subcommands: JSON printing, dates, progress bars, and the
//! phase spans that time a command.

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

pub fn print_json(value: &impl Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("helpr: cannot encode output: {e}"),
    }
}

/// `YYYY-MM-DD HH:MM` in UTC.
pub fn date(secs: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|d| d.format(&fmt).ok())
        .unwrap_or_else(|| "????-??-?? ??:??".into())
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub fn bar(total: u64, template: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// Cuts `s` to at most `n` characters, marking the cut.
pub fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A span that times one phase of a command. Phases are debug spans with the target
/// `helpr::phase` (helpr-vault and helpr-core time theirs the same way), so they cost nothing
/// unless asked for: with `HELPR_LOG=helpr::phase=debug` each prints `NAME: close
/// time.busy=… time.idle=…` to stderr as it ends (`cargo xtask bench search` reads them).
/// No field is recorded: a phase never carries content, addresses or keys.
macro_rules! phase {
    ($name:literal) => {
        tracing::debug_span!(target: "helpr::phase", $name)
    };
}
pub(crate) use phase;
