//! The reservation API: `POST /api/v1/reservations` (reserve now, or book a later slot),
//! `DELETE /api/v1/reservations/{id}`, the member's list and messages, the operator's view of a
//! charge point's reservations, and the free-slot search over the connectors' calendars.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    availability::validate_place,
    error::ApiError,
    extract::{Json, Path, Query},
    member_auth::CurrentMember,
    operator::parse_id,
};
use crate::{
    app::AppState,
    domain::{ChargePointId, ConnectorType, IdTag, ReservationStatus},
    fleet::availability::AvailabilityQuery,
    reservations::{self, ReserveError, slots::SlotQuery},
    store::{messages::MessageRecord, reservations::ReservationRecord},
};

impl From<ReserveError> for ApiError {
    fn from(e: ReserveError) -> Self {
        match e {
            ReserveError::UnknownChargePoint(_)
            | ReserveError::UnknownConnector(..)
            | ReserveError::NotFound(_) => ApiError::NotFound(e.to_string()),
            ReserveError::BadRequest(m) => ApiError::BadRequest(m),
            ReserveError::Conflict(m) => ApiError::Conflict(m),
            ReserveError::Unfunded(m) => ApiError::PaymentRequired(m),
            ReserveError::NoAnswer => ApiError::UpstreamTimeout(e.to_string()),
            ReserveError::ChargePoint(m) => {
                // What the charger said is for the operator's log, not for members.
                tracing::warn!(error = %m, "a charge point failed a reservation");
                ApiError::Conflict("the charge point could not take the reservation".into())
            }
            ReserveError::Store(e) => ApiError::Store(e),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReservationBody {
    charge_point_id: String,
    /// A connector of the charge point; any free one when absent.
    connector_id: Option<u32>,
    /// The card that will start the session.
    id_tag: IdTag,
    /// A later slot to book; now when absent.
    starts_at: Option<DateTime<Utc>>,
    duration_minutes: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReservationView {
    id: i64,
    status: ReservationStatus,
    charge_point_id: ChargePointId,
    connector_id: u32,
    id_tag: IdTag,
    starts_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transaction_id: Option<i64>,
}

impl From<ReservationRecord> for ReservationView {
    fn from(r: ReservationRecord) -> Self {
        ReservationView {
            id: r.id,
            status: r.status,
            charge_point_id: r.charge_point_id,
            connector_id: r.connector_id,
            id_tag: r.id_tag,
            starts_at: r.starts_at,
            expires_at: r.expires_at,
            transaction_id: r.transaction_id,
        }
    }
}

/// Reserves a connector now, or books a later slot (member).
#[utoipa::path(
    post,
    path = "/api/v1/reservations",
    tag = "reservations",
    security(("member_token" = [])),
    request_body = ReservationBody,
    responses(
        (status = 201, description = "Reserved (`Active`, the charge point accepted) or booked (`Scheduled`).", body = ReservationView),
        (status = 400, description = "The body is malformed, or the slot is in the past or too long."),
        (status = 404, description = "No such charge point or connector."),
        (status = 402, description = "The Green Card has no money and no plan allowance to charge with."),
        (status = 409, description = "The connector is not free, the slot overlaps another booking, the member holds the most open reservations allowed, the charge point refused, or the reservation was cancelled before the charge point confirmed it."),
        (status = 502, description = "The charge point's answer was not understood."),
        (status = 504, description = "The charge point did not answer in time."),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    member: CurrentMember,
    Json(body): Json<ReservationBody>,
) -> Result<(StatusCode, axum::Json<ReservationView>), ApiError> {
    let request = reservations::Request {
        charge_point_id: ChargePointId::parse(&body.charge_point_id)
            .map_err(|_| ApiError::NotFound(format!("no charge point {}", body.charge_point_id)))?,
        connector_id: body.connector_id,
        id_tag: body.id_tag,
        starts_at: body.starts_at,
        duration_minutes: body.duration_minutes,
    };
    // Run to its end whatever the client does: a hold taken, a reservation written and a
    // ReserveNow sent must be seen through (confirmed, or released), not abandoned half way
    // because the client hung up.
    let task = tokio::spawn(async move { state.reservations.reserve(member.id, request).await });
    let record = task.await.map_err(|e| {
        ApiError::Store(crate::store::StoreError::Corrupt(format!(
            "the reservation task failed: {e}"
        )))
    })??;
    Ok((StatusCode::CREATED, axum::Json(record.into())))
}

/// Cancels one of the member's reservations (sends `CancelReservation` when it is active).
#[utoipa::path(
    delete,
    path = "/api/v1/reservations/{id}",
    tag = "reservations",
    security(("member_token" = [])),
    params(("id" = i64, Path, description = "The reservation's id.")),
    responses(
        (status = 204, description = "Cancelled."),
        (status = 404, description = "No such reservation of this member."),
        (status = 409, description = "The reservation is over already."),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    member: CurrentMember,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::NotFound(format!("no reservation {id}")))?;
    state.reservations.cancel(member.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReservationList {
    reservations: Vec<ReservationView>,
}

/// The member's reservations.
#[utoipa::path(
    get,
    path = "/api/v1/me/reservations",
    tag = "reservations",
    security(("member_token" = [])),
    responses((status = 200, description = "The member's reservations.", body = ReservationList))
)]
pub async fn mine(
    State(state): State<AppState>,
    member: CurrentMember,
) -> Result<axum::Json<ReservationList>, ApiError> {
    let all = state.store.member_reservations(member.id).await?;
    Ok(axum::Json(ReservationList {
        reservations: all.into_iter().map(Into::into).collect(),
    }))
}

/// A charge point's reservations (operator; mounted under `/api/v1/operator`).
#[utoipa::path(
    get,
    path = "/charge-points/{id}/reservations",
    tag = "operator",
    params(("id" = String, Path, description = "The charge point's id.")),
    responses(
        (status = 200, description = "The charge point's reservations.", body = ReservationList),
        (status = 400, description = "The id is not a valid charge point id."),
        (status = 404, description = "No such charge point."),
    )
)]
pub async fn of_charge_point(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<axum::Json<ReservationList>, ApiError> {
    let id = parse_id(&raw)?;
    if !state.fleet.contains(&id) {
        return Err(ApiError::NotFound(format!("no charge point {id}")));
    }
    let all = state.store.charge_point_reservations(&id).await?;
    Ok(axum::Json(ReservationList {
        reservations: all.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    id: i64,
    kind: String,
    subject: String,
    body: String,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageList {
    messages: Vec<MessageView>,
}

/// Messages sent to the member: the welcome, receipts, NPS invitations.
#[utoipa::path(
    get,
    path = "/api/v1/me/messages",
    tag = "members",
    security(("member_token" = [])),
    responses((status = 200, description = "The member's messages.", body = MessageList))
)]
pub async fn messages(
    State(state): State<AppState>,
    member: CurrentMember,
) -> Result<axum::Json<MessageList>, ApiError> {
    let all = state.store.member_messages(member.id).await?;
    let view = |m: MessageRecord| MessageView {
        id: m.id,
        kind: m.kind,
        subject: m.subject,
        body: m.body,
        created_at: m.created_at,
    };
    Ok(axum::Json(MessageList {
        messages: all.into_iter().map(view).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SlotParams {
    /// Latitude of the place, in [-90, 90].
    lat: f64,
    /// Longitude of the place, in [-180, 180].
    lon: f64,
    /// The search radius, in (0, 200]; 10 when absent.
    radius_km: Option<f64>,
    /// The start of the window (within 2 minutes of now: the connector must be free now).
    from: DateTime<Utc>,
    /// The end of the window.
    to: DateTime<Utc>,
    /// Only connectors with this plug.
    #[param(inline)]
    connector_type: Option<ConnectorType>,
    /// Only connectors of at least this power.
    min_power_kw: Option<f64>,
    /// At most this many slots, in 1..=100; 20 when absent.
    limit: Option<usize>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Slot {
    charge_point_id: ChargePointId,
    name: String,
    address: String,
    latitude: f64,
    longitude: f64,
    distance_km: f64,
    connector_id: u32,
    #[serde(rename = "type")]
    connector_type: Option<ConnectorType>,
    max_power_kw: Option<f64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlotList {
    slots: Vec<Slot>,
}

/// Connectors near a place that are free for a whole window, to book.
#[utoipa::path(
    get,
    path = "/api/v1/availability/slots",
    tag = "reservations",
    params(SlotParams),
    responses(
        (status = 200, description = "The free slots.", body = SlotList),
        (status = 400, description = "A coordinate, the radius or the limit is out of range, or the window is empty, past or too long."),
    )
)]
pub async fn slots(
    State(state): State<AppState>,
    Query(p): Query<SlotParams>,
) -> Result<axum::Json<SlotList>, ApiError> {
    let radius_km = p.radius_km.unwrap_or(10.0);
    validate_place(p.lat, p.lon, radius_km)?;
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::BadRequest("limit must lie in 1..=100".into()));
    }
    let area = AvailabilityQuery {
        lat: p.lat,
        lon: p.lon,
        radius_km,
        connector_type: p.connector_type,
        min_power_kw: p.min_power_kw,
        limit,
    };
    let query = SlotQuery {
        area,
        from: p.from,
        to: p.to,
    };
    let slots = state
        .reservations
        .free_slots(&query)
        .await?
        .into_iter()
        .map(|f| Slot {
            latitude: f.charge_point.latitude.unwrap_or_default(),
            longitude: f.charge_point.longitude.unwrap_or_default(),
            charge_point_id: f.charge_point.id,
            name: f.charge_point.name,
            address: f.charge_point.address,
            distance_km: (f.distance_km * 1000.0).round() / 1000.0,
            connector_id: f.connector_id,
            connector_type: f.connector_type,
            max_power_kw: f.max_power_kw,
            from: p.from,
            to: p.to,
        })
        .collect();
    Ok(axum::Json(SlotList { slots }))
}
