//! Logging members in: argon2id password hashes (run off the async threads), random bearer
//! tokens stored only as their SHA-256, and a rate limit on failed logins per email.

use std::{sync::Mutex, time::Duration};

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};
use base64::Engine;
use dashmap::DashMap;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::time::Instant;

/// Hashes a password with argon2id and a random salt (PHC string format).
pub async fn hash_password(password: String) -> String {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .expect("argon2 hashes any password")
            .to_string()
    })
    .await
    .expect("hashing does not panic")
}

/// Checks a password against a stored hash.
pub async fn verify_password(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A new bearer token: 32 random bytes, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Failed logins allowed per email within the window, before logins for it are refused.
const MAX_FAILURES: u32 = 5;
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts failed logins per email in a fixed window; in memory, as a brute-force brake.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: DashMap<String, Mutex<(u32, Instant)>>,
}

impl LoginLimiter {
    /// How long until this email may try again, if it is blocked now.
    pub fn blocked_for(&self, email: &str) -> Option<Duration> {
        let entry = self.failures.get(email)?;
        let (count, since) = *entry.lock().expect("never poisoned");
        let elapsed = since.elapsed();
        (count >= MAX_FAILURES && elapsed < WINDOW).then(|| WINDOW - elapsed)
    }

    pub fn failed(&self, email: &str) {
        let entry = self
            .failures
            .entry(email.to_owned())
            .or_insert_with(|| Mutex::new((0, Instant::now())));
        let mut slot = entry.lock().expect("never poisoned");
        if slot.1.elapsed() >= WINDOW {
            *slot = (0, Instant::now());
        }
        slot.0 += 1;
    }

    pub fn succeeded(&self, email: &str) {
        self.failures.remove(email);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse".into()).await;
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), hash.clone()).await);
        assert!(!verify_password("correct horsE".into(), hash).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[tokio::test(start_paused = true)]
    async fn five_failures_block_an_email_for_the_window() {
        let limiter = LoginLimiter::default();
        for _ in 0..4 {
            limiter.failed("a@b.es");
        }
        assert_eq!(limiter.blocked_for("a@b.es"), None);
        limiter.failed("a@b.es");
        assert!(limiter.blocked_for("a@b.es").is_some());
        assert_eq!(limiter.blocked_for("other@b.es"), None);
        tokio::time::advance(WINDOW).await;
        assert_eq!(limiter.blocked_for("a@b.es"), None);
        limiter.failed("a@b.es");
        assert_eq!(limiter.blocked_for("a@b.es"), None, "a new window");
    }
}
