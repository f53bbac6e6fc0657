//! ChangeAvailability (CSMS → charger): take a connector (or, with connector 0, the whole
//! charge point) out of service or back into it.

use serde::{Deserialize, Serialize};

use super::Action;

pub struct ChangeAvailability;

impl Action for ChangeAvailability {
    const NAME: &'static str = "ChangeAvailability";
    type Request = ChangeAvailabilityRequest;
    type Response = ChangeAvailabilityResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeAvailabilityRequest {
    pub connector_id: u32,
    /// `type` on the wire.
    #[serde(rename = "type")]
    pub kind: AvailabilityType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AvailabilityType {
    Inoperative,
    Operative,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeAvailabilityResponse {
    pub status: AvailabilityStatus,
}

/// `Scheduled`: the change happens once the running transaction ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AvailabilityStatus {
    Accepted,
    Rejected,
    Scheduled,
}
