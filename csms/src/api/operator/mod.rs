//! The operator API: charge points, commands to them, transactions, tariffs and id tags, all
//! behind `Authorization: Bearer <operator token>` (compared in constant time).

mod billing;
mod card_refunds;
mod charge_point_view;
mod charge_points;
mod cluster;
pub(crate) use charge_points::parse_id;
mod commands;
mod id_tags;
mod rotation;
mod security;
mod sepa;
mod tariffs;
mod transactions;

use axum::{
    extract::{Request, State},
    http::header,
    middleware::{self, Next},
    response::Response,
};
use subtle::ConstantTimeEq;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{error::ApiError, openapi};
use crate::app::AppState;

/// The operator's routes, relative to `/api/v1/operator`, all behind [`require_operator`] (and
/// so all documented as requiring the operator token).
pub fn router(state: AppState) -> OpenApiRouter<AppState> {
    let mut router = OpenApiRouter::new()
        .routes(routes!(charge_points::list))
        .routes(routes!(cluster::cluster))
        .routes(routes!(
            charge_points::put,
            charge_points::get,
            charge_points::delete
        ))
        .routes(routes!(charge_points::approve))
        .routes(routes!(security::list))
        .routes(routes!(rotation::rotate_password))
        .routes(routes!(rotation::upgrade))
        .routes(routes!(commands::send))
        .routes(routes!(crate::api::reservations::of_charge_point))
        .routes(routes!(transactions::list))
        .routes(routes!(transactions::get))
        .routes(routes!(transactions::settle))
        .routes(routes!(tariffs::put, tariffs::get))
        .routes(routes!(billing::promotions))
        .routes(routes!(billing::put_promotion))
        .routes(routes!(billing::put_pack))
        .routes(routes!(billing::put_plan))
        .routes(routes!(billing::run_plan_fees))
        .routes(routes!(crate::api::nps::report))
        .routes(routes!(crate::api::nps::record_contact))
        .routes(routes!(billing::audit_ledger))
        .routes(routes!(sepa::export))
        .routes(routes!(sepa::batch))
        .routes(routes!(sepa::refunds))
        .routes(routes!(card_refunds::refund_card_payment))
        .routes(routes!(crate::api::invoices::issue_invoices))
        .routes(routes!(sepa::returns))
        .routes(routes!(id_tags::put, id_tags::get));
    openapi::require(router.get_openapi_mut(), openapi::OPERATOR_TOKEN);
    router.route_layer(middleware::from_fn_with_state(state, require_operator))
}

async fn require_operator(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if !is_operator(request.headers(), &state) {
        return Err(ApiError::Unauthorized);
    }
    Ok(next.run(request).await)
}

/// Whether the request carries the operator token (compared in constant time).
pub(crate) fn is_operator(headers: &axum::http::HeaderMap, state: &AppState) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .is_some_and(|presented| {
            bool::from(presented.as_bytes().ct_eq(state.operator_token.as_bytes()))
        })
}
