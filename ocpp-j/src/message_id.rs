//! [`MessageId`]: the id that pairs a CALL with its CALLRESULT or CALLERROR. OCPP-J allows any
//! string of 1 to 36 characters; the sender picks it and the receiver only echoes it back, so the
//! content is never interpreted (UUIDs, counters and hex strings are all seen in the field).

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

/// The longest message id OCPP-J allows, in characters.
pub const MAX_LEN: usize = 36;

/// A message id of 1..=36 characters (OCPP-J); any characters otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct MessageId(String);

/// Why a string is not a [`MessageId`].
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum MessageIdError {
    #[error("message id is empty")]
    Empty,
    #[error("message id has {0} characters, more than {MAX_LEN}")]
    TooLong(usize),
}

impl MessageId {
    /// Checks the length: 1 to 36 characters (Unicode scalar values, not bytes).
    pub fn new(s: impl Into<String>) -> Result<Self, MessageIdError> {
        MessageId::checked(s.into()).map_err(|(_, error)| error)
    }

    /// Like [`MessageId::new`], but hands the string back on error, so that a frame parser can
    /// still echo a bad id in its CALLERROR without having cloned it up front.
    pub(crate) fn checked(s: String) -> Result<Self, (String, MessageIdError)> {
        // Byte length bounds the character count, so the common case never counts characters.
        if s.is_empty() {
            return Err((s, MessageIdError::Empty));
        }
        if s.len() > MAX_LEN {
            let chars = s.chars().count();
            if chars > MAX_LEN {
                return Err((s, MessageIdError::TooLong(chars)));
            }
        }
        Ok(MessageId(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MessageId {
    type Error = MessageIdError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        MessageId::new(s)
    }
}

impl AsRef<str> for MessageId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for MessageId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_from_one_to_thirty_six_characters_are_accepted() {
        let cases: [(String, Result<(), MessageIdError>); 7] = [
            ("1".into(), Ok(())),
            ("a".repeat(36), Ok(())),
            ("é".repeat(36), Ok(())), // 72 bytes but 36 characters
            ("19223201-3c41-4c52-a9a9-e7a6d1d2bd0f".into(), Ok(())),
            (String::new(), Err(MessageIdError::Empty)),
            ("a".repeat(37), Err(MessageIdError::TooLong(37))),
            ("é".repeat(37), Err(MessageIdError::TooLong(37))),
        ];
        for (text, expected) in cases {
            assert_eq!(
                MessageId::new(text.clone()).map(|_| ()),
                expected,
                "{text:?}"
            );
        }
    }

    #[test]
    fn serializes_as_a_plain_string_and_checks_when_deserialized() {
        let id = MessageId::new("abc-1").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""abc-1""#);
        assert_eq!(serde_json::from_str::<MessageId>(r#""abc-1""#).unwrap(), id);
        assert!(serde_json::from_str::<MessageId>(r#""""#).is_err());
        assert_eq!(id.to_string(), "abc-1");
        assert_eq!(MessageId::try_from("x".to_string()).unwrap().as_str(), "x");
    }
}
