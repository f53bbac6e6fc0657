//! Card top-ups: `POST /api/v1/me/green-cards/{idTag}/top-ups` (credited at once by an
//! immediate provider, `202 Pending` with the provider's signed form under Redsys),
//! `GET /api/v1/me/top-ups/{order}` (where a pending one stands) and
//! `POST /api/v1/payments/redsys/notifications`, Redsys's signed notification, the only thing
//! that credits a pending top-up.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    error::ApiError,
    extract::{Form, Json, Path},
    member_auth::CurrentMember,
    members::{CardView, own_card},
};
use crate::{
    app::AppState,
    billing::{
        card::NotificationError,
        redsys::{NotificationForm, Redirect},
        topups::{TopUpError, TopUpOutcome},
    },
    store::billing::card_payments::{CardPayment, PaymentStatus},
};

impl From<TopUpError> for ApiError {
    fn from(e: TopUpError) -> Self {
        match e {
            TopUpError::Invalid(m) => ApiError::BadRequest(m),
            TopUpError::UnknownCard(_) => ApiError::NotFound(e.to_string()),
            TopUpError::KeyReused => ApiError::Conflict(e.to_string()),
            TopUpError::Declined(d) => ApiError::PaymentRequired(d.to_string()),
            TopUpError::NoProvider => ApiError::Unavailable(3600, e.to_string()),
            TopUpError::TooManyPending => ApiError::TooManyRequests(600),
            TopUpError::Store(s) => ApiError::Store(s),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TopUpBody {
    amount_cents: i64,
    /// The same key again returns the same result and credits nothing more.
    idempotency_key: String,
}

/// A card payment and, while it waits for the driver, the provider's form.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    /// `Pending` until the provider confirms (`Paid`: the card is credited) or refuses.
    status: PaymentStatus,
    /// The order number the provider knows it by.
    order: String,
    id_tag: String,
    amount_cents: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// What the driver's browser posts to the provider (`POST`, form-encoded), while pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect: Option<Redirect>,
}

impl PaymentView {
    fn of(p: CardPayment, redirect: Option<Redirect>) -> PaymentView {
        PaymentView {
            redirect: redirect.filter(|_| p.status == PaymentStatus::Pending),
            status: p.status,
            order: p.order,
            id_tag: p.tag.to_string(),
            amount_cents: p.amount_cents,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// Tops up one of the member's Green Cards (idempotent per `idempotencyKey`).
#[utoipa::path(
    post,
    path = "/api/v1/me/green-cards/{idTag}/top-ups",
    tag = "billing",
    security(("member_token" = [])),
    params(("idTag" = String, Path, description = "The card's id tag.")),
    request_body = TopUpBody,
    responses(
        (status = 201, description = "Collected and credited (or credited before under this key): the card.", body = CardView),
        (status = 202, description = "Pending: the driver pays on the provider's page (`redirect`); the card is credited when the provider confirms.", body = PaymentView),
        (status = 400, description = "The body is malformed or the amount is out of range."),
        (status = 402, description = "The payment was declined."),
        (status = 503, description = "No payment provider is configured: nothing is charged or credited."),
        (status = 404, description = "No such card of this member."),
        (status = 409, description = "The idempotency key was used for another top-up."),
    )
)]
pub async fn top_up(
    State(state): State<AppState>,
    member: CurrentMember,
    Path(raw): Path<String>,
    Json(body): Json<TopUpBody>,
) -> Result<Response, ApiError> {
    let card = own_card(&state, &member, &raw).await?;
    let outcome = state
        .billing
        .top_up_in_app(
            member.id,
            &card.id_tag,
            body.amount_cents,
            &body.idempotency_key,
        )
        .await?;
    Ok(match outcome {
        TopUpOutcome::Credited(_) => {
            let card = own_card(&state, &member, &raw).await?;
            (StatusCode::CREATED, axum::Json(CardView::from(card))).into_response()
        }
        TopUpOutcome::Pending(pending) => {
            let view = PaymentView::of(pending.payment, Some(pending.redirect));
            (StatusCode::ACCEPTED, axum::Json(view)).into_response()
        }
    })
}

/// One of the member's card payments: where a pending top-up stands.
#[utoipa::path(
    get,
    path = "/api/v1/me/top-ups/{order}",
    tag = "billing",
    security(("member_token" = [])),
    params(("order" = String, Path, description = "The order number of the top-up.")),
    responses(
        (status = 200, description = "The payment.", body = PaymentView),
        (status = 404, description = "No such payment of this member."),
    )
)]
pub async fn payment(
    State(state): State<AppState>,
    member: CurrentMember,
    Path(order): Path<String>,
) -> Result<axum::Json<PaymentView>, ApiError> {
    let payment = state
        .billing
        .card_payment(member.id, &order)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no top-up {order}")))?;
    Ok(axum::Json(PaymentView::of(payment, None)))
}

impl From<NotificationError> for ApiError {
    fn from(e: NotificationError) -> Self {
        match e {
            NotificationError::NoProvider | NotificationError::UnknownOrder(_) => {
                ApiError::NotFound(e.to_string())
            }
            NotificationError::Untrusted(_) => ApiError::BadRequest(e.to_string()),
            NotificationError::WrongAmount { .. } => ApiError::Conflict(e.to_string()),
            NotificationError::Store(s) => ApiError::Store(s),
        }
    }
}

/// Redsys's notification of a payment (its "online" notification, form-encoded). Believed only
/// when signed with the merchant's key for our merchant and terminal, in euros; it credits the
/// order's card once, for the order's amount, however often it arrives.
#[utoipa::path(
    post,
    path = "/api/v1/payments/redsys/notifications",
    tag = "billing",
    request_body(content = NotificationForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Settled (or settled before): the payment.", body = PaymentView),
        (status = 400, description = "Not believed: unsigned, signed with another key, or not ours."),
        (status = 404, description = "No Redsys merchant is configured, or no such order."),
        (status = 409, description = "Signed, but for another amount than the order's: nothing credited."),
    )
)]
pub async fn redsys_notification(
    State(state): State<AppState>,
    Form(form): Form<NotificationForm>,
) -> Result<axum::Json<PaymentView>, ApiError> {
    let payment = state.billing.redsys_notification(&form).await?;
    Ok(axum::Json(PaymentView::of(payment, None)))
}
