//! Unit tests of the charge point state machine, on paused tokio time: a [`Rig`] plays the
//! central system by hand (answering each CALL as a test says) and moves time with
//! `tokio::time::advance`, never sleeping.

mod boot;
mod commands;
mod configuration;
mod offline;
mod reservation;
mod security;
mod session;

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use super::connector::ConnectorSpec;
use super::messages::{Answer, Command, Request};
use super::observe::Event;
use super::types::{AuthStatus, ConnectorKind, IdTag, Registration, Status};
use super::{Call, ChargePoint, ChargePointSpec, Settings};
use crate::clock::WallClock;

pub(super) const START: &str = "2026-11-24T10:00:00Z";

pub(super) fn tag(s: &str) -> IdTag {
    IdTag::parse(s).unwrap()
}

pub(super) fn settings() -> Settings {
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

/// A charge point with a 50 kW CCS2 connector (1) and a 22 kW Type2 one (2), and the hand
/// that plays its central system.
pub(super) struct Rig {
    pub cp: ChargePoint,
    pub events: Vec<Event>,
}

impl Rig {
    pub fn new() -> Rig {
        Rig::with(settings())
    }

    pub fn with(settings: Settings) -> Rig {
        let spec = ChargePointSpec {
            id: "GIJ-TEST-01".into(),
            vendor: "CITERE-SIM".into(),
            model: "Virtual".into(),
            serial_number: None,
            firmware_version: None,
            connectors: vec![
                ConnectorSpec {
                    kind: ConnectorKind::CCS2,
                    max_power_kw: 50.0,
                },
                ConnectorSpec {
                    kind: ConnectorKind::Type2,
                    max_power_kw: 22.0,
                },
            ],
        };
        let start: DateTime<Utc> = START.parse().unwrap();
        let clock = WallClock::anchored(Instant::now(), start);
        Rig {
            cp: ChargePoint::new(spec, settings, clock),
            events: Vec::new(),
        }
    }

    /// Connected and booted (Accepted, heartbeat every 60 s), the first statuses answered.
    pub fn booted() -> Rig {
        let mut rig = Rig::new();
        rig.cp.on_connected(Instant::now());
        let boot = rig.expect();
        assert!(matches!(boot.request, Request::Boot(_)), "{boot:?}");
        rig.answer(
            &boot,
            Answer::Boot {
                status: Registration::Accepted,
                interval_secs: 60,
            },
        );
        let statuses = rig.ack_all();
        assert_eq!(statuses.len(), 3, "connectors 0, 1 and 2: {statuses:?}");
        rig
    }

    /// [`Rig::booted`] with heartbeats off, so that only what a test provokes is sent.
    pub fn quiet() -> Rig {
        let mut rig = Rig::booted();
        let off = Command::ChangeConfiguration {
            key: "HeartbeatInterval".into(),
            value: "0".into(),
        };
        rig.cp.on_command(off, Instant::now());
        rig
    }

    /// The next CALL, if one may go now.
    pub fn next(&mut self) -> Option<Call> {
        let call = self.cp.poll_transmit(Instant::now());
        self.collect();
        call
    }

    pub fn expect(&mut self) -> Call {
        self.next().expect("a CALL to send")
    }

    /// Sends the next CALL and answers it; returns it.
    pub fn reply(&mut self, answer: Answer) -> Call {
        let call = self.expect();
        self.answer(&call, answer);
        call
    }

    pub fn answer(&mut self, call: &Call, answer: Answer) {
        self.cp.on_answer(call.seq, Ok(answer), Instant::now());
        self.collect();
    }

    /// Answers every CALL that may go now as a content central system would (every tag
    /// Accepted, transaction ids from 100); returns the requests.
    pub fn ack_all(&mut self) -> Vec<Request> {
        let mut sent = Vec::new();
        while let Some(call) = self.next() {
            let answer = match &call.request {
                Request::Authorize { .. } => Answer::Authorize {
                    status: AuthStatus::Accepted,
                },
                Request::StartTransaction { .. } => Answer::StartTransaction {
                    transaction_id: 100 + sent.len() as i32,
                    status: AuthStatus::Accepted,
                },
                _ => Answer::Ack,
            };
            self.answer(&call, answer);
            sent.push(call.request);
        }
        sent
    }

    /// Moves paused time on and lets the model do what is due.
    pub async fn advance(&mut self, secs: u64) {
        tokio::time::advance(Duration::from_secs(secs)).await;
        self.cp.on_tick(Instant::now());
        self.collect();
    }

    fn collect(&mut self) {
        while let Some(event) = self.cp.poll_event() {
            self.events.push(event);
        }
    }

    pub fn status(&self, connector: u32) -> Status {
        self.cp.snapshot().connector(connector).unwrap().status
    }
}

/// Whether `request` is a StatusNotification of `connector` saying `status`.
pub(super) fn is_status(request: &Request, connector: u32, status: Status) -> bool {
    matches!(request, Request::Status { connector: c, status: s, .. } if *c == connector && *s == status)
}
