//! `GET /charge-points/{id}/security-events`: what a charge point reported through
//! SecurityEventNotification, newest first.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::parse_id;
use crate::{
    api::{
        error::ApiError,
        extract::{Path, Query},
    },
    app::AppState,
    store::security_events::{KEPT_PER_CHARGE_POINT, SecurityEvent},
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// At most this many, in 1..=1000; 100 when absent.
    limit: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecurityEventView {
    /// The event's type, as the charge point named it (e.g. `TamperDetectionActivated`).
    #[serde(rename = "type")]
    kind: String,
    /// When it happened, by the charge point's clock.
    timestamp: DateTime<Utc>,
    tech_info: Option<String>,
    received_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecurityEventList {
    events: Vec<SecurityEventView>,
}

/// A charge point's security events, newest first (the newest 1,000 are kept).
#[utoipa::path(
    get,
    path = "/charge-points/{id}/security-events",
    tag = "operator",
    params(("id" = String, Path, description = "The charge point's id."), EventParams),
    responses(
        (status = 200, description = "Its security events.", body = SecurityEventList),
        (status = 400, description = "The id or the limit is invalid."),
        (status = 404, description = "No such charge point."),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    Query(p): Query<EventParams>,
) -> Result<axum::Json<SecurityEventList>, ApiError> {
    let id = parse_id(&raw_id)?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=KEPT_PER_CHARGE_POINT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must lie in 1..={KEPT_PER_CHARGE_POINT}"
        )));
    }
    if !state.fleet.contains(&id) {
        return Err(ApiError::NotFound(format!("no charge point {id}")));
    }
    let view = |e: SecurityEvent| SecurityEventView {
        kind: e.kind,
        timestamp: e.occurred_at,
        tech_info: e.tech_info,
        received_at: e.received_at,
    };
    let events = state.store.security_events(&id, limit).await?;
    Ok(axum::Json(SecurityEventList {
        events: events.into_iter().map(view).collect(),
    }))
}
