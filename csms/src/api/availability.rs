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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Params {
    /// Latitude of the place, in [-90, 90].
    lat: f64,
    /// Longitude of the place, in [-180, 180].
    lon: f64,
    /// The search radius, in (0, 200]; 10 when absent.
    radius_km: Option<f64>,
    /// Only connectors with this plug.
    #[param(inline)]
    connector_type: Option<ConnectorType>,
    /// Only connectors of at least this power, in [0, 1000].
    min_power_kw: Option<f64>,
    /// At most this many charge points, in 1..=100; 20 when absent.
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Availability {
    charge_points: Vec<ChargePointView>,
}

/// A connected charge point near the place, with its connectors.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AvailableChargePoint)]
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

/// A connector, and whether it is free: `Available`, on a connected charge point, not reserved.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AvailableConnector)]
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

/// Connected charge points near a place with at least one free connector, nearest first.
#[utoipa::path(
    get,
    path = "/api/v1/availability",
    tag = "availability",
    params(Params),
    responses(
        (status = 200, description = "The charge points found.", body = Availability),
        (status = 400, description = "A coordinate, the radius, the power or the limit is out of range."),
    )
)]
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

/// The data of a `connector` event.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ConnectorEvent<'a> {
    #[schema(value_type = ChargePointId)]
    charge_point_id: &'a ChargePointId,
    connector_id: u32,
    status: ConnectorStatus,
    free: bool,
    at: chrono::DateTime<chrono::Utc>,
}

/// Server-Sent Events: one `connector` event per connector change.
///
/// One subscriber of the stream, counted in `csms_sse_clients` while it lives, holding one of
/// the `--max-sse-clients` places.
struct Client {
    receiver: tokio::sync::broadcast::Receiver<DomainEvent>,
    gauge: prometheus::IntGauge,
    shutdown: tokio_util::sync::CancellationToken,
    _place: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for Client {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

/// One `connector` event per connector change. A client too slow to keep up with the bus is
/// dropped (it reconnects and reloads), so it can never hold anyone else back.
#[utoipa::path(
    get,
    path = "/api/v1/availability/events",
    tag = "availability",
    responses((
        status = 200,
        description = "An endless `text/event-stream` of `connector` events (a keep-alive comment every 15 s).",
        content_type = "text/event-stream",
        body = ConnectorEvent,
    ), (
        status = 503,
        description = "As many clients as allowed are listening; `Retry-After` says when to try again.",
    ))
)]
pub async fn events(
    State(state): State<AppState>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let place =
        state.sse_clients.clone().try_acquire_owned().map_err(|_| {
            ApiError::Unavailable(30, "too many clients of the event stream".into())
        })?;
    state.metrics.sse_clients.inc();
    let client = Client {
        receiver: state.bus.subscribe(),
        gauge: state.metrics.sse_clients.clone(),
        shutdown: state.shutdown.clone(),
        _place: place,
    };
    let stream = futures_util::stream::unfold(client, |mut client| async move {
        loop {
            let received = tokio::select! {
                () = client.shutdown.cancelled() => return None,
                received = client.receiver.recv() => received,
            };
            match received {
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
                    return Some((Ok(event), client));
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
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
