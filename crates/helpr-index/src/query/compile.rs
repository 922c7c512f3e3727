//! Compiling a [`Query`] tree to a tantivy query over [`MailSchema`], inside the access filter:
//! every compiled query is `tenant = T AND inbox ∈ {…} AND (the user's query)`, so a caller can
//! never see another inbox's messages, whatever they type.

use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, PhraseQuery, Query as TQuery, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use super::parse::parse_day;
use super::{Operator, Query};
use crate::MailSchema;

type Boxed = Box<dyn TQuery>;

/// The same analysis the text fields get at indexing time.
fn tokens(text: &str) -> Vec<String> {
    let mut analyzer = crate::tokenizer::analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// Words in one text field: a term, or a phrase when the text has several tokens.
fn in_field(field: Field, text: &str) -> Boxed {
    let words = tokens(text);
    match words.len() {
        0 => Box::new(EmptyQuery),
        1 => Box::new(TermQuery::new(
            Term::from_field_text(field, &words[0]),
            IndexRecordOption::Basic,
        )),
        _ => Box::new(PhraseQuery::new(
            words
                .iter()
                .map(|w| Term::from_field_text(field, w))
                .collect(),
        )),
    }
}

fn any_field(s: &MailSchema, text: &str) -> Boxed {
    let fields = [s.from, s.to, s.cc, s.subject, s.body, s.attachment_names];
    Box::new(BooleanQuery::new(
        fields
            .iter()
            .map(|&f| (Occur::Should, in_field(f, text)))
            .collect(),
    ))
}

fn term_query(term: Term) -> Boxed {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

fn op_query(s: &MailSchema, op: Operator, value: &str) -> Boxed {
    match op {
        Operator::From => in_field(s.from, value),
        Operator::To => in_field(s.to, value),
        Operator::Cc => in_field(s.cc, value),
        Operator::Subject => in_field(s.subject, value),
        Operator::Filename => in_field(s.attachment_names, value),
        Operator::Label => term_query(Term::from_field_text(s.labels, &value.to_lowercase())),
        Operator::Has => term_query(Term::from_field_bool(s.has_attachment, true)),
        Operator::Is => term_query(Term::from_field_bool(
            s.unread,
            value.eq_ignore_ascii_case("unread"),
        )),
        Operator::Before | Operator::After => {
            // `parse` validated the date already; an unparsable one matches nothing.
            let Some(day) = parse_day(value) else {
                return Box::new(EmptyQuery);
            };
            let at = Term::from_field_i64(s.date, day);
            let (lower, upper) = if op == Operator::After {
                (std::ops::Bound::Included(at), std::ops::Bound::Unbounded)
            } else {
                (std::ops::Bound::Unbounded, std::ops::Bound::Excluded(at))
            };
            Box::new(RangeQuery::new(lower, upper))
        }
    }
}

fn to_tantivy(s: &MailSchema, q: &Query) -> Boxed {
    match q {
        Query::Text(t) | Query::Phrase(t) => any_field(s, t),
        Query::Op { op, value, .. } => op_query(s, *op, value),
        Query::Not(inner) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, Box::new(AllQuery) as Boxed),
            (Occur::MustNot, to_tantivy(s, inner)),
        ])),
        Query::And(parts) => Box::new(BooleanQuery::new(
            parts
                .iter()
                .map(|p| (Occur::Must, to_tantivy(s, p)))
                .collect(),
        )),
        Query::Or(parts) => Box::new(BooleanQuery::new(
            parts
                .iter()
                .map(|p| (Occur::Should, to_tantivy(s, p)))
                .collect(),
        )),
    }
}

/// `q` restricted to `tenant` and the `inboxes` the caller may see (none: matches nothing).
pub fn compile(s: &MailSchema, q: &Query, tenant: u64, inboxes: &[u64]) -> Boxed {
    let inbox_filter: Boxed = Box::new(BooleanQuery::new(
        inboxes
            .iter()
            .map(|&i| (Occur::Should, term_query(Term::from_field_u64(s.inbox, i))))
            .collect(),
    ));
    if inboxes.is_empty() {
        return Box::new(EmptyQuery);
    }
    Box::new(BooleanQuery::new(vec![
        (
            Occur::Must,
            term_query(Term::from_field_u64(s.tenant, tenant)),
        ),
        (Occur::Must, inbox_filter),
        (Occur::Must, to_tantivy(s, q)),
    ]))
}
