//! StatusNotification: a connector of an EVSE changed status. The core knows an EVSE as a
//! connector (its id is the EVSE's); 2.0.1's `Occupied` is the core's `Preparing` until a
//! transaction event says how the charging goes ([`charging_status`]).

use ocpp_j::v201::{
    ChargingStateEnumType, ConnectorStatusEnumType as Wire, StatusNotificationRequest,
    StatusNotificationResponse,
};

use crate::{
    app::AppState,
    domain::{ChargePointId, ConnectorStatus, MAX_CONNECTOR_ID},
    ocpp16::OcppError,
};

/// An EVSE id as the core's connector id (0: the station itself), bounded as 1.6's are.
pub(super) fn evse(id: i32) -> Result<u32, OcppError> {
    u32::try_from(id)
        .ok()
        .filter(|id| *id <= MAX_CONNECTOR_ID)
        .ok_or_else(|| {
            OcppError::Property(format!("evseId {id} is not within 0..={MAX_CONNECTOR_ID}"))
        })
}

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: StatusNotificationRequest,
) -> Result<StatusNotificationResponse, OcppError> {
    let connector = evse(request.evse_id)?;
    let status = match request.connector_status {
        Wire::Available => ConnectorStatus::Available,
        // Occupied while charging stays what the transaction events said.
        Wire::Occupied => match state.fleet.connector_status(id, connector) {
            Some(
                s @ (ConnectorStatus::Charging
                | ConnectorStatus::SuspendedEV
                | ConnectorStatus::SuspendedEVSE
                | ConnectorStatus::Finishing),
            ) => s,
            _ => ConnectorStatus::Preparing,
        },
        Wire::Reserved => ConnectorStatus::Reserved,
        Wire::Unavailable => ConnectorStatus::Unavailable,
        Wire::Faulted => ConnectorStatus::Faulted,
    };
    state
        .charging
        .status(id, connector, status, None, request.timestamp.0);
    Ok(StatusNotificationResponse::default())
}

/// The connector status a transaction's charging state means.
pub(super) fn charging_status(state: ChargingStateEnumType) -> ConnectorStatus {
    match state {
        ChargingStateEnumType::Charging => ConnectorStatus::Charging,
        ChargingStateEnumType::EVConnected => ConnectorStatus::Preparing,
        ChargingStateEnumType::SuspendedEV => ConnectorStatus::SuspendedEV,
        ChargingStateEnumType::SuspendedEVSE => ConnectorStatus::SuspendedEVSE,
        ChargingStateEnumType::Idle => ConnectorStatus::Finishing,
    }
}
