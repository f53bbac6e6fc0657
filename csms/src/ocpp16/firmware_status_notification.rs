//! FirmwareStatusNotification: progress of a firmware update, kept in the fleet for operators.

use ocpp_j::v16::{FirmwareStatusNotificationRequest, FirmwareStatusNotificationResponse};

use super::OcppError;
use crate::{
    app::AppState,
    domain::ChargePointId,
    fleet::{Progress, Task},
};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: FirmwareStatusNotificationRequest,
) -> Result<FirmwareStatusNotificationResponse, OcppError> {
    let status = format!("{:?}", request.status);
    tracing::info!(%status, "firmware status");
    let progress = Progress {
        status,
        request_id: None,
        updated_at: state.clock.now(),
    };
    state.fleet.set_progress(id, Task::Firmware, progress);
    Ok(FirmwareStatusNotificationResponse {})
}
