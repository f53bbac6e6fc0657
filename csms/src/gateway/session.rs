//! One `Session` actor per charge point socket. It owns the WebSocket, reads frames, validates
//! every CALL against its schema, hands it to the protocol adapter and answers, in order. It
//! also sends our CALLs, one at a time (OCPP allows one outstanding CALL per direction), with a
//! deadline, and keeps the socket alive with pings. Bad input is answered with a CALLERROR
//! where the frame's id can be read; the connection stays up.

use std::time::Duration;

use futures_util::{FutureExt, SinkExt, StreamExt};
use ocpp_j::{CallErrorCode, Catalogue, Frame, Version};
use serde_json::Value;
use tokio::{sync::oneshot, time::Instant};
use tokio_tungstenite::{
    WebSocketStream,
    tungstenite::{
        self, Message,
        protocol::{CloseFrame, frame::coding::CloseCode},
    },
};
use tokio_util::sync::CancellationToken;

use super::{
    registry::{CallFailure, Command, Registration},
    tls::Transport,
};
use crate::{app::AppState, domain::ChargePointId, metrics::action_label, ocpp16};

/// Our CALL awaiting the charge point's answer.
struct Pending {
    id: String,
    action: String,
    sent_at: Instant,
    deadline: Instant,
    reply: oneshot::Sender<Result<Value, CallFailure>>,
}

pub(crate) struct Session {
    id: ChargePointId,
    version: Version,
    state: AppState,
    ws: WebSocketStream<Transport>,
    pending: Option<Pending>,
    next_call_id: u64,
    last_heard: Instant,
}

/// Whether the socket is still usable after handling something.
type Alive = bool;

impl Session {
    pub(crate) fn new(
        id: ChargePointId,
        version: Version,
        state: AppState,
        ws: WebSocketStream<Transport>,
    ) -> Session {
        Session {
            id,
            version,
            state,
            ws,
            pending: None,
            next_call_id: 0,
            last_heard: Instant::now(),
        }
    }

