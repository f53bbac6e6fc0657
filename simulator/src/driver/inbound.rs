//! What arrives on the socket: the central system's CALLs (typed by the protocol layer,
//! answered by the model, CALLERROR when unreadable) and its answers to ours (some lost on
//! purpose, when the run injects failures).

use futures_util::SinkExt;
use ocpp_j::{Frame, MessageId};
use rand::Rng;
use serde_json::Value;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::link::Driver;
use crate::model::CallFailure;
use crate::model::messages::RequestKind;

impl Driver {
    pub(super) async fn on_message(&mut self, message: Message) {
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) => return self.lost("closed by the central system"),
            _ => return, // pings are answered by tungstenite
        };
        let version = self.protocol.version();
        let frame = match Frame::parse(text.as_str(), version) {
            Ok(frame) => frame,
            Err(e) => {
                tracing::warn!(charge_point = self.model.id(), error = %e, "not an OCPP frame");
                if let Some(id) = e.id.as_deref() {
                    let reply = Frame::call_error_text(id, e.error_code(), &e.to_string(), version);
                    if let Some(ws) = self.ws.as_mut()
                        && ws.send(Message::Text(reply.into())).await.is_err()
                    {
                        self.lost("send failed");
                    }
                }
                return;
            }
        };
        let now = Instant::now();
        match frame {
            Frame::Call {
                id,
                action,
                payload,
            } => {
                let reply = match self.protocol.command(&action, payload) {
                    Ok(command) => {
                        let reply = self.model.on_command(command.clone(), now);
                        let payload = self.protocol.reply(&action, &command, &reply);
                        Frame::CallResult { id, payload }
                    }
                    Err(e) => Frame::CallError {
                        id,
                        code: e.code,
                        description: e.description,
                        details: Value::Object(Default::default()),
                    },
                };
                self.send(reply).await;
            }
            Frame::CallResult { id, payload } => {
                let Some((seq, kind)) = self.outstanding(&id) else {
                    return;
                };
                if self.lost_answer_probability > 0.0
                    && self.rng.random::<f64>() < self.lost_answer_probability
                {
                    tracing::debug!(
                        charge_point = self.model.id(),
                        ?kind,
                        "losing an answer on purpose"
                    );
                    return;
                }
                let answer = self
                    .protocol
                    .answer(kind, payload)
                    .map_err(|e| CallFailure::BadAnswer(e.to_string()));
                self.model.on_answer(seq, answer, now);
            }
            Frame::CallError {
                id,
                code,
                description,
                ..
            } => {
                if let Some((seq, _)) = self.outstanding(&id) {
                    let code = code.as_str(version);
                    tracing::warn!(charge_point = self.model.id(), code, %description, "CALLERROR");
                    self.model
                        .on_answer(seq, Err(CallFailure::CallError(code.to_owned())), now);
                }
            }
        }
    }

    /// The outstanding CALL, if `id` is its message id.
    fn outstanding(&self, id: &MessageId) -> Option<(u64, RequestKind)> {
        self.model
            .outstanding()
            .filter(|(seq, _)| id.as_str() == seq.to_string())
    }
}
