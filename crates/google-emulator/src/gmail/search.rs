//! Gmail's search syntax for `q=` (messages.list, threads.list): the parser from the query
//! string to an [`Expr`]; [`matcher`] evaluates one against a message.
//!
//! Grammar: terms side by side must all match; `a OR b` (upper case) and `{a b}` match either;
//! `-term` negates; `( … )` groups; `"a phrase"` matches words in order. Operators: `from:`,
//! `to:` (To, Cc and Bcc), `cc:`, `bcc:`, `subject:`, `label:`, `in:` (a label, or
//! `anywhere`), `is:` (`unread`, `read`, `starred`, `important`), `category:`,
//! `has:attachment`, `after:`/`newer:` and `before:`/`older:` (`YYYY/MM/DD`, `YYYY-MM-DD`,
//! `MM/DD/YYYY` at UTC midnight, or epoch seconds), `newer_than:`/`older_than:` (`<n>d`,
//! `<n>m` = 30 days, `<n>y` = 365 days) and `rfc822msgid:`; each takes a word, a
//! `"phrase"`, `( … )` (all) or `{ … }` (any). Gmail operators the emulator lacks
//! (`filename:`, `larger:`, `smaller:`, `size:`, `list:`, `deliveredto:`, other `is:`/`has:`
//! values) are refused with 400 rather than matched wrongly; any other `word:word` is plain
//! text, as in Gmail.

pub(crate) mod matcher;

use time::{Date, Month};

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    /// Every one matches (an empty list matches everything).
    All(Vec<Expr>),
    /// At least one matches.
    Any(Vec<Expr>),
    Not(Box<Expr>),
    Term(Term),
}

/// One condition on a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Term {
    /// Lowercase word tokens that must appear in this order in the subject, an address
    /// header or the body text.
    Words(Vec<String>),
    /// A lowercase needle found in one of the header's addresses (`name <address>`).
    Address(AddressField, String),
    /// Word tokens in order within the subject.
    Subject(Vec<String>),
    /// A label id or name, lowercase (`label:`, `in:`, `is:`, `category:`).
    Label(String),
    HasAttachment,
    /// `internalDate` at or after this instant (ms).
    After(i64),
    /// `internalDate` before this instant (ms).
    Before(i64),
    /// `internalDate` within this many ms of now.
    NewerThan(i64),
    /// `internalDate` more than this many ms before now.
    OlderThan(i64),
    /// The `Message-ID`, without angle brackets.
    MessageId(String),
    /// `in:anywhere`: every message, SPAM and TRASH included.
    Anywhere,
}

/// Which address headers an address term reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddressField {
    From,
    /// To, Cc and Bcc.
    To,
    Cc,
    Bcc,
}

/// Why a query was refused (400 `invalidArgument`).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub(crate) enum SearchError {
    #[error("Invalid query: unbalanced '{0}'")]
    Unbalanced(char),
    #[error("Invalid query: unterminated quote")]
    UnterminatedQuote,
    #[error("Invalid query: '{0}:' needs a value")]
    MissingValue(String),
    #[error(
        "Invalid query: '{op}:{value}' is not a date (YYYY/MM/DD, MM/DD/YYYY or epoch seconds)"
    )]
    BadDate { op: String, value: String },
    #[error("Invalid query: '{op}:{value}' is not an age (a number then d, m or y)")]
    BadAge { op: String, value: String },
    #[error("The emulator does not support the search term '{0}'")]
    Unsupported(String),
}

/// Gmail operators the emulator does not evaluate: refused, not taken as text.
const UNSUPPORTED: &[&str] = &[
    "filename",
    "larger",
    "smaller",
    "size",
    "list",
    "deliveredto",
];

/// Parses `q`. An empty or all-blank query matches everything.
pub(crate) fn parse(q: &str) -> Result<Expr, SearchError> {
    let mut parser = Parser {
        chars: q.chars().collect(),
        at: 0,
    };
    let items = parser.sequence(None)?;
    Ok(Expr::All(items))
}

impl Expr {
    /// Whether the query asks for SPAM or TRASH (`in:trash`, `label:spam`, `in:anywhere`
    /// outside a negation), so lists show them without `includeSpamTrash`.
    pub(crate) fn reveals_spam_trash(&self) -> bool {
        match self {
            Expr::All(items) | Expr::Any(items) => items.iter().any(Expr::reveals_spam_trash),
            Expr::Not(_) => false,
            Expr::Term(Term::Anywhere) => true,
            Expr::Term(Term::Label(l)) => l == "spam" || l == "trash",
            Expr::Term(_) => false,
        }
    }
}

/// The word tokens of `text`: runs of letters and digits, lowercase.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

