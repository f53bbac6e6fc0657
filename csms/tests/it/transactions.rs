//! Charging sessions end to end: ids assigned by us, retries answered identically and never
//! recorded twice, ConcurrentTx, meter values, authorization by the id-tag table, and the
//! operator's view of it all.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn a_session_runs_from_authorize_to_stop_and_the_operator_sees_it() {
    let app = spawn_app().await;
    app.put_id_tag("TAG-1", "Accepted").await;
    let mut charger = app.booted_charger("CP-TX").await;
    let auth = charger
        .call_ok("Authorize", json!({"idTag": "TAG-1"}))
        .await;
    assert_eq!(auth["idTagInfo"]["status"], "Accepted");

    let started = charger
        .start(1, "TAG-1", 1000, "2026-11-24T10:00:00Z")
        .await;
    assert_eq!(started["idTagInfo"]["status"], "Accepted");
    let tx = started["transactionId"].as_i64().unwrap();

    let active: Value = app
        .get("/api/v1/operator/transactions?status=active")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(active["transactions"][0]["transactionId"], tx);

    charger
        .call_ok(
            "MeterValues",
            json!({"connectorId": 1, "transactionId": tx, "meterValue": [{
                "timestamp": "2026-11-24T10:10:00Z",
                "sampledValue": [{"value": "2.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh"}]
            }]}),
        )
        .await;
    let running: Value = app
        .get(&format!("/api/v1/operator/transactions/{tx}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(running["energyWh"], 1500, "2.5 kWh read, 1000 Wh at start");

    let stopped = charger
        .call_ok(
            "StopTransaction",
            json!({"transactionId": tx, "meterStop": 4000, "timestamp": "2026-11-24T10:30:00Z",
                   "idTag": "TAG-1", "reason": "Local",
                   "transactionData": [{"timestamp": "2026-11-24T10:30:00Z",
                                        "sampledValue": [{"value": "4000"}]}]}),
        )
        .await;
    assert_eq!(stopped["idTagInfo"]["status"], "Accepted");

    let detail: Value = app
        .get(&format!("/api/v1/operator/transactions/{tx}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["chargePointId"], "CP-TX");
    assert_eq!(detail["connectorId"], 1);
    assert_eq!(detail["idTag"], "TAG-1");
    assert_eq!(detail["meterStart"], 1000);
    assert_eq!(detail["meterStop"], 4000);
    assert_eq!(detail["energyWh"], 3000);
    assert_eq!(detail["startedAt"], "2026-11-24T10:00:00Z");
    assert_eq!(detail["stoppedAt"], "2026-11-24T10:30:00Z");
    assert_eq!(detail["status"], "finished");
    for field in ["costCents", "discountCents", "paymentMethod"] {
        assert!(
            detail.get(field).is_some(),
            "{field} is part of the contract"
        );
    }
    let finished: Value = app
        .get("/api/v1/operator/transactions?status=finished&chargePointId=CP-TX")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(finished["transactions"].as_array().unwrap().len(), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_retried_start_gets_the_same_id_and_a_retried_stop_changes_nothing() {
    let app = spawn_app().await;
    app.put_id_tag("TAG-1", "Accepted").await;
    let mut charger = app.booted_charger("CP-RETRY").await;
    let first = charger.start(1, "TAG-1", 500, "2026-11-24T10:00:00Z").await;
    let again = charger.start(1, "TAG-1", 500, "2026-11-24T10:00:00Z").await;
    assert_eq!(first, again);
    let tx = first["transactionId"].as_i64().unwrap();

    charger.stop(tx, 900, "2026-11-24T11:00:00Z").await;
    // The retry carries other values (a confused charger): the first stop stands.
    charger.stop(tx, 5000, "2026-11-24T12:00:00Z").await;
    let all: Value = app
        .get("/api/v1/operator/transactions?chargePointId=CP-RETRY")
        .await
        .json()
        .await
        .unwrap();
    let all = all["transactions"].as_array().unwrap();
    assert_eq!(all.len(), 1, "one transaction, not two");
    assert_eq!(all[0]["meterStop"], 900);
    assert_eq!(all[0]["stoppedAt"], "2026-11-24T11:00:00Z");
    app.shutdown().await;
}

#[tokio::test]
async fn a_tag_with_a_running_transaction_gets_concurrent_tx() {
    let app = spawn_app().await;
    app.put_id_tag("TAG-1", "Accepted").await;
    let mut one = app.booted_charger("CP-C1").await;
    let mut two = app.booted_charger("CP-C2").await;
    let first = one.start(1, "TAG-1", 0, "2026-11-24T10:00:00Z").await;
    assert_eq!(first["idTagInfo"]["status"], "Accepted");
    let second = two.start(1, "TAG-1", 0, "2026-11-24T10:01:00Z").await;
    assert_eq!(second["idTagInfo"]["status"], "ConcurrentTx");
    assert_ne!(first["transactionId"], second["transactionId"]);
    // Once the first stops, the tag may charge again.
    one.stop(
        first["transactionId"].as_i64().unwrap(),
        10,
        "2026-11-24T10:05:00Z",
    )
    .await;
    let third = two.start(2, "TAG-1", 0, "2026-11-24T10:06:00Z").await;
    assert_eq!(third["idTagInfo"]["status"], "Accepted");
    app.shutdown().await;
}

#[tokio::test]
async fn authorize_follows_the_id_tag_table() {
    let app = spawn_app().await;
    app.put_id_tag("GOOD", "Accepted").await;
    app.put_id_tag("BLOCKED", "Blocked").await;
    let r = app
        .put(
            "/api/v1/operator/id-tags/OLD",
            &json!({"status": "Accepted", "expiresAt": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let mut charger = app.booted_charger("CP-AUTH").await;
    for (tag, status) in [
        ("GOOD", "Accepted"),
        ("BLOCKED", "Blocked"),
        ("OLD", "Expired"),
        ("NOBODY", "Invalid"),
    ] {
        let answer = charger.call_ok("Authorize", json!({"idTag": tag})).await;
        assert_eq!(answer["idTagInfo"]["status"], status, "{tag}");
    }
    // A refused tag's start is recorded (the charger will stop it) but not accepted.
    let started = charger.start(1, "BLOCKED", 0, "2026-11-24T10:00:00Z").await;
    assert_eq!(started["idTagInfo"]["status"], "Blocked");
    app.shutdown().await;
}

#[tokio::test]
async fn a_stop_for_an_unknown_transaction_is_answered_and_changes_nothing() {
    let app = spawn_app().await;
    let mut charger = app.booted_charger("CP-UNK").await;
    let answer = charger
        .call_ok(
            "StopTransaction",
            json!({"transactionId": 999_999, "meterStop": 1, "timestamp": "2026-11-24T10:00:00Z"}),
        )
        .await;
    assert_eq!(answer, json!({}));
    let all: Value = app
        .get("/api/v1/operator/transactions")
        .await
        .json()
        .await
        .unwrap();
    assert!(all["transactions"].as_array().unwrap().is_empty());
    app.shutdown().await;
}

#[tokio::test]
async fn a_new_start_on_a_connector_closes_the_transaction_whose_stop_was_lost() {
    let app = spawn_app().await;
    app.put_id_tag("TAG-1", "Accepted").await;
    app.put_id_tag("TAG-2", "Accepted").await;
    let mut charger = app.booted_charger("CP-LOST").await;
    let lost = charger.start(1, "TAG-1", 100, "2026-11-24T08:00:00Z").await;
    let lost_id = lost["transactionId"].as_i64().unwrap();
    charger
        .call_ok(
            "MeterValues",
            json!({"connectorId": 1, "transactionId": lost_id, "meterValue": [{
                "timestamp": "2026-11-24T08:30:00Z", "sampledValue": [{"value": "2600"}]}]}),
        )
        .await;
    // The charger lost that session's stop; the connector is used again.
    let next = charger
        .start(1, "TAG-2", 2600, "2026-11-24T09:00:00Z")
        .await;
    assert_eq!(next["idTagInfo"]["status"], "Accepted");
    let closed: Value = app
        .get(&format!("/api/v1/operator/transactions/{lost_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed["status"], "finished");
    assert_eq!(closed["stopReason"], "Superseded");
    assert_eq!(closed["energyWh"], 2500, "closed at its last reading");
    // Closed for the gauges too: one session runs, not two.
    assert_eventually("the superseded session leaves the active gauge", || async {
        app.metrics()
            .await
            .lines()
            .any(|l| l == "csms_transactions_active 1")
    })
    .await;
    // Its tag is free to charge again.
    let again = charger.start(2, "TAG-1", 0, "2026-11-24T09:05:00Z").await;
    assert_eq!(again["idTagInfo"]["status"], "Accepted");
    app.shutdown().await;
}
