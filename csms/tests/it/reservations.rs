//! Reservations and bookings end to end: one winner among a thousand, the charge point's
//! refusal or silence releasing the hold, consumption by the reserving tag only, expiry,
//! calendar overlaps, the timetable sending ReserveNow when a slot begins (and moving the
//! booking when its connector is taken), bookings surviving a restart, and bad input.

use chrono::{SecondsFormat, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// A charge point with two CCS2 connectors (twins) and one Type2.
async fn place(app: &TestApp, id: &str) {
    let body = json!({
        "name": format!("Site {id}"), "address": "Calle Uría, Gijón", "latitude": 43.54, "longitude": -5.66,
        "password": PASSWORD,
        "connectors": [
            {"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0},
            {"connectorId": 2, "type": "CCS2", "maxPowerKw": 50.0},
            {"connectorId": 3, "type": "Type2", "maxPowerKw": 22.0}
        ]
    });
    assert!(
        app.put(&format!("/api/v1/operator/charge-points/{id}"), &body)
            .await
            .status()
            .is_success()
    );
}

pub(crate) async fn online(app: &TestApp, id: &str) -> TestCharger {
    place(app, id).await;
    let mut charger = TestCharger::connect(&app.ocpp, id, Some(PASSWORD))
        .await
        .unwrap();
    charger.boot().await;
    for connector in 1..=3 {
        charger
            .call_ok(
                "StatusNotification",
                json!({"connectorId": connector, "errorCode": "NoError", "status": "Available"}),
            )
            .await;
    }
    charger
}

pub(crate) async fn reserve(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.as_member(token, Method::POST, "/api/v1/reservations")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Answers the next CALL the charger gets, which must be `action`, with `payload`.
pub(crate) async fn answer(charger: &mut TestCharger, action: &str, payload: Value) -> Value {
    let call = charger.recv().await.expect("a CALL");
    assert_eq!(
        (call[0].clone(), call[2].clone()),
        (json!(2), json!(action)),
        "{call}"
    );
    charger
        .send_text(&json!([3, call[1], payload]).to_string())
        .await;
    call[3].clone()
}

pub(crate) async fn free_connectors(app: &TestApp, id: &str) -> Vec<u64> {
    let found: Value = app
        .http
        .get(app.url("/api/v1/availability?lat=43.54&lon=-5.66&radiusKm=5"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    found["chargePoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["id"] == id)
        .flat_map(|p| p["connectors"].as_array().unwrap().clone())
        .filter(|c| c["free"] == true)
        .map(|c| c["connectorId"].as_u64().unwrap())
        .collect()
}

pub(crate) fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[tokio::test]
async fn a_reservation_holds_the_connector_for_its_tag_only() {
    let app = spawn_app().await;
    let mut charger = online(&app, "CP-R1").await;
    let (token, tag) = app.card_holder("ana@example.es", "ANA-TAG", 5000).await;
    app.put_id_tag("OTHER", "Accepted").await;

    let (created, call) = tokio::join!(
        reserve(
            &app,
            &token,
            json!({"chargePointId": "CP-R1", "connectorId": 1, "idTag": tag})
        ),
        answer(&mut charger, "ReserveNow", json!({"status": "Accepted"}))
    );
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["status"], "Active");
    assert_eq!(call["connectorId"], 1);
    assert_eq!(call["idTag"], "ANA-TAG");
    assert_eq!(call["reservationId"], created["id"]);
    let expires =
        chrono::DateTime::parse_from_rfc3339(created["expiresAt"].as_str().unwrap()).unwrap();
    let minutes = (expires.with_timezone(&Utc) - Utc::now()).num_minutes();
    assert!(
        (14..=15).contains(&minutes),
        "15 minutes by default, not {minutes}"
    );
    assert_eq!(free_connectors(&app, "CP-R1").await, [2, 3]);

    // Another tag may not start there; the reserving tag may, and consumes the reservation.
    let refused = charger.start(1, "OTHER", 0, "2026-11-24T10:00:00Z").await;
    assert_eq!(refused["idTagInfo"]["status"], "Invalid");
    let started = charger
        .call_ok("StartTransaction", json!({"connectorId": 1, "idTag": "ANA-TAG", "meterStart": 0,
                                              "timestamp": "2026-11-24T10:01:00Z", "reservationId": created["id"]}))
        .await;
    assert_eq!(started["idTagInfo"]["status"], "Accepted");
    let mine: Value = app.member_json(&token, "/api/v1/me/reservations").await;
    assert_eq!(mine["reservations"][0]["status"], "Used");
    assert_eq!(
        mine["reservations"][0]["transactionId"],
        started["transactionId"]
    );
    app.shutdown().await;
}

#[tokio::test]
async fn of_a_thousand_simultaneous_reservations_of_one_connector_exactly_one_wins() {
    // A thousand connections from this one address.
    let app = spawn_app_with(csms::Config {
        max_http_connections_per_address: 2000,
        ..test_config(&temp_db())
    })
    .await;
    let mut charger = online(&app, "CP-RACE").await;
    let (token, tag) = app.card_holder("race@example.es", "RACE-TAG", 5000).await;
    let body = json!({"chargePointId": "CP-RACE", "connectorId": 2, "idTag": tag});
    let requests = (0..1000).map(|_| reserve(&app, &token, body.clone()));
    let (answers, _) = tokio::join!(
        futures_util::future::join_all(requests),
        answer(&mut charger, "ReserveNow", json!({"status": "Accepted"}))
    );
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "one winner"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        999,
        "{statuses:?}"
    );
    let winner = answers.into_iter().find(|r| r.status() == 201).unwrap();
    let id = winner.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let mine: Value = app.member_json(&token, "/api/v1/me/reservations").await;
    assert_eq!(
        mine["reservations"].as_array().unwrap().len(),
        1,
        "losers leave nothing behind"
    );

    // Cancelling releases the only hold: no hold leaked.
    let (cancelled, _) = tokio::join!(
        app.as_member(
            &token,
            Method::DELETE,
            &format!("/api/v1/reservations/{id}")
        )
        .send(),
        answer(
            &mut charger,
            "CancelReservation",
            json!({"status": "Accepted"})
        )
    );
    assert_eq!(cancelled.unwrap().status(), 204);
    assert_eq!(free_connectors(&app, "CP-RACE").await, [1, 2, 3]);
    app.shutdown().await;
}

#[tokio::test]
async fn a_refusal_or_silence_of_the_charge_point_releases_the_hold() {
    let app = spawn_app().await;
    let mut charger = online(&app, "CP-NO").await;
    let (token, tag) = app.card_holder("no@example.es", "NO-TAG", 5000).await;
    let body = json!({"chargePointId": "CP-NO", "connectorId": 1, "idTag": tag});
    let (refused, _) = tokio::join!(
        reserve(&app, &token, body.clone()),
        answer(&mut charger, "ReserveNow", json!({"status": "Occupied"}))
    );
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("Occupied"));
    assert_eq!(free_connectors(&app, "CP-NO").await, [1, 2, 3]);

    let (silent, _) = tokio::join!(reserve(&app, &token, body), async { charger.recv().await });
    assert_eq!(silent.status(), 504);
    assert_eq!(free_connectors(&app, "CP-NO").await, [1, 2, 3]);
    let mine: Value = app.member_json(&token, "/api/v1/me/reservations").await;
    let statuses: Vec<&str> = mine["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["Refused", "Refused"]);
    app.shutdown().await;
}

#[tokio::test]
async fn an_unused_reservation_expires_and_survives_a_restart_until_then() {
    let db = temp_db();
    let app = spawn_app_with(test_config(&db)).await;
    let mut charger = online(&app, "CP-EXP").await;
    let (token, tag) = app.card_holder("exp@example.es", "EXP-TAG", 5000).await;
    let (created, _) = tokio::join!(
        reserve(
            &app,
            &token,
            json!({"chargePointId": "CP-EXP", "connectorId": 3, "idTag": tag, "durationMinutes": 10})
        ),
        answer(&mut charger, "ReserveNow", json!({"status": "Accepted"}))
    );
    assert_eq!(created.status(), 201);
    drop(charger);
    app.shutdown().await;

    // Back within the window: the hold is restored from the store.
    let app = spawn_app_with(test_config(&db)).await;
    let _charger = {
        let mut c = TestCharger::connect(&app.ocpp, "CP-EXP", Some(PASSWORD))
            .await
            .unwrap();
        c.call_ok(
            "StatusNotification",
            json!({"connectorId": 3, "errorCode": "NoError", "status": "Available"}),
        )
        .await;
        c
    };
    assert_eq!(
        free_connectors(&app, "CP-EXP").await,
        [1, 2],
        "connector 3 is still held"
    );
    app.shutdown().await;

    // Past the window: it expires at start and frees the connector.
    let app = spawn_app_with_clock(
        test_config(&db),
        std::sync::Arc::new(LaterClock(chrono::Duration::minutes(11))),
    )
    .await;
    let _charger = {
        let mut c = TestCharger::connect(&app.ocpp, "CP-EXP", Some(PASSWORD))
            .await
            .unwrap();
        c.call_ok(
            "StatusNotification",
            json!({"connectorId": 3, "errorCode": "NoError", "status": "Available"}),
        )
        .await;
        c
    };
    assert_eventually("the reservation expires", || async {
        let mine: Value = app.member_json(&token, "/api/v1/me/reservations").await;
        mine["reservations"][0]["status"] == "Expired"
    })
    .await;
    assert_eq!(free_connectors(&app, "CP-EXP").await, [1, 2, 3]);
    app.shutdown().await;
}

#[tokio::test]
async fn bookings_may_not_overlap_on_one_connector() {
    let app = spawn_app().await;
    place(&app, "CP-CAL").await;
    let (token, tag) = app.card_holder("cal@example.es", "CAL-TAG", 5000).await;
    let at = |minutes: i64| rfc3339(Utc::now() + chrono::Duration::minutes(minutes));
    let book = |start: String, connector: Option<u32>| {
        let mut body = json!({"chargePointId": "CP-CAL", "idTag": tag, "startsAt": start, "durationMinutes": 60});
        if let Some(c) = connector {
            body["connectorId"] = json!(c);
        }
        body
    };
    let first = reserve(&app, &token, book(at(60), Some(1))).await;
    assert_eq!(first.status(), 201);
    assert_eq!(first.json::<Value>().await.unwrap()["status"], "Scheduled");
    assert_eq!(
        reserve(&app, &token, book(at(90), Some(1))).await.status(),
        409
    );
    assert_eq!(
        reserve(&app, &token, book(at(120), Some(1))).await.status(),
        201,
        "back to back is fine"
    );
    let elsewhere: Value = reserve(&app, &token, book(at(90), None))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        elsewhere["connectorId"], 2,
        "without a connector, the first one free for the slot"
    );

    let slots = |from: i64, to: i64| {
        app.http
            .get(app.url("/api/v1/availability/slots"))
            .query(&[
                ("lat", "43.54"),
                ("lon", "-5.66"),
                ("from", &at(from)),
                ("to", &at(to)),
                ("connectorType", "CCS2"),
            ])
            .send()
    };
    let found: Value = slots(95, 110).await.unwrap().json().await.unwrap();
    assert!(
        found["slots"].as_array().unwrap().is_empty(),
        "both CCS2 connectors are booked then: {found}"
    );
    let found: Value = slots(200, 230).await.unwrap().json().await.unwrap();
    let connectors: Vec<u64> = found["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["connectorId"].as_u64().unwrap())
        .collect();
    assert_eq!(connectors, [1, 2]);
    assert_eq!(slots(80, 70).await.unwrap().status(), 400);
    assert_eq!(slots(-120, -60).await.unwrap().status(), 400);
    app.shutdown().await;
}

fn quick_bookings(db: &std::path::Path) -> csms::Config {
    csms::Config {
        booking_lead_secs: 0,
        ..test_config(db)
    }
}

#[tokio::test]
async fn a_booking_sends_reserve_now_when_its_slot_begins_and_moves_to_a_twin_when_taken() {
    let db = temp_db();
    let app = spawn_app_with(quick_bookings(&db)).await;
    let mut charger = online(&app, "CP-SLOT").await;
    let (token, tag) = app.card_holder("slot@example.es", "SLOT-TAG", 5000).await;
    let starts = Utc::now() + chrono::Duration::seconds(2);
    let booked = reserve(
        &app,
        &token,
        json!({"chargePointId": "CP-SLOT", "connectorId": 1, "idTag": tag,
                                               "startsAt": rfc3339(starts), "durationMinutes": 30}),
    )
    .await;
    assert_eq!(booked.status(), 201);
    // Connector 1 gets busy before the slot.
    charger
        .call_ok(
            "StatusNotification",
            json!({"connectorId": 1, "errorCode": "NoError", "status": "Charging"}),
        )
        .await;
    let call = answer(&mut charger, "ReserveNow", json!({"status": "Accepted"})).await;
    assert!(
        Utc::now() >= starts - chrono::Duration::milliseconds(1100),
        "not before the slot"
    );
    assert_eq!(call["connectorId"], 2, "moved to the free twin");
    assert_eventually("the moved booking is active", || async {
        let mine: Value = app.member_json(&token, "/api/v1/me/reservations").await;
        (
            mine["reservations"][0]["status"].clone(),
            mine["reservations"][0]["connectorId"].clone(),
        ) == (json!("Active"), json!(2))
    })
    .await;
    // The member is told after the reservation turns Active.
    assert_eventually("the member is told of the move", || async {
        let messages: Value = app.member_json(&token, "/api/v1/me/messages").await;
        messages["messages"][0]["kind"] == "booking"
            && messages["messages"][0]["body"]
                .as_str()
                .unwrap_or_default()
                .contains("connector 2")
    })
    .await;
    app.shutdown().await;
}

#[tokio::test]
async fn a_booking_with_no_free_connector_is_cancelled_and_the_member_told() {
    let db = temp_db();
    let app = spawn_app_with(quick_bookings(&db)).await;
    let mut charger = online(&app, "CP-FULL").await;
    let (token, tag) = app.card_holder("full@example.es", "FULL-TAG", 5000).await;
    let starts = Utc::now() + chrono::Duration::seconds(1);
    let booked = reserve(&app, &token, json!({"chargePointId": "CP-FULL", "connectorId": 3, "idTag": tag, "startsAt": rfc3339(starts)})).await;
    assert_eq!(booked.status(), 201);
    charger
        .call_ok(
            "StatusNotification",
            json!({"connectorId": 3, "errorCode": "GroundFailure", "status": "Faulted"}),
        )
        .await;
    assert_eventually("the booking is cancelled", || async {
        let mine: Value = app.member_json(&token, "/api/v1/me/reservations").await;
        mine["reservations"][0]["status"] == "Cancelled"
    })
    .await;
    assert_eventually("the member is told", || async {
        let messages: Value = app.member_json(&token, "/api/v1/me/messages").await;
        messages["messages"][0]["subject"] == "Your booking was cancelled"
    })
    .await;
    app.shutdown().await;
}

#[tokio::test]
async fn pending_bookings_survive_a_restart() {
    let db = temp_db();
    let app = spawn_app_with(quick_bookings(&db)).await;
    place(&app, "CP-BOOT").await;
    let (token, tag) = app.card_holder("boot@example.es", "BOOT-TAG", 5000).await;
    let starts = Utc::now() + chrono::Duration::seconds(3);
    let booked = reserve(&app, &token, json!({"chargePointId": "CP-BOOT", "connectorId": 1, "idTag": tag, "startsAt": rfc3339(starts)})).await;
    assert_eq!(booked.status(), 201);
    app.shutdown().await;

    let app = spawn_app_with(quick_bookings(&db)).await;
    let mut charger = TestCharger::connect(&app.ocpp, "CP-BOOT", Some(PASSWORD))
        .await
        .unwrap();
    charger.boot().await;
    charger
        .call_ok(
            "StatusNotification",
            json!({"connectorId": 1, "errorCode": "NoError", "status": "Available"}),
        )
        .await;
    let call = answer(&mut charger, "ReserveNow", json!({"status": "Accepted"})).await;
    assert_eq!(call["idTag"], "BOOT-TAG");
    app.shutdown().await;
}

#[tokio::test]
async fn bad_reservations_are_refused_and_hold_nothing() {
    let app = spawn_app().await;
    let _charger = online(&app, "CP-BAD").await;
    let (token, tag) = app.card_holder("bad@example.es", "BAD-TAG", 5000).await;
    let (other, _) = app.card_holder("other@example.es", "OTHER-TAG", 5000).await;
    let past = rfc3339(Utc::now() - chrono::Duration::minutes(5));
    let later = rfc3339(Utc::now() + chrono::Duration::hours(1));
    for (body, status) in [
        (json!({"chargePointId": "NOPE", "idTag": tag}), 404),
        (
            json!({"chargePointId": "CP-BAD", "connectorId": 9, "idTag": tag}),
            404,
        ),
        (
            json!({"chargePointId": "CP-BAD", "idTag": "OTHER-TAG"}),
            400,
        ),
        (
            json!({"chargePointId": "CP-BAD", "idTag": tag, "startsAt": past}),
            400,
        ),
        (
            json!({"chargePointId": "CP-BAD", "idTag": tag, "startsAt": later, "durationMinutes": 0}),
            400,
        ),
        (
            json!({"chargePointId": "CP-BAD", "idTag": tag, "startsAt": later, "durationMinutes": 100000}),
            400,
        ),
        (
            json!({"chargePointId": "CP-BAD", "idTag": tag, "color": "red"}),
            400,
        ),
        (json!({"chargePointId": "CP-BAD"}), 400),
    ] {
        let r = reserve(&app, &token, body.clone()).await;
        assert_eq!(r.status().as_u16(), status, "{body}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    assert_eq!(
        free_connectors(&app, "CP-BAD").await,
        [1, 2, 3],
        "nothing held"
    );
    let anonymous = app
        .http
        .post(app.url("/api/v1/reservations"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let booked: Value = reserve(
        &app,
        &token,
        json!({"chargePointId": "CP-BAD", "idTag": tag, "startsAt": later}),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = booked["id"].as_i64().unwrap();
    let theirs = app
        .as_member(
            &other,
            Method::DELETE,
            &format!("/api/v1/reservations/{id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        theirs.status(),
        404,
        "another member's reservation does not exist for them"
    );
    let ours = app
        .as_member(
            &token,
            Method::DELETE,
            &format!("/api/v1/reservations/{id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ours.status(), 204);
    let again = app
        .as_member(
            &token,
            Method::DELETE,
            &format!("/api/v1/reservations/{id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let listed: Value = app
        .get("/api/v1/operator/charge-points/CP-BAD/reservations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["reservations"][0]["status"], "Cancelled");
    app.shutdown().await;
}
