//! Wall-clock time behind a trait, so services never call `Utc::now()` directly and tests can
//! pin the date. Durations and timeouts use `tokio::time`, which tests pause and advance.

use std::sync::Arc;

use chrono::{DateTime, Utc};

/// Where the current UTC time comes from.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock of the machine.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A shared clock handle, as held by the application state.
pub type SharedClock = Arc<dyn Clock>;

/// UTC milliseconds since the epoch, the store's representation of an instant.
pub fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The inverse of [`to_millis`]; out-of-range values (never written by us) clamp to the epoch.
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
