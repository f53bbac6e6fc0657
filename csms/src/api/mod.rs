//! The REST API (axum): public availability, the operator router behind its bearer token,
//! `/healthz` and `/metrics`. Every handler maps its failures through [`error::ApiError`].

pub mod availability;
pub mod billing;
pub mod error;
pub mod extract;
pub mod member_auth;
pub mod members;
pub mod nps;
pub mod operator;
pub mod reservations;

use axum::{
    Router,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
    routing::{delete, get, post},
};

use crate::app::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/v1/availability", get(availability::search))
        .route("/api/v1/availability/events", get(availability::events))
        .route("/api/v1/availability/slots", get(reservations::slots))
        .route("/api/v1/reservations", post(reservations::create))
        .route("/api/v1/reservations/{id}", delete(reservations::cancel))
        .route("/api/v1/me/reservations", get(reservations::mine))
        .route("/api/v1/me/messages", get(reservations::messages))
        .route("/api/v1/members", post(members::register))
        .route("/api/v1/auth/login", post(members::login))
        .route("/api/v1/auth/logout", post(members::logout))
        .route("/api/v1/me", get(members::me))
        .route(
            "/api/v1/me/green-cards",
            post(members::issue_card).get(members::cards),
        )
        .route("/api/v1/me/green-cards/{id_tag}", get(members::card))
        .route(
            "/api/v1/me/green-cards/{id_tag}/top-ups",
            post(billing::top_up),
        )
        .route(
            "/api/v1/me/green-cards/{id_tag}/redemptions",
            post(billing::redeem),
        )
        .route("/api/v1/me/sessions", get(billing::sessions))
        .route(
            "/api/v1/me/sessions/{transaction_id}/nps",
            post(nps::answer_session),
        )
        .route("/api/v1/me/contacts/{id}/nps", post(nps::answer_contact))
        .route(
            "/api/v1/me/plan",
            get(billing::my_plan).post(billing::subscribe),
        )
        .route("/api/v1/me/plan/cancel", post(billing::cancel_plan))
        .route("/api/v1/plans", get(billing::plan_catalogue))
        .route("/api/v1/experience-packs", get(billing::packs))
        .nest("/api/v1/operator", operator::router(state.clone()))
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

/// 200 when the store answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check: store unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "store unreachable"})),
            )
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

async fn not_found() -> error::ApiError {
    error::ApiError::NotFound("no such endpoint".into())
}
