//! `POST /charge-points/{id}/commands/{action}`: an operator sends an OCPP CALL to a connected
//! charge point. The payload is validated against the action's schema before anything is sent
//! (400), and a new password or security profile is refused here (the rotation endpoints make
//! those changes without locking the charger out); then 404 when the charge point is not connected, 502 with its CALLERROR, 504 when it
//! does not answer in time, and 200 with its answer otherwise.

use axum::extract::State;
use serde_json::Value;

use super::charge_points::parse_id;
use crate::{
    api::{
        error::{ApiError, CallErrorProblem},
        extract::{Json, Path},
    },
    app::AppState,
    gateway::registry::CallFailure,
    ocpp16,
};

/// Sends an OCPP CALL to a connected charge point; answers with its response payload.
#[utoipa::path(
    post,
    path = "/charge-points/{id}/commands/{action}",
    tag = "operator",
    params(
        ("id" = String, Path, description = "The charge point's id."),
        ("action" = String, Path, description = "The action as its protocol names it, e.g. `Reset`, `RemoteStartTransaction`."),
    ),
    request_body(content = Object, description = "The action's request payload."),
    responses(
        (status = 200, description = "The charge point's response payload.", body = Object),
        (status = 400, description = "Not an action the central system sends, or the payload is invalid for it."),
        (status = 404, description = "No such charge point, or it is not connected."),
        (status = 502, description = "The charge point answered with a CALLERROR.", body = CallErrorProblem,
            content_type = "application/problem+json"),
        (status = 504, description = "The charge point did not answer in time."),
    )
)]
pub async fn send(
    State(state): State<AppState>,
    Path((raw_id, action)): Path<(String, String)>,
    Json(payload): Json<Value>,
) -> Result<axum::Json<Value>, ApiError> {
    let id = parse_id(&raw_id)?;
    if !state.fleet.contains(&id) {
        return Err(ApiError::NotFound(format!("no charge point {id}")));
    }
    // Here, or on the node holding its socket (cluster mode).
    let session =
        crate::gateway::outbound::reach(&state.sessions, state.cluster.as_ref(), &id).await;
    let version = session
        .as_ref()
        .map_or(ocpp_j::Version::V16, |s| s.protocol());
    let sent_by_csms = match version {
        ocpp_j::Version::V16 => ocpp16::is_csms_initiated(&action),
        ocpp_j::Version::V201 => crate::ocpp201::is_csms_initiated(&action),
    };
    if !sent_by_csms {
        return Err(ApiError::BadRequest(format!(
            "{action:?} is not an action the central system sends in {}",
            version.subprotocol()
        )));
    }
    if action == "ChangeConfiguration"
        && let Some(key) = payload.get("key").and_then(Value::as_str)
        && ["AuthorizationKey", "SecurityProfile"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(key))
    {
        // Sent raw, a new password or profile would lock the charger out: the CSMS would not
        // know it.
        return Err(ApiError::BadRequest(format!(
            "{key} is changed with POST /charge-points/{{id}}/password-rotation or /security-profile, which never lock a charger out"
        )));
    }
    let sets_password = action == "SetVariables"
        && payload["setVariableData"].as_array().is_some_and(|data| {
            data.iter().any(|d| {
                d["component"]["name"] == "SecurityCtrlr"
                    && ["BasicAuthPassword", "SecurityProfile"]
                        .iter()
                        .any(|v| d["variable"]["name"] == *v)
            })
        });
    if sets_password || action == "SetNetworkProfile" {
        // The same for 2.0.1's password and connection profiles.
        return Err(ApiError::BadRequest(format!(
            "{action} of the station's password or network profile is changed with POST /charge-points/{{id}}/password-rotation, which never locks a charger out"
        )));
    }
    let schema = ocpp_j::Catalogue::get(version)
        .request(&action)
        .ok_or_else(|| ApiError::BadRequest(format!("unknown action {action:?}")))?;
    schema
        .validate(&payload)
        .map_err(|v| ApiError::BadRequest(format!("invalid {action} payload: {v}")))?;
    let session = session.ok_or(ApiError::ChargePoint(CallFailure::NotConnected))?;
    let answer = session
        .call(&action, payload, state.config.call_timeout())
        .await;
    answer.map(axum::Json).map_err(ApiError::ChargePoint)
}
