//! Charge points and their connectors in the store: the operator's definition (name, place,
//! password hash, connectors) and the last known runtime facts (boot info, status, last seen),
//! which the fleet writes behind and reloads at start.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError, parse_column};
use crate::{
    clock::{from_millis, to_millis},
    domain::{ChargePointId, ConnectorStatus, ConnectorType, RegistrationStatus, SecurityProfile},
};

/// What an operator defines about a charge point (`PUT …/charge-points/{id}`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChargePointSpec {
    pub id: ChargePointId,
    pub name: String,
    pub address: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub password_hash: Option<String>,
    pub tariff_id: Option<String>,
    pub connectors: Vec<ConnectorSpec>,
    /// Whether the operator lets it in: `Accepted`, `Pending` (auto-registered and waiting for
    /// the operator) or `Rejected`. Its BootNotification is answered with this.
    pub approval: RegistrationStatus,
    /// How it proves who it is at the handshake.
    pub security_profile: SecurityProfile,
}

impl ChargePointSpec {
    /// Whether money may move at it: an operator registered it with credentials (a password,
    /// or under profile 3 a certificate from the operator's CA naming it), so a socket that
    /// claims its id has proven it is this charge point.
    pub fn is_trusted(&self) -> bool {
        self.password_hash.is_some() || self.security_profile == SecurityProfile::Certificate
    }

    /// What a socket must prove to be it, as the operator defined it (the certificate pinned
    /// by SignCertificate is the fleet's to add).
    pub fn credentials(&self) -> Credentials {
        Credentials {
            password_hash: self.password_hash.clone(),
            security_profile: self.security_profile,
            certificate_sha256: None,
            pending_password_hash: None,
            pending_security_profile: None,
        }
    }
}

/// What a charge point's socket must prove at the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `None`: no password is asked.
    pub password_hash: Option<String>,
    pub security_profile: SecurityProfile,
    /// Under profile 3: the SHA-256 (hex) of the only certificate it may present, once the CSMS
    /// signed one for it.
    pub certificate_sha256: Option<String>,
    /// A new password sent to it and not yet used: until it is, either one lets it in.
    pub pending_password_hash: Option<String>,
    /// A higher profile sent to it and not yet met: until it is, either one lets it in.
    pub pending_security_profile: Option<SecurityProfile>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorSpec {
    pub connector_id: u32,
    pub connector_type: Option<ConnectorType>,
    pub max_power_kw: Option<f64>,
}

/// A charge point as stored: its spec plus what it last told us.
#[derive(Debug, Clone)]
pub struct ChargePointRecord {
    pub spec: ChargePointSpec,
    /// The answer last given to its BootNotification.
    pub registration: Option<RegistrationStatus>,
    pub boot: BootInfo,
    pub status: ConnectorStatus,
    pub last_seen: Option<DateTime<Utc>>,
    pub connector_status: Vec<(u32, ConnectorStatus, Option<String>)>,
    /// The certificate pinned by SignCertificate (SHA-256, hex).
    pub certificate_sha256: Option<String>,
    /// Credentials on their way (see [`Credentials`]).
    pub pending_password_hash: Option<String>,
    pub pending_security_profile: Option<SecurityProfile>,
}

/// The identity a charge point reports in BootNotification.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BootInfo {
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub firmware_version: Option<String>,
}

