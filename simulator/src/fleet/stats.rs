//! What a fleet run counts, from the charge points' events and the drivers' luck: arrivals,
//! drivers turned away, refusals, sessions started and completed (their StopTransaction
//! acknowledged), injected drops and faults, messages given up on.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::model::observe::Event;
use crate::model::types::AuthStatus;

#[derive(Debug, Default)]
pub struct FleetStats {
    arrivals: AtomicU64,
    turned_away: AtomicU64,
    refused: AtomicU64,
    started: AtomicU64,
    completed: AtomicU64,
    energy_wh: AtomicU64,
    drops: AtomicU64,
    faults: AtomicU64,
    messages_dropped: AtomicU64,
    connected: AtomicU64,
}

/// The counts at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetSummary {
    pub charge_points: u64,
    pub connected: u64,
    pub arrivals: u64,
    /// Drivers who found no free connector or no free tag.
    pub turned_away: u64,
    /// Tags the central system (or the offline cache) refused.
    pub refused: u64,
    pub started: u64,
    /// Sessions whose StopTransaction the central system acknowledged.
    pub completed: u64,
    /// Energy of the completed sessions, in Wh.
    pub energy_wh: u64,
    pub drops: u64,
    pub faults: u64,
    pub messages_dropped: u64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl FleetStats {
    pub(super) fn arrived(&self) {
        bump(&self.arrivals);
    }
    pub(super) fn turned_away(&self) {
        bump(&self.turned_away);
    }
    pub(super) fn dropped(&self) {
        bump(&self.drops);
    }
    pub(super) fn faulted(&self) {
        bump(&self.faults);
    }

    /// Counts what an event of a charge point says.
    pub(super) fn record(&self, event: &Event) {
        match event {
            Event::Connected => bump(&self.connected),
            Event::Disconnected => {
                let _ = self
                    .connected
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
            }
            Event::Authorized { status, .. } if *status != AuthStatus::Accepted => {
                bump(&self.refused)
            }
            Event::TransactionStarted {
                status: AuthStatus::Accepted,
                ..
            } => bump(&self.started),
            Event::TransactionStarted { .. } => bump(&self.refused),
            Event::TransactionStopped { energy_wh, .. } => {
                bump(&self.completed);
                self.energy_wh
                    .fetch_add(u64::try_from(*energy_wh).unwrap_or(0), Ordering::Relaxed);
            }
            Event::MessageDropped(_) => bump(&self.messages_dropped),
            _ => {}
        }
    }

    pub fn summary(&self, charge_points: usize) -> FleetSummary {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        FleetSummary {
            charge_points: charge_points as u64,
            connected: get(&self.connected),
            arrivals: get(&self.arrivals),
            turned_away: get(&self.turned_away),
            refused: get(&self.refused),
            started: get(&self.started),
            completed: get(&self.completed),
            energy_wh: get(&self.energy_wh),
            drops: get(&self.drops),
            faults: get(&self.faults),
            messages_dropped: get(&self.messages_dropped),
        }
    }
}

impl fmt::Display for FleetSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "connected {}/{}, arrivals {} (turned away {}, refused {}), sessions started {} completed {} ({:.1} kWh), drops {}, faults {}, messages given up {}",
            self.connected,
            self.charge_points,
            self.arrivals,
            self.turned_away,
            self.refused,
            self.started,
            self.completed,
            self.energy_wh as f64 / 1000.0,
            self.drops,
            self.faults,
            self.messages_dropped,
        )
    }
}
