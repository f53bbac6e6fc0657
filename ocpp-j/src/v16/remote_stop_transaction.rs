//! RemoteStopTransaction (CSMS → charger): stop a transaction, e.g. when a prepaid balance runs
//! out. The charger then sends StopTransaction with reason `Remote`.

use serde::{Deserialize, Serialize};

use super::{Action, RemoteStartStopStatus};

pub struct RemoteStopTransaction;

impl Action for RemoteStopTransaction {
    const NAME: &'static str = "RemoteStopTransaction";
    type Request = RemoteStopTransactionRequest;
    type Response = RemoteStopTransactionResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteStopTransactionRequest {
    pub transaction_id: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteStopTransactionResponse {
    pub status: RemoteStartStopStatus,
}
