//! FirmwareStatusNotification: progress of a firmware update, kept in the fleet for operators.

use ocpp_j::v16::{FirmwareStatusNotificationRequest, FirmwareStatusNotificationResponse};

use super::OcppError;
use crate::{app::AppState, domain::ChargePointId};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: FirmwareStatusNotificationRequest,
) -> Result<FirmwareStatusNotificationResponse, OcppError> {
    let status = format!("{:?}", request.status);
    tracing::info!(%status, "firmware status");
    state.fleet.set_firmware_status(id, &status);
    Ok(FirmwareStatusNotificationResponse {})
}
