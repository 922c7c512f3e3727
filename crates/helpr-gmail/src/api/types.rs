//! Gmail's JSON shapes (google-protocols.md §2), as much as sync reads. int64 values arrive
//! as strings (Google's rule) but numbers are accepted too ([`Id64`]).

use serde::{Deserialize, Deserializer};

/// A uint64 that Google sends as a string, accepted as a number as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Id64(pub u64);

impl<'de> Deserialize<'de> for Id64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Number(u64),
            Text(String),
        }
        match Form::deserialize(d)? {
            Form::Number(n) => Ok(Id64(n)),
            Form::Text(s) => s
                .parse()
                .map(Id64)
                .map_err(|_| serde::de::Error::custom("not a uint64 string")),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub email_address: String,
    #[serde(default)]
    pub messages_total: u64,
    pub history_id: Id64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRef {
    pub id: String,
    #[serde(default)]
    pub thread_id: String,
    #[serde(default)]
    pub label_ids: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPage {
    #[serde(default)]
    pub messages: Vec<MessageRef>,
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub result_size_estimate: u64,
}

/// `messages.get` with `format=raw` (or `minimal`, which has no `raw`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    #[serde(default)]
    pub thread_id: String,
    #[serde(default)]
    pub label_ids: Vec<String>,
    #[serde(default)]
    pub internal_date: Option<Id64>,
    #[serde(default)]
    pub history_id: Option<Id64>,
    /// base64url of the RFC 5322 bytes.
    #[serde(default)]
    pub raw: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Added {
    pub message: MessageRef,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelChange {
    pub message: MessageRef,
    #[serde(default)]
    pub label_ids: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    pub id: Id64,
    #[serde(default)]
    pub messages_added: Vec<Added>,
    #[serde(default)]
    pub messages_deleted: Vec<Added>,
    #[serde(default)]
    pub labels_added: Vec<LabelChange>,
    #[serde(default)]
    pub labels_removed: Vec<LabelChange>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    #[serde(default)]
    pub history: Vec<History>,
    pub next_page_token: Option<String>,
    pub history_id: Id64,
}

/// users.watch's answer (§2.8): the mailbox's history id when the watch began, and when it
/// ends (epoch milliseconds) unless renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchResponse {
    pub history_id: Id64,
    pub expiration: Id64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    pub id: String,
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: String,
}

impl Label {
    /// The name helpr stores the label by: a system label's id (`INBOX`, `STARRED`: its
    /// display name is localised), a user label's name.
    pub fn stored_name(&self) -> &str {
        if self.kind == "system" {
            &self.id
        } else {
            &self.name
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LabelList {
    #[serde(default)]
    pub labels: Vec<Label>,
}

/// Google's error envelope, as far as retry decisions need it.
#[derive(Debug, Clone, Deserialize, Default)]
pub(crate) struct ErrorEnvelope {
    #[serde(default)]
    pub error: ErrorBody,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub(crate) struct ErrorItem {
    #[serde(default)]
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int64_as_string_or_number() {
        let p: Profile =
            serde_json::from_str(r#"{"emailAddress":"a@b","historyId":"4213377"}"#).unwrap();
        assert_eq!(p.history_id, Id64(4213377));
        let p: Profile = serde_json::from_str(r#"{"emailAddress":"a@b","historyId":17}"#).unwrap();
        assert_eq!(p.history_id, Id64(17));
        assert!(
            serde_json::from_str::<Profile>(r#"{"emailAddress":"a","historyId":"x"}"#).is_err()
        );
    }

    #[test]
    fn a_watch_answer_has_strings_for_its_int64s() {
        let w: WatchResponse =
            serde_json::from_str(r#"{"historyId":"4213377","expiration":"1718035200000"}"#)
                .unwrap();
        assert_eq!(w.history_id, Id64(4213377));
        assert_eq!(w.expiration, Id64(1718035200000));
    }

    #[test]
    fn an_empty_history_answer_is_just_the_id() {
        let h: HistoryPage = serde_json::from_str(r#"{"historyId":"1710"}"#).unwrap();
        assert!(h.history.is_empty() && h.next_page_token.is_none());
    }
}
