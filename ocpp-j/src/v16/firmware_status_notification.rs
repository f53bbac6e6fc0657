//! FirmwareStatusNotification (charger → CSMS): progress of a firmware update.

use serde::{Deserialize, Serialize};

use super::Action;

pub struct FirmwareStatusNotification;

impl Action for FirmwareStatusNotification {
    const NAME: &'static str = "FirmwareStatusNotification";
    type Request = FirmwareStatusNotificationRequest;
    type Response = FirmwareStatusNotificationResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmwareStatusNotificationRequest {
    pub status: FirmwareStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FirmwareStatus {
    Downloaded,
    DownloadFailed,
    Downloading,
    Idle,
    InstallationFailed,
    Installing,
    Installed,
}

/// Empty: `{}` on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmwareStatusNotificationResponse {}
