//! Logging members in: argon2id password hashes (run off the async threads, a bounded number at
//! a time: each takes 19 MiB), random bearer tokens stored only as their SHA-256, and the limits
//! on logins and registrations, per email and per client address.

use std::{net::IpAddr, sync::Arc, time::Duration};

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::password::Workspace;
use crate::{
    config::Config,
    limits::{Verdict, WindowLimiter, client_key},
};

/// Keys each limiter remembers at most (a flood of new keys makes it forget old ones sooner).
pub const TRACKED_KEYS: usize = 100_000;
/// The window of failed logins per email.
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a login or registration waits for a turn at hashing before it is turned away.
const HASH_QUEUE_WAIT: Duration = Duration::from_secs(5);

/// Every hasher is busy: the server is overloaded, and the client should come back shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server is busy checking passwords")]
pub struct Busy;

/// Password hashing on a few threads of its own: as many hashes at once as threads, so memory
/// stays bounded, and always on the same threads, so the allocator reuses each one's 19 MiB
/// instead of keeping a fresh arena's worth per blocking thread that ever hashed.
#[derive(Debug, Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    jobs: std::sync::mpsc::SyncSender<Job>,
}

type Job = Box<dyn FnOnce(&mut Workspace) + Send>;

impl Hasher {
    pub fn new(threads: usize) -> Hasher {
        let threads = threads.max(1);
        // A job is sent only with a permit, so the channel never holds more than `threads`.
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(threads);
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("csms-hasher-{n}"))
                .spawn(move || {
                    let mut workspace = Workspace::default();
                    loop {
                        let job = queue
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .recv();
                        match job {
                            // A panic in one hash (a bug) costs its caller an error, never
                            // the thread: the next hash gets fresh memory.
                            Ok(job) => {
                                let run = std::panic::AssertUnwindSafe(|| job(&mut workspace));
                                if std::panic::catch_unwind(run).is_err() {
                                    workspace = Workspace::default();
                                }
                            }
                            // Every Hasher is gone.
                            Err(_) => break,
                        }
                    }
                })
                .expect("a hasher thread starts");
        }
        Hasher {
            permits: Arc::new(Semaphore::new(threads)),
            jobs,
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Workspace) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let _permit = tokio::time::timeout(HASH_QUEUE_WAIT, self.permits.acquire())
            .await
            .map_err(|_| Busy)?
            .expect("the semaphore is never closed");
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |workspace| {
            let _ = done.send(work(workspace));
        });
        self.jobs.try_send(job).map_err(|_| Busy)?;
        result.await.map_err(|_| Busy)
    }

    /// Hashes a password with argon2id and a random salt (PHC string format).
    pub async fn hash(&self, password: String) -> Result<String, Busy> {
        self.run(move |ws| ws.hash(&password)).await
    }

    /// Checks a password against a stored hash.
    pub async fn verify(&self, password: String, stored: String) -> Result<bool, Busy> {
        self.run(move |ws| ws.verify(&password, &stored)).await
    }
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

/// The brakes on password guessing and mass registration. In memory, with fixed capacities;
/// emails are kept only as keyed hashes.
#[derive(Debug)]
pub struct AuthLimits {
    /// Failed logins per email and client address: what stops one guesser, without letting
    /// anyone lock a member out from elsewhere.
    failures: WindowLimiter,
    /// Failed logins per email from any address, ten times as many: what stops a guesser
    /// spread over many addresses.
    failures_anywhere: WindowLimiter,
    /// Login attempts per client address.
    logins: WindowLimiter,
    /// Registrations per client address, and per email.
    registrations: WindowLimiter,
    registrations_per_email: WindowLimiter,
    pub hasher: Hasher,
}

/// The normalized form of an email a limit counts, whatever was typed (and of any length).
fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl AuthLimits {
    pub fn from_config(config: &Config) -> AuthLimits {
        let hour = Duration::from_secs(3600);
        AuthLimits {
            failures: WindowLimiter::new(
                config.login_failures_per_email,
                FAILURE_WINDOW,
                TRACKED_KEYS,
            ),
            failures_anywhere: WindowLimiter::new(
                config.login_failures_per_email.saturating_mul(10),
                FAILURE_WINDOW,
                TRACKED_KEYS,
            ),
            logins: WindowLimiter::new(
                config.logins_per_address,
                Duration::from_secs(60),
                TRACKED_KEYS,
            ),
            registrations: WindowLimiter::new(config.registrations_per_address, hour, TRACKED_KEYS),
            registrations_per_email: WindowLimiter::new(
                config.registrations_per_email,
                hour,
                TRACKED_KEYS,
            ),
            hasher: Hasher::new(config.password_hash_concurrency),
        }
    }

    /// A login attempt from `ip` for `email`: refused while the address, the email from this
    /// address, or the email from anywhere has used up its window.
    pub fn login(&self, ip: IpAddr, email: &str) -> Verdict {
        let (email, ip) = (email_key(email), client_key(ip));
        if let refused @ Verdict::Refused(_) = self.failures.check(&(&email, ip)) {
            return refused;
        }
        if let refused @ Verdict::Refused(_) = self.failures_anywhere.check(&email) {
            return refused;
        }
        self.logins.hit(&ip)
    }

    pub fn login_failed(&self, ip: IpAddr, email: &str) {
        let (email, ip) = (email_key(email), client_key(ip));
        self.failures.hit(&(&email, ip));
        self.failures_anywhere.hit(&email);
    }

    pub fn login_succeeded(&self, ip: IpAddr, email: &str) {
        let (email, ip) = (email_key(email), client_key(ip));
        self.failures.clear(&(&email, ip));
        self.failures_anywhere.clear(&email);
    }

    /// A registration from `ip` for `email`: the address's count first, so that a refused
    /// address cannot use up an email's registrations.
    pub fn register(&self, ip: IpAddr, email: &str) -> Verdict {
        match self.registrations.hit(&client_key(ip)) {
            Verdict::Allowed => self.registrations_per_email.hit(&email_key(email)),
            refused => refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hasher = Hasher::new(2);
        let hash = hasher.hash("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            hasher
                .verify("correct horse".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(!hasher.verify("correct horsE".into(), hash).await.unwrap());
        assert!(
            !hasher
                .verify("x".into(), "not a hash".into())
                .await
                .unwrap()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn hashing_beyond_its_concurrency_waits_then_is_turned_away() {
        let hasher = Hasher::new(1);
        let held = hasher.permits.clone().acquire_owned().await.unwrap();
        let waited = hasher.verify("x".into(), "not a hash".into()).await;
        assert_eq!(waited, Err(Busy));
        drop(held);
        assert_eq!(
            hasher.verify("x".into(), "not a hash".into()).await,
            Ok(false)
        );
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[tokio::test(start_paused = true)]
    async fn failures_block_an_email_and_attempts_block_an_address() {
        let config = Config {
            login_failures_per_email: 5,
            logins_per_address: 20,
            ..Config::default()
        };
        let limits = AuthLimits::from_config(&config);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..5 {
            assert_eq!(limits.login(ip, "A@b.es "), Verdict::Allowed);
            limits.login_failed(ip, "a@b.es");
        }
        assert!(matches!(limits.login(ip, "a@b.es"), Verdict::Refused(_)));
        assert_eq!(limits.login(ip, "other@b.es"), Verdict::Allowed);
        let owner: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(
            limits.login(owner, "a@b.es"),
            Verdict::Allowed,
            "a guesser elsewhere does not lock the member out"
        );
        tokio::time::advance(FAILURE_WINDOW).await;
        assert_eq!(limits.login(ip, "a@b.es"), Verdict::Allowed);
        for _ in 0..20 {
            limits.login(ip, "c@b.es");
        }
        assert!(matches!(limits.login(ip, "d@b.es"), Verdict::Refused(_)));
        let elsewhere: IpAddr = "192.0.2.2".parse().unwrap();
        assert_eq!(limits.login(elsewhere, "d@b.es"), Verdict::Allowed);
    }
}
