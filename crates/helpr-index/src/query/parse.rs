//! Parsing: a small recursive-descent parser over characters. Never panics; every error names
//! the column where it was noticed.

use super::{Operator, Query, QueryError};

/// Deepest nesting of parentheses and negations accepted (guards the stack).
const MAX_DEPTH: usize = 64;

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

fn err(pos: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        column: pos + 1,
        message: message.into(),
    }
}

/// Parses a query. An empty query is an error.
pub fn parse(input: &str) -> Result<Query, QueryError> {
    let mut p = Parser {
        chars: input.chars().collect(),
        pos: 0,
        depth: 0,
    };
    p.skip_ws();
    if p.at_end() {
        return Err(err(0, "the query is empty"));
    }
    let q = p.or_expr()?;
    p.skip_ws();
    if !p.at_end() {
        return Err(err(p.pos, format!("unexpected '{}'", p.chars[p.pos])));
    }
    Ok(q)
}

impl Parser {
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// `OR` as a whole word at the cursor.
    fn at_or(&self) -> bool {
        self.chars.get(self.pos) == Some(&'O')
            && self.chars.get(self.pos + 1) == Some(&'R')
            && self
                .chars
                .get(self.pos + 2)
                .is_none_or(|c| c.is_whitespace() || *c == '(')
    }

