//! BootNotification: the charge point says who it is; we record it and accept it, giving it
//! the configured heartbeat interval.

use ocpp_j::v16::{
    BootNotificationRequest, BootNotificationResponse, RegistrationStatus as Wire, Timestamp,
};

use super::OcppError;
use crate::{
    app::AppState, domain::ChargePointId, domain::RegistrationStatus,
    store::charge_points::BootInfo,
};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: BootNotificationRequest,
) -> Result<BootNotificationResponse, OcppError> {
    let info = BootInfo {
        vendor: Some(request.charge_point_vendor),
        model: Some(request.charge_point_model),
        serial_number: request
            .charge_point_serial_number
            .or(request.charge_box_serial_number),
        firmware_version: request.firmware_version,
    };
    let (registration, interval) = state.charging.boot(id, info).await?;
    Ok(BootNotificationResponse {
        status: match registration {
            RegistrationStatus::Accepted => Wire::Accepted,
            RegistrationStatus::Pending => Wire::Pending,
            RegistrationStatus::Rejected => Wire::Rejected,
        },
        current_time: Timestamp(state.clock.now()),
        interval,
    })
}
