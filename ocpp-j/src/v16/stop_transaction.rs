//! StopTransaction (charger → CSMS): a charging session ended, with the final meter reading
//! and optionally the samples taken during it. Resent when the answer is lost.

use serde::{Deserialize, Serialize};

use super::{Action, IdTagInfo, MeterValue, Timestamp};

pub struct StopTransaction;

impl Action for StopTransaction {
    const NAME: &'static str = "StopTransaction";
    type Request = StopTransactionRequest;
    type Response = StopTransactionResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StopTransactionRequest {
    /// The tag that stopped the transaction, when one did; at most 20 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_tag: Option<String>,
    /// The meter reading at the end, in Wh.
    pub meter_stop: i64,
    pub timestamp: Timestamp,
    pub transaction_id: i32,
    /// Absent means `Local`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_data: Option<Vec<MeterValue>>,
}

/// Why the transaction stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reason {
    EmergencyStop,
    #[serde(rename = "EVDisconnected")]
    EvDisconnected,
    HardReset,
    Local,
    Other,
    PowerLoss,
    Reboot,
    Remote,
    SoftReset,
    UnlockCommand,
    DeAuthorized,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StopTransactionResponse {
    /// Present when the request carried an id tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_tag_info: Option<IdTagInfo>,
}
