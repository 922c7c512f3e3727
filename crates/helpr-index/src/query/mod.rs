//! The query language (DESIGN §4, issue 4 item 4), like Gmail's: words, `"phrases"`, `from:`,
//! `to:`, `cc:`, `subject:`, `label:`/`in:`, `has:attachment`, `filename:`, `is:unread`/`is:read`,
//! `before:`/`after:` (YYYY-MM-DD), `-negation`, `OR`, parentheses; adjacent terms AND.
//!
//! - [`parse`] turns text into a [`Query`] tree or a [`QueryError`] that names the column.
//! - [`compile`] turns the tree into a tantivy query for a [`crate::MailSchema`], always inside
//!   an access filter (tenant + the inboxes the caller may see).

mod compile;
mod parse;

pub use compile::compile;
pub use parse::parse;

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// Words in any text field (from, to, cc, subject, body, filename).
    Text(String),
    /// An exact phrase in any text field.
    Phrase(String),
    /// `op:value`.
    Op {
        op: Operator,
        value: String,
        phrase: bool,
    },
    Not(Box<Query>),
    And(Vec<Query>),
    Or(Vec<Query>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    From,
    To,
    Cc,
    Subject,
    Label,
    Has,
    Filename,
    Is,
    Before,
    After,
}

impl Operator {
    fn from_name(name: &str) -> Option<Operator> {
        Some(match name.to_ascii_lowercase().as_str() {
            "from" => Operator::From,
            "to" => Operator::To,
            "cc" => Operator::Cc,
            "subject" => Operator::Subject,
            "label" | "in" => Operator::Label,
            "has" => Operator::Has,
            "filename" => Operator::Filename,
            "is" => Operator::Is,
            "before" => Operator::Before,
            "after" => Operator::After,
            _ => return None,
        })
    }
}

/// A malformed query: what is wrong and where (1-based column, in characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("query error at column {column}: {message}")]
pub struct QueryError {
    pub column: usize,
    pub message: String,
}
