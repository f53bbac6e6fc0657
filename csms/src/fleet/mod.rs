//! The in-memory picture of the fleet: every charge point's definition, registration, live
//! connector status and connection, loaded from the store at start and kept current by the
//! gateway. Pure and synchronous: no I/O, and no lock outlives a method call (a `DashMap`
//! shard lock, held only inside these methods, never across an `.await`).

pub mod availability;
mod changes;
pub mod grid;
mod live;

pub use changes::{Change, Changes, Outcome, Report};
pub use live::{Progress, Task};

use std::{
    collections::BTreeMap,
    sync::{
        RwLock,
        atomic::{AtomicUsize, Ordering},
    },
};

use chrono::{DateTime, Utc};
use dashmap::DashMap;

use crate::{
    domain::{ChargePointId, ConnectorStatus, ConnectorType, IdTag, RegistrationStatus},
    store::charge_points::{BootInfo, ChargePointRecord, ChargePointSpec, Credentials},
};
use grid::Grid;

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
    /// Whether the open socket came over TLS.
    pub over_tls: bool,
    pub last_seen: Option<DateTime<Utc>>,
    last_seen_flushed: Option<DateTime<Utc>>,
    pub firmware: Option<Progress>,
    pub diagnostics: Option<Progress>,
    pub log: Option<Progress>,
    /// The certificate pinned by SignCertificate (SHA-256, hex): under profile 3, the only
    /// one it may connect with.
    pub certificate_sha256: Option<String>,
    /// Credentials it is being moved to.
    pub changes: Changes,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Connector {
    pub connector_type: Option<ConnectorType>,
    pub max_power_kw: Option<f64>,
    pub status: ConnectorStatus,
    pub error_code: Option<String>,
    /// A reservation holding the connector: nobody else may take it.
    pub hold: Option<Hold>,
}

/// A reservation's claim on a connector.
#[derive(Debug, Clone, PartialEq)]
pub struct Hold {
    pub reservation_id: i64,
    pub id_tag: IdTag,
    pub until: DateTime<Utc>,
}

impl Connector {
    fn untyped() -> Connector {
        Connector {
            connector_type: None,
            max_power_kw: None,
            status: ConnectorStatus::Unknown,
            error_code: None,
            hold: None,
        }
    }
}

/// What the metrics count of the fleet.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StatusCounts {
    pub by_status: std::collections::HashMap<ConnectorStatus, i64>,
    pub free: i64,
    pub charge_points: i64,
}

/// A change in what a connector shows a driver: its status, or whether it is free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectorChange {
    /// 0: the charge point as a whole.
    pub connector_id: u32,
    pub before: ConnectorStatus,
    pub status: ConnectorStatus,
    pub free: bool,
}

#[derive(Debug, Default)]
pub struct Fleet {
    points: DashMap<ChargePointId, ChargePoint>,
    /// Where each located charge point is. Written only when one is placed or moved; the
    /// status hot path never touches it.
    grid: RwLock<Grid<ChargePointId>>,
    /// How many charge points have no credentials and are not rejected (auto-registered ones
    /// among them), kept beside the map so the handshake of an unknown id can bound their
    /// number without counting them all.
    uncredentialed: AtomicUsize,
}

