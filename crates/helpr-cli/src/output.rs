//! Output helpers shared by the subcommands: JSON printing, dates, progress bars.

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
