//! What drivers ask the fleet: which connected charge points near a place have a free
//! connector of the type and power they need, nearest first; and the holds reservations take
//! on connectors, atomically per charge point (two requests for one connector: one wins).

use chrono::{DateTime, Utc};

use super::{ChargePoint, ConnectorChange, Fleet, Hold};
use crate::domain::{ChargePointId, ConnectorStatus, ConnectorType};

/// A validated availability query.
#[derive(Debug, Clone, PartialEq)]
pub struct AvailabilityQuery {
    pub lat: f64,
    pub lon: f64,
    pub radius_km: f64,
    pub connector_type: Option<ConnectorType>,
    pub min_power_kw: Option<f64>,
    pub limit: usize,
}

impl AvailabilityQuery {
    /// Whether a connector of this type and power is what the driver asked for.
    pub fn wants(&self, connector_type: Option<ConnectorType>, max_power_kw: Option<f64>) -> bool {
        self.connector_type
            .is_none_or(|t| connector_type == Some(t))
            && self
                .min_power_kw
                .is_none_or(|min| max_power_kw.is_some_and(|p| p >= min))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AvailableChargePoint {
    pub id: ChargePointId,
    pub name: String,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub distance_km: f64,
    /// Free connectors that match the query.
    pub free_connectors: usize,
    pub connectors: Vec<ConnectorAvailability>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorAvailability {
    pub connector_id: u32,
    pub connector_type: Option<ConnectorType>,
    pub max_power_kw: Option<f64>,
    pub status: ConnectorStatus,
    pub free: bool,
}

/// Why a hold could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoldRefused {
    #[error("no such charge point")]
    UnknownChargePoint,
    #[error("no such connector")]
    UnknownConnector,
    #[error("no free connector")]
    NotFree,
}

fn snapshot(p: &ChargePoint, q: &AvailabilityQuery, distance_km: f64) -> AvailableChargePoint {
    let connectors: Vec<ConnectorAvailability> = p
        .connectors
        .iter()
        .map(|(&connector_id, c)| ConnectorAvailability {
            connector_id,
            connector_type: c.connector_type,
            max_power_kw: c.max_power_kw,
            status: c.status,
            free: p.is_free(c),
        })
        .collect();
    AvailableChargePoint {
        id: p.spec.id.clone(),
        name: p.spec.name.clone(),
        address: p.spec.address.clone(),
        latitude: p.spec.latitude.unwrap_or_default(),
        longitude: p.spec.longitude.unwrap_or_default(),
        distance_km,
        free_connectors: connectors
            .iter()
            .filter(|c| c.free && q.wants(c.connector_type, c.max_power_kw))
            .count(),
        connectors,
    }
}

impl Fleet {
    /// Connected charge points within the radius with at least one free connector that
    /// matches, nearest first, at most `limit`. Only the charge points the grid offers (those
    /// nearer than the last one taken) are looked up.
    pub fn available(&self, q: &AvailabilityQuery) -> Vec<AvailableChargePoint> {
        let mut found = Vec::with_capacity(q.limit);
        let grid = self.grid.read().expect("the grid lock is never poisoned");
        grid.nearest(q.lat, q.lon, q.radius_km, q.limit, |id, d| {
            let Some(p) = self.points.get(id) else {
                return false;
            };
            let wanted = p
                .connectors
                .values()
                .any(|c| p.is_free(c) && q.wants(c.connector_type, c.max_power_kw));
            if wanted {
                found.push(snapshot(&p, q, d));
            }
            wanted
        });
        found
    }

    /// Located charge points within the radius, connected or not, nearest first, at most
    /// `limit`, with their distance.
    pub fn nearby(
        &self,
        lat: f64,
        lon: f64,
        radius_km: f64,
        limit: usize,
    ) -> Vec<(ChargePoint, f64)> {
        let mut found = Vec::with_capacity(limit);
        let grid = self.grid.read().expect("the grid lock is never poisoned");
        grid.nearest(lat, lon, radius_km, limit, |id, d| {
            self.points
                .get(id)
                .map(|p| found.push((p.clone(), d)))
                .is_some()
        });
        found
    }

    /// Takes a hold on a free connector (or, without `connector_id`, on the first free one that
    /// `fits`), atomically with respect to every other hold on this charge point.
    pub fn take_hold(
        &self,
        id: &ChargePointId,
        connector_id: Option<u32>,
        fits: impl Fn(Option<ConnectorType>, Option<f64>) -> bool,
        hold: Hold,
    ) -> Result<(u32, ConnectorChange), HoldRefused> {
        let mut p = self
            .points
            .get_mut(id)
            .ok_or(HoldRefused::UnknownChargePoint)?;
        let chosen = match connector_id {
            Some(n) => {
                let c = p.connectors.get(&n).ok_or(HoldRefused::UnknownConnector)?;
                p.is_free(c).then_some(n).ok_or(HoldRefused::NotFree)?
            }
            None => p
                .connectors
                .iter()
                .find(|(_, c)| p.is_free(c) && fits(c.connector_type, c.max_power_kw))
                .map(|(&n, _)| n)
                .ok_or(HoldRefused::NotFree)?,
        };
        let c = p.connectors.get_mut(&chosen).expect("chosen above");
        c.hold = Some(hold);
        let change = ConnectorChange {
            connector_id: chosen,
            before: c.status,
            status: c.status,
            free: false,
        };
        Ok((chosen, change))
    }

    /// Releases a reservation's hold, if it still has it; returns the change when it had.
    pub fn release_hold(
        &self,
        id: &ChargePointId,
        connector_id: u32,
        reservation_id: i64,
    ) -> Option<ConnectorChange> {
        let mut p = self.points.get_mut(id)?;
        let connected = p.is_connected();
        let c = p.connectors.get_mut(&connector_id)?;
        if c.hold
            .as_ref()
            .is_none_or(|h| h.reservation_id != reservation_id)
        {
            return None;
        }
        c.hold = None;
        Some(ConnectorChange {
            connector_id,
            before: c.status,
            status: c.status,
            free: connected && c.status == ConnectorStatus::Available,
        })
    }

    /// Gives a provisional hold its reservation's real id.
    pub fn confirm_hold(
        &self,
        id: &ChargePointId,
        connector_id: u32,
        provisional: i64,
        reservation_id: i64,
    ) {
        if let Some(mut p) = self.points.get_mut(id)
            && let Some(c) = p.connectors.get_mut(&connector_id)
            && let Some(hold) = c.hold.as_mut().filter(|h| h.reservation_id == provisional)
        {
            hold.reservation_id = reservation_id;
        }
    }

    /// Puts back a hold the store says is active (at start); a connector held otherwise wins.
    pub fn restore_hold(&self, id: &ChargePointId, connector_id: u32, hold: Hold) {
        if let Some(mut p) = self.points.get_mut(id)
            && let Some(c) = p.connectors.get_mut(&connector_id)
            && c.hold.is_none()
        {
            c.hold = Some(hold);
        }
    }

    /// The hold on a connector, if any.
    pub fn hold(&self, id: &ChargePointId, connector_id: u32) -> Option<Hold> {
        self.points
            .get(id)?
            .connectors
            .get(&connector_id)?
            .hold
            .clone()
    }

    /// Holds past their time, for the reservation expiry to release.
    pub fn expired_holds(&self, now: DateTime<Utc>) -> Vec<(ChargePointId, u32, i64)> {
        let mut out = Vec::new();
        for p in self.points.iter() {
            for (&n, c) in &p.connectors {
                if let Some(h) = &c.hold
                    && h.until <= now
                {
                    out.push((p.spec.id.clone(), n, h.reservation_id));
                }
            }
        }
        out
    }
}
