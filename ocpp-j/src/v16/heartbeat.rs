//! Heartbeat (charger → CSMS): a keep-alive that also fetches the central system's clock.

use serde::{Deserialize, Serialize};

use super::{Action, Timestamp};

pub struct Heartbeat;

impl Action for Heartbeat {
    const NAME: &'static str = "Heartbeat";
    type Request = HeartbeatRequest;
    type Response = HeartbeatResponse;
}

/// Empty: `{}` on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatRequest {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeartbeatResponse {
    pub current_time: Timestamp,
}
