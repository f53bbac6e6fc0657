//! The member's side of billing (top-ups are in `payments.rs`): their sessions with priced
//! lines, redeeming points for experience packs, and their flat-rate plan (subscribe, see the
//! early-termination fee, cancel); plus the public catalogues of plans and packs.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    error::ApiError,
    extract::{Json, Path},
    member_auth::CurrentMember,
    members::own_card,
};
use crate::{
    app::AppState,
    billing::{plans::PlanError, points::RedeemError},
    money::{
        catalogue::ExperiencePack,
        plans::{Plan, Subscription},
    },
    store::transactions::TransactionRecord,
};

/// A finished charging session of the member, priced.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    transaction_id: i64,
    charge_point_id: String,
    connector_id: u32,
    id_tag: String,
    started_at: DateTime<Utc>,
    stopped_at: Option<DateTime<Utc>>,
    energy_wh: Option<i64>,
    cost_cents: Option<i64>,
    discount_cents: Option<i64>,
    discount_name: Option<String>,
    payment_method: Option<crate::money::PaymentMethod>,
    /// The priced lines (empty until the session is settled).
    #[schema(value_type = Vec<crate::money::pricing::Line>)]
    lines: Vec<serde_json::Value>,
}

/// The priced lines of a settled session as JSON values (empty before settlement).
pub fn lines(record: &TransactionRecord) -> Vec<serde_json::Value> {
    record
        .priced_lines
        .as_deref()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default()
}

impl From<TransactionRecord> for SessionView {
    fn from(t: TransactionRecord) -> Self {
        SessionView {
            lines: lines(&t),
            energy_wh: t.energy_wh(),
            transaction_id: t.transaction_id,
            charge_point_id: t.charge_point_id,
            connector_id: t.connector_id,
            id_tag: t.id_tag,
            started_at: t.started_at,
            stopped_at: t.stopped_at,
            cost_cents: t.cost_cents,
            discount_cents: t.discount_cents,
            discount_name: t.discount_name,
            payment_method: t.payment_method,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionList {
    sessions: Vec<SessionView>,
}

/// The member's finished charging sessions, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/sessions",
    tag = "billing",
    security(("member_token" = [])),
    responses((status = 200, description = "The sessions.", body = SessionList))
)]
pub async fn sessions(
    State(state): State<AppState>,
    member: CurrentMember,
) -> Result<axum::Json<SessionList>, ApiError> {
    let all = state.store.member_sessions(member.id.0, 200).await?;
    Ok(axum::Json(SessionList {
        sessions: all.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedeemBody {
    pack_id: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Redeemed {
    pack_id: String,
    points_left: i64,
}

/// Redeems a card's points for an experience pack.
#[utoipa::path(
    post,
    path = "/api/v1/me/green-cards/{idTag}/redemptions",
    tag = "billing",
    security(("member_token" = [])),
    params(("idTag" = String, Path, description = "The card's id tag.")),
    request_body = RedeemBody,
    responses(
        (status = 201, description = "Redeemed.", body = Redeemed),
        (status = 400, description = "The body is malformed."),
        (status = 404, description = "No such card of this member, or no such pack."),
        (status = 409, description = "Not enough points, or this pack was redeemed this year already."),
    )
)]
pub async fn redeem(
    State(state): State<AppState>,
    member: CurrentMember,
    Path(raw): Path<String>,
    Json(body): Json<RedeemBody>,
) -> Result<(StatusCode, axum::Json<Redeemed>), ApiError> {
    let card = own_card(&state, &member, &raw).await?;
    let left = state
        .billing
        .redeem(member.id, &card.id_tag, &body.pack_id)
        .await
        .map_err(|e| match e {
            RedeemError::UnknownPack(_) => ApiError::NotFound(e.to_string()),
            RedeemError::NotEnoughPoints { .. } | RedeemError::AlreadyThisYear(_) => {
                ApiError::Conflict(e.to_string())
            }
            RedeemError::Store(s) => ApiError::Store(s),
        })?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Redeemed {
            pack_id: body.pack_id,
            points_left: left,
        }),
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Catalogue<T> {
    items: Vec<Item<T>>,
}

/// An entry of a catalogue: its id and its fields.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Item<T> {
    id: String,
    #[serde(flatten)]
    item: T,
}

fn catalogue<T>(items: Vec<(String, T)>) -> axum::Json<Catalogue<T>> {
    axum::Json(Catalogue {
        items: items
            .into_iter()
            .map(|(id, item)| Item { id, item })
            .collect(),
    })
}

/// The experience packs points can be redeemed for.
#[utoipa::path(
    get,
    path = "/api/v1/experience-packs",
    tag = "billing",
    responses((status = 200, description = "The packs.", body = Catalogue<ExperiencePack>))
)]
pub async fn packs(
    State(state): State<AppState>,
) -> Result<axum::Json<Catalogue<ExperiencePack>>, ApiError> {
    Ok(catalogue(state.store.packs().await?))
}

/// The flat-rate plans on offer.
#[utoipa::path(
    get,
    path = "/api/v1/plans",
    tag = "billing",
    responses((status = 200, description = "The plans.", body = Catalogue<Plan>))
)]
pub async fn plan_catalogue(
    State(state): State<AppState>,
) -> Result<axum::Json<Catalogue<Plan>>, ApiError> {
    Ok(catalogue(state.store.plans().await?))
}

