//! The in-memory picture of the fleet: every charge point's definition, registration, live
//! connector status and connection, loaded from the store at start and kept current by the
//! gateway. Pure and synchronous: no I/O, and no lock outlives a method call (a `DashMap`
//! shard lock, held only inside these methods, never across an `.await`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use dashmap::DashMap;

use crate::{
    domain::{ChargePointId, ConnectorStatus, ConnectorType, RegistrationStatus},
    store::charge_points::{BootInfo, ChargePointRecord, ChargePointSpec},
};

/// One charge point as the fleet knows it.
#[derive(Debug, Clone)]
pub struct ChargePoint {
    pub spec: ChargePointSpec,
    pub registration: Option<RegistrationStatus>,
    pub boot: BootInfo,
    /// Connector 0: the charge point as a whole.
    pub status: ConnectorStatus,
    pub connectors: BTreeMap<u32, Connector>,
    /// The protocol of the open socket, if any.
    pub protocol: Option<ocpp_j::Version>,
    pub last_seen: Option<DateTime<Utc>>,
    last_seen_flushed: Option<DateTime<Utc>>,
    pub firmware_status: Option<String>,
    pub diagnostics_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Connector {
    pub connector_type: Option<ConnectorType>,
    pub max_power_kw: Option<f64>,
    pub status: ConnectorStatus,
    pub error_code: Option<String>,
}

/// A status report that changed what we knew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    pub before: ConnectorStatus,
    pub after: ConnectorStatus,
}

#[derive(Debug, Default)]
pub struct Fleet {
    points: DashMap<ChargePointId, ChargePoint>,
}

impl ChargePoint {
    fn new(spec: ChargePointSpec) -> ChargePoint {
        let mut point = ChargePoint {
            spec: ChargePointSpec {
                connectors: Vec::new(),
                ..spec.clone()
            },
            registration: None,
            boot: BootInfo::default(),
            status: ConnectorStatus::Unknown,
            connectors: BTreeMap::new(),
            protocol: None,
            last_seen: None,
            last_seen_flushed: None,
            firmware_status: None,
            diagnostics_status: None,
        };
        point.apply_spec(spec);
        point
    }

    /// Takes the operator's definition, keeping the live status of connectors that remain.
    fn apply_spec(&mut self, spec: ChargePointSpec) {
        let mut connectors = BTreeMap::new();
        for c in &spec.connectors {
            let (status, error_code) = self
                .connectors
                .get(&c.connector_id)
                .map(|old| (old.status, old.error_code.clone()))
                .unwrap_or((ConnectorStatus::Unknown, None));
            connectors.insert(
                c.connector_id,
                Connector {
                    connector_type: c.connector_type,
                    max_power_kw: c.max_power_kw,
                    status,
                    error_code,
                },
            );
        }
        self.connectors = connectors;
        self.spec = spec;
    }

    pub fn is_connected(&self) -> bool {
        self.protocol.is_some()
    }
}

impl Fleet {
    pub fn load(records: Vec<ChargePointRecord>) -> Fleet {
        let fleet = Fleet::default();
        for record in records {
            let mut point = ChargePoint::new(record.spec);
            point.registration = record.registration;
            point.boot = record.boot;
            point.status = record.status;
            point.last_seen = record.last_seen;
            point.last_seen_flushed = record.last_seen;
            for (connector_id, status, error_code) in record.connector_status {
                if let Some(c) = point.connectors.get_mut(&connector_id) {
                    c.status = status;
                    c.error_code = error_code;
                }
            }
            fleet.points.insert(point.spec.id.clone(), point);
        }
        fleet
    }

    /// Creates or redefines a charge point (operator PUT or auto-registration).
    pub fn put(&self, spec: ChargePointSpec) {
        match self.points.get_mut(&spec.id) {
            Some(mut point) => point.apply_spec(spec),
            None => {
                self.points.insert(spec.id.clone(), ChargePoint::new(spec));
            }
        }
    }

    pub fn get(&self, id: &ChargePointId) -> Option<ChargePoint> {
        self.points.get(id).map(|p| p.clone())
    }

    pub fn contains(&self, id: &ChargePointId) -> bool {
        self.points.contains_key(id)
    }

    /// Every charge point, ordered by id.
    pub fn list(&self) -> Vec<ChargePoint> {
        let mut all: Vec<ChargePoint> = self.points.iter().map(|p| p.clone()).collect();
        all.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
        all
    }

    /// The password hash a connecting charge point must match: `None` when the id is unknown,
    /// `Some(None)` when it has no password.
    pub fn credentials(&self, id: &ChargePointId) -> Option<Option<String>> {
        self.points.get(id).map(|p| p.spec.password_hash.clone())
    }

    pub fn registration(&self, id: &ChargePointId) -> Option<RegistrationStatus> {
        self.points.get(id).and_then(|p| p.registration)
    }

    pub fn connected(&self, id: &ChargePointId, protocol: ocpp_j::Version, at: DateTime<Utc>) {
        if let Some(mut p) = self.points.get_mut(id) {
            p.protocol = Some(protocol);
            p.last_seen = Some(at);
        }
    }

