//! An OCPP 2.0.1 station over a real socket gets the product a 1.6 one gets: the handshake
//! picks 2.0.1 when offered first, nothing but BootNotification before it is accepted, status,
//! Green Card authorization, a transaction with updates settled once on the card (its resent
//! events change nothing and get the same `totalCost`), a session whose cable came before the
//! card, operator commands in 2.0.1's words, and schema violations answered with 2.0.1's
//! CALLERROR codes while the connection stays up.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestCharger, spawn_app};
use crate::reservations::answer;

pub(crate) const T0: &str = "2026-12-02T10:00:00Z";

pub(crate) async fn station(app: &TestApp, id: &str) -> TestCharger {
    assert!(
        app.put_charge_point(id, Some(PASSWORD))
            .await
            .status()
            .is_success()
    );
    TestCharger::connect_offering(&app.ocpp, id, Some(PASSWORD), "ocpp2.0.1, ocpp1.6")
        .await
        .unwrap()
}

/// A TransactionEvent `minute` minutes after 10:00.
pub(crate) fn event(kind: &str, seq: i64, tx: &str, minute: u32, extra: Value) -> Value {
    let at = format!("2026-12-02T10:{minute:02}:00Z");
    let mut e = json!({"eventType": kind, "timestamp": at, "triggerReason": "Authorized",
        "seqNo": seq, "transactionInfo": {"transactionId": tx}});
    for (k, v) in extra.as_object().unwrap() {
        e[k] = v.clone();
    }
    e
}

pub(crate) fn energy(wh: f64, context: &str) -> Value {
    json!([{"timestamp": T0, "sampledValue": [{"value": wh, "context": context,
        "measurand": "Energy.Active.Import.Register", "unitOfMeasure": {"unit": "Wh"}}]}])
}

