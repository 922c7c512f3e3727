//! Labels set in helpr: [`Helpr::label`] applies a label to messages or conversations, or
//! removes it, at once (the conversation list, the sidebar and `label:` search follow) and owes
//! Gmail the same change, sent at once when Gmail answers and otherwise by the next sync
//! (helpr-vault `labels` and the Gmail outbox).
//!
//! A name is checked first ([`label_name`]): Gmail's own labels are named by their ids, in any
//! case (`starred` is `STARRED`); those with a command of their own (read, delete) or that
//! Gmail sets itself are refused with the reason.

use crate::{CoreError, Helpr, Marked, Target};

/// Gmail's limit on a label name, in characters.
pub const MAX_LABEL_CHARS: usize = 225;

/// Gmail's labels a person applies and removes by hand.
const APPLICABLE_SYSTEM: &[&str] = &["INBOX", "STARRED", "IMPORTANT"];

/// Gmail's labels that are not applied by hand here, with what to do instead.
const RESERVED: &[(&str, &str)] = &[
    ("UNREAD", "mark the conversation read or unread instead"),
    ("TRASH", "delete or restore the conversation instead"),
    ("SPAM", "Gmail's spam label is not set from helpr"),
    ("SENT", "Gmail sets it on mail sent from the account"),
    ("DRAFT", "Gmail sets it on drafts"),
    ("CHAT", "Gmail sets it on chats"),
];

/// The stored form of label name `raw`: trimmed, Gmail's own labels by their ids.
/// `invalid_input` for an empty, over-long or control-character name, and for a label Gmail
/// reserves.
pub fn label_name(raw: &str) -> Result<String, CoreError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(CoreError::InvalidInput("a label needs a name".into()));
    }
    if name.chars().count() > MAX_LABEL_CHARS {
        return Err(CoreError::InvalidInput(format!(
            "a label name has at most {MAX_LABEL_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(CoreError::InvalidInput(
            "a label name cannot hold control characters".into(),
        ));
    }
    let upper = name.to_uppercase();
    if let Some(system) = APPLICABLE_SYSTEM.iter().find(|s| **s == upper) {
        return Ok((*system).to_owned());
    }
    if let Some((id, why)) = RESERVED.iter().find(|(id, _)| *id == upper) {
        return Err(CoreError::InvalidInput(format!(
            "{id} is Gmail's own label: {why}"
        )));
    }
    if upper.starts_with("CATEGORY_") {
        return Err(CoreError::InvalidInput(
            "Gmail's category labels are set by Gmail".into(),
        ));
    }
    Ok(name.to_owned())
}

impl Helpr {
    /// Applies label `name` to `targets` (`apply`), or removes it. An unknown or deleted target
    /// stops the run with `not_found`; the ones before it stay changed.
    pub async fn label(
        &self,
        targets: Vec<Target>,
        name: &str,
        apply: bool,
    ) -> Result<Marked, CoreError> {
        let name = label_name(name)?;
        self.change_owed_to_gmail(targets, move |vault, scope, target, now| {
            vault.set_label(scope, target, &name, apply, now)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_gmails_own_labels_go_by_their_ids() {
        assert_eq!(label_name("  Follow-up ").unwrap(), "Follow-up");
        assert_eq!(label_name("Clients/Acme").unwrap(), "Clients/Acme");
        assert_eq!(label_name("starred").unwrap(), "STARRED");
        assert_eq!(label_name("Inbox").unwrap(), "INBOX");
        for bad in [
            "",
            "   ",
            "a\u{7}b",
            "line\nbreak",
            "Unread",
            "TRASH",
            "category_social",
        ] {
            let e = label_name(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad:?}");
        }
        assert!(label_name(&"x".repeat(MAX_LABEL_CHARS)).is_ok());
        assert!(label_name(&"x".repeat(MAX_LABEL_CHARS + 1)).is_err());
        assert!(label_name("unread")
            .unwrap_err()
            .to_string()
            .contains("mark the conversation read"));
    }
}
