//! The charging services built from a store, a fleet, billing, the running-cost watch and
//! reservations, without the app, a socket or a protocol.

use std::{sync::Arc, time::Duration};

use chrono::{TimeZone, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Charging, Deps, Intervals, Start};
use crate::{
    billing::{self, Billing, running::RunningCosts},
    charging::port::Answer,
    clock::SharedClock,
    domain::{AuthorizationStatus, ChargePointId, IdTag, RegistrationStatus},
    events::LocalBus,
    fleet::Fleet,
    money::Rules,
    reservations::{self, Reservations, Timetable},
    store::{
        charge_points::BootInfo,
        tariffs::Tariff,
        transactions::{StartKey, StopOutcome, TransactionStop},
    },
    testkit::{Kit, Recorder, TestClock},
};

struct Setup {
    kit: Kit,
    fleet: Arc<Fleet>,
    charging: Charging,
    stop: CancellationToken,
}

async fn setup() -> Setup {
    let kit = Kit::new().await;
    let fleet = Arc::new(Fleet::default());
    let clock: SharedClock = Arc::new(TestClock::at(2026, 12, 2, 10));
    let bus = Arc::new(LocalBus::new(64));
    let port = Arc::new(Recorder::answering(Ok(Answer::Accepted)));
    let stop = CancellationToken::new();
    let billing = Billing::new(billing::Deps {
        store: kit.store.clone(),
        charging: kit.store.for_charging(),
        committer: kit.committer.clone(),
        clock: clock.clone(),
        bus: bus.clone(),
        payments: None,
        creditor: None,
        rules: Rules::from_config(&crate::Config::default()),
    });
    let running_costs = Arc::new(RunningCosts::new(
        kit.store.for_charging(),
        clock.clone(),
        port.clone(),
        Duration::from_secs(1),
        stop.clone(),
    ));
    let (due, _due) = mpsc::unbounded_channel();
    let reservations = Reservations::new(reservations::Deps {
        store: kit.store.clone(),
        charging: kit.store.for_charging(),
        fleet: fleet.clone(),
        bus: bus.clone(),
        clock: clock.clone(),
        charge_points: port,
        limits: reservations::Limits::from_config(&crate::Config::default()),
        timetable: Timetable::spawn(clock.clone(), due, stop.clone()),
    });
    let charging = Charging::new(Deps {
        store: kit.store.for_charging(),
        committer: kit.committer.clone(),
        fleet: fleet.clone(),
        bus,
        clock,
        billing,
        running_costs,
        reservations,
        intervals: Intervals {
            heartbeat_secs: 300,
            boot_retry_secs: 60,
        },
    });
    Setup {
        kit,
        fleet,
        charging,
        stop,
    }
}

fn tag(s: &str) -> IdTag {
    IdTag::parse(s).unwrap()
}

fn boot_info() -> BootInfo {
    BootInfo {
        vendor: Some("CITERE".into()),
        model: Some("AC22".into()),
        serial_number: None,
        firmware_version: None,
    }
}

#[tokio::test]
async fn boot_answers_the_operators_decision_with_its_interval() {
    let s = setup().await;
    let cp = s.kit.charge_point(&s.fleet, "CP-B", 1).await;
    assert_eq!(
        s.charging.boot(&cp, boot_info()).await.unwrap(),
        (RegistrationStatus::Accepted, 300)
    );
    assert!(s.charging.is_accepted(&cp));
    let stranger = ChargePointId::parse("CP-NOBODY").unwrap();
    assert_eq!(
        s.charging.boot(&stranger, boot_info()).await.unwrap(),
        (RegistrationStatus::Rejected, 60)
    );
    assert!(!s.charging.is_accepted(&stranger));
    s.stop.cancel();
    s.kit.close().await;
}

