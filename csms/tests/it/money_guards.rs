//! What a charger's numbers cannot do to money: a card whose id tag names a network account
//! settles like any other, a stop by the tag that started the session is accepted, and
//! readings no connector could produce are flagged for an operator instead of charged, while
//! every other charger's sessions go on being settled.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

async fn balance(app: &TestApp, token: &str, tag: &str) -> Value {
    app.member_json(token, &format!("/api/v1/me/green-cards/{tag}"))
        .await
}

async fn transaction(app: &TestApp, tx: i64) -> Value {
    app.get(&format!("/api/v1/operator/transactions/{tx}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn ledger_is_balanced(app: &TestApp) {
    let ledger: Value = app
        .get("/api/v1/operator/billing/ledger")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ledger["balanced"], true, "{ledger}");
}

/// Starts and stops a session of `wh` Wh over half an hour; returns the transaction id and
/// the stop's idTagInfo.
async fn session(charger: &mut TestCharger, tag: &str, start: i64, stop: i64) -> (i64, Value) {
    let started = charger.start(1, tag, start, "2026-11-30T10:00:00Z").await;
    assert_eq!(started["idTagInfo"]["status"], "Accepted", "{started}");
    let tx = started["transactionId"].as_i64().unwrap();
    let stopped = charger
        .call_ok(
            "StopTransaction",
            json!({"transactionId": tx, "meterStop": stop, "timestamp": "2026-11-30T10:30:00Z", "idTag": tag}),
        )
        .await;
    (tx, stopped["idTagInfo"].clone())
}

#[tokio::test]
async fn a_card_whose_tag_names_a_network_account_settles_like_any_other() {
    let app = spawn_app().await;
    app.tariff(100, 0, 0).await;
    let mut charger = app.booted_charger("CP-NAMES").await;
    for tag in ["issued", "redeemed", "revenue"] {
        let (token, tag) = app
            .card_holder(&format!("{tag}@example.es"), tag, 2000)
            .await;
        let (tx, _) = session(&mut charger, &tag, 1000, 11_000).await;
        assert_eq!(transaction(&app, tx).await["costCents"], 1000, "{tag}");
        let card = balance(&app, &token, &tag).await;
        assert_eq!(card["balanceCents"], 1000, "{tag}: {card}");
        assert_eq!(card["points"], 10, "{tag}: one point per euro paid");
    }
    ledger_is_balanced(&app).await;
    app.shutdown().await;
}

#[tokio::test]
async fn a_stop_by_the_green_card_that_started_the_session_is_accepted() {
    let app = spawn_app().await;
    let (_, tag) = app.card_holder("ana@example.es", "ANA-STOPS", 2000).await;
    let mut charger = app.booted_charger("CP-STOP").await;
    let (_, info) = session(&mut charger, &tag, 0, 5000).await;
    assert_eq!(info["status"], "Accepted", "{info}");
    app.shutdown().await;
}

#[tokio::test]
async fn readings_no_connector_could_produce_are_flagged_not_charged() {
    let app = spawn_app().await;
    app.tariff(45, 0, 0).await;
    let (token, tag) = app.card_holder("ana@example.es", "ANA-METER", 5000).await;
    let mut charger = app.booted_charger("CP-METER").await;
    // A stop at 2^53 Wh, a start at -1 Wh, and a meter that ran backwards.
    let mut flagged = Vec::new();
    for (start, stop) in [(1000, 1_i64 << 53), (-1, 500), (9000, 4000)] {
        let (tx, info) = session(&mut charger, &tag, start, stop).await;
        assert_eq!(info["status"], "Accepted");
        let detail = transaction(&app, tx).await;
        assert!(detail["reviewReason"].is_string(), "{detail}");
        assert_eq!(detail["costCents"], Value::Null, "{detail}");
        flagged.push(tx);
    }
    assert_eq!(balance(&app, &token, &tag).await["balanceCents"], 5000);
    // The operator, having read the charger's own log, settles the first with 10 kWh.
    let settle = |tx: i64, wh: i64| {
        let (path, body) = (
            format!("/api/v1/operator/transactions/{tx}/settle"),
            json!({"energyWh": wh}),
        );
        let app = &app;
        async move { app.post(&path, &body).await }
    };
    let settled = settle(flagged[0], 10_000).await;
    assert_eq!(settled.status(), 200);
    let settled: Value = settled.json().await.unwrap();
    assert_eq!(settled["costCents"], 450, "{settled}");
    assert!(settled["reviewedAt"].is_string());
    assert!(
        settled["reviewReason"].is_string(),
        "why it was flagged stays on record"
    );
    assert_eq!(balance(&app, &token, &tag).await["balanceCents"], 4550);
    assert_eq!(settle(flagged[0], 10_000).await.status(), 409, "once");
    assert_eq!(settle(flagged[1], -5).await.status(), 400);
    assert_eq!(settle(999_999, 1).await.status(), 404);
    assert_eq!(balance(&app, &token, &tag).await["balanceCents"], 4550);
    assert!(
        app.metrics()
            .await
            .contains("csms_sessions_flagged_total 3"),
        "flagged sessions are counted"
    );
    let _ = &token;
    // The durable path is intact: the next sessions, here and elsewhere, are settled.
    let (bea, bea_tag) = app.card_holder("bea@example.es", "BEA-METER", 5000).await;
    let mut other = app.booted_charger("CP-OTHER").await;
    let (tx, _) = session(&mut other, &bea_tag, 1000, 11_000).await;
    assert_eq!(transaction(&app, tx).await["costCents"], 450);
    assert_eq!(balance(&app, &bea, &bea_tag).await["balanceCents"], 4550);
    let (tx, _) = session(&mut charger, &tag, 0, 10_000).await;
    assert_eq!(transaction(&app, tx).await["costCents"], 450);
    assert_eq!(balance(&app, &token, &tag).await["balanceCents"], 4100);
    ledger_is_balanced(&app).await;
    let sessions = app
        .as_member(&token, Method::GET, "/api/v1/me/sessions")
        .send()
        .await
        .unwrap();
    assert_eq!(sessions.status(), 200);
    app.shutdown().await;
}

#[tokio::test]
async fn without_a_payment_provider_a_card_top_up_credits_nothing() {
    let app = spawn_app_with(csms::Config {
        payments: None,
        ..test_config(&temp_db())
    })
    .await;
    let (token, tag) = app.card_holder("ana@example.es", "ANA-NOPSP", 0).await;
    let r = app
        .as_member(
            &token,
            Method::POST,
            &format!("/api/v1/me/green-cards/{tag}/top-ups"),
        )
        .json(&json!({"amountCents": 5000, "idempotencyKey": "k-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(balance(&app, &token, &tag).await["balanceCents"], 0);
    app.shutdown().await;
}

#[tokio::test]
async fn a_plan_taken_after_cancelling_another_in_the_same_month_is_charged_too() {
    let app = spawn_app().await;
    for (id, fee) in [("barato", 1900), ("caro", 4900)] {
        let plan = json!({"name": id, "monthlyFeeCents": fee, "includedEnergyWh": 10_000, "fairUseWh": 500_000,
                          "commitmentMonths": 0, "earlyTerminationFees": []});
        assert_eq!(
            app.put(&format!("/api/v1/operator/plans/{id}"), &plan)
                .await
                .status(),
            201
        );
    }
    let token = app.member("plans@example.es").await;
    let call = |method: Method, path: &'static str, body: Value| {
        app.as_member(&token, method, path).json(&body).send()
    };
    let take = call(Method::POST, "/api/v1/me/plan", json!({"planId": "barato"}))
        .await
        .unwrap();
    assert_eq!(take.status(), 201);
    let cancel = call(
        Method::POST,
        "/api/v1/me/plan/cancel",
        json!({"acceptFeeCents": 0}),
    )
    .await
    .unwrap();
    assert_eq!(cancel.status(), 200);
    let cancelled: Value = cancel.json().await.unwrap();
    assert_eq!(cancelled["refundCents"], 1900, "the first-month guarantee");
    let take = call(Method::POST, "/api/v1/me/plan", json!({"planId": "caro"}))
        .await
        .unwrap();
    assert_eq!(take.status(), 201);
    let ledger: Value = app
        .get("/api/v1/operator/billing/ledger")
        .await
        .json()
        .await
        .unwrap();
    // The first plan's fee came back under the first-month guarantee; the second is charged.
    assert_eq!(ledger["accounts"]["sepa"], -4900, "{ledger}");
    assert_eq!(ledger["balanced"], true, "{ledger}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_flagged_direct_payment_is_spent_and_captured_when_the_operator_settles_it() {
    let app = spawn_app().await;
    app.tariff(45, 0, 0).await;
    let mut charger = app.booted_charger("CP-POS").await;
    let payment = json!({"idTag": "ONE-OFF-9", "method": "card", "authorizedCents": 5000, "reference": "pos-9"});
    let answer = charger
        .call_ok(
            "DataTransfer",
            json!({"vendorId": "es.citere", "messageId": "DirectPayment", "data": payment.to_string()}),
        )
        .await;
    assert_eq!(answer["status"], "Accepted");
    let (tx, _) = session(&mut charger, "ONE-OFF-9", 0, 1 << 40).await;
    assert!(transaction(&app, tx).await["reviewReason"].is_string());
    let again = charger
        .start(1, "ONE-OFF-9", 0, "2026-11-30T11:00:00Z")
        .await;
    assert_eq!(
        again["idTagInfo"]["status"], "Invalid",
        "a one-off tag is spent"
    );
    let settled = app
        .post(
            &format!("/api/v1/operator/transactions/{tx}/settle"),
            &json!({"energyWh": 10_000}),
        )
        .await;
    assert_eq!(settled.status(), 200);
    let settled: Value = settled.json().await.unwrap();
    assert_eq!(settled["costCents"], 450, "{settled}");
    assert_eq!(settled["paymentMethod"], "card");
    ledger_is_balanced(&app).await;
    app.shutdown().await;
}
