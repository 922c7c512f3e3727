//! The batch endpoint — `POST /batch/gmail/v1` (Gmail's batch guide) and `POST /batch` (the
//! discovery `batchPath` under the root URL): a `multipart/mixed` body of up to 100
//! `application/http` parts, each one HTTP request (request line, headers, body) to a
//! `/gmail/v1/…` path. Each runs in order through [`super::serve`], exactly as if sent alone
//! (auth, quota, faults, `fields=`), with the outer request's headers under its own (Google:
//! "headers in the outer request, except for the Content- headers, apply to every request in
//! the batch"; the part's own win). The answer is `multipart/mixed`, one `application/http`
//! part per request in order, `Content-ID: <response-ID>` for a request's `<ID>`, CRLF
//! throughout. The request line and headers are read with httparse.

use super::multipart::{self, BodyPart, MultipartError};
use super::{invalid, ApiRequest, Reply};
use crate::server::State;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{HeaderMap, Method, Response, StatusCode};

/// Google's limit of calls in one batch.
pub(crate) const MAX_CALLS: usize = 100;

/// Why a batch body was refused as a whole (400).
#[derive(Debug, thiserror::Error)]
pub(crate) enum BatchError {
    #[error("Invalid batch request: {0}")]
    Multipart(#[from] MultipartError),
    #[error("A batch request cannot contain more than {MAX_CALLS} calls ({0} sent)")]
    TooMany(usize),
    #[error("Invalid batch request: part {0} is '{1}', not application/http")]
    NotHttp(usize, String),
    #[error("Invalid batch request: part {0} is not an HTTP request")]
    BadRequest(usize),
}

/// One call read from a part.
#[derive(Debug)]
struct Call {
    content_id: Option<String>,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// Handles a batch request with these outer `headers` and `body`.
pub(crate) async fn handle(state: &State, headers: &HeaderMap, body: &[u8]) -> Reply {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let calls = match read_calls(content_type, body) {
        Ok(calls) => calls,
        Err(e) => return invalid(&e.to_string()),
    };
    let boundary = format!("batch_{:016x}", rand::random::<u64>());
    let mut out = Vec::new();
    for call in calls {
        let mut merged = outer_headers(headers);
        for (name, value) in &call.headers {
            merged.insert(name.clone(), value.clone());
        }
        let (path, query) = call.path.split_once('?').unwrap_or((&call.path, ""));
        let reply = super::serve(
            state,
            &ApiRequest {
                method: &call.method,
                path,
                query,
                headers: &merged,
                body: &call.body,
            },
        )
        .await;
        out.extend_from_slice(
            format!("--{boundary}\r\nContent-Type: application/http\r\n").as_bytes(),
        );
        if let Some(id) = &call.content_id {
            out.extend_from_slice(format!("Content-ID: {}\r\n", response_id(id)).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&serialize(reply).await);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Response::builder()
        .status(StatusCode::OK)
        .header(
            CONTENT_TYPE,
            format!("multipart/mixed; boundary={boundary}"),
        )
        .body(Full::new(Bytes::from(out)))
        .expect("a response from valid parts")
}

/// The outer headers every call inherits: all but `Content-*` and the framing ones.
fn outer_headers(headers: &HeaderMap) -> HeaderMap {
    let mut inherited = HeaderMap::new();
    for (name, value) in headers {
        let n = name.as_str();
        if !n.starts_with("content-") && n != "transfer-encoding" && n != "host" {
            inherited.append(name.clone(), value.clone());
        }
    }
    inherited
}

/// `<response-ID>` for `<ID>` (brackets added when the request had none).
fn response_id(content_id: &str) -> String {
    let inner = content_id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    format!("<response-{inner}>")
}

fn read_calls(content_type: &str, body: &[u8]) -> Result<Vec<Call>, BatchError> {
    let parts = multipart::split(content_type, "mixed", body)?;
    if parts.len() > MAX_CALLS {
        return Err(BatchError::TooMany(parts.len()));
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| read_call(i + 1, part))
        .collect()
}

fn read_call(number: usize, part: &BodyPart) -> Result<Call, BatchError> {
    if part.content_type != "application/http" {
        return Err(BatchError::NotHttp(number, part.content_type.clone()));
    }
    let bad = || BatchError::BadRequest(number);
    // A part whose blank line after the headers went with the boundary still counts.
    let mut text = part.body.clone();
    let parsed = match head(&text) {
        Head::Partial => {
            text.extend_from_slice(b"\r\n");
            head(&text)
        }
        other => other,
    };
    let Head::Complete {
        length: header_len,
        method,
        path,
        headers,
    } = parsed
    else {
        return Err(bad());
    };
    let rest = text.get(header_len..).unwrap_or_default();
    let length = headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(rest.len())
        .min(rest.len());
    Ok(Call {
        content_id: part.header("Content-ID").map(str::to_owned),
        method,
        path,
        headers,
        body: rest[..length].to_vec(),
    })
}

/// A part's request line and headers, read.
enum Head {
    Complete {
        /// Bytes up to and including the blank line.
        length: usize,
        method: Method,
        path: String,
        headers: HeaderMap,
    },
    /// No blank line after the headers yet.
    Partial,
    Invalid,
}

fn head(text: &[u8]) -> Head {
    let mut slots = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut slots);
    let length = match request.parse(text) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Head::Partial,
        Err(_) => return Head::Invalid,
    };
    let (Some(method), Some(path)) = (
        request
            .method
            .and_then(|m| Method::from_bytes(m.as_bytes()).ok()),
        request.path,
    ) else {
        return Head::Invalid;
    };
    let mut headers = HeaderMap::new();
    for h in request.headers.iter() {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(h.name.as_bytes()),
            HeaderValue::from_bytes(h.value),
        ) else {
            return Head::Invalid;
        };
        headers.append(name, value);
    }
    Head::Complete {
        length,
        method,
        path: path.to_owned(),
        headers,
    }
}

/// A reply as an `application/http` part body: status line, headers, blank line, body.
async fn serialize(reply: Reply) -> Vec<u8> {
    let (parts, body) = reply.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        parts.status.as_u16(),
        parts.status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    for (name, value) in &parts.headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two calls as google-api-python-client 2.x writes them (bare LF, `Content-ID:
    /// <uuid + n>`, an empty GET and a POST with a body).
    const PYTHON_BATCH: &[u8] = b"--===============6044578941008068894==\n\
Content-Type: application/http\nMIME-Version: 1.0\nContent-Transfer-Encoding: binary\n\
Content-ID: <f085ee12-c7e3-453f-8599-dc45ea3a2c4e + 1>\n\n\
GET /gmail/v1/users/me/messages/x1?format=minimal&alt=json HTTP/1.1\n\
Content-Type: application/json\nMIME-Version: 1.0\naccept: application/json\n\
authorization: Bearer part-token\nHost: 127.0.0.1:9\n\n\n\
--===============6044578941008068894==\n\
Content-Type: application/http\nMIME-Version: 1.0\nContent-Transfer-Encoding: binary\n\
Content-ID: <f085ee12-c7e3-453f-8599-dc45ea3a2c4e + 2>\n\n\
POST /gmail/v1/users/me/messages/x1/modify?alt=json HTTP/1.1\n\
Content-Type: application/json\nMIME-Version: 1.0\nHost: 127.0.0.1:9\n\
content-length: 28\n\n{\"addLabelIds\": [\"STARRED\"]}\n\
--===============6044578941008068894==--\n";
    const PYTHON_TYPE: &str = "multipart/mixed; boundary=\"===============6044578941008068894==\"";

    #[test]
    fn reads_each_call_of_a_python_client_batch_in_order() {
        let calls = read_calls(PYTHON_TYPE, PYTHON_BATCH).unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].method, Method::GET);
        assert_eq!(
            calls[0].path,
            "/gmail/v1/users/me/messages/x1?format=minimal&alt=json"
        );
        assert_eq!(calls[0].headers["authorization"], "Bearer part-token");
        assert!(calls[0].body.is_empty());
        assert_eq!(
            calls[0].content_id.as_deref(),
            Some("<f085ee12-c7e3-453f-8599-dc45ea3a2c4e + 1>")
        );
        assert_eq!(calls[1].method, Method::POST);
        assert_eq!(
            calls[1].path,
            "/gmail/v1/users/me/messages/x1/modify?alt=json"
        );
        assert_eq!(calls[1].body, b"{\"addLabelIds\": [\"STARRED\"]}");
        assert_eq!(
            response_id(calls[1].content_id.as_deref().unwrap()),
            "<response-f085ee12-c7e3-453f-8599-dc45ea3a2c4e + 2>"
        );
    }

    #[test]
    fn the_part_header_wins_over_the_outer_one_and_content_headers_stay_outside() {
        let mut outer = HeaderMap::new();
        outer.insert("authorization", HeaderValue::from_static("Bearer outer"));
        outer.insert("x-goog-api-client", HeaderValue::from_static("gdcl"));
        outer.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("multipart/mixed; boundary=b"),
        );
        let inherited = outer_headers(&outer);
        assert_eq!(inherited["authorization"], "Bearer outer");
        assert!(inherited.get(CONTENT_TYPE).is_none());
        assert_eq!(inherited.len(), 2);
    }

    #[test]
    fn refuses_parts_that_are_not_http_requests_and_oversized_batches() {
        let not_http = b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n";
        assert!(matches!(
            read_calls("multipart/mixed; boundary=b", not_http),
            Err(BatchError::NotHttp(1, t)) if t == "text/plain"
        ));
        let garbage = b"--b\r\nContent-Type: application/http\r\n\r\n\x01\x02 nope\r\n--b--\r\n";
        assert!(matches!(
            read_calls("multipart/mixed; boundary=b", garbage),
            Err(BatchError::BadRequest(1))
        ));
        let mut many = Vec::new();
        for _ in 0..=MAX_CALLS {
            many.extend_from_slice(
                b"--b\r\nContent-Type: application/http\r\n\r\nGET /gmail/v1/users/me/profile HTTP/1.1\r\n\r\n\r\n",
            );
        }
        many.extend_from_slice(b"--b--\r\n");
        assert!(matches!(
            read_calls("multipart/mixed; boundary=b", &many),
            Err(BatchError::TooMany(101))
        ));
        assert!(matches!(
            read_calls("application/json", b"{}"),
            Err(BatchError::Multipart(_))
        ));
    }
}
