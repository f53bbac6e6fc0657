//! The central system's answers to our CALLs, and what becomes of a CALL that gets none: the
//! boot's outcome, transaction messages retried per TransactionMessageAttempts and
//! TransactionMessageRetryInterval (then given up), other messages dropped and undone.

use std::time::Duration;

use tokio::time::Instant;

use super::messages::{Answer, Request, RequestKind};
use super::observe::Event;
use super::outbox::Message;
use super::types::Registration;
use super::{BootState, CallFailure, ChargePoint, keys};

impl ChargePoint {
    /// The answer (or failure) of CALL `seq`. Answers to CALLs no longer outstanding (late,
    /// after a timeout) are ignored.
    pub fn on_answer(&mut self, seq: u64, answer: Result<Answer, CallFailure>, now: Instant) {
        let Some(outstanding) = self.outstanding.take_if(|o| o.seq == seq) else {
            return;
        };
        if outstanding.boot {
            match answer {
                Ok(Answer::Boot {
                    status,
                    interval_secs,
                }) => self.booted(status, interval_secs, now),
                _ => self.boot = BootState::Due(now + self.settings.boot_retry),
            }
        } else {
            match answer {
                Ok(answer) => {
                    if let Some(entry) = self.outbox.pop() {
                        self.delivered(entry.message, answer, now);
                    }
                }
                Err(failure) => self.failed(&failure, now),
            }
        }
        self.sync_statuses(now);
    }

    pub(super) fn booted(&mut self, status: Registration, interval_secs: u32, now: Instant) {
        self.registration = Some(status);
        self.events.push_back(Event::Booted(status));
        if status == Registration::Accepted {
            self.boot = BootState::Accepted;
            if interval_secs > 0 {
                self.keys
                    .set_number(keys::HEARTBEAT_INTERVAL, interval_secs);
            }
            self.schedule_heartbeat(now);
            self.reported_itself = false;
            for c in &mut self.connectors {
                c.reported = None;
            }
        } else {
            let retry = match interval_secs {
                0 => self.settings.boot_retry,
                secs => Duration::from_secs(u64::from(secs)),
            };
            self.boot = BootState::Due(now + retry);
        }
    }

    /// The front entry of the outbox got no usable answer.
    fn failed(&mut self, failure: &CallFailure, now: Instant) {
        let max_attempts = self.keys.number(keys::TRANSACTION_MESSAGE_ATTEMPTS).max(1);
        let retry = u64::from(self.keys.number(keys::TRANSACTION_MESSAGE_RETRY_INTERVAL));
        let Some(entry) = self.outbox.front_mut() else {
            return;
        };
        tracing::debug!(charge_point = %self.spec.id, %failure, attempts = entry.attempts + 1, "CALL failed");
        if !entry.message.is_transactional() {
            if let Some(entry) = self.outbox.pop() {
                self.abandon(entry.message, now);
            }
            return;
        }
        entry.attempts += 1;
        if entry.attempts < max_attempts {
            // OCPP 1.6 §4.10: the interval grows with every failed transmission.
            let wait = Duration::from_secs(retry * u64::from(entry.attempts));
            entry.not_before = Some(now + wait);
            return;
        }
        let Some(entry) = self.outbox.pop() else {
            return;
        };
        self.events
            .push_back(Event::MessageDropped(entry.message.kind()));
        if let Message::Start { number, .. } = entry.message {
            let later = self.outbox.drop_session(number);
            self.transactions.remove(&number);
            for _ in 0..later {
                self.events
                    .push_back(Event::MessageDropped(RequestKind::MeterValues));
            }
        }
    }

    /// A message that will not be delivered: undo what counted on it.
    pub(super) fn abandon(&mut self, message: Message, now: Instant) {
        match message {
            Message::Plain(Request::Authorize { id_tag }) => self.authorize_offline(&id_tag, now),
            Message::Plain(Request::Status { connector, .. }) => {
                if let Some(c) = self.connectors.iter_mut().find(|c| c.id == connector) {
                    c.reported = None;
                }
                if connector == 0 {
                    self.reported_itself = false;
                }
            }
            Message::Plain(Request::SignCertificate { .. }) => {
                self.sign_certificate_answered(false)
            }
            _ => {}
        }
    }
}
