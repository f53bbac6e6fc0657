//! The OpenAPI 3 document of the REST API, served at `GET /api/v1/openapi.json`.
//!
//! It is generated, never written: every handler carries `#[utoipa::path]` and the routers
//! register handlers only through `utoipa_axum::routes!`, which takes the path and methods from
//! that annotation. So the route a request reaches and the operation the document describes come
//! from one declaration and cannot drift (`tests/it/openapi.rs` checks both ways).
//! What every operation shares is added here, once: the bearer security schemes, the 401 of
//! the guarded operations and the `application/problem+json` body of every error.

use axum::{Extension, body::Bytes, http::header, response::IntoResponse};
use utoipa::{
    OpenApi,
    openapi::{
        self, Content, PathItem, Ref, RefOr, ResponseBuilder,
        path::Operation,
        security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
    },
};

use super::error::{CallErrorProblem, ProblemDetails};

/// The security scheme of the operator API (`--operator-token`).
pub const OPERATOR_TOKEN: &str = "operator_token";
/// The security scheme of the member API (the token from `POST /api/v1/auth/login`).
pub const MEMBER_TOKEN: &str = "member_token";

const PROBLEM_JSON: &str = "application/problem+json";

/// The document's frame; the operations come from the routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "CITERE CSMS API",
        description = "The REST API of the CITERE central system: availability and reservations, \
            members and their Green Cards, billing, NPS, and the operator API. JSON bodies with \
            camelCase fields, times in RFC 3339 UTC, money in integer euro cents; errors are \
            `application/problem+json`.",
    ),
    components(schemas(ProblemDetails, CallErrorProblem)),
    tags(
        (name = "availability", description = "Public: free connectors near a place, and their changes"),
        (name = "reservations", description = "Members reserve a connector now or book a later slot"),
        (name = "members", description = "Registration, login, the profile and Green Cards"),
        (name = "billing", description = "Top-ups, sessions, points, plans and the catalogues"),
        (name = "nps", description = "Net Promoter Score: members answer, operators read"),
        (name = "operator", description = "The operator API (operator bearer token)"),
        (name = "system", description = "Health, metrics and this document"),
    )
)]
pub struct ApiDoc;

/// Requires `scheme` on every operation of `doc` (a router whose routes share one guard).
pub fn require(doc: &mut openapi::OpenApi, scheme: &str) {
    for item in doc.paths.paths.values_mut() {
        for operation in operations(item) {
            operation.security = Some(vec![SecurityRequirement::new(scheme, Vec::<String>::new())]);
        }
    }
}

/// Completes the document the routers built: security schemes, the 401 of every guarded
/// operation, and a problem+json body on every error response (and as the default response of
/// the `/api/v1` operations but this document: a failing store is a 500 anywhere).
pub fn finish(mut doc: openapi::OpenApi) -> openapi::OpenApi {
    // The derive fills in the crate's (empty) license; we have none to state.
    doc.info.license = None;
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        OPERATOR_TOKEN,
        bearer("The operator token (`--operator-token`)."),
    );
    components.add_security_scheme(
        MEMBER_TOKEN,
        bearer("A member's token, from `POST /api/v1/auth/login`."),
    );
    for (path, item) in doc.paths.paths.iter_mut() {
        for operation in operations(item) {
            let system = operation.tags.iter().flatten().any(|t| t == "system");
            let api = path.starts_with("/api/v1/") && !system;
            let responses = &mut operation.responses.responses;
            if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                responses
                    .entry("401".into())
                    .or_insert_with(|| problem("The bearer token is missing, invalid or expired."));
            }
            if api {
                responses.entry("default".into()).or_insert_with(|| {
                    problem("Any other failure (500: the store failed; 503: shutting down).")
                });
            }
            for (status, response) in responses.iter_mut() {
                let is_error = status == "default" || status.starts_with(['4', '5']);
                if let RefOr::T(response) = response
                    && is_error
                    && response.content.is_empty()
                {
                    response
                        .content
                        .insert(PROBLEM_JSON.into(), problem_content());
                }
            }
        }
    }
    doc
}

fn bearer(description: &str) -> SecurityScheme {
    SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(description))
            .build(),
    )
}

fn problem(description: &str) -> RefOr<openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(PROBLEM_JSON, problem_content())
            .build(),
    )
}

fn problem_content() -> Content {
    Content::new(Some(Ref::from_schema_name("ProblemDetails")))
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// The rendered document, made once when the router is built and shared by every request.
#[derive(Debug, Clone)]
pub struct Document(Bytes);

impl Document {
    pub fn render(doc: &openapi::OpenApi) -> Document {
        Document(Bytes::from(
            doc.to_json().expect("the OpenAPI document serializes"),
        ))
    }
}

/// The OpenAPI 3 document of this API (this document).
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "system",
    responses((status = 200, description = "The OpenAPI 3 document.", body = Object))
)]
pub async fn document(Extension(doc): Extension<Document>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], doc.0)
}
