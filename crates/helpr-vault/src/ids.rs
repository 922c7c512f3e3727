//! Row ids known before insert: sealed fields bind their row id in the AAD, so the id must be
//! fixed before sealing. Tables use `AUTOINCREMENT`, so ids are never reused, and only the single
//! writer connection allocates them, inside its transaction. The one exception is
//! `Vault::replace_kept`, which stores a kept message parsed again under its own id, in the
//! transaction that deleted the kept row.

use rusqlite::{OptionalExtension, Transaction};

use crate::error::Result;

/// The id the next row of `table` will get (the table must be `AUTOINCREMENT`).
pub(crate) fn next_id(tx: &Transaction<'_>, table: &str) -> Result<i64> {
    let seq: Option<i64> = crate::cached::query_row(
        tx,
        "SELECT seq FROM sqlite_sequence WHERE name = ?1",
        [table],
        |r| r.get(0),
    )
    .optional()?;
    let max: Option<i64> =
        crate::cached::query_row(tx, &format!("SELECT MAX(id) FROM {table}"), [], |r| {
            r.get(0)
        })?;
    Ok(seq.unwrap_or(0).max(max.unwrap_or(0)) + 1)
}
