//! Sessions whose money runs out: the charger is asked to stop again until it accepts, the
//! watches survive a restart, and sessions paid by a direct payment or covered by a plan's
//! allowance are watched like prepaid ones (a plan needs a bank account to be taken at all).

use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

fn quick_retries() -> csms::Config {
    csms::Config {
        stop_retry_secs: 1,
        ..test_config(&temp_db())
    }
}

fn meter(tx: i64, wh: i64, minute: u32) -> Value {
    json!({"connectorId": 1, "transactionId": tx, "meterValue": [{
        "timestamp": format!("2026-12-01T10:{minute:02}:00Z"), "sampledValue": [{"value": wh.to_string()}]}]})
}

/// The next CALL the charger gets must be a RemoteStopTransaction of `tx`; answers it.
async fn expect_stop(charger: &mut TestCharger, tx: i64, answer: &str) {
    let call = charger.recv().await.expect("a RemoteStopTransaction");
    assert_eq!(call[2], "RemoteStopTransaction", "{call}");
    assert_eq!(call[3]["transactionId"], tx);
    charger
        .send_text(&json!([3, call[1], {"status": answer}]).to_string())
        .await;
}

async fn start(charger: &mut TestCharger, tag: &str) -> i64 {
    let started = charger.start(1, tag, 0, "2026-12-01T10:00:00Z").await;
    assert_eq!(started["idTagInfo"]["status"], "Accepted", "{started}");
    started["transactionId"].as_i64().unwrap()
}

#[tokio::test]
async fn a_charger_that_rejects_the_stop_is_asked_again_until_it_accepts() {
    let app = spawn_app_with(quick_retries()).await;
    app.tariff(100, 0, 0).await;
    let (_, tag) = app.card_holder("eva@example.es", "EVA-CARD", 300).await;
    let mut charger = app.booted_charger("CP-STUBBORN").await;
    let tx = start(&mut charger, &tag).await;
    charger.call_ok("MeterValues", meter(tx, 3500, 10)).await;
    expect_stop(&mut charger, tx, "Rejected").await;
    expect_stop(&mut charger, tx, "Rejected").await;
    expect_stop(&mut charger, tx, "Accepted").await;
    let next =
        tokio::time::timeout(std::time::Duration::from_millis(2500), charger.ws.next()).await;
    assert!(next.is_err(), "no more asks once it accepted: {next:?}");
    app.shutdown().await;
}

#[tokio::test]
async fn running_sessions_are_watched_again_after_a_restart() {
    let db = temp_db();
    let app = spawn_app_with(test_config(&db)).await;
    app.tariff(100, 0, 0).await;
    let (_, tag) = app.card_holder("eva@example.es", "EVA-CARD", 300).await;
    let mut charger = app.booted_charger("CP-RESTART").await;
    let tx = start(&mut charger, &tag).await;
    charger.call_ok("MeterValues", meter(tx, 1000, 5)).await;
    drop(charger);
    app.shutdown().await;

    let app = spawn_app_with(test_config(&db)).await;
    let mut charger = TestCharger::connect(&app.ocpp, "CP-RESTART", Some(PASSWORD))
        .await
        .unwrap();
    charger.call_ok("MeterValues", meter(tx, 3500, 10)).await;
    expect_stop(&mut charger, tx, "Accepted").await;
    app.shutdown().await;
}

#[tokio::test]
async fn a_direct_payment_session_is_stopped_when_its_authorized_amount_is_spent() {
    let app = spawn_app().await;
    app.tariff(100, 0, 0).await;
    let mut charger = app.booted_charger("CP-DIRECT").await;
    let payment = json!({"idTag": "ONE-OFF-7", "method": "card", "authorizedCents": 500, "reference": "pos-7"});
    let answer = charger
        .call_ok(
            "DataTransfer",
            json!({"vendorId": "es.citere", "messageId": "DirectPayment", "data": payment.to_string()}),
        )
        .await;
    assert_eq!(answer["status"], "Accepted", "{answer}");
    let tx = start(&mut charger, "ONE-OFF-7").await;
    charger.call_ok("MeterValues", meter(tx, 4000, 10)).await;
    charger.call_ok("MeterValues", meter(tx, 5200, 15)).await;
    expect_stop(&mut charger, tx, "Accepted").await;
    app.shutdown().await;
}

