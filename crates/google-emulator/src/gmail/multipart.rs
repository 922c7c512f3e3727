//! Splitting a `multipart/*` request body (a batch's `multipart/mixed`, an upload's
//! `multipart/related`) into its parts with mail-parser, which accepts the bare-LF line ends
//! Python's email generator writes as well as CRLF. Each part keeps its headers as written
//! (folding undone) and its body as sent: batches and uploads send `binary`/`8bit` bodies, so
//! no transfer decoding is done.

use mail_parser::{MessageParser, MimeHeaders as _, PartType};

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyPart {
    /// `(name, value)` in order, names as written.
    pub headers: Vec<(String, String)>,
    /// `type/subtype`, lowercase; `text/plain` when the part has no `Content-Type`.
    pub content_type: String,
    pub body: Vec<u8>,
}

impl BodyPart {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a body is not the multipart body its `Content-Type` says.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum MultipartError {
    #[error("Content-Type must be multipart/{expected}, not '{found}'")]
    WrongType {
        expected: &'static str,
        found: String,
    },
    #[error("the multipart Content-Type has no boundary")]
    NoBoundary,
    #[error("the body holds no part delimited by its boundary")]
    NoParts,
}

/// The parts of `body`, whose `Content-Type` header is `content_type`, which must be
/// `multipart/<subtype>` with a boundary.
/// A `Content-Type` value's media type, lower-cased, without its parameters.
pub(crate) fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

pub(crate) fn split(
    content_type: &str,
    subtype: &'static str,
    body: &[u8],
) -> Result<Vec<BodyPart>, MultipartError> {
    let found = essence(content_type);
    if found != format!("multipart/{subtype}") {
        return Err(MultipartError::WrongType {
            expected: subtype,
            found,
        });
    }
    // mail-parser reads a whole message: give the body the header it came with.
    let mut message = format!("Content-Type: {content_type}\r\n\r\n").into_bytes();
    message.extend_from_slice(body);
    let parsed = MessageParser::default()
        .parse(&message)
        .ok_or(MultipartError::NoParts)?;
    let root = parsed.root_part();
    if root
        .content_type()
        .and_then(|ct| ct.attribute("boundary"))
        .is_none()
    {
        return Err(MultipartError::NoBoundary);
    }
    let PartType::Multipart(children) = &root.body else {
        return Err(MultipartError::NoParts);
    };
    let raw = parsed.raw_message();
    let span = |from: u32, to: u32| raw.get(from as usize..to as usize).unwrap_or_default();
    let parts: Vec<BodyPart> = children
        .iter()
        .filter_map(|&index| parsed.part(index))
        .map(|part| {
            let headers = part
                .headers
                .iter()
                .map(|h| {
                    let name = String::from_utf8_lossy(span(h.offset_field, h.offset_start))
                        .trim_end()
                        .trim_end_matches(':')
                        .trim()
                        .to_owned();
                    let value =
                        unfold(&String::from_utf8_lossy(span(h.offset_start, h.offset_end)));
                    (name, value)
                })
                .collect();
            let content_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_owned(),
                })
                .unwrap_or_else(|| "text/plain".to_owned())
                .to_ascii_lowercase();
            BodyPart {
                headers,
                content_type,
                body: span(part.raw_body_offset(), part.raw_end_offset()).to_vec(),
            }
        })
        .collect();
    if parts.is_empty() {
        return Err(MultipartError::NoParts);
    }
    Ok(parts)
}

/// A header value with its line folding removed and outer whitespace trimmed.
fn unfold(value: &str) -> String {
    value
        .split('\n')
        .map(|line| line.trim_end_matches('\r'))
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What google-api-python-client 2.x sends for messages.send with metadata and media
    /// (`email.generator`, bare LF around CRLF message bytes).
    const RELATED: &[u8] =
        b"--===============3639306139455183832==\nContent-Type: application/json\n\
MIME-Version: 1.0\n\n{\"threadId\": \"abc\"}\n--===============3639306139455183832==\n\
Content-Type: message/rfc822\nMIME-Version: 1.0\nContent-Transfer-Encoding: binary\n\n\
From: me@example.com\r\nTo: bob@example.org\r\nSubject: Up\r\n\r\nHello\r\n\n\
--===============3639306139455183832==--\n";
    const RELATED_TYPE: &str =
        "multipart/related; boundary=\"===============3639306139455183832==\"";

    #[test]
    fn splits_pythons_multipart_related_keeping_the_message_bytes_exact() {
        let parts = split(RELATED_TYPE, "related", RELATED).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].content_type, "application/json");
        assert_eq!(parts[0].body, b"{\"threadId\": \"abc\"}");
        assert_eq!(parts[1].content_type, "message/rfc822");
        assert_eq!(parts[1].header("content-transfer-encoding"), Some("binary"));
        assert_eq!(
            parts[1].body,
            b"From: me@example.com\r\nTo: bob@example.org\r\nSubject: Up\r\n\r\nHello\r\n"
        );
    }

    #[test]
    fn splits_crlf_bodies_and_keeps_header_values_as_written() {
        let body = b"--b1\r\nContent-Type: application/http\r\nContent-ID: <abc + 1>\r\n\r\n\
GET /x HTTP/1.1\r\n\r\n\r\n--b1\r\nContent-Type: application/http\r\nContent-ID:\r\n <abc + 2>\r\n\r\n\
POST /y HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}\r\n--b1--\r\n";
        let parts = split("multipart/mixed; boundary=b1", "mixed", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].header("Content-ID"), Some("<abc + 1>"));
        assert_eq!(parts[1].header("content-id"), Some("<abc + 2>"), "unfolded");
        assert_eq!(parts[0].body, b"GET /x HTTP/1.1\r\n\r\n");
        assert_eq!(
            parts[1].body,
            b"POST /y HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
        );
    }

    #[test]
    fn refuses_other_types_missing_boundaries_and_bodies_without_parts() {
        assert_eq!(
            split("application/json", "mixed", b"{}"),
            Err(MultipartError::WrongType {
                expected: "mixed",
                found: "application/json".into()
            })
        );
        assert_eq!(
            split("multipart/mixed", "mixed", b"--x\r\n\r\nhi\r\n--x--\r\n"),
            Err(MultipartError::NoBoundary)
        );
        assert_eq!(
            split(
                "multipart/mixed; boundary=zz",
                "mixed",
                b"no delimiter here"
            ),
            Err(MultipartError::NoParts)
        );
    }
}
