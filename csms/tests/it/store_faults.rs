//! The group commit under faults: a write the database refuses fails alone (its batch-mates
//! are written), and a write that panics the writer fails alone too (the writer goes on).

use std::time::Duration;

use chrono::Utc;
use csms::{
    domain::RegistrationStatus,
    store::{
        Store,
        charge_points::BootInfo,
        transactions::{MeterSample, TransactionFilter},
    },
};

use crate::store::{committer, on_both, on_postgres, on_sqlite, spec};

/// Keeps the writer busy for a moment, so that what is sent meanwhile shares one batch.
async fn busy_writer(committer: &csms::store::commit::Committer) {
    committer
        .run(|_conn| {
            Box::pin(async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                Ok(())
            })
        })
        .await
        .unwrap();
}

/// A boot whose vendor holds a NUL character (PostgreSQL's text refuses it) shares a batch with
/// another charger's boot and samples: the other charger's writes are committed.
async fn one_bad_row_fails_only_its_own_write(store: Store) {
    let (committer, close, task) = committer(&store);
    for id in ["CP-GOOD", "CP-BAD"] {
        committer
            .register(spec(id, &[1]), Utc::now())
            .await
            .unwrap();
    }
    let boot = |vendor: &str| BootInfo {
        vendor: Some(vendor.into()),
        model: Some("M".into()),
        ..BootInfo::default()
    };
    let id = |s: &str| csms::domain::ChargePointId::parse(s).unwrap();
    let sample = MeterSample {
        charge_point_id: id("CP-GOOD"),
        connector_id: 1,
        transaction_id: None,
        sampled_at: Utc::now(),
        energy_wh: Some(42),
        sampled_values: "[]".into(),
    };
    let (_, bad, good, samples) = tokio::join!(
        busy_writer(&committer),
        committer.boot(
            id("CP-BAD"),
            boot("evil\0vendor"),
            RegistrationStatus::Accepted
        ),
        committer.boot(id("CP-GOOD"), boot("CITERE"), RegistrationStatus::Accepted),
        committer.record_samples(vec![sample]),
    );
    good.expect("the good charger's boot is written");
    samples.expect("the good charger's samples are written");
    if store.backend() == csms::store::Backend::Postgres {
        assert!(bad.is_err(), "PostgreSQL refuses a NUL character");
    }
    let points = store.load_charge_points().await.unwrap();
    let good = points
        .iter()
        .find(|p| p.spec.id.as_str() == "CP-GOOD")
        .unwrap();
    assert_eq!(good.boot.vendor.as_deref(), Some("CITERE"));
    close.cancel();
    task.await.unwrap();
}
on_both!(one_bad_row_fails_only_its_own_write);

/// A write that panics inside the writer fails (its waiter hears so); every later write is
/// still committed.
async fn a_panicking_write_does_not_stop_the_writer(store: Store) {
    let (committer, close, task) = committer(&store);
    let panicked = committer
        .run::<(), _>(|_conn| Box::pin(async { panic!("a bug on one batch's data") }))
        .await;
    assert!(panicked.is_err());
    committer
        .register(spec("CP-AFTER", &[1]), Utc::now())
        .await
        .unwrap();
    let after = committer
        .run(|_conn| Box::pin(async { Ok(7) }))
        .await
        .expect("the writer goes on after a panic");
    assert_eq!(after, 7);
    let listed = store
        .list_transactions(&TransactionFilter {
            limit: 1,
            ..TransactionFilter::default()
        })
        .await;
    assert!(listed.is_ok());
    close.cancel();
    task.await.unwrap();
}
on_both!(a_panicking_write_does_not_stop_the_writer);

/// Every connection of the API's pool taken (a flood of public requests): the chargers' reads
/// and the group commit go on, on connections of their own.
async fn api_traffic_cannot_take_the_chargers_connections(store: Store) {
    let mut held = Vec::new();
    for _ in 0..store.pool().options().get_max_connections() {
        held.push(store.pool().acquire().await.unwrap());
    }
    let (committer, close, task) = committer(&store.for_charging());
    let charging = store.for_charging();
    let within = Duration::from_secs(3);
    tokio::time::timeout(
        within,
        committer.register(spec("CP-BUSY", &[1]), Utc::now()),
    )
    .await
    .expect("the group commit has its own connections")
    .unwrap();
    let tag = csms::domain::IdTag::parse("TAG-BUSY").unwrap();
    tokio::time::timeout(within, charging.get_id_tag(&tag))
        .await
        .expect("the chargers' reads have their own connections")
        .unwrap();
    drop(held);
    close.cancel();
    task.await.unwrap();
}
on_both!(api_traffic_cannot_take_the_chargers_connections);

/// A booking moves to a twin connector only if the twin's calendar is clear for its window,
/// checked in the same database transaction as the move.
async fn a_booking_moves_only_to_a_clear_twin(store: Store) {
    use csms::{
        domain::{IdTag, ReservationStatus},
        members::{Email, Segment},
        store::{members::NewMember, reservations::NewReservation},
    };
    store
        .put_charge_point(&spec("CP-TWINS", &[1, 2]), Utc::now())
        .await
        .unwrap();
    let member = store
        .insert_member(
            &NewMember {
                email: Email::parse("twin@example.es").unwrap(),
                password_hash: "x".into(),
                name: "Twin".into(),
                segment: Segment::Private,
                bank_account: None,
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .unwrap();
    let starts = Utc::now() + chrono::Duration::hours(1);
    let booking = |connector_id| NewReservation {
        member_id: member.id,
        charge_point_id: csms::domain::ChargePointId::parse("CP-TWINS").unwrap(),
        connector_id,
        id_tag: IdTag::parse("TWIN-TAG").unwrap(),
        status: ReservationStatus::Scheduled,
        starts_at: starts,
        expires_at: starts + chrono::Duration::minutes(30),
    };
    let first = store
        .insert_reservation(&booking(1), 10, Utc::now())
        .await
        .unwrap()
        .unwrap();
    let blocking = store
        .insert_reservation(&booking(2), 10, Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert!(!store.move_reservation(&first, 2, Utc::now()).await.unwrap());
    assert_eq!(
        store
            .reservation(first.id)
            .await
            .unwrap()
            .unwrap()
            .connector_id,
        1
    );
    store
        .set_reservation_status(
            blocking.id,
            &[ReservationStatus::Scheduled],
            ReservationStatus::Cancelled,
            Utc::now(),
        )
        .await
        .unwrap();
    assert!(store.move_reservation(&first, 2, Utc::now()).await.unwrap());
    assert_eq!(
        store
            .reservation(first.id)
            .await
            .unwrap()
            .unwrap()
            .connector_id,
        2
    );
}
on_both!(a_booking_moves_only_to_a_clear_twin);
