//! StatusNotification (charger → CSMS): a connector's status changed, or an error occurred.
//! Connector 0 means the charge point as a whole.

use serde::{Deserialize, Serialize};

use super::{Action, ChargePointErrorCode, ChargePointStatus, Timestamp};

pub struct StatusNotification;

impl Action for StatusNotification {
    const NAME: &'static str = "StatusNotification";
    type Request = StatusNotificationRequest;
    type Response = StatusNotificationResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusNotificationRequest {
    pub connector_id: u32,
    pub error_code: ChargePointErrorCode,
    /// Free-form, at most 50 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
    pub status: ChargePointStatus,
    /// When the status was reported by the charge point; absent means "now".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// At most 255 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<String>,
    /// At most 50 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_error_code: Option<String>,
}

/// Empty: `{}` on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusNotificationResponse {}
