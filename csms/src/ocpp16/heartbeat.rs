//! Heartbeat: the charge point is alive (the session already noted it); we tell it our time.

use ocpp_j::v16::{HeartbeatRequest, HeartbeatResponse, Timestamp};

use super::OcppError;
use crate::app::AppState;

pub(super) async fn handle(
    state: &AppState,
    _request: HeartbeatRequest,
) -> Result<HeartbeatResponse, OcppError> {
    Ok(HeartbeatResponse {
        current_time: Timestamp(state.clock.now()),
    })
}
