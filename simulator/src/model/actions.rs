//! What drivers (and the failures a tester injects) do at a connector: plug in and present a
//! tag, stop charging with the tag, unplug, leave; a connector faults and recovers. Each call
//! returns at once; what follows (Authorize, StartTransaction, …) goes through the outbox.

use tokio::time::Instant;

use super::ChargePoint;
use super::connector::Activity;
use super::curve::Vehicle;
use super::keys;
use super::messages::Request;
use super::observe::{ConnectorSnapshot, Snapshot};
use super::outbox::Message;
use super::types::{FaultCode, IdTag, StopReason};

/// Why a driver's action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("there is no connector {0}")]
    NoSuchConnector(u32),
    #[error("connector {0} is faulted")]
    Faulted(u32),
    #[error("connector {0} is unavailable")]
    Unavailable(u32),
    #[error("connector {0} is in use")]
    Occupied(u32),
    #[error("connector {0} is reserved for another id tag")]
    Reserved(u32),
    #[error("no transaction runs on connector {0}")]
    NotCharging(u32),
}

impl ChargePoint {
    fn index(&self, connector: u32) -> Result<usize, ActionError> {
        let i = (connector as usize).wrapping_sub(1);
        if i < self.connectors.len() {
            Ok(i)
        } else {
            Err(ActionError::NoSuchConnector(connector))
        }
    }

    /// A driver plugs `vehicle` into `connector` and presents `id_tag`. Returns the visit,
    /// which [`ChargePoint::leave`] ends. Authorization follows asynchronously: online through
    /// Authorize, offline from the local cache (LocalAuthorizeOffline).
    pub fn plug_in(
        &mut self,
        connector: u32,
        id_tag: IdTag,
        vehicle: Vehicle,
        now: Instant,
    ) -> Result<u64, ActionError> {
        let i = self.index(connector)?;
        let c = &self.connectors[i];
        if c.fault != FaultCode::NoError {
            return Err(ActionError::Faulted(connector));
        }
        if !c.operative {
            return Err(ActionError::Unavailable(connector));
        }
        if c.activity != Activity::Idle {
            return Err(ActionError::Occupied(connector));
        }
        if c.reservation
            .as_ref()
            .is_some_and(|r| !r.admits(&id_tag, None))
        {
            return Err(ActionError::Reserved(connector));
        }
        self.next_visit += 1;
        let visit = self.next_visit;
        self.connectors[i].activity = Activity::Authorizing {
            visit,
            id_tag: id_tag.clone(),
            vehicle,
        };
        // Preparing is reported before the tag is sent, as a real charger does.
        self.sync_statuses(now);
        if self.online && self.accepted() {
            self.outbox
                .push(Message::Plain(Request::Authorize { id_tag }));
        } else {
            self.authorize_offline(&id_tag, now);
            self.sync_statuses(now);
        }
        Ok(visit)
    }

    /// Starts a transaction without asking the central system (RemoteStart when
    /// AuthorizeRemoteTxRequests is false).
    pub(super) fn plug_in_authorized(&mut self, i: usize, id_tag: IdTag, now: Instant) -> u64 {
        self.next_visit += 1;
        let visit = self.next_visit;
        let authorize = self.keys.flag(keys::AUTHORIZE_REMOTE_TX_REQUESTS);
        if authorize && self.online && self.accepted() {
            self.connectors[i].activity = Activity::Authorizing {
                visit,
                id_tag: id_tag.clone(),
                vehicle: Vehicle::default(),
            };
            self.sync_statuses(now);
            self.outbox
                .push(Message::Plain(Request::Authorize { id_tag }));
        } else {
            self.start_session(i, visit, id_tag, Vehicle::default(), now);
        }
        visit
    }

    /// The cable is pulled: a running transaction stops (EVDisconnected) and the connector is
    /// free again.
    pub fn unplug(&mut self, connector: u32, now: Instant) -> Result<(), ActionError> {
        let i = self.index(connector)?;
        self.stop_session(i, StopReason::EvDisconnected, None, now);
        self.connectors[i].activity = Activity::Idle;
        self.settle_idle(i);
        self.sync_statuses(now);
        Ok(())
    }

    /// The driver of `visit` leaves: unplugs, if the car is still there. Whether it was.
    pub fn leave(&mut self, visit: u64, now: Instant) -> bool {
        let Some(c) = self.connectors.iter().find(|c| c.visit() == Some(visit)) else {
            return false;
        };
        let connector = c.id;
        self.unplug(connector, now).is_ok()
    }

    /// The driver presents the tag again: the transaction stops (Local), the car stays plugged.
    pub fn stop_charging(&mut self, connector: u32, now: Instant) -> Result<(), ActionError> {
        let i = self.index(connector)?;
        let id_tag = self.connectors[i]
            .session()
            .map(|s| s.id_tag.clone())
            .ok_or(ActionError::NotCharging(connector))?;
        if let Some((visit, vehicle)) = self.stop_session(i, StopReason::Local, Some(id_tag), now) {
            self.connectors[i].activity = Activity::Finishing { visit, vehicle };
        }
        self.sync_statuses(now);
        Ok(())
    }

    /// The connector faults: a running transaction stops (Other), a waiting driver gives up.
    pub fn fault(
        &mut self,
        connector: u32,
        code: FaultCode,
        now: Instant,
    ) -> Result<(), ActionError> {
        let i = self.index(connector)?;
        if let Some((visit, vehicle)) = self.stop_session(i, StopReason::Other, None, now) {
            self.connectors[i].activity = Activity::Finishing { visit, vehicle };
        }
        let c = &mut self.connectors[i];
        if matches!(c.activity, Activity::Authorizing { .. }) {
            c.activity = Activity::Idle;
        }
        c.fault = if code == FaultCode::NoError {
            FaultCode::OtherError
        } else {
            code
        };
        self.sync_statuses(now);
        Ok(())
    }

    /// The fault is repaired.
    pub fn clear_fault(&mut self, connector: u32, now: Instant) -> Result<(), ActionError> {
        let i = self.index(connector)?;
        self.connectors[i].fault = FaultCode::NoError;
        self.sync_statuses(now);
        Ok(())
    }

    /// The state of the charge point and its connectors.
    pub fn snapshot(&self) -> Snapshot {
        let connectors = (0..self.connectors.len())
            .map(|i| {
                let c = &self.connectors[i];
                let session = c.session();
                ConnectorSnapshot {
                    connector_id: c.id,
                    kind: c.spec.kind,
                    max_power_kw: c.spec.max_power_kw,
                    status: c.status(),
                    fault: c.fault,
                    meter_wh: c.meter_reading(),
                    visit: c.visit(),
                    id_tag: session.map(|s| s.id_tag.to_string()),
                    transaction_id: self.transaction_id(i),
                    power_w: session.map_or(0.0, |s| s.power_w),
                    soc: session.map(|s| s.vehicle.soc),
                    reservation_id: c.reservation.as_ref().map(|r| r.id),
                }
            })
            .collect();
        Snapshot {
            id: self.spec.id.clone(),
            online: self.online,
            registration: self.registration,
            heartbeat_interval_secs: self.keys.number(keys::HEARTBEAT_INTERVAL),
            security_profile: self.security.current.profile,
            has_certificate: self.security.current.certificate.is_some(),
            queued_transaction_messages: self.outbox.transactional(),
            connectors,
        }
    }
}
