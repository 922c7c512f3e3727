//! `fields=` partial responses (Google's standard query parameter): the field-selector syntax
//! (`a,b`, nested `a/b/c`, sub-selections `a(b,c)`, `*` for every field at that level) and its
//! application to a JSON body. Arrays are transparent (`messages/id` selects `id` in every
//! element); objects left empty by the selection are dropped. Field names are not checked
//! against the discovery schemas: a name the body lacks selects nothing (Google answers 400
//! for a name its schema lacks).

use serde_json::{Map, Value};

/// A parsed selector: each selected name with what is selected below it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Selection(Vec<(String, Select)>);

/// What is selected below a name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Select {
    /// The whole value.
    All,
    /// Only these fields of it (of each element, for an array).
    Some(Selection),
}

/// Why a selector does not parse; the message follows Google's 400.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("Invalid field selection {selector}")]
pub(crate) struct FieldsError {
    selector: String,
}

impl Selection {
    /// Parses a `fields` value.
    pub(crate) fn parse(selector: &str) -> Result<Self, FieldsError> {
        let error = || FieldsError {
            selector: selector.to_owned(),
        };
        let mut parser = Parser {
            chars: selector.chars().filter(|c| !c.is_whitespace()).collect(),
            at: 0,
        };
        let selection = parser.selection().ok_or_else(error)?;
        if parser.at != parser.chars.len() {
            return Err(error());
        }
        Ok(selection)
    }

    /// `value` with only the selected fields.
    pub(crate) fn apply(&self, value: &Value) -> Value {
        match value {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.apply(item))
                    .filter(|item| !is_empty_object(item))
                    .collect(),
            ),
            Value::Object(object) => {
                let mut out = Map::new();
                for (name, select) in &self.0 {
                    let names: Vec<&String> = if name == "*" {
                        object.keys().collect()
                    } else {
                        object.keys().filter(|k| *k == name).collect()
                    };
                    for key in names {
                        let picked = match select {
                            Select::All => object[key].clone(),
                            Select::Some(below) => below.apply(&object[key]),
                        };
                        if is_empty_object(&picked) || emptied_array(&object[key], &picked) {
                            continue;
                        }
                        merge(&mut out, key, picked);
                    }
                }
                Value::Object(out)
            }
            // A sub-selection of a string or number selects nothing of it.
            _ => Value::Object(Map::new()),
        }
    }

    /// Adds `path` (names from the top) with `leaf` below its last name, merging with what is
    /// there: a whole value stays whole.
    fn insert(&mut self, path: &[String], leaf: Select) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let below = if rest.is_empty() {
            leaf
        } else {
            let mut nested = Selection::default();
            nested.insert(rest, leaf);
            Select::Some(nested)
        };
        match self.0.iter_mut().find(|(name, _)| name == first) {
            None => self.0.push((first.clone(), below)),
            Some((_, Select::All)) => {}
            Some((_, existing @ Select::Some(_))) => match below {
                Select::All => *existing = Select::All,
                Select::Some(more) => {
                    if let Select::Some(have) = existing {
                        for (name, select) in more.0 {
                            have.insert(&[name], select);
                        }
                    }
                }
            },
        }
    }
}

/// An array whose every element the selection emptied (`messages/nope`).
fn emptied_array(before: &Value, after: &Value) -> bool {
    matches!((before, after), (Value::Array(b), Value::Array(a)) if a.is_empty() && !b.is_empty())
}

fn is_empty_object(value: &Value) -> bool {
    value.as_object().is_some_and(Map::is_empty)
}

/// Puts `value` at `key`, merging two objects picked for the same key (`a/b,a/c`).
fn merge(out: &mut Map<String, Value>, key: &str, value: Value) {
    match (out.get_mut(key), value) {
        (Some(Value::Object(have)), Value::Object(more)) => {
            for (k, v) in more {
                merge(have, &k, v);
            }
        }
        (_, value) => {
            out.insert(key.to_owned(), value);
        }
    }
}

/// A recursive-descent reader over the selector (whitespace removed).
struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    /// `item ("," item)*`
    fn selection(&mut self) -> Option<Selection> {
        let mut selection = Selection::default();
        loop {
            let (path, leaf) = self.item()?;
            selection.insert(&path, leaf);
            if self.peek() == Some(',') {
                self.at += 1;
            } else {
                return Some(selection);
            }
        }
    }

    /// `name ("/" name)* ["(" selection ")"]`
    fn item(&mut self) -> Option<(Vec<String>, Select)> {
        let mut path = vec![self.name()?];
        while self.peek() == Some('/') {
            self.at += 1;
            path.push(self.name()?);
        }
        if self.peek() != Some('(') {
            return Some((path, Select::All));
        }
        self.at += 1;
        let below = self.selection()?;
        if self.peek() != Some(')') {
            return None;
        }
        self.at += 1;
        Some((path, Select::Some(below)))
    }

    fn name(&mut self) -> Option<String> {
        let start = self.at;
        if self.peek() == Some('*') {
            self.at += 1;
            return Some("*".to_owned());
        }
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '.' | '-' | '@'))
        {
            self.at += 1;
        }
        (self.at > start).then(|| self.chars[start..self.at].iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn select(selector: &str, value: Value) -> Value {
        Selection::parse(selector).unwrap().apply(&value)
    }

    fn message() -> Value {
        json!({
            "id": "a1", "threadId": "t1", "labelIds": ["INBOX"], "snippet": "hi",
            "payload": {"mimeType": "text/plain", "headers": [
                {"name": "From", "value": "x"}, {"name": "To", "value": "y"}]},
        })
    }

    #[test]
    fn top_level_names_keep_only_those_fields() {
        assert_eq!(
            select("id,labelIds", message()),
            json!({"id": "a1", "labelIds": ["INBOX"]})
        );
    }

    #[test]
    fn slashes_reach_into_objects_and_through_arrays() {
        assert_eq!(
            select("payload/headers/name", message()),
            json!({"payload": {"headers": [{"name": "From"}, {"name": "To"}]}})
        );
        let list = json!({"messages": [{"id": "1", "threadId": "t"}, {"id": "2", "threadId": "t"}],
                          "nextPageToken": "9", "resultSizeEstimate": 2});
        assert_eq!(
            select("messages/id,nextPageToken", list),
            json!({"messages": [{"id": "1"}, {"id": "2"}], "nextPageToken": "9"})
        );
    }

    #[test]
    fn parentheses_select_several_fields_below_one_name() {
        assert_eq!(
            select("id,payload(mimeType,headers(value))", message()),
            json!({"id": "a1", "payload": {"mimeType": "text/plain",
                   "headers": [{"value": "x"}, {"value": "y"}]}})
        );
        assert_eq!(
            select("payload/mimeType,payload/headers/name", message()),
            select("payload(mimeType,headers/name)", message()),
            "two paths under one name merge"
        );
    }

    #[test]
    fn star_selects_every_field_at_its_level_and_absent_names_nothing() {
        assert_eq!(select("*", message()), message());
        assert_eq!(
            select("payload/*", message())["payload"],
            message()["payload"]
        );
        assert_eq!(select("nope", message()), json!({}));
        assert_eq!(select("id,payload/nope", message()), json!({"id": "a1"}));
    }

    #[test]
    fn malformed_selectors_are_refused_with_googles_message() {
        for bad in ["", "a,", "a(b", "a)", "a//b", "(a)", "a(b))", "a()"] {
            assert_eq!(
                Selection::parse(bad).unwrap_err().to_string(),
                format!("Invalid field selection {bad}"),
                "{bad}"
            );
        }
    }
}
