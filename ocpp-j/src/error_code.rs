//! [`CallErrorCode`]: the error codes a CALLERROR carries, and how each OCPP version spells them
//! on the wire. The two versions disagree on spelling (1.6 says `FormationViolation` and, sic,
//! `OccurenceConstraintViolation`) and 2.0.1 adds two codes that 1.6 lacks; this file is the one
//! place that knows, so the rest of the code names errors by meaning only.

use crate::Version;

/// What went wrong with a CALL, as reported in a CALLERROR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallErrorCode {
    /// The requested action is not known by the receiver.
    NotImplemented,
    /// The requested action is recognized but not supported by the receiver.
    NotSupported,
    /// An internal error occurred and the receiver was not able to process the action.
    InternalError,
    /// The payload for the action is incomplete.
    ProtocolError,
    /// A security issue prevented the receiver from completing the action.
    SecurityError,
    /// The payload is syntactically incorrect. 1.6: `FormationViolation`; 2.0.1: `FormatViolation`.
    FormatViolation,
    /// A field holds a value that breaks a constraint (length, enumeration, range, format).
    PropertyConstraintViolation,
    /// A field is missing or occurs too often. 1.6: `OccurenceConstraintViolation` (sic);
    /// 2.0.1: `OccurrenceConstraintViolation`.
    OccurrenceConstraintViolation,
    /// A field holds a value of the wrong type.
    TypeConstraintViolation,
    /// Any other error.
    GenericError,
    /// 2.0.1 only: the message type id is not known. Rendered as `NotSupported` on 1.6.
    MessageTypeNotSupported,
    /// 2.0.1 only: the frame is not a valid RPC message (e.g. the message id cannot be read).
    /// Rendered as `ProtocolError` on 1.6.
    RpcFrameworkError,
}

/// Every code with its 1.6 and its 2.0.1 spelling. The 2.0.1-only codes carry the closest 1.6
/// code as their 1.6 spelling; they come last, so parsing 1.6 text finds the 1.6 code first.
const SPELLINGS: [(CallErrorCode, &str, &str); 12] = [
    (
        CallErrorCode::NotImplemented,
        "NotImplemented",
        "NotImplemented",
    ),
    (CallErrorCode::NotSupported, "NotSupported", "NotSupported"),
    (
        CallErrorCode::InternalError,
        "InternalError",
        "InternalError",
    ),
    (
        CallErrorCode::ProtocolError,
        "ProtocolError",
        "ProtocolError",
    ),
    (
        CallErrorCode::SecurityError,
        "SecurityError",
        "SecurityError",
    ),
    (
        CallErrorCode::FormatViolation,
        "FormationViolation",
        "FormatViolation",
    ),
    (
        CallErrorCode::PropertyConstraintViolation,
        "PropertyConstraintViolation",
        "PropertyConstraintViolation",
    ),
    (
        CallErrorCode::OccurrenceConstraintViolation,
        "OccurenceConstraintViolation",
        "OccurrenceConstraintViolation",
    ),
    (
        CallErrorCode::TypeConstraintViolation,
        "TypeConstraintViolation",
        "TypeConstraintViolation",
    ),
    (CallErrorCode::GenericError, "GenericError", "GenericError"),
    (
        CallErrorCode::MessageTypeNotSupported,
        "NotSupported",
        "MessageTypeNotSupported",
    ),
    (
        CallErrorCode::RpcFrameworkError,
        "ProtocolError",
        "RpcFrameworkError",
    ),
];

impl CallErrorCode {
    /// Every code.
    pub fn all() -> impl Iterator<Item = CallErrorCode> {
        SPELLINGS.iter().map(|(code, _, _)| *code)
    }

