//! The bounds on holding connectors: a member holds a few open reservations at most and needs
//! a funded card to hold any; a reservation cancelled while its charger is being asked is not
//! reported active (and the charger is told to let go); one silent charger does not delay the
//! bookings of the others.

use std::time::Duration;

use chrono::Utc;
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    helpers::*,
    reservations::{answer, online, reserve, rfc3339},
};

fn booking(tag: &str, hours: i64) -> Value {
    let starts = Utc::now() + chrono::Duration::hours(hours);
    json!({"chargePointId": "CP-BOUND", "connectorId": 1, "idTag": tag, "startsAt": rfc3339(starts),
           "durationMinutes": 30})
}

#[tokio::test]
async fn a_member_holds_a_few_open_bookings_and_only_with_a_funded_card() {
    let app = spawn_app().await;
    let _charger = online(&app, "CP-BOUND").await;
    let (empty, empty_tag) = app.card_holder("empty@example.es", "EMPTY-CARD", 0).await;
    let refused = reserve(&app, &empty, booking(&empty_tag, 2)).await;
    assert_eq!(refused.status(), 402, "no money, no plan: no booking");

    let (token, tag) = app.card_holder("ana@example.es", "ANA-CARD", 1000).await;
    let mut ids = Vec::new();
    for hour in 1..=3 {
        let r = reserve(&app, &token, booking(&tag, hour)).await;
        assert_eq!(r.status(), 201);
        ids.push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let fourth = reserve(&app, &token, booking(&tag, 4)).await;
    assert_eq!(fourth.status(), 409);
    let cancelled = app
        .as_member(
            &token,
            Method::DELETE,
            &format!("/api/v1/reservations/{}", ids[0]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 204);
    assert_eq!(reserve(&app, &token, booking(&tag, 4)).await.status(), 201);
    app.shutdown().await;
}

#[tokio::test]
async fn a_reservation_cancelled_while_its_charger_is_asked_is_not_reported_active() {
    let app = spawn_app().await;
    let mut charger = online(&app, "CP-RACE").await;
    let (token, tag) = app.card_holder("ana@example.es", "ANA-RACE", 1000).await;
    let request = json!({"chargePointId": "CP-RACE", "connectorId": 1, "idTag": tag});
    let (created, ()) = tokio::join!(reserve(&app, &token, request), async {
        let call = charger.recv().await.expect("ReserveNow");
        assert_eq!(call[2], "ReserveNow");
        let id = call[3]["reservationId"].as_i64().unwrap();
        let cancelled = app
            .as_member(
                &token,
                Method::DELETE,
                &format!("/api/v1/reservations/{id}"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(cancelled.status(), 204);
        charger
            .send_text(&json!([3, call[1], {"status": "Accepted"}]).to_string())
            .await;
        // The charger now holds the connector for nobody: it is told to let go.
        let release = answer(
            &mut charger,
            "CancelReservation",
            json!({"status": "Accepted"}),
        )
        .await;
        assert_eq!(release["reservationId"], id);
    });
    assert_eq!(created.status(), 409);
    let mine: Value = app.member_json(&token, "/api/v1/me/reservations").await;
    assert_eq!(mine["reservations"][0]["status"], "Cancelled", "{mine}");
    app.shutdown().await;
}

#[tokio::test]
async fn one_silent_charger_does_not_delay_the_other_bookings() {
    let app = spawn_app_with(csms::Config {
        booking_lead_secs: 0,
        call_timeout_secs: 5,
        ..test_config(&temp_db())
    })
    .await;
    let mut silent = online(&app, "CP-SILENT").await;
    let mut lively = online(&app, "CP-LIVELY").await;
    let (ana, ana_tag) = app.card_holder("ana@example.es", "ANA-SLOT", 1000).await;
    let (bea, bea_tag) = app.card_holder("bea@example.es", "BEA-SLOT", 1000).await;
    // The silent charger's slot begins first; the lively one's a second later, while the
    // silent one is still being waited for.
    let slots = [
        (&ana, "CP-SILENT", &ana_tag, 2),
        (&bea, "CP-LIVELY", &bea_tag, 3),
    ];
    for (token, cp, tag, seconds) in slots {
        let starts = rfc3339(Utc::now() + chrono::Duration::seconds(seconds));
        let body = json!({"chargePointId": cp, "connectorId": 1, "idTag": tag, "startsAt": starts});
        assert_eq!(reserve(&app, token, body).await.status(), 201);
    }
    let first = silent
        .recv()
        .await
        .expect("ReserveNow to the silent charger");
    assert_eq!(first[2], "ReserveNow");
    let asked = tokio::time::timeout(Duration::from_millis(2500), lively.recv())
        .await
        .expect("the other charger is asked without waiting for the silent one")
        .unwrap();
    assert_eq!(asked[2], "ReserveNow");
    app.shutdown().await;
}