/// Characters that end a bare word.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '{' | '}' | '"')
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// Whether the next bare word is exactly `word`.
    fn next_word_is(&self, word: &str) -> bool {
        let end = self.at + word.chars().count();
        self.chars
            .get(self.at..end)
            .is_some_and(|w| w.iter().copied().eq(word.chars()))
            && self.chars.get(end).is_none_or(|&c| ends_word(c))
    }

    /// Terms up to `end` (or the end of the query), `OR` binding tighter than juxtaposition.
    fn sequence(&mut self, end: Option<char>) -> Result<Vec<Expr>, SearchError> {
        let mut items: Vec<Expr> = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                None if end.is_none() => return Ok(items),
                None => return Err(SearchError::Unbalanced(end.unwrap_or('('))),
                Some(c) if Some(c) == end => {
                    self.at += 1;
                    return Ok(items);
                }
                Some(c @ (')' | '}')) => return Err(SearchError::Unbalanced(c)),
                _ => {}
            }
            if self.next_word_is("AND") {
                self.at += 3;
                continue;
            }
            if self.next_word_is("OR") && !items.is_empty() {
                self.at += 2;
                self.skip_space();
                let right = self.unary()?;
                let left = items.pop().expect("checked non-empty");
                items.push(match left {
                    Expr::Any(mut alternatives) => {
                        alternatives.push(right);
                        Expr::Any(alternatives)
                    }
                    left => Expr::Any(vec![left, right]),
                });
                continue;
            }
            items.push(self.unary()?);
        }
    }

    fn unary(&mut self) -> Result<Expr, SearchError> {
        match self.peek() {
            Some('-') => {
                self.at += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some('(') => {
                self.at += 1;
                Ok(Expr::All(self.sequence(Some(')'))?))
            }
            Some('{') => {
                self.at += 1;
                Ok(Expr::Any(self.sequence(Some('}'))?))
            }
            Some('"') => Ok(Expr::Term(Term::Words(tokens(&self.quoted()?)))),
            _ => self.word_or_operator(),
        }
    }

    /// A `"…"` string (the opening quote is next).
    fn quoted(&mut self) -> Result<String, SearchError> {
        self.at += 1;
        let start = self.at;
        while self.peek().is_some_and(|c| c != '"') {
            self.at += 1;
        }
        if self.peek().is_none() {
            return Err(SearchError::UnterminatedQuote);
        }
        let text = self.chars[start..self.at].iter().collect();
        self.at += 1;
        Ok(text)
    }

    fn bare_word(&mut self) -> String {
        let start = self.at;
        while self.peek().is_some_and(|c| !ends_word(c)) {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn word_or_operator(&mut self) -> Result<Expr, SearchError> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.at += 1;
        }
        let name: String = self.chars[start..self.at].iter().collect();
        let name = name.to_ascii_lowercase();
        if self.peek() == Some(':') && !name.is_empty() && is_operator(&name) {
            self.at += 1;
            return self.operator(&name);
        }
        self.at = start;
        let word = self.bare_word();
        Ok(Expr::Term(Term::Words(tokens(&word))))
    }

    /// The value(s) after `name:`.
    fn operator(&mut self, name: &str) -> Result<Expr, SearchError> {
        match self.peek() {
            Some('"') => {
                let value = self.quoted()?;
                term(name, &value)
            }
            Some(open @ ('(' | '{')) => {
                self.at += 1;
                let close = if open == '(' { ')' } else { '}' };
                let mut values = Vec::new();
                loop {
                    self.skip_space();
                    match self.peek() {
                        None => return Err(SearchError::Unbalanced(open)),
                        Some(c) if c == close => {
                            self.at += 1;
                            break;
                        }
                        Some('"') => {
                            let value = self.quoted()?;
                            values.push(term(name, &value)?);
                        }
                        Some(_) => {
                            let value = self.bare_word();
                            if value.is_empty() {
                                return Err(SearchError::Unbalanced(open));
                            }
                            values.push(term(name, &value)?);
                        }
                    }
                }
                Ok(if open == '(' {
                    Expr::All(values)
                } else {
                    Expr::Any(values)
                })
            }
            _ => {
                let value = self.bare_word();
                if value.is_empty() {
                    return Err(SearchError::MissingValue(name.to_owned()));
                }
                term(name, &value)
            }
        }
    }
}

/// Whether `name:` is a Gmail operator (supported or refused), not text.
fn is_operator(name: &str) -> bool {
    matches!(
        name,
        "from"
            | "to"
            | "cc"
            | "bcc"
            | "subject"
            | "label"
            | "in"
            | "is"
            | "has"
            | "category"
            | "after"
            | "before"
            | "newer"
            | "older"
            | "newer_than"
            | "older_than"
            | "rfc822msgid"
    ) || UNSUPPORTED.contains(&name)
}

