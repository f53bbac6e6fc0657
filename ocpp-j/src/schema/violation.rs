//! [`Violation`]: the first way a payload breaks its schema, with the CALLERROR code it earns.
//! Also the validator's internal [`Failure`], which collects the path while the recursion
//! unwinds, so that the success path never builds one.

use crate::CallErrorCode;

/// The first way a payload breaks its schema (depth-first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{message}", .path, separator(.path))]
pub struct Violation {
    pub kind: ViolationKind,
    /// Where, e.g. `meterValue[0].sampledValue[1].value`; `""` for the payload itself. A missing
    /// or unexpected property is named by its own path.
    pub path: String,
    /// Human readable, e.g. ``required property `idTag` is missing``.
    pub message: String,
}

/// Which kind of schema rule was broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    /// A required property is absent.
    Missing,
    /// A property the schema does not allow (`additionalProperties: false`).
    Unexpected,
    /// A value of the wrong JSON type (including a fraction where an integer is expected).
    WrongType,
    /// A string longer than `maxLength` characters.
    TooLong,
    /// A number below `minimum` or above `maximum`.
    OutOfRange,
    /// An array shorter than `minItems`.
    TooFewItems,
    /// An array longer than `maxItems`.
    TooManyItems,
    /// A value outside the `enum`.
    NotInEnum,
    /// A string that is not a `date-time` or `uri`.
    BadFormat,
    /// A number that is not a `multipleOf` the step.
    NotMultipleOf,
}

impl Violation {
    /// The CALLERROR code answering a CALL whose payload has this violation.
    pub fn error_code(&self) -> CallErrorCode {
        match self.kind {
            ViolationKind::Missing | ViolationKind::TooFewItems | ViolationKind::TooManyItems => {
                CallErrorCode::OccurrenceConstraintViolation
            }
            ViolationKind::WrongType => CallErrorCode::TypeConstraintViolation,
            ViolationKind::Unexpected => CallErrorCode::FormatViolation,
            ViolationKind::TooLong
            | ViolationKind::OutOfRange
            | ViolationKind::NotInEnum
            | ViolationKind::BadFormat
            | ViolationKind::NotMultipleOf => CallErrorCode::PropertyConstraintViolation,
        }
    }
}

fn separator(path: &str) -> &'static str {
    if path.is_empty() { "" } else { ": " }
}

/// A violation on its way up: each enclosing object or array adds its segment.
#[derive(Debug)]
pub(super) struct Failure {
    kind: ViolationKind,
    message: String,
    /// Innermost segment first.
    path: Vec<Segment>,
}

#[derive(Debug)]
pub(super) enum Segment {
    Key(String),
    Index(usize),
}

impl Failure {
    pub(super) fn new(kind: ViolationKind, message: String) -> Box<Failure> {
        Box::new(Failure {
            kind,
            message,
            path: Vec::new(),
        })
    }

    /// Adds the segment leading to where the failure happened, on the way up.
    pub(super) fn within(mut self: Box<Self>, segment: Segment) -> Box<Self> {
        self.path.push(segment);
        self
    }

    pub(super) fn into_violation(self) -> Violation {
        let mut path = String::new();
        for segment in self.path.iter().rev() {
            match segment {
                Segment::Key(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                Segment::Index(index) => {
                    path.push('[');
                    path.push_str(&index.to_string());
                    path.push(']');
                }
            }
        }
        Violation {
            kind: self.kind,
            path,
            message: self.message,
        }
    }
}
