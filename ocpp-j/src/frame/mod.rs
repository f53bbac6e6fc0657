//! [`Frame`]: one OCPP-J message as it travels in a WebSocket text frame, a JSON array of
//! `[2, id, action, payload]` (CALL), `[3, id, payload]` (CALLRESULT) or
//! `[4, id, code, description, details]` (CALLERROR). Parsing checks the envelope only; the
//! payload is checked against its schema by [`crate::schema`] and typed by the caller.

mod error;
#[cfg(test)]
mod tests;

pub use error::{FrameError, FrameErrorKind};

use serde_json::{Map, Value};

use crate::{CallErrorCode, MessageId, Version};

/// OCPP-J 2.0.1 limits the error description to 255 characters; longer ones are cut when
/// rendering (a schema violation listing a long enumeration can exceed it).
const MAX_DESCRIPTION_CHARS: usize = 255;

/// One OCPP-J message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Call {
        id: MessageId,
        action: String,
        payload: Value,
    },
    CallResult {
        id: MessageId,
        payload: Value,
    },
    CallError {
        id: MessageId,
        code: CallErrorCode,
        description: String,
        details: Value,
    },
}

impl Frame {
    /// Parses one OCPP-J text frame. The version is needed for the CALLERROR code spellings.
    ///
    /// Strict about the envelope (exact element counts, an integer message type id, a string id
    /// of 1..=36 characters, object payloads), lenient about what a peer reports in a CALLERROR,
    /// since a CALLERROR is never answered and dropping it would leave our CALL pending: a code
    /// in the other version's spelling is read as such, an unknown code as `GenericError`, and
    /// the details may be any JSON value.
    pub fn parse(text: &str, version: Version) -> Result<Frame, FrameError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| FrameError::new(None, FrameErrorKind::NotJson(e.to_string())))?;
        let Value::Array(items) = value else {
            return Err(FrameError::new(None, FrameErrorKind::NotAnArray));
        };
        let Some(type_id) = items.first() else {
            return Err(FrameError::new(None, FrameErrorKind::EmptyArray));
        };
        match type_id.as_u64() {
            Some(2) => {
                let [_, id, action, payload] = elements(items)?;
                let id = message_id(id)?;
                let Value::String(action) = action else {
                    return Err(error_for(&id, FrameErrorKind::BadAction));
                };
                let payload = object(payload, &id)?;
                Ok(Frame::Call {
                    id,
                    action,
                    payload,
                })
            }
            Some(3) => {
                let [_, id, payload] = elements(items)?;
                let id = message_id(id)?;
                let payload = object(payload, &id)?;
                Ok(Frame::CallResult { id, payload })
            }
            Some(4) => {
                let [_, id, code, description, details] = elements(items)?;
                let id = message_id(id)?;
                let Value::String(code) = code else {
                    return Err(error_for(&id, FrameErrorKind::BadErrorCode));
                };
                let Value::String(description) = description else {
                    return Err(error_for(&id, FrameErrorKind::BadErrorDescription));
                };
                let code = CallErrorCode::parse(&code, version)
                    .or_else(|| CallErrorCode::parse(&code, other(version)))
                    .unwrap_or(CallErrorCode::GenericError);
                Ok(Frame::CallError {
                    id,
                    code,
                    description,
                    details,
                })
            }
            _ => {
                let kind = FrameErrorKind::BadMessageTypeId(type_id.to_string());
                Err(FrameError::new(raw_id(&items), kind))
            }
        }
    }

    /// Renders to the JSON array text: `[2,id,action,payload]`, `[3,id,payload]` or
    /// `[4,id,code,description,details]`, with the code spelled for `version` (and, on 2.0.1,
    /// the description cut to its 255-character limit).
    pub fn to_text(&self, version: Version) -> String {
        let text = match self {
            Frame::Call {
                id,
                action,
                payload,
            } => serde_json::to_string(&(2, id, action, payload)),
            Frame::CallResult { id, payload } => serde_json::to_string(&(3, id, payload)),
            Frame::CallError {
                id,
                code,
                description,
                details,
            } => serde_json::to_string(&(
                4,
                id,
                code.as_str(version),
                truncated(description, version),
                details,
            )),
        };
        text.expect("strings and JSON values always serialize")
    }

    /// The message id, whatever the message type.
    pub fn id(&self) -> &MessageId {
        match self {
            Frame::Call { id, .. } | Frame::CallResult { id, .. } | Frame::CallError { id, .. } => {
                id
            }
        }
    }

    /// Renders a CALLERROR with empty details for a raw id that may not be a valid
    /// [`MessageId`]: the answer to a bad frame (see [`FrameError::id`]).
    pub fn call_error_text(
        raw_id: &str,
        code: CallErrorCode,
        description: &str,
        version: Version,
    ) -> String {
        let details = Map::new();
        let frame = (
            4,
            raw_id,
            code.as_str(version),
            truncated(description, version),
            &details,
        );
        serde_json::to_string(&frame).expect("strings and JSON values always serialize")
    }
}

/// Moves the elements out of a frame array of exactly `N` elements.
fn elements<const N: usize>(items: Vec<Value>) -> Result<[Value; N], FrameError> {
    <[Value; N]>::try_from(items).map_err(|items| {
        let kind = FrameErrorKind::WrongArity {
            expected: N,
            found: items.len(),
        };
        FrameError::new(raw_id(&items), kind)
    })
}

/// The id at position 1 as a raw string, if it is a string at all.
fn raw_id(items: &[Value]) -> Option<String> {
    items.get(1).and_then(Value::as_str).map(str::to_owned)
}

fn message_id(value: Value) -> Result<MessageId, FrameError> {
    match value {
        Value::String(s) => MessageId::checked(s).map_err(|(raw, error)| {
            FrameError::new(Some(raw), FrameErrorKind::BadMessageId(error.to_string()))
        }),
        other => {
            let kind = FrameErrorKind::BadMessageId(format!("{other} is not a string"));
            Err(FrameError::new(None, kind))
        }
    }
}

fn object(payload: Value, id: &MessageId) -> Result<Value, FrameError> {
    if payload.is_object() {
        Ok(payload)
    } else {
        Err(error_for(id, FrameErrorKind::PayloadNotObject))
    }
}

fn error_for(id: &MessageId, kind: FrameErrorKind) -> FrameError {
    FrameError::new(Some(id.as_str().to_owned()), kind)
}

fn other(version: Version) -> Version {
    match version {
        Version::V16 => Version::V201,
        Version::V201 => Version::V16,
    }
}

/// `description`, cut to 255 characters on 2.0.1.
fn truncated(description: &str, version: Version) -> &str {
    if version == Version::V16 || description.len() <= MAX_DESCRIPTION_CHARS {
        return description;
    }
    match description.char_indices().nth(MAX_DESCRIPTION_CHARS) {
        Some((end, _)) => &description[..end],
        None => description,
    }
}
