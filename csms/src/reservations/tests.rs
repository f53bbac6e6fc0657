//! The reservations service built from a store, a fleet, a bus, a clock and a port that
//! records what it was asked, without the app or a charger.

use std::sync::Arc;

use chrono::{Duration, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Deps, Limits, Request, Reservations, ReserveError, Timetable};
use crate::{
    charging::port::{Answer, Unreached},
    clock::SharedClock,
    domain::{ChargePointId, IdTag, MemberId, ReservationStatus},
    events::LocalBus,
    fleet::Fleet,
    testkit::{Asked, Kit, Recorder, TestClock},
};

struct Setup {
    kit: Kit,
    fleet: Arc<Fleet>,
    port: Arc<Recorder>,
    clock: SharedClock,
    reservations: Reservations,
    cp: ChargePointId,
    member: MemberId,
    stop: CancellationToken,
}

async fn setup(answer: Result<Answer, Unreached>) -> Setup {
    let kit = Kit::new().await;
    let fleet = Arc::new(Fleet::default());
    let cp = kit.charge_point(&fleet, "CP-R", 2).await;
    let member = kit
        .member_with_card("res@example.com", "CARDR", false)
        .await;
    kit.fund("CARDR", 1000).await;
    let port = Arc::new(Recorder::answering(answer));
    let clock: SharedClock = Arc::new(TestClock::at(2026, 12, 2, 10));
    let stop = CancellationToken::new();
    let (due, _due) = mpsc::unbounded_channel();
    let reservations = Reservations::new(Deps {
        store: kit.store.clone(),
        charging: kit.store.for_charging(),
        fleet: fleet.clone(),
        bus: Arc::new(LocalBus::new(64)),
        clock: clock.clone(),
        charge_points: port.clone(),
        limits: Limits {
            reservation_minutes: 15,
            max_reservation_minutes: 120,
            max_open_bookings: 3,
            booking_lead_secs: 60,
        },
        timetable: Timetable::spawn(clock.clone(), due, stop.clone()),
    });
    Setup {
        kit,
        fleet,
        port,
        clock,
        reservations,
        cp,
        member,
        stop,
    }
}

fn request(
    cp: &ChargePointId,
    connector: u32,
    starts_in_minutes: Option<i64>,
    now: chrono::DateTime<Utc>,
) -> Request {
    Request {
        charge_point_id: cp.clone(),
        connector_id: Some(connector),
        id_tag: IdTag::parse("CARDR").unwrap(),
        starts_at: starts_in_minutes.map(|m| now + Duration::minutes(m)),
        duration_minutes: Some(30),
    }
}

#[tokio::test]
async fn a_reservation_now_holds_the_connector_for_its_tag_until_a_start_consumes_it() {
    let s = setup(Ok(Answer::Accepted)).await;
    let now = s.clock.now();
    let record = s
        .reservations
        .reserve(s.member, request(&s.cp, 1, None, now))
        .await
        .unwrap();
    assert_eq!(record.status, ReservationStatus::Active);
    let Asked::Hold(cp, hold) = &s.port.asked()[0] else {
        panic!("{:?}", s.port.asked())
    };
    assert_eq!(
        (cp, hold.connector_id, hold.id_tag.as_str()),
        (&s.cp, 1, "CARDR")
    );
    assert_eq!(hold.until, now + Duration::minutes(30));

    let other = IdTag::parse("SOMEONE").unwrap();
    let own = IdTag::parse("CARDR").unwrap();
    assert!(s.reservations.held_by_another(&s.cp, 1, &other, None));
    assert!(
        !s.reservations
            .held_by_another(&s.cp, 1, &other, Some(record.id))
    );
    assert!(!s.reservations.held_by_another(&s.cp, 1, &own, None));
    assert!(!s.reservations.held_by_another(&s.cp, 2, &other, None));
    // The same connector is not free for a second reservation.
    let again = s
        .reservations
        .reserve(s.member, request(&s.cp, 1, None, now))
        .await;
    assert!(matches!(again, Err(ReserveError::Conflict(_))), "{again:?}");

    s.reservations.consume(&s.cp, 1, 77).await.unwrap();
    assert!(s.fleet.hold(&s.cp, 1).is_none());
    let used = s.kit.store.reservation(record.id).await.unwrap().unwrap();
    assert_eq!(
        (used.status, used.transaction_id),
        (ReservationStatus::Used, Some(77))
    );
    s.stop.cancel();
    s.kit.close().await;
}

#[tokio::test]
async fn a_refused_or_unanswered_hold_is_released_and_recorded_refused() {
    for answer in [
        Ok(Answer::Refused("Occupied".into())),
        Err(Unreached::NoAnswer),
    ] {
        let s = setup(answer.clone()).await;
        let now = s.clock.now();
        let refused = s
            .reservations
            .reserve(s.member, request(&s.cp, 2, None, now))
            .await;
        match answer {
            Ok(_) => assert!(
                matches!(refused, Err(ReserveError::Conflict(_))),
                "{refused:?}"
            ),
            Err(_) => assert!(
                matches!(refused, Err(ReserveError::NoAnswer)),
                "{refused:?}"
            ),
        }
        assert!(s.fleet.hold(&s.cp, 2).is_none(), "the hold is let go");
        let mine = s.kit.store.member_reservations(s.member).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].status, ReservationStatus::Refused);
        s.stop.cancel();
        s.kit.close().await;
    }
}

#[tokio::test]
async fn bookings_are_checked_against_the_window_and_each_other() {
    let s = setup(Ok(Answer::Accepted)).await;
    let now = s.clock.now();
    let booked = s
        .reservations
        .reserve(s.member, request(&s.cp, 1, Some(60), now))
        .await
        .unwrap();
    assert_eq!(booked.status, ReservationStatus::Scheduled);
    assert!(
        s.port.asked().is_empty(),
        "nothing is asked of the charger until the slot begins"
    );
    assert!(s.fleet.hold(&s.cp, 1).is_none());

    let overlapping = s
        .reservations
        .reserve(s.member, request(&s.cp, 1, Some(75), now))
        .await;
    assert!(
        matches!(overlapping, Err(ReserveError::Conflict(_))),
        "{overlapping:?}"
    );
    let past = s
        .reservations
        .reserve(s.member, request(&s.cp, 1, Some(-5), now))
        .await;
    assert!(matches!(past, Err(ReserveError::BadRequest(_))), "{past:?}");
    let mut long = request(&s.cp, 2, Some(60), now);
    long.duration_minutes = Some(121);
    let long = s.reservations.reserve(s.member, long).await;
    assert!(matches!(long, Err(ReserveError::BadRequest(_))), "{long:?}");
    let far = s
        .reservations
        .reserve(s.member, request(&s.cp, 2, Some(91 * 24 * 60), now))
        .await;
    assert!(matches!(far, Err(ReserveError::BadRequest(_))), "{far:?}");
    let unknown = s
        .reservations
        .reserve(s.member, request(&s.cp, 3, Some(60), now))
        .await;
    assert!(
        matches!(unknown, Err(ReserveError::UnknownConnector(..))),
        "{unknown:?}"
    );

    s.reservations.cancel(s.member, booked.id).await.unwrap();
    let twice = s.reservations.cancel(s.member, booked.id).await;
    assert!(matches!(twice, Err(ReserveError::Conflict(_))), "{twice:?}");
    let someone = MemberId(s.member.0 + 1);
    let theirs = s.reservations.cancel(someone, booked.id).await;
    assert!(
        matches!(theirs, Err(ReserveError::NotFound(_))),
        "{theirs:?}"
    );
    s.stop.cancel();
    s.kit.close().await;
}
