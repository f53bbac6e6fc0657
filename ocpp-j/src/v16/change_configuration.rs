//! ChangeConfiguration (CSMS → charger): set one configuration key.

use serde::{Deserialize, Serialize};

use super::Action;

pub struct ChangeConfiguration;

impl Action for ChangeConfiguration {
    const NAME: &'static str = "ChangeConfiguration";
    type Request = ChangeConfigurationRequest;
    type Response = ChangeConfigurationResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeConfigurationRequest {
    /// At most 50 characters.
    pub key: String,
    /// At most 500 characters.
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeConfigurationResponse {
    pub status: ConfigurationStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConfigurationStatus {
    Accepted,
    Rejected,
    RebootRequired,
    NotSupported,
}
