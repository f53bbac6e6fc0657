//! SecurityEventNotification (the 1.6 security extension): the event is stored before the
//! answer, listed per charge point in the operator API and counted in the metrics.

use ocpp_j::v16::{SecurityEventNotificationRequest, SecurityEventNotificationResponse};

use super::OcppError;
use crate::{app::AppState, domain::ChargePointId};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: SecurityEventNotificationRequest,
) -> Result<SecurityEventNotificationResponse, OcppError> {
    state
        .charging
        .security_event(id, request.kind, request.timestamp.0, request.tech_info)
        .await?;
    Ok(SecurityEventNotificationResponse {})
}
