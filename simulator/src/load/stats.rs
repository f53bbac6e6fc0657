//! What load mode measures: connections held, calls answered, errors by kind, and every call's
//! latency in an HDR histogram (microseconds, three significant digits). Shared by all clients;
//! the histogram's lock is held only to record one value.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// The longest latency the histogram tracks exactly: one minute.
const MAX_LATENCY_US: u64 = 60_000_000;

#[derive(Debug)]
pub struct LoadStats {
    connected: AtomicI64,
    booted: AtomicU64,
    /// When the last of the expected boots was answered, since the run began (µs; 0: not yet).
    all_booted_us: AtomicU64,
    calls: AtomicU64,
    connect_errors: AtomicU64,
    call_errors: AtomicU64,
    timeouts: AtomicU64,
    disconnects: AtomicU64,
    latency: Mutex<Histogram<u64>>,
}

/// Why a call or a connection failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    Connect,
    CallError,
    Timeout,
    Disconnect,
}

impl Default for LoadStats {
    fn default() -> LoadStats {
        LoadStats {
            connected: AtomicI64::new(0),
            booted: AtomicU64::new(0),
            all_booted_us: AtomicU64::new(0),
            calls: AtomicU64::new(0),
            connect_errors: AtomicU64::new(0),
            call_errors: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            disconnects: AtomicU64::new(0),
            latency: Mutex::new(
                Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("valid histogram bounds"),
            ),
        }
    }
}

impl LoadStats {
    pub fn connected(&self) {
        self.connected.fetch_add(1, Ordering::Relaxed);
    }

    /// A client's BootNotification was answered; the `expected`-th answer marks the storm done.
    pub fn booted(&self, since_start: Duration, expected: u64) {
        if self.booted.fetch_add(1, Ordering::Relaxed) + 1 == expected {
            let us = u64::try_from(since_start.as_micros())
                .unwrap_or(u64::MAX)
                .max(1);
            self.all_booted_us.store(us, Ordering::Relaxed);
        }
    }

    pub fn disconnected(&self) {
        self.connected.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn answered(&self, latency: Duration) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency
            .lock()
            .expect("no panics while held")
            .saturating_record(us.clamp(1, MAX_LATENCY_US));
    }

    pub fn failed(&self, failure: Failure) {
        let counter = match failure {
            Failure::Connect => &self.connect_errors,
            Failure::CallError => &self.call_errors,
            Failure::Timeout => &self.timeouts,
            Failure::Disconnect => &self.disconnects,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The figures so far, over `elapsed`.
    pub fn report(&self, elapsed: Duration) -> LoadReport {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let calls = get(&self.calls);
        let histogram = self.latency.lock().expect("no panics while held");
        let quantile = |q| {
            if histogram.is_empty() {
                0
            } else {
                histogram.value_at_quantile(q)
            }
        };
        LoadReport {
            connected: self.connected.load(Ordering::Relaxed).max(0) as u64,
            calls,
            calls_per_second: calls as f64 / elapsed.as_secs_f64().max(1e-9),
            errors: get(&self.connect_errors)
                + get(&self.call_errors)
                + get(&self.timeouts)
                + get(&self.disconnects),
            latency_us: Latency {
                p50: quantile(0.5),
                p90: quantile(0.9),
                p99: quantile(0.99),
                max: histogram.max(),
            },
            booted: get(&self.booted),
            all_booted_after: match self.all_booted_us.load(Ordering::Relaxed) {
                0 => None,
                us => Some(Duration::from_micros(us)),
            },
            breakdown: Breakdown {
                connect: get(&self.connect_errors),
                call_error: get(&self.call_errors),
                timeout: get(&self.timeouts),
                disconnect: get(&self.disconnects),
            },
        }
    }
}

/// Latency percentiles, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Latency {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
}

/// The errors by kind (not in the JSON line, which keeps the agreed shape).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Breakdown {
    pub connect: u64,
    pub call_error: u64,
    pub timeout: u64,
    pub disconnect: u64,
}

/// The result of a load run; serialized, it is the `--json` line.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadReport {
    pub connected: u64,
    pub calls: u64,
    pub calls_per_second: f64,
    pub errors: u64,
    pub latency_us: Latency,
    #[serde(skip)]
    pub breakdown: Breakdown,
    /// Clients whose BootNotification was answered (not in the JSON line).
    #[serde(skip)]
    pub booted: u64,
    /// How long it took until every client had booted, if they all did (a boot storm's figure).
    #[serde(skip)]
    pub all_booted_after: Option<Duration>,
}

impl LoadReport {
    /// One line for humans.
    pub fn line(&self) -> String {
        let b = self.breakdown;
        format!(
            "connected {} calls {} ({:.0}/s) errors {} (connect {}, CALLERROR {}, timeout {}, disconnect {}) latency p50 {}us p90 {}us p99 {}us max {}us",
            self.connected,
            self.calls,
            self.calls_per_second,
            self.errors,
            b.connect,
            b.call_error,
            b.timeout,
            b.disconnect,
            self.latency_us.p50,
            self.latency_us.p90,
            self.latency_us.p99,
            self.latency_us.max,
        )
    }

    /// The `--json` line: `{"connected","calls","callsPerSecond","errors","latencyUs":{…}}`.
    pub fn json(&self) -> String {
        serde_json::to_string(self).expect("a report serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_line_has_exactly_the_agreed_fields() {
        let stats = LoadStats::default();
        stats.connected();
        for ms in [1, 2, 3, 4, 100] {
            stats.answered(Duration::from_millis(ms));
        }
        stats.failed(Failure::Timeout);
        let report = stats.report(Duration::from_secs(5));
        let json: serde_json::Value = serde_json::from_str(&report.json()).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "calls",
                "callsPerSecond",
                "connected",
                "errors",
                "latencyUs"
            ]
        );
        assert_eq!(json["calls"], 5);
        assert_eq!(json["callsPerSecond"], 1.0);
        assert_eq!(json["errors"], 1);
        let p50 = json["latencyUs"]["p50"].as_u64().unwrap();
        assert!((2990..=3010).contains(&p50), "{p50}");
        assert!(json["latencyUs"]["max"].as_u64().unwrap() >= 99_900);
    }
}
