//! Drafts: what an agent is writing, one sealed record each (kind `draft`, field `content`).
//!
//! The vault does not read a draft's content: helpr-core seals its own JSON (recipients,
//! subject, body, attachments) here and reads it back. What stays outside the seal is what
//! lists and lifecycle need: the sending inbox, the message answered and the time of the
//! last save. Each save is one committed transaction, so a crash loses at most the keystrokes
//! since the last save.

use helpr_crypto::RecordRef;
use rusqlite::{params, OptionalExtension};

use crate::error::{Result, VaultError};
use crate::ids::next_id;
use crate::{now, Vault};

const KIND: &str = "draft";

/// A draft as stored, its content opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDraft {
    pub id: i64,
    pub inbox_id: Option<i64>,
    pub reply_to: Option<i64>,
    /// Seconds since the Unix epoch.
    pub updated_at: i64,
    pub content: Vec<u8>,
}

/// Where a draft belongs (outside its seal).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DraftPlace {
    pub inbox_id: Option<i64>,
    pub reply_to: Option<i64>,
}

impl Vault {
    /// Saves a draft: a new one when `id` is `None`, else replaces draft `id` (which must
    /// exist in `tenant`). Returns the draft's id.
    pub fn save_draft(
        &self,
        tenant: i64,
        id: Option<i64>,
        place: DraftPlace,
        content: &[u8],
    ) -> Result<i64> {
        self.write(|tx| {
            let id = match id {
                Some(id) => {
                    let found: Option<i64> = tx
                        .query_row(
                            "SELECT id FROM drafts WHERE id = ?1 AND tenant_id = ?2",
                            params![id, tenant],
                            |r| r.get(0),
                        )
                        .optional()?;
                    found.ok_or_else(|| VaultError::NotFound(format!("draft {id}")))?
                }
                None => next_id(tx, "drafts")?,
            };
            let sealed = self
                .keys()
                .seal(tenant, RecordRef::new(KIND, id, "content"), content)?;
            tx.execute(
                "INSERT INTO drafts (id, tenant_id, inbox_id, reply_to, key_version, content,
                    updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET inbox_id = ?3, reply_to = ?4,
                    key_version = ?5, content = ?6, updated_at = ?7",
                params![
                    id,
                    tenant,
                    place.inbox_id,
                    place.reply_to,
                    self.keys().active_version(tenant)?,
                    sealed,
                    now()
                ],
            )?;
            Ok(id)
        })
    }

    /// The tenant's drafts, most recently saved first.
    pub fn drafts(&self, tenant: i64) -> Result<Vec<StoredDraft>> {
        self.read_drafts(tenant, None)
    }

    /// One draft; `NotFound` when it does not exist in `tenant`.
    pub fn draft(&self, tenant: i64, id: i64) -> Result<StoredDraft> {
        self.read_drafts(tenant, Some(id))?
            .pop()
            .ok_or_else(|| VaultError::NotFound(format!("draft {id}")))
    }

    /// Deletes a draft (sent or discarded). Returns whether it existed.
    pub fn delete_draft(&self, tenant: i64, id: i64) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.execute(
                "DELETE FROM drafts WHERE id = ?1 AND tenant_id = ?2",
                params![id, tenant],
            )? > 0)
        })
    }

    fn read_drafts(&self, tenant: i64, id: Option<i64>) -> Result<Vec<StoredDraft>> {
        type Row = (i64, Option<i64>, Option<i64>, i64, Vec<u8>);
        let rows: Vec<Row> = self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, inbox_id, reply_to, updated_at, content FROM drafts
                 WHERE tenant_id = ?1 AND (?2 IS NULL OR id = ?2)
                 ORDER BY updated_at DESC, id DESC",
            )?;
            let rows = stmt.query_map(params![tenant, id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        rows.into_iter()
            .map(|(id, inbox_id, reply_to, updated_at, sealed)| {
                Ok(StoredDraft {
                    id,
                    inbox_id,
                    reply_to,
                    updated_at,
                    content: self
                        .keys()
                        .open(tenant, RecordRef::new(KIND, id, "content"), &sealed)?
                        .to_vec(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TestVault;

    #[test]
    fn a_draft_is_sealed_replaced_listed_and_deleted() {
        let t = TestVault::new();
        let tenant = t.scope.tenant;
        let place = DraftPlace {
            inbox_id: None,
            reply_to: Some(7),
        };
        let id = t
            .vault
            .save_draft(tenant, None, place, b"draft-canary-one")
            .unwrap();
        let stored: Vec<u8> = t
            .vault
            .read(|c| {
                Ok(
                    c.query_row("SELECT content FROM drafts WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })?,
                )
            })
            .unwrap();
        assert!(!stored
            .windows(b"draft-canary".len())
            .any(|w| w == b"draft-canary"));

        assert_eq!(
            t.vault
                .save_draft(tenant, Some(id), place, b"draft-canary-two")
                .unwrap(),
            id
        );
        let all = t.vault.drafts(tenant).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].content, b"draft-canary-two");
        assert_eq!(all[0].reply_to, Some(7));

        let other = t.other_tenant();
        assert!(matches!(
            t.vault.draft(other.tenant, id),
            Err(VaultError::NotFound(_))
        ));
        assert!(matches!(
            t.vault.save_draft(other.tenant, Some(id), place, b"x"),
            Err(VaultError::NotFound(_))
        ));
        assert!(!t.vault.delete_draft(other.tenant, id).unwrap());

        assert!(t.vault.delete_draft(tenant, id).unwrap());
        assert!(t.vault.drafts(tenant).unwrap().is_empty());
        assert!(matches!(
            t.vault.draft(tenant, id),
            Err(VaultError::NotFound(_))
        ));
    }

    #[test]
    fn retiring_a_key_reseals_drafts() {
        let t = TestVault::new();
        let tenant = t.scope.tenant;
        let id = t
            .vault
            .save_draft(tenant, None, DraftPlace::default(), b"kept across keys")
            .unwrap();
        t.vault.rotate_key(tenant).unwrap();
        let before = t.vault.list_keys(tenant).unwrap();
        assert!(before.iter().any(|k| !k.active && k.records >= 1));
        let old = before.iter().find(|k| !k.active).unwrap().version;
        t.vault
            .retire_key(tenant, old, |_| crate::RetireControl::Continue)
            .unwrap();
        assert_eq!(
            t.vault.draft(tenant, id).unwrap().content,
            b"kept across keys"
        );
    }
}
