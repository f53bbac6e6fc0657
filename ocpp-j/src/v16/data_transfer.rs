//! DataTransfer (either direction): vendor-specific data the standard does not cover. Typed for
//! the charger → CSMS direction; the payload shape is the same both ways.

use serde::{Deserialize, Serialize};

use super::Action;

pub struct DataTransfer;

impl Action for DataTransfer {
    const NAME: &'static str = "DataTransfer";
    type Request = DataTransferRequest;
    type Response = DataTransferResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataTransferRequest {
    /// At most 255 characters.
    pub vendor_id: String,
    /// At most 50 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Text, per the schema (often JSON inside a string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataTransferResponse {
    pub status: DataTransferStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataTransferStatus {
    Accepted,
    Rejected,
    UnknownMessageId,
    UnknownVendorId,
}
