//! Authorize: may this id token charge? Only the token's value names a Green Card or an id tag;
//! a token with no value (`NoAuthorization`) is never accepted, as it would charge no one.

use ocpp_j::v201::{AuthorizeRequest, AuthorizeResponse};

use super::{id_tag, id_token_info};
use crate::{
    app::AppState,
    charging::Authorization,
    domain::{AuthorizationStatus, ChargePointId},
    ocpp16::OcppError,
};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: AuthorizeRequest,
) -> Result<AuthorizeResponse, OcppError> {
    let authorization = if request.id_token.id_token.is_empty() {
        Authorization::status(AuthorizationStatus::Invalid)
    } else {
        let tag = id_tag(&request.id_token)?;
        state.charging.authorize(id, &tag).await?
    };
    Ok(AuthorizeResponse::new(id_token_info(authorization)))
}
