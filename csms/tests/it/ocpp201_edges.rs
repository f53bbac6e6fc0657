//! OCPP 2.0.1 at the edges, over a real socket: a station that reuses an ended transaction id,
//! tries to rescue an unpaid session with another card, sends a token no card can have, or
//! tells a whole session only at its end; the operator's raw SetVariables of its password; and
//! a booking later that holds a 2.0.1 EVSE when its slot begins.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with, temp_db, test_config};
use crate::ocpp201::{T0, balance, energy, event, station};
use crate::reservations::answer;

#[tokio::test]
async fn a_201_station_cannot_reuse_an_ended_id_nor_rescue_an_unpaid_session() {
    let app = spawn_app().await;
    app.tariff(40, 0, 0).await;
    let (token, tag) = app.card_holder("luis@citere.es", "LUIS-201", 5000).await;
    let mut cs = station(&app, "CS-HOSTILE").await;
    cs.call_ok(
        "BootNotification",
        json!({"reason": "PowerUp",
        "chargingStation": {"model": "M", "vendorName": "V"}}),
    )
    .await;
    let token_of = |t: &str| json!({"idToken": t, "type": "ISO14443"});
    // The card first, with no reading: nothing is recorded until a reading says where the
    // meter started, and the session is priced from there.
    let card = event(
        "Started",
        0,
        "tx-a",
        0,
        json!({"idToken": token_of(&tag),
        "evse": {"id": 1, "connectorId": 1}}),
    );
    let answer = cs.call_ok("TransactionEvent", card).await;
    assert_eq!(answer["idTokenInfo"]["status"], "Accepted", "{answer}");
    let first = event(
        "Updated",
        1,
        "tx-a",
        15,
        json!({"meterValue": energy(900_000.0, "Sample.Periodic")}),
    );
    cs.call_ok("TransactionEvent", first).await;
    let ended = event(
        "Ended",
        2,
        "tx-a",
        30,
        json!({"meterValue": energy(905_000.0, "Transaction.End")}),
    );
    let answer = cs.call_ok("TransactionEvent", ended).await;
    assert_eq!(
        answer["totalCost"],
        json!(2.0),
        "5 kWh from the first reading: {answer}"
    );

    // The same id again, as a new session: refused, nothing recorded, nothing charged.
    let again = event(
        "Started",
        0,
        "tx-a",
        0,
        json!({"idToken": token_of(&tag),
        "evse": {"id": 1, "connectorId": 1}, "meterValue": energy(905_000.0, "Transaction.Begin")}),
    );
    let answer = cs.call_ok("TransactionEvent", again).await;
    assert_eq!(answer["idTokenInfo"]["status"], "Invalid", "{answer}");
    let sessions: Value = app
        .get("/api/v1/operator/transactions?chargePointId=CS-HOSTILE")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions["transactions"].as_array().unwrap().len(), 1);

    // A session refused to an unknown token stays refused whatever card is shown after it.
    let refused = event(
        "Started",
        0,
        "tx-b",
        0,
        json!({"idToken": token_of("NOBODY"),
        "evse": {"id": 2, "connectorId": 1}, "meterValue": energy(10.0, "Transaction.Begin")}),
    );
    let answer = cs.call_ok("TransactionEvent", refused).await;
    assert_eq!(answer["idTokenInfo"]["status"], "Invalid");
    let rescue = event("Updated", 1, "tx-b", 15, json!({"idToken": token_of(&tag)}));
    let answer = cs.call_ok("TransactionEvent", rescue).await;
    assert_eq!(answer["idTokenInfo"]["status"], "Invalid", "{answer}");
    // A token no card can have is Invalid, not a CALLERROR that would hold the station's queue.
    let long = event(
        "Started",
        0,
        "tx-c",
        0,
        json!({"idToken": token_of(&"X".repeat(36)),
        "evse": {"id": 2, "connectorId": 1}}),
    );
    let answer = cs.call_ok("TransactionEvent", long).await;
    assert_eq!(answer["idTokenInfo"]["status"], "Invalid", "{answer}");
    assert_eq!(balance(&app, &token, &tag).await, 4800);

    // A whole session told only at its end (a station that was offline, or that sends no
    // reading before): priced from its Transaction.Begin reading to its end.
    let readings = json!([
        {"timestamp": "2026-12-02T10:00:00Z", "sampledValue": [{"value": 1000.0,
            "context": "Transaction.Begin", "measurand": "Energy.Active.Import.Register"}]},
        {"timestamp": "2026-12-02T10:30:00Z", "sampledValue": [{"value": 3500.0,
            "context": "Transaction.End", "measurand": "Energy.Active.Import.Register"}]}
    ]);
    let whole = event(
        "Ended",
        0,
        "tx-d",
        30,
        json!({"idToken": token_of(&tag), "offline": true,
        "evse": {"id": 2, "connectorId": 1}, "meterValue": readings}),
    );
    let answer = cs.call_ok("TransactionEvent", whole).await;
    assert_eq!(answer["totalCost"], json!(1.0), "2.5 kWh: {answer}");
    assert_eq!(answer["idTokenInfo"]["status"], "Accepted", "{answer}");
    assert_eq!(balance(&app, &token, &tag).await, 4700);

    // The station's password goes through the rotation, never a raw SetVariables.
    let raw = json!({"setVariableData": [{"attributeValue": "a-new-password-123",
        "component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}]});
    assert_eq!(
        app.command("CS-HOSTILE", "SetVariables", raw)
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn a_booking_later_holds_a_201_evse_when_its_slot_begins() {
    let db = temp_db();
    let app = spawn_app_with(csms::Config {
        booking_lead_secs: 0,
        ..test_config(&db)
    })
    .await;
    let mut cs = station(&app, "CS-BOOK").await;
    cs.call_ok(
        "BootNotification",
        json!({"reason": "PowerUp",
        "chargingStation": {"model": "M", "vendorName": "V"}}),
    )
    .await;
    for evse in 1..=2 {
        cs.call_ok(
            "StatusNotification",
            json!({"timestamp": T0, "connectorStatus": "Available",
            "evseId": evse, "connectorId": 1}),
        )
        .await;
    }
    let (token, tag) = app.card_holder("olga@citere.es", "OLGA-201", 5000).await;
    let starts = chrono::Utc::now() + chrono::Duration::seconds(2);
    let booked = app
        .as_member(&token, Method::POST, "/api/v1/reservations")
        .json(
            &json!({"chargePointId": "CS-BOOK", "connectorId": 1, "idTag": tag,
            "startsAt": starts.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "durationMinutes": 30}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), 201);
    let booked: Value = booked.json().await.unwrap();
    // Nothing reaches the station before the slot; then the hold and its message.
    let call = answer(&mut cs, "ReserveNow", json!({"status": "Accepted"})).await;
    assert!(chrono::Utc::now() >= starts - chrono::Duration::milliseconds(1100));
    assert_eq!(
        (call["evseId"].clone(), call["id"].clone()),
        (json!(1), booked["id"].clone())
    );
    assert_eq!(call["idToken"]["idToken"], "OLGA-201");
    answer(
        &mut cs,
        "SetDisplayMessage",
        json!({"status": "NotSupportedMessageFormat"}),
    )
    .await;
    crate::helpers::assert_eventually("the booking is active", || async {
        let mine: Value = app.member_json(&token, "/api/v1/me/reservations").await;
        mine["reservations"][0]["status"] == "Active"
    })
    .await;
    app.shutdown().await;
}
