//! The OCPP versions this crate speaks, and the WebSocket subprotocol that names each one during
//! the handshake. Everything version-dependent (error code spellings, schema catalogues) is keyed
//! by [`Version`].

use std::fmt;

/// An OCPP version, as negotiated through the WebSocket subprotocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// OCPP 1.6 (JSON), subprotocol `ocpp1.6`.
    V16,
    /// OCPP 2.0.1, subprotocol `ocpp2.0.1`.
    V201,
}

impl Version {
    /// Every supported version. The order carries no preference: during the handshake the
    /// client's order of preference wins.
    pub const ALL: [Version; 2] = [Version::V16, Version::V201];

    /// The WebSocket subprotocol naming this version: `ocpp1.6` or `ocpp2.0.1`.
    pub fn subprotocol(self) -> &'static str {
        match self {
            Version::V16 => "ocpp1.6",
            Version::V201 => "ocpp2.0.1",
        }
    }

    /// The version a subprotocol names. Exact and case-sensitive, as RFC 6455 compares tokens.
    pub fn from_subprotocol(s: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.subprotocol() == s)
    }
}

impl fmt::Display for Version {
    /// Writes the subprotocol, e.g. `ocpp1.6`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.subprotocol())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subprotocols_round_trip_and_match_exactly() {
        let cases = [
            ("ocpp1.6", Some(Version::V16)),
            ("ocpp2.0.1", Some(Version::V201)),
            ("OCPP1.6", None),
            ("ocpp1.6 ", None),
            ("ocpp2.0", None),
            ("ocpp2.1", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(Version::from_subprotocol(text), expected, "{text:?}");
        }
        for version in Version::ALL {
            assert_eq!(
                Version::from_subprotocol(version.subprotocol()),
                Some(version)
            );
            assert_eq!(version.to_string(), version.subprotocol());
        }
    }
}
