//! Charging sessions: authorization (online, or from the local cache when offline), starting and
//! stopping a transaction, and what the central system's answers to those messages change.

use tokio::time::Instant;

use super::connector::{Activity, Session};
use super::curve::{self, Vehicle};
use super::messages::{Answer, Request};
use super::observe::Event;
use super::outbox::Message;
use super::types::{AuthStatus, IdTag, SampleContext, StopReason};
use super::{ChargePoint, keys};

impl ChargePoint {
    /// The answer to a message that has left the outbox.
    pub(super) fn delivered(&mut self, message: Message, answer: Answer, now: Instant) {
        match (message, answer) {
            (Message::Plain(Request::Authorize { id_tag }), Answer::Authorize { status }) => {
                self.authorized(&id_tag, status, now);
            }
            (
                Message::Plain(Request::Boot(_)),
                Answer::Boot {
                    status,
                    interval_secs,
                },
            ) => self.booted(status, interval_secs, now),
            (
                Message::Plain(Request::SignCertificate { .. }),
                Answer::SignCertificate { accepted },
            ) => self.sign_certificate_answered(accepted),
            (
                Message::Start { number, request },
                Answer::StartTransaction {
                    transaction_id,
                    status,
                },
            ) => self.started(number, &request, transaction_id, status, now),
            (
                Message::Stop {
                    number,
                    meter_start_wh,
                    meter_stop_wh,
                    reason,
                    ..
                },
                _,
            ) => {
                if let Some(Some(transaction_id)) = self.transactions.remove(&number) {
                    self.events.push_back(Event::TransactionStopped {
                        transaction_id,
                        meter_stop_wh,
                        energy_wh: meter_stop_wh - meter_start_wh,
                        reason,
                    });
                }
            }
            _ => {}
        }
    }

    fn started(
        &mut self,
        number: u64,
        request: &Request,
        transaction_id: i32,
        status: AuthStatus,
        now: Instant,
    ) {
        self.transactions.insert(number, Some(transaction_id));
        let Request::StartTransaction {
            connector, id_tag, ..
        } = request
        else {
            return;
        };
        self.events.push_back(Event::TransactionStarted {
            connector: *connector,
            transaction_id,
            status,
        });
        if status == AuthStatus::Accepted {
            self.remember(id_tag);
            return;
        }
        if !self.keys.flag(keys::STOP_TRANSACTION_ON_INVALID_ID) {
            return;
        }
        let running = self
            .connectors
            .iter()
            .position(|c| c.session().is_some_and(|s| s.number == number));
        if let Some(i) = running
            && let Some((visit, vehicle)) =
                self.stop_session(i, StopReason::DeAuthorized, None, now)
        {
            self.connectors[i].activity = Activity::Finishing { visit, vehicle };
        }
    }

    fn remember(&mut self, id_tag: &IdTag) {
        if !self.auth_cache.contains(id_tag) {
            self.auth_cache.push(id_tag.clone());
        }
    }

    fn authorizing(&self, id_tag: &IdTag) -> Option<usize> {
        self.connectors.iter().position(
            |c| matches!(&c.activity, Activity::Authorizing { id_tag: t, .. } if t == id_tag),
        )
    }

    /// The central system answered a driver's tag.
    fn authorized(&mut self, id_tag: &IdTag, status: AuthStatus, now: Instant) {
        let Some(i) = self.authorizing(id_tag) else {
            return; // the driver left meanwhile
        };
        self.events.push_back(Event::Authorized {
            connector: self.connectors[i].id,
            id_tag: id_tag.clone(),
            status,
        });
        if status == AuthStatus::Accepted {
            self.remember(id_tag);
            self.begin(i, now);
        } else {
            self.connectors[i].activity = Activity::Idle;
            self.settle_idle(i);
        }
    }

    /// Authorize could not reach the central system: LocalAuthorizeOffline decides.
    pub(super) fn authorize_offline(&mut self, id_tag: &IdTag, now: Instant) {
        let Some(i) = self.authorizing(id_tag) else {
            return;
        };
        if self.keys.flag(keys::LOCAL_AUTHORIZE_OFFLINE) && self.auth_cache.contains(id_tag) {
            self.begin(i, now);
            return;
        }
        self.events.push_back(Event::Authorized {
            connector: self.connectors[i].id,
            id_tag: id_tag.clone(),
            status: AuthStatus::Invalid,
        });
        self.connectors[i].activity = Activity::Idle;
        self.settle_idle(i);
    }

    /// Starts the transaction of the authorized driver at connector index `i`.
    pub(super) fn begin(&mut self, i: usize, now: Instant) {
        let Activity::Authorizing {
            visit,
            id_tag,
            vehicle,
        } = std::mem::replace(&mut self.connectors[i].activity, Activity::Idle)
        else {
            return;
        };
        self.start_session(i, visit, id_tag, vehicle, now);
    }

    /// Opens a transaction at connector index `i` and queues its StartTransaction.
    pub(super) fn start_session(
        &mut self,
        i: usize,
        visit: u64,
        id_tag: IdTag,
        vehicle: Vehicle,
        now: Instant,
    ) {
        self.next_number += 1;
        let number = self.next_number;
        self.transactions.insert(number, None);
        let next_sample = self.sample_interval().map(|i| now + i);
        let at = self.clock.at(now);
        let c = &mut self.connectors[i];
        let reservation_id = c
            .reservation
            .take_if(|r| r.admits(&id_tag, None))
            .map(|r| r.id);
        let meter_start_wh = c.meter_reading();
        let request = Request::StartTransaction {
            connector: c.id,
            id_tag: id_tag.clone(),
            meter_start_wh,
            reservation_id,
            at,
            local_id: super::messages::local_transaction_id(at, c.id),
        };
        c.activity = Activity::Charging(Session {
            visit,
            number,
            power_w: curve::power_w(c.spec.kind, c.max_power_w(), &vehicle),
            id_tag,
            vehicle,
            meter_start_wh,
            updated_at: now,
            next_sample,
        });
        self.outbox.push(Message::Start { number, request });
    }

    /// Ends the transaction at connector index `i` and queues its StopTransaction. The
    /// connector is left idle; the caller decides whether the car is still plugged in.
    /// Returns the visit and the vehicle, if a transaction was running.
    pub(super) fn stop_session(
        &mut self,
        i: usize,
        reason: StopReason,
        id_tag: Option<IdTag>,
        now: Instant,
    ) -> Option<(u64, Vehicle)> {
        let id = self.connectors[i].id;
        self.connectors[i].session()?;
        let sample = self.sample(id, SampleContext::TransactionEnd, now);
        let c = &mut self.connectors[i];
        let Activity::Charging(session) = std::mem::replace(&mut c.activity, Activity::Idle) else {
            return None;
        };
        self.outbox.push(Message::Stop {
            number: session.number,
            meter_start_wh: session.meter_start_wh,
            id_tag,
            meter_stop_wh: sample.energy_wh,
            at: sample.at,
            reason,
            sample: Some(sample),
        });
        Some((session.visit, session.vehicle))
    }

    /// A connector that became idle takes a ChangeAvailability that waited for it.
    pub(super) fn settle_idle(&mut self, i: usize) {
        let c = &mut self.connectors[i];
        if c.activity == Activity::Idle && c.inoperative_when_idle {
            c.inoperative_when_idle = false;
            c.operative = false;
        }
    }

    /// The central system's id of the transaction running at connector index `i`.
    pub(super) fn transaction_id(&self, i: usize) -> Option<i32> {
        let number = self.connectors[i].session()?.number;
        self.transactions.get(&number).copied().flatten()
    }
}
