//! Counting attempts across the cluster (cluster mode): the same fixed windows as
//! [`super::window::WindowLimiter`], counted in Redis so that a guesser spread over the nodes
//! behind a load balancer meets one limit, not one per node. Keys are SHA-256 digests (an email
//! never reaches Redis in clear), under the cluster's prefix; a window is one `INCR` with its
//! expiry set by the first. When Redis does not answer, the node's own count still applies.

use std::time::Duration;

use redis::Script;
use sha2::{Digest, Sha256};

use super::window::Verdict;

/// One limit counted in Redis.
#[derive(Debug, Clone)]
pub struct SharedWindow {
    pub name: &'static str,
    pub limit: u32,
    pub window: Duration,
}

/// Counts an attempt (`count`) or only reads (`!count`); returns the attempts in the window
/// before this one and the milliseconds it has left.
const HIT: &str = r"
local n
if ARGV[2] == '1' then
  n = redis.call('INCR', KEYS[1])
  if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
  n = n - 1
else
  n = tonumber(redis.call('GET', KEYS[1]) or '0')
end
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}
";

impl SharedWindow {
    fn key(&self, prefix: &str, key: &str) -> String {
        let digest = Sha256::digest(format!("{}\u{0}{key}", self.name).as_bytes());
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        format!("{prefix}:limit:{hex}")
    }

    /// The verdict for `key`, counting the attempt when `count`; `None` when Redis did not
    /// answer.
    pub async fn verdict(
        &self,
        redis: &redis::aio::ConnectionManager,
        prefix: &str,
        key: &str,
        count: bool,
    ) -> Option<Verdict> {
        let script = Script::new(HIT);
        let mut invocation = script.key(self.key(prefix, key));
        invocation
            .arg(u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX))
            .arg(if count { "1" } else { "0" });
        let mut redis = redis.clone();
        let (before, ttl): (i64, i64) =
            tokio::time::timeout(Duration::from_secs(2), invocation.invoke_async(&mut redis))
                .await
                .ok()?
                .ok()?;
        let used = u32::try_from(before).unwrap_or(u32::MAX);
        Some(if used >= self.limit {
            Verdict::Refused(Duration::from_millis(
                u64::try_from(ttl).unwrap_or(0).max(1),
            ))
        } else {
            Verdict::Allowed
        })
    }

    /// Forgets `key`'s attempts (a login succeeded).
    pub async fn clear(&self, redis: &redis::aio::ConnectionManager, prefix: &str, key: &str) {
        let mut redis = redis.clone();
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            redis::cmd("DEL")
                .arg(self.key(prefix, key))
                .query_async::<()>(&mut redis),
        )
        .await;
    }
}