/// The expression for `name:value`.
fn term(name: &str, value: &str) -> Result<Expr, SearchError> {
    let lower = value.to_lowercase();
    let unsupported = || SearchError::Unsupported(format!("{name}:{value}"));
    let t = match name {
        "from" => Term::Address(AddressField::From, lower),
        "to" => Term::Address(AddressField::To, lower),
        "cc" => Term::Address(AddressField::Cc, lower),
        "bcc" => Term::Address(AddressField::Bcc, lower),
        "subject" => Term::Subject(tokens(value)),
        "label" => Term::Label(label_name(&lower)),
        "in" if lower == "anywhere" => Term::Anywhere,
        "in" => Term::Label(label_name(&lower)),
        "is" => match lower.as_str() {
            "unread" | "starred" | "important" => Term::Label(lower),
            "read" => {
                return Ok(Expr::Not(Box::new(Expr::Term(Term::Label(
                    "unread".into(),
                )))))
            }
            _ => return Err(unsupported()),
        },
        "has" if lower == "attachment" => Term::HasAttachment,
        "category" => Term::Label(match lower.as_str() {
            "primary" => "category_personal".to_owned(),
            other => format!("category_{other}"),
        }),
        "after" | "newer" => Term::After(date_ms(name, value)?),
        "before" | "older" => Term::Before(date_ms(name, value)?),
        "newer_than" => Term::NewerThan(age_ms(name, value)?),
        "older_than" => Term::OlderThan(age_ms(name, value)?),
        "rfc822msgid" => Term::MessageId(
            value
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned(),
        ),
        _ => return Err(unsupported()),
    };
    Ok(Expr::Term(t))
}

/// Gmail's aliases among `in:` values for system labels.
fn label_name(lower: &str) -> String {
    match lower {
        "drafts" => "draft".to_owned(),
        "chats" => "chat".to_owned(),
        other => other.to_owned(),
    }
}

/// UTC midnight of a date (`YYYY/MM/DD`, `YYYY-MM-DD`, `MM/DD/YYYY`), or epoch seconds, in ms.
fn date_ms(op: &str, value: &str) -> Result<i64, SearchError> {
    let bad = || SearchError::BadDate {
        op: op.to_owned(),
        value: value.to_owned(),
    };
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value
            .parse::<i64>()
            .ok()
            .and_then(|s| s.checked_mul(1000))
            .ok_or_else(bad);
    }
    let numbers: Vec<&str> = value.split(['/', '-']).collect();
    let [a, b, c] = numbers.as_slice() else {
        return Err(bad());
    };
    let (year, month, day) = if a.len() == 4 { (a, b, c) } else { (c, a, b) };
    let year: i32 = year.parse().map_err(|_| bad())?;
    let month: u8 = month.parse().map_err(|_| bad())?;
    let day: u8 = day.parse().map_err(|_| bad())?;
    let month = Month::try_from(month).map_err(|_| bad())?;
    let date = Date::from_calendar_date(year, month, day).map_err(|_| bad())?;
    Ok(date.midnight().assume_utc().unix_timestamp() * 1000)
}

