//! The public availability API: `GET /api/v1/availability` answers from the fleet's in-memory
//! index which connected charge points near a place have a free connector, nearest first;
//! `GET /api/v1/availability/events` streams every connector change as Server-Sent Events.

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;

use super::{error::ApiError, extract::Query};
use crate::{
    app::AppState,
    domain::{ChargePointId, ConnectorStatus, ConnectorType},
    events::DomainEvent,
    fleet::availability::{AvailabilityQuery, AvailableChargePoint},
};

const DEFAULT_RADIUS_KM: f64 = 10.0;
const MAX_RADIUS_KM: f64 = 200.0;
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Params {
    lat: f64,
    lon: f64,
    radius_km: Option<f64>,
    connector_type: Option<ConnectorType>,
    min_power_kw: Option<f64>,
    limit: Option<usize>,
}

/// Checks the coordinates and bounds of a query (shared with the free-slot search).
pub(crate) fn validate_place(lat: f64, lon: f64, radius_km: f64) -> Result<(), ApiError> {
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(ApiError::BadRequest(
            "lat must lie in [-90, 90] and lon in [-180, 180]".into(),
        ));
    }
    if !(radius_km > 0.0 && radius_km <= MAX_RADIUS_KM) {
        return Err(ApiError::BadRequest(format!(
            "radiusKm must lie in (0, {MAX_RADIUS_KM}]"
        )));
    }
    Ok(())
}

impl TryFrom<Params> for AvailabilityQuery {
    type Error = ApiError;

    fn try_from(p: Params) -> Result<Self, ApiError> {
        let radius_km = p.radius_km.unwrap_or(DEFAULT_RADIUS_KM);
        validate_place(p.lat, p.lon, radius_km)?;
        if p.min_power_kw
            .is_some_and(|kw| !(0.0..=1000.0).contains(&kw))
        {
            return Err(ApiError::BadRequest(
                "minPowerKw must lie in [0, 1000]".into(),
            ));
        }
        let limit = p.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::BadRequest(format!(
                "limit must lie in 1..={MAX_LIMIT}"
            )));
        }
        Ok(AvailabilityQuery {
            lat: p.lat,
            lon: p.lon,
            radius_km,
            connector_type: p.connector_type,
            min_power_kw: p.min_power_kw,
            limit,
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Availability {
    charge_points: Vec<ChargePointView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ChargePointView {
    id: ChargePointId,
    name: String,
    address: String,
    latitude: f64,
    longitude: f64,
    distance_km: f64,
    free_connectors: usize,
    connectors: Vec<ConnectorView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ConnectorView {
    connector_id: u32,
    #[serde(rename = "type")]
    connector_type: Option<ConnectorType>,
    max_power_kw: Option<f64>,
    status: ConnectorStatus,
    free: bool,
}

impl From<AvailableChargePoint> for ChargePointView {
    fn from(p: AvailableChargePoint) -> Self {
        ChargePointView {
            id: p.id,
            name: p.name,
            address: p.address,
            latitude: p.latitude,
            longitude: p.longitude,
            // Metres are precision enough for a driver.
            distance_km: (p.distance_km * 1000.0).round() / 1000.0,
            free_connectors: p.free_connectors,
            connectors: p
                .connectors
                .into_iter()
                .map(|c| ConnectorView {
                    connector_id: c.connector_id,
                    connector_type: c.connector_type,
                    max_power_kw: c.max_power_kw,
                    status: c.status,
                    free: c.free,
                })
                .collect(),
        }
    }
}

pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<axum::Json<Availability>, ApiError> {
    let query = AvailabilityQuery::try_from(params)?;
    let found = state.fleet.available(&query);
    Ok(axum::Json(Availability {
        charge_points: found.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ConnectorEvent<'a> {
    charge_point_id: &'a ChargePointId,
    connector_id: u32,
    status: ConnectorStatus,
    free: bool,
    at: chrono::DateTime<chrono::Utc>,
}

/// One `connector` event per connector change. A client too slow to keep up with the bus is
/// dropped (it reconnects and reloads), so it can never hold anyone else back.
pub async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.bus.subscribe();
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(DomainEvent::ConnectorStatusChanged {
                    charge_point_id,
                    connector_id,
                    status,
                    free,
                    at,
                }) if connector_id > 0 => {
                    let data = ConnectorEvent {
                        charge_point_id: &charge_point_id,
                        connector_id,
                        status,
                        free,
                        at,
                    };
                    let event = Event::default()
                        .event("connector")
                        .json_data(&data)
                        .expect("connector events serialize");
                    return Some((Ok(event), receiver));
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(skipped)) => {
                    tracing::info!(skipped, "dropping an SSE client that fell behind");
                    return None;
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
