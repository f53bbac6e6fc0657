//! Charge point passwords (OCPP security profiles 1 and 2): at least 16 characters, stored as
//! a salted SHA-256 digest, checked in constant time. A fast hash is deliberate: these are
//! machine-generated secrets, not words a person chose, and a reconnect storm of the whole
//! fleet must not spend seconds of CPU per charger the way argon2 would.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const MIN_PASSWORD_LEN: usize = 16;
/// OCPP 1.6 security profile 1 caps the AuthorizationKey at 40 characters.
pub const MAX_PASSWORD_LEN: usize = 40;

fn digest(salt: &[u8], password: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(password.as_bytes());
    h.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Checks the length rules; the error says what is wrong.
pub fn check_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&n) {
        return Err(format!(
            "a charge point password has {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters, not {n}"
        ));
    }
    Ok(())
}

/// `sha256$<salt hex>$<digest hex>`.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    format!("sha256${}${}", hex(&salt), hex(&digest(&salt, password)))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some("sha256"), Some(salt), Some(expected), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Some(salt), Some(expected)) = (unhex(salt), unhex(expected)) else {
        return false;
    };
    digest(&salt, password).ct_eq(expected.as_slice()).into()
}

/// Reads `Authorization: Basic base64(user:password)`.
pub fn parse_basic_auth(header: &str) -> Option<(String, String)> {
    let encoded = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let stored = hash_password("correct-horse-battery");
        assert!(verify_password("correct-horse-battery", &stored));
        assert!(!verify_password("correct-horse-batterY", &stored));
        assert!(!verify_password("correct-horse-battery", "sha256$zz$00"));
        assert_ne!(stored, hash_password("correct-horse-battery"), "salted");
    }

    #[test]
    fn passwords_have_sixteen_to_forty_characters() {
        assert!(check_password(&"x".repeat(15)).is_err());
        assert!(check_password(&"x".repeat(16)).is_ok());
        assert!(check_password(&"x".repeat(40)).is_ok());
        assert!(check_password(&"x".repeat(41)).is_err());
    }

    #[test]
    fn basic_auth_splits_at_the_first_colon() {
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("CP-1:pa:ss")
        );
        assert_eq!(
            parse_basic_auth(&header),
            Some(("CP-1".into(), "pa:ss".into()))
        );
        assert_eq!(parse_basic_auth("Bearer x"), None);
        assert_eq!(parse_basic_auth("Basic !!!"), None);
    }
}
