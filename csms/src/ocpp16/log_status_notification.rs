//! LogStatusNotification (the 1.6 security extension): progress of the log upload a GetLog
//! asked for, kept in the fleet beside its request id.

use ocpp_j::v16::{LogStatusNotificationRequest, LogStatusNotificationResponse};

use super::OcppError;
use crate::{
    app::AppState,
    domain::ChargePointId,
    fleet::{Progress, Task},
};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: LogStatusNotificationRequest,
) -> Result<LogStatusNotificationResponse, OcppError> {
    let status = format!("{:?}", request.status);
    tracing::info!(%status, request_id = request.request_id, "log upload status");
    let progress = Progress {
        status,
        request_id: request.request_id,
        updated_at: state.clock.now(),
    };
    state.fleet.set_progress(id, Task::Log, progress);
    Ok(LogStatusNotificationResponse {})
}
