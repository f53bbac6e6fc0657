//! The running-out watch built from a store, a clock and a port that records what it was
//! asked, without the app or a charger.

use std::{sync::Arc, time::Duration};

use chrono::{TimeZone, Utc};
use tokio_util::sync::CancellationToken;

use super::RunningCosts;
use crate::{
    charging::port::Answer,
    domain::{ChargePointId, IdTag},
    store::tariffs::Tariff,
    testkit::{Asked, Kit, Recorder, TestClock},
};

#[tokio::test]
async fn a_session_is_stopped_once_its_cost_reaches_the_balance_and_only_by_its_own_readings() {
    let kit = Kit::new().await;
    kit.member_with_card("fe@example.com", "CARD6", false).await;
    let tariff = Tariff {
        price_per_kwh_cents: 50,
        price_per_minute_cents: 0,
        session_fee_cents: 0,
    };
    kit.store.put_tariff("default", &tariff).await.unwrap();
    // 5.00 € on the card: 10 kWh at 0.50 €.
    kit.fund("CARD6", 500).await;
    let cp = ChargePointId::parse("CP-7").unwrap();
    let tag = IdTag::parse("CARD6").unwrap();

    let port = Arc::new(Recorder::answering(Ok(Answer::Accepted)));
    let clock = Arc::new(TestClock::at(2026, 12, 2, 10));
    let stop = CancellationToken::new();
    let costs = Arc::new(RunningCosts::new(
        kit.store.for_charging(),
        clock.clone(),
        port.clone(),
        Duration::from_millis(10),
        stop.clone(),
    ));
    let started = Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap();
    costs.watch(&cp, 41, &tag, 1_000, started).await.unwrap();
    assert!(costs.is_watched(41));
    // A session nobody pays for directly (an unknown tag) is not watched.
    let other = IdTag::parse("FLEET-1").unwrap();
    costs.watch(&cp, 42, &other, 0, started).await.unwrap();
    assert!(!costs.is_watched(42));

    costs.reading(&cp, 41, 1_000 + 9_000, started);
    let elsewhere = ChargePointId::parse("CP-8").unwrap();
    costs.reading(&elsewhere, 41, 1_000 + 50_000, started);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        port.asked().is_empty(),
        "4.50 € of 5.00 €, and another charger's word"
    );

    costs.reading(&cp, 41, 1_000 + 10_000, started);
    costs.reading(&cp, 41, 1_000 + 10_500, started);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        port.asked(),
        vec![Asked::Stop(cp.clone(), 41)],
        "asked once, while it stops"
    );

    costs.forget(41);
    assert!(!costs.is_watched(41));
    stop.cancel();
    kit.close().await;
}
