//! One connector of a charge point: its plug and power, its energy register, and what is going
//! on at it (idle, a driver waiting for authorization, a charging session, a finished one with
//! the car still plugged in), plus the reservation, fault and availability that overlay it.
//! Its OCPP status is derived from that state, never stored, so it cannot drift.

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::curve::{self, Vehicle};
use super::types::{ConnectorKind, FaultCode, IdTag, Status};

/// A connector as built: its plug and its power.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectorSpec {
    #[serde(rename = "type")]
    pub kind: ConnectorKind,
    pub max_power_kw: f64,
}

/// A hold on a connector for one id tag, until it expires.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Reservation {
    pub id: i32,
    pub id_tag: IdTag,
    pub parent_id_tag: Option<IdTag>,
    pub expires_at: Instant,
}

impl Reservation {
    /// Whether `tag` may use the reserved connector (the tag itself, or its parent's group).
    pub fn admits(&self, tag: &IdTag, parent: Option<&IdTag>) -> bool {
        *tag == self.id_tag
            || (self.parent_id_tag.is_some() && self.parent_id_tag.as_ref() == parent)
    }
}

/// A running transaction.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Session {
    /// The driver's visit this session belongs to.
    pub visit: u64,
    /// Our own number for the transaction, until (and after) the central system gives its id.
    pub number: u64,
    pub id_tag: IdTag,
    pub vehicle: Vehicle,
    pub meter_start_wh: i64,
    /// The power drawn at the last update, in W.
    pub power_w: f64,
    /// Energy has been integrated up to here.
    pub updated_at: Instant,
    /// When the next periodic sample is due (none when sampling is off).
    pub next_sample: Option<Instant>,
}

/// What is happening at a connector.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Activity {
    Idle,
    /// A driver plugged in and presented a tag; Authorize is under way.
    Authorizing {
        visit: u64,
        id_tag: IdTag,
        vehicle: Vehicle,
    },
    Charging(Session),
    /// The transaction is over; the car is still plugged in.
    Finishing {
        visit: u64,
        vehicle: Vehicle,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Connector {
    pub id: u32,
    pub spec: ConnectorSpec,
    /// The energy register, in Wh (fractional, reported rounded down).
    pub meter_wh: f64,
    pub fault: FaultCode,
    pub operative: bool,
    /// ChangeAvailability Inoperative arrived during a transaction: applied when it ends.
    pub inoperative_when_idle: bool,
    pub reservation: Option<Reservation>,
    pub activity: Activity,
    /// The status (and error) last queued for the central system.
    pub reported: Option<(Status, FaultCode)>,
    /// The status last announced as an event.
    pub announced: Option<Status>,
}

impl Connector {
    pub fn new(id: u32, spec: ConnectorSpec) -> Connector {
        Connector {
            id,
            spec,
            meter_wh: 0.0,
            fault: FaultCode::NoError,
            operative: true,
            inoperative_when_idle: false,
            reservation: None,
            activity: Activity::Idle,
            reported: None,
            announced: None,
        }
    }

    pub fn max_power_w(&self) -> f64 {
        self.spec.max_power_kw * 1000.0
    }

    pub fn status(&self) -> Status {
        if self.fault != FaultCode::NoError {
            return Status::Faulted;
        }
        match &self.activity {
            Activity::Charging(s) if s.power_w > 0.0 => Status::Charging,
            Activity::Charging(_) => Status::SuspendedEv,
            Activity::Authorizing { .. } => Status::Preparing,
            Activity::Finishing { .. } => Status::Finishing,
            Activity::Idle if !self.operative => Status::Unavailable,
            Activity::Idle if self.reservation.is_some() => Status::Reserved,
            Activity::Idle => Status::Available,
        }
    }

    pub fn session(&self) -> Option<&Session> {
        match &self.activity {
            Activity::Charging(s) => Some(s),
            _ => None,
        }
    }

    /// The visit under way, if a car is plugged in.
    pub fn visit(&self) -> Option<u64> {
        match &self.activity {
            Activity::Idle => None,
            Activity::Authorizing { visit, .. } | Activity::Finishing { visit, .. } => Some(*visit),
            Activity::Charging(s) => Some(s.visit),
        }
    }

    /// Integrates the running session's energy up to `now`; `speed` compresses time.
    pub fn advance(&mut self, now: Instant, speed: f64) {
        let (kind, max_w) = (self.spec.kind, self.max_power_w());
        if let Activity::Charging(s) = &mut self.activity {
            let seconds = now.saturating_duration_since(s.updated_at).as_secs_f64() * speed;
            if seconds > 0.0 {
                self.meter_wh += curve::charge(kind, max_w, &mut s.vehicle, seconds);
                s.updated_at = now;
            }
            s.power_w = curve::power_w(kind, max_w, &s.vehicle);
        }
    }

    /// The register as reported: whole Wh.
    pub fn meter_reading(&self) -> i64 {
        self.meter_wh.floor() as i64
    }
}
