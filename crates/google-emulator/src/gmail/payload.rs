//! A message's MIME tree as Gmail's `MessagePart` (google-protocols.md §2.4), parsed with
//! mail-parser: `partId` (`""` at the top, `"0"`, `"1"`, `"0.1"` below), `mimeType`,
//! `filename`, `headers` as written (folding undone; `Subject` decoded), `body` with `data` for
//! text parts and `attachmentId` for attachments (a part with a filename, a binary part, or a
//! nested `message/rfc822`, which is not expanded). Also the attachment lookup behind
//! attachments.get.

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use mail_parser::{HeaderName, HeaderValue, Message, MessageParser, MimeHeaders as _, PartType};
use serde_json::{json, Value};

/// Prefix of attachment ids (the shape of Google's, which are long and opaque).
const ATTACHMENT_PREFIX: &str = "ANGjdJ";

/// One part of the tree.
#[derive(Debug)]
pub(crate) struct Part {
    pub part_id: String,
    pub mime_type: String,
    pub filename: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    pub parts: Vec<Part>,
}

#[derive(Debug)]
pub(crate) enum Body {
    /// Multipart: children carry the content.
    Empty,
    /// Inline text, served in `body.data`.
    Data(Vec<u8>),
    /// Served by attachments.get.
    Attachment(Vec<u8>),
}

/// The tree of `raw`, or `None` when mail-parser cannot read it.
pub(crate) fn tree(raw: &[u8]) -> Option<Part> {
    let message = MessageParser::default().parse(raw)?;
    Some(build(&message, 0, String::new()))
}

fn build(message: &Message<'_>, index: u32, part_id: String) -> Part {
    let raw = message.raw_message();
    let Some(part) = message.part(index) else {
        return Part {
            part_id,
            mime_type: "text/plain".to_owned(),
            filename: String::new(),
            headers: Vec::new(),
            body: Body::Data(Vec::new()),
            parts: Vec::new(),
        };
    };
    let headers = part
        .headers
        .iter()
        .map(|h| {
            let span = |from: u32, to: u32| {
                raw.get(from as usize..to as usize)
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default()
            };
            let name = span(h.offset_field, h.offset_start)
                .trim_end()
                .trim_end_matches(':')
                .trim()
                .to_owned();
            let value = match (&h.name, &h.value) {
                (HeaderName::Subject, HeaderValue::Text(text)) => text.to_string(),
                _ => unfold(&span(h.offset_start, h.offset_end)),
            };
            (name, value)
        })
        .collect();
    let mime_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_owned(),
        })
        .unwrap_or_else(|| {
            if part.is_message() {
                "message/rfc822"
            } else {
                "text/plain"
            }
            .to_owned()
        })
        .to_ascii_lowercase();
    let filename = part.attachment_name().unwrap_or_default().to_owned();
    let (body, parts) = match &part.body {
        PartType::Multipart(children) => {
            let parts = children
                .iter()
                .enumerate()
                .map(|(i, child)| {
                    let id = if part_id.is_empty() {
                        i.to_string()
                    } else {
                        format!("{part_id}.{i}")
                    };
                    build(message, *child, id)
                })
                .collect();
            (Body::Empty, parts)
        }
        PartType::Text(_) | PartType::Html(_) if filename.is_empty() => {
            (Body::Data(part.contents().to_vec()), Vec::new())
        }
        _ => (Body::Attachment(part.contents().to_vec()), Vec::new()),
    };
    Part {
        part_id,
        mime_type,
        filename,
        headers,
        body,
        parts,
    }
}

/// A header value with its line folding removed and outer whitespace trimmed.
fn unfold(value: &str) -> String {
    value
        .replace("\r\n", "\n")
        .split('\n')
        .map(|line| line.trim_end_matches('\r'))
        .collect::<Vec<_>>()
        .join("")
        .trim()
        .to_owned()
}

/// The attachment id of part `part_id` of message `message_id`.
pub(crate) fn attachment_id(message_id: &str, part_id: &str) -> String {
    format!(
        "{ATTACHMENT_PREFIX}{}",
        URL_SAFE
            .encode(format!("{message_id}/{part_id}"))
            .trim_end_matches('=')
    )
}

/// The part id an attachment id of `message_id` names, if it is one.
pub(crate) fn part_of_attachment(message_id: &str, attachment_id: &str) -> Option<String> {
    let encoded = attachment_id.strip_prefix(ATTACHMENT_PREFIX)?;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (message, part) = text.split_once('/')?;
    (message == message_id).then(|| part.to_owned())
}

impl Part {
    /// The part numbered `part_id`, searching this tree.
    pub(crate) fn find(&self, part_id: &str) -> Option<&Part> {
        if self.part_id == part_id {
            return Some(self);
        }
        self.parts.iter().find_map(|p| p.find(part_id))
    }

    /// The `headers` array; with `only`, just those names (any case), as `metadataHeaders`.
    pub(crate) fn headers_json(&self, only: Option<&[String]>) -> Value {
        let wanted =
            |name: &str| only.is_none_or(|o| o.iter().any(|w| w.eq_ignore_ascii_case(name)));
        Value::Array(
            self.headers
                .iter()
                .filter(|(name, _)| wanted(name))
                .map(|(name, value)| json!({"name": name, "value": value}))
                .collect(),
        )
    }

    /// The whole `MessagePart` for `format=full`.
    pub(crate) fn full_json(&self, message_id: &str) -> Value {
        let body = match &self.body {
            Body::Empty => json!({"size": 0}),
            Body::Data(data) => json!({"size": data.len(), "data": URL_SAFE.encode(data)}),
            Body::Attachment(data) => json!({
                "attachmentId": attachment_id(message_id, &self.part_id),
                "size": data.len(),
            }),
        };
        let mut part = json!({
            "partId": self.part_id,
            "mimeType": self.mime_type,
            "filename": self.filename,
            "headers": self.headers_json(None),
            "body": body,
        });
        if !self.parts.is_empty() {
            part["parts"] =
                Value::Array(self.parts.iter().map(|p| p.full_json(message_id)).collect());
        }
        part
    }
}
