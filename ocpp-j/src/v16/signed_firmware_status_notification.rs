//! SignedFirmwareStatusNotification (charger → CSMS, the 1.6 security extension): progress of
//! the firmware update a SignedUpdateFirmware asked for, its signature check included.

use serde::{Deserialize, Serialize};

use super::Action;

pub struct SignedFirmwareStatusNotification;

impl Action for SignedFirmwareStatusNotification {
    const NAME: &'static str = "SignedFirmwareStatusNotification";
    type Request = SignedFirmwareStatusNotificationRequest;
    type Response = SignedFirmwareStatusNotificationResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedFirmwareStatusNotificationRequest {
    pub status: SignedFirmwareStatus,
    /// The SignedUpdateFirmware's `requestId`; absent when the status is `Idle`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SignedFirmwareStatus {
    Downloaded,
    DownloadFailed,
    Downloading,
    DownloadScheduled,
    DownloadPaused,
    Idle,
    InstallationFailed,
    Installing,
    Installed,
    InstallRebooting,
    InstallScheduled,
    InstallVerificationFailed,
    InvalidSignature,
    SignatureVerified,
}

/// Empty: `{}` on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedFirmwareStatusNotificationResponse {}
