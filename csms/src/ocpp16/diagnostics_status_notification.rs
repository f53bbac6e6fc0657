//! DiagnosticsStatusNotification: progress of a diagnostics upload, kept in the fleet.

use ocpp_j::v16::{DiagnosticsStatusNotificationRequest, DiagnosticsStatusNotificationResponse};

use super::OcppError;
use crate::{
    app::AppState,
    domain::ChargePointId,
    fleet::{Progress, Task},
};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: DiagnosticsStatusNotificationRequest,
) -> Result<DiagnosticsStatusNotificationResponse, OcppError> {
    let status = format!("{:?}", request.status);
    tracing::info!(%status, "diagnostics status");
    let progress = Progress {
        status,
        request_id: None,
        updated_at: state.clock.now(),
    };
    state.fleet.set_progress(id, Task::Diagnostics, progress);
    Ok(DiagnosticsStatusNotificationResponse {})
}
