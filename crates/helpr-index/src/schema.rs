//! The index schema (DESIGN §4, issue 4 item 3). Text is indexed, never stored: the index can
//! find a message but cannot show one; hits carry only ids (fast fields) and are resolved and
//! decrypted through the vault. Ids, dates and flags are indexed and fast for filters and sorting.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED,
};
use tantivy::TantivyDocument;

/// One message as the index sees it (built from decrypted vault data in memory).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailDoc {
    pub message_id: u64,
    pub tenant: u64,
    pub inbox: u64,
    pub thread: u64,
    /// Addresses and display names.
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub body: String,
    pub attachment_names: Vec<String>,
    pub labels: Vec<String>,
    /// Seconds since the Unix epoch.
    pub date: i64,
    pub has_attachment: bool,
    pub unread: bool,
}

/// The schema and its fields.
#[derive(Debug, Clone)]
pub struct MailSchema {
    pub schema: Schema,
    pub message_id: Field,
    pub tenant: Field,
    pub inbox: Field,
    pub thread: Field,
    pub from: Field,
    pub to: Field,
    pub cc: Field,
    pub subject: Field,
    pub body: Field,
    pub attachment_names: Field,
    pub labels: Field,
    pub date: Field,
    pub has_attachment: Field,
    pub unread: Field,
}

impl Default for MailSchema {
    fn default() -> Self {
        Self::new()
    }
}

impl MailSchema {
    pub fn new() -> Self {
        let mut b = Schema::builder();
        let id = INDEXED | FAST;
        // Labels match whole (`label:Team/Ops`), case-insensitively: one lower-cased token each.
        let label = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(IndexRecordOption::Basic),
        );
        // Words with positions (for phrases), through helpr's tokenizer (CJK bigrams).
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(crate::tokenizer::TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        MailSchema {
            message_id: b.add_u64_field("message_id", id.clone()),
            tenant: b.add_u64_field("tenant", id.clone()),
            inbox: b.add_u64_field("inbox", id.clone()),
            thread: b.add_u64_field("thread", id.clone()),
            from: b.add_text_field("from", text.clone()),
            to: b.add_text_field("to", text.clone()),
            cc: b.add_text_field("cc", text.clone()),
            subject: b.add_text_field("subject", text.clone()),
            body: b.add_text_field("body", text.clone()),
            attachment_names: b.add_text_field("filename", text.clone()),
            labels: b.add_text_field("label", label),
            date: b.add_i64_field("date", id.clone()),
            has_attachment: b.add_bool_field("has_attachment", id.clone()),
            unread: b.add_bool_field("unread", id),
            schema: b.build(),
        }
    }

    /// The tantivy document for `doc`.
    pub fn document(&self, doc: &MailDoc) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_u64(self.message_id, doc.message_id);
        d.add_u64(self.tenant, doc.tenant);
        d.add_u64(self.inbox, doc.inbox);
        d.add_u64(self.thread, doc.thread);
        for (field, values) in [
            (self.from, &doc.from),
            (self.to, &doc.to),
            (self.cc, &doc.cc),
            (self.attachment_names, &doc.attachment_names),
        ] {
            for v in values {
                d.add_text(field, v);
            }
        }
        for l in &doc.labels {
            d.add_text(self.labels, l.to_lowercase());
        }
        d.add_text(self.subject, &doc.subject);
        d.add_text(self.body, &doc.body);
        d.add_i64(self.date, doc.date);
        d.add_bool(self.has_attachment, doc.has_attachment);
        d.add_bool(self.unread, doc.unread);
        d
    }
}