    fn nest(&mut self) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(self.pos, "the query is nested too deeply"));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.and_expr()?];
        loop {
            self.skip_ws();
            if !self.at_or() {
                break;
            }
            let at = self.pos;
            self.pos += 2;
            self.skip_ws();
            if self.at_end() || self.peek() == Some(')') {
                return Err(err(at, "OR needs a term on both sides"));
            }
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Query::Or(parts)
        })
    }

    fn and_expr(&mut self) -> Result<Query, QueryError> {
        let mut parts = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None | Some(')') => break,
                _ if self.at_or() => {
                    if parts.is_empty() {
                        return Err(err(self.pos, "OR needs a term on both sides"));
                    }
                    break;
                }
                _ => parts.push(self.unary()?),
            }
        }
        match parts.len() {
            0 => Err(err(self.pos, "expected a search term")),
            1 => Ok(parts.remove(0)),
            _ => Ok(Query::And(parts)),
        }
    }

    fn unary(&mut self) -> Result<Query, QueryError> {
        if self.peek() == Some('-') {
            let at = self.pos;
            self.pos += 1;
            if self.at_end() || self.peek().is_some_and(char::is_whitespace) {
                return Err(err(at, "'-' must be followed by a term"));
            }
            self.nest()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Query::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Query, QueryError> {
        match self.peek() {
            Some('(') => {
                let open = self.pos;
                self.pos += 1;
                self.nest()?;
                self.skip_ws();
                if self.peek() == Some(')') {
                    return Err(err(open, "empty parentheses"));
                }
                let q = self.or_expr()?;
                self.skip_ws();
                if self.peek() != Some(')') {
                    return Err(err(open, "this '(' is never closed"));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(q)
            }
            Some('"') => {
                let (text, _) = self.phrase()?;
                Ok(Query::Phrase(text))
            }
            _ => self.word_or_op(),
        }
    }

    /// A quoted phrase at the cursor; returns its text and start column.
    fn phrase(&mut self) -> Result<(String, usize), QueryError> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        while self.peek().is_some_and(|c| c != '"') {
            self.pos += 1;
        }
        if self.at_end() {
            return Err(err(open, "this quote is never closed"));
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        self.pos += 1;
        if text.trim().is_empty() {
            return Err(err(open, "empty phrase"));
        }
        Ok((text, open))
    }

    fn bare(&mut self) -> String {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| !c.is_whitespace() && c != '(' && c != ')' && c != '"')
        {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn word_or_op(&mut self) -> Result<Query, QueryError> {
        let start = self.pos;
        let word = self.bare();
        if word.is_empty() {
            return Err(err(
                start,
                format!("unexpected '{}'", self.peek().unwrap_or(' ')),
            ));
        }
        let Some((name, rest)) = word.split_once(':') else {
            return Ok(Query::Text(word));
        };
        let Some(op) = Operator::from_name(name) else {
            // Not an operator (a time like 10:30, a URL): search it as words.
            return Ok(Query::Text(word));
        };
        let value_at = start + name.chars().count() + 1;
        let (value, phrase) = if rest.is_empty() {
            if self.peek() == Some('"') {
                let (text, _) = self.phrase()?;
                (text, true)
            } else {
                return Err(err(value_at, format!("{name}: needs a value")));
            }
        } else {
            (rest.to_string(), false)
        };
        validate(op, &value, value_at)?;
        Ok(Query::Op { op, value, phrase })
    }
}

fn validate(op: Operator, value: &str, at: usize) -> Result<(), QueryError> {
    match op {
        Operator::Has if !value.eq_ignore_ascii_case("attachment") => Err(err(
            at,
            format!("has:{value} is not supported (has:attachment is)"),
        )),
        Operator::Is if !matches!(value.to_ascii_lowercase().as_str(), "unread" | "read") => {
            Err(err(
                at,
                format!("is:{value} is not supported (is:unread, is:read are)"),
            ))
        }
        Operator::Before | Operator::After => parse_day(value)
            .map(|_| ())
            .ok_or_else(|| err(at, format!("'{value}' is not a date (YYYY-MM-DD)"))),
        _ => Ok(()),
    }
}

/// `YYYY-MM-DD` (or `YYYY/MM/DD`, as Gmail writes it) → seconds at 00:00 UTC that day.
pub(crate) fn parse_day(value: &str) -> Option<i64> {
    let parts: Vec<&str> = value.split(['-', '/']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > days_in_month {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm), UTC midnight.
    let (y, m, d) = (if m <= 2 { y - 1 } else { y }, m as i64, d as i64);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(op: Operator, value: &str) -> Query {
        Query::Op {
            op,
            value: value.into(),
            phrase: false,
        }
    }

    #[test]
    fn parses_the_operators() {
        assert_eq!(
            parse("from:ana subject:\"late invoice\" -label:spam (is:unread OR has:attachment)")
                .unwrap(),
            Query::And(vec![
                op(Operator::From, "ana"),
                Query::Op {
                    op: Operator::Subject,
                    value: "late invoice".into(),
                    phrase: true
                },
                Query::Not(Box::new(op(Operator::Label, "spam"))),
                Query::Or(vec![
                    op(Operator::Is, "unread"),
                    op(Operator::Has, "attachment")
                ]),
            ])
        );
        assert_eq!(parse("in:inbox").unwrap(), op(Operator::Label, "inbox"));
        assert_eq!(
            parse("a OR b c").unwrap(),
            Query::Or(vec![
                Query::Text("a".into()),
                Query::And(vec![Query::Text("b".into()), Query::Text("c".into())])
            ])
        );
        assert_eq!(
            parse("meet at 10:30").unwrap().clone(),
            Query::And(vec![
                Query::Text("meet".into()),
                Query::Text("at".into()),
                Query::Text("10:30".into()),
            ])
        );
        assert_eq!(
            parse("\"exact words\"").unwrap(),
            Query::Phrase("exact words".into())
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        for (q, column, words) in [
            ("", 1, "empty"),
            ("(from:a", 1, "never closed"),
            ("from:a)", 7, "unexpected ')'"),
            ("\"open phrase", 1, "never closed"),
            ("from: x", 6, "needs a value"),
            ("has:pdf", 5, "has:pdf"),
            ("is:starred", 4, "is:starred"),
            ("before:2024-13-01", 8, "not a date"),
            ("after:yesterday", 7, "not a date"),
            ("a OR", 3, "OR needs"),
            ("OR a", 1, "OR needs"),
            ("- a", 1, "followed by a term"),
            ("()", 1, "empty parentheses"),
        ] {
            let e = parse(q).unwrap_err();
            assert_eq!(e.column, column, "{q:?}: {e}");
            assert!(e.message.contains(words), "{q:?}: {e}");
        }
    }

    #[test]
    fn never_panics_and_bounds_nesting() {
        assert!(parse(&"(".repeat(10_000)).is_err());
        assert!(parse(&"-".repeat(10_000)).is_err());
        let mut seed = 1u64;
        let alphabet: Vec<char> = "ab:()\"- ORfromis".chars().collect();
        for len in 0..300 {
            let s: String = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                    alphabet[(seed >> 33) as usize % alphabet.len()]
                })
                .collect();
            let _ = parse(&s);
        }
    }

    #[test]
    fn days_are_utc_midnights() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2024-02-29"), Some(1_709_164_800));
        assert_eq!(parse_day("2024/03/01"), Some(1_709_251_200));
        assert_eq!(parse_day("2023-02-29"), None);
        assert_eq!(parse_day("2024-1-01"), None);
    }
}
