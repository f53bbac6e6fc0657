//! What a reservation asks of its charge point: ReserveNow once the hold is ours (Active when
//! it accepts, the hold released otherwise, and let go at once if the member cancelled while it
//! was being asked), and CancelReservation when a member cancels an active one.

use super::{Reservations, ReserveError};
use crate::{
    charging::port::{Answer, HoldRequest, Unreached},
    domain::MemberId,
    domain::ReservationStatus,
    store::reservations::ReservationRecord,
};

impl Reservations {
    /// Asks the charge point to hold the connector for a reservation whose hold we have; the
    /// reservation is Active when it accepts, Refused (hold released) otherwise.
    pub(super) async fn send_reserve_now(
        &self,
        record: ReservationRecord,
    ) -> Result<ReservationRecord, ReserveError> {
        let hold = HoldRequest {
            reservation_id: record.id,
            connector_id: record.connector_id,
            id_tag: record.id_tag.clone(),
            until: record.expires_at,
        };
        let answer = self
            .charge_points
            .hold(&record.charge_point_id, &hold)
            .await;
        let from = [ReservationStatus::Pending, ReservationStatus::Scheduled];
        let now = self.clock.now();
        if let Ok(Answer::Accepted) = &answer {
            let activated = self
                .store
                .set_reservation_status(record.id, &from, ReservationStatus::Active, now)
                .await?;
            if !activated {
                // Cancelled (or expired) while the charge point was being asked: it holds the
                // connector now, so it is told to let go.
                tracing::info!(
                    reservation = record.id,
                    "cancelled while ReserveNow was pending"
                );
                self.cancel_at_charge_point(&record).await;
                self.release(&record.charge_point_id, record.connector_id, record.id);
                return Err(ReserveError::Conflict(
                    "the reservation was cancelled before the charge point confirmed it".into(),
                ));
            }
            self.publish(&record, ReservationStatus::Active);
            return Ok(ReservationRecord {
                status: ReservationStatus::Active,
                ..record
            });
        }
        self.release(&record.charge_point_id, record.connector_id, record.id);
        self.store
            .set_reservation_status(record.id, &from, ReservationStatus::Refused, now)
            .await?;
        self.publish(&record, ReservationStatus::Refused);
        Err(match answer {
            Ok(Answer::Refused(word)) => {
                ReserveError::Conflict(format!("the charge point answered {word}"))
            }
            Ok(Answer::Accepted) => unreachable!("an accepted hold returned above"),
            Err(Unreached::NoAnswer) => ReserveError::NoAnswer,
            Err(Unreached::NotConnected) => {
                ReserveError::Conflict("the charge point is offline".into())
            }
            Err(Unreached::Failed(why)) => ReserveError::ChargePoint(why),
        })
    }

    /// Cancels a member's reservation; another member's is unknown to them.
    pub async fn cancel(&self, member: MemberId, id: i64) -> Result<(), ReserveError> {
        let record = self
            .store
            .reservation(id)
            .await?
            .filter(|r| r.member_id == member)
            .ok_or_else(|| ReserveError::NotFound(format!("no reservation {id}")))?;
        let now = self.clock.now();
        if !self
            .store
            .set_reservation_status(
                id,
                &ReservationStatus::OPEN,
                ReservationStatus::Cancelled,
                now,
            )
            .await?
        {
            return Err(ReserveError::Conflict(format!(
                "reservation {id} is {} already",
                record.status
            )));
        }
        self.timetable.forget(id);
        if record.status == ReservationStatus::Active {
            self.cancel_at_charge_point(&record).await;
        }
        self.release(&record.charge_point_id, record.connector_id, id);
        self.publish(&record, ReservationStatus::Cancelled);
        Ok(())
    }

    /// Tells the charge point to drop a reservation it holds. The hold is ours to release either
    /// way; a charger that does not confirm forgets the reservation at its expiry.
    async fn cancel_at_charge_point(&self, record: &ReservationRecord) {
        let answer = self
            .charge_points
            .cancel_hold(&record.charge_point_id, record.id)
            .await;
        match answer {
            Ok(Answer::Accepted) => {}
            Ok(Answer::Refused(word)) => {
                tracing::warn!(reservation = record.id, %word, "the charge point kept a cancelled reservation");
            }
            Err(e) => {
                tracing::warn!(reservation = record.id, error = %e, "the cancellation not confirmed")
            }
        }
    }
}
