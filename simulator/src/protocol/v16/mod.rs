//! OCPP 1.6 (JSON): the model's messages as `ocpp_j::v16` types. `outgoing.rs` maps our CALLs
//! and their answers, `incoming.rs` the central system's CALLs and our replies.

mod incoming;
mod outgoing;

#[cfg(test)]
mod tests;

use ocpp_j::{
    Version,
    v16::{Action, Payload},
};
use serde_json::Value;

use super::{Protocol, ProtocolError, debug_check, validate};
use crate::model::messages::{Answer, Command, Reply, Request, RequestKind};

/// OCPP 1.6J.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V16;

impl Protocol for V16 {
    fn version(&self) -> Version {
        Version::V16
    }

    fn request(&self, request: &Request) -> (&'static str, Value) {
        outgoing::request(request)
    }

    fn answer(&self, kind: RequestKind, payload: Value) -> Result<Answer, ProtocolError> {
        outgoing::answer(kind, payload)
    }

    fn command(&self, action: &str, payload: Value) -> Result<Command, ProtocolError> {
        validate(Version::V16, action, &payload, true)?;
        incoming::command(action, payload)
    }

    fn reply(&self, action: &str, _command: &Command, reply: &Reply) -> Value {
        let payload = incoming::reply(reply);
        debug_check(Version::V16, action, &payload, false);
        payload
    }
}

/// Serializes a request of `A`, checked against its schema in debug builds.
fn encode<A: Action>(request: A::Request) -> (&'static str, Value) {
    super::encode_in::<A>(Version::V16, request)
}

/// Reads the answer to a request of `A`: schema first, then the type.
fn decode_answer<A: Action>(payload: Value) -> Result<A::Response, ProtocolError> {
    super::decode_answer_in::<A>(Version::V16, payload)
}

/// Reads a CALL of `A` whose payload passed its schema.
fn decode_request<A: Action>(payload: Value) -> Result<A::Request, ProtocolError> {
    super::decode_request_of::<A>(payload)
}

fn to_value(payload: impl Payload) -> Value {
    serde_json::to_value(payload).expect("typed OCPP payloads serialize")
}
