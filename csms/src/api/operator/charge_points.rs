//! `PUT|GET /charge-points/{id}` and `GET /charge-points`: the operator defines a charge point
//! (place, password, tariff, connectors) and sees it with its live state from the fleet.

use axum::{extract::State, http::StatusCode};
use serde::{Deserialize, Deserializer, Serialize};

use super::charge_point_view::ChargePointView;

use crate::{
    api::{
        error::ApiError,
        extract::{Json, Path},
    },
    app::AppState,
    domain::{ChargePointId, ConnectorType, RegistrationStatus, SecurityProfile},
    gateway::credentials::{check_password, hash_password},
    store::charge_points::{ChargePointSpec, ConnectorSpec},
};

/// The body of `PUT`. `password`: absent keeps the current one, `null` removes it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChargePointBody {
    /// 1 to 200 characters.
    name: String,
    /// At most 500 characters.
    address: String,
    latitude: f64,
    longitude: f64,
    /// The HTTP Basic password of the charge point: absent keeps the current one, `null`
    /// removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, required = false)]
    password: Option<Option<String>>,
    /// The tariff; `default` when absent.
    tariff_id: Option<String>,
    connectors: Vec<ConnectorBody>,
    /// Whether it is let in: `Accepted`, `Pending` (its BootNotification is answered `Pending`
    /// and nothing else is served) or `Rejected`. Absent: `Accepted` for a new charge point,
    /// unchanged for one that exists.
    registration_status: Option<RegistrationStatus>,
    /// How it proves who it is: 1 (password, ws:// or wss://), 2 (password, wss:// only), 3
    /// (client certificate, wss://). Absent: unchanged, or for a new charge point 2 when TLS
    /// is configured, else 1.
    #[schema(value_type = Option<u8>, minimum = 1, maximum = 3)]
    security_profile: Option<SecurityProfile>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectorBody {
    /// From 1, unique within the charge point.
    connector_id: u32,
    #[serde(rename = "type")]
    connector_type: ConnectorType,
    /// In (0, 1000].
    max_power_kw: f64,
}

/// Tells an absent field (outer `None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

pub(crate) fn parse_id(raw: &str) -> Result<ChargePointId, ApiError> {
    ChargePointId::parse(raw).map_err(|e| ApiError::BadRequest(e.0))
}

fn validate(body: &ChargePointBody, config: &crate::Config) -> Result<(), ApiError> {
    let bad = |m: String| Err(ApiError::BadRequest(m));
    match body.security_profile {
        Some(p) if p.needs_tls() && config.tls_cert.is_none() => {
            return bad(format!(
                "security profile {p} needs TLS on the OCPP listener (--tls-cert)"
            ));
        }
        Some(SecurityProfile::Certificate) if config.tls_client_ca.is_none() => {
            return bad("security profile 3 needs a charge point CA (--tls-client-ca)".into());
        }
        _ => {}
    }
    if body.name.trim().is_empty() || body.name.chars().count() > 200 {
        return bad("name must have 1 to 200 characters".into());
    }
    if body.address.chars().count() > 500 {
        return bad("address may have at most 500 characters".into());
    }
    if !(-90.0..=90.0).contains(&body.latitude) || !(-180.0..=180.0).contains(&body.longitude) {
        return bad("latitude must lie in [-90, 90] and longitude in [-180, 180]".into());
    }
    if let Some(Some(password)) = &body.password {
        check_password(password).or_else(bad)?;
    }
    if let Some(tariff) = &body.tariff_id
        && (tariff.is_empty() || tariff.len() > 64)
    {
        return bad("tariffId must have 1 to 64 characters".into());
    }
    let mut seen = std::collections::BTreeSet::new();
    for c in &body.connectors {
        if c.connector_id == 0 || c.connector_id > crate::domain::MAX_CONNECTOR_ID {
            return bad(format!(
                "connectorId lies in 1..={} (0 is the charge point itself)",
                crate::domain::MAX_CONNECTOR_ID
            ));
        }
        if !seen.insert(c.connector_id) {
            return bad(format!("connectorId {} appears twice", c.connector_id));
        }
        if !(c.max_power_kw > 0.0 && c.max_power_kw <= 1000.0) {
            return bad(format!(
                "connector {}: maxPowerKw must lie in (0, 1000]",
                c.connector_id
            ));
        }
    }
    Ok(())
}

