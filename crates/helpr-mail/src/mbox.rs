//! Splitting an mbox file into messages, whichever variant wrote it.
//!
//! Every variant starts each message with a `From sender date` line. They differ in how a body
//! line that itself starts with `From ` is kept from looking like the next message:
//! - **mboxo / mboxrd** quote it as `>From ` (mboxrd also quotes `>From ` as `>>From `, so the
//!   quoting can be undone): a message ends at the next line starting with `From `, and one `>`
//!   is taken off every `>…>From ` line of its body. (mboxo's own `>From ` lines lose a `>` too:
//!   the format cannot tell them apart.)
//! - **mboxcl / mboxcl2** (System V, Solaris, some exporters) give each message a
//!   `Content-Length:` header and leave body lines as they were: the body is exactly that many
//!   bytes, `From ` lines included.
//!
//! The variant is decided per message: a `Content-Length` is trusted when the bytes it counts end
//! at the end of the file or just before the next `From ` line (blank lines between allowed), and
//! its body is kept byte for byte; otherwise the message is split at `From ` lines and unquoted.
//! Memory: one message at a time.

use std::io::{self, BufRead};

use mail_parser::DateTime;

/// One message of an mbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxMessage {
    /// The message (headers and body), without its `From ` line.
    pub bytes: Vec<u8>,
    /// The date on the `From ` line, as seconds since the epoch, when it parses.
    pub internal_date: Option<i64>,
    /// Bytes of the file this message took (its `From ` line included).
    pub source_bytes: u64,
}

/// The messages of an mbox, read one at a time from `reader` (positioned at the first `From `
/// line; anything before it is skipped).
pub struct Messages<R> {
    reader: R,
    /// Bytes read ahead of the reader and given back (a `Content-Length` that did not hold).
    pending: Vec<u8>,
    /// The `From ` line of the next message, already read.
    next_from: Option<Vec<u8>>,
    started: bool,
}

impl<R: BufRead> Messages<R> {
    pub fn new(reader: R) -> Self {
        Messages {
            reader,
            pending: Vec::new(),
            next_from: None,
            started: false,
        }
    }

    /// Reads one line (with its `\n`) into `out`, from the given-back bytes first. 0 at the end.
    fn read_line(&mut self, out: &mut Vec<u8>) -> io::Result<usize> {
        if !self.pending.is_empty() {
            let end = memchr::memchr(b'\n', &self.pending).map_or(self.pending.len(), |i| i + 1);
            out.extend(self.pending.drain(..end));
            return Ok(end);
        }
        self.reader.read_until(b'\n', out)
    }

    /// Reads up to `n` bytes into `out`; fewer only at the end of the file.
    fn read_bytes(&mut self, n: u64, out: &mut Vec<u8>) -> io::Result<u64> {
        let from_pending = (n as usize).min(self.pending.len());
        out.extend(self.pending.drain(..from_pending));
        let rest = n - from_pending as u64;
        let read = io::Read::read_to_end(&mut io::Read::take(&mut self.reader, rest), out)?;
        Ok(from_pending as u64 + read as u64)
    }

    /// Reads the next line into `line` and says whether it belongs to the current message:
    /// `false` at the end of the file, or at a `From ` line (kept as the next message's start).
    fn line_of_this_message(&mut self, line: &mut Vec<u8>) -> io::Result<bool> {
        line.clear();
        if self.read_line(line)? == 0 {
            return Ok(false);
        }
        if line.starts_with(b"From ") {
            self.next_from = Some(std::mem::take(line));
            return Ok(false);
        }
        Ok(true)
    }

