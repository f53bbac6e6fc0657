//! RemoteStartTransaction (CSMS → charger): start charging for an id tag, e.g. from the app.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Action, RemoteStartStopStatus};

pub struct RemoteStartTransaction;

impl Action for RemoteStartTransaction {
    const NAME: &'static str = "RemoteStartTransaction";
    type Request = RemoteStartTransactionRequest;
    type Response = RemoteStartTransactionResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteStartTransactionRequest {
    /// Absent lets the charge point choose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<u32>,
    /// At most 20 characters.
    pub id_tag: String,
    /// A `TxProfile` charging profile, kept as raw JSON: smart charging is not modelled yet,
    /// and the schema still checks it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charging_profile: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteStartTransactionResponse {
    pub status: RemoteStartStopStatus,
}
