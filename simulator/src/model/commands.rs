//! The central system's CALLs: reservations, remote start and stop, reset, unlock,
//! availability, configuration (a new password or security profile included), triggered
//! messages, the certificate signed for us and data transfer. Each is answered at once
//! with a [`Reply`]; what it sets in motion (a StatusNotification, a transaction) goes through
//! the outbox like everything else.

use std::time::Duration;

use tokio::time::Instant;

use super::ChargePoint;
use super::connector::{Activity, Reservation};
use super::keys;
use super::messages::{
    AvailabilityOutcome, ChangeOutcome, Command, DataTransferOutcome, Reply, Request,
    ReservationOutcome, Trigger, TriggerOutcome, UnlockOutcome,
};
use super::outbox::Message;
use super::types::{FaultCode, IdTag, SampleContext, Status, StopReason};

/// The DataTransfer message id we answer (with the data echoed); others are unknown.
pub const ECHO_MESSAGE_ID: &str = "Echo";

impl ChargePoint {
    /// Answers a CALL of the central system.
    pub fn on_command(&mut self, command: Command, now: Instant) -> Reply {
        let reply = match command {
            Command::ReserveNow {
                connector,
                expiry,
                id_tag,
                parent_id_tag,
                reservation_id,
            } => {
                let expires_at =
                    (expiry > self.clock.at(now)).then(|| self.clock.instant_of(expiry));
                Reply::Reservation(self.reserve(
                    connector,
                    expires_at,
                    id_tag,
                    parent_id_tag,
                    reservation_id,
                ))
            }
            Command::CancelReservation { reservation_id } => {
                let held = self
                    .connectors
                    .iter_mut()
                    .find_map(|c| c.reservation.take_if(|r| r.id == reservation_id));
                Reply::Accepted(held.is_some())
            }
            Command::RemoteStart { connector, id_tag } => {
                Reply::Accepted(self.remote_start(connector, id_tag, now))
            }
            Command::RemoteStop { transaction_id } => {
                let running = (0..self.connectors.len())
                    .find(|&i| self.transaction_id(i) == Some(transaction_id));
                if let Some(i) = running
                    && let Some((visit, vehicle)) =
                        self.stop_session(i, StopReason::Remote, None, now)
                {
                    self.connectors[i].activity = Activity::Finishing { visit, vehicle };
                }
                Reply::Accepted(running.is_some())
            }
            Command::Reset { hard } => {
                let reason = if hard {
                    StopReason::HardReset
                } else {
                    StopReason::SoftReset
                };
                for i in 0..self.connectors.len() {
                    self.stop_session(i, reason, None, now);
                    self.connectors[i].activity = Activity::Idle;
                    self.settle_idle(i);
                }
                self.reboot_at = Some(now + self.settings.reboot_delay);
                Reply::Accepted(true)
            }
            Command::Unlock { connector } => match self.index_of(connector) {
                None => Reply::Unlock(UnlockOutcome::NotSupported),
                Some(i) => {
                    self.stop_session(i, StopReason::UnlockCommand, None, now);
                    self.connectors[i].activity = Activity::Idle;
                    self.settle_idle(i);
                    Reply::Unlock(UnlockOutcome::Unlocked)
                }
            },
            Command::ChangeAvailability {
                connector,
                operative,
            } => Reply::Availability(self.change_availability(connector, operative)),
            Command::GetConfiguration { keys } => {
                let (known, unknown) = self.keys.get(keys.as_deref());
                Reply::Configuration { known, unknown }
            }
            Command::ChangeConfiguration { key, value }
                if key.eq_ignore_ascii_case(keys::AUTHORIZATION_KEY) =>
            {
                Reply::ConfigurationChange(self.change_password(&value))
            }
            Command::ChangeConfiguration { key, value }
                if key.eq_ignore_ascii_case(keys::SECURITY_PROFILE) =>
            {
                Reply::ConfigurationChange(self.change_profile(&value))
            }
            Command::ChangeConfiguration { key, value } => {
                let outcome = self.keys.change(&key, &value);
                if outcome == ChangeOutcome::Accepted {
                    self.configuration_changed(&key, now);
                }
                Reply::ConfigurationChange(outcome)
            }
            Command::Trigger { message, connector } => {
                Reply::Trigger(self.trigger(message, connector, now))
            }
            Command::CertificateSigned { chain } => {
                Reply::Accepted(self.certificate_signed(chain, now))
            }
            Command::DataTransfer {
                vendor_id,
                message_id,
                data,
            } => {
                let status = if vendor_id != self.spec.vendor {
                    DataTransferOutcome::UnknownVendorId
                } else if message_id.as_deref() == Some(ECHO_MESSAGE_ID) {
                    DataTransferOutcome::Accepted
                } else {
                    DataTransferOutcome::UnknownMessageId
                };
                let data = (status == DataTransferOutcome::Accepted)
                    .then_some(data)
                    .flatten();
                Reply::DataTransfer { status, data }
            }
        };
        self.sync_statuses(now);
        reply
    }

    fn index_of(&self, connector: u32) -> Option<usize> {
        let i = (connector as usize).wrapping_sub(1);
        (i < self.connectors.len()).then_some(i)
    }

