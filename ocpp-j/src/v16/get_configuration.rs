//! GetConfiguration (CSMS → charger): read configuration keys, all of them when none is named.

use serde::{Deserialize, Serialize};

use super::Action;

pub struct GetConfiguration;

impl Action for GetConfiguration {
    const NAME: &'static str = "GetConfiguration";
    type Request = GetConfigurationRequest;
    type Response = GetConfigurationResponse;
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetConfigurationRequest {
    /// The keys to read (each at most 50 characters); absent means all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetConfigurationResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_key: Option<Vec<KeyValue>>,
    /// Requested keys the charge point does not know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown_key: Option<Vec<String>>,
}

/// One configuration key and its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    /// At most 50 characters.
    pub key: String,
    /// `readonly`, all lower case, on the wire.
    pub readonly: bool,
    /// At most 500 characters; absent when the key has no value set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}
