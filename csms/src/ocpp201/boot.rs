//! BootNotification and Heartbeat: the station says who it is (recorded, answered with what the
//! operator decided and the interval to use), and keeps in touch (answered with our clock).

use ocpp_j::v201::{
    BootNotificationRequest, BootNotificationResponse, HeartbeatRequest, HeartbeatResponse,
    RegistrationStatusEnumType as Wire, Timestamp,
};

use crate::{
    app::AppState,
    domain::{ChargePointId, RegistrationStatus},
    ocpp16::OcppError,
    store::charge_points::BootInfo,
};

pub(super) async fn boot(
    state: &AppState,
    id: &ChargePointId,
    request: BootNotificationRequest,
) -> Result<BootNotificationResponse, OcppError> {
    let station = request.charging_station;
    let info = BootInfo {
        vendor: Some(station.vendor_name),
        model: Some(station.model),
        serial_number: station.serial_number,
        firmware_version: station.firmware_version,
    };
    let (registration, interval) = state.charging.boot(id, info).await?;
    let status = match registration {
        RegistrationStatus::Accepted => Wire::Accepted,
        RegistrationStatus::Pending => Wire::Pending,
        RegistrationStatus::Rejected => Wire::Rejected,
    };
    let interval = i32::try_from(interval).unwrap_or(i32::MAX);
    Ok(BootNotificationResponse::new(
        Timestamp(state.clock.now()),
        interval,
        status,
    ))
}

pub(super) async fn heartbeat(
    state: &AppState,
    _request: HeartbeatRequest,
) -> Result<HeartbeatResponse, OcppError> {
    Ok(HeartbeatResponse::new(Timestamp(state.clock.now())))
}