pub(crate) async fn balance(app: &TestApp, token: &str, tag: &str) -> i64 {
    app.member_json(token, &format!("/api/v1/me/green-cards/{tag}"))
        .await["balanceCents"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_201_station_boots_authorizes_and_is_settled_once_on_a_green_card() {
    let app = spawn_app().await;
    app.tariff(40, 0, 0).await;
    let (token, tag) = app.card_holder("ana@citere.es", "ANA-201", 5000).await;
    let mut cs = station(&app, "CS-201").await;
    assert_eq!(cs.subprotocol.as_deref(), Some("ocpp2.0.1"));

    let early = cs.call("Heartbeat", json!({})).await;
    assert_eq!(
        (early[0].clone(), early[2].clone()),
        (json!(4), json!("SecurityError"))
    );
    let boot = cs
        .call_ok("BootNotification", json!({"reason": "PowerUp",
            "chargingStation": {"model": "Wallbox-201", "vendorName": "CITERE", "firmwareVersion": "2.1"}}))
        .await;
    assert_eq!(boot["status"], "Accepted", "{boot}");
    assert!(boot["interval"].as_i64().unwrap() > 0);
    cs.call_ok(
        "StatusNotification",
        json!({"timestamp": T0, "connectorStatus": "Available",
        "evseId": 1, "connectorId": 1}),
    )
    .await;
    let view = app.get_charge_point("CS-201").await;
    assert_eq!(view["protocol"], "ocpp2.0.1");
    assert_eq!(view["connectors"][0]["status"], "Available", "{view}");

    let token_of = |t: &str| json!({"idToken": t, "type": "ISO14443"});
    let auth = cs
        .call_ok("Authorize", json!({"idToken": token_of(&tag)}))
        .await;
    assert_eq!(auth["idTokenInfo"]["status"], "Accepted");
    assert_eq!(
        auth["idTokenInfo"]["personalMessage"]["content"],
        "Saldo de su Green Card: 50,00 €."
    );
    let unknown = cs
        .call_ok("Authorize", json!({"idToken": token_of("NOBODY")}))
        .await;
    assert_eq!(unknown["idTokenInfo"]["status"], "Invalid");

    // Started (resent once), updated, ended (resent once): one session, charged once.
    let started = event(
        "Started",
        0,
        "tx-1",
        0,
        json!({"idToken": token_of(&tag),
        "evse": {"id": 1, "connectorId": 1}, "meterValue": energy(1000.0, "Transaction.Begin"),
        "transactionInfo": {"transactionId": "tx-1", "chargingState": "Charging"}}),
    );
    for _ in 0..2 {
        let answer = cs.call_ok("TransactionEvent", started.clone()).await;
        assert_eq!(answer["idTokenInfo"]["status"], "Accepted", "{answer}");
    }
    let view = app.get_charge_point("CS-201").await;
    assert_eq!(view["connectors"][0]["status"], "Charging");
    let updated = event(
        "Updated",
        1,
        "tx-1",
        15,
        json!({"triggerReason": "MeterValuePeriodic",
        "meterValue": energy(6000.0, "Sample.Periodic")}),
    );
    assert_eq!(cs.call_ok("TransactionEvent", updated).await, json!({}));
    // A priced session's cost so far comes to the station's screen.
    let cost = answer(&mut cs, "CostUpdated", json!({})).await;
    assert_eq!(
        cost,
        json!({"totalCost": 2.0, "transactionId": "tx-1"}),
        "5 kWh at 0.40 €"
    );
    let ended = event(
        "Ended",
        2,
        "tx-1",
        30,
        json!({"triggerReason": "EVCommunicationLost",
        "meterValue": energy(11000.0, "Transaction.End"),
        "transactionInfo": {"transactionId": "tx-1", "stoppedReason": "EVDisconnected"}}),
    );
    for _ in 0..2 {
        let answer = cs.call_ok("TransactionEvent", ended.clone()).await;
        assert_eq!(
            answer["totalCost"],
            json!(4.0),
            "10 kWh at 0.40 €: {answer}"
        );
    }
    assert_eq!(balance(&app, &token, &tag).await, 4600);
    let sessions: Value = app
        .get("/api/v1/operator/transactions?chargePointId=CS-201")
        .await
        .json()
        .await
        .unwrap();
    let sessions = sessions["transactions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0]["energyWh"], 10_000);
    assert_eq!(sessions[0]["connectorId"], 1);

    // The cable first, the card after: priced from the first reading.
    let plugged = event(
        "Started",
        0,
        "tx-2",
        0,
        json!({"triggerReason": "CablePluggedIn",
        "evse": {"id": 2, "connectorId": 1}, "meterValue": energy(20000.0, "Transaction.Begin")}),
    );
    assert_eq!(cs.call_ok("TransactionEvent", plugged).await, json!({}));
    let authorized = event("Updated", 1, "tx-2", 15, json!({"idToken": token_of(&tag)}));
    let answer = cs.call_ok("TransactionEvent", authorized).await;
    assert_eq!(answer["idTokenInfo"]["status"], "Accepted", "{answer}");
    let ended = event(
        "Ended",
        2,
        "tx-2",
        30,
        json!({"meterValue": energy(25000.0, "Transaction.End")}),
    );
    let answer = cs.call_ok("TransactionEvent", ended).await;
    assert_eq!(answer["totalCost"], json!(2.0), "{answer}");
    assert_eq!(balance(&app, &token, &tag).await, 4400);

    let audit: Value = app
        .get("/api/v1/operator/billing/ledger")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["balanced"], true, "{audit}");
}

#[tokio::test]
async fn schema_violations_get_201s_error_codes_and_the_connection_stays_up() {
    let app = spawn_app().await;
    let mut cs = station(&app, "CS-BAD").await;
    cs.call_ok(
        "BootNotification",
        json!({"reason": "PowerUp",
        "chargingStation": {"model": "M", "vendorName": "V"}}),
    )
    .await;
    let missing = cs
        .call(
            "TransactionEvent",
            json!({"eventType": "Started", "timestamp": T0,
            "triggerReason": "Authorized", "transactionInfo": {"transactionId": "x"}}),
        )
        .await;
    assert_eq!(missing[2], "OccurrenceConstraintViolation", "{missing}");
    let wrong_type = cs.call("Heartbeat", json!({"customData": 5})).await;
    assert_eq!(wrong_type[2], "TypeConstraintViolation", "{wrong_type}");
    let bad_enum = cs
        .call(
            "StatusNotification",
            json!({"timestamp": T0, "connectorStatus": "Charging",
            "evseId": 1, "connectorId": 1}),
        )
        .await;
    assert_eq!(bad_enum[0], 4, "{bad_enum}");
    cs.send_text(r#"[2, "only-an-id"]"#).await;
    let malformed = cs.recv().await.unwrap();
    assert_eq!(
        malformed[2], "RpcFrameworkError",
        "2.0.1's code for a broken frame: {malformed}"
    );
    let unknown = cs.call("FlyToTheMoon", json!({})).await;
    assert_eq!(unknown[2], "NotImplemented", "{unknown}");
    // Still up.
    assert!(cs.call_ok("Heartbeat", json!({})).await["currentTime"].is_string());
}

#[tokio::test]
async fn operator_commands_and_reservations_reach_a_201_station_in_its_words() {
    let app = spawn_app().await;
    let mut cs = station(&app, "CS-CMD").await;
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
    let variables = json!({"getVariableData": [{"component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "HeartbeatInterval"}}]});
    let result = json!({"getVariableResult": [{"attributeStatus": "Accepted", "attributeValue": "300",
        "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]});
    let (sent, asked) = tokio::join!(
        app.command("CS-CMD", "GetVariables", variables.clone()),
        answer(&mut cs, "GetVariables", result.clone())
    );
    assert_eq!(asked, variables);
    assert_eq!(sent.status(), 200);
    assert_eq!(sent.json::<Value>().await.unwrap(), result);
    // 1.6's words are not 2.0.1's.
    let r = app
        .command("CS-CMD", "RemoteStartTransaction", json!({"idTag": "X"}))
        .await;
    assert_eq!(r.status(), 400);
    let r = app
        .command(
            "CS-CMD",
            "RequestStartTransaction",
            json!({"remoteStartId": 1}),
        )
        .await;
    assert_eq!(r.status(), 400, "invalid for its schema: no idToken");

    // A reservation now: ReserveNow on the EVSE, for the member's card as a Central token,
    // then the hold on the station's screen, in Gijón's time.
    let (token, tag) = app.card_holder("eva@citere.es", "EVA-201", 5000).await;
    let (created, (call, shown)) = tokio::join!(
        app.as_member(&token, Method::POST, "/api/v1/reservations")
            .json(&json!({"chargePointId": "CS-CMD", "connectorId": 2, "idTag": tag}))
            .send(),
        async {
            let call = answer(&mut cs, "ReserveNow", json!({"status": "Accepted"})).await;
            let shown = answer(&mut cs, "SetDisplayMessage", json!({"status": "Accepted"})).await;
            (call, shown)
        }
    );
    let created: Value = created.unwrap().json().await.unwrap();
    assert_eq!(created["status"], "Active", "{created}");
    assert_eq!(call["evseId"], 2);
    assert_eq!(call["id"], created["id"]);
    assert_eq!(
        call["idToken"],
        json!({"idToken": "EVA-201", "type": "Central"})
    );
    let id = created["id"].as_i64().unwrap();
    let until = chrono::DateTime::parse_from_rfc3339(created["expiresAt"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono_tz::Europe::Madrid)
        .format("%H:%M")
        .to_string();
    assert_eq!(shown["message"]["id"], id);
    assert_eq!(shown["message"]["display"]["evse"]["id"], 2);
    let text = shown["message"]["message"]["content"].as_str().unwrap();
    assert!(
        text.contains(&format!("Reservado hasta las {until}")),
        "{text}"
    );
    let (cancelled, (call, cleared)) = tokio::join!(
        app.as_member(
            &token,
            Method::DELETE,
            &format!("/api/v1/reservations/{id}")
        )
        .send(),
        async {
            let call = answer(&mut cs, "CancelReservation", json!({"status": "Accepted"})).await;
            let cleared = answer(
                &mut cs,
                "ClearDisplayMessage",
                json!({"status": "Accepted"}),
            )
            .await;
            (call, cleared)
        }
    );
    assert!(cancelled.unwrap().status().is_success());
    assert_eq!(call, json!({"reservationId": id}));
    assert_eq!(cleared, json!({"id": id}));
    // A station's word about a reservation it never had is answered, never refused.
    let update = json!({"reservationId": 999_999, "reservationUpdateStatus": "Expired"});
    assert_eq!(
        cs.call_ok("ReservationStatusUpdate", update).await,
        json!({})
    );
}
