//! The facts of a group commit that nobody's answer depends on but a boot's: new charge
//! points, boots, connector statuses and last-seen times. Merged per batch (only the latest
//! status of a connector is worth writing), then written a few multi-row statements at a
//! time; should the batch fail, [`Facts::split`] gives each fact its own write.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::store::{
    StoreError,
    charge_points::{BootInfo, ChargePointSpec},
    script::{Param, Script},
};
use crate::{
    clock::to_millis,
    domain::{ChargePointId, ConnectorStatus, RegistrationStatus},
};

type Reply = tokio::sync::oneshot::Sender<Result<(), StoreError>>;

/// A connector's status, its error code and when it was reported.
pub(super) type StatusFact = (ConnectorStatus, Option<String>, DateTime<Utc>);

/// Rows per multi-row statement of facts (at most 6 parameters each).
const FACTS_PER_STATEMENT: usize = 256;

/// A batch's facts that cannot clash with anything, written with one statement per kind (and
/// per [`FACTS_PER_STATEMENT`] rows), not one per fact: a reconnect storm brings thousands.
#[derive(Default)]
pub(super) struct Facts {
    registers: Vec<(ChargePointSpec, DateTime<Utc>)>,
    /// The latest boot of each charge point, with everyone who waits on one of its boots.
    boots: HashMap<ChargePointId, Boot>,
    /// Only the latest status of each connector is worth writing.
    statuses: HashMap<(ChargePointId, u32), StatusFact>,
    last_seen: HashMap<ChargePointId, DateTime<Utc>>,
}

struct Boot {
    info: BootInfo,
    registration: RegistrationStatus,
    replies: Vec<Reply>,
}

impl Facts {
    pub(super) fn register(&mut self, spec: ChargePointSpec, now: DateTime<Utc>) {
        self.registers.push((spec, now));
    }

    pub(super) fn boot(
        &mut self,
        id: ChargePointId,
        info: BootInfo,
        registration: RegistrationStatus,
        reply: Reply,
    ) {
        let boot = self.boots.entry(id).or_insert_with(|| Boot {
            info: BootInfo::default(),
            registration,
            replies: Vec::new(),
        });
        boot.info = info;
        boot.registration = registration;
        boot.replies.push(reply);
    }

    pub(super) fn status(&mut self, id: ChargePointId, connector_id: u32, fact: StatusFact) {
        self.statuses.insert((id, connector_id), fact);
    }

    pub(super) fn seen(&mut self, seen: Vec<(ChargePointId, DateTime<Utc>)>) {
        for (id, at) in seen {
            let latest = self.last_seen.entry(id).or_insert(at);
            *latest = (*latest).max(at);
        }
    }

    /// The waiters of these facts (boots'), to answer once they are written.
    pub(super) fn take_replies(&mut self) -> impl Iterator<Item = Reply> + use<> {
        let replies: Vec<Reply> = self
            .boots
            .values_mut()
            .flat_map(|b| std::mem::take(&mut b.replies))
            .collect();
        replies.into_iter()
    }

    /// Each fact on its own, in the order they must be written (new charge points first).
    pub(super) fn split(self) -> Vec<Facts> {
        let registers = self.registers.into_iter().map(|r| Facts {
            registers: vec![r],
            ..Facts::default()
        });
        let boots = self.boots.into_iter().map(|(id, boot)| Facts {
            boots: HashMap::from([(id, boot)]),
            ..Facts::default()
        });
        let statuses = self.statuses.into_iter().map(|(key, fact)| Facts {
            statuses: HashMap::from([(key, fact)]),
            ..Facts::default()
        });
        let seen = self.last_seen.into_iter().map(|(id, at)| Facts {
            last_seen: HashMap::from([(id, at)]),
            ..Facts::default()
        });
        registers.chain(boots).chain(statuses).chain(seen).collect()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.registers.is_empty()
            && self.boots.is_empty()
            && self.statuses.is_empty()
            && self.last_seen.is_empty()
    }