    fn reserve(
        &mut self,
        connector: u32,
        expires_at: Option<Instant>,
        id_tag: IdTag,
        parent_id_tag: Option<IdTag>,
        reservation_id: i32,
    ) -> ReservationOutcome {
        // ReserveConnectorZeroSupported is false: a reservation names its connector.
        let (Some(i), Some(expires_at)) = (self.index_of(connector), expires_at) else {
            return ReservationOutcome::Rejected;
        };
        let c = &self.connectors[i];
        match c.status() {
            Status::Faulted => return ReservationOutcome::Faulted,
            Status::Unavailable => return ReservationOutcome::Unavailable,
            Status::Available => {}
            Status::Reserved
                if c.reservation
                    .as_ref()
                    .is_some_and(|r| r.id == reservation_id) => {}
            _ => return ReservationOutcome::Occupied,
        }
        // A reservation id names one hold: a new ReserveNow with it replaces the old one.
        for c in &mut self.connectors {
            c.reservation.take_if(|r| r.id == reservation_id);
        }
        self.connectors[i].reservation = Some(Reservation {
            id: reservation_id,
            id_tag,
            parent_id_tag,
            expires_at,
        });
        ReservationOutcome::Accepted
    }

    fn remote_start(&mut self, connector: Option<u32>, id_tag: IdTag, now: Instant) -> bool {
        let usable = |c: &super::connector::Connector| {
            c.fault == FaultCode::NoError
                && c.operative
                && c.activity == Activity::Idle
                && c.reservation
                    .as_ref()
                    .is_none_or(|r| r.admits(&id_tag, None))
        };
        let chosen = match connector {
            Some(n) => self.index_of(n).filter(|&i| usable(&self.connectors[i])),
            None => self.connectors.iter().position(usable),
        };
        let Some(i) = chosen else {
            return false;
        };
        self.plug_in_authorized(i, id_tag, now);
        true
    }

    fn change_availability(&mut self, connector: u32, operative: bool) -> AvailabilityOutcome {
        let targets: Vec<usize> = match connector {
            0 => (0..self.connectors.len()).collect(),
            n => match self.index_of(n) {
                Some(i) => vec![i],
                None => return AvailabilityOutcome::Rejected,
            },
        };
        let mut scheduled = false;
        for i in targets {
            let c = &mut self.connectors[i];
            if operative {
                c.operative = true;
                c.inoperative_when_idle = false;
            } else if c.activity == Activity::Idle {
                c.operative = false;
            } else {
                c.inoperative_when_idle = true;
                scheduled = true;
            }
        }
        if scheduled {
            AvailabilityOutcome::Scheduled
        } else {
            AvailabilityOutcome::Accepted
        }
    }

    /// `key` changed: the timer that depends on it follows, at once when it got shorter.
    fn configuration_changed(&mut self, key: &str, now: Instant) {
        if key.eq_ignore_ascii_case(keys::HEARTBEAT_INTERVAL) {
            let heartbeat =
                Duration::from_secs(u64::from(self.keys.number(keys::HEARTBEAT_INTERVAL)));
            let due = self
                .next_heartbeat
                .map(|at| at.saturating_duration_since(now));
            if due.is_none_or(|d| d > heartbeat) {
                self.schedule_heartbeat(now);
            }
        } else if key.eq_ignore_ascii_case(keys::METER_VALUE_SAMPLE_INTERVAL) {
            let interval = self.sample_interval();
            for c in &mut self.connectors {
                if let Activity::Charging(s) = &mut c.activity {
                    let due = s.next_sample.map(|at| at.saturating_duration_since(now));
                    if due.is_none() || interval.is_none_or(|i| due.is_some_and(|d| d > i)) {
                        s.next_sample = interval.map(|i| now + i);
                    }
                }
            }
        }
    }

    fn trigger(
        &mut self,
        message: Trigger,
        connector: Option<u32>,
        now: Instant,
    ) -> TriggerOutcome {
        if connector.is_some_and(|n| n != 0 && self.index_of(n).is_none()) {
            return TriggerOutcome::Rejected;
        }
        let connectors: Vec<u32> = match connector {
            Some(n) if n != 0 => vec![n],
            _ => self.connectors.iter().map(|c| c.id).collect(),
        };
        let at = self.clock.at(now);
        match message {
            Trigger::Boot => self
                .outbox
                .push(Message::Plain(Request::Boot(self.boot_info()))),
            Trigger::Heartbeat => self.outbox.push(Message::Plain(Request::Heartbeat)),
            Trigger::FirmwareStatus => self
                .outbox
                .push(Message::Plain(Request::FirmwareStatusIdle)),
            Trigger::DiagnosticsStatus => self
                .outbox
                .push(Message::Plain(Request::DiagnosticsStatusIdle)),
            Trigger::LogStatus => self.outbox.push(Message::Plain(Request::LogStatusIdle)),
            Trigger::SignedFirmwareStatus => self
                .outbox
                .push(Message::Plain(Request::SignedFirmwareStatusIdle)),
            Trigger::SignCertificate => return self.request_certificate(),
            Trigger::Status => {
                if connector.is_none_or(|n| n == 0) {
                    self.outbox.push(Message::Plain(Request::Status {
                        connector: 0,
                        status: Status::Available,
                        fault: FaultCode::NoError,
                        at,
                    }));
                }
                for id in connectors {
                    let c = &self.connectors[id as usize - 1];
                    let request = Request::Status {
                        connector: id,
                        status: c.status(),
                        fault: c.fault,
                        at,
                    };
                    self.outbox.push(Message::Plain(request));
                }
            }
            Trigger::MeterValues => {
                for id in connectors {
                    let transaction_id = self.transaction_id(id as usize - 1);
                    let sample = self.sample(id, SampleContext::Trigger, now);
                    let request = Request::MeterValues {
                        connector: id,
                        transaction_id,
                        sample,
                    };
                    self.outbox.push(Message::Plain(request));
                }
            }
        }
        TriggerOutcome::Accepted
    }
}