    /// Serves the socket until it closes, a newer connection replaces it, or shutdown.
    pub(crate) async fn run(mut self, mut registration: Registration, shutdown: CancellationToken) {
        let interval = self.state.config.ping_interval();
        let mut ping = tokio::time::interval_at(Instant::now() + interval, interval);
        loop {
            let deadline = self.pending.as_ref().map(|p| p.deadline);
            tokio::select! {
                () = shutdown.cancelled() => {
                    self.close(CloseCode::Away, "the server is shutting down").await;
                    break;
                }
                () = registration.close.cancelled() => {
                    self.close(CloseCode::Policy, "replaced by a newer connection, or re-registered").await;
                    break;
                }
                message = self.ws.next() => {
                    let alive = match message {
                        Some(Ok(message)) => {
                            self.last_heard = Instant::now();
                            self.on_message(message).await
                        }
                        Some(Err(tungstenite::Error::Capacity(e))) => {
                            tracing::warn!(error = %e, "frame too large, closing");
                            self.close(CloseCode::Size, "message too large").await;
                            false
                        }
                        Some(Err(e)) => {
                            tracing::debug!(error = %e, "socket error");
                            false
                        }
                        None => false,
                    };
                    if !alive {
                        break;
                    }
                }
                command = registration.commands.recv(), if self.pending.is_none() => {
                    if let Some(command) = command
                        && !self.send_call(command).await
                    {
                        break;
                    }
                }
                () = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                    if let Some(p) = self.pending.take() {
                        self.state.metrics.outbound_calls.with_label_values(&[p.action.as_str(), "timeout"]).inc();
                        let waited = p.deadline.saturating_duration_since(p.sent_at);
                        let _ = p.reply.send(Err(CallFailure::Timeout(waited)));
                    }
                }
                _ = ping.tick() => {
                    if self.last_heard.elapsed() > interval * 2 {
                        tracing::info!("no sign of life for two ping intervals, closing");
                        self.close(CloseCode::Away, "keepalive timeout").await;
                        break;
                    }
                    if !self.send(Message::Ping(Default::default())).await {
                        break;
                    }
                }
            }
        }
        if let Some(p) = self.pending.take() {
            let _ = p.reply.send(Err(CallFailure::Closed));
        }
    }

    async fn close(&mut self, code: CloseCode, reason: &'static str) {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        // Best effort with a short bound: the peer may be gone already.
        let _ = tokio::time::timeout(Duration::from_secs(2), self.ws.close(Some(frame))).await;
    }

    async fn send_text(&mut self, text: String) -> Alive {
        self.send(Message::Text(text.into())).await
    }

    /// Sends a message, giving up on a charger that has not read it within the write timeout
    /// (it stopped reading: the socket is dead to us, and waiting would stall everyone who
    /// wants to reach it).
    async fn send(&mut self, message: Message) -> Alive {
        let timeout = self.state.config.write_timeout();
        let mut send = std::pin::pin!(self.ws.send(message));
        // Nearly every write goes out at once: no timer for those (one per message would cost
        // the hot path); only a write that has to wait gets its deadline.
        if let Some(sent) = send.as_mut().now_or_never() {
            return sent.is_ok();
        }
        // Boxed: the timer's state would otherwise take room in every idle session.
        match Box::pin(tokio::time::timeout(timeout, send)).await {
            Ok(sent) => sent.is_ok(),
            Err(_) => {
                tracing::warn!("the charge point stopped reading, dropping it");
                false
            }
        }
    }

    async fn on_message(&mut self, message: Message) -> Alive {
        match message {
            Message::Text(text) => self.on_text(text.as_str()).await,
            Message::Binary(_) => {
                tracing::warn!("binary frame ignored: OCPP-J frames are text");
                true
            }
            Message::Close(_) => false,
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => true,
        }
    }

    async fn on_text(&mut self, text: &str) -> Alive {
        let frame = match Frame::parse(text, self.version) {
            Ok(frame) => frame,
            Err(e) => {
                tracing::warn!(error = %e, frame = %truncate(text, 200), "not an OCPP message");
                let Some(id) = e.id.as_deref() else {
                    return true;
                };
                let code = e.error_code();
                self.count_error_sent(code);
                let reply = Frame::call_error_text(id, code, &e.to_string(), self.version);
                return self.send_text(reply).await;
            }
        };
        match frame {
            Frame::Call {
                id,
                action,
                payload,
            } => {
                tracing::debug!(message_id = %id, %action, "CALL");
                let started = Instant::now();
                // No OCPP string may carry a NUL character (PostgreSQL's text cannot hold one);
                // the cheap scan of the frame's text sees the escape first.
                let answer = if text.contains("\\u0000") && crate::domain::json_has_nul(&payload) {
                    Err((
                        CallErrorCode::PropertyConstraintViolation,
                        "a string contains a NUL character".to_owned(),
                    ))
                } else {
                    self.handle_call(&action, payload).await
                };
                let reply = match answer {
                    Ok(payload) => {
                        self.count_message(&action, "ok", started);
                        Frame::CallResult { id, payload }.to_text(self.version)
                    }
                    Err((code, description)) => {
                        tracing::warn!(message_id = %id, %action, code = code.as_str(self.version), %description, "answering CALLERROR");
                        self.count_message(&action, "call_error", started);
                        self.count_error_sent(code);
                        Frame::CallError {
                            id,
                            code,
                            description,
                            details: Value::Object(Default::default()),
                        }
                        .to_text(self.version)
                    }
                };
                self.send_text(reply).await
            }
            Frame::CallResult { id, payload } => self.on_answer(id.as_str(), Ok(payload)).await,
            Frame::CallError {
                id,
                code,
                description,
                details,
            } => {
                self.state
                    .metrics
                    .call_errors_received
                    .with_label_values(&[code.as_str(self.version)])
                    .inc();
                let failure = CallFailure::CallError {
                    code: code.as_str(self.version).to_owned(),
                    description,
                    details,
                };
                self.on_answer(id.as_str(), Err(failure)).await
            }
        }
    }

    /// Validates and dispatches one inbound CALL.
    async fn handle_call(
        &self,
        action: &str,
        payload: Value,
    ) -> Result<Value, (CallErrorCode, String)> {
        let Some(schema) = Catalogue::get(self.version).request(action) else {
            return Err((
                CallErrorCode::NotImplemented,
                format!("unknown action {action:?}"),
            ));
        };
        if let Err(violation) = schema.validate(&payload) {
            return Err((violation.error_code(), violation.to_string()));
        }
        let answer = match self.version {
            Version::V16 => ocpp16::dispatch(&self.state, &self.id, action, payload).await,
            Version::V201 => crate::ocpp201::dispatch(&self.state, &self.id, action, payload).await,
        };
        let payload = answer.map_err(|e| (e.code(), e.description()))?;
        debug_assert!(
            Catalogue::get(self.version)
                .response(action)
                .is_none_or(|s| s.validate(&payload).is_ok()),
            "our {action} answer violates its schema: {payload}"
        );
        Ok(payload)
    }

    /// The charge point answered a CALL: match it to the pending one.
    async fn on_answer(&mut self, id: &str, answer: Result<Value, CallFailure>) -> Alive {
        let Some(pending) = self.pending.take_if(|p| p.id == id) else {
            tracing::warn!(message_id = id, "an answer to no CALL of ours");
            if answer.is_ok() {
                // A CALLRESULT for an id we never sent (or one that timed out already).
                let reply = Frame::call_error_text(
                    id,
                    CallErrorCode::ProtocolError,
                    "no outstanding CALL has this message id",
                    self.version,
                );
                self.count_error_sent(CallErrorCode::ProtocolError);
                return self.send_text(reply).await;
            }
            return true;
        };
        let outcome = match answer {
            Ok(payload) => match Catalogue::get(self.version)
                .response(&pending.action)
                .map(|s| s.validate(&payload))
            {
                Some(Err(v)) => Err(CallFailure::InvalidResponse(v.to_string())),
                _ => Ok(payload),
            },
            Err(failure) => Err(failure),
        };
        let label = match &outcome {
            Ok(_) => "ok",
            Err(CallFailure::InvalidResponse(_)) => "invalid_response",
            Err(_) => "call_error",
        };
        let metrics = &self.state.metrics;
        metrics
            .outbound_calls
            .with_label_values(&[pending.action.as_str(), label])
            .inc();
        metrics
            .outbound_seconds
            .with_label_values(&[pending.action.as_str()])
            .observe(pending.sent_at.elapsed().as_secs_f64());
        let _ = pending.reply.send(outcome);
        true
    }

    async fn send_call(&mut self, command: Box<Command>) -> Alive {
        let now = Instant::now();
        if command.deadline <= now {
            let _ = command
                .reply
                .send(Err(CallFailure::Timeout(Duration::ZERO)));
            return true;
        }
        self.next_call_id += 1;
        let id = format!("csms-{}", self.next_call_id);
        let text = Frame::Call {
            id: ocpp_j::MessageId::new(id.clone()).expect("short id"),
            action: command.action.clone(),
            payload: command.payload,
        }
        .to_text(self.version);
        self.pending = Some(Pending {
            id,
            action: command.action,
            sent_at: now,
            deadline: command.deadline,
            reply: command.reply,
        });
        self.send_text(text).await
    }

    fn count_message(&self, action: &str, outcome: &str, started: Instant) {
        let label = action_label(self.version, action);
        let metrics = &self.state.metrics;
        metrics.messages.with_label_values(&[label, outcome]).inc();
        metrics
            .message_seconds
            .with_label_values(&[label])
            .observe(started.elapsed().as_secs_f64());
    }

    fn count_error_sent(&self, code: CallErrorCode) {
        self.state
            .metrics
            .call_errors_sent
            .with_label_values(&[code.as_str(self.version)])
            .inc();
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}
