//! The error answers every operation of a kind can give, added to the OpenAPI document once
//! instead of in each handler's annotation (where they were missing, as schemathesis found:
//! issue 18). All are the usual [`ErrorBody`](twofold_core::proto::ErrorBody):
//!
//! - an operation with a `security` requirement answers 401 `auth.unauthorized` without valid
//!   credentials;
//! - one with a request body answers 400 `request.malformed_json`, 413 `request.too_large`,
//!   415 `request.unsupported_media_type` and 422 `request.invalid_body` /
//!   `request.invalid_field` (`api::extract::ApiJson` and the handlers' own checks);
//! - one with query parameters answers 400 `request.invalid_query`;
//! - one with path parameters answers 422 `request.invalid_field` for a value that can name
//!   nothing (a username with a space or a control character).
//!
//! A status an annotation already documents is left as it is.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::Modify;

pub struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                add_common(operation);
            }
        }
    }
}

fn add_common(operation: &mut Operation) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = operation.request_body.is_some();
    let has_in = |place: ParameterIn| {
        operation
            .parameters
            .iter()
            .flatten()
            .any(|p| p.parameter_in == place)
    };
    let (has_query, has_path) = (has_in(ParameterIn::Query), has_in(ParameterIn::Path));
    let mut add = |status: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(error(description)));
    };
    if secured {
        add("401", "`auth.unauthorized`: missing or invalid credentials");
    }
    if has_body {
        add("400", "`request.malformed_json`: the body is not JSON");
        add("413", "`request.too_large`: the body is over the limit");
        add(
            "415",
            "`request.unsupported_media_type`: the body's Content-Type is not the documented one",
        );
        add(
            "422",
            "`request.invalid_body` or `request.invalid_field`: the body does not match the \
             schema, or a field's value is not allowed",
        );
    }
    if has_query {
        add(
            "400",
            "`request.invalid_query`: a query parameter is malformed",
        );
    }
    if has_path {
        add(
            "422",
            "`request.invalid_field`: a path parameter's value is not allowed",
        );
    }
}

fn error(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}
