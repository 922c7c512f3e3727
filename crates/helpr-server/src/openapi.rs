//! The API's OpenAPI document, generated from the handlers' annotations and the wire types
//! (`GET /api/v1/openapi.json`). It is what the fuzzing test reads.

use axum::Json;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::{api, app, auth, gmail, secure};

#[derive(OpenApi)]
#[openapi(
    info(title = "helpr team server", description = "Organizations, access, live changes, the Gmail broker and secure email for helpr desktops."),
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
        secure::sender::create,
        secure::sender::bind_thread,
        secure::sender::list,
        secure::sender::entry,
        secure::sender::answer,
        secure::sender::revoke,
        secure::sender::unlock,
        secure::reader::request_code,
        secure::reader::verify,
        secure::reader::thread,
        secure::reader::attachment,
        secure::reader::reply,
    ),
    modifiers(&SessionAuth, &EdgeRefusals)
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
        // A secure message's reader: the token a right one-time code made.
        components.add_security_scheme(
            "reader",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The refusals any operation with path parameters or a body may answer before its handler
/// runs, documented on every such operation (each handler documents its own): a path that does
/// not parse is 400 (`api::path`); a body that is not JSON is 415, one over the limit 413, one
/// that does not fit 400 (`api::body`). All in the wire's shape.
struct EdgeRefusals;

impl Modify for EdgeRefusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                document_refusals(operation);
            }
        }
    }
}

fn document_refusals(operation: &mut Operation) {
    let has_path_parameters = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Path);
    let mut refusals = Vec::new();
    if has_path_parameters {
        refusals.push(("400", "a malformed request"));
    }
    if operation.request_body.is_some() {
        refusals.extend([
            ("400", "a malformed request"),
            ("413", "the body is too large"),
            ("415", "the body is not JSON"),
        ]);
    }
    for (status, description) in refusals {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| {
                let json = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ApiError")))
                    .build();
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content("application/json", json)
                        .build(),
                )
            });
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
