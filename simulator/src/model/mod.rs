//! The charge point model: a sans-IO state machine per charge point. It is driven with events
//! (connected, disconnected, an answer, a CALL of the central system, a driver's action, the
//! passing of time) and says what to send next ([`ChargePoint::poll_transmit`]), when it next
//! needs waking ([`ChargePoint::poll_timeout`]), what happened ([`ChargePoint::poll_event`]) and
//! what it needs done to its connection ([`ChargePoint::poll_effect`]). It never reads a clock:
//! every method takes `now`, so tests drive it through paused tokio time and a fixed
//! [`WallClock`]. It speaks in [`messages`] terms; the protocol layer turns them into OCPP.
//!
//! Split by concern: this file holds the connection, the outbox and sending; `answers.rs` what
//! answers (or their absence) do; `timers.rs` what falls due; `sessions.rs` authorization and
//! transactions; `actions.rs` what drivers do at a connector; `commands.rs` the central
//! system's CALLs; `security.rs` its credentials and certificate.

pub mod actions;
mod answers;
mod commands;
pub mod connector;
pub mod curve;
pub mod keys;
pub mod messages;
pub mod observe;
mod outbox;
pub mod security;
mod sessions;
mod timers;
pub mod types;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::clock::WallClock;
use connector::{Connector, ConnectorSpec};
use keys::{Defaults, KeyStore};
use messages::{BootInfo, Request, RequestKind};
use observe::{Effect, Event};
use outbox::Outbox;
use types::{IdTag, Registration};

/// A charge point as built: who it is and its connectors (numbered from 1 in this order).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChargePointSpec {
    pub id: String,
    pub vendor: String,
    pub model: String,
    pub serial_number: Option<String>,
    pub firmware_version: Option<String>,
    pub connectors: Vec<ConnectorSpec>,
}

/// How a charge point behaves, beyond what the central system configures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// HeartbeatInterval until the boot answer sets one.
    pub heartbeat_interval_secs: u32,
    /// MeterValueSampleInterval (0: no periodic samples).
    pub meter_value_sample_interval_secs: u32,
    pub transaction_message_attempts: u32,
    pub transaction_message_retry_interval_secs: u32,
    /// How long a CALL of ours waits for its answer before it counts as lost.
    pub call_timeout: Duration,
    /// Boot retry when a Pending/Rejected answer gives no interval.
    pub boot_retry: Duration,
    /// From an accepted Reset to the reboot.
    pub reboot_delay: Duration,
    /// Time compression of charging: 60 makes a minute of real time charge like an hour.
    pub speed: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            heartbeat_interval_secs: 300,
            meter_value_sample_interval_secs: 60,
            transaction_message_attempts: 3,
            transaction_message_retry_interval_secs: 10,
            call_timeout: Duration::from_secs(30),
            boot_retry: Duration::from_secs(30),
            reboot_delay: Duration::from_secs(2),
            speed: 1.0,
        }
    }
}

/// A CALL to send: the sequence number is its message id.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub seq: u64,
    pub request: Request,
}

