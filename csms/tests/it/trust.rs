//! Who is trusted with what: a socket that claims an id is let in under `--auto-register`, but
//! it waits `Pending` until an operator approves it, and money never moves at a charge point
//! an operator did not give credentials; a change of credentials or approval closes the open
//! session, so the charger must prove itself again.

use serde_json::{Value, json};

use crate::helpers::*;

fn auto(accept: bool) -> csms::Config {
    csms::Config {
        auto_register: true,
        auto_accept: accept,
        ..test_config(&temp_db())
    }
}

async fn data_transfer(charger: &mut TestCharger, message: &str, data: Value) -> Value {
    charger
        .call_ok(
            "DataTransfer",
            json!({"vendorId": "es.citere", "messageId": message, "data": data.to_string()}),
        )
        .await
}

async fn balance(app: &TestApp, token: &str, tag: &str) -> Value {
    app.member_json(token, &format!("/api/v1/me/green-cards/{tag}"))
        .await["balanceCents"]
        .clone()
}

#[tokio::test]
async fn money_never_moves_at_a_charge_point_without_credentials() {
    let app = spawn_app_with(auto(true)).await;
    let (token, tag) = app.card_holder("ana@example.es", "ANA-CARD", 1000).await;
    assert_eq!(app.put_charge_point("CP-NOPASS", None).await.status(), 201);
    for id in ["SQUATTER-1", "CP-NOPASS"] {
        let mut charger = TestCharger::connect(&app.ocpp, id, None).await.unwrap();
        charger.boot().await;
        for reference in ["r-1", "r-1"] {
            let topup = json!({"idTag": tag, "amountCents": 5000, "method": "cash", "reference": reference});
            let answer = data_transfer(&mut charger, "GreenCardTopUp", topup).await;
            assert_eq!(answer["status"], "Rejected", "{id}: {answer}");
        }
        let direct = json!({"idTag": "ONE-OFF-1", "method": "card", "authorizedCents": 2000, "reference": "d-1"});
        let answer = data_transfer(&mut charger, "DirectPayment", direct).await;
        assert_eq!(answer["status"], "Rejected", "{id}: {answer}");
        let authorized = charger.call_ok("Authorize", json!({"idTag": tag})).await;
        assert_eq!(authorized["idTagInfo"]["status"], "Invalid", "{id}");
        let started = charger.start(1, &tag, 0, "2026-11-30T10:00:00Z").await;
        assert_eq!(started["idTagInfo"]["status"], "Invalid", "{id}");
        let tx = started["transactionId"].as_i64().unwrap();
        charger
            .call_ok(
                "StopTransaction",
                json!({"transactionId": tx, "meterStop": 9_000_000, "timestamp": "2026-11-30T10:30:00Z"}),
            )
            .await;
    }
    assert_eq!(balance(&app, &token, &tag).await, 1000, "nothing moved");
    // Nor does it take reservations: the driver's card would be handed to whoever claims it.
    let reserve = app
        .as_member(&token, reqwest::Method::POST, "/api/v1/reservations")
        .json(&json!({"chargePointId": "CP-NOPASS", "connectorId": 1, "idTag": tag}))
        .send()
        .await
        .unwrap();
    assert_eq!(reserve.status(), 409);
    // Not even an invoiced tag of the operator's is billed on an untrusted charger's word.
    app.put_id_tag("FLEET-TAG", "Accepted").await;
    let mut open = TestCharger::connect(&app.ocpp, "SQUATTER-2", None)
        .await
        .unwrap();
    open.boot().await;
    let started = open.start(1, "FLEET-TAG", 0, "2026-11-30T10:00:00Z").await;
    assert_eq!(started["idTagInfo"]["status"], "Accepted");
    let tx = started["transactionId"].as_i64().unwrap();
    open.call_ok(
        "StopTransaction",
        json!({"transactionId": tx, "meterStop": 20_000, "timestamp": "2026-11-30T10:30:00Z"}),
    )
    .await;
    let detail: Value = app
        .get(&format!("/api/v1/operator/transactions/{tx}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["costCents"], Value::Null, "{detail}");
    assert!(
        detail["reviewReason"]
            .as_str()
            .unwrap()
            .contains("credentials")
    );
    // The same messages from a charge point with credentials move money.
    let mut trusted = app.booted_charger("CP-TRUSTED").await;
    let topup = json!({"idTag": tag, "amountCents": 500, "method": "cash", "reference": "r-1"});
    let answer = data_transfer(&mut trusted, "GreenCardTopUp", topup).await;
    assert_eq!(answer["status"], "Accepted", "{answer}");
    assert_eq!(balance(&app, &token, &tag).await, 1500);
    app.shutdown().await;
}

#[tokio::test]
async fn an_auto_registered_charge_point_waits_pending_until_the_operator_approves_it() {
    let app = spawn_app_with(auto(false)).await;
    let mut charger = TestCharger::connect(&app.ocpp, "NEW-PENDING", None)
        .await
        .unwrap();
    let boot = json!({"chargePointVendor": "X", "chargePointModel": "Y"});
    let answer = charger.call_ok("BootNotification", boot.clone()).await;
    assert_eq!(answer["status"], "Pending");
    assert_eq!(answer["interval"], 120, "the boot retry interval");
    let refused = charger.call("Heartbeat", json!({})).await;
    assert_eq!(
        (refused[0].clone(), refused[2].clone()),
        (json!(4), json!("SecurityError"))
    );
    let point = app.get_charge_point("NEW-PENDING").await;
    assert_eq!(point["registrationStatus"], "Pending");
    assert_eq!(point["trusted"], false);
    // A second socket claiming the id gets no further than the first.
    let mut second = TestCharger::connect(&app.ocpp, "NEW-PENDING", None)
        .await
        .unwrap();
    let answer = second.call_ok("BootNotification", boot.clone()).await;
    assert_eq!(answer["status"], "Pending");

    let approved = app
        .post(
            "/api/v1/operator/charge-points/NEW-PENDING/approve",
            &json!({}),
        )
        .await;
    assert_eq!(approved.status(), 200);
    assert_eq!(
        approved.json::<Value>().await.unwrap()["registrationStatus"],
        "Accepted"
    );
    let trigger = second.recv().await.expect("asked to boot again");
    assert_eq!(trigger[2], "TriggerMessage");
    assert_eq!(trigger[3]["requestedMessage"], "BootNotification");
    second
        .send_text(&json!([3, trigger[1], {"status": "Accepted"}]).to_string())
        .await;
    let answer = second.call_ok("BootNotification", boot).await;
    assert_eq!(answer["status"], "Accepted");
    second.call_ok("Heartbeat", json!({})).await;
    assert_eq!(
        app.post("/api/v1/operator/charge-points/NO-SUCH/approve", &json!({}))
            .await
            .status(),
        404
    );
    app.shutdown().await;
}

#[tokio::test]
async fn new_credentials_or_a_rejection_close_the_open_session() {
    let app = spawn_app().await;
    let mut charger = app.booted_charger("CP-ROTATE").await;
    let mut body = json!({
        "name": "Rotated", "address": "Gijón", "latitude": 43.54, "longitude": -5.66,
        "password": "a-brand-new-password-42", "connectors": []
    });
    let path = "/api/v1/operator/charge-points/CP-ROTATE";
    assert_eq!(app.put(path, &body).await.status(), 200);
    assert!(
        charger
            .closed_within(std::time::Duration::from_secs(2))
            .await
            .is_some(),
        "the session under the old password is closed"
    );
    let old = TestCharger::connect(&app.ocpp, "CP-ROTATE", Some(PASSWORD)).await;
    assert_eq!(old.err().map(|s| s.as_u16()), Some(401));
    let mut charger = TestCharger::connect(&app.ocpp, "CP-ROTATE", Some("a-brand-new-password-42"))
        .await
        .unwrap();
    charger.boot().await;
    // An unchanged PUT keeps the session; a rejection closes it, and the next boot is refused.
    body.as_object_mut().unwrap().remove("password");
    assert_eq!(app.put(path, &body).await.status(), 200);
    charger.call_ok("Heartbeat", json!({})).await;
    body["registrationStatus"] = json!("Rejected");
    assert_eq!(app.put(path, &body).await.status(), 200);
    assert!(
        charger
            .closed_within(std::time::Duration::from_secs(2))
            .await
            .is_some()
    );
    let mut charger = TestCharger::connect(&app.ocpp, "CP-ROTATE", Some("a-brand-new-password-42"))
        .await
        .unwrap();
    let answer = charger
        .call_ok(
            "BootNotification",
            json!({"chargePointVendor": "X", "chargePointModel": "Y"}),
        )
        .await;
    assert_eq!(answer["status"], "Rejected");
    assert_eq!(
        app.get_charge_point("CP-ROTATE").await["registrationStatus"],
        "Rejected"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn unknown_ids_without_credentials_are_bounded() {
    let app = spawn_app_with(csms::Config {
        max_unclaimed_charge_points: 3,
        ..auto(false)
    })
    .await;
    let mut waiting = Vec::new();
    for n in 0..3 {
        waiting.push(
            TestCharger::connect(&app.ocpp, &format!("MADE-UP-{n}"), None)
                .await
                .unwrap(),
        );
    }
    let refused = TestCharger::connect(&app.ocpp, "MADE-UP-3", None).await;
    assert_eq!(refused.err().map(|s| s.as_u16()), Some(503));
    // Approving one lets it charge, still without credentials; claiming it with a password
    // makes room.
    let approved = app
        .post(
            "/api/v1/operator/charge-points/MADE-UP-0/approve",
            &json!({}),
        )
        .await;
    assert_eq!(approved.status(), 200);
    let refused = TestCharger::connect(&app.ocpp, "MADE-UP-3", None).await;
    assert_eq!(refused.err().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        app.put_charge_point("MADE-UP-0", Some(PASSWORD))
            .await
            .status(),
        200
    );
    assert!(
        TestCharger::connect(&app.ocpp, "MADE-UP-3", None)
            .await
            .is_ok()
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_nul_character_in_a_frame_is_refused_and_the_charger_stays() {
    let app = spawn_app().await;
    let mut charger = app.booted_charger("CP-NUL").await;
    let answer = charger
        .call("Authorize", json!({"idTag": "TAG\u{0}X"}))
        .await;
    assert_eq!(answer[0], 4, "{answer}");
    assert_eq!(answer[2], "PropertyConstraintViolation");
    charger.call_ok("Heartbeat", json!({})).await;
    let beyond = charger
        .call(
            "StatusNotification",
            json!({"connectorId": 4_000_000, "errorCode": "NoError", "status": "Available"}),
        )
        .await;
    assert_eq!(
        beyond[2], "PropertyConstraintViolation",
        "connectors are numbered 1..=32"
    );
    let body = json!({"name": "A\u{0}B", "address": "Gijón", "latitude": 43.5, "longitude": -5.6, "connectors": []});
    let r = app
        .put("/api/v1/operator/charge-points/CP-NUL", &body)
        .await;
    assert_eq!(r.status(), 400, "a NUL in a REST body is refused too");
    assert_eq!(
        app.get_charge_point("CP-NUL").await["name"],
        "Charge point CP-NUL"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn an_address_brings_a_few_unknown_ids_and_the_operator_deletes_what_no_charger_owns() {
    let app = spawn_app_with(csms::Config {
        auto_registrations_per_address: 2,
        ..auto(false)
    })
    .await;
    for n in 0..2 {
        assert!(
            TestCharger::connect(&app.ocpp, &format!("JUNK-{n}"), None)
                .await
                .is_ok()
        );
    }
    let refused = TestCharger::connect(&app.ocpp, "JUNK-2", None).await;
    assert_eq!(refused.err().map(|s| s.as_u16()), Some(429));
    let path = "/api/v1/operator/charge-points/JUNK-0";
    let deleted = app
        .http
        .delete(app.url(path))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.get(path).await.status(), 404);
    let again = app
        .http
        .delete(app.url(path))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
    app.shutdown().await;
}

#[tokio::test]
async fn a_session_started_without_credentials_is_not_billed_once_the_charger_has_them() {
    let app = spawn_app_with(auto(true)).await;
    app.put_id_tag("FLEET-TAG", "Accepted").await;
    let mut open = TestCharger::connect(&app.ocpp, "CP-LATER", None)
        .await
        .unwrap();
    open.boot().await;
    let started = open.start(1, "FLEET-TAG", 0, "2026-11-30T10:00:00Z").await;
    let tx = started["transactionId"].as_i64().unwrap();
    // The operator claims the id; the real charger comes back with the password and stops.
    assert_eq!(
        app.put_charge_point("CP-LATER", Some(PASSWORD))
            .await
            .status(),
        200
    );
    let mut real = TestCharger::connect(&app.ocpp, "CP-LATER", Some(PASSWORD))
        .await
        .unwrap();
    real.boot().await;
    real.call_ok(
        "StopTransaction",
        json!({"transactionId": tx, "meterStop": 20_000, "timestamp": "2026-11-30T10:30:00Z"}),
    )
    .await;
    let detail: Value = app
        .get(&format!("/api/v1/operator/transactions/{tx}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["costCents"], Value::Null, "{detail}");
    assert!(
        detail["reviewReason"]
            .as_str()
            .unwrap()
            .contains("credentials")
    );
    app.shutdown().await;
}
