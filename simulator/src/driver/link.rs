//! The driver task's loop: one `select!` over the handle's controls, the socket, the dial in
//! progress, the redial timer and the model's next timeout. Every wake-up ends in `flush`, which
//! sends what the model wants sent and publishes what it reported.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use ocpp_j::{Frame, MessageId};
use rand::rngs::StdRng;
use tokio::{
    sync::{broadcast, mpsc, watch},
    time::Instant,
};
use tokio_tungstenite::tungstenite::{self, Message};

use super::backoff::Backoff;
use super::connect::{ConnectError, Dial, Dialing, Ws};
use super::handle::Control;
use crate::model::ChargePoint;
use crate::model::observe::{Effect, Event, Snapshot};
use crate::protocol::Protocol;

pub(super) struct Driver {
    pub model: ChargePoint,
    pub dial: Arc<dyn Dial>,
    pub protocol: &'static dyn Protocol,
    pub lost_answer_probability: f64,
    pub rng: StdRng,
    pub backoff: Backoff,
    pub ws: Option<Ws>,
    pub dialing: Option<Dialing>,
    /// When to dial next, while disconnected and not held offline.
    pub redial_at: Option<Instant>,
    /// `go_offline` was asked: no dialing until `go_online`.
    pub held_offline: bool,
    pub controls: mpsc::Receiver<Control>,
    pub snapshot: watch::Sender<Snapshot>,
    pub events: broadcast::Sender<Event>,
}

/// What woke the loop.
enum Wake {
    Control(Option<Control>),
    Socket(Option<Result<Message, tungstenite::Error>>),
    /// Boxed: an open socket is large, and this enum is built on every wake-up.
    Dialed(Box<Result<Ws, ConnectError>>),
    Redial,
    Tick,
}

async fn next_message(ws: &mut Option<Ws>) -> Option<Result<Message, tungstenite::Error>> {
    match ws {
        Some(ws) => ws.next().await,
        None => std::future::pending().await,
    }
}

