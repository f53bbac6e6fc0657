//! The operator API: charge points, commands to them, transactions, tariffs and id tags, all
//! behind `Authorization: Bearer <operator token>` (compared in constant time).

mod billing;
mod charge_points;
pub(crate) use charge_points::parse_id;
mod commands;
mod id_tags;
mod tariffs;
mod transactions;

use axum::{
    Router,
    extract::{Request, State},
    http::header,
    middleware::{self, Next},
    response::Response,
    routing::{get, post, put},
};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use crate::app::AppState;

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/charge-points", get(charge_points::list))
        .route(
            "/charge-points/{id}",
            put(charge_points::put).get(charge_points::get),
        )
        .route(
            "/charge-points/{id}/commands/{action}",
            post(commands::send),
        )
        .route(
            "/charge-points/{id}/reservations",
            get(crate::api::reservations::of_charge_point),
        )
        .route("/transactions", get(transactions::list))
        .route("/transactions/{transaction_id}", get(transactions::get))
        .route("/tariffs/{id}", put(tariffs::put).get(tariffs::get))
        .route("/promotions", get(billing::promotions))
        .route("/promotions/{id}", put(billing::put_promotion))
        .route("/experience-packs/{id}", put(billing::put_pack))
        .route("/plans/{id}", put(billing::put_plan))
        .route("/billing/plan-fees", post(billing::run_plan_fees))
        .route("/nps", get(crate::api::nps::report))
        .route(
            "/members/{member_number}/contacts",
            post(crate::api::nps::record_contact),
        )
        .route("/billing/ledger", get(billing::audit_ledger))
        .route("/id-tags/{id_tag}", put(id_tags::put).get(id_tags::get))
        .route_layer(middleware::from_fn_with_state(state, require_operator))
}

async fn require_operator(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?;
    if !bool::from(presented.as_bytes().ct_eq(state.operator_token.as_bytes())) {
        return Err(ApiError::Unauthorized);
    }
    Ok(next.run(request).await)
}
