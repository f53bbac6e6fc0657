//! `POST /charge-points/{id}/password-rotation` and `POST /charge-points/{id}/security-profile`:
//! the operator moves a connected charge point to a new password of the CSMS's making, or to a
//! higher security profile, without ever locking it out (see [`crate::rotation`]). Each answers
//! once the charge point has; how the change ends shows in the charge point's `GET`.

use axum::extract::State;
use serde::Deserialize;

use super::parse_id;
use crate::{
    api::{
        error::ApiError,
        extract::{Json, Path},
    },
    app::AppState,
    domain::SecurityProfile,
    fleet::Report,
    gateway::registry::CallFailure,
    rotation::ChangeError,
};

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> ApiError {
        match e {
            ChangeError::Unknown(_) => ApiError::NotFound(e.to_string()),
            ChangeError::NotConnected(_) => ApiError::ChargePoint(CallFailure::NotConnected),
            ChangeError::BadRequest(m) => ApiError::BadRequest(m),
            ChangeError::Conflict(m) => ApiError::Conflict(m),
            ChangeError::NoAnswer => ApiError::UpstreamTimeout(e.to_string()),
            ChangeError::Failed(m) => ApiError::ChargePoint(CallFailure::InvalidResponse(m)),
            ChangeError::Store(e) => ApiError::Store(e),
        }
    }
}

/// Sends a connected charge point a new password (ChangeConfiguration `AuthorizationKey`).
/// Until it connects with the new one, the old one still lets it in; its first connection
/// with the new one retires the old.
#[utoipa::path(
    post,
    path = "/charge-points/{id}/password-rotation",
    tag = "operator",
    params(("id" = String, Path, description = "The charge point's id.")),
    responses(
        (status = 200, description = "The charge point answered: `Pending` (it took the new password) or `Refused`.", body = Report),
        (status = 404, description = "No such charge point, or it is not connected."),
        (status = 409, description = "A rotation is under way, or the charge point is under security profile 3."),
        (status = 502, description = "The charge point failed the request: nothing changed."),
        (status = 504, description = "No answer in time: both passwords let it in until it connects with one."),
    )
)]
pub async fn rotate_password(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<axum::Json<Report>, ApiError> {
    let id = parse_id(&raw_id)?;
    Ok(axum::Json(state.rotation.rotate_password(&id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpgradeBody {
    /// 2 or 3, higher than the current one.
    #[schema(value_type = u8, minimum = 2, maximum = 3)]
    security_profile: SecurityProfile,
}

/// Moves a connected charge point to a higher security profile (ChangeConfiguration
/// `SecurityProfile`). Until it connects under the new one, the old one still lets it in; a
/// connection under the old one after it took the change means it rolled back.
#[utoipa::path(
    post,
    path = "/charge-points/{id}/security-profile",
    tag = "operator",
    params(("id" = String, Path, description = "The charge point's id.")),
    request_body = UpgradeBody,
    responses(
        (status = 200, description = "The charge point answered: `Pending` (it took the profile) or `Refused`.", body = Report),
        (status = 400, description = "Not higher than its profile (lower one with `PUT`)."),
        (status = 404, description = "No such charge point, or it is not connected."),
        (status = 409, description = "An upgrade is under way, or what the profile needs is missing (TLS, a client CA, a password)."),
        (status = 502, description = "The charge point failed the request: nothing changed."),
        (status = 504, description = "No answer in time: both profiles let it in until it connects under one."),
    )
)]
pub async fn upgrade(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    Json(body): Json<UpgradeBody>,
) -> Result<axum::Json<Report>, ApiError> {
    let id = parse_id(&raw_id)?;
    Ok(axum::Json(
        state.rotation.upgrade(&id, body.security_profile).await?,
    ))
}
