//! Output helpers shared by the subcommands: JSON printing, dates, progress bars, the phase
//! spans that time a command, and [`safe`]/[`safe_block`], through which every piece of text
//! that came from mail, a file name or any other outside source is printed ([`write_raw`] for
//! bytes, which reach a terminal escaped the same way).

use std::borrow::Cow;

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

/// Outside text (a subject, an address, a file name) made safe to print on one line of a
/// terminal: see [`escape`].
pub fn safe(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Outside text of several lines (a message body): as [`safe`], but newlines and tabs kept.
pub fn safe_block(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

/// The one escaping rule for text the CLI prints: characters that would steer a terminal
/// rather than show are replaced by visible stand-ins, so mail cannot set the window title,
/// colours or cursor, clear the screen, forge a line (CR, LF) or reorder it (bidi overrides).
/// - C0 controls (U+0000–U+001F) and DEL become their Unicode control pictures (`␛`, `␍`, `␊`,
///   `␡`), except `\n`, `\t` and the CR of a CRLF in a block;
/// - C1 controls (U+0080–U+009F), the bidi embeddings, overrides and isolates (U+202A–U+202E,
///   U+2066–U+2069) and the line and paragraph separators (U+2028, U+2029) become `⟨U+XXXX⟩`.
pub fn escape(s: &str, block: bool) -> Cow<'_, str> {
    let steers = |c: char| match c {
        '\n' | '\t' => !block,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' => true,
        _ => false,
    };
    if !s.chars().any(steers) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if !steers(c) => out.push(c),
            // A block's CRLF line ends are line ends, not a stray CR.
            '\r' if block && chars.peek() == Some(&'\n') => {}
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7f}' => out.push('␡'),
            c => out.push_str(&format!("⟨U+{:04X}⟩", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// Outside text on one line, cut to at most `n` characters (the cut marked), escaped first.
pub fn clip(s: &str, n: usize) -> String {
    let s = safe(s);
    if s.chars().count() <= n {
        s.into_owned()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A message's subject for one row of a list: escaped, `(no subject)` when empty, and marked
/// when helpr could not display the message (kept with its source).
pub fn subject(subject: &str, kept: bool) -> String {
    let shown = if subject.is_empty() {
        Cow::Borrowed("(no subject)")
    } else {
        safe(subject)
    };
    if kept {
        format!("[could not be displayed] {shown}")
    } else {
        shown.into_owned()
    }
}

/// Writes bytes that came from outside (a message's original source) to stdout: unchanged into
/// a pipe or a file, so `> message.eml` saves the exact source; on a terminal as text, escaped
/// like every other block ([`safe_block`]), invalid UTF-8 shown as U+FFFD.
pub fn write_raw(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::{IsTerminal as _, Write as _};
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if out.is_terminal() {
        let text = String::from_utf8_lossy(bytes);
        writeln!(out, "{}", safe_block(&text))?;
    } else {
        out.write_all(bytes)?;
    }
    out.flush()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_that_steer_a_terminal_are_shown_not_obeyed() {
        let title = "\u{1b}]0;pwned\u{7}Re: hi\u{1b}[2J\r\nhelpr: imported 1";
        assert_eq!(safe(title), "␛]0;pwned␇Re: hi␛[2J␍␊helpr: imported 1");
        assert_eq!(safe("tab\there\u{7f}"), "tab␉here␡");
        assert_eq!(safe("\u{9b}31m"), "⟨U+009B⟩31m");
        assert_eq!(safe("invoice\u{202e}fdp.exe"), "invoice⟨U+202E⟩fdp.exe");
        assert_eq!(
            safe("a\u{2066}b\u{2069}\u{2028}"),
            "a⟨U+2066⟩b⟨U+2069⟩⟨U+2028⟩"
        );
    }

    #[test]
    fn a_block_keeps_its_lines_and_tabs_only() {
        assert_eq!(
            safe_block("one\n\ttwo\r\n\u{1b}[31m\rx"),
            "one\n\ttwo\n␛[31m␍x"
        );
    }

    #[test]
    fn plain_text_is_borrowed_untouched() {
        for s in ["Grüße, Zoë — 日本語 ✓", "", "a\u{200f}b"] {
            assert!(matches!(safe(s), Cow::Borrowed(b) if b == s));
        }
    }

    #[test]
    fn clip_counts_the_escaped_text() {
        assert_eq!(clip("\u{1b}[2Jabc", 4), "␛[2…");
    }
}
