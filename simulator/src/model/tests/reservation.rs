//! Reservations: ReserveNow holds a connector for one tag until it expires or is cancelled.

use chrono::{DateTime, TimeDelta, Utc};
use tokio::time::Instant;

use super::{Rig, START, is_status, tag};
use crate::model::actions::ActionError;
use crate::model::curve::Vehicle;
use crate::model::messages::{Answer, Command, Reply, Request, ReservationOutcome};
use crate::model::observe::Event;
use crate::model::types::{AuthStatus, FaultCode, Status};

fn in_minutes(minutes: i64) -> DateTime<Utc> {
    START.parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(minutes)
}

fn reserve(rig: &mut Rig, connector: u32, reservation_id: i32, minutes: i64) -> Reply {
    let command = Command::ReserveNow {
        connector,
        expiry: in_minutes(minutes),
        id_tag: tag("HOLDER"),
        parent_id_tag: None,
        reservation_id,
    };
    rig.cp.on_command(command, Instant::now())
}

#[tokio::test(start_paused = true)]
async fn a_reservation_holds_the_connector_for_its_tag_until_it_expires() {
    let mut rig = Rig::quiet();
    assert_eq!(
        reserve(&mut rig, 1, 11, 2),
        Reply::Reservation(ReservationOutcome::Accepted)
    );
    assert!(is_status(
        &rig.reply(Answer::Ack).request,
        1,
        Status::Reserved
    ));

    let other = rig
        .cp
        .plug_in(1, tag("SOMEONE-ELSE"), Vehicle::default(), Instant::now());
    assert_eq!(other, Err(ActionError::Reserved(1)));
    let remote = Command::RemoteStart {
        connector: Some(1),
        id_tag: tag("SOMEONE-ELSE"),
    };
    assert_eq!(
        rig.cp.on_command(remote, Instant::now()),
        Reply::Accepted(false)
    );
    assert!(rig.next().is_none());

    rig.advance(119).await;
    assert_eq!(rig.status(1), Status::Reserved);
    rig.advance(1).await;
    assert!(is_status(&rig.expect().request, 1, Status::Available));
    assert!(rig.events.contains(&Event::ReservationExpired {
        connector: 1,
        reservation_id: 11
    }));
}

#[tokio::test(start_paused = true)]
async fn the_reserved_tag_starts_with_its_reservation_id() {
    let mut rig = Rig::quiet();
    reserve(&mut rig, 2, 12, 15);
    rig.ack_all();
    rig.cp
        .plug_in(2, tag("holder"), Vehicle::default(), Instant::now())
        .unwrap();
    rig.reply(Answer::Ack);
    rig.reply(Answer::Authorize {
        status: AuthStatus::Accepted,
    });
    let start = rig.expect();
    assert!(
        matches!(
            start.request,
            Request::StartTransaction {
                connector: 2,
                reservation_id: Some(12),
                ..
            }
        ),
        "{start:?}"
    );
    assert_eq!(
        rig.cp.snapshot().connector(2).unwrap().reservation_id,
        None,
        "used up"
    );
}

#[tokio::test(start_paused = true)]
async fn cancelling_frees_the_connector_and_unknown_reservations_are_rejected() {
    let mut rig = Rig::quiet();
    reserve(&mut rig, 1, 13, 30);
    rig.ack_all();
    let cancel = |id| Command::CancelReservation { reservation_id: id };
    assert_eq!(
        rig.cp.on_command(cancel(99), Instant::now()),
        Reply::Accepted(false)
    );
    assert_eq!(
        rig.cp.on_command(cancel(13), Instant::now()),
        Reply::Accepted(true)
    );
    assert!(is_status(&rig.expect().request, 1, Status::Available));
}

#[tokio::test(start_paused = true)]
async fn busy_faulted_past_and_connector_zero_reservations_are_refused() {
    let mut rig = Rig::quiet();
    rig.cp
        .plug_in(1, tag("DRIVER"), Vehicle::default(), Instant::now())
        .unwrap();
    rig.ack_all();
    rig.cp
        .fault(2, FaultCode::GroundFailure, Instant::now())
        .unwrap();
    assert_eq!(
        reserve(&mut rig, 1, 1, 10),
        Reply::Reservation(ReservationOutcome::Occupied)
    );
    assert_eq!(
        reserve(&mut rig, 2, 2, 10),
        Reply::Reservation(ReservationOutcome::Faulted)
    );
    assert_eq!(
        reserve(&mut rig, 0, 3, 10),
        Reply::Reservation(ReservationOutcome::Rejected)
    );
    assert_eq!(
        reserve(&mut rig, 2, 4, -1),
        Reply::Reservation(ReservationOutcome::Rejected)
    );
    rig.cp.clear_fault(2, Instant::now()).unwrap();
    assert_eq!(
        reserve(&mut rig, 2, 5, 10),
        Reply::Reservation(ReservationOutcome::Accepted)
    );
    assert_eq!(
        reserve(&mut rig, 2, 5, 20),
        Reply::Reservation(ReservationOutcome::Accepted),
        "the same id replaces it"
    );
}
