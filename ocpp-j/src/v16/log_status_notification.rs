//! LogStatusNotification (charger → CSMS, the 1.6 security extension): progress of the log
//! upload a GetLog asked for.

use serde::{Deserialize, Serialize};

use super::Action;

pub struct LogStatusNotification;

impl Action for LogStatusNotification {
    const NAME: &'static str = "LogStatusNotification";
    type Request = LogStatusNotificationRequest;
    type Response = LogStatusNotificationResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogStatusNotificationRequest {
    pub status: UploadLogStatus,
    /// The GetLog's `requestId`; absent when the status is `Idle`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UploadLogStatus {
    BadMessage,
    Idle,
    NotSupportedOperation,
    PermissionDenied,
    Uploaded,
    UploadFailure,
    Uploading,
}

/// Empty: `{}` on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogStatusNotificationResponse {}