impl From<PlanError> for ApiError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::UnknownPlan(_) | PlanError::NoPlan => ApiError::NotFound(e.to_string()),
            PlanError::AlreadySubscribed
            | PlanError::FeeNotAccepted { .. }
            | PlanError::ReturnedDebit => ApiError::Conflict(e.to_string()),
            PlanError::NoMandate => ApiError::BadRequest(e.to_string()),
            PlanError::Store(s) => ApiError::Store(s),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionView {
    plan_id: String,
    plan: Plan,
    starts_at: DateTime<Utc>,
    /// What cancelling today would cost.
    termination_fee_cents: i64,
    /// What cancelling today would give back under the first-month guarantee: the first
    /// month's fee, within that month.
    refund_cents: i64,
    /// Set when the bank returned a direct debit of its fees: its allowance is stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    suspended_at: Option<DateTime<Utc>>,
}

fn view(sub: Subscription, fee: i64, refund: i64) -> SubscriptionView {
    SubscriptionView {
        refund_cents: refund,
        plan_id: sub.plan_id,
        plan: sub.plan,
        starts_at: sub.starts_at,
        termination_fee_cents: fee,
        suspended_at: sub.suspended_at,
    }
}

/// The member's plan, with what cancelling it today would cost.
#[utoipa::path(
    get,
    path = "/api/v1/me/plan",
    tag = "billing",
    security(("member_token" = [])),
    responses(
        (status = 200, description = "The subscription.", body = SubscriptionView),
        (status = 404, description = "The member has no plan."),
    )
)]
pub async fn my_plan(
    State(state): State<AppState>,
    member: CurrentMember,
) -> Result<axum::Json<SubscriptionView>, ApiError> {
    let (sub, fee) = state.billing.termination_quote(member.id).await?;
    let refund = state.billing.guarantee_refund(&sub).await?;
    Ok(axum::Json(view(sub, fee, refund)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubscribeBody {
    plan_id: String,
}

/// Subscribes the member to a plan.
#[utoipa::path(
    post,
    path = "/api/v1/me/plan",
    tag = "billing",
    security(("member_token" = [])),
    request_body = SubscribeBody,
    responses(
        (status = 201, description = "Subscribed.", body = SubscriptionView),
        (status = 400, description = "The body is malformed, or the member has no bank account to pay the fee by direct debit."),
        (status = 404, description = "No such plan."),
        (status = 409, description = "The member has a plan already."),
    )
)]
pub async fn subscribe(
    State(state): State<AppState>,
    member: CurrentMember,
    Json(body): Json<SubscribeBody>,
) -> Result<(StatusCode, axum::Json<SubscriptionView>), ApiError> {
    state.billing.subscribe(member.id, &body.plan_id).await?;
    let (sub, fee) = state.billing.termination_quote(member.id).await?;
    let refund = state.billing.guarantee_refund(&sub).await?;
    Ok((StatusCode::CREATED, axum::Json(view(sub, fee, refund))))
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CancelBody {
    /// The early-termination fee the member was shown and accepts.
    accept_fee_cents: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Cancelled {
    fee_cents: i64,
    /// Given back under the first-month guarantee (by the means that collected it).
    refund_cents: i64,
}

/// Cancels the member's plan, charging the early-termination fee.
///
/// Cancels only when the member confirms the fee they were shown (`GET /api/v1/me/plan`).
#[utoipa::path(
    post,
    path = "/api/v1/me/plan/cancel",
    tag = "billing",
    security(("member_token" = [])),
    request_body = CancelBody,
    responses(
        (status = 200, description = "Cancelled, and the fee charged.", body = Cancelled),
        (status = 400, description = "The body is malformed."),
        (status = 404, description = "The member has no plan."),
        (status = 409, description = "`acceptFeeCents` is absent or not the fee due."),
    )
)]
pub async fn cancel_plan(
    State(state): State<AppState>,
    member: CurrentMember,
    Json(body): Json<CancelBody>,
) -> Result<axum::Json<Cancelled>, ApiError> {
    let (fee, refund) = state
        .billing
        .cancel_plan(member.id, body.accept_fee_cents)
        .await?;
    Ok(axum::Json(Cancelled {
        fee_cents: fee,
        refund_cents: refund,
    }))
}