    /// Reads the next message, or `None` at the end of the file.
    fn next_message(&mut self) -> io::Result<Option<MboxMessage>> {
        let from_line = match self.next_from.take() {
            Some(line) => line,
            None => {
                let mut line = Vec::new();
                loop {
                    line.clear();
                    if self.read_line(&mut line)? == 0 {
                        return Ok(None);
                    }
                    // Before the first message: anything that is not a `From ` line is skipped.
                    if line.starts_with(b"From ") || self.started {
                        break;
                    }
                }
                line
            }
        };
        self.started = true;
        let mut source_bytes = from_line.len() as u64;
        let internal_date = from_line_date(&from_line);

        let mut bytes = Vec::new();
        // The header: up to and including the first empty line.
        let mut line = Vec::new();
        loop {
            if !self.line_of_this_message(&mut line)? {
                if self.next_from.is_some() {
                    return Ok(Some(MboxMessage {
                        source_bytes: source_bytes + bytes.len() as u64,
                        bytes,
                        internal_date,
                    }));
                }
                break;
            }
            bytes.extend_from_slice(&line);
            if line == b"\n" || line == b"\r\n" {
                break;
            }
        }
        let header_len = bytes.len();

        if let Some(length) = content_length(&bytes[..header_len]) {
            let read = self.read_bytes(length, &mut bytes)?;
            let boundary = if read == length {
                self.at_next_message()?
            } else {
                None
            };
            if let Some(blank_bytes) = boundary {
                source_bytes += bytes.len() as u64 + blank_bytes;
                return Ok(Some(MboxMessage {
                    bytes,
                    internal_date,
                    source_bytes,
                }));
            }
            // The length did not end at a message boundary: give the body back and split at
            // `From ` lines instead.
            let mut body = bytes.split_off(header_len);
            body.append(&mut self.pending);
            self.pending = body;
        }

        while self.line_of_this_message(&mut line)? {
            source_bytes += line.len() as u64;
            bytes.extend_from_slice(unquote(&line));
        }
        Ok(Some(MboxMessage {
            source_bytes: source_bytes + header_len as u64,
            bytes,
            internal_date,
        }))
    }

    /// At the end of the file, or when the next non-blank line starts with `From `: the bytes
    /// of the blank lines between, which are consumed. Otherwise `None`, and everything read
    /// here is given back.
    fn at_next_message(&mut self) -> io::Result<Option<u64>> {
        let mut skipped = Vec::new();
        loop {
            let mut line = Vec::new();
            if self.read_line(&mut line)? == 0 {
                return Ok(Some(skipped.len() as u64));
            }
            if line.starts_with(b"From ") {
                self.next_from = Some(line);
                return Ok(Some(skipped.len() as u64));
            }
            let blank = line == b"\n" || line == b"\r\n";
            skipped.extend_from_slice(&line);
            if !blank {
                skipped.append(&mut self.pending);
                self.pending = skipped;
                return Ok(None);
            }
        }
    }
}

impl<R: BufRead> Iterator for Messages<R> {
    type Item = io::Result<MboxMessage>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_message().transpose()
    }
}

/// `>From `, `>>From `, …: one `>` less. Any other line as it is.
fn unquote(line: &[u8]) -> &[u8] {
    let quotes = line.iter().take_while(|&&b| b == b'>').count();
    if quotes > 0 && line[quotes..].starts_with(b"From ") {
        &line[1..]
    } else {
        line
    }
}

/// The value of the header's `Content-Length:` field, when it is a plain number.
fn content_length(header: &[u8]) -> Option<u64> {
    header
        .split(|&b| b == b'\n')
        .filter_map(|line| {
            let (name, value) = line.split_at(line.iter().position(|&b| b == b':')?);
            name.eq_ignore_ascii_case(b"content-length")
                .then(|| std::str::from_utf8(&value[1..]).ok())
                .flatten()
        })
        .find_map(|value| value.trim().parse().ok())
}

