//! Which charge points have a live session, and the way to reach one: `SessionRegistry` maps a
//! `ChargePointId` to the `SessionHandle` of its socket's actor. In cluster mode a session on
//! another node is reached through it ([`Reach`], [`crate::cluster`]).

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use dashmap::DashMap;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::domain::ChargePointId;

/// Why a CALL to a charge point did not get a CALLRESULT.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum CallFailure {
    #[error("the charge point is not connected")]
    NotConnected,
    #[error("the charge point did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the charge point answered {code}: {description}")]
    CallError {
        code: String,
        description: String,
        details: Value,
    },
    #[error("the charge point's answer violates its schema: {0}")]
    InvalidResponse(String),
    #[error("the connection closed before the answer")]
    Closed,
}

/// A CALL waiting to be sent by a session.
#[derive(Debug)]
pub(crate) struct Command {
    pub action: String,
    pub payload: Value,
    /// The caller stops waiting at this instant; a command still queued then is not sent.
    pub deadline: tokio::time::Instant,
    pub reply: oneshot::Sender<Result<Value, CallFailure>>,
}

/// How to reach a live session.
#[derive(Debug, Clone)]
pub struct SessionHandle {
    generation: u64,
    protocol: ocpp_j::Version,
    /// Boxed: tokio allocates a channel's first block of 32 slots eagerly, and a slot of
    /// pointers instead of commands saves kilobytes per idle charger.
    commands: mpsc::Sender<Box<Command>>,
    /// Cancelled to close this session (a newer connection replaced it, or the operator
    /// changed its credentials or approval).
    close: CancellationToken,
}

impl SessionHandle {
    pub fn protocol(&self) -> ocpp_j::Version {
        self.protocol
    }

    /// Sends a CALL (already validated against its schema) and waits for the answer.
    pub async fn call(
        &self,
        action: &str,
        payload: Value,
        timeout: Duration,
    ) -> Result<Value, CallFailure> {
        let (reply, answer) = oneshot::channel();
        let deadline = tokio::time::Instant::now() + timeout;
        let command = Box::new(Command {
            action: action.to_owned(),
            payload,
            deadline,
            reply,
        });
        // A session that stops taking commands (its charger stopped reading) must not hold
        // the caller past its deadline, neither in the queue nor waiting for the answer.
        match tokio::time::timeout_at(deadline, self.commands.send(command)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(CallFailure::NotConnected),
            Err(_) => return Err(CallFailure::Timeout(timeout)),
        }
        match tokio::time::timeout_at(deadline, answer).await {
            Ok(answer) => answer.unwrap_or(Err(CallFailure::Closed)),
            Err(_) => Err(CallFailure::Timeout(timeout)),
        }
    }
}

/// How to reach a charge point's session: on this node, or (cluster mode) on the node that
/// holds its socket.
#[derive(Debug, Clone)]
pub enum Reach {
    Local(SessionHandle),
    Remote(crate::cluster::rpc::Remote),
}

impl Reach {
    pub fn protocol(&self) -> ocpp_j::Version {
        match self {
            Reach::Local(s) => s.protocol(),
            Reach::Remote(r) => r.protocol,
        }
    }

    /// Sends a CALL (already validated against its schema) and waits for the answer.
    pub async fn call(
        &self,
        action: &str,
        payload: Value,
        timeout: Duration,
    ) -> Result<Value, CallFailure> {
        match self {
            Reach::Local(s) => s.call(action, payload, timeout).await,
            Reach::Remote(r) => r.call(action, payload, timeout).await,
        }
    }
}

/// Commands a session buffers while one of its CALLs is outstanding.
const COMMAND_QUEUE: usize = 16;

#[derive(Debug, Default)]
pub struct SessionRegistry {
    sessions: DashMap<ChargePointId, SessionHandle>,
    generations: AtomicU64,
}

/// What a new session needs from its registration.
pub(crate) struct Registration {
    pub generation: u64,
    pub commands: mpsc::Receiver<Box<Command>>,
    pub close: CancellationToken,
}

impl SessionRegistry {
    /// Registers a new session for `id`, closing the one it replaces.
    pub(crate) fn register(&self, id: &ChargePointId, protocol: ocpp_j::Version) -> Registration {
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let (commands, rx) = mpsc::channel(COMMAND_QUEUE);
        let close = CancellationToken::new();
        let handle = SessionHandle {
            generation,
            protocol,
            commands,
            close: close.clone(),
        };
        if let Some(old) = self.sessions.insert(id.clone(), handle) {
            tracing::info!(charge_point = %id, "a new connection replaces the open one");
            old.close.cancel();
        }
        Registration {
            generation,
            commands: rx,
            close,
        }
    }

    /// Forgets a session that ended, unless a newer one has replaced it already.
    /// Returns whether it was the current one.
    pub(crate) fn deregister(&self, id: &ChargePointId, generation: u64) -> bool {
        self.sessions
            .remove_if(id, |_, handle| handle.generation == generation)
            .is_some()
    }

    /// Closes the session of `id`, if it has one (its credentials or approval changed: it
    /// must connect and boot again). Returns whether there was one.
    pub fn close(&self, id: &ChargePointId) -> bool {
        match self.sessions.get(id) {
            Some(handle) => {
                handle.close.cancel();
                true
            }
            None => false,
        }
    }

    pub fn get(&self, id: &ChargePointId) -> Option<SessionHandle> {
        self.sessions.get(id).map(|h| h.clone())
    }

    /// The charge points with a session here.
    pub fn ids(&self) -> Vec<ChargePointId> {
        self.sessions.iter().map(|e| e.key().clone()).collect()
    }

    /// The charge points with a session here, with the protocol each speaks.
    pub fn protocols(&self) -> Vec<(ChargePointId, ocpp_j::Version)> {
        self.sessions
            .iter()
            .map(|e| (e.key().clone(), e.protocol))
            .collect()
    }

    pub fn is_connected(&self, id: &ChargePointId) -> bool {
        self.sessions.contains_key(id)
    }

    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }
}