async fn dialed(dialing: &mut Option<Dialing>) -> Result<Ws, ConnectError> {
    match dialing {
        Some(dialing) => dialing.await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Driver {
    pub async fn run(mut self) {
        loop {
            self.flush().await;
            let redial = self
                .redial_at
                .filter(|_| self.ws.is_none() && self.dialing.is_none());
            let timeout = self.model.poll_timeout();
            let wake = tokio::select! {
                control = self.controls.recv() => Wake::Control(control),
                message = next_message(&mut self.ws) => Wake::Socket(message),
                result = dialed(&mut self.dialing) => Wake::Dialed(Box::new(result)),
                () = sleep_until(redial) => Wake::Redial,
                () = sleep_until(timeout) => Wake::Tick,
            };
            let now = Instant::now();
            match wake {
                Wake::Control(None) => break,
                Wake::Control(Some(Control::Shutdown(done))) => {
                    if let Some(mut ws) = self.ws.take() {
                        let _ = ws.close(None).await;
                    }
                    let _ = done.send(());
                    break;
                }
                Wake::Control(Some(control)) => self.control(control, now),
                Wake::Socket(Some(Ok(message))) => self.on_message(message).await,
                Wake::Socket(Some(Err(e))) => self.lost(&e.to_string()),
                Wake::Socket(None) => self.lost("closed by the central system"),
                Wake::Dialed(result) => {
                    self.dialing = None;
                    match *result {
                        Ok(ws) => {
                            tracing::info!(charge_point = self.model.id(), "connected");
                            self.ws = Some(ws);
                            self.backoff.reset();
                            self.model.on_connected(now);
                        }
                        Err(e) => {
                            self.model.on_connect_failed(now);
                            let delay = self.backoff.next_delay(&mut self.rng);
                            tracing::warn!(charge_point = self.model.id(), error = %e, ?delay, "cannot connect");
                            self.redial_at = Some(now + delay);
                        }
                    }
                }
                Wake::Redial => {
                    self.redial_at = None;
                    let dialing = self.dial.dial(self.model.id(), self.model.credentials());
                    self.dialing = Some(dialing);
                }
                Wake::Tick => self.model.on_tick(now),
            }
        }
        self.model.on_disconnected(Instant::now());
        self.publish();
    }

    /// Sends what the model wants sent, obeys its effects, publishes its events and state.
    async fn flush(&mut self) {
        while self.ws.is_some() {
            let Some(call) = self.model.poll_transmit(Instant::now()) else {
                break;
            };
            let (action, payload) = self.protocol.request(&call.request);
            let frame = Frame::Call {
                id: message_id(call.seq),
                action: action.to_owned(),
                payload,
            };
            self.send(frame).await;
        }
        while let Some(effect) = self.model.poll_effect() {
            match effect {
                Effect::Reconnect => {
                    if let Some(mut ws) = self.ws.take() {
                        let _ = ws.close(None).await;
                    }
                    self.dialing = None;
                    self.model.on_disconnected(Instant::now());
                    if !self.held_offline {
                        self.redial_at = Some(Instant::now());
                    }
                }
            }
        }
        self.publish();
    }

    /// The snapshot first, then the events: whoever reacts to an event sees a state at least
    /// as new as the event.
    fn publish(&mut self) {
        let snapshot = self.model.snapshot();
        self.snapshot.send_if_modified(|current| {
            let changed = *current != snapshot;
            if changed {
                *current = snapshot;
            }
            changed
        });
        while let Some(event) = self.model.poll_event() {
            let _ = self.events.send(event);
        }
    }

    pub(super) async fn send(&mut self, frame: Frame) {
        let text = frame.to_text(self.protocol.version());
        let Some(ws) = self.ws.as_mut() else {
            return;
        };
        if let Err(e) = ws.send(Message::Text(text.into())).await {
            self.lost(&e.to_string());
        }
    }

    /// The socket is gone: tell the model, redial after a backoff unless held offline.
    pub(super) fn lost(&mut self, why: &str) {
        if self.ws.take().is_some() {
            tracing::info!(charge_point = self.model.id(), reason = why, "disconnected");
        }
        let now = Instant::now();
        self.model.on_disconnected(now);
        if !self.held_offline {
            self.redial_at = Some(now + self.backoff.next_delay(&mut self.rng));
        }
    }

    fn control(&mut self, control: Control, now: Instant) {
        let model = &mut self.model;
        match control {
            Control::PlugIn {
                connector,
                id_tag,
                vehicle,
                reply,
            } => {
                let _ = reply.send(model.plug_in(connector, id_tag, vehicle, now));
            }
            Control::Unplug { connector, reply } => {
                let _ = reply.send(model.unplug(connector, now));
            }
            Control::Leave { visit, reply } => {
                let _ = reply.send(model.leave(visit, now));
            }
            Control::StopCharging { connector, reply } => {
                let _ = reply.send(model.stop_charging(connector, now));
            }
            Control::Fault {
                connector,
                code,
                reply,
            } => {
                let _ = reply.send(model.fault(connector, code, now));
            }
            Control::ClearFault { connector, reply } => {
                let _ = reply.send(model.clear_fault(connector, now));
            }
            Control::DropConnection => self.lost("dropped on purpose"),
            Control::GoOffline => {
                self.held_offline = true;
                self.dialing = None;
                self.redial_at = None;
                self.lost("offline on purpose");
            }
            Control::GoOnline => {
                if self.held_offline {
                    self.held_offline = false;
                    self.redial_at = Some(now);
                }
            }
            Control::Shutdown(_) => unreachable!("handled by the loop"),
        }
    }
}

fn message_id(seq: u64) -> MessageId {
    MessageId::new(seq.to_string()).expect("a u64 has at most 20 digits")
}