/// Creates or replaces a charge point.
#[utoipa::path(
    put,
    path = "/charge-points/{id}",
    operation_id = "put_charge_point",
    tag = "operator",
    params(("id" = String, Path, description = "The charge point's id.")),
    request_body = ChargePointBody,
    responses(
        (status = 200, description = "Replaced.", body = ChargePointView),
        (status = 201, description = "Created.", body = ChargePointView),
        (status = 400, description = "The id or the body is invalid."),
    )
)]
pub async fn put(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    Json(body): Json<ChargePointBody>,
) -> Result<(StatusCode, axum::Json<ChargePointView>), ApiError> {
    let id = parse_id(&raw_id)?;
    validate(&body, &state.config)?;
    // No credential change commits between our read of the definition and our write of it.
    let serial = state.rotation.serialize().await;
    let current = state.fleet.get(&id);
    let password_hash = match &body.password {
        None => current.as_ref().and_then(|p| p.spec.password_hash.clone()),
        Some(None) => None,
        Some(Some(password)) => Some(hash_password(password)),
    };
    let approval = body
        .registration_status
        .or(current.as_ref().map(|p| p.spec.approval))
        .unwrap_or(RegistrationStatus::Accepted);
    let security_profile = body
        .security_profile
        .or(current.as_ref().map(|p| p.spec.security_profile))
        .unwrap_or(if state.config.tls_cert.is_some() {
            SecurityProfile::PasswordOverTls
        } else {
            SecurityProfile::Password
        });
    let spec = ChargePointSpec {
        id: id.clone(),
        name: body.name,
        address: body.address,
        latitude: Some(body.latitude),
        longitude: Some(body.longitude),
        password_hash,
        tariff_id: body.tariff_id,
        connectors: body
            .connectors
            .into_iter()
            .map(|c| ConnectorSpec {
                connector_id: c.connector_id,
                connector_type: Some(c.connector_type),
                max_power_kw: Some(c.max_power_kw),
            })
            .collect(),
        approval,
        security_profile,
    };
    let created = state
        .store
        .put_charge_point(&spec, state.clock.now())
        .await?;
    // A socket let in under other credentials, or while it was let in, must prove itself
    // again; the charge point reconnects and boots under the new definition. What it replaced
    // is read under the fleet's lock: a socket that was let in as an unknown id while this
    // request ran (auto-registration) is closed too.
    let credentials = spec.credentials();
    let recheck = state.fleet.put(spec).is_none_or(|previous| {
        previous.credentials() != credentials
            || (previous.approval != approval && approval != RegistrationStatus::Accepted)
    });
    drop(serial);
    if recheck && state.sessions.close(&id) {
        tracing::info!(charge_point = %id, "credentials or approval changed: its session is closed");
    }
    if let Some(cluster) = &state.cluster {
        cluster.changed(&id).await;
    }
    let view = state
        .fleet
        .get(&id)
        .map(ChargePointView::from)
        .expect("just put");
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(view)))
}

/// A charge point, with its live state.
#[utoipa::path(
    get,
    path = "/charge-points/{id}",
    operation_id = "get_charge_point",
    tag = "operator",
    params(("id" = String, Path, description = "The charge point's id.")),
    responses(
        (status = 200, description = "The charge point.", body = ChargePointView),
        (status = 400, description = "The id is not a valid charge point id."),
        (status = 404, description = "No such charge point."),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<axum::Json<ChargePointView>, ApiError> {
    let id = parse_id(&raw_id)?;
    state
        .fleet
        .get(&id)
        .map(|p| axum::Json(p.into()))
        .ok_or_else(|| ApiError::NotFound(format!("no charge point {id}")))
}

/// Lets a charge point in (`registrationStatus` becomes `Accepted`): one auto-registered and
/// `Pending`, or one the operator had held or rejected. A connected one is asked to boot again
/// (TriggerMessage), so it need not wait for its retry interval.
#[utoipa::path(
    post,
    path = "/charge-points/{id}/approve",
    operation_id = "approve_charge_point",
    tag = "operator",
    params(("id" = String, Path, description = "The charge point's id.")),
    responses(
        (status = 200, description = "Approved.", body = ChargePointView),
        (status = 400, description = "The id is not a valid charge point id."),
        (status = 404, description = "No such charge point."),
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<axum::Json<ChargePointView>, ApiError> {
    let id = parse_id(&raw_id)?;
    let point = state
        .fleet
        .get(&id)
        .ok_or_else(|| ApiError::NotFound(format!("no charge point {id}")))?;
    if point.spec.approval != RegistrationStatus::Accepted {
        state
            .store
            .set_approval(&id, RegistrationStatus::Accepted, state.clock.now())
            .await?;
        state.fleet.set_approval(&id, RegistrationStatus::Accepted);
        tracing::info!(charge_point = %id, "approved by the operator");
        if let Some(cluster) = &state.cluster {
            cluster.changed(&id).await;
        }
        if state.sessions.is_connected(&id) {
            let asked = state.charge_points.request_boot(&id);
            tokio::spawn(async move {
                if let Err(e) = asked.await {
                    tracing::info!(error = %e, "asking the charger to boot again after approval");
                }
            });
        }
    }
    let view = state.fleet.get(&id).map(ChargePointView::from);
    view.map(axum::Json)
        .ok_or_else(|| ApiError::NotFound(format!("no charge point {id}")))
}

/// Deletes a charge point: the operator's definition and its live state (its open session is
/// closed). Its sessions and reservations stay on record. For ids collected by
/// `--auto-register` that no real charger owns.
#[utoipa::path(
    delete,
    path = "/charge-points/{id}",
    operation_id = "delete_charge_point",
    tag = "operator",
    params(("id" = String, Path, description = "The charge point's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, description = "The id is not a valid charge point id."),
        (status = 404, description = "No such charge point."),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&raw_id)?;
    if !state.store.delete_charge_point(&id).await? {
        return Err(ApiError::NotFound(format!("no charge point {id}")));
    }
    state.fleet.remove(&id);
    state.sessions.close(&id);
    tracing::info!(charge_point = %id, "deleted by the operator");
    if let Some(cluster) = &state.cluster {
        cluster.changed(&id).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChargePointList {
    charge_points: Vec<ChargePointView>,
}

/// Every charge point, with its live state.
#[utoipa::path(
    get,
    path = "/charge-points",
    operation_id = "list_charge_points",
    tag = "operator",
    responses((status = 200, description = "The charge points.", body = ChargePointList))
)]
pub async fn list(State(state): State<AppState>) -> axum::Json<ChargePointList> {
    axum::Json(ChargePointList {
        charge_points: state.fleet.list().into_iter().map(Into::into).collect(),
    })
}
