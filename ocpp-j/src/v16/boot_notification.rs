//! BootNotification (charger → CSMS): the first message after connecting, identifying the
//! charge point; the answer says whether it is registered and how often to send Heartbeats.

use serde::{Deserialize, Serialize};

use super::{Action, RegistrationStatus, Timestamp};

pub struct BootNotification;

impl Action for BootNotification {
    const NAME: &'static str = "BootNotification";
    type Request = BootNotificationRequest;
    type Response = BootNotificationResponse;
}

/// Who the charge point is. Lengths are the schema's maxima.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BootNotificationRequest {
    /// At most 20 characters.
    pub charge_point_vendor: String,
    /// At most 20 characters.
    pub charge_point_model: String,
    /// At most 25 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge_point_serial_number: Option<String>,
    /// At most 25 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge_box_serial_number: Option<String>,
    /// At most 50 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware_version: Option<String>,
    /// At most 20 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iccid: Option<String>,
    /// At most 20 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imsi: Option<String>,
    /// At most 25 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meter_type: Option<String>,
    /// At most 25 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meter_serial_number: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BootNotificationResponse {
    pub status: RegistrationStatus,
    /// The central system's clock, for the charge point to synchronise with.
    pub current_time: Timestamp,
    /// Heartbeat interval in seconds when accepted; when pending or rejected, the delay before
    /// the next BootNotification.
    pub interval: u32,
}
