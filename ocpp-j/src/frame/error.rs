//! [`FrameError`]: why a text is not an OCPP-J frame, and the CALLERROR code to answer it with.
//! The mapping from problem to code lives here and nowhere else.

use crate::CallErrorCode;

/// A text that is not a valid OCPP-J frame.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{kind}")]
pub struct FrameError {
    /// The raw message id, when position 1 held a JSON string (even an invalid one), so that the
    /// caller can answer with a CALLERROR; `None` when there is nothing to echo.
    pub id: Option<String>,
    pub kind: FrameErrorKind,
}

/// What was wrong with the frame.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum FrameErrorKind {
    /// The text is not JSON at all (holds serde_json's message).
    #[error("not JSON: {0}")]
    NotJson(String),
    /// Valid JSON, but not an array.
    #[error("not a JSON array")]
    NotAnArray,
    /// `[]`: no message type id.
    #[error("empty array")]
    EmptyArray,
    /// Position 0 is not the number 2, 3 or 4 (holds position 0 as JSON text).
    #[error("message type id {0} is not 2 (CALL), 3 (CALLRESULT) or 4 (CALLERROR)")]
    BadMessageTypeId(String),
    /// Position 1 is missing, not a string, empty or longer than 36 characters.
    #[error("bad message id: {0}")]
    BadMessageId(String),
    /// The array has the wrong number of elements for its message type.
    #[error("expected {expected} elements for this message type, found {found}")]
    WrongArity { expected: usize, found: usize },
    /// A CALL whose action is not a string.
    #[error("action is not a string")]
    BadAction,
    /// A CALL or CALLRESULT whose payload is not a JSON object.
    #[error("payload is not a JSON object")]
    PayloadNotObject,
    /// A CALLERROR whose error code is not a string. (An unknown code string is not an error:
    /// it is read as `GenericError`, see [`crate::Frame::parse`].)
    #[error("error code is not a string")]
    BadErrorCode,
    /// A CALLERROR whose error description is not a string.
    #[error("error description is not a string")]
    BadErrorDescription,
}

impl FrameError {
    pub(crate) fn new(id: Option<String>, kind: FrameErrorKind) -> Self {
        FrameError { id, kind }
    }

    /// The code to answer this frame with (when [`FrameError::id`] allows an answer at all).
    ///
    /// The mapping follows the OCPP-J 2.0.1 definitions, and relies on [`CallErrorCode::as_str`]
    /// to fall back to the nearest 1.6 code:
    /// - an unknown message type id is `MessageTypeNotSupported` (1.6: `NotSupported`);
    /// - a payload that is not an object is `FormatViolation` (1.6: `FormationViolation`):
    ///   the RPC envelope was fine, the payload is syntactically wrong;
    /// - anything else wrong with the envelope (not JSON, not an array, a bad id, the wrong
    ///   number of elements, an action or error field of the wrong type) is `RpcFrameworkError`
    ///   ("content of the call is not a valid RPC request"; 1.6: `ProtocolError`).
    pub fn error_code(&self) -> CallErrorCode {
        match self.kind {
            FrameErrorKind::BadMessageTypeId(_) => CallErrorCode::MessageTypeNotSupported,
            FrameErrorKind::PayloadNotObject => CallErrorCode::FormatViolation,
            FrameErrorKind::NotJson(_)
            | FrameErrorKind::NotAnArray
            | FrameErrorKind::EmptyArray
            | FrameErrorKind::BadMessageId(_)
            | FrameErrorKind::WrongArity { .. }
            | FrameErrorKind::BadAction
            | FrameErrorKind::BadErrorCode
            | FrameErrorKind::BadErrorDescription => CallErrorCode::RpcFrameworkError,
        }
    }
}
