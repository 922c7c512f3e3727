//! Forward-only schema migrations, tracked in `PRAGMA user_version`.
//!
//! Rules (formats are forever): a migration is never edited once released; tables are `STRICT`
//! with `NOT NULL DEFAULT` where a value always exists; a column never changes meaning. Columns
//! named in [`SEALED_COLUMNS`] hold sealed records (helpr-crypto envelope), never plaintext.
//! `tests/fixtures/vault-v1` is a committed vault of schema v1 that must open after every migration.
//!
//! Versions: v1 the mail store, v2 `messages.remote_images`, v3 `index_queue` (the search
//! index's outbox, filled with every existing message so an older vault gets indexed on first open,
//! and `messages_live`, the live message ids), v4 `gmail_accounts` (sealed configuration and
//! refresh token), one message per Gmail id, and the full-sync start in `sync_state`; v5
//! `messages_summary`, the covering index a page of summaries is read from; v6 `lost_messages`;
//! v7 kept messages (`messages.kept`, the sealed `messages.rejected` reason and the original
//! source as an `attachments.original` row); v8 the lifecycle (`tenants.grace_days`,
//! `messages_deleted`) and the audit trail (`audit_log`, `audit_refs`, `audit_head`); v9
//! `inboxes.deleted_at`; v10 `gmail_outbox`, trash and untrash owed to Gmail; v11
//! `messages_threads`, the index conversations are grouped from; v12 `drafts`; v13
//! `image_senders`; v14 read and unread in `gmail_outbox`; v15 labels applied or removed in
//! `gmail_outbox`; v16 new-mail notifications (`inboxes.notify`, `tenants.notify_content`).

use rusqlite::Connection;

use crate::error::{Result, VaultError};

/// Migration `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // v1: tenants, keys, inboxes, threads, messages, attachments, labels, sync state.
    r#"
CREATE TABLE tenants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    active_key_version INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE tenant_keys (
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    version INTEGER NOT NULL,
    wrapped BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, version)
) STRICT;

CREATE TABLE inboxes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL CHECK (kind IN ('local', 'gmail')),
    address_fp BLOB NOT NULL,
    address BLOB NOT NULL,
    key_version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, address_fp)
) STRICT;

CREATE TABLE threads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    inbox_id INTEGER NOT NULL REFERENCES inboxes(id),
    gmail_thread_id TEXT,
    last_date INTEGER NOT NULL DEFAULT 0,
    message_count INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX threads_gmail ON threads(inbox_id, gmail_thread_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    inbox_id INTEGER NOT NULL REFERENCES inboxes(id),
    thread_id INTEGER NOT NULL REFERENCES threads(id),
    dedupe_fp BLOB NOT NULL,
    message_id_fp BLOB,
    gmail_id TEXT,
    date INTEGER NOT NULL,
    key_version INTEGER NOT NULL,
    sender BLOB NOT NULL,
    subject BLOB NOT NULL,
    snippet BLOB NOT NULL,
    headers BLOB NOT NULL,
    body_text BLOB NOT NULL,
    body_html BLOB,
    unread INTEGER NOT NULL DEFAULT 1,
    has_attachments INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (inbox_id, dedupe_fp)
) STRICT;
CREATE INDEX messages_by_date ON messages(inbox_id, date DESC);
CREATE INDEX messages_by_key ON messages(tenant_id, key_version);
CREATE INDEX messages_by_mid ON messages(inbox_id, message_id_fp);
CREATE INDEX messages_by_thread ON messages(thread_id);

CREATE TABLE message_refs (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    ref_fp BLOB NOT NULL,
    PRIMARY KEY (message_id, ref_fp)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_refs_by_ref ON message_refs(ref_fp);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    key_version INTEGER NOT NULL,
    name BLOB NOT NULL,
    content_type TEXT NOT NULL DEFAULT 'application/octet-stream',
    content_id BLOB,
    inline INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL
) STRICT;
CREATE INDEX attachments_by_message ON attachments(message_id);
CREATE INDEX attachments_by_key ON attachments(tenant_id, key_version);

