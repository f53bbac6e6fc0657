//! StatusNotification: a connector (or, as connector 0, the whole charge point) changed status.
//! Memory first (the fleet and the event bus), written behind.

use ocpp_j::v16::{
    ChargePointErrorCode, ChargePointStatus as Wire, StatusNotificationRequest,
    StatusNotificationResponse,
};

use super::OcppError;
use crate::domain::MAX_CONNECTOR_ID;
use crate::{app::AppState, domain::ChargePointId, domain::ConnectorStatus};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: StatusNotificationRequest,
) -> Result<StatusNotificationResponse, OcppError> {
    let status = match request.status {
        Wire::Available => ConnectorStatus::Available,
        Wire::Preparing => ConnectorStatus::Preparing,
        Wire::Charging => ConnectorStatus::Charging,
        Wire::SuspendedEvse => ConnectorStatus::SuspendedEVSE,
        Wire::SuspendedEv => ConnectorStatus::SuspendedEV,
        Wire::Finishing => ConnectorStatus::Finishing,
        Wire::Reserved => ConnectorStatus::Reserved,
        Wire::Unavailable => ConnectorStatus::Unavailable,
        Wire::Faulted => ConnectorStatus::Faulted,
    };
    let error_code = (request.error_code != ChargePointErrorCode::NoError).then(|| {
        serde_json::to_value(request.error_code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    });
    if request.connector_id > MAX_CONNECTOR_ID {
        // Each new id would add a connector to the fleet and the store: the numbers are bounded.
        return Err(OcppError::Property(format!(
            "connectorId {} is beyond {MAX_CONNECTOR_ID}",
            request.connector_id
        )));
    }
    let at = request.timestamp.map_or_else(|| state.clock.now(), |t| t.0);
    state
        .charging
        .status(id, request.connector_id, status, error_code, at);
    Ok(StatusNotificationResponse {})
}
