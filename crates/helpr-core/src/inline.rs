//! Inline (`cid:`) images, served from the vault. The sanitizer rewrote each `cid:X` of a body to
//! `helpr-cid:X`; the desktop's `helpr-cid` URI scheme asks here for message `id`'s part whose
//! Content-ID is `X` (percent-decoded, angle brackets ignored, as RFC 2392 writes it). Only an
//! image part is served: anything else is `not_found`, so a `cid:` reference cannot pull a
//! message's HTML or script attachment into a page.

use crate::{CoreError, Helpr};

/// An inline image: its type and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineImage {
    pub content_type: String,
    pub data: Vec<u8>,
}

/// A Content-ID as a reference or a header writes it, reduced to compare.
fn normal(content_id: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(content_id.trim()).decode_utf8_lossy();
    decoded
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

impl Helpr {
    /// Message `id`'s inline image with Content-ID `content_id`.
    pub async fn inline_image(&self, id: i64, content_id: &str) -> Result<InlineImage, CoreError> {
        let wanted = normal(content_id);
        self.with_vault(move |h| {
            let scope = h.scope()?;
            let message = h.vault.get_message(&scope, id)?;
            let part = message
                .attachments
                .into_iter()
                .find(|a| {
                    a.content_type.to_ascii_lowercase().starts_with("image/")
                        && a.content_id.as_deref().map(normal).as_deref() == Some(wanted.as_str())
                })
                .ok_or_else(|| {
                    CoreError::NotFound(format!("message {id} has no such inline image"))
                })?;
            Ok(InlineImage {
                data: h.vault.read_attachment(&scope, part.id)?,
                content_type: part.content_type,
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::normal;

    #[test]
    fn content_ids_compare_as_rfc_2392_writes_them() {
        assert_eq!(normal("logo%40example.com"), "logo@example.com");
        assert_eq!(normal("<logo@example.com>"), "logo@example.com");
        assert_eq!(normal(" part1.ABC "), "part1.ABC");
    }
}