#[tokio::test]
async fn a_plan_session_on_an_empty_card_is_stopped_past_its_allowance() {
    let app = spawn_app().await;
    app.tariff(40, 0, 0).await;
    let plan = json!({"name": "Básico", "monthlyFeeCents": 1900, "includedEnergyWh": 10_000, "fairUseWh": 500_000,
                      "commitmentMonths": 0, "earlyTerminationFees": []});
    assert_eq!(
        app.put("/api/v1/operator/plans/basico", &plan)
            .await
            .status(),
        201
    );

    // Without a bank account there is nothing to collect the fee from: no plan.
    let body = json!({"email": "no-iban@example.es", "password": "correct horse battery", "name": "Sin Cuenta",
                      "segment": "private"});
    let r = app
        .http
        .post(app.url("/api/v1/members"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token = app
        .login("no-iban@example.es", "correct horse battery")
        .await
        .unwrap();
    let refused = app
        .as_member(&token, Method::POST, "/api/v1/me/plan")
        .json(&json!({"planId": "basico"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body = json!({"email": "no-iban-2@example.es", "password": "correct horse battery", "name": "Sin Cuenta",
                      "segment": "private", "planId": "basico"});
    let r = app
        .http
        .post(app.url("/api/v1/members"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "nor at registration");

    let (token, tag) = app.card_holder("gil@example.es", "GIL-CARD", 0).await;
    let subscribed = app
        .as_member(&token, Method::POST, "/api/v1/me/plan")
        .json(&json!({"planId": "basico"}))
        .send()
        .await
        .unwrap();
    assert_eq!(subscribed.status(), 201);
    let mut charger = app.booted_charger("CP-PLAN").await;
    let tx = start(&mut charger, &tag).await;
    charger.call_ok("MeterValues", meter(tx, 9000, 30)).await;
    charger.call_ok("MeterValues", meter(tx, 10_500, 40)).await;
    expect_stop(&mut charger, tx, "Accepted").await;
    app.shutdown().await;
}

#[tokio::test]
async fn another_charger_can_neither_switch_off_nor_set_off_a_sessions_watch() {
    let app = spawn_app_with(csms::Config {
        auto_register: true,
        auto_accept: true,
        ..test_config(&temp_db())
    })
    .await;
    app.tariff(100, 0, 0).await;
    let (_, tag) = app.card_holder("eva@example.es", "EVA-CARD", 300).await;
    let mut victim = app.booted_charger("CP-VICTIM").await;
    let tx = start(&mut victim, &tag).await;
    let mut evil = TestCharger::connect(&app.ocpp, "EVIL-1", None)
        .await
        .unwrap();
    evil.boot().await;
    // Its stop of someone else's transaction changes nothing, its reading counts for nothing.
    evil.call_ok(
        "StopTransaction",
        json!({"transactionId": tx, "meterStop": 1, "timestamp": "2026-12-01T10:05:00Z"}),
    )
    .await;
    evil.call_ok("MeterValues", meter(tx, 9_000_000, 6)).await;
    let next = tokio::time::timeout(std::time::Duration::from_millis(800), victim.ws.next()).await;
    assert!(
        next.is_err(),
        "the victim's charger was told something: {next:?}"
    );
    // The session's own reading past its money still stops it: the watch is alive.
    victim.call_ok("MeterValues", meter(tx, 3500, 10)).await;
    expect_stop(&mut victim, tx, "Accepted").await;
    app.shutdown().await;
}

#[tokio::test]
async fn a_start_resent_after_its_stop_watches_nothing() {
    let app = spawn_app().await;
    app.tariff(100, 0, 0).await;
    let (_, tag) = app.card_holder("eva@example.es", "EVA-CARD", 300).await;
    let mut charger = app.booted_charger("CP-RESENT").await;
    let tx = start(&mut charger, &tag).await;
    charger
        .call_ok(
            "StopTransaction",
            json!({"transactionId": tx, "meterStop": 100, "timestamp": "2026-12-01T10:05:00Z", "idTag": tag}),
        )
        .await;
    // The charger resends the start whose answer it lost; then a stray reading of it.
    let resent = charger.start(1, &tag, 0, "2026-12-01T10:00:00Z").await;
    assert_eq!(resent["transactionId"], tx);
    charger.call_ok("MeterValues", meter(tx, 9_000, 10)).await;
    let next = tokio::time::timeout(std::time::Duration::from_millis(800), charger.ws.next()).await;
    assert!(
        next.is_err(),
        "a stopped session was asked to stop: {next:?}"
    );
    app.shutdown().await;
}
