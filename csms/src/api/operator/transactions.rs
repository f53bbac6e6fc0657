//! `GET /transactions` and `GET /transactions/{transactionId}`: charging sessions, newest
//! first, with what they cost once settled.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::charge_points::parse_id;
use crate::{
    api::{
        error::ApiError,
        extract::{Json, Path, Query},
    },
    app::AppState,
    store::transactions::{TransactionFilter, TransactionRecord},
};

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 500;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only sessions at this charge point.
    charge_point_id: Option<String>,
    /// Only `active` or only `finished` sessions.
    #[param(inline)]
    status: Option<StatusFilter>,
    /// At most this many, in 1..=500; 50 when absent.
    limit: Option<i64>,
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum StatusFilter {
    Active,
    Finished,
}

/// A charging session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransactionView {
    transaction_id: i64,
    charge_point_id: String,
    connector_id: u32,
    id_tag: String,
    /// `active` or `finished`.
    status: &'static str,
    /// How the session was authorized.
    authorization: &'static str,
    meter_start: i64,
    meter_stop: Option<i64>,
    energy_wh: Option<i64>,
    started_at: DateTime<Utc>,
    stopped_at: Option<DateTime<Utc>>,
    stop_reason: Option<String>,
    reservation_id: Option<i64>,
    cost_cents: Option<i64>,
    discount_cents: Option<i64>,
    payment_method: Option<crate::money::PaymentMethod>,
    discount_name: Option<String>,
    /// Why the session was not charged and waits for an operator: its readings could not be
    /// true (a meter running backwards, more energy than its connector can deliver).
    review_reason: Option<String>,
    /// When an operator settled a flagged session (`POST …/settle`).
    reviewed_at: Option<DateTime<Utc>>,
    /// The priced lines of a settled session (empty until it is settled).
    #[schema(value_type = Vec<crate::money::pricing::Line>)]
    lines: Vec<serde_json::Value>,
}

impl From<TransactionRecord> for TransactionView {
    fn from(t: TransactionRecord) -> Self {
        TransactionView {
            lines: crate::api::billing::lines(&t),
            discount_name: t.discount_name.clone(),
            status: if t.is_active() { "active" } else { "finished" },
            authorization: t.authorization.as_str(),
            energy_wh: t.energy_wh(),
            transaction_id: t.transaction_id,
            charge_point_id: t.charge_point_id,
            connector_id: t.connector_id,
            id_tag: t.id_tag,
            meter_start: t.meter_start,
            meter_stop: t.meter_stop,
            started_at: t.started_at,
            stopped_at: t.stopped_at,
            stop_reason: t.stop_reason,
            reservation_id: t.reservation_id,
            cost_cents: t.cost_cents,
            discount_cents: t.discount_cents,
            payment_method: t.payment_method,
            review_reason: t.review_reason,
            reviewed_at: t.reviewed_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransactionList {
    transactions: Vec<TransactionView>,
}

/// Charging sessions, newest first.
#[utoipa::path(
    get,
    path = "/transactions",
    operation_id = "list_transactions",
    tag = "operator",
    params(ListQuery),
    responses(
        (status = 200, description = "The sessions.", body = TransactionList),
        (status = 400, description = "A malformed filter or limit."),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<axum::Json<TransactionList>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must lie in 1..={MAX_LIMIT}"
        )));
    }
    let filter = TransactionFilter {
        charge_point_id: query.charge_point_id.as_deref().map(parse_id).transpose()?,
        active: query.status.map(|s| matches!(s, StatusFilter::Active)),
        limit,
    };
    let records = state.store.list_transactions(&filter).await?;
    Ok(axum::Json(TransactionList {
        transactions: records.into_iter().map(Into::into).collect(),
    }))
}

/// One charging session, with its priced lines.
#[utoipa::path(
    get,
    path = "/transactions/{transactionId}",
    operation_id = "get_transaction",
    tag = "operator",
    params(("transactionId" = i64, Path, description = "The transaction id.")),
    responses(
        (status = 200, description = "The session.", body = TransactionView),
        (status = 400, description = "The transaction id is not a number."),
        (status = 404, description = "No such transaction."),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path(transaction_id): Path<i64>,
) -> Result<axum::Json<TransactionView>, ApiError> {
    state
        .store
        .get_transaction(transaction_id)
        .await?
        .map(|t| axum::Json(t.into()))
        .ok_or_else(|| ApiError::NotFound(format!("no transaction {transaction_id}")))
}

/// What an operator established a flagged session delivered.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettleBody {
    /// The energy the charger really delivered, in Wh (0 to 1,000,000).
    energy_wh: i64,
}

/// Settles a session flagged for review (its readings could not be true, or its charge point
/// has no credentials) with the energy the operator established: it is priced and paid as any
/// session, once.
#[utoipa::path(
    post,
    path = "/transactions/{transactionId}/settle",
    operation_id = "settle_flagged_transaction",
    tag = "operator",
    params(("transactionId" = i64, Path, description = "The transaction id.")),
    request_body = SettleBody,
    responses(
        (status = 200, description = "Settled.", body = TransactionView),
        (status = 400, description = "A malformed body, or energy out of range."),
        (status = 404, description = "No such transaction."),
        (status = 409, description = "The transaction is not waiting for an operator (not flagged, or settled already)."),
    )
)]
pub async fn settle(
    State(state): State<AppState>,
    Path(transaction_id): Path<i64>,
    Json(body): Json<SettleBody>,
) -> Result<axum::Json<TransactionView>, ApiError> {
    use crate::billing::review::{ReviewError, settle_flagged};
    let (record, settled) = settle_flagged(
        &state.committer,
        state.billing.rules(),
        state.clock.now(),
        transaction_id,
        body.energy_wh,
    )
    .await
    .map_err(|e| match e {
        ReviewError::Unknown(_) => ApiError::NotFound(e.to_string()),
        ReviewError::NotFlagged(_) => ApiError::Conflict(e.to_string()),
        ReviewError::BadEnergy => ApiError::BadRequest(e.to_string()),
        ReviewError::Store(s) => ApiError::Store(s),
    })?;
    tracing::info!(
        transaction_id,
        total_cents = settled.total_cents,
        "a flagged session settled by an operator"
    );
    state
        .bus
        .publish(crate::events::DomainEvent::SessionSettled {
            transaction_id,
            total_cents: settled.total_cents,
            discount_cents: settled.discount_cents,
            payment_method: settled.payment_method,
        });
    Ok(axum::Json(record.into()))
}