    /// Their statements, in an order that lets each find its row: new charge points first.
    pub(super) fn statements<'a>(&'a self, script: &mut Script<'a>) {
        // A connector the operator did not define (auto-registered chargers) is created
        // untyped by its first status, below.
        let registers = self.registers.iter().map(|(spec, now)| {
            [
                Param::Text(spec.id.as_str()),
                Param::Text(spec.name.as_str()),
                Param::Text(spec.address.as_str()),
                Param::Text(spec.approval.as_str()),
                Param::Int(to_millis(*now)),
                Param::Int(to_millis(*now)),
            ]
        });
        // An id the operator created meanwhile keeps the operator's definition.
        script.push_rows(FACTS_PER_STATEMENT, registers, |values| {
            format!(
                "INSERT INTO charge_points (id, name, address, approval, created_at_ms, updated_at_ms) \
                 VALUES {values} ON CONFLICT (id) DO NOTHING"
            )
        });
        let boots = self.boots.iter().map(
            |(
                id,
                Boot {
                    info, registration, ..
                },
            )| {
                [
                    Param::Text(id.as_str()),
                    Param::MaybeText(info.vendor.as_deref()),
                    Param::MaybeText(info.model.as_deref()),
                    Param::MaybeText(info.serial_number.as_deref()),
                    Param::MaybeText(info.firmware_version.as_deref()),
                    Param::Text(registration.as_str()),
                ]
            },
        );
        script.push_rows(FACTS_PER_STATEMENT, boots, |values| {
            format!(
                "WITH v (id, vendor, model, serial_number, firmware_version, registration_status) \
                     AS (VALUES {values}) \
                 UPDATE charge_points SET vendor = v.vendor, model = v.model, \
                     serial_number = v.serial_number, firmware_version = v.firmware_version, \
                     registration_status = v.registration_status \
                 FROM v WHERE charge_points.id = v.id"
            )
        });
        let whole =
            self.statuses
                .iter()
                .filter(|((_, n), _)| *n == 0)
                .map(|((id, _), (status, _, _))| {
                    [Param::Text(id.as_str()), Param::Text(status.as_str())]
                });
        script.push_rows(FACTS_PER_STATEMENT, whole, |values| {
            format!(
                "WITH v (id, status) AS (VALUES {values}) \
                 UPDATE charge_points SET status = v.status FROM v WHERE charge_points.id = v.id"
            )
        });
        let connectors = self.statuses.iter().filter(|((_, n), _)| *n != 0).map(
            |((id, connector_id), (status, error_code, at))| {
                [
                    Param::Text(id.as_str()),
                    Param::Int(i64::from(*connector_id)),
                    Param::Text(status.as_str()),
                    Param::MaybeText(error_code.as_deref()),
                    Param::Int(to_millis(*at)),
                ]
            },
        );
        script.push_rows(FACTS_PER_STATEMENT, connectors, |values| {
            format!(
                "WITH v (charge_point_id, connector_id, status, error_code, status_at_ms) \
                     AS (VALUES {values}) \
                 INSERT INTO connectors (charge_point_id, connector_id, status, error_code, status_at_ms) \
                 SELECT charge_point_id, connector_id, status, error_code, status_at_ms FROM v \
                 WHERE EXISTS (SELECT 1 FROM charge_points c WHERE c.id = v.charge_point_id) \
                 ON CONFLICT (charge_point_id, connector_id) DO UPDATE SET status = excluded.status, \
                     error_code = excluded.error_code, status_at_ms = excluded.status_at_ms"
            )
        });
        let seen = self
            .last_seen
            .iter()
            .map(|(id, at)| [Param::Text(id.as_str()), Param::Int(to_millis(*at))]);
        script.push_rows(FACTS_PER_STATEMENT, seen, |values| {
            format!(
                "WITH v (id, last_seen_ms) AS (VALUES {values}) \
                 UPDATE charge_points SET last_seen_ms = v.last_seen_ms \
                 FROM v WHERE charge_points.id = v.id"
            )
        });
    }
}
