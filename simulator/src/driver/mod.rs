//! The driver: a tokio task per charge point that owns its WebSocket and runs its
//! [`ChargePoint`] model, plus the [`Handle`] that drives it. It dials (and redials after a
//! loss, with exponential backoff and jitter), sends the model's CALLs one at a time, answers
//! the central system's CALLs, feeds answers back, wakes the model when it asks, and publishes
//! the model's events and snapshot. Failures on purpose happen here too: an answer may be
//! "lost" (dropped unread) so that the model times out and retries.

pub mod backoff;
pub mod connect;
mod handle;
mod inbound;
mod link;
pub mod tls;

#[cfg(test)]
mod tests;

use std::{sync::Arc, time::Duration};

use rand::{SeedableRng, rngs::StdRng};
use tokio::sync::{broadcast, mpsc, watch};

use crate::model::ChargePoint;
use crate::protocol::Protocol;
use backoff::Backoff;
use connect::Dial;
pub use handle::{DriverError, Handle};
use link::Driver;

/// How the driver behaves on the network.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DriverOptions {
    /// The first reconnect delay; it doubles with every failed attempt.
    pub reconnect_initial: Duration,
    pub reconnect_max: Duration,
    /// The chance that an answer to one of our CALLs is lost (dropped unread).
    pub lost_answer_probability: f64,
    /// Seeds jitter and lost answers, for reproducible runs; random when `None`.
    pub seed: Option<u64>,
}

impl Default for DriverOptions {
    fn default() -> DriverOptions {
        DriverOptions {
            reconnect_initial: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(60),
            lost_answer_probability: 0.0,
            seed: None,
        }
    }
}

/// Events a subscriber may fall behind before it misses some.
const EVENT_BUFFER: usize = 1024;

/// Starts a charge point: its task dials at once.
pub fn spawn(
    model: ChargePoint,
    dial: Arc<dyn Dial>,
    protocol: &'static dyn Protocol,
    options: DriverOptions,
) -> Handle {
    let (controls, control_rx) = mpsc::channel(64);
    let (snapshot_tx, snapshot) = watch::channel(model.snapshot());
    let (events, _) = broadcast::channel(EVENT_BUFFER);
    let rng = match options.seed {
        Some(seed) => StdRng::seed_from_u64(seed),
        None => StdRng::from_os_rng(),
    };
    let handle = Handle {
        id: model.id().to_owned(),
        controls,
        snapshot,
        events: events.clone(),
    };
    let driver = Driver {
        model,
        dial,
        protocol,
        lost_answer_probability: options.lost_answer_probability,
        rng,
        backoff: Backoff::new(options.reconnect_initial, options.reconnect_max),
        ws: None,
        dialing: None,
        redial_at: Some(tokio::time::Instant::now()),
        held_offline: false,
        controls: control_rx,
        snapshot: snapshot_tx,
        events,
    };
    tokio::spawn(driver.run());
    handle
}
