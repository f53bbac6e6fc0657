//! DiagnosticsStatusNotification (charger → CSMS): progress of a diagnostics upload.

use serde::{Deserialize, Serialize};

use super::Action;

pub struct DiagnosticsStatusNotification;

impl Action for DiagnosticsStatusNotification {
    const NAME: &'static str = "DiagnosticsStatusNotification";
    type Request = DiagnosticsStatusNotificationRequest;
    type Response = DiagnosticsStatusNotificationResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticsStatusNotificationRequest {
    pub status: DiagnosticsStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DiagnosticsStatus {
    Idle,
    Uploaded,
    UploadFailed,
    Uploading,
}

/// Empty: `{}` on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticsStatusNotificationResponse {}
