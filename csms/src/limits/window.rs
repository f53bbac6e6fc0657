//! Counting attempts per key in a fixed window, with a fixed capacity: the map never holds
//! more than `capacity` keys. When it is full, expired entries go first, then the oldest half;
//! an attacker who floods it with new keys makes it forget old counts sooner, never grow.

use std::{collections::HashMap, hash::Hash, sync::Mutex, time::Duration};

use tokio::time::Instant;

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Refused; the key may try again after this long.
    Refused(Duration),
}

/// At most `limit` counted attempts per key per `window`.
#[derive(Debug)]
pub struct WindowLimiter {
    limit: u32,
    window: Duration,
    capacity: usize,
    hasher: std::hash::RandomState,
    /// Keyed hash of the key → (attempts counted, start of its window).
    counts: Mutex<HashMap<u64, (u32, Instant)>>,
}

impl WindowLimiter {
    pub fn new(limit: u32, window: Duration, capacity: usize) -> WindowLimiter {
        WindowLimiter {
            limit,
            window,
            capacity: capacity.max(2),
            hasher: std::hash::RandomState::new(),
            counts: Mutex::default(),
        }
    }

    fn key<K: Hash + ?Sized>(&self, key: &K) -> u64 {
        super::digest(&self.hasher, key)
    }

    /// The counts; a panic elsewhere while they were held cannot leave them unusable (they are
    /// counts: whatever state they are in is a state they may be in).
    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (u32, Instant)>> {
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `key` may try now, without counting the attempt.
    pub fn check<K: Hash + ?Sized>(&self, key: &K) -> Verdict {
        let key = self.key(key);
        let counts = self.counts();
        match counts.get(&key) {
            Some(&(n, since)) if n >= self.limit => {
                let elapsed = since.elapsed();
                match self.window.checked_sub(elapsed) {
                    Some(left) if !left.is_zero() => Verdict::Refused(left),
                    _ => Verdict::Allowed,
                }
            }
            _ => Verdict::Allowed,
        }
    }

    /// Counts an attempt of `key`; refuses it when the key has used up its window.
    pub fn hit<K: Hash + ?Sized>(&self, key: &K) -> Verdict {
        let key = self.key(key);
        let now = Instant::now();
        let mut counts = self.counts();
        if !counts.contains_key(&key) && counts.len() >= self.capacity {
            self.make_room(&mut counts, now);
        }
        let (n, since) = counts.entry(key).or_insert((0, now));
        if now.duration_since(*since) >= self.window {
            (*n, *since) = (0, now);
        }
        if *n >= self.limit {
            return Verdict::Refused(self.window.saturating_sub(now.duration_since(*since)));
        }
        *n += 1;
        Verdict::Allowed
    }

    /// Forgets `key`'s attempts (a login succeeded).
    pub fn clear<K: Hash + ?Sized>(&self, key: &K) {
        let key = self.key(key);
        self.counts().remove(&key);
    }

    pub fn len(&self) -> usize {
        self.counts().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn make_room(&self, counts: &mut HashMap<u64, (u32, Instant)>, now: Instant) {
        counts.retain(|_, (_, since)| now.duration_since(*since) < self.window);
        if counts.len() >= self.capacity {
            let mut starts: Vec<Instant> = counts.values().map(|(_, since)| *since).collect();
            starts.sort_unstable();
            let cut = starts[starts.len() / 2];
            counts.retain(|_, (_, since)| *since > cut);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_key_gets_its_attempts_per_window_and_no_more() {
        let limiter = WindowLimiter::new(3, Duration::from_secs(60), 100);
        for _ in 0..3 {
            assert_eq!(limiter.hit("a@b.es"), Verdict::Allowed);
        }
        assert!(matches!(limiter.hit("a@b.es"), Verdict::Refused(_)));
        assert!(matches!(limiter.check("a@b.es"), Verdict::Refused(_)));
        assert_eq!(limiter.check("other@b.es"), Verdict::Allowed);
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(limiter.check("a@b.es"), Verdict::Allowed);
        assert_eq!(limiter.hit("a@b.es"), Verdict::Allowed, "a new window");
        limiter.clear("a@b.es");
        assert!(limiter.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_flood_of_keys_never_grows_it_past_its_capacity() {
        let limiter = WindowLimiter::new(5, Duration::from_secs(900), 1000);
        for n in 0..100_000 {
            let huge = format!("{n}{}", "x".repeat(1000));
            limiter.hit(huge.as_str());
            if n % 97 == 0 {
                tokio::time::advance(Duration::from_millis(1)).await;
            }
        }
        assert!(limiter.len() <= 1000, "{}", limiter.len());
    }
}