CREATE TABLE attachment_chunks (
    attachment_id INTEGER NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (attachment_id, idx)
) STRICT;

CREATE TABLE labels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    inbox_id INTEGER NOT NULL REFERENCES inboxes(id),
    name_fp BLOB NOT NULL,
    name BLOB NOT NULL,
    key_version INTEGER NOT NULL,
    gmail_label_id TEXT,
    UNIQUE (inbox_id, name_fp)
) STRICT;
CREATE INDEX labels_by_key ON labels(tenant_id, key_version);

CREATE TABLE message_labels (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    label_id INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, label_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE sync_state (
    inbox_id INTEGER PRIMARY KEY REFERENCES inboxes(id),
    history_id TEXT,
    state TEXT NOT NULL DEFAULT 'idle',
    last_sync_at INTEGER,
    last_error TEXT,
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0
) STRICT;
"#,
    // v2: remote image URLs blocked by the sanitizer, sealed (a JSON array), so the reader can
    // load them on request.
    r#"
ALTER TABLE messages ADD COLUMN remote_images BLOB;
"#,
    // v3: the search index's outbox. Every vault change that affects search queues the message
    // id in the same transaction; helpr-core removes it once the index has committed. No foreign
    // key: the id of a deleted message stays queued so its document gets removed. Every message
    // of an older vault is queued, so the first open builds the index. `messages_live` lists
    // live ids without reading rows: `deleted_at` sits after the sealed bodies, so a filter on
    // it walked (and SQLCipher decrypted) every row's overflow pages — 0.3 s at 100k messages
    // for each reconcile.
    r#"
CREATE TABLE index_queue (message_id INTEGER PRIMARY KEY) STRICT;
INSERT INTO index_queue (message_id) SELECT id FROM messages;
CREATE INDEX messages_live ON messages(id) WHERE deleted_at IS NULL;
"#,
    // v4: Gmail accounts. The configuration (endpoints, client) and the refresh token are
    // sealed with the tenant key; the access token is never stored. A Gmail id names at most
    // one message per inbox. `sync_state` remembers the historyId a full sync started from (so
    // a resumed one keeps it) and how many messages the pipeline rejected.
    r#"
CREATE TABLE gmail_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    inbox_id INTEGER NOT NULL UNIQUE REFERENCES inboxes(id),
    key_version INTEGER NOT NULL,
    config BLOB NOT NULL,
    refresh_token BLOB,
    state TEXT NOT NULL DEFAULT 'connected'
        CHECK (state IN ('connected', 'reconnect_needed', 'disconnected')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX gmail_accounts_by_key ON gmail_accounts(tenant_id, key_version);
CREATE UNIQUE INDEX messages_by_gmail_id ON messages(inbox_id, gmail_id) WHERE gmail_id IS NOT NULL;
ALTER TABLE sync_state ADD COLUMN full_sync_from TEXT;
ALTER TABLE sync_state ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
"#,
    // v5: a message's summary (what a list or a page of search hits shows: sealed sender,
    // subject and snippet, date, flags) in a covering index of live messages, keyed by id. A
    // row of `messages` fills most of a page (sealed headers and bodies), so reading 50 hits
    // from the table decrypted ~50 pages; from this index, neighbouring ids share a page.
    // `deleted_at` (always NULL here) is a column too: a query that names it is covered only
    // if the index holds it.
    r#"
CREATE INDEX messages_summary ON messages(
    id, tenant_id, inbox_id, deleted_at, thread_id, date, unread, has_attachments,
    sender, subject, snippet
) WHERE deleted_at IS NULL;
"#,
    // v6: ids of messages the vault lost (found in the search index above the highest id the
    // vault had handed out: a damaged write-ahead log, an older vault.db restored). Only ids and
    // when the loss was found; the counter is raised past them so no new message takes one.
    r#"
CREATE TABLE lost_messages (
    id INTEGER PRIMARY KEY,
    found_at INTEGER NOT NULL
) STRICT;
"#,
    // v7: messages the pipeline could not display are kept instead of dropped. `kept` flags
    // them (in the summary index too, so a list can say so without reading rows), `rejected`
    // holds the sealed reason, and the original source is stored like an attachment (sealed
    // chunks) with `original = 1`, which attachment lists leave out.
    r#"
ALTER TABLE messages ADD COLUMN kept INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN rejected BLOB;
ALTER TABLE attachments ADD COLUMN original INTEGER NOT NULL DEFAULT 0;
DROP INDEX messages_summary;
CREATE INDEX messages_summary ON messages(
    id, tenant_id, inbox_id, deleted_at, thread_id, date, unread, has_attachments, kept,
    sender, subject, snippet
) WHERE deleted_at IS NULL;
CREATE INDEX messages_kept ON messages(tenant_id, id) WHERE kept = 1;
"#,
    // v8: the data lifecycle and the audit trail. `grace_days`: how long a soft-deleted item
    // stays restorable (per tenant, 1–365). `messages_deleted` finds the trash and what expired.
    // `audit_log` is a hash chain: each entry's `mac` (HMAC-SHA256 with the audit key) covers
    // its fields and the previous entry's `mac` (`prev`); `audit_head` holds the last one, keyed
    // too, so entries cut from the end are seen. Identifiers are keyed hashes (`object_ref`);
    // `audit_refs` maps live objects to them and loses its rows when the objects are purged.
    r#"
ALTER TABLE tenants ADD COLUMN grace_days INTEGER NOT NULL DEFAULT 60
    CHECK (grace_days BETWEEN 1 AND 365);
CREATE INDEX messages_deleted ON messages(tenant_id, deleted_at) WHERE deleted_at IS NOT NULL;
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    tenant_id INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_kind TEXT,
    object_ref BLOB,
    detail TEXT NOT NULL DEFAULT '',
    prev BLOB NOT NULL,
    mac BLOB NOT NULL
) STRICT;
CREATE INDEX audit_log_by_action ON audit_log(action, at);
CREATE TABLE audit_refs (
    ref BLOB PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    object_id INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX audit_refs_by_object ON audit_refs(kind, object_id);
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    mac BLOB NOT NULL,
    head_mac BLOB NOT NULL
) STRICT;
"#,
    // v9: a soft-deleted inbox: hidden with its mail, restorable for the grace period, then
    // purged with everything it owns.
    r#"
ALTER TABLE inboxes ADD COLUMN deleted_at INTEGER;
"#,
    // v10: the Gmail outbox. A message deleted or restored in helpr is trashed or untrashed at
    // Gmail; the wish is written here in the transaction that changes the message, one row per
    // Gmail message holding the latest wish, and leaves only when Gmail has done it. Gmail ids
    // are opaque (like `messages.gmail_id`); `last_error` holds an error code, never content.
    r#"
CREATE TABLE gmail_outbox (
    id INTEGER PRIMARY KEY,
    inbox_id INTEGER NOT NULL REFERENCES inboxes(id),
    gmail_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('trash', 'untrash')),
    queued_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    UNIQUE (inbox_id, gmail_id)
) STRICT;
"#,
    // v11: conversations. The desktop lists threads newest first a page at a time; grouping
    // live messages by thread reads this narrow index (no sealed columns), already in thread
    // order, instead of the wide `messages_summary`.
    r#"
