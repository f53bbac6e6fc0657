//! The life around one charge point: drivers arrive (a Poisson process), take a free connector
//! and a free tag, stay a while and leave (some stop with their tag first, some just pull the
//! cable); connections drop and connectors fault at their own rates. Time is compressed by the
//! scenario's speed. One task per charge point; it also counts the charge point's events.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{Rng, rngs::StdRng};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::stats::FleetStats;
use crate::driver::Handle;
use crate::model::curve::Vehicle;
use crate::model::types::{FaultCode, IdTag, Status};
use crate::scenario::{Drivers, Failures};

/// The tags not in use: a driver takes one on arrival and gives it back on leaving, so that one
/// tag never charges at two places at once (the central system would answer ConcurrentTx).
#[derive(Debug, Clone, Default)]
pub(super) struct TagPool(Arc<Mutex<Vec<IdTag>>>);

impl TagPool {
    pub fn new(tags: Vec<IdTag>) -> TagPool {
        TagPool(Arc::new(Mutex::new(tags)))
    }

    fn take(&self, rng: &mut StdRng) -> Option<IdTag> {
        let mut tags = self.0.lock().expect("no panics while held");
        (!tags.is_empty()).then(|| {
            let i = rng.random_range(0..tags.len());
            tags.swap_remove(i)
        })
    }

    fn give_back(&self, tag: IdTag) {
        self.0.lock().expect("no panics while held").push(tag);
    }
}

pub(super) struct Life {
    pub handle: Handle,
    pub arrivals_per_hour: f64,
    pub drivers: Drivers,
    pub failures: Failures,
    pub speed: f64,
    pub tags: TagPool,
    pub stats: Arc<FleetStats>,
    pub rng: StdRng,
    pub stop: CancellationToken,
}

/// A driver at the charge point.
struct Visit {
    leaves_at: Instant,
    visit: u64,
    connector: u32,
    tag: IdTag,
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Life {
    /// The next event of a Poisson process of `per_hour` simulated events per hour.
    fn after(&mut self, per_hour: f64) -> Option<Instant> {
        if per_hour <= 0.0 {
            return None;
        }
        let real_per_sec = per_hour * self.speed / 3600.0;
        let u: f64 = self.rng.random();
        let wait = -(1.0 - u).ln() / real_per_sec;
        Some(Instant::now() + Duration::from_secs_f64(wait.min(1e9)))
    }

    /// A real duration for `[low, high]` simulated minutes.
    fn minutes(&mut self, [low, high]: [f64; 2]) -> Duration {
        let minutes = if high > low {
            self.rng.random_range(low..=high)
        } else {
            low
        };
        Duration::from_secs_f64(minutes * 60.0 / self.speed)
    }

    pub async fn run(mut self) {
        let mut events = self.handle.subscribe();
        let connectors = self.handle.snapshot().connectors.len() as f64;
        let mut next_arrival = self.after(self.arrivals_per_hour);
        let mut next_drop = self.after(self.failures.connection_drops_per_hour);
        let mut next_fault = self.after(self.failures.faults_per_hour * connectors);
        let mut visits: Vec<Visit> = Vec::new();
        let mut repairs: Vec<(Instant, u32)> = Vec::new();
        // Tags of drivers who left, back in the pool once their StopTransaction is delivered:
        // before that the central system still sees them charging here.
        let mut returning: Vec<IdTag> = Vec::new();
        loop {
            let next_leave = visits.iter().map(|v| v.leaves_at).min();
            let next_repair = repairs.iter().map(|r| r.0).min();
            tokio::select! {
                () = self.stop.cancelled() => break,
                event = events.recv() => match event {
                    Ok(event) => {
                        self.stats.record(&event);
                        if !returning.is_empty() && self.handle.snapshot().queued_transaction_messages == 0 {
                            for tag in returning.drain(..) {
                                self.tags.give_back(tag);
                            }
                        }
                    }
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
                () = sleep_until(next_arrival) => {
                    if let Some(visit) = self.arrive().await {
                        visits.push(visit);
                    }
                    next_arrival = self.after(self.arrivals_per_hour);
                }
                () = sleep_until(next_leave) => {
                    let now = Instant::now();
                    let (leaving, staying) = visits.into_iter().partition(|v| v.leaves_at <= now);
                    visits = staying;
                    for visit in leaving {
                        returning.push(self.leave(visit).await);
                    }
                }
                () = sleep_until(next_drop) => {
                    self.stats.dropped();
                    let _ = self.handle.drop_connection().await;
                    next_drop = self.after(self.failures.connection_drops_per_hour);
                }
                () = sleep_until(next_fault) => {
                    if let Some(repair) = self.fault().await {
                        repairs.push(repair);
                    }
                    next_fault = self.after(self.failures.faults_per_hour * connectors);
                }
                () = sleep_until(next_repair) => {
                    let now = Instant::now();
                    for (_, connector) in repairs.extract_if(.., |r| r.0 <= now) {
                        let _ = self.handle.clear_fault(connector).await;
                    }
                }
            }
        }
        for tag in visits.into_iter().map(|v| v.tag).chain(returning) {
            self.tags.give_back(tag);
        }
    }

    /// A driver arrives: a free connector and a free tag, or they drive on.
    async fn arrive(&mut self) -> Option<Visit> {
        self.stats.arrived();
        let snapshot = self.handle.snapshot();
        if snapshot.registration.is_none() {
            // Not booted yet: the charger's screen still says "starting".
            self.stats.turned_away();
            return None;
        }
        let free: Vec<u32> = snapshot
            .connectors
            .iter()
            .filter(|c| c.status == Status::Available)
            .map(|c| c.connector_id)
            .collect();
        let Some(&connector) = free.get(self.rng.random_range(0..free.len().max(1))) else {
            self.stats.turned_away();
            return None;
        };
        let Some(tag) = self.tags.take(&mut self.rng) else {
            self.stats.turned_away();
            return None;
        };
        let d = &self.drivers;
        let (battery, soc) = (d.battery_kwh, d.arrival_soc);
        let capacity_kwh = self.rng.random_range(battery[0]..=battery[1]);
        let vehicle = Vehicle {
            capacity_wh: capacity_kwh * 1000.0,
            soc: self.rng.random_range(soc[0]..=soc[1]),
            target_soc: self.rng.random_range(0.8..=1.0),
            // Bigger batteries tend to come with faster on-board chargers.
            max_ac_w: if capacity_kwh > 60.0 {
                22_000.0
            } else {
                11_000.0
            },
            max_dc_w: capacity_kwh * 2_000.0,
        };
        let stay = self.minutes(self.drivers.stay_minutes);
        match self.handle.plug_in(connector, tag.clone(), vehicle).await {
            Ok(visit) => Some(Visit {
                leaves_at: Instant::now() + stay,
                visit,
                connector,
                tag,
            }),
            Err(e) => {
                tracing::debug!(charge_point = self.handle.id(), error = %e, "driver turned away");
                self.stats.turned_away();
                self.tags.give_back(tag);
                None
            }
        }
    }

    /// The driver's stay is over: half present the tag first, half just pull the cable.
    /// Returns the tag, to go back to the pool once the stop is delivered.
    async fn leave(&mut self, visit: Visit) -> IdTag {
        let charging = self
            .handle
            .snapshot()
            .connector(visit.connector)
            .is_some_and(|c| c.visit == Some(visit.visit) && c.id_tag.is_some());
        if charging && self.rng.random_bool(0.5) {
            let _ = self.handle.stop_charging(visit.connector).await;
        }
        let _ = self.handle.leave(visit.visit).await;
        visit.tag
    }

    /// A random connector faults for a while; returns when and which to repair.
    async fn fault(&mut self) -> Option<(Instant, u32)> {
        const CODES: [FaultCode; 4] = [
            FaultCode::GroundFailure,
            FaultCode::HighTemperature,
            FaultCode::OverCurrentFailure,
            FaultCode::ConnectorLockFailure,
        ];
        let connectors = self.handle.snapshot().connectors.len() as u32;
        let connector = self.rng.random_range(1..=connectors.max(1));
        let code = CODES[self.rng.random_range(0..CODES.len())];
        self.handle.fault(connector, code).await.ok()?;
        self.stats.faulted();
        Some((
            Instant::now() + self.minutes(self.failures.fault_minutes),
            connector,
        ))
    }
}
