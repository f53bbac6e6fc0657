//! Reservations: reserve a connector now, or book it for a later slot. Reserving now takes an
//! atomic hold in the fleet (one of many concurrent requests wins), writes the reservation and
//! sends ReserveNow; the hold goes if the charge point refuses or stays silent. A booking goes
//! into the connector's calendar; the timetable wakes the worker when its slot begins (then it
//! holds the connector, moving the booking to a free twin connector if it must) and when its
//! window ends. A StartTransaction of the reserving tag consumes the reservation.

mod charge_point;
mod eligibility;
pub mod slots;
pub mod timetable;
pub mod window;
mod worker;

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use chrono::{DateTime, Duration, Utc};

use crate::{
    charging::{self, port::SharedPort},
    clock::SharedClock,
    domain::{ChargePointId, IdTag, MemberId, ReservationStatus},
    events::{DomainEvent, SharedBus},
    fleet::{Fleet, Hold, availability::HoldRefused},
    store::{
        Store, StoreError,
        reservations::{NewReservation, Refused, ReservationRecord},
    },
};
pub use timetable::{Due, Timetable};

/// The operator's bounds on reservations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a reservation made now lasts when the member does not say.
    pub reservation_minutes: u32,
    /// The longest window a member may reserve or book.
    pub max_reservation_minutes: u32,
    /// Open reservations (held or booked) a member may have at once.
    pub max_open_bookings: u32,
    /// How long before a booked slot the connector is held.
    pub booking_lead_secs: u32,
}

impl Limits {
    pub fn from_config(config: &crate::Config) -> Limits {
        Limits {
            reservation_minutes: config.reservation_minutes,
            max_reservation_minutes: config.max_reservation_minutes,
            max_open_bookings: config.max_open_bookings,
            booking_lead_secs: config.booking_lead_secs,
        }
    }
}

/// The reservations service over its dependencies. Cheap to clone.
#[derive(Clone)]
pub struct Reservations {
    /// The store over the general pool (members' requests, the worker).
    store: Store,
    /// The store over the chargers' pool (a start consuming its reservation).
    charging: Store,
    fleet: Arc<Fleet>,
    bus: SharedBus,
    clock: SharedClock,
    /// How a charge point is asked to hold a connector, or let it go.
    charge_points: SharedPort,
    limits: Limits,
    pub timetable: Timetable,
    /// Serializes calendar writes on this node, so two bookings cannot both pass the overlap
    /// check (cluster mode takes a Redis lock instead).
    calendar: Arc<tokio::sync::Mutex<()>>,
    /// Hold ids for reservations not yet written (negative, so they never meet a real id).
    provisional: Arc<AtomicI64>,
}

/// What [`Reservations`] is built from.
pub struct Deps {
    pub store: Store,
    pub charging: Store,
    pub fleet: Arc<Fleet>,
    pub bus: SharedBus,
    pub clock: SharedClock,
    pub charge_points: SharedPort,
    pub limits: Limits,
    pub timetable: Timetable,
}

impl Reservations {
    pub fn new(d: Deps) -> Reservations {
        Reservations {
            store: d.store,
            charging: d.charging,
            fleet: d.fleet,
            bus: d.bus,
            clock: d.clock,
            charge_points: d.charge_points,
            limits: d.limits,
            timetable: d.timetable,
            calendar: Arc::default(),
            provisional: Arc::new(AtomicI64::new(0)),
        }
    }
}

