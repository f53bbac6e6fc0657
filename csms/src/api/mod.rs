//! The REST API (axum): public availability, the operator router behind its bearer token,
//! `/healthz`, `/metrics`, the OpenAPI document built from the same routes ([`openapi`]), and
//! the drivers' web page ([`web`]).
//! Every handler maps its failures through [`error::ApiError`].

pub mod auth;
pub mod availability;
pub mod billing;
pub mod error;
pub mod extract;
pub mod invoices;
pub mod member_auth;
pub mod members;
pub mod nps;
pub mod openapi;
pub mod operator;
pub mod payments;
pub mod reservations;
pub mod serve;
pub mod web;

use axum::{
    Extension, Router,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
};
use serde::Serialize;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::app::AppState;

/// The whole HTTP surface but the OCPP socket. Routes are registered only with `routes!`, so
/// each is in the OpenAPI document ([`openapi`]); handlers serving one path go in one `routes!`.
pub fn router(state: AppState) -> Router {
    let (router, doc) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(metrics))
        .routes(routes!(openapi::document))
        .routes(routes!(availability::search))
        .routes(routes!(availability::events))
        .routes(routes!(reservations::slots))
        .routes(routes!(reservations::create))
        .routes(routes!(reservations::cancel))
        .routes(routes!(reservations::mine))
        .routes(routes!(reservations::messages))
        .routes(routes!(members::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(members::me))
        .routes(routes!(members::issue_card, members::cards))
        .routes(routes!(members::card))
        .routes(routes!(payments::top_up))
        .routes(routes!(invoices::my_invoices))
        .routes(routes!(invoices::my_invoice_pdf))
        .routes(routes!(payments::payment))
        .routes(routes!(payments::redsys_notification))
        .routes(routes!(billing::redeem))
        .routes(routes!(billing::sessions))
        .routes(routes!(nps::answer_session))
        .routes(routes!(nps::answer_contact))
        .routes(routes!(billing::my_plan, billing::subscribe))
        .routes(routes!(billing::cancel_plan))
        .routes(routes!(billing::plan_catalogue))
        .routes(routes!(billing::packs))
        .nest("/api/v1/operator", operator::router(state.clone()))
        .split_for_parts();
    let document = openapi::Document::render(&openapi::finish(doc));
    router
        .route_layer(Extension(document))
        // The web page is not part of the API, so not in its document (the drift test holds
        // every served route outside the document to be one of the page's files).
        .merge(web::router(&state.config))
        .fallback(not_found)
        .layer(cors(&state.config.cors_origins))
        .with_state(state)
}

/// Lets the app's origins call the API from a browser; with none configured, no origin may.
fn cors(origins: &[String]) -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderValue, Method, header};
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
        .collect();
    tower_http::cors::CorsLayer::new()
        .allow_origin(allowed)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(3600))
}

/// The body of `/healthz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `store unreachable`.
    status: &'static str,
}

/// Whether the store is reachable.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "system",
    responses(
        (status = 200, description = "The store answers.", body = Health),
        (status = 503, description = "The store is unreachable.", body = Health),
    )
)]
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, axum::Json(Health { status: "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "health check: store unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(Health {
                    status: "store unreachable",
                }),
            )
        }
    }
}

/// Every metric, in the Prometheus text format. Operators only: it shows revenue. (The
/// `--metrics-addr` listener serves it without a token, on a private network.)
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "system",
    security(("operator_token" = [])),
    responses((
        status = 200,
        description = "The Prometheus text exposition format.",
        content_type = "text/plain; version=0.0.4",
        body = String,
    ), (status = 401, description = "The operator token is missing or wrong."))
)]
async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, error::ApiError> {
    if !operator::is_operator(&headers, &state) {
        return Err(error::ApiError::Unauthorized);
    }
    Ok(exposition(&state))
}

fn exposition(state: &AppState) -> impl IntoResponse + use<> {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

/// The router of the `--metrics-addr` listener: `/metrics` without a token, nothing else.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            axum::routing::get(|State(state): State<AppState>| async move { exposition(&state) }),
        )
        .fallback(not_found)
        .with_state(state)
}

async fn not_found() -> error::ApiError {
    error::ApiError::NotFound("no such endpoint".into())
}
