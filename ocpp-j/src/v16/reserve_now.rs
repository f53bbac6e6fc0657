//! ReserveNow (CSMS → charger): hold a connector for an id tag until `expiryDate`. Sent for
//! immediate reservations and when a future booking starts.

use serde::{Deserialize, Serialize};

use super::{Action, Timestamp};

pub struct ReserveNow;

impl Action for ReserveNow {
    const NAME: &'static str = "ReserveNow";
    type Request = ReserveNowRequest;
    type Response = ReserveNowResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReserveNowRequest {
    /// 0 reserves any connector of the charge point.
    pub connector_id: u32,
    pub expiry_date: Timestamp,
    /// At most 20 characters.
    pub id_tag: String,
    /// At most 20 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id_tag: Option<String>,
    pub reservation_id: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveNowResponse {
    pub status: ReservationStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReservationStatus {
    Accepted,
    Faulted,
    Occupied,
    Rejected,
    Unavailable,
}
