//! `POST /billing/card-payments/{order}/refund`: a card top-up given back whole through the
//! provider that collected it, while its Green Card still holds the money. Asking again is
//! safe: an ended refund is returned as it is, a pending one is asked of the provider again.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{
    api::{error::ApiError, extract::Path},
    app::AppState,
    billing::card_refunds::RefundError,
    store::billing::card_refunds::{CardRefund, RefundStatus},
};

impl From<RefundError> for ApiError {
    fn from(e: RefundError) -> Self {
        match e {
            RefundError::NoProvider => ApiError::Conflict(e.to_string()),
            RefundError::UnknownOrder(_) => ApiError::NotFound(e.to_string()),
            RefundError::NotPaid { .. } | RefundError::Short { .. } | RefundError::Charging => {
                ApiError::Conflict(e.to_string())
            }
            RefundError::Store(s) => ApiError::Store(s),
        }
    }
}

/// A card payment's refund.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefundView {
    order: String,
    id_tag: String,
    member_id: i64,
    amount_cents: i64,
    /// `Pending` until the provider confirms (`Refunded`) or refuses (`Failed`: the money is
    /// back on the Green Card).
    status: RefundStatus,
    /// The provider's last answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<String>,
    updated_at: DateTime<Utc>,
}

impl From<CardRefund> for RefundView {
    fn from(r: CardRefund) -> Self {
        RefundView {
            order: r.payment.order,
            id_tag: r.payment.tag.to_string(),
            member_id: r.payment.member.0,
            amount_cents: r.payment.amount_cents,
            status: r.status,
            response: r.response,
            updated_at: r.updated_at,
        }
    }
}

/// Gives a paid card top-up back through its provider: the Green Card is debited the whole
/// amount and the provider asked to refund the driver's bank card.
#[utoipa::path(
    post,
    path = "/billing/card-payments/{order}/refund",
    tag = "operator",
    params(("order" = String, Path, description = "The provider's order number")),
    responses(
        (status = 200, description = "Refunded by the provider.", body = RefundView),
        (status = 202, description = "Asked; the provider's answer is not known yet: ask again.", body = RefundView),
        (status = 404, description = "No such card payment."),
        (status = 409, description = "Not paid, or its Green Card no longer holds the amount or pays a running session, or no provider that refunds is configured."),
        (status = 502, description = "The provider refused: the money is back on the Green Card."),
    )
)]
pub async fn refund_card_payment(
    State(state): State<AppState>,
    Path(order): Path<String>,
) -> Result<Response, ApiError> {
    let valid = (4..=12).contains(&order.len()) && order.bytes().all(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(ApiError::NotFound(format!("no card payment {order:?}")));
    }
    let refund = state.billing.refund_card_payment(&order).await?;
    match refund.status {
        RefundStatus::Refunded => {
            Ok((StatusCode::OK, axum::Json(RefundView::from(refund))).into_response())
        }
        RefundStatus::Pending => {
            Ok((StatusCode::ACCEPTED, axum::Json(RefundView::from(refund))).into_response())
        }
        RefundStatus::Failed => Err(ApiError::ProviderRefused(format!(
            "the provider refused to refund order {order} ({}); the money is back on the Green Card",
            refund.response.as_deref().unwrap_or("no code")
        ))),
    }
}
