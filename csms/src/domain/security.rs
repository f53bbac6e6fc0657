//! A charge point's OCPP security profile: how it proves who it is. 1: a password (HTTP Basic
//! auth), over ws:// or wss://. 2: a password, over wss:// only. 3: a client certificate,
//! signed by the operator's charge point CA and naming the charge point, over wss://.

use serde::{Deserialize, Serialize};

use super::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum SecurityProfile {
    Password,
    PasswordOverTls,
    Certificate,
}

impl SecurityProfile {
    /// The profile's number, as OCPP and the API name it.
    pub fn number(self) -> u8 {
        match self {
            SecurityProfile::Password => 1,
            SecurityProfile::PasswordOverTls => 2,
            SecurityProfile::Certificate => 3,
        }
    }

    /// Whether it connects only over TLS.
    pub fn needs_tls(self) -> bool {
        self != SecurityProfile::Password
    }
}

impl TryFrom<u8> for SecurityProfile {
    type Error = InvalidValue;
    fn try_from(n: u8) -> Result<Self, InvalidValue> {
        match n {
            1 => Ok(SecurityProfile::Password),
            2 => Ok(SecurityProfile::PasswordOverTls),
            3 => Ok(SecurityProfile::Certificate),
            _ => Err(InvalidValue(format!(
                "{n} is not a security profile (1, 2 or 3)"
            ))),
        }
    }
}

impl From<SecurityProfile> for u8 {
    fn from(p: SecurityProfile) -> u8 {
        p.number()
    }
}

impl std::fmt::Display for SecurityProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.number().fmt(f)
    }
}
