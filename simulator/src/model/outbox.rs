//! The outbox: every CALL the charge point has yet to get answered, in the order it must be
//! sent. Transaction messages (StartTransaction, MeterValues of a transaction, StopTransaction)
//! stay in it while offline and are delivered in order after a reconnect, retried per
//! `TransactionMessageAttempts` / `TransactionMessageRetryInterval`; other messages are dropped
//! when the connection goes. A transaction message refers to its session by our own number,
//! resolved to the central system's transaction id only when sent, so a session started
//! offline gets its id from the StartTransaction answer before its later messages go out.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use super::messages::{Request, RequestKind, Sample};
use super::types::{IdTag, StopReason};

/// A queued message.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Message {
    /// Not transaction-related: sent as is, dropped on disconnect.
    Plain(Request),
    /// StartTransaction of session `number`.
    Start { number: u64, request: Request },
    /// Periodic MeterValues of session `number`.
    Meter {
        number: u64,
        connector: u32,
        sample: Sample,
    },
    /// StopTransaction of session `number`.
    Stop {
        number: u64,
        /// Not sent: kept to report the session's energy.
        meter_start_wh: i64,
        id_tag: Option<IdTag>,
        meter_stop_wh: i64,
        at: DateTime<Utc>,
        reason: StopReason,
        sample: Option<Sample>,
    },
}

impl Message {
    pub fn is_transactional(&self) -> bool {
        !matches!(self, Message::Plain(_))
    }

    pub fn kind(&self) -> RequestKind {
        match self {
            Message::Plain(request) | Message::Start { request, .. } => request.kind(),
            Message::Meter { .. } => RequestKind::MeterValues,
            Message::Stop { .. } => RequestKind::StopTransaction,
        }
    }

    /// The session a transaction message belongs to.
    pub fn session(&self) -> Option<u64> {
        match self {
            Message::Plain(_) => None,
            Message::Start { number, .. }
            | Message::Meter { number, .. }
            | Message::Stop { number, .. } => Some(*number),
        }
    }

    /// The request to send, given the session's transaction id (`None`: not known).
    /// `None` back means it cannot be sent.
    pub fn request(&self, transaction_id: Option<i32>) -> Option<Request> {
        match self {
            Message::Plain(request) | Message::Start { request, .. } => Some(request.clone()),
            Message::Meter {
                connector, sample, ..
            } => Some(Request::MeterValues {
                connector: *connector,
                transaction_id: Some(transaction_id?),
                sample: sample.clone(),
            }),
            Message::Stop {
                id_tag,
                meter_stop_wh,
                at,
                reason,
                sample,
                ..
            } => Some(Request::StopTransaction {
                transaction_id: transaction_id?,
                id_tag: id_tag.clone(),
                meter_stop_wh: *meter_stop_wh,
                at: *at,
                reason: *reason,
                sample: sample.clone(),
            }),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub message: Message,
    /// Transmissions that failed (no answer in time, or a CALLERROR).
    pub attempts: u32,
    /// Not to be sent before this (the retry interval after a failure).
    pub not_before: Option<Instant>,
}

/// Transaction messages kept beyond this are dropped, oldest MeterValues first: a charger's
/// storage is finite and a week offline should not exhaust the simulator's memory.
const MAX_TRANSACTIONAL: usize = 2_000;

#[derive(Clone, Debug, Default)]
pub(crate) struct Outbox {
    entries: VecDeque<Entry>,
}

impl Outbox {
    pub fn push(&mut self, message: Message) {
        self.entries.push_back(Entry {
            message,
            attempts: 0,
            not_before: None,
        });
        if self.transactional() > MAX_TRANSACTIONAL
            && let Some(i) = self
                .entries
                .iter()
                .position(|e| matches!(e.message, Message::Meter { .. }))
        {
            self.entries.remove(i);
        }
    }

    pub fn front(&self) -> Option<&Entry> {
        self.entries.front()
    }

    pub fn front_mut(&mut self) -> Option<&mut Entry> {
        self.entries.front_mut()
    }

    pub fn pop(&mut self) -> Option<Entry> {
        self.entries.pop_front()
    }

    /// The connection went: only transaction messages survive.
    pub fn keep_transactional(&mut self) -> Vec<Message> {
        let (kept, dropped): (VecDeque<Entry>, VecDeque<Entry>) = self
            .entries
            .drain(..)
            .partition(|e| e.message.is_transactional());
        self.entries = kept;
        dropped.into_iter().map(|e| e.message).collect()
    }

    /// Whether a plain request of this kind is already waiting (no second Heartbeat).
    pub fn has_plain(&self, matches: impl Fn(&Request) -> bool) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(&e.message, Message::Plain(r) if matches(r)))
    }

    pub fn transactional(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.message.is_transactional())
            .count()
    }

    /// Drops every later message of a session whose StartTransaction was given up on.
    pub fn drop_session(&mut self, number: u64) -> usize {
        let before = self.entries.len();
        self.entries.retain(|e| e.message.session() != Some(number));
        before - self.entries.len()
    }
}
