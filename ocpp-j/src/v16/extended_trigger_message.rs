//! ExtendedTriggerMessage (CSMS → charger, the 1.6 security extension): TriggerMessage with the
//! security extension's own messages, a new certificate signing request among them.

use serde::{Deserialize, Serialize};

use super::{Action, TriggerMessageStatus};

pub struct ExtendedTriggerMessage;

impl Action for ExtendedTriggerMessage {
    const NAME: &'static str = "ExtendedTriggerMessage";
    type Request = ExtendedTriggerMessageRequest;
    type Response = ExtendedTriggerMessageResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtendedTriggerMessageRequest {
    pub requested_message: ExtendedMessageTrigger,
    /// For connector-specific messages; absent means the charge point as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<u32>,
}

/// The messages an ExtendedTriggerMessage may ask for. `FirmwareStatusNotification` asks for a
/// SignedFirmwareStatusNotification, `SignChargePointCertificate` for a SignCertificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExtendedMessageTrigger {
    BootNotification,
    LogStatusNotification,
    FirmwareStatusNotification,
    Heartbeat,
    MeterValues,
    SignChargePointCertificate,
    StatusNotification,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtendedTriggerMessageResponse {
    pub status: TriggerMessageStatus,
}
