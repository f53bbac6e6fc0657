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
    limits::{Verdict, WindowLimiter, client_key, shared::SharedWindow},
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
    /// In cluster mode, the same windows counted across the nodes.
    shared: Option<Shared>,
}

/// The windows of [`AuthLimits`] in Redis, for a cluster.
#[derive(Debug)]
struct Shared {
    redis: redis::aio::ConnectionManager,
    prefix: String,
    failures: SharedWindow,
    failures_anywhere: SharedWindow,
    logins: SharedWindow,
    registrations: SharedWindow,
    registrations_per_email: SharedWindow,
}

impl Shared {
    /// The first refusal among `(window, key, whether the attempt counts)`; a window Redis
    /// does not answer for refuses nothing (the node's own count still does).
    async fn verdict(&self, checks: &[(&SharedWindow, &str, bool)]) -> Verdict {
        for (window, key, count) in checks {
            let verdict = window.verdict(&self.redis, &self.prefix, key, *count).await;
            if let Some(refused @ Verdict::Refused(_)) = verdict {
                return refused;
            }
        }
        Verdict::Allowed
    }
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
            shared: None,
        }
    }

    /// The same limits counted across the cluster too.
    pub fn shared_through(
        mut self,
        cluster: &crate::cluster::Cluster,
        config: &Config,
    ) -> AuthLimits {
        let window = |name, limit, window| SharedWindow {
            name,
            limit,
            window,
        };
        let hour = Duration::from_secs(3600);
        self.shared = Some(Shared {
            redis: cluster.redis().clone(),
            prefix: cluster.prefix().to_owned(),
            failures: window("failures", config.login_failures_per_email, FAILURE_WINDOW),
            failures_anywhere: window(
                "failures-anywhere",
                config.login_failures_per_email.saturating_mul(10),
                FAILURE_WINDOW,
            ),
            logins: window("logins", config.logins_per_address, Duration::from_secs(60)),
            registrations: window("registrations", config.registrations_per_address, hour),
            registrations_per_email: window(
                "registrations-per-email",
                config.registrations_per_email,
                hour,
            ),
        });
        self
    }

    /// A login attempt from `ip` for `email`: refused while the address, the email from this
    /// address, or the email from anywhere has used up its window.
    pub async fn login(&self, ip: IpAddr, email: &str) -> Verdict {
        let (email, ip) = (email_key(email), client_key(ip));
        if let refused @ Verdict::Refused(_) = self.failures.check(&(&email, ip)) {
            return refused;
        }
        if let refused @ Verdict::Refused(_) = self.failures_anywhere.check(&email) {
            return refused;
        }
        if let refused @ Verdict::Refused(_) = self.logins.hit(&ip) {
            return refused;
        }
        let Some(shared) = &self.shared else {
            return Verdict::Allowed;
        };
        let (pair, address) = (format!("{email}\u{0}{ip}"), ip.to_string());
        shared
            .verdict(&[
                (&shared.failures, &pair, false),
                (&shared.failures_anywhere, &email, false),
                (&shared.logins, &address, true),
            ])
            .await
    }

    pub async fn login_failed(&self, ip: IpAddr, email: &str) {
        let (email, ip) = (email_key(email), client_key(ip));
        self.failures.hit(&(&email, ip));
        self.failures_anywhere.hit(&email);
        if let Some(shared) = &self.shared {
            let pair = format!("{email}\u{0}{ip}");
            shared
                .verdict(&[
                    (&shared.failures, &pair, true),
                    (&shared.failures_anywhere, &email, true),
                ])
                .await;
        }
    }

    pub async fn login_succeeded(&self, ip: IpAddr, email: &str) {
        let (email, ip) = (email_key(email), client_key(ip));
        self.failures.clear(&(&email, ip));
        self.failures_anywhere.clear(&email);
        if let Some(shared) = &self.shared {
            let pair = format!("{email}\u{0}{ip}");
            shared
                .failures
                .clear(&shared.redis, &shared.prefix, &pair)
                .await;
            shared
                .failures_anywhere
                .clear(&shared.redis, &shared.prefix, &email)
                .await;
        }
    }

    /// A registration from `ip` for `email`: the address's count first, so that a refused
    /// address cannot use up an email's registrations.
    pub async fn register(&self, ip: IpAddr, email: &str) -> Verdict {
        let (ip, email) = (client_key(ip), email_key(email));
        let local = match self.registrations.hit(&ip) {
            Verdict::Allowed => self.registrations_per_email.hit(&email),
            refused => refused,
        };
        let (Verdict::Allowed, Some(shared)) = (local, &self.shared) else {
            return local;
        };
        let address = ip.to_string();
        match shared
            .verdict(&[(&shared.registrations, &address, true)])
            .await
        {
            Verdict::Allowed => {
                shared
                    .verdict(&[(&shared.registrations_per_email, &email, true)])
                    .await
            }
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
            assert_eq!(limits.login(ip, "A@b.es ").await, Verdict::Allowed);
            limits.login_failed(ip, "a@b.es").await;
        }
        assert!(matches!(
            limits.login(ip, "a@b.es").await,
            Verdict::Refused(_)
        ));
        assert_eq!(limits.login(ip, "other@b.es").await, Verdict::Allowed);
        let owner: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(
            limits.login(owner, "a@b.es").await,
            Verdict::Allowed,
            "a guesser elsewhere does not lock the member out"
        );
        tokio::time::advance(FAILURE_WINDOW).await;
        assert_eq!(limits.login(ip, "a@b.es").await, Verdict::Allowed);
        for _ in 0..20 {
            limits.login(ip, "c@b.es").await;
        }
        assert!(matches!(
            limits.login(ip, "d@b.es").await,
            Verdict::Refused(_)
        ));
        let elsewhere: IpAddr = "192.0.2.2".parse().unwrap();
        assert_eq!(limits.login(elsewhere, "d@b.es").await, Verdict::Allowed);
    }
}
