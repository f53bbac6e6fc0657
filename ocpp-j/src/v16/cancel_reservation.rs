//! CancelReservation (CSMS → charger): release a reservation made with ReserveNow.

use serde::{Deserialize, Serialize};

use super::Action;

pub struct CancelReservation;

impl Action for CancelReservation {
    const NAME: &'static str = "CancelReservation";
    type Request = CancelReservationRequest;
    type Response = CancelReservationResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelReservationRequest {
    pub reservation_id: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelReservationResponse {
    pub status: CancelReservationStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CancelReservationStatus {
    Accepted,
    Rejected,
}
