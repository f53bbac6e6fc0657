//! [`WallClock`]: the wall-clock time a charge point writes into its messages, derived from the
//! monotonic `tokio::time::Instant` the model is driven with. Tests pause tokio's clock and the
//! timestamps move with it, deterministically; a running simulator anchors it at the system time.

use chrono::{DateTime, TimeDelta, Utc};
use tokio::time::Instant;

/// Maps monotonic instants to UTC date-times: `origin` is `at_origin` on the wall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WallClock {
    origin: Instant,
    at_origin: DateTime<Utc>,
}

impl WallClock {
    /// Anchored now, at the system time.
    pub fn system() -> WallClock {
        WallClock::anchored(Instant::now(), Utc::now())
    }

    /// `origin` is `at_origin` on the wall (tests pick a fixed date).
    pub fn anchored(origin: Instant, at_origin: DateTime<Utc>) -> WallClock {
        WallClock { origin, at_origin }
    }

    /// The instant the clock is anchored at.
    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// The wall-clock time of `now`.
    pub fn at(&self, now: Instant) -> DateTime<Utc> {
        let elapsed = now.saturating_duration_since(self.origin);
        let elapsed = TimeDelta::from_std(elapsed).unwrap_or(TimeDelta::MAX);
        self.at_origin + elapsed
    }

    /// The instant at which the wall shows `at` (the origin, for times before it).
    pub fn instant_of(&self, at: DateTime<Utc>) -> Instant {
        let ahead = (at - self.at_origin).to_std().unwrap_or_default();
        self.origin + ahead
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn instants_and_wall_times_map_both_ways() {
        let origin = Instant::now();
        let noon = DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = WallClock::anchored(origin, noon);
        let later = origin + Duration::from_secs(90);
        assert_eq!(clock.at(later).to_rfc3339(), "2026-11-24T12:01:30+00:00");
        assert_eq!(clock.instant_of(clock.at(later)), later);
        assert_eq!(clock.instant_of(noon - TimeDelta::hours(1)), origin);
    }
}
