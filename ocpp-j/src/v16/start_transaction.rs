//! StartTransaction (charger → CSMS): a charging session began; the answer assigns the
//! transaction id. Chargers resend it when the answer is lost, so handling must be idempotent.

use serde::{Deserialize, Serialize};

use super::{Action, IdTagInfo, Timestamp};

pub struct StartTransaction;

impl Action for StartTransaction {
    const NAME: &'static str = "StartTransaction";
    type Request = StartTransactionRequest;
    type Response = StartTransactionResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartTransactionRequest {
    pub connector_id: u32,
    /// At most 20 characters.
    pub id_tag: String,
    /// The meter reading at the start, in Wh.
    pub meter_start: i64,
    /// The reservation this transaction ends, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservation_id: Option<i32>,
    pub timestamp: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartTransactionResponse {
    pub id_tag_info: IdTagInfo,
    pub transaction_id: i32,
}
