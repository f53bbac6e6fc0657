//! The reservation worker: acts on what the timetable says falls due. When a booking's slot
//! begins it holds the connector and sends ReserveNow, moving the booking to a free connector
//! of the same type at that charge point if its own is occupied, faulted or offline, or
//! cancelling it and telling the member. When a window ends, whatever still holds the
//! connector is released. At start it reloads every open reservation from the store.

use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use super::{Due, Reservations, ReserveError};
use crate::{
    charging,
    domain::ReservationStatus,
    fleet::Hold,
    store::{StoreError, reservations::ReservationRecord},
};

/// Entries handled at once: a charger that does not answer ReserveNow holds one of them for
/// the call timeout, never the bookings of every other charger.
const CONCURRENT: usize = 32;

impl Reservations {
    /// Serves the timetable until `stop`; what is under way then finishes (each within the call
    /// timeout).
    pub async fn run(self, mut due: mpsc::UnboundedReceiver<Due>, stop: CancellationToken) {
        let tasks = TaskTracker::new();
        let permits = Arc::new(Semaphore::new(CONCURRENT));
        loop {
            let next = tokio::select! {
                () = stop.cancelled() => break,
                next = due.recv() => next,
            };
            let Some(next) = next else { break };
            let permit = tokio::select! {
                () = stop.cancelled() => break,
                permit = permits.clone().acquire_owned() => permit.expect("never closed"),
            };
            let this = self.clone();
            tasks.spawn(async move {
                let outcome = match next {
                    Due::Begin(id) => this.begin(id).await,
                    Due::End(id) => this.end(id).await,
                };
                if let Err(e) = outcome {
                    tracing::error!(error = %e, "reservation timetable entry failed");
                }
                drop(permit);
            });
        }
        tasks.close();
        tasks.wait().await;
    }

    /// Puts open reservations back: holds of active ones, and the timetable entries of all. Runs
    /// before the listeners serve, so no driver sees a held connector as free after a restart.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let lead = chrono::Duration::seconds(i64::from(self.limits.booking_lead_secs));
        let now = self.clock.now();
        for r in self.store.open_reservations().await? {
            let table = &self.timetable;
            match r.status {
                ReservationStatus::Scheduled => table.at(r.starts_at - lead, Due::Begin(r.id)),
                ReservationStatus::Active => {
                    let hold = Hold {
                        reservation_id: r.id,
                        id_tag: r.id_tag.clone(),
                        until: r.expires_at,
                    };
                    self.fleet
                        .restore_hold(&r.charge_point_id, r.connector_id, hold);
                }
                _ => {
                    // Interrupted before the charge point answered: we cannot know, so we let it go.
                    self.store
                        .set_reservation_status(
                            r.id,
                            &[ReservationStatus::Pending],
                            ReservationStatus::Refused,
                            now,
                        )
                        .await?;
                    continue;
                }
            }
            table.at(r.expires_at, Due::End(r.id));
        }
        Ok(())
    }

    async fn tell(
        &self,
        r: &ReservationRecord,
        subject: &str,
        body: String,
    ) -> Result<(), StoreError> {
        self.store
            .insert_message(r.member_id, "booking", subject, &body, self.clock.now())
            .await
    }

    async fn begin(&self, id: i64) -> Result<(), StoreError> {
        let Some(r) = self
            .store
            .reservation(id)
            .await?
            .filter(|r| r.status == ReservationStatus::Scheduled)
        else {
            return Ok(());
        };
        let Some(point) = self.fleet.get(&r.charge_point_id) else {
            return self
                .cancel_booking(&r, "the charge point no longer exists")
                .await;
        };
        if !point.spec.is_trusted() {
            // Its credentials were removed since the booking: it is not handed the member's card.
            return self
                .cancel_booking(&r, "the charge point cannot take reservations now")
                .await;
        }
        let kind = point
            .connectors
            .get(&r.connector_id)
            .and_then(|c| c.connector_type);
        let twins = point
            .connectors
            .iter()
            .filter(|(n, c)| **n != r.connector_id && c.connector_type == kind)
            .map(|(n, _)| *n);
        for connector_id in std::iter::once(r.connector_id).chain(twins) {
            let moved = connector_id != r.connector_id;
            let hold = Hold {
                reservation_id: r.id,
                id_tag: r.id_tag.clone(),
                until: r.expires_at,
            };
            let Ok((_, change)) =
                self.fleet
                    .take_hold(&r.charge_point_id, Some(connector_id), |_, _| true, hold)
            else {
                continue;
            };
            charging::publish_changes(&*self.bus, &r.charge_point_id, [change], self.clock.now());
            // A move is a calendar write: the store checks the twin's calendar and moves the
            // booking in one step, so that no booking made meanwhile can overlap it.
            if moved
                && !self
                    .store
                    .move_reservation(&r, connector_id, self.clock.now())
                    .await?
            {
                self.release(&r.charge_point_id, connector_id, r.id);
                continue;
            }
            let record = ReservationRecord {
                connector_id,
                ..r.clone()
            };
            return match self.send_reserve_now(record).await {
                Ok(_) if moved => {
                    let body = format!(
                        "Connector {} of {} was not available when your booking began, so we reserved connector {connector_id} (same type) for you until {}.",
                        r.connector_id,
                        point.spec.name,
                        r.expires_at.format("%H:%M UTC")
                    );
                    self.tell(&r, "Your booking moved to another connector", body)
                        .await
                }
                Ok(_) => Ok(()),
                Err(ReserveError::Store(e)) => Err(e),
                Err(e) => {
                    let body = format!(
                        "{} could not hold your booking ({e}); it is cancelled.",
                        point.spec.name
                    );
                    self.tell(&r, "Your booking was cancelled", body).await
                }
            };
        }
        self.cancel_booking(&r, "no connector of that type is free there now")
            .await
    }

    async fn cancel_booking(&self, r: &ReservationRecord, why: &str) -> Result<(), StoreError> {
        let now = self.clock.now();
        if self
            .store
            .set_reservation_status(
                r.id,
                &[ReservationStatus::Scheduled],
                ReservationStatus::Cancelled,
                now,
            )
            .await?
        {
            self.timetable.forget(r.id);
            self.publish(r, ReservationStatus::Cancelled);
            let body = format!(
                "Your booking at {} from {} could not start: {why}. We are sorry; it is cancelled and costs you nothing.",
                r.charge_point_id,
                r.starts_at.format("%Y-%m-%d %H:%M UTC")
            );
            self.tell(r, "Your booking was cancelled", body).await?;
        }
        Ok(())
    }

    async fn end(&self, id: i64) -> Result<(), StoreError> {
        let Some(r) = self.store.reservation(id).await? else {
            return Ok(());
        };
        if self
            .store
            .set_reservation_status(
                id,
                &ReservationStatus::OPEN,
                ReservationStatus::Expired,
                self.clock.now(),
            )
            .await?
        {
            self.release(&r.charge_point_id, r.connector_id, id);
            self.publish(&r, ReservationStatus::Expired);
            tracing::info!(reservation = id, "reservation expired unused");
        }
        Ok(())
    }
}