/// A member's request, validated at the edge.
#[derive(Debug, Clone)]
pub struct Request {
    pub charge_point_id: ChargePointId,
    pub connector_id: Option<u32>,
    pub id_tag: IdTag,
    pub starts_at: Option<DateTime<Utc>>,
    pub duration_minutes: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReserveError {
    #[error("no charge point {0}")]
    UnknownChargePoint(ChargePointId),
    #[error("charge point {0} has no connector {1}")]
    UnknownConnector(ChargePointId, u32),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unfunded(String),
    #[error("the charge point did not answer in time")]
    NoAnswer,
    #[error("the charge point failed: {0}")]
    ChargePoint(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Reservations {
    fn publish(&self, r: &ReservationRecord, status: ReservationStatus) {
        self.bus.publish(DomainEvent::ReservationChanged {
            reservation_id: r.id,
            charge_point_id: r.charge_point_id.clone(),
            connector_id: r.connector_id,
            status,
            at: self.clock.now(),
        });
    }

    /// Checks the window of a request: it may not end before it starts, lie in the past, or be
    /// longer than allowed.
    fn window(&self, req: &Request) -> Result<(DateTime<Utc>, DateTime<Utc>), ReserveError> {
        let now = self.clock.now();
        let max = self.limits.max_reservation_minutes;
        let minutes = match (req.starts_at, req.duration_minutes) {
            (_, Some(m)) => m,
            (None, None) => self.limits.reservation_minutes,
            (Some(_), None) => 60.min(max),
        };
        let start = match req.starts_at {
            None => now,
            Some(at) if at <= now => {
                return Err(ReserveError::BadRequest(
                    "startsAt lies in the past: leave it out to reserve now".into(),
                ));
            }
            Some(at) => at,
        };
        let end = start + Duration::minutes(i64::from(minutes));
        window::check(start, end, now, max)?;
        Ok((start, end))
    }

    /// Reserves now or books later, as the request says.
    pub async fn reserve(
        &self,
        member: MemberId,
        req: Request,
    ) -> Result<ReservationRecord, ReserveError> {
        let (starts_at, expires_at) = self.window(&req)?;
        let point = self
            .fleet
            .get(&req.charge_point_id)
            .ok_or_else(|| ReserveError::UnknownChargePoint(req.charge_point_id.clone()))?;
        if !point.spec.is_trusted() {
            // A driver's card would be handed to whoever claims its id, and could not pay there.
            return Err(ReserveError::Conflict(format!(
                "{} takes no reservations: it has no credentials",
                req.charge_point_id
            )));
        }
        if let Some(n) = req.connector_id
            && !point.connectors.contains_key(&n)
        {
            return Err(ReserveError::UnknownConnector(
                req.charge_point_id.clone(),
                n,
            ));
        }
        self.check_card(member, &req.id_tag).await?;
        let candidates: Vec<u32> = match req.connector_id {
            Some(n) => vec![n],
            None => point.connectors.keys().copied().collect(),
        };
        let new = |connector_id, status| NewReservation {
            member_id: member,
            charge_point_id: req.charge_point_id.clone(),
            connector_id,
            id_tag: req.id_tag.clone(),
            status,
            starts_at,
            expires_at,
        };
        if req.starts_at.is_some() {
            return self.book(candidates, new).await;
        }
        self.reserve_now(&req, candidates, new).await
    }

    async fn book(
        &self,
        candidates: Vec<u32>,
        new: impl Fn(u32, ReservationStatus) -> NewReservation,
    ) -> Result<ReservationRecord, ReserveError> {
        let _calendar = self.calendar.lock().await;
        for connector_id in candidates {
            let inserted = self
                .store
                .insert_reservation(
                    &new(connector_id, ReservationStatus::Scheduled),
                    i64::from(self.limits.max_open_bookings),
                    self.clock.now(),
                )
                .await?;
            if let Err(Refused::TooManyOpen(open)) = inserted {
                return Err(eligibility::too_many(open));
            }
            if let Ok(record) = inserted {
                let lead = Duration::seconds(i64::from(self.limits.booking_lead_secs));
                self.timetable
                    .at(record.starts_at - lead, Due::Begin(record.id));
                self.timetable.at(record.expires_at, Due::End(record.id));
                self.publish(&record, ReservationStatus::Scheduled);
                return Ok(record);
            }
        }
        Err(ReserveError::Conflict(
            "the slot overlaps another booking".into(),
        ))
    }

    async fn reserve_now(
        &self,
        req: &Request,
        candidates: Vec<u32>,
        new: impl Fn(u32, ReservationStatus) -> NewReservation,
    ) -> Result<ReservationRecord, ReserveError> {
        let cp = &req.charge_point_id;
        let mut refusal = "the connector is not free".to_owned();
        for connector_id in candidates {
            let provisional = -self.provisional.fetch_add(1, Ordering::Relaxed) - 1;
            let hold = Hold {
                reservation_id: provisional,
                id_tag: req.id_tag.clone(),
                until: new(connector_id, ReservationStatus::Pending).expires_at,
            };
            match self
                .fleet
                .take_hold(cp, Some(connector_id), |_, _| true, hold)
            {
                Ok((_, change)) => {
                    charging::publish_changes(&*self.bus, cp, [change], self.clock.now())
                }
                Err(HoldRefused::NotFree | HoldRefused::UnknownConnector) => continue,
                Err(HoldRefused::UnknownChargePoint) => {
                    return Err(ReserveError::UnknownChargePoint(cp.clone()));
                }
            }
            let inserted = {
                let _calendar = self.calendar.lock().await;
                self.store
                    .insert_reservation(
                        &new(connector_id, ReservationStatus::Pending),
                        i64::from(self.limits.max_open_bookings),
                        self.clock.now(),
                    )
                    .await
            };
            let record = match inserted {
                Ok(Ok(record)) => record,
                other => {
                    self.release(cp, connector_id, provisional);
                    match other {
                        Err(e) => return Err(e.into()),
                        Ok(Err(Refused::TooManyOpen(open))) => {
                            return Err(eligibility::too_many(open));
                        }
                        _ => {
                            refusal = "the connector is booked for part of that time".into();
                            continue;
                        }
                    }
                }
            };
            self.fleet
                .confirm_hold(cp, connector_id, provisional, record.id);
            // The window's end releases the hold whatever becomes of the ReserveNow.
            self.timetable.at(record.expires_at, Due::End(record.id));
            return self.send_reserve_now(record).await;
        }
        Err(ReserveError::Conflict(refusal))
    }

    fn release(&self, cp: &ChargePointId, connector_id: u32, reservation_id: i64) {
        if let Some(change) = self.fleet.release_hold(cp, connector_id, reservation_id) {
            charging::publish_changes(&*self.bus, cp, [change], self.clock.now());
        }
    }

    /// Whether a reservation of another tag holds the connector, so that this start must be
    /// refused (a start naming the reservation, or by the reserving tag, is its owner's).
    pub fn held_by_another(
        &self,
        cp: &ChargePointId,
        connector_id: u32,
        id_tag: &IdTag,
        reservation_id: Option<i64>,
    ) -> bool {
        self.fleet.hold(cp, connector_id).is_some_and(|hold| {
            reservation_id != Some(hold.reservation_id) && hold.id_tag != *id_tag
        })
    }

    /// The transaction a start created consumes the reservation that held its connector.
    pub async fn consume(
        &self,
        cp: &ChargePointId,
        connector_id: u32,
        transaction_id: i64,
    ) -> Result<(), StoreError> {
        let Some(hold) = self.fleet.hold(cp, connector_id) else {
            return Ok(());
        };
        if self
            .charging
            .use_reservation(hold.reservation_id, transaction_id, self.clock.now())
            .await?
        {
            self.timetable.forget(hold.reservation_id);
            if let Some(record) = self.charging.reservation(hold.reservation_id).await? {
                self.publish(&record, ReservationStatus::Used);
            }
        }
        self.release(cp, connector_id, hold.reservation_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
