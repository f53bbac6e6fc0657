//! Validated newtypes shared by every layer. Input is parsed into these at the edge (handshake
//! path, OCPP payload, REST body); code behind the edge never checks them again.

use std::{fmt, str::FromStr, sync::Arc};

use serde::{Deserialize, Serialize};

mod member;
pub mod meter;
mod security;

pub use member::{Email, MemberId, Segment};
pub use security::SecurityProfile;

/// The highest connector (EVSE) number a charge point may report: chargers number theirs from 1,
/// and a status for any new number adds a connector to the fleet and the store.
pub const MAX_CONNECTOR_ID: u32 = 32;

/// Why a value was refused at the edge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

/// A charge point's identity: 1 to 48 characters, printable ASCII without `:` (the OCPP
/// security whitepaper forbids it because it separates user and password in Basic auth) or `/`.
/// Cheap to clone: it is copied into every session, event and log line.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(
    value_type = String,
    example = "CP-001",
    description = "A charge point's id: 1 to 48 printable ASCII characters, without `:` or `/`."
)]
pub struct ChargePointId(Arc<str>);

impl ChargePointId {
    pub const MAX_LEN: usize = 48;

    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        if s.is_empty() || s.len() > Self::MAX_LEN {
            return Err(InvalidValue(format!(
                "a charge point id has 1 to {} characters, not {}",
                Self::MAX_LEN,
                s.chars().count()
            )));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !c.is_ascii_graphic() || *c == ':' || *c == '/')
        {
            return Err(InvalidValue(format!(
                "a charge point id may not contain {c:?}"
            )));
        }
        Ok(Self(Arc::from(s)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChargePointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ChargePointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

impl<'de> Deserialize<'de> for ChargePointId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An RFID or app token as OCPP 1.6 carries it (`CiString20`): 1 to 20 characters.
/// Compared case-insensitively by chargers; we keep the spelling we were given.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, example = "04A2B3C4D5E6F7")]
pub struct IdTag(String);

impl IdTag {
    pub const MAX_LEN: usize = 20;

    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let n = s.chars().count();
        if n == 0 || n > Self::MAX_LEN {
            return Err(InvalidValue(format!(
                "an id tag has 1 to {} characters, not {n}",
                Self::MAX_LEN
            )));
        }
        if s.chars().any(char::is_control) {
            return Err(InvalidValue(
                "an id tag may not contain control characters".into(),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IdTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl<'de> Deserialize<'de> for IdTag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Defines a closed set of names that travel as strings (REST, OCPP, the store).
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant)),+ }
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, InvalidValue> {
                match s {
                    $(stringify!($variant) => Ok($name::$variant),)+
                    _ => Err(InvalidValue(format!(
                        concat!("`{}` is not a ", stringify!($name), " (one of {})"),
                        s,
                        [$(stringify!($variant)),+].join(", ")
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// The plug of a connector.
    ConnectorType { CCS2, Type2, CHAdeMO, Schuko }
);

string_enum!(
    /// A connector's (or, for connector 0, the whole charge point's) status as last reported.
    ConnectorStatus {
        Available, Preparing, Charging, SuspendedEV, SuspendedEVSE, Finishing,
        Reserved, Unavailable, Faulted, Unknown,
    }
);

string_enum!(
    /// What an id tag is allowed to do (the `idTagInfo.status` of OCPP 1.6).
    AuthorizationStatus { Accepted, Blocked, Expired, Invalid, ConcurrentTx }
);

string_enum!(
    /// Whether a Green Card may be used.
    CardStatus { Active, Blocked }
);

string_enum!(
    /// The answer last given to a charge point's BootNotification; it survives reconnects.
    RegistrationStatus { Accepted, Pending, Rejected }
);

string_enum!(
    /// Where a reservation stands. `Pending`: its hold is taken and the charge point has not
    /// answered yet; `Scheduled`: a booking waiting for its slot; `Active`: the charge point
    /// holds the connector; then `Used`, `Cancelled`, `Expired` or `Refused` (by the charge point).
    ReservationStatus { Pending, Scheduled, Active, Used, Cancelled, Expired, Refused }
);

impl ReservationStatus {
    /// The statuses in which a reservation still claims its connector's calendar: the one
    /// definition of "open" (the store's queries are built from it).
    pub const OPEN: [ReservationStatus; 3] = [Self::Pending, Self::Scheduled, Self::Active];
    /// The open statuses in which a hold on the connector is taken (a start can use it).
    pub const HOLDING: [ReservationStatus; 2] = [Self::Pending, Self::Active];

    /// Whether the reservation still claims its connector's calendar.
    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// `status IN ('A', 'B')` for these statuses (names of our own, never input).
    pub fn sql_in(statuses: &[ReservationStatus]) -> String {
        let names: Vec<String> = statuses.iter().map(|s| format!("'{s}'")).collect();
        format!("status IN ({})", names.join(", "))
    }
}

/// Whether any string of a JSON value (or key of an object) holds a NUL character: no field
/// of ours may, and PostgreSQL's text cannot.
pub fn json_has_nul(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(json_has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || json_has_nul(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charge_point_ids_are_bounded_and_free_of_separators() {
        assert!(ChargePointId::parse("CP-001").is_ok());
        assert!(ChargePointId::parse(&"x".repeat(48)).is_ok());
        for bad in ["", &"x".repeat(49), "a:b", "a/b", "a b", "é"] {
            assert!(ChargePointId::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn id_tags_have_one_to_twenty_characters() {
        assert!(IdTag::parse("04A2B3C4D5E6F7").is_ok());
        assert!(IdTag::parse(&"ñ".repeat(20)).is_ok());
        assert!(IdTag::parse("").is_err());
        assert!(IdTag::parse(&"x".repeat(21)).is_err());
    }

    #[test]
    fn string_enums_round_trip_and_name_the_alternatives() {
        for s in ConnectorStatus::ALL {
            assert_eq!(s.as_str().parse::<ConnectorStatus>().unwrap(), *s);
        }
        let err = "Plug".parse::<ConnectorType>().unwrap_err();
        assert!(err.0.contains("CCS2, Type2, CHAdeMO, Schuko"), "{err}");
    }

    #[test]
    fn nul_characters_are_found_at_any_depth() {
        use serde_json::json;
        assert!(!json_has_nul(&json!({"a": ["b", {"c": 1}]})));
        assert!(json_has_nul(&json!({"a": ["b", {"c": "x\u{0}y"}]})));
        assert!(json_has_nul(&json!({"k\u{0}": 1})));
    }

    #[test]
    fn an_open_reservation_is_defined_once() {
        assert_eq!(
            ReservationStatus::sql_in(&ReservationStatus::OPEN),
            "status IN ('Pending', 'Scheduled', 'Active')"
        );
        for s in ReservationStatus::ALL {
            assert_eq!(s.is_open(), ReservationStatus::OPEN.contains(s));
        }
        assert!(ReservationStatus::HOLDING.iter().all(|s| s.is_open()));
    }
}
