//! The protocol layer: one [`Protocol`] per OCPP version maps the model's requests, answers,
//! commands and replies (`crate::model::messages`) to that version's payloads and back. The
//! model never sees JSON and the driver never sees model internals; [`v16::V16`] and
//! [`v201::V201`] are chosen by [`for_version`].
//!
//! Inbound payloads are validated against the official schemas before they are typed (a
//! violation becomes the matching CALLERROR); outbound ones are checked in debug builds, so
//! every test run proves we send what the schemas allow.

pub mod v16;
pub mod v201;

use std::fmt;

use ocpp_j::{CallErrorCode, Catalogue, Version};
use serde_json::Value;

use crate::model::messages::{Answer, Command, Reply, Request, RequestKind};

/// Why a payload could not be read; the code is what a CALLERROR should carry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{description}")]
pub struct ProtocolError {
    pub code: CallErrorCode,
    pub description: String,
}

impl ProtocolError {
    pub fn new(code: CallErrorCode, description: impl Into<String>) -> ProtocolError {
        ProtocolError {
            code,
            description: description.into(),
        }
    }
}

/// One OCPP version's view of the model's messages.
pub trait Protocol: Send + Sync + fmt::Debug {
    fn version(&self) -> Version;
    /// The action and payload of a CALL of ours.
    fn request(&self, request: &Request) -> (&'static str, Value);
    /// Reads the CALLRESULT of a CALL of ours of `kind`.
    fn answer(&self, kind: RequestKind, payload: Value) -> Result<Answer, ProtocolError>;
    /// Reads a CALL of the central system.
    fn command(&self, action: &str, payload: Value) -> Result<Command, ProtocolError>;
    /// The CALLRESULT payload of our reply to the central system's `action`, which was read
    /// as `command`.
    fn reply(&self, action: &str, command: &Command, reply: &Reply) -> Value;
}

/// The implementation of `version`, if the simulator speaks it.
pub fn for_version(version: Version) -> Option<&'static dyn Protocol> {
    match version {
        Version::V16 => Some(&v16::V16),
        Version::V201 => Some(&v201::V201),
    }
}

/// Checks an inbound payload against its schema: `request` for a CALL, else a CALLRESULT.
fn validate(
    version: Version,
    action: &str,
    payload: &Value,
    request: bool,
) -> Result<(), ProtocolError> {
    let catalogue = Catalogue::get(version);
    let schema = if request {
        catalogue.request(action)
    } else {
        catalogue.response(action)
    };
    let Some(schema) = schema else {
        return Err(ProtocolError::new(
            CallErrorCode::NotImplemented,
            format!("unknown action {action:?}"),
        ));
    };
    schema
        .validate(payload)
        .map_err(|v| ProtocolError::new(v.error_code(), v.to_string()))
}

/// In debug builds, panics if an outbound payload breaks its schema: a bug of ours.
fn debug_check(version: Version, action: &str, payload: &Value, request: bool) {
    if cfg!(debug_assertions)
        && let Err(e) = validate(version, action, payload, request)
    {
        panic!("our {action} payload breaks its schema: {e}: {payload}");
    }
}

/// Serializes a request of `A` in `version`, checked against its schema in debug builds.
fn encode_in<A: ocpp_j::v16::Action>(
    version: Version,
    request: A::Request,
) -> (&'static str, Value) {
    let payload = serde_json::to_value(request).expect("typed OCPP payloads serialize");
    debug_check(version, A::NAME, &payload, true);
    (A::NAME, payload)
}

/// Reads the answer to a request of `A` in `version`: schema first, then the type.
fn decode_answer_in<A: ocpp_j::v16::Action>(
    version: Version,
    payload: Value,
) -> Result<A::Response, ProtocolError> {
    validate(version, A::NAME, &payload, false)?;
    serde_json::from_value(payload)
        .map_err(|e| ProtocolError::new(CallErrorCode::FormatViolation, e.to_string()))
}

/// Reads a CALL of `A` whose payload passed its schema.
fn decode_request_of<A: ocpp_j::v16::Action>(payload: Value) -> Result<A::Request, ProtocolError> {
    serde_json::from_value(payload)
        .map_err(|e| ProtocolError::new(CallErrorCode::FormatViolation, e.to_string()))
}
