//! The passing of time: when the model next needs waking, and what is due then (the lost
//! answer's timeout, heartbeats, periodic meter samples, reservation expiry, the reboot after a
//! Reset), plus the status reports that follow any change.

use std::time::Duration;

use tokio::time::Instant;

use super::connector::Activity;
use super::messages::{Request, Sample};
use super::observe::{Effect, Event};
use super::outbox::Message;
use super::types::{FaultCode, SampleContext, Status};
use super::{BootState, CallFailure, ChargePoint, keys};

/// While a vehicle draws power the model wakes this often, to notice it reaching its target.
const CHARGING_TICK: Duration = Duration::from_secs(1);

impl ChargePoint {
    /// When the model next needs [`ChargePoint::on_tick`], if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        consider(self.outstanding.map(|o| o.deadline));
        if self.online && self.outstanding.is_none() {
            match self.boot {
                BootState::Due(at) => consider(Some(at)),
                BootState::Accepted => consider(self.outbox.front().and_then(|e| e.not_before)),
                BootState::InFlight => {}
            }
        }
        consider(self.next_heartbeat);
        consider(self.reboot_at);
        for c in &self.connectors {
            consider(c.reservation.as_ref().map(|r| r.expires_at));
            if let Some(s) = c.session() {
                consider(s.next_sample);
                if s.power_w > 0.0 {
                    consider(Some(s.updated_at + CHARGING_TICK));
                }
            }
        }
        next
    }

    /// Does whatever is due at `now`.
    pub fn on_tick(&mut self, now: Instant) {
        if let Some(o) = self.outstanding.filter(|o| o.deadline <= now) {
            self.on_answer(o.seq, Err(CallFailure::Timeout), now);
        }
        if self.reboot_at.is_some_and(|at| at <= now) {
            self.reboot_at = None;
            self.effects.push_back(Effect::Reconnect);
            self.boot = BootState::Due(now);
        }
        if self.next_heartbeat.is_some_and(|at| at <= now) {
            if self.online
                && self.accepted()
                && !self.outbox.has_plain(|r| *r == Request::Heartbeat)
            {
                self.outbox.push(Message::Plain(Request::Heartbeat));
            }
            self.schedule_heartbeat(now);
        }
        let interval = self.sample_interval();
        let mut due = Vec::new();
        for c in &mut self.connectors {
            c.advance(now, self.settings.speed);
            if let Some(r) = c.reservation.take_if(|r| r.expires_at <= now) {
                self.events.push_back(Event::ReservationExpired {
                    connector: c.id,
                    reservation_id: r.id,
                });
            }
            if let Activity::Charging(s) = &mut c.activity
                && s.next_sample.is_some_and(|at| at <= now)
            {
                s.next_sample = interval.map(|i| now + i);
                due.push(c.id);
            }
        }
        for connector in due {
            self.push_sample(connector, SampleContext::Periodic, now);
        }
        self.sync_statuses(now);
    }

    /// MeterValueSampleInterval, if sampling is on.
    pub(super) fn sample_interval(&self) -> Option<Duration> {
        match self.keys.number(keys::METER_VALUE_SAMPLE_INTERVAL) {
            0 => None,
            secs => Some(Duration::from_secs(u64::from(secs))),
        }
    }

    pub(super) fn schedule_heartbeat(&mut self, now: Instant) {
        let secs = self.keys.number(keys::HEARTBEAT_INTERVAL);
        self.next_heartbeat =
            (self.online && secs > 0).then(|| now + Duration::from_secs(u64::from(secs)));
    }

    /// A reading of connector `id` (its energy integrated up to `now`).
    pub(super) fn sample(&mut self, id: u32, context: SampleContext, now: Instant) -> Sample {
        let (power, soc) = (
            self.keys.samples("Power.Active.Import"),
            self.keys.samples("SoC"),
        );
        let at = self.clock.at(now);
        let c = &mut self.connectors[id as usize - 1];
        c.advance(now, self.settings.speed);
        let session = c.session();
        Sample {
            at,
            context,
            energy_wh: c.meter_reading(),
            power_w: power.then(|| session.map_or(0, |s| s.power_w.round() as u32)),
            soc_percent: soc
                .then(|| session.map(|s| (s.vehicle.soc * 100.0).round() as u8))
                .flatten(),
        }
    }

    /// Queues a MeterValues of connector `id`'s session, if it has one.
    pub(super) fn push_sample(&mut self, id: u32, context: SampleContext, now: Instant) {
        let Some(number) = self.connectors[id as usize - 1].session().map(|s| s.number) else {
            return;
        };
        let sample = self.sample(id, context, now);
        self.outbox.push(Message::Meter {
            number,
            connector: id,
            sample,
        });
    }

    /// Reports every status that changed: an event always, a StatusNotification when the
    /// central system can hear it (otherwise at the next reconnect or boot).
    pub(super) fn sync_statuses(&mut self, now: Instant) {
        let reporting = self.online && self.accepted();
        let at = self.clock.at(now);
        if reporting && !self.reported_itself {
            self.reported_itself = true;
            self.outbox.push(Message::Plain(Request::Status {
                connector: 0,
                status: Status::Available,
                fault: FaultCode::NoError,
                at,
            }));
        }
        for c in &mut self.connectors {
            let now_status = (c.status(), c.fault);
            if c.announced != Some(now_status.0) {
                c.announced = Some(now_status.0);
                self.events.push_back(Event::StatusChanged {
                    connector: c.id,
                    status: now_status.0,
                });
            }
            if reporting && c.reported != Some(now_status) {
                c.reported = Some(now_status);
                self.outbox.push(Message::Plain(Request::Status {
                    connector: c.id,
                    status: now_status.0,
                    fault: now_status.1,
                    at,
                }));
            }
        }
    }
}
