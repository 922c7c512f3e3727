//! The headers that put a reply in its parent's thread (google-protocols.md §5, RFC 5322
//! §3.6.4): `In-Reply-To: <parent>`, `References: <parent's references> <parent>`, and the
//! parent's subject with one `Re: ` in front. Gmail threads a sent message only when the
//! references name a message of the thread *and* the subject matches, so both are derived
//! here, from the parent's stored headers. Message-IDs come and go without angle brackets.

/// References kept from the parent: the first (the thread's root) and the newest ones, so a
/// long thread does not grow the header without bound (RFC 5322 allows trimming).
const MAX_REFERENCES: usize = 20;

/// A reply's threading headers, as header values (with angle brackets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyHeaders {
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
    pub subject: String,
}

/// What a reply needs to know of its parent.
#[derive(Debug, Clone, Copy)]
pub struct Parent<'a> {
    pub message_id: Option<&'a str>,
    pub references: &'a [String],
    /// Used when the parent has no `References` (RFC 5322: fall back to `In-Reply-To`).
    pub in_reply_to: &'a [String],
    pub subject: &'a str,
}

impl ReplyHeaders {
    /// The headers of a reply to `parent`.
    pub fn to(parent: Parent<'_>) -> ReplyHeaders {
        let Some(mid) = parent.message_id.filter(|m| !m.is_empty()) else {
            return ReplyHeaders {
                in_reply_to: None,
                references: None,
                subject: reply_subject(parent.subject),
            };
        };
        let mut chain: Vec<&str> = if parent.references.is_empty() {
            parent
                .in_reply_to
                .iter()
                .take(1)
                .map(String::as_str)
                .collect()
        } else {
            parent.references.iter().map(String::as_str).collect()
        };
        chain.retain(|r| !r.is_empty() && *r != mid);
        // Room for the root, the newest, and the parent itself.
        if chain.len() > MAX_REFERENCES - 1 {
            let keep_from = chain.len() - (MAX_REFERENCES - 2);
            let root = chain[0];
            chain.drain(..keep_from);
            chain.insert(0, root);
        }
        chain.push(mid);
        ReplyHeaders {
            in_reply_to: Some(format!("<{mid}>")),
            references: Some(
                chain
                    .iter()
                    .map(|r| format!("<{r}>"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            subject: reply_subject(parent.subject),
        }
    }
}

/// `Re: <subject>`, unless it already starts with `Re:` (any case).
pub fn reply_subject(subject: &str) -> String {
    let trimmed = subject.trim();
    let already = trimmed
        .get(..3)
        .is_some_and(|p| p.eq_ignore_ascii_case("re:"));
    if already {
        trimmed.to_owned()
    } else if trimmed.is_empty() {
        "Re:".to_owned()
    } else {
        format!("Re: {trimmed}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parent<'a>(mid: Option<&'a str>, refs: &'a [String], subject: &'a str) -> Parent<'a> {
        Parent {
            message_id: mid,
            references: refs,
            in_reply_to: &[],
            subject,
        }
    }

    #[test]
    fn subjects_get_one_re() {
        assert_eq!(reply_subject("Budget"), "Re: Budget");
        assert_eq!(reply_subject("Re: Budget"), "Re: Budget");
        assert_eq!(reply_subject("RE: Budget"), "RE: Budget");
        assert_eq!(reply_subject("re:Budget"), "re:Budget");
        assert_eq!(reply_subject("  Fwd: Budget "), "Re: Fwd: Budget");
        assert_eq!(reply_subject("Reply needed"), "Re: Reply needed");
        assert_eq!(reply_subject(""), "Re:");
        assert_eq!(reply_subject("Ré"), "Re: Ré");
    }

    #[test]
    fn a_reply_names_the_parent_after_its_references() {
        let refs = vec!["root@x".to_owned(), "mid1@x".to_owned()];
        let h = ReplyHeaders::to(parent(Some("p@x"), &refs, "Plan"));
        assert_eq!(h.in_reply_to.as_deref(), Some("<p@x>"));
        assert_eq!(h.references.as_deref(), Some("<root@x> <mid1@x> <p@x>"));
        assert_eq!(h.subject, "Re: Plan");

        let none = ReplyHeaders::to(parent(Some("p@x"), &[], "Re: Plan"));
        assert_eq!(none.references.as_deref(), Some("<p@x>"));
        assert_eq!(none.subject, "Re: Plan");
    }

    #[test]
    fn without_references_the_parents_in_reply_to_is_used() {
        let irt = vec!["grand@x".to_owned()];
        let h = ReplyHeaders::to(Parent {
            message_id: Some("p@x"),
            references: &[],
            in_reply_to: &irt,
            subject: "Plan",
        });
        assert_eq!(h.references.as_deref(), Some("<grand@x> <p@x>"));
    }

    #[test]
    fn a_parent_without_message_id_gives_only_the_subject() {
        let h = ReplyHeaders::to(parent(None, &[], "Plan"));
        assert_eq!(h.in_reply_to, None);
        assert_eq!(h.references, None);
        assert_eq!(h.subject, "Re: Plan");
    }

    #[test]
    fn long_chains_keep_the_root_and_the_newest() {
        let refs: Vec<String> = (0..50).map(|i| format!("r{i}@x")).collect();
        let h = ReplyHeaders::to(parent(Some("p@x"), &refs, "Plan"));
        let got: Vec<&str> = h.references.as_deref().unwrap().split(' ').collect();
        assert_eq!(got.len(), MAX_REFERENCES);
        assert_eq!(got[0], "<r0@x>");
        assert_eq!(got[1], "<r32@x>");
        assert_eq!(got[MAX_REFERENCES - 2], "<r49@x>");
        assert_eq!(got[MAX_REFERENCES - 1], "<p@x>");
    }
}