/// The date of `From sender Www Mmm dd hh:mm:ss yyyy` (asctime, as every variant writes it).
fn from_line_date(line: &[u8]) -> Option<i64> {
    let line = std::str::from_utf8(line).ok()?;
    let mut words = line.strip_prefix("From ")?.split_whitespace().skip(1);
    let _weekday = words.next()?;
    let month = match words.next()?.to_ascii_lowercase().as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    let day = words.next()?.parse().ok()?;
    let mut time = words.next()?.split(':').map(str::parse::<u8>);
    let (hour, minute) = (time.next()?.ok()?, time.next()?.ok()?);
    let second = time.next().transpose().ok()?.unwrap_or(0);
    let year = words.find_map(|w| w.parse::<u16>().ok().filter(|y| *y > 1900))?;
    let date = DateTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
        tz_before_gmt: false,
        tz_hour: 0,
        tz_minute: 0,
    };
    date.is_valid().then(|| date.to_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(mbox: &[u8]) -> Vec<MboxMessage> {
        Messages::new(mbox)
            .collect::<io::Result<_>>()
            .expect("an mbox in memory reads")
    }

    fn bodies(mbox: &[u8]) -> Vec<String> {
        split(mbox)
            .into_iter()
            .map(|m| String::from_utf8(m.bytes).unwrap())
            .collect()
    }

    #[test]
    fn mboxrd_is_split_at_from_lines_and_unquoted_once() {
        let mbox = b"From a@b Sat Jan  3 01:05:34 1996\nSubject: one\n\n>From here\n>>From there\nbody\n\nFrom c@d Sat Jan  3 01:05:35 1996\nSubject: two\n\nbody2\n";
        assert_eq!(
            bodies(mbox),
            [
                "Subject: one\n\nFrom here\n>From there\nbody\n\n",
                "Subject: two\n\nbody2\n"
            ]
        );
        let messages = split(mbox);
        assert_eq!(messages[0].internal_date, Some(820_631_134));
        assert_eq!(messages[1].internal_date, Some(820_631_135));
        let total: u64 = messages.iter().map(|m| m.source_bytes).sum();
        assert_eq!(total, mbox.len() as u64);
    }

    #[test]
    fn content_length_keeps_from_lines_in_the_body() {
        let body1 = "From the desk of Ana:\nFrom now on, write to me.\n";
        let body2 = "x\n";
        let mbox = format!(
            "From a@b Sat Jan  3 01:05:34 1996\nSubject: one\nContent-Length: {}\n\n{body1}\nFrom c@d Sat Jan  3 01:05:34 1996\nSubject: two\ncontent-length: {}\n\n{body2}",
            body1.len(),
            body2.len()
        );
        let got = bodies(mbox.as_bytes());
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with(body1), "{}", got[0]);
        assert!(got[1].ends_with(body2));
        let total: u64 = split(mbox.as_bytes()).iter().map(|m| m.source_bytes).sum();
        assert_eq!(total, mbox.len() as u64);
    }

    #[test]
    fn a_content_length_that_does_not_end_at_a_message_is_ignored() {
        // Too short: it ends inside the body. Too long: past the next message.
        for length in [3, 60] {
            let mbox = format!(
                "From a@b Sat Jan  3 01:05:34 1996\nContent-Length: {length}\n\nline one\nline two\nFrom c@d Sat Jan  3 01:05:34 1996\nSubject: two\n\nbody2\n"
            );
            let got = bodies(mbox.as_bytes());
            assert_eq!(got.len(), 2, "length {length}: {got:?}");
            assert!(got[0].ends_with("\n\nline one\nline two\n"), "{}", got[0]);
            assert_eq!(got[1], "Subject: two\n\nbody2\n");
        }
    }

    #[test]
    fn text_before_the_first_from_line_and_missing_dates_are_tolerated() {
        let got = split(b"junk\nFrom - \nSubject: a\n\nx\nFrom MAILER-DAEMON\nSubject: b\n\ny");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].bytes, b"Subject: a\n\nx\n");
        assert_eq!(got[1].bytes, b"Subject: b\n\ny");
        assert_eq!(got[0].internal_date, None);
    }

    #[test]
    fn crlf_files_split_the_same() {
        let got = bodies(b"From a@b Sat Jan  3 01:05:34 1996\r\nSubject: a\r\nContent-Length: 3\r\n\r\nx\r\n\r\nFrom b@c Sat Jan  3 01:05:34 1996\r\nSubject: b\r\n\r\ny\r\n");
        assert_eq!(
            got,
            [
                "Subject: a\r\nContent-Length: 3\r\n\r\nx\r\n",
                "Subject: b\r\n\r\ny\r\n"
            ]
        );
    }
}
