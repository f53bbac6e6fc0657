//! The vocabulary of the charge point model, independent of any OCPP version: id tags, connector
//! kinds and statuses, fault codes, registration and authorization outcomes, stop reasons. The
//! protocol layer maps each of these to its version's spelling.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value was refused at the edge of the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

/// A driver's RFID or app token: 1 to 20 characters without control characters (OCPP
/// `CiString20`). Compared case-insensitively, as chargers do.
#[derive(Clone, Debug, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdTag(String);

impl IdTag {
    pub const MAX_LEN: usize = 20;

    pub fn parse(s: &str) -> Result<IdTag, InvalidValue> {
        let n = s.chars().count();
        if n == 0 || n > Self::MAX_LEN {
            return Err(InvalidValue(format!(
                "an id tag has 1 to {} characters, not {n}: {s:?}",
                Self::MAX_LEN
            )));
        }
        if s.chars().any(char::is_control) {
            return Err(InvalidValue(format!("id tag {s:?} has control characters")));
        }
        Ok(IdTag(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq for IdTag {
    fn eq(&self, other: &IdTag) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl TryFrom<String> for IdTag {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<IdTag, InvalidValue> {
        IdTag::parse(&s)
    }
}

impl From<IdTag> for String {
    fn from(tag: IdTag) -> String {
        tag.0
    }
}

impl fmt::Display for IdTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The plug of a connector; it decides the power range and the shape of the charging curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConnectorKind {
    /// DC, 50 to 150 kW here.
    CCS2,
    /// AC, 7 to 22 kW.
    Type2,
    /// DC, 50 kW.
    CHAdeMO,
}

impl ConnectorKind {
    pub fn is_dc(self) -> bool {
        matches!(self, ConnectorKind::CCS2 | ConnectorKind::CHAdeMO)
    }

    /// The powers this kind plausibly has, in kW (a scenario may not leave them).
    pub fn power_range_kw(self) -> (f64, f64) {
        match self {
            ConnectorKind::CCS2 => (50.0, 150.0),
            ConnectorKind::Type2 => (7.0, 22.0),
            ConnectorKind::CHAdeMO => (50.0, 50.0),
        }
    }
}

impl fmt::Display for ConnectorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A connector's status as reported to the central system (connector 0: the charge point).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Status {
    Available,
    Preparing,
    Charging,
    SuspendedEv,
    SuspendedEvse,
    Finishing,
    Reserved,
    Unavailable,
    Faulted,
}

/// What went wrong with a faulted connector (`NoError` otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FaultCode {
    NoError,
    GroundFailure,
    HighTemperature,
    OverCurrentFailure,
    PowerMeterFailure,
    ConnectorLockFailure,
    InternalError,
    OtherError,
}

/// The central system's answer to a boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Registration {
    Accepted,
    Pending,
    Rejected,
}

/// What the central system says about an id tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum AuthStatus {
    Accepted,
    Blocked,
    Expired,
    Invalid,
    ConcurrentTx,
}

/// Why a transaction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum StopReason {
    /// The driver presented the tag again.
    Local,
    /// The cable was pulled while charging.
    EvDisconnected,
    /// RemoteStopTransaction.
    Remote,
    /// The central system refused the tag in StartTransaction's answer.
    DeAuthorized,
    SoftReset,
    HardReset,
    UnlockCommand,
    /// A fault of the connector.
    Other,
}

/// Why a sample was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SampleContext {
    Periodic,
    Trigger,
    TransactionBegin,
    TransactionEnd,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_tags_have_one_to_twenty_characters_and_compare_ignoring_case() {
        assert!(IdTag::parse("04A2B3C4").is_ok());
        assert!(IdTag::parse("").is_err());
        assert!(IdTag::parse(&"x".repeat(21)).is_err());
        assert!(IdTag::parse("a\nb").is_err());
        assert_eq!(IdTag::parse("abc").unwrap(), IdTag::parse("ABC").unwrap());
    }
}
