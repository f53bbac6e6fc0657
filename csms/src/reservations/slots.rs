//! The free-slot search: connectors near a place that are free for a whole window, joining
//! the fleet (where they are, what they are, whether free now) with the calendars (what is
//! claimed in the window).

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{Reservations, ReserveError, window};
use crate::{
    domain::{ChargePointId, ConnectorType},
    fleet::availability::AvailabilityQuery,
    store::charge_points::ChargePointSpec,
};

/// Where, what and when.
#[derive(Debug, Clone)]
pub struct SlotQuery {
    pub area: AvailabilityQuery,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// A connector free for the whole window.
#[derive(Debug, Clone)]
pub struct FreeSlot {
    pub charge_point: ChargePointSpec,
    pub distance_km: f64,
    pub connector_id: u32,
    pub connector_type: Option<ConnectorType>,
    pub max_power_kw: Option<f64>,
}

impl Reservations {
    /// The free slots, nearest charge points first, at most `area.limit`. A window that
    /// begins now needs the connector free now too.
    pub async fn free_slots(&self, q: &SlotQuery) -> Result<Vec<FreeSlot>, ReserveError> {
        let now = self.clock.now();
        window::check(q.from, q.to, now, self.limits.max_reservation_minutes)?;
        let starts_now = window::starts_now(q.from, now);
        let claimed: HashSet<(ChargePointId, u32)> = self
            .store
            .claimed_connectors(q.from, q.to)
            .await?
            .into_iter()
            .collect();
        let a = &q.area;
        let mut slots = Vec::new();
        for (point, distance_km) in self.fleet.nearby(a.lat, a.lon, a.radius_km, a.limit) {
            for (&connector_id, c) in &point.connectors {
                let free = !claimed.contains(&(point.spec.id.clone(), connector_id))
                    && a.wants(c.connector_type, c.max_power_kw)
                    && (!starts_now || point.is_free(c));
                if free {
                    slots.push(FreeSlot {
                        charge_point: point.spec.clone(),
                        distance_km,
                        connector_id,
                        connector_type: c.connector_type,
                        max_power_kw: c.max_power_kw,
                    });
                }
            }
        }
        slots.truncate(a.limit);
        Ok(slots)
    }
}
