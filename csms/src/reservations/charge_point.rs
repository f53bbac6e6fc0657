//! What a reservation asks of its charge point: ReserveNow once the hold is ours (Active when
//! it accepts, the hold released otherwise, and let go at once if the member cancelled while it
//! was being asked), and CancelReservation when a member cancels an active one.

use super::{ReserveError, publish, release};
use crate::{
    app::AppState,
    charging::port::{Answer, HoldRequest, Unreached},
    domain::ReservationStatus,
    members::MemberId,
    store::reservations::ReservationRecord,
};

/// Asks the charge point to hold the connector for a reservation whose hold we have; the
/// reservation is Active when it accepts, Refused (hold released) otherwise.
pub(super) async fn send_reserve_now(
    state: &AppState,
    record: ReservationRecord,
) -> Result<ReservationRecord, ReserveError> {
    let hold = HoldRequest {
        reservation_id: record.id,
        connector_id: record.connector_id,
        id_tag: record.id_tag.clone(),
        until: record.expires_at,
    };
    let answer = state
        .charge_points
        .hold(&record.charge_point_id, &hold)
        .await;
    let from = [ReservationStatus::Pending, ReservationStatus::Scheduled];
    let now = state.clock.now();
    if let Ok(Answer::Accepted) = &answer {
        let activated = state
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
            cancel_at_charge_point(state, &record).await;
            release(
                state,
                &record.charge_point_id,
                record.connector_id,
                record.id,
            );
            return Err(ReserveError::Conflict(
                "the reservation was cancelled before the charge point confirmed it".into(),
            ));
        }
        publish(state, &record, ReservationStatus::Active);
        return Ok(ReservationRecord {
            status: ReservationStatus::Active,
            ..record
        });
    }
    release(
        state,
        &record.charge_point_id,
        record.connector_id,
        record.id,
    );
    state
        .store
        .set_reservation_status(record.id, &from, ReservationStatus::Refused, now)
        .await?;
    publish(state, &record, ReservationStatus::Refused);
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
pub async fn cancel(state: &AppState, member: MemberId, id: i64) -> Result<(), ReserveError> {
    let record = state
        .store
        .reservation(id)
        .await?
        .filter(|r| r.member_id == member)
        .ok_or_else(|| ReserveError::NotFound(format!("no reservation {id}")))?;
    let now = state.clock.now();
    if !state
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
    state.reservations.timetable.forget(id);
    if record.status == ReservationStatus::Active {
        cancel_at_charge_point(state, &record).await;
    }
    release(state, &record.charge_point_id, record.connector_id, id);
    publish(state, &record, ReservationStatus::Cancelled);
    Ok(())
}

/// Tells the charge point to drop a reservation it holds. The hold is ours to release either
/// way; a charger that does not confirm forgets the reservation at its expiry.
async fn cancel_at_charge_point(state: &AppState, record: &ReservationRecord) {
    let answer = state
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
