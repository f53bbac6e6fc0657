//! Members (drivers): their identity types, password hashing (argon2id), bearer tokens
//! (random, stored hashed, expiring) and the login rate limit. The store keeps them; the API
//! exposes them; nothing here does I/O except through those.

pub mod auth;
pub mod mailer;
pub mod nps;
mod password;
pub mod welcome;

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::InvalidValue;

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

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

pub fn check_password(password: &str) -> Result<(), InvalidValue> {
    let n = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        return Err(InvalidValue(format!(
            "a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

/// A bank account as members may see it: all but the last 4 characters hidden.
pub fn mask_account(account: &str) -> String {
    let chars: Vec<char> = account.chars().filter(|c| !c.is_whitespace()).collect();
    let shown = chars.len().saturating_sub(4);
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < shown { '*' } else { *c })
        .collect()
}

/// Checks an IBAN's shape and its mod-97 check digits (ISO 13616).
pub fn check_iban(raw: &str) -> Result<String, InvalidValue> {
    let iban: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let bad = || InvalidValue("bankAccount is not a valid IBAN".into());
    if !(15..=34).contains(&iban.len()) || !iban.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad());
    }
    let (head, tail) = iban.split_at(4);
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let value = c.to_digit(36).ok_or_else(bad)?;
        for digit in value.to_string().chars() {
            remainder = (remainder * 10 + digit.to_digit(10).expect("a digit")) % 97;
        }
    }
    if remainder == 1 { Ok(iban) } else { Err(bad()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ana.Garcia@Example.ES ").unwrap().as_str(),
            "ana.garcia@example.es"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.es",
            "ana@example",
            "a b@example.es",
            "a@b@c.es",
            "ana@-x.es",
            "a<b@example.es",
            "a\"b@example.es",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn accounts_show_only_their_last_four_characters() {
        assert_eq!(
            mask_account("ES91 2100 0418 4502 0005 1332"),
            "********************1332"
        );
        assert_eq!(mask_account("123"), "123");
    }

    #[test]
    fn ibans_are_checked_by_their_check_digits() {
        assert_eq!(
            check_iban("es91 2100 0418 4502 0005 1332").unwrap(),
            "ES9121000418450200051332"
        );
        assert!(check_iban("ES9121000418450200051333").is_err());
        assert!(check_iban("not an iban").is_err());
    }

    #[test]
    fn passwords_have_ten_characters_at_least() {
        assert!(check_password("123456789").is_err());
        assert!(check_password("1234567890").is_ok());
    }
}
