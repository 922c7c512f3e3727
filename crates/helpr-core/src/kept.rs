//! Kept messages: mail the pipeline could not display (the MIME parser failed, or the message
//! lacks every header a mail has) is stored anyway, never dropped. Its original source is sealed
//! in the vault beside it, it is listed and shown as "could not be displayed" with the reason,
//! searchable by whatever headers [`helpr_mail::salvage`] could read, and `show --raw` prints its
//! source. Import and Gmail sync both keep through [`keep`]; [`Helpr::reprocess`] runs the
//! pipeline again over every kept message (after a fix) and replaces the ones it now displays,
//! under the same id.

use helpr_index::MailDoc;
use helpr_mail::{parse, salvage, RawMessage, Rejection};
use helpr_vault::{InsertOutcome, Kept, KeptMessage, NewMessage};
use serde::Serialize;

use crate::import::to_new_message;
use crate::{CoreError, Helpr};

/// The record and index document of a message the pipeline rejected for `reason`: its salvaged
/// headers, no body, a snippet that says why, and the original source to seal.
pub(crate) fn keep(
    tenant: i64,
    inbox: i64,
    raw: &RawMessage,
    reason: &Rejection,
) -> Result<(NewMessage, MailDoc), Rejection> {
    let (mut msg, doc) = to_new_message(tenant, inbox, raw, salvage(&raw.bytes))?;
    msg.snippet = format!("could not be displayed: {reason}");
    msg.kept = Some(Kept {
        reason: reason.0.clone(),
        original: raw.bytes.clone(),
    });
    Ok((msg, doc))
}

/// A kept message the pipeline still cannot display.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StillKept {
    pub id: i64,
    pub reason: String,
}

/// What [`Helpr::reprocess`] did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ReprocessReport {
    /// Kept messages now displayed, under their old ids.
    pub displayed: Vec<i64>,
    /// Kept messages that, parsed, turned out to be copies of stored ones (the kept copy went).
    pub duplicate: Vec<i64>,
    pub still_kept: Vec<StillKept>,
}

/// The message `kept` holds, parsed again, with what the vault knows of it carried over (its
/// Gmail ids, labels and read state). `Err` if the pipeline still rejects it.
fn reparse(tenant: i64, kept: &KeptMessage) -> Result<NewMessage, Rejection> {
    let raw = RawMessage {
        origin: format!("message {}", kept.id),
        internal_date: Some(kept.date),
        seen: Some(!kept.unread),
        source_bytes: kept.original.len() as u64,
        bytes: kept.original.clone(),
    };
    let (mut msg, _doc) = to_new_message(tenant, kept.inbox_id, &raw, parse(&raw.bytes)?)?;
    msg.unread = kept.unread;
    msg.labels = kept.labels.clone();
    if let Some(gmail_id) = &kept.gmail_id {
        // As Gmail sync stores it (helpr-vault's `add_synced`).
        msg.dedupe_key = [b"gmail:".as_slice(), gmail_id.as_bytes()].concat();
        msg.gmail_id = Some(gmail_id.clone());
        msg.gmail_thread_id = kept.gmail_thread_id.clone();
    }
    Ok(msg)
}

impl Helpr {
    /// The original source of message `id`, which helpr keeps for the messages it could not
    /// display (`NotFound`, saying so, for any other).
    pub async fn original_source(&self, id: i64) -> Result<Vec<u8>, CoreError> {
        self.with_vault(move |h| {
            let source = h.vault.original_source(&h.scope()?, id)?;
            // Content leaves the vault in the clear: an export, on the trail.
            h.audit(
                "message.export",
                Some(("message", id)),
                "original source".into(),
            )?;
            Ok(source)
        })
        .await
    }