#[tokio::test]
async fn a_paying_tag_is_refused_where_the_charge_point_has_no_credentials() {
    let s = setup().await;
    let trusted = s.kit.charge_point(&s.fleet, "CP-T", 1).await;
    let untrusted = s.kit.charge_point(&s.fleet, "CP-U", 1).await;
    let mut spec = s.fleet.get(&untrusted).unwrap().spec;
    spec.password_hash = None;
    s.fleet.put(spec);
    s.kit
        .member_with_card("pay@example.com", "CARDP", false)
        .await;
    s.kit.fund("CARDP", 1000).await;

    let card = tag("CARDP");
    let at = |cp| s.charging.authorize(cp, &card);
    assert_eq!(
        at(&trusted).await.unwrap().status,
        AuthorizationStatus::Accepted
    );
    assert_eq!(
        at(&untrusted).await.unwrap().status,
        AuthorizationStatus::Invalid
    );
    let unknown = s
        .charging
        .authorize(&trusted, &tag("NOBODY"))
        .await
        .unwrap();
    assert_eq!(unknown.status, AuthorizationStatus::Invalid);
    s.stop.cancel();
    s.kit.close().await;
}

#[tokio::test]
async fn a_session_starts_once_stops_once_and_is_paid_once() {
    let s = setup().await;
    let tariff = Tariff {
        price_per_kwh_cents: 40,
        price_per_minute_cents: 0,
        session_fee_cents: 0,
    };
    s.kit.store.put_tariff("default", &tariff).await.unwrap();
    let cp = s.kit.charge_point(&s.fleet, "CP-S", 2).await;
    s.kit
        .member_with_card("ses@example.com", "CARDS", false)
        .await;
    s.kit.fund("CARDS", 1000).await;
    let started_at = Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
    let start = Start {
        key: StartKey::Fingerprint,
        connector_id: 1,
        id_tag: tag("CARDS"),
        meter_start: 5_000,
        started_at,
        reservation_id: None,
    };
    let (first, auth) = s
        .charging
        .start_transaction(&cp, start.clone())
        .await
        .unwrap();
    assert_eq!(auth.status, AuthorizationStatus::Accepted);
    let (again, _) = s.charging.start_transaction(&cp, start).await.unwrap();
    assert_eq!(
        (again.transaction_id, again.retried),
        (first.transaction_id, true)
    );

    let stop = TransactionStop {
        charge_point_id: cp.clone(),
        transaction_id: first.transaction_id,
        meter_stop: 15_000,
        stopped_at: started_at + chrono::Duration::minutes(40),
        reason: None,
        id_tag: Some(tag("CARDS")),
        samples: Vec::new(),
        received_at: Utc::now(),
    };
    let (outcome, auth) = s.charging.stop_transaction(stop.clone()).await.unwrap();
    assert!(matches!(outcome, StopOutcome::Stopped(_)), "{outcome:?}");
    assert_eq!(auth.unwrap().status, AuthorizationStatus::Accepted);
    let (retried, _) = s.charging.stop_transaction(stop).await.unwrap();
    assert!(
        matches!(retried, StopOutcome::AlreadyStopped(_)),
        "{retried:?}"
    );
    // 10 kWh at 0.40 €, once.
    let card = s
        .kit
        .store
        .green_card(&tag("CARDS"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(card.balance_cents, 1000 - 400);
    let (problem, _) = s.kit.store.audit_ledger().await.unwrap();
    assert_eq!(problem, None);

    // Another charger naming the transaction changes nothing.
    let other = s.kit.charge_point(&s.fleet, "CP-O", 1).await;
    let forged = TransactionStop {
        charge_point_id: other,
        transaction_id: first.transaction_id,
        meter_stop: 99_000,
        stopped_at: started_at + chrono::Duration::minutes(50),
        reason: None,
        id_tag: None,
        samples: Vec::new(),
        received_at: Utc::now(),
    };
    let (forged, _) = s.charging.stop_transaction(forged).await.unwrap();
    assert_eq!(forged, StopOutcome::Unknown);
    s.stop.cancel();
    s.kit.close().await;
}
