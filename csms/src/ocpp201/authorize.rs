//! Authorize: may this id token charge? Only the token's value names a Green Card or an id tag;
//! a token with no value (`NoAuthorization`), or one no card or tag can have, is `Invalid`.

use ocpp_j::v201::{AuthorizeRequest, AuthorizeResponse};

use super::id_token_info;
use crate::{
    app::AppState,
    charging::Authorization,
    domain::{AuthorizationStatus, ChargePointId, IdTag},
    ocpp16::OcppError,
};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: AuthorizeRequest,
) -> Result<AuthorizeResponse, OcppError> {
    let authorization = match IdTag::parse(&request.id_token.id_token) {
        Ok(tag) => state.charging.authorize(id, &tag).await?,
        Err(_) => Authorization::status(AuthorizationStatus::Invalid),
    };
    Ok(AuthorizeResponse::new(id_token_info(authorization)))
}
