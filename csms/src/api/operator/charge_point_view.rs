//! What the operator API shows of a charge point: its definition (never its password) with its
//! live state from the fleet.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{
    domain::{ChargePointId, ConnectorStatus, ConnectorType, RegistrationStatus, SecurityProfile},
    fleet::{ChargePoint, Progress, Report},
};

/// A charge point as defined (never its password) with its live state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChargePointView {
    id: ChargePointId,
    name: String,
    address: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    tariff_id: Option<String>,
    connected: bool,
    /// `ocpp1.6` or `ocpp2.0.1` while connected.
    protocol: Option<&'static str>,
    last_seen: Option<DateTime<Utc>>,
    /// The status of the charge point as a whole (connector 0).
    status: ConnectorStatus,
    /// Whether it is let in (what its BootNotification is answered): `Accepted`, `Pending`
    /// (auto-registered, waiting for an operator's approval) or `Rejected`.
    registration_status: RegistrationStatus,
    /// How it proves who it is: 1, 2 or 3 (see `PUT`).
    #[schema(value_type = u8, minimum = 1, maximum = 3)]
    security_profile: SecurityProfile,
    /// Whether money may move at it: an operator gave it credentials (a password, or a
    /// certificate under security profile 3).
    trusted: bool,
    vendor: Option<String>,
    model: Option<String>,
    firmware_version: Option<String>,
    /// The firmware it runs and how its last update went.
    firmware: FirmwareView,
    /// How its last diagnostics upload (GetDiagnostics) went, once it reported one.
    diagnostics: Option<Progress>,
    /// How its last log upload (GetLog) went, once it reported one.
    log: Option<Progress>,
    /// The last password rotation, while under way and once it ended.
    password_rotation: Option<Report>,
    /// The last security profile upgrade (`to`), while under way and once it ended.
    security_profile_upgrade: Option<Report>,
    connectors: Vec<ConnectorView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorView {
    connector_id: u32,
    #[serde(rename = "type")]
    connector_type: Option<ConnectorType>,
    max_power_kw: Option<f64>,
    status: ConnectorStatus,
}

impl From<ChargePoint> for ChargePointView {
    fn from(p: ChargePoint) -> Self {
        ChargePointView {
            connected: p.is_connected(),
            protocol: p.protocol.map(ocpp_j::Version::subprotocol),
            last_seen: p.last_seen,
            status: p.status,
            registration_status: p.spec.approval,
            security_profile: p.spec.security_profile,
            trusted: p.spec.is_trusted(),
            vendor: p.boot.vendor,
            model: p.boot.model,
            firmware: FirmwareView {
                version: p.boot.firmware_version.clone(),
                status: p.firmware.as_ref().map(|f| f.status.clone()),
                request_id: p.firmware.as_ref().and_then(|f| f.request_id),
                updated_at: p.firmware.as_ref().map(|f| f.updated_at),
            },
            firmware_version: p.boot.firmware_version,
            diagnostics: p.diagnostics,
            password_rotation: p.changes.rotation,
            security_profile_upgrade: p.changes.upgrade,
            log: p.log,
            connectors: p
                .connectors
                .into_iter()
                .map(|(connector_id, c)| ConnectorView {
                    connector_id,
                    connector_type: c.connector_type,
                    max_power_kw: c.max_power_kw,
                    status: c.status,
                })
                .collect(),
            id: p.spec.id,
            name: p.spec.name,
            address: p.spec.address,
            latitude: p.spec.latitude,
            longitude: p.spec.longitude,
            tariff_id: p.spec.tariff_id,
        }
    }
}

/// The firmware a charge point runs (from its boot) and its last reported update status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FirmwareView {
    version: Option<String>,
    /// As FirmwareStatusNotification or SignedFirmwareStatusNotification last spelled it.
    status: Option<String>,
    /// The SignedUpdateFirmware's request, for a signed update.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<i32>,
    updated_at: Option<DateTime<Utc>>,
}