CREATE INDEX messages_threads ON messages(
    tenant_id, thread_id, date, inbox_id, unread, has_attachments
) WHERE deleted_at IS NULL;
"#,
    // v12: drafts. What an agent is writing, sealed as one record (recipients, subject, body,
    // attachments), saved as they type so a crash loses no draft. `reply_to` names the message
    // answered (no foreign key: a purge of it leaves the draft, which then sends as new mail).
    r#"
CREATE TABLE drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    inbox_id INTEGER REFERENCES inboxes(id),
    reply_to INTEGER,
    key_version INTEGER NOT NULL,
    content BLOB NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX drafts_by_key ON drafts(tenant_id, key_version);
CREATE INDEX drafts_by_reply ON drafts(tenant_id, reply_to);
"#,
    // v13: senders whose remote images the user always loads ("always for this sender"),
    // kept as keyed fingerprints of the address, never the address.
    r#"
CREATE TABLE image_senders (
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    sender_fp BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, sender_fp)
) STRICT, WITHOUT ROWID;
"#,
    // v14: the Gmail outbox also carries read and unread, one wish per message and kind
    // (`trash`: trash/untrash; `read`: read/unread), so marking a trashed message read does not
    // replace its trash wish. The table is rebuilt (SQLite cannot change a UNIQUE or a CHECK).
    r#"