    /// The code as `version` spells it on the wire. The 2.0.1-only codes become their closest
    /// 1.6 relative: `MessageTypeNotSupported` → `NotSupported`, `RpcFrameworkError` →
    /// `ProtocolError`.
    pub fn as_str(self, version: Version) -> &'static str {
        // SPELLINGS lists every variant, as a test checks.
        let (_, v16, v201) = SPELLINGS.iter().find(|(code, _, _)| *code == self).unwrap();
        match version {
            Version::V16 => v16,
            Version::V201 => v201,
        }
    }

    /// The code `version` spells `s`. Only that version's spellings are accepted:
    /// `FormatViolation` is not a 1.6 code, nor `FormationViolation` a 2.0.1 one.
    pub fn parse(s: &str, version: Version) -> Option<Self> {
        SPELLINGS
            .iter()
            .find(|(_, v16, v201)| match version {
                Version::V16 => *v16 == s,
                Version::V201 => *v201 == s,
            })
            .map(|(code, _, _)| *code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_version_spells_the_codes_its_own_way() {
        use CallErrorCode::*;
        let cases = [
            (FormatViolation, "FormationViolation", "FormatViolation"),
            (
                OccurrenceConstraintViolation,
                "OccurenceConstraintViolation",
                "OccurrenceConstraintViolation",
            ),
            (
                MessageTypeNotSupported,
                "NotSupported",
                "MessageTypeNotSupported",
            ),
            (RpcFrameworkError, "ProtocolError", "RpcFrameworkError"),
            (NotImplemented, "NotImplemented", "NotImplemented"),
            (GenericError, "GenericError", "GenericError"),
        ];
        for (code, v16, v201) in cases {
            assert_eq!(code.as_str(Version::V16), v16, "{code:?}");
            assert_eq!(code.as_str(Version::V201), v201, "{code:?}");
        }
    }

    #[test]
    fn the_spelling_table_lists_every_code_once_in_declaration_order() {
        use CallErrorCode::*;
        // An exhaustive match: a new variant does not compile until it is placed here, and the
        // assertion below then asks for its row in SPELLINGS.
        let position = |code: CallErrorCode| match code {
            NotImplemented => 0,
            NotSupported => 1,
            InternalError => 2,
            ProtocolError => 3,
            SecurityError => 4,
            FormatViolation => 5,
            PropertyConstraintViolation => 6,
            OccurrenceConstraintViolation => 7,
            TypeConstraintViolation => 8,
            GenericError => 9,
            MessageTypeNotSupported => 10,
            RpcFrameworkError => 11,
        };
        for (row, (code, _, _)) in SPELLINGS.iter().enumerate() {
            assert_eq!(position(*code), row, "{code:?}");
        }
    }

    #[test]
    fn every_code_parses_back_from_its_own_spelling() {
        for (code, v16, v201) in SPELLINGS {
            assert_eq!(CallErrorCode::parse(v201, Version::V201), Some(code));
            let expected_v16 = match code {
                CallErrorCode::MessageTypeNotSupported => CallErrorCode::NotSupported,
                CallErrorCode::RpcFrameworkError => CallErrorCode::ProtocolError,
                code => code,
            };
            assert_eq!(CallErrorCode::parse(v16, Version::V16), Some(expected_v16));
        }
    }

    #[test]
    fn parsing_accepts_only_the_spellings_of_the_version_asked_for() {
        let cases = [
            ("FormatViolation", Version::V16, None),
            ("FormationViolation", Version::V201, None),
            ("OccurrenceConstraintViolation", Version::V16, None),
            ("OccurenceConstraintViolation", Version::V201, None),
            ("RpcFrameworkError", Version::V16, None),
            ("MessageTypeNotSupported", Version::V16, None),
            (
                "NotSupported",
                Version::V16,
                Some(CallErrorCode::NotSupported),
            ),
            ("notimplemented", Version::V201, None),
            ("", Version::V201, None),
        ];
        for (text, version, expected) in cases {
            assert_eq!(
                CallErrorCode::parse(text, version),
                expected,
                "{text:?} on {version}"
            );
        }
    }
}