impl Store {
    /// Creates or replaces the operator's definition of a charge point, keeping what the charge
    /// point itself reported (boot info, statuses). Returns whether it was created.
    pub async fn put_charge_point(
        &self,
        spec: &ChargePointSpec,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let existed = super::lock_row(&mut tx, "charge_points", "id", spec.id.as_str()).await?;
        sqlx::query(
            "INSERT INTO charge_points (id, name, address, latitude, longitude, password_hash, \
                 tariff_id, approval, created_at_ms, updated_at_ms, security_profile) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address, \
                 latitude = excluded.latitude, longitude = excluded.longitude, \
                 password_hash = excluded.password_hash, tariff_id = excluded.tariff_id, \
                 approval = excluded.approval, updated_at_ms = excluded.updated_at_ms, \
                 security_profile = excluded.security_profile, \
                 pending_password_hash = CASE WHEN charge_points.password_hash \
                     IS NOT DISTINCT FROM excluded.password_hash \
                     THEN charge_points.pending_password_hash END, \
                 pending_security_profile = CASE WHEN charge_points.security_profile \
                     = excluded.security_profile THEN charge_points.pending_security_profile END",
        )
        .bind(spec.id.as_str())
        .bind(&spec.name)
        .bind(&spec.address)
        .bind(spec.latitude)
        .bind(spec.longitude)
        .bind(spec.password_hash.as_deref())
        .bind(spec.tariff_id.as_deref())
        .bind(spec.approval.as_str())
        .bind(to_millis(now))
        .bind(i64::from(spec.security_profile.number()))
        .execute(&mut *tx)
        .await?;
        let kept: Vec<i64> = spec
            .connectors
            .iter()
            .map(|c| i64::from(c.connector_id))
            .collect();
        let existing =
            sqlx::query("SELECT connector_id FROM connectors WHERE charge_point_id = $1")
                .bind(spec.id.as_str())
                .fetch_all(&mut *tx)
                .await?;
        for row in existing {
            let connector_id: i64 = row.try_get(0)?;
            if !kept.contains(&connector_id) {
                sqlx::query(
                    "DELETE FROM connectors WHERE charge_point_id = $1 AND connector_id = $2",
                )
                .bind(spec.id.as_str())
                .bind(connector_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        for c in &spec.connectors {
            sqlx::query(
                "INSERT INTO connectors (charge_point_id, connector_id, connector_type, max_power_kw) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (charge_point_id, connector_id) DO UPDATE SET \
                     connector_type = excluded.connector_type, max_power_kw = excluded.max_power_kw",
            )
            .bind(spec.id.as_str())
            .bind(i64::from(c.connector_id))
            .bind(c.connector_type.map(|t| t.as_str()))
            .bind(c.max_power_kw)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(!existed)
    }

    /// Deletes a charge point's definition (and its connectors); returns whether it existed.
    pub async fn delete_charge_point(&self, id: &ChargePointId) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Its security events go with it: a later charge point with the id is another.
        for table in ["connectors", "security_events"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE charge_point_id = $1"))
                .bind(id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        let deleted = sqlx::query("DELETE FROM charge_points WHERE id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        tx.commit().await?;
        Ok(deleted)
    }

    /// Pins the certificate a charge point installed (SignCertificate): under profile 3 it may
    /// connect with that certificate only.
    pub async fn pin_certificate(
        &self,
        id: &ChargePointId,
        sha256: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE charge_points SET certificate_sha256 = $1 WHERE id = $2")
            .bind(sha256)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets the operator's decision on a charge point, and nothing else of its definition.
    pub async fn set_approval(
        &self,
        id: &ChargePointId,
        approval: RegistrationStatus,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE charge_points SET approval = $1, updated_at_ms = $2 WHERE id = $3")
            .bind(approval.as_str())
            .bind(to_millis(now))
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every charge point with its connectors, for the fleet to load at start.
    pub async fn load_charge_points(&self) -> Result<Vec<ChargePointRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, address, latitude, longitude, password_hash, tariff_id, approval, \
                 security_profile, certificate_sha256, pending_password_hash, pending_security_profile, \
                 registration_status, vendor, model, serial_number, firmware_version, status, \
                 last_seen_ms FROM charge_points ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get("id")?;
            let registration: Option<String> = row.try_get("registration_status")?;
            let approval: String = row.try_get("approval")?;
            let status: String = row.try_get("status")?;
            let last_seen: Option<i64> = row.try_get("last_seen_ms")?;
            out.push(ChargePointRecord {
                spec: ChargePointSpec {
                    id: ChargePointId::parse(&id).map_err(|e| StoreError::Corrupt(e.0))?,
                    name: row.try_get("name")?,
                    address: row.try_get("address")?,
                    latitude: row.try_get("latitude")?,
                    longitude: row.try_get("longitude")?,
                    password_hash: row.try_get("password_hash")?,
                    tariff_id: row.try_get("tariff_id")?,
                    connectors: Vec::new(),
                    approval: parse_column(&approval, "approval")?,
                    security_profile: profile(row.try_get("security_profile")?)?,
                },
                registration: registration
                    .map(|r| parse_column(&r, "registration_status"))
                    .transpose()?,
                boot: BootInfo {
                    vendor: row.try_get("vendor")?,
                    model: row.try_get("model")?,
                    serial_number: row.try_get("serial_number")?,
                    firmware_version: row.try_get("firmware_version")?,
                },
                status: parse_column(&status, "status")?,
                last_seen: last_seen.map(from_millis),
                connector_status: Vec::new(),
                certificate_sha256: row.try_get("certificate_sha256")?,
                pending_password_hash: row.try_get("pending_password_hash")?,
                pending_security_profile: row
                    .try_get::<Option<i64>, _>("pending_security_profile")?
                    .map(profile)
                    .transpose()?,
            });
        }
        let connectors = sqlx::query(
            "SELECT charge_point_id, connector_id, connector_type, max_power_kw, status, error_code \
             FROM connectors ORDER BY charge_point_id, connector_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let index: std::collections::HashMap<String, usize> = out
            .iter()
            .enumerate()
            .map(|(i, r)| (r.spec.id.as_str().to_owned(), i))
            .collect();
        for row in connectors {
            let cp: String = row.try_get("charge_point_id")?;
            let Some(&at) = index.get(&cp) else {
                continue;
            };
            let connector_id: i64 = row.try_get("connector_id")?;
            let connector_id = u32::try_from(connector_id)
                .map_err(|_| StoreError::Corrupt(format!("connector_id = {connector_id}")))?;
            let connector_type: Option<String> = row.try_get("connector_type")?;
            let status: String = row.try_get("status")?;
            let record = &mut out[at];
            record.spec.connectors.push(ConnectorSpec {
                connector_id,
                connector_type: connector_type
                    .map(|t| parse_column(&t, "connector_type"))
                    .transpose()?,
                max_power_kw: row.try_get("max_power_kw")?,
            });
            record.connector_status.push((
                connector_id,
                parse_column(&status, "status")?,
                row.try_get("error_code")?,
            ));
        }
        Ok(out)
    }
}

pub(super) fn profile(n: i64) -> Result<SecurityProfile, StoreError> {
    u8::try_from(n)
        .ok()
        .and_then(|n| SecurityProfile::try_from(n).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("security_profile = {n}")))
}
