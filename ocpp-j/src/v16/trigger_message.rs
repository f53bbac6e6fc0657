//! TriggerMessage (CSMS → charger): ask the charger to send one of its own messages now, e.g.
//! a StatusNotification to refresh a connector's status.

use serde::{Deserialize, Serialize};

use super::Action;

pub struct TriggerMessage;

impl Action for TriggerMessage {
    const NAME: &'static str = "TriggerMessage";
    type Request = TriggerMessageRequest;
    type Response = TriggerMessageResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerMessageRequest {
    pub requested_message: MessageTrigger,
    /// For connector-specific messages; absent means the charge point as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<u32>,
}

/// The messages a TriggerMessage may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessageTrigger {
    BootNotification,
    DiagnosticsStatusNotification,
    FirmwareStatusNotification,
    Heartbeat,
    MeterValues,
    StatusNotification,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerMessageResponse {
    pub status: TriggerMessageStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TriggerMessageStatus {
    Accepted,
    Rejected,
    NotImplemented,
}
