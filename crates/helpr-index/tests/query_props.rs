//! Property tests of the query language over generated hostile input (issue 13): whatever a
//! person or a script types, `parse` answers (a query, or an error whose column lies inside the
//! text) and `compile` builds a query for every parse, with no panic and no runaway nesting.

use helpr_index::query::{compile, parse};
use helpr_index::MailSchema;
use proptest::prelude::*;

/// Pieces that make queries interesting to the parser: operators, quotes, parentheses, OR,
/// negation, dates good and bad, control characters, right-to-left text and emoji.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("from:".to_owned()),
        Just("subject:".to_owned()),
        Just("label:".to_owned()),
        Just("has:attachment".to_owned()),
        Just("is:unread".to_owned()),
        Just("before:2024-02-30".to_owned()),
        Just("after:1999-12-31".to_owned()),
        Just("bogus:".to_owned()),
        Just("\"".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("OR".to_owned()),
        Just("-".to_owned()),
        Just(":".to_owned()),
        Just("\u{202e}".to_owned()),
        Just("\u{0}\u{1b}[2J".to_owned()),
        "[a-zA-Z0-9@._-]{1,12}",
        "\\PC{1,6}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec((piece(), prop::bool::ANY), 0..40).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(p, space)| if space { format!("{p} ") } else { p })
            .collect()
    })
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let schema = MailSchema::new();
    match parse(text) {
        Ok(q) => {
            let _ = compile(&schema, &q, 1, &[1, 2]);
        }
        Err(e) => {
            let chars = text.chars().count();
            prop_assert!(e.column <= chars + 1, "column {} of {chars}: {e}", e.column);
            prop_assert!(!e.message.is_empty());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_parses_or_names_a_column(text in "\\PC{0,200}") {
        check(&text)?;
    }

    #[test]
    fn query_shaped_text_parses_or_names_a_column(text in query()) {
        check(&text)?;
    }

    #[test]
    fn deep_parentheses_and_negations_do_not_exhaust_the_stack(
        depth in 1usize..20_000,
        open in prop_oneof![Just("("), Just("-("), Just("-")],
    ) {
        let text = format!("{}x{}", open.repeat(depth), ")".repeat(depth));
        check(&text)?;
    }
}
