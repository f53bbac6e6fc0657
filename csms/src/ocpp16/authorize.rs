//! Authorize: may this id tag charge?

use ocpp_j::v16::{AuthorizeRequest, AuthorizeResponse};

use super::{OcppError, id_tag, id_tag_info};
use crate::{app::AppState, domain::ChargePointId};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: AuthorizeRequest,
) -> Result<AuthorizeResponse, OcppError> {
    let tag = id_tag(&request.id_tag)?;
    let authorization = state.charging.authorize(id, &tag).await?;
    Ok(AuthorizeResponse {
        id_tag_info: id_tag_info(authorization),
    })
}
