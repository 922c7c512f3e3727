//! The `helpr-cid` URI scheme: a message's inline (`cid:`) images, from the vault to the
//! message's frame (`helpr-cid://localhost/<message id>/<content id>`, the path percent-encoded
//! as one segment by the UI's `convertFileSrc`). Only images are served, as their own type with
//! `nosniff` and a policy that lets them run nothing; anything else is a bare 404.

use helpr_core::InlineImage;
use tauri::http::{header, Response, StatusCode};
use tauri::{Builder, Manager, Runtime};

use crate::vault::Vault;

pub const SCHEME: &str = "helpr-cid";

/// Registers the scheme on `builder`.
pub fn register<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.register_asynchronous_uri_scheme_protocol(SCHEME, |ctx, request, responder| {
        let app = ctx.app_handle().clone();
        let path = request.uri().path().to_owned();
        tauri::async_runtime::spawn(async move {
            let image = match parse(&path) {
                Some((id, cid)) => match app.state::<Vault>().helpr().await {
                    Ok(helpr) => helpr.inline_image(id, &cid).await.ok(),
                    Err(_) => None,
                },
                None => None,
            };
            responder.respond(response(image));
        });
    })
}

/// `/<id>/<cid>`, the path possibly encoded as one segment (`/<id>%2F<cid>`).
fn parse(path: &str) -> Option<(i64, String)> {
    let decoded = percent_encoding::percent_decode_str(path.trim_start_matches('/'))
        .decode_utf8()
        .ok()?;
    let (id, cid) = decoded.split_once('/')?;
    Some((id.parse().ok()?, cid.to_owned()))
}

fn response(image: Option<InlineImage>) -> Response<Vec<u8>> {
    let built = match image {
        Some(image) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, image.content_type)
            .header("X-Content-Type-Options", "nosniff")
            .header(header::CONTENT_SECURITY_POLICY, "default-src 'none'")
            .header(header::CACHE_CONTROL, "no-store")
            .body(image.data),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Vec::new()),
    };
    built.unwrap_or_else(|_| Response::new(Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_a_message_and_a_content_id() {
        assert_eq!(parse("/12/logo@x"), Some((12, "logo@x".into())));
        assert_eq!(
            parse("/12%2Flogo%2540x"),
            Some((12, "logo%40x".into())),
            "one encoded segment decodes once; core decodes the Content-ID itself"
        );
        assert_eq!(parse("/x/logo"), None);
        assert_eq!(parse("/12"), None);
    }

    #[test]
    fn only_a_found_image_is_served() {
        let ok = response(Some(InlineImage {
            content_type: "image/png".into(),
            data: vec![1, 2],
        }));
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()["x-content-type-options"], "nosniff");
        assert_eq!(ok.body(), &[1, 2]);
        assert_eq!(response(None).status(), StatusCode::NOT_FOUND);
    }
}
