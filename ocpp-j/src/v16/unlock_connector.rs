//! UnlockConnector (CSMS → charger): release a cable stuck in a connector.

use serde::{Deserialize, Serialize};

use super::Action;

pub struct UnlockConnector;

impl Action for UnlockConnector {
    const NAME: &'static str = "UnlockConnector";
    type Request = UnlockConnectorRequest;
    type Response = UnlockConnectorResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnlockConnectorRequest {
    pub connector_id: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlockConnectorResponse {
    pub status: UnlockStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnlockStatus {
    Unlocked,
    UnlockFailed,
    NotSupported,
}