CREATE TABLE gmail_outbox_v14 (
    id INTEGER PRIMARY KEY,
    inbox_id INTEGER NOT NULL REFERENCES inboxes(id),
    gmail_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('trash', 'read')),
    action TEXT NOT NULL CHECK (action IN ('trash', 'untrash', 'read', 'unread')),
    queued_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    UNIQUE (inbox_id, gmail_id, kind)
) STRICT;
INSERT INTO gmail_outbox_v14 (id, inbox_id, gmail_id, kind, action, queued_at, attempts, last_error)
    SELECT id, inbox_id, gmail_id, 'trash', action, queued_at, attempts, last_error
    FROM gmail_outbox;
DROP TABLE gmail_outbox;
ALTER TABLE gmail_outbox_v14 RENAME TO gmail_outbox;
"#,
    // v15: the Gmail outbox also carries labels applied or removed in helpr, one wish per
    // message and label (`label:<labels.id>`: label/unlabel). Rebuilt for the new CHECKs.
    r#"
CREATE TABLE gmail_outbox_v15 (
    id INTEGER PRIMARY KEY,
    inbox_id INTEGER NOT NULL REFERENCES inboxes(id),
    gmail_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('trash', 'read') OR kind GLOB 'label:[0-9]*'),
    action TEXT NOT NULL
        CHECK (action IN ('trash', 'untrash', 'read', 'unread', 'label', 'unlabel')),
    queued_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    UNIQUE (inbox_id, gmail_id, kind)
) STRICT;
INSERT INTO gmail_outbox_v15 (id, inbox_id, gmail_id, kind, action, queued_at, attempts, last_error)
    SELECT id, inbox_id, gmail_id, kind, action, queued_at, attempts, last_error
    FROM gmail_outbox;
DROP TABLE gmail_outbox;
ALTER TABLE gmail_outbox_v15 RENAME TO gmail_outbox;
"#,
    // v16: new-mail notifications, opt-in: the inboxes watched, and whether a notification
    // may name the sender and subject (never while the screen is locked; the shell decides).
    r#"
ALTER TABLE inboxes ADD COLUMN notify INTEGER NOT NULL DEFAULT 0 CHECK (notify IN (0, 1));
ALTER TABLE tenants ADD COLUMN notify_content INTEGER NOT NULL DEFAULT 0
    CHECK (notify_content IN (0, 1));
"#,
    // v17: the team server: this vault's sign-in (server, pinned certificate, user) and its
    // session token, the last entitlement snapshot and sequence number applied, all sealed; and
    // which local inbox holds each shared inbox of the server.
    r#"
CREATE TABLE team_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL UNIQUE REFERENCES tenants(id),
    key_version INTEGER NOT NULL,
    link BLOB NOT NULL,
    token BLOB NOT NULL,
    snapshot BLOB,
    last_seq INTEGER,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE team_inboxes (
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    server_inbox INTEGER NOT NULL,
    inbox_id INTEGER REFERENCES inboxes(id),
    PRIMARY KEY (tenant_id, server_inbox)
) STRICT;
"#,
    // v18: secure email sent from this vault: the protected thread's public id, the inbox it
    // went from (and the server's), the local conversation, both halves of its key and its
    // last known status (sealed), and how many of its entries are stored as messages.
    r#"