/// Why an outstanding CALL got no usable answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallFailure {
    #[error("no answer in time")]
    Timeout,
    #[error("CALLERROR {0}")]
    CallError(String),
    #[error("unreadable answer: {0}")]
    BadAnswer(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BootState {
    /// A BootNotification is to be sent once online, not before this.
    Due(Instant),
    InFlight,
    Accepted,
}

#[derive(Clone, Copy, Debug)]
struct Outstanding {
    seq: u64,
    kind: RequestKind,
    deadline: Instant,
    /// The boot (not in the outbox) or the outbox's front entry.
    boot: bool,
}

/// One virtual charge point.
#[derive(Debug)]
pub struct ChargePoint {
    spec: ChargePointSpec,
    settings: Settings,
    clock: WallClock,
    keys: KeyStore,
    connectors: Vec<Connector>,
    online: bool,
    boot: BootState,
    registration: Option<Registration>,
    outbox: Outbox,
    outstanding: Option<Outstanding>,
    next_seq: u64,
    next_heartbeat: Option<Instant>,
    /// Session number → the central system's transaction id, once StartTransaction is answered.
    transactions: BTreeMap<u64, Option<i32>>,
    next_number: u64,
    next_visit: u64,
    /// Tags the central system accepted: LocalAuthorizeOffline lets them charge while offline.
    auth_cache: Vec<IdTag>,
    /// Whether connector 0 (the charge point itself) was reported since the last boot.
    reported_itself: bool,
    reboot_at: Option<Instant>,
    events: VecDeque<Event>,
    effects: VecDeque<Effect>,
    security: security::Security,
}

impl ChargePoint {
    pub fn new(spec: ChargePointSpec, settings: Settings, clock: WallClock) -> ChargePoint {
        let keys = KeyStore::new(Defaults {
            heartbeat_interval_secs: settings.heartbeat_interval_secs,
            meter_value_sample_interval_secs: settings.meter_value_sample_interval_secs,
            transaction_message_attempts: settings.transaction_message_attempts,
            transaction_message_retry_interval_secs: settings
                .transaction_message_retry_interval_secs,
            connectors: spec.connectors.len(),
        });
        let connectors = (1..)
            .zip(&spec.connectors)
            .map(|(id, c)| Connector::new(id, *c))
            .collect();
        ChargePoint {
            spec,
            settings,
            clock,
            keys,
            connectors,
            online: false,
            boot: BootState::Due(clock.origin()),
            registration: None,
            outbox: Outbox::default(),
            outstanding: None,
            next_seq: 0,
            next_heartbeat: None,
            transactions: BTreeMap::new(),
            next_number: 0,
            next_visit: 0,
            auth_cache: Vec::new(),
            reported_itself: false,
            reboot_at: None,
            events: VecDeque::new(),
            effects: VecDeque::new(),
            security: security::Security::new(1, None),
        }
    }

    /// Starts under `profile` (1, 2 or 3) with `password` (sent under profiles 1 and 2).
    pub fn with_credentials(mut self, profile: u8, password: Option<String>) -> ChargePoint {
        let profile = profile.clamp(1, 3);
        self.keys
            .set_number(keys::SECURITY_PROFILE, u32::from(profile));
        self.security = security::Security::new(profile, password);
        self
    }

    pub fn id(&self) -> &str {
        &self.spec.id
    }

    pub fn spec(&self) -> &ChargePointSpec {
        &self.spec
    }

    pub fn is_online(&self) -> bool {
        self.online
    }

    fn accepted(&self) -> bool {
        self.boot == BootState::Accepted
    }

    /// The socket is open.
    pub fn on_connected(&mut self, now: Instant) {
        self.online = true;
        self.credentials_worked();
        self.events.push_back(Event::Connected);
        if self.accepted() {
            self.schedule_heartbeat(now);
            self.sync_statuses(now);
        } else {
            self.boot = BootState::Due(now);
        }
    }

    /// The socket is gone: the outstanding CALL is forgotten (a transaction message stays at the
    /// front of the outbox and is sent again), other messages are dropped.
    pub fn on_disconnected(&mut self, now: Instant) {
        if self.online {
            self.events.push_back(Event::Disconnected);
        }
        self.online = false;
        self.next_heartbeat = None;
        if self.outstanding.take().is_some_and(|o| o.boot) {
            self.boot = BootState::Due(now);
        }
        for message in self.outbox.keep_transactional() {
            self.abandon(message, now);
        }
    }

    /// The next CALL to send, if one may go now: one at a time, the boot first.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Call> {
        if !self.online || self.outstanding.is_some() {
            return None;
        }
        match self.boot {
            BootState::Due(at) if at <= now => {
                self.boot = BootState::InFlight;
                return Some(self.send(Request::Boot(self.boot_info()), true, now));
            }
            BootState::Accepted => {}
            _ => return None,
        }
        loop {
            let entry = self.outbox.front()?;
            if entry.not_before.is_some_and(|at| at > now) {
                return None;
            }
            let transaction_id = entry
                .message
                .session()
                .and_then(|n| self.transactions.get(&n).copied().flatten());
            match entry.message.request(transaction_id) {
                Some(request) => return Some(self.send(request, false, now)),
                None => {
                    // Its session's StartTransaction was given up on: it has no id to carry.
                    if let Some(entry) = self.outbox.pop() {
                        self.events
                            .push_back(Event::MessageDropped(entry.message.kind()));
                    }
                }
            }
        }
    }

    fn send(&mut self, request: Request, boot: bool, now: Instant) -> Call {
        self.next_seq += 1;
        self.outstanding = Some(Outstanding {
            seq: self.next_seq,
            kind: request.kind(),
            deadline: now + self.settings.call_timeout,
            boot,
        });
        Call {
            seq: self.next_seq,
            request,
        }
    }

    /// The kind of the CALL awaiting an answer, with its sequence number.
    pub fn outstanding(&self) -> Option<(u64, RequestKind)> {
        self.outstanding.map(|o| (o.seq, o.kind))
    }

    fn boot_info(&self) -> BootInfo {
        BootInfo {
            vendor: self.spec.vendor.clone(),
            model: self.spec.model.clone(),
            serial_number: self.spec.serial_number.clone(),
            firmware_version: self.spec.firmware_version.clone(),
        }
    }

    /// The next event, in order.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next effect asked of the connection's owner.
    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    pub fn keys(&self) -> &KeyStore {
        &self.keys
    }
}
