//! SecurityEventNotification (charger → CSMS, the 1.6 security extension): something that
//! matters to security happened at the charge point (a firmware update, a failed login, a
//! tamper alarm).

use serde::{Deserialize, Serialize};

use super::{Action, Timestamp};

pub struct SecurityEventNotification;

impl Action for SecurityEventNotification {
    const NAME: &'static str = "SecurityEventNotification";
    type Request = SecurityEventNotificationRequest;
    type Response = SecurityEventNotificationResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityEventNotificationRequest {
    /// The event's type, as the security whitepaper names it (at most 50 characters).
    #[serde(rename = "type")]
    pub kind: String,
    pub timestamp: Timestamp,
    /// Free text from the charger (at most 255 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tech_info: Option<String>,
}

/// Empty: `{}` on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEventNotificationResponse {}