    pub fn disconnected(&self, id: &ChargePointId) {
        if let Some(mut p) = self.points.get_mut(id) {
            p.protocol = None;
        }
    }

    pub fn seen(&self, id: &ChargePointId, at: DateTime<Utc>) {
        if let Some(mut p) = self.points.get_mut(id) {
            p.last_seen = Some(at);
        }
    }

    pub fn booted(&self, id: &ChargePointId, boot: BootInfo, registration: RegistrationStatus) {
        if let Some(mut p) = self.points.get_mut(id) {
            p.boot = boot;
            p.registration = Some(registration);
        }
    }

    /// Records a status report; connector 0 is the charge point itself. A connector the
    /// operator did not define is added untyped. Returns the change, if it was one.
    pub fn set_status(
        &self,
        id: &ChargePointId,
        connector_id: u32,
        status: ConnectorStatus,
        error_code: Option<String>,
    ) -> Option<StatusChange> {
        let mut p = self.points.get_mut(id)?;
        let slot = if connector_id == 0 {
            &mut p.status
        } else {
            let c = p.connectors.entry(connector_id).or_insert(Connector {
                connector_type: None,
                max_power_kw: None,
                status: ConnectorStatus::Unknown,
                error_code: None,
            });
            c.error_code = error_code;
            &mut c.status
        };
        let before = std::mem::replace(slot, status);
        (before != status).then_some(StatusChange {
            before,
            after: status,
        })
    }

    pub fn set_firmware_status(&self, id: &ChargePointId, status: &str) {
        if let Some(mut p) = self.points.get_mut(id) {
            p.firmware_status = Some(status.to_owned());
        }
    }

    pub fn set_diagnostics_status(&self, id: &ChargePointId, status: &str) {
        if let Some(mut p) = self.points.get_mut(id) {
            p.diagnostics_status = Some(status.to_owned());
        }
    }

    /// The last-seen times that changed since the previous call, for the write-behind.
    pub fn take_unflushed_last_seen(&self) -> Vec<(ChargePointId, DateTime<Utc>)> {
        let mut out = Vec::new();
        for mut p in self.points.iter_mut() {
            if let Some(at) = p.last_seen
                && p.last_seen_flushed != Some(at)
            {
                p.last_seen_flushed = Some(at);
                out.push((p.spec.id.clone(), at));
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::charge_points::ConnectorSpec;

    fn spec(id: &str, connectors: &[u32]) -> ChargePointSpec {
        ChargePointSpec {
            id: ChargePointId::parse(id).unwrap(),
            name: id.into(),
            address: "Calle Corrida 1, Gijón".into(),
            latitude: Some(43.54),
            longitude: Some(-5.66),
            password_hash: None,
            tariff_id: None,
            connectors: connectors
                .iter()
                .map(|&connector_id| ConnectorSpec {
                    connector_id,
                    connector_type: Some(ConnectorType::CCS2),
                    max_power_kw: Some(50.0),
                })
                .collect(),
        }
    }

    #[test]
    fn a_status_report_is_a_change_only_when_the_status_differs() {
        let fleet = Fleet::default();
        fleet.put(spec("CP1", &[1]));
        let id = ChargePointId::parse("CP1").unwrap();
        let change = fleet.set_status(&id, 1, ConnectorStatus::Available, None);
        assert_eq!(
            change,
            Some(StatusChange {
                before: ConnectorStatus::Unknown,
                after: ConnectorStatus::Available
            })
        );
        assert_eq!(
            fleet.set_status(&id, 1, ConnectorStatus::Available, None),
            None
        );
        assert!(
            fleet
                .set_status(&id, 0, ConnectorStatus::Available, None)
                .is_some()
        );
        assert_eq!(fleet.get(&id).unwrap().status, ConnectorStatus::Available);
    }

    #[test]
    fn redefining_a_charge_point_keeps_the_status_of_remaining_connectors() {
        let fleet = Fleet::default();
        fleet.put(spec("CP1", &[1, 2]));
        let id = ChargePointId::parse("CP1").unwrap();
        fleet.set_status(&id, 1, ConnectorStatus::Charging, None);
        fleet.put(spec("CP1", &[1, 3]));
        let point = fleet.get(&id).unwrap();
        assert_eq!(
            point.connectors.keys().copied().collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(point.connectors[&1].status, ConnectorStatus::Charging);
        assert_eq!(point.connectors[&3].status, ConnectorStatus::Unknown);
    }

    #[test]
    fn last_seen_is_flushed_once_per_change() {
        let fleet = Fleet::default();
        fleet.put(spec("CP1", &[]));
        let id = ChargePointId::parse("CP1").unwrap();
        assert!(fleet.take_unflushed_last_seen().is_empty());
        fleet.seen(&id, Utc::now());
        assert_eq!(fleet.take_unflushed_last_seen().len(), 1);
        assert!(fleet.take_unflushed_last_seen().is_empty());
    }
}
