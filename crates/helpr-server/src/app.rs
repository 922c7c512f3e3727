//! The routes. `GET /api/v1/version`: the wire version and the server's, unauthenticated, for a
//! desktop to check before it signs in.

use axum::routing::get;
use axum::{Json, Router};
use helpr_proto::views::VersionView;
use helpr_proto::PROTO_VERSION;

/// Every route of the server.
pub fn router() -> Router {
    Router::new().route("/api/v1/version", get(version))
}

async fn version() -> Json<VersionView> {
    Json(VersionView {
        proto: PROTO_VERSION,
        server: env!("CARGO_PKG_VERSION").to_owned(),
    })
}