    /// Runs the pipeline again over every kept message; each one it can now display replaces
    /// the kept one under the same id (one vault transaction each, then the search index).
    pub async fn reprocess(&self) -> Result<ReprocessReport, CoreError> {
        self.with_vault(|h| {
            let scope = h.scope()?;
            h.indexed_change(|vault| {
                let mut report = ReprocessReport::default();
                for id in vault.kept_ids(&scope)? {
                    let kept = vault.kept_message(&scope, id)?;
                    match reparse(h.tenant, &kept) {
                        Ok(msg) => match vault.replace_kept(&scope, id, &msg)? {
                            InsertOutcome::Inserted { .. } => report.displayed.push(id),
                            InsertOutcome::Duplicate { .. } => report.duplicate.push(id),
                        },
                        Err(reason) => report.still_kept.push(StillKept {
                            id,
                            reason: reason.0,
                        }),
                    }
                }
                Ok(report)
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    //! `reprocess` on a real vault and index (keychain session): a kept message whose source
    //! the pipeline now parses becomes a normal message under its id, searchable by its body;
    //! one it still rejects stays kept with its reason. The "fixed pipeline" is a kept record
    //! holding a source today's pipeline parses, as an older helpr could have left it.

    use super::*;
    use crate::SearchOptions;

    const FIXED: &[u8] = b"From: Ana <ana@example.com>\r\nTo: desk@example.com\r\n\
Subject: Refund for order 7\r\nMessage-ID: <fixed@example.com>\r\n\
Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\nThe wombatography arrived broken.\r\n";
    const BROKEN: &[u8] = b"Cc: Ops <ops@example.com>\r\nX-Ticket: 4711\r\n\r\ncall me\r\n";

    fn kept_record(h: &Helpr, source: &[u8], reason: &str) -> NewMessage {
        let inbox = h.vault.local_inbox(h.tenant).unwrap().id;
        let raw = RawMessage {
            origin: "test".into(),
            internal_date: Some(1_700_000_000),
            seen: Some(false),
            source_bytes: source.len() as u64,
            bytes: source.to_vec(),
        };
        keep(h.tenant, inbox, &raw, &Rejection(reason.into()))
            .unwrap()
            .0
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn reprocess_displays_what_now_parses_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let h = Helpr::init(&dir.path().join("data"), "t")
            .await
            .expect("needs the keychain session");
        let records = [
            kept_record(&h, FIXED, "an older parser failed"),
            kept_record(&h, BROKEN, "not an email message"),
        ];
        let ids: Vec<i64> = h
            .vault
            .insert_messages(h.tenant, &records)
            .unwrap()
            .into_iter()
            .map(|o| match o {
                InsertOutcome::Inserted { id, .. } => id,
                other => panic!("{other:?}"),
            })
            .collect();
        let before = h.get_message(ids[0]).await.unwrap();
        assert_eq!(before.rejected.as_deref(), Some("an older parser failed"));
        assert!(before.text.is_empty());

        let report = h.reprocess().await.unwrap();
        assert_eq!(report.displayed, vec![ids[0]]);
        assert!(report.duplicate.is_empty());
        assert_eq!(report.still_kept.len(), 1);
        assert_eq!(report.still_kept[0].id, ids[1]);
        assert!(report.still_kept[0].reason.contains("not an email message"));

        let after = h.get_message(ids[0]).await.unwrap();
        assert!(after.rejected.is_none());
        assert_eq!(after.subject, "Refund for order 7");
        assert!(after.text.contains("wombatography"), "{}", after.text);
        let err = h.original_source(ids[0]).await.unwrap_err();
        assert_eq!(err.code(), "not_found");
        let hits = h
            .search("wombatography".into(), SearchOptions::default())
            .await
            .unwrap();
        let hit_ids: Vec<i64> = hits.hits.iter().map(|m| m.id).collect();
        assert_eq!(hit_ids, vec![ids[0]]);
        assert!(!hits.hits[0].kept);

        let still = h.get_message(ids[1]).await.unwrap();
        assert!(still.rejected.is_some());
        assert_eq!(h.original_source(ids[1]).await.unwrap(), BROKEN);
        // Nothing left to do the second time.
        let again = h.reprocess().await.unwrap();
        assert!(again.displayed.is_empty());
        assert_eq!(again.still_kept.len(), 1);
        let _ = helpr_crypto::keychain::delete_kek(&h.vault.id());
    }
}
