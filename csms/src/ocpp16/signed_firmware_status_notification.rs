//! SignedFirmwareStatusNotification (the 1.6 security extension): progress of a signed
//! firmware update, its signature check included. It is the same job as an unsigned update's,
//! so it lands in the same place: the charge point's `firmware`.

use ocpp_j::v16::{
    SignedFirmwareStatus, SignedFirmwareStatusNotificationRequest,
    SignedFirmwareStatusNotificationResponse,
};

use super::OcppError;
use crate::{
    app::AppState,
    domain::ChargePointId,
    fleet::{Progress, Task},
};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: SignedFirmwareStatusNotificationRequest,
) -> Result<SignedFirmwareStatusNotificationResponse, OcppError> {
    let status = format!("{:?}", request.status);
    if matches!(
        request.status,
        SignedFirmwareStatus::InvalidSignature | SignedFirmwareStatus::InstallVerificationFailed
    ) {
        tracing::warn!(%status, request_id = request.request_id, "signed firmware refused by the charge point");
    } else {
        tracing::info!(%status, request_id = request.request_id, "signed firmware status");
    }
    let progress = Progress {
        status,
        request_id: request.request_id,
        updated_at: state.clock.now(),
    };
    state.fleet.set_progress(id, Task::Firmware, progress);
    Ok(SignedFirmwareStatusNotificationResponse {})
}
