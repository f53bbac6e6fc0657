//! Members (drivers): password rules and hashing (argon2id), bearer tokens (random, stored
//! hashed, expiring), the login rate limit, mail and NPS. Who a member is (number, email,
//! segment) is the domain's ([`crate::domain::MemberId`] and its neighbours), so the store
//! can name members without calling back here.

pub mod auth;
pub mod mailer;
pub mod nps;
mod password;
pub mod welcome;

use crate::domain::InvalidValue;
pub use crate::domain::{Email, MemberId, Segment};

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

/// Checks an IBAN (ISO 13616) with the `iban_validate` crate: its country's length and format,
/// and its mod-97 check digits. Returns it in its electronic form (no spaces, upper case).
pub fn check_iban(raw: &str) -> Result<String, InvalidValue> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    compact
        .to_uppercase()
        .parse::<iban::Iban>()
        .map(|iban| iban::IbanLike::electronic_str(&iban).to_owned())
        .map_err(|_| InvalidValue("bankAccount is not a valid IBAN".into()))
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
