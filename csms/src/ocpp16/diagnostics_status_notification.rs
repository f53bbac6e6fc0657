//! DiagnosticsStatusNotification: progress of a diagnostics upload, kept in the fleet.

use ocpp_j::v16::{DiagnosticsStatusNotificationRequest, DiagnosticsStatusNotificationResponse};

use super::OcppError;
use crate::{app::AppState, domain::ChargePointId};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: DiagnosticsStatusNotificationRequest,
) -> Result<DiagnosticsStatusNotificationResponse, OcppError> {
    let status = format!("{:?}", request.status);
    tracing::info!(%status, "diagnostics status");
    state.fleet.set_diagnostics_status(id, &status);
    Ok(DiagnosticsStatusNotificationResponse {})
}