CREATE TABLE secure_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    inbox_id INTEGER NOT NULL REFERENCES inboxes(id),
    server_inbox INTEGER NOT NULL,
    public_id TEXT NOT NULL,
    thread_id INTEGER,
    key_version INTEGER NOT NULL,
    keys BLOB NOT NULL,
    status BLOB,
    entries_stored INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, public_id)
) STRICT;
CREATE INDEX secure_messages_by_thread ON secure_messages (tenant_id, thread_id);
"#,
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The tables whose rows hold sealed columns, with the record kind used in their AAD.
/// Key retirement re-seals exactly these (attachment chunks follow their attachment).
pub(crate) const SEALED_COLUMNS: &[(&str, &str, &[&str])] = &[
    ("inboxes", "inbox", &["address"]),
    (
        "messages",
        "message",
        &[
            "sender",
            "subject",
            "snippet",
            "headers",
            "body_text",
            "body_html",
            "remote_images",
            "rejected",
        ],
    ),
    ("attachments", "attachment", &["name", "content_id"]),
    ("labels", "label", &["name"]),
    (
        "gmail_accounts",
        "gmail_account",
        &["config", "refresh_token"],
    ),
    ("drafts", "draft", &["content"]),
    ("team_links", "team_link", &["link", "token", "snapshot"]),
    ("secure_messages", "secure_message", &["keys", "status"]),
];

pub fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Applies every migration the database lacks, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found = schema_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(VaultError::NewerSchema {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain (unkeyed) database at schema v2, built by the real v1 and v2 migrations, with
    /// three messages rows (one soft-deleted): v3 must queue all three ids.
    #[test]
    fn v3_queues_every_message_of_a_v2_vault() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute_batch(
            "INSERT INTO tenants VALUES (1, 't', 1, 0);
             INSERT INTO inboxes VALUES (1, 1, 'local', x'00', x'00', 1, 0);
             INSERT INTO threads (id, tenant_id, inbox_id) VALUES (1, 1, 1);",
        )
        .unwrap();
        for (id, deleted) in [(3, None), (7, Some(5)), (12, None)] {
            conn.execute(
                "INSERT INTO messages (id, tenant_id, inbox_id, thread_id, dedupe_fp, date,
                    key_version, sender, subject, snippet, headers, body_text, deleted_at,
                    created_at)
                 VALUES (?1, 1, 1, 1, ?2, 0, 1, x'', x'', x'', x'', x'', ?3, 0)",
                rusqlite::params![id, vec![id as u8], deleted],
            )
            .unwrap();
        }

        migrate(&mut conn).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), SCHEMA_VERSION);
        let mut stmt = conn
            .prepare("SELECT message_id FROM index_queue ORDER BY message_id")
            .unwrap();
        let queued: Vec<i64> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(queued, [3, 7, 12]);
    }

    /// Every BLOB column of the schema is either sealed (listed in [`SEALED_COLUMNS`], so key
    /// retirement re-seals it) or one of the few that hold no content: keyed fingerprints, the
    /// wrapped tenant keys, and attachment chunks (re-sealed with their attachment). A sealed
    /// column missing from the list would become unreadable once its key is retired.
    #[test]
    fn every_blob_column_is_sealed_or_holds_no_content() {
        const NOT_CONTENT: &[(&str, &str)] = &[
            ("tenant_keys", "wrapped"),
            ("inboxes", "address_fp"),
            ("messages", "dedupe_fp"),
            ("messages", "message_id_fp"),
            ("message_refs", "ref_fp"),
            ("labels", "name_fp"),
            ("attachment_chunks", "data"),
            ("audit_log", "object_ref"),
            ("audit_log", "prev"),
            ("audit_log", "mac"),
            ("audit_refs", "ref"),
            ("audit_head", "mac"),
            ("audit_head", "head_mac"),
            ("image_senders", "sender_fp"),
        ];
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let blobs: Vec<(String, String)> = conn
            .prepare(
                "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
                 WHERE m.type = 'table' AND c.type = 'BLOB' ORDER BY m.name, c.cid",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(blobs.len() > NOT_CONTENT.len());
        for (table, column) in &blobs {
            let sealed = SEALED_COLUMNS
                .iter()
                .any(|(t, _, cols)| t == table && cols.contains(&column.as_str()));
            let exempt = NOT_CONTENT.contains(&(table.as_str(), column.as_str()));
            assert!(
                sealed != exempt,
                "{table}.{column}: sealed {sealed}, exempt {exempt} (exactly one must hold)"
            );
        }
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(VaultError::NewerSchema { .. })
        ));
    }
}