/// Whether a charge point counts against the cap on those without credentials: a rejected one
/// does not (the operator has dealt with it).
fn uncredentialed(spec: &ChargePointSpec) -> bool {
    !spec.is_trusted() && spec.approval != RegistrationStatus::Rejected
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
            over_tls: false,
            last_seen: None,
            last_seen_flushed: None,
            firmware: None,
            diagnostics: None,
            log: None,
            certificate_sha256: None,
            changes: Changes::default(),
        };
        point.apply_spec(spec);
        point
    }

    /// Takes the operator's definition, keeping the live status of connectors that remain. A
    /// new approval (or credentials) needs a new BootNotification before anything else.
    fn apply_spec(&mut self, spec: ChargePointSpec) {
        if spec.approval != self.spec.approval || spec.password_hash != self.spec.password_hash {
            self.registration = None;
        }
        self.changes.follow_spec(
            spec.password_hash != self.spec.password_hash,
            spec.security_profile != self.spec.security_profile,
        );
        let mut connectors = BTreeMap::new();
        for c in &spec.connectors {
            let old = self
                .connectors
                .remove(&c.connector_id)
                .unwrap_or_else(Connector::untyped);
            connectors.insert(
                c.connector_id,
                Connector {
                    connector_type: c.connector_type,
                    max_power_kw: c.max_power_kw,
                    ..old
                },
            );
        }
        self.connectors = connectors;
        self.spec = spec;
    }

    pub fn is_connected(&self) -> bool {
        self.protocol.is_some()
    }

    fn location(&self) -> Option<(f64, f64)> {
        self.spec.latitude.zip(self.spec.longitude)
    }

    /// Whether a driver could take this connector now: available, online, not held.
    pub fn is_free(&self, connector: &Connector) -> bool {
        self.is_connected()
            && connector.status == ConnectorStatus::Available
            && connector.hold.is_none()
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
            point.certificate_sha256 = record.certificate_sha256;
            // Sent before a restart: it may have been taken, so it is taken as answered.
            point.changes.password = record.pending_password_hash.map(changes::Pending::sent);
            point.changes.profile = record.pending_security_profile.map(changes::Pending::sent);
            for (connector_id, status, error_code) in record.connector_status {
                if let Some(c) = point.connectors.get_mut(&connector_id) {
                    c.status = status;
                    c.error_code = error_code;
                }
            }
            fleet.place(&point.spec.id, None, point.location());
            if uncredentialed(&point.spec) {
                fleet.uncredentialed.fetch_add(1, Ordering::Relaxed);
            }
            fleet.points.insert(point.spec.id.clone(), point);
        }
        fleet
    }

    /// Moves a charge point in the spatial index.
    fn place(&self, id: &ChargePointId, from: Option<(f64, f64)>, to: Option<(f64, f64)>) {
        if from == to {
            return;
        }
        let mut grid = self.grid.write().expect("the grid lock is never poisoned");
        if let Some((lat, lon)) = from {
            grid.remove(id, lat, lon);
        }
        if let Some((lat, lon)) = to {
            grid.insert(id.clone(), lat, lon);
        }
    }

    /// Adds a charge point that connected under `--auto-register`, unless one with its id
    /// exists by now (the operator created it meanwhile): then it returns `false`.
    pub fn insert_new(&self, spec: ChargePointSpec) -> bool {
        let id = spec.id.clone();
        let to = spec.latitude.zip(spec.longitude);
        match self.points.entry(id.clone()) {
            dashmap::Entry::Occupied(_) => return false,
            dashmap::Entry::Vacant(slot) => {
                if uncredentialed(&spec) {
                    self.uncredentialed.fetch_add(1, Ordering::Relaxed);
                }
                slot.insert(ChargePoint::new(spec));
            }
        }
        self.place(&id, None, to);
        true
    }

    /// Creates or redefines a charge point (operator PUT). Returns the definition it replaced,
    /// read under the same lock as the write (`None`: it is new).
    pub fn put(&self, spec: ChargePointSpec) -> Option<ChargePointSpec> {
        let id = spec.id.clone();
        let to = spec.latitude.zip(spec.longitude);
        let now = uncredentialed(&spec);
        let (from, previous) = match self.points.entry(id.clone()) {
            dashmap::Entry::Occupied(mut entry) => {
                let point = entry.get_mut();
                let from = point.location();
                let previous = point.spec.clone();
                point.apply_spec(spec);
                (from, Some(previous))
            }
            dashmap::Entry::Vacant(slot) => {
                slot.insert(ChargePoint::new(spec));
                (None, None)
            }
        };
        self.recount(previous.as_ref().is_some_and(uncredentialed), now);
        self.place(&id, from, to);
        previous
    }

    /// Forgets a charge point (the operator deleted it); returns it, if it was there.
    pub fn remove(&self, id: &ChargePointId) -> Option<ChargePoint> {
        let (_, point) = self.points.remove(id)?;
        self.recount(uncredentialed(&point.spec), false);
        self.place(id, point.location(), None);
        Some(point)
    }

    /// Keeps the count of charge points without credentials when one changes from `was` to
    /// `now` counting.
    pub(super) fn recount(&self, was: bool, now: bool) {
        match (was, now) {
            (false, true) => {
                self.uncredentialed.fetch_add(1, Ordering::Relaxed);
            }
            (true, false) => {
                self.uncredentialed.fetch_sub(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }

    /// Sets the operator's decision on a charge point, keeping the rest of its definition;
    /// returns whether it exists. A new decision needs a new BootNotification.
    pub fn set_approval(&self, id: &ChargePointId, approval: RegistrationStatus) -> bool {
        let Some(mut point) = self.points.get_mut(id) else {
            return false;
        };
        if point.spec.approval != approval {
            let was = uncredentialed(&point.spec);
            point.spec.approval = approval;
            point.registration = None;
            self.recount(was, uncredentialed(&point.spec));
        }
        true
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

    /// What a connecting charge point must prove (its password hash and security profile);
    /// `None` when the id is unknown.
    pub fn credentials(&self, id: &ChargePointId) -> Option<Credentials> {
        self.points.get(id).map(|p| Credentials {
            certificate_sha256: p.certificate_sha256.clone(),
            pending_password_hash: p.changes.password.as_ref().map(|c| c.value.clone()),
            pending_security_profile: p.changes.profile.as_ref().map(|c| c.value),
            ..p.spec.credentials()
        })
    }

    /// Pins the certificate a charge point installed (see [`ChargePoint::certificate_sha256`]).
    pub fn pin_certificate(&self, id: &ChargePointId, sha256: String) {
        if let Some(mut p) = self.points.get_mut(id) {
            p.certificate_sha256 = Some(sha256);
        }
    }

    /// How many charge points have no credentials.
    pub fn uncredentialed(&self) -> usize {
        self.uncredentialed.load(Ordering::Relaxed)
    }

    /// The operator's decision on a charge point: what its BootNotification is answered.
    pub fn approval(&self, id: &ChargePointId) -> Option<RegistrationStatus> {
        self.points.get(id).map(|p| p.spec.approval)
    }

    /// Whether it may send anything but BootNotification: the operator accepts it, and so did
    /// the answer to its last boot (on this connection or an earlier one).
    pub fn is_accepted(&self, id: &ChargePointId) -> bool {
        self.points.get(id).is_some_and(|p| {
            p.spec.approval == RegistrationStatus::Accepted
                && p.registration == Some(RegistrationStatus::Accepted)
        })
    }

    /// Whether money may move at it (see [`ChargePointSpec::is_trusted`]).
    pub fn is_trusted(&self, id: &ChargePointId) -> bool {
        self.points.get(id).is_some_and(|p| p.spec.is_trusted())
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Connectors by status, free connectors and charge points, for the metrics.
    pub fn status_counts(&self) -> StatusCounts {
        let mut counts = StatusCounts::default();
        for p in self.points.iter() {
            counts.charge_points += 1;
            for c in p.connectors.values() {
                *counts.by_status.entry(c.status).or_default() += 1;
                counts.free += i64::from(p.is_free(c));
            }
        }
        counts
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

#[cfg(test)]
mod tests;
