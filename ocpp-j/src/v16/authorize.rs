//! Authorize (charger → CSMS): may this id tag charge?

use serde::{Deserialize, Serialize};

use super::{Action, IdTagInfo};

pub struct Authorize;

impl Action for Authorize {
    const NAME: &'static str = "Authorize";
    type Request = AuthorizeRequest;
    type Response = AuthorizeResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeRequest {
    /// At most 20 characters.
    pub id_tag: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeResponse {
    pub id_tag_info: IdTagInfo,
}
