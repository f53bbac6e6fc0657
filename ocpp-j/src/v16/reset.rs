//! Reset (CSMS → charger): reboot the charge point, softly (stopping transactions cleanly) or
//! hard.

use serde::{Deserialize, Serialize};

use super::Action;

pub struct Reset;

impl Action for Reset {
    const NAME: &'static str = "Reset";
    type Request = ResetRequest;
    type Response = ResetResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetRequest {
    /// `type` on the wire.
    #[serde(rename = "type")]
    pub kind: ResetType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResetType {
    Hard,
    Soft,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetResponse {
    pub status: ResetStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResetStatus {
    Accepted,
    Rejected,
}
