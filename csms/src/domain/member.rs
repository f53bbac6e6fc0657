//! Who a member is, as every layer names them: their number, their email address, their
//! segment. Parsed at the edge like the rest of the domain.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::InvalidValue;

/// A member's number, assigned in order of registration.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(transparent)]
#[schema(value_type = i64, example = 1042)]
pub struct MemberId(pub i64);

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An email address, trimmed and lowercased: one `local@domain.tld`, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, format = Email, example = "ada@example.com")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, InvalidValue> {
        let email = raw.trim().to_lowercase();
        let bad = || InvalidValue(format!("{raw:?} is not an email address"));
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = email.split_once('@').ok_or_else(bad)?;
        let labels_ok = domain.split('.').count() >= 2
            && domain
                .split('.')
                .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        if local.is_empty() || local.len() > 64 || domain.contains('@') || !labels_ok {
            return Err(bad());
        }
        // An address the mail library cannot send to would never get its messages.
        email.parse::<lettre::Address>().map_err(|_| bad())?;
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Email::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Private drivers or business accounts (promotions may target either).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Segment {
    Private,
    Business,
}

impl Segment {
    pub fn as_str(self) -> &'static str {
        match self {
            Segment::Private => "private",
            Segment::Business => "business",
        }
    }
}

impl std::str::FromStr for Segment {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        match s {
            "private" => Ok(Segment::Private),
            "business" => Ok(Segment::Business),
            _ => Err(InvalidValue(format!(
                "{s:?} is not a segment (private or business)"
            ))),
        }
    }
}
