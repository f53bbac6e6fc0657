//! MeterValues (charger → CSMS): samples of a connector's meters, periodic or triggered, in or
//! out of a transaction.

use serde::{Deserialize, Serialize};

use super::{Action, MeterValue};

pub struct MeterValues;

impl Action for MeterValues {
    const NAME: &'static str = "MeterValues";
    type Request = MeterValuesRequest;
    type Response = MeterValuesResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeterValuesRequest {
    pub connector_id: u32,
    /// Set when the samples belong to a transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<i32>,
    /// At least one.
    pub meter_value: Vec<MeterValue>,
}

/// Empty: `{}` on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterValuesResponse {}
