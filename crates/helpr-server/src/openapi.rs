//! The API's OpenAPI document, generated from the handlers' annotations and the wire types
//! (`GET /api/v1/openapi.json`). It is what the fuzzing test reads.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{api, app, auth, gmail};

#[derive(OpenApi)]
#[openapi(
    info(title = "helpr team server", description = "Organizations, access, live changes and the Gmail broker for helpr desktops."),
    paths(
        app::version,
        auth::session::exchange,
        api::org::me,
        api::org::change_password,
        api::org::snapshot,
        api::org::org,
        api::audit::entries,
        api::audit::verify,
        api::org::users,
        api::org::create_user,
        api::org::change_user,
        api::org::remove_user,
        api::org::teams,
        api::org::create_team,
        api::org::change_team,
        api::org::delete_team,
        api::inboxes::list,
        api::inboxes::create,
        api::inboxes::get,
        api::inboxes::change,
        api::inboxes::delete,
        api::inboxes::set_member,
        api::inboxes::remove_member,
        api::inboxes::start_override,
        api::conversations::get,
        api::conversations::assign,
        api::sessions::mine,
        api::sessions::revoke_mine,
        api::sessions::of_user,
        api::sessions::revoke_of_user,
        gmail::connect::status,
        gmail::connect::start,
        gmail::connect::finish,
        gmail::connect::disconnect,
        gmail::send::send,
        gmail::push::receive,
        gmail::proxy::profile,
        gmail::proxy::labels,
        gmail::proxy::create_label,
        gmail::proxy::list_messages,
        gmail::proxy::history,
        gmail::proxy::get_message,
        gmail::proxy::modify,
        gmail::proxy::trash,
        gmail::proxy::untrash,
    ),
    modifiers(&SessionAuth)
)]
pub struct ApiDoc;

struct SessionAuth;

impl Modify for SessionAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