/// `<n>d`, `<n>m` (30 days) or `<n>y` (365 days), in ms.
fn age_ms(op: &str, value: &str) -> Result<i64, SearchError> {
    let bad = || SearchError::BadAge {
        op: op.to_owned(),
        value: value.to_owned(),
    };
    let lower = value.to_ascii_lowercase();
    let unit = lower.chars().last().ok_or_else(bad)?;
    let days_per = match unit {
        'd' => 1,
        'm' => 30,
        'y' => 365,
        _ => return Err(bad()),
    };
    let n: i64 = lower[..lower.len() - 1].parse().map_err(|_| bad())?;
    n.checked_mul(days_per * 86_400_000).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Expr {
        Expr::Term(Term::Words(w.iter().map(|s| (*s).to_owned()).collect()))
    }

    fn label(l: &str) -> Expr {
        Expr::Term(Term::Label(l.to_owned()))
    }

    #[test]
    fn terms_side_by_side_all_apply_and_or_binds_tighter() {
        assert_eq!(
            parse("budget from:Bob@Example.org OR to:carol is:unread").unwrap(),
            Expr::All(vec![
                words(&["budget"]),
                Expr::Any(vec![
                    Expr::Term(Term::Address(AddressField::From, "bob@example.org".into())),
                    Expr::Term(Term::Address(AddressField::To, "carol".into())),
                ]),
                label("unread"),
            ])
        );
        assert_eq!(
            parse("a OR b OR c").unwrap(),
            Expr::All(vec![Expr::Any(vec![
                words(&["a"]),
                words(&["b"]),
                words(&["c"])
            ])])
        );
        assert_eq!(parse("  ").unwrap(), Expr::All(vec![]));
        assert_eq!(
            parse("or").unwrap(),
            Expr::All(vec![words(&["or"])]),
            "lower-case or is a word"
        );
    }

    #[test]
    fn negation_groups_braces_and_phrases() {
        assert_eq!(
            parse("-in:trash (\"Quarterly Report\" {label:Work is:starred})").unwrap(),
            Expr::All(vec![
                Expr::Not(Box::new(label("trash"))),
                Expr::All(vec![
                    words(&["quarterly", "report"]),
                    Expr::Any(vec![label("work"), label("starred")]),
                ]),
            ])
        );
        assert_eq!(
            parse("subject:(lunch plans) is:read").unwrap(),
            Expr::All(vec![
                Expr::All(vec![
                    Expr::Term(Term::Subject(vec!["lunch".into()])),
                    Expr::Term(Term::Subject(vec!["plans".into()])),
                ]),
                Expr::Not(Box::new(label("unread"))),
            ])
        );
        assert_eq!(
            parse("subject:\"lunch plans\"").unwrap(),
            Expr::All(vec![Expr::Term(Term::Subject(vec![
                "lunch".into(),
                "plans".into()
            ]))])
        );
    }

    #[test]
    fn dates_ages_and_message_ids() {
        assert_eq!(
            parse("after:2024/01/02 before:01/03/2024 newer:2024-01-01 older:1704153600").unwrap(),
            Expr::All(vec![
                Expr::Term(Term::After(1_704_153_600_000)),
                Expr::Term(Term::Before(1_704_240_000_000)),
                Expr::Term(Term::After(1_704_067_200_000)),
                Expr::Term(Term::Before(1_704_153_600_000)),
            ])
        );
        assert_eq!(
            parse("newer_than:2d older_than:1M older_than:1y").unwrap(),
            Expr::All(vec![
                Expr::Term(Term::NewerThan(2 * 86_400_000)),
                Expr::Term(Term::OlderThan(30 * 86_400_000)),
                Expr::Term(Term::OlderThan(365 * 86_400_000)),
            ])
        );
        assert_eq!(
            parse("rfc822msgid:<abc@x.org>").unwrap(),
            Expr::All(vec![Expr::Term(Term::MessageId("abc@x.org".into()))])
        );
        assert_eq!(
            parse("in:drafts category:primary in:anywhere").unwrap(),
            Expr::All(vec![
                label("draft"),
                label("category_personal"),
                Expr::Term(Term::Anywhere)
            ])
        );
    }

    #[test]
    fn unknown_names_before_a_colon_are_text() {
        assert_eq!(
            parse("http://example.org").unwrap(),
            Expr::All(vec![words(&["http", "example", "org"])])
        );
    }

    #[test]
    fn malformed_and_unsupported_queries_are_refused() {
        assert_eq!(parse("(a b"), Err(SearchError::Unbalanced(')')));
        assert_eq!(parse("a)"), Err(SearchError::Unbalanced(')')));
        assert_eq!(parse("{a"), Err(SearchError::Unbalanced('}')));
        assert_eq!(parse("\"a b"), Err(SearchError::UnterminatedQuote));
        assert_eq!(
            parse("from: x"),
            Err(SearchError::MissingValue("from".into()))
        );
        assert!(matches!(
            parse("after:2024/13/01"),
            Err(SearchError::BadDate { .. })
        ));
        assert!(matches!(
            parse("after:soon"),
            Err(SearchError::BadDate { .. })
        ));
        assert!(matches!(
            parse("newer_than:3w"),
            Err(SearchError::BadAge { .. })
        ));
        assert_eq!(
            parse("larger:5M"),
            Err(SearchError::Unsupported("larger:5M".into()))
        );
        assert_eq!(
            parse("is:muted"),
            Err(SearchError::Unsupported("is:muted".into()))
        );
        assert_eq!(
            parse("has:drive"),
            Err(SearchError::Unsupported("has:drive".into()))
        );
    }

    #[test]
    fn spam_and_trash_show_only_when_asked_for_outside_a_negation() {
        assert!(parse("in:trash").unwrap().reveals_spam_trash());
        assert!(parse("a OR label:SPAM").unwrap().reveals_spam_trash());
        assert!(parse("in:anywhere").unwrap().reveals_spam_trash());
        assert!(!parse("-in:trash").unwrap().reveals_spam_trash());
        assert!(!parse("in:inbox").unwrap().reveals_spam_trash());
    }
}
