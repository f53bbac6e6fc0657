//! The relationship with members: the welcome message, NPS answers
//! after sessions and contacts with their rules, the operator's NPS report with its filters,
//! and CORS for the app.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

pub(crate) const IBAN: &str = "ES9121000418450200051332";

async fn plan(app: &TestApp) {
    let plan = json!({"name": "Gran Rodador", "monthlyFeeCents": 4900, "includedEnergyWh": 300_000, "fairUseWh": 1_000_000,
                      "commitmentMonths": 9, "earlyTerminationFees": [
                          {"fromMonth": 1, "toMonth": 3, "feeCents": 9000}, {"fromMonth": 4, "toMonth": 9, "feeCents": 4500}]});
    assert!(
        app.put("/api/v1/operator/plans/rodador", &plan)
            .await
            .status()
            .is_success()
    );
}

pub(crate) async fn register(app: &TestApp, email: &str, extra: Value) -> String {
    let mut body = json!({"email": email, "password": "correct horse battery", "name": "Iria Fernández",
                          "segment": "business", "bankAccount": IBAN});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = app
        .http
        .post(app.url("/api/v1/members"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    app.login(email, "correct horse battery").await.unwrap()
}

async fn messages(app: &TestApp, token: &str) -> Value {
    app.member_json(token, "/api/v1/me/messages").await
}

#[tokio::test]
async fn a_new_member_is_welcomed_with_their_contract_and_the_account_stays_masked() {
    let app = spawn_app().await;
    plan(&app).await;
    let token = register(&app, "iria@example.es", json!({"planId": "rodador"})).await;
    let all = messages(&app, &token).await;
    let welcome = &all["messages"][0];
    assert_eq!(welcome["kind"], "welcome");
    let body = welcome["body"].as_str().unwrap();
    for needle in [
        "Iria Fernández",
        "business",
        "Gran Rodador",
        "49.00 €",
        "300 kWh",
        "9 months",
        "months 1 to 3: 90.00 €",
        "months 4 to 9: 45.00 €",
        "Green Card",
        "top it up",
        "WhatsApp",
        "24 hours",
        "invoices",
        "1332",
    ] {
        assert!(
            body.contains(needle),
            "{needle:?} not in the welcome:\n{body}"
        );
    }
    let plan: Value = app.member_json(&token, "/api/v1/me/plan").await;
    assert_eq!(plan["planId"], "rodador");
    // The whole account never appears, in any response or message.
    for path in ["/api/v1/me", "/api/v1/me/messages", "/api/v1/me/plan"] {
        let text = app
            .as_member(&token, Method::GET, path)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !text.contains(IBAN) && !text.contains("2100 0418"),
            "{path}: {text}"
        );
    }
    let unknown = app
        .http
        .post(app.url("/api/v1/members"))
        .json(&json!({"email": "x@example.es", "password": "correct horse battery", "name": "X", "segment": "private", "planId": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    app.shutdown().await;
}

/// A member with a topped-up card who charged once at `cp`; returns (token, transaction id).
async fn charged(app: &TestApp, email: &str, tag: &str, cp: &str) -> (String, i64) {
    let token = register(app, email, json!({})).await;
    app.as_member(&token, Method::POST, "/api/v1/me/green-cards")
        .json(&json!({"idTag": tag}))
        .send()
        .await
        .unwrap();
    app.as_member(
        &token,
        Method::POST,
        &format!("/api/v1/me/green-cards/{tag}/top-ups"),
    )
    .json(&json!({"amountCents": 2000, "idempotencyKey": "k"}))
    .send()
    .await
    .unwrap();
    let mut charger = app.booted_charger(cp).await;
    let started = charger.start(1, tag, 0, "2026-11-20T10:00:00Z").await;
    let tx = started["transactionId"].as_i64().unwrap();
    charger.stop(tx, 5000, "2026-11-20T10:30:00Z").await;
    (token, tx)
}

#[tokio::test]
async fn each_session_gets_one_nps_answer_and_operators_see_the_score() {
    let app = spawn_app().await;
    let (ana, ana_tx) = charged(&app, "ana@example.es", "ANA-NPS", "CP-N1").await;
    let (bea, bea_tx) = charged(&app, "bea@example.es", "BEA-NPS", "CP-N2").await;
    let answer = |token: &str, tx: i64, body: Value| {
        app.as_member(
            token,
            Method::POST,
            &format!("/api/v1/me/sessions/{tx}/nps"),
        )
        .json(&body)
        .send()
    };
    let first = answer(
        &ana,
        ana_tx,
        json!({"score": 10, "comment": "¡Muy rápido!"}),
    )
    .await
    .unwrap();
    assert_eq!(first.status(), 201);
    assert_eq!(first.json::<Value>().await.unwrap()["class"], "promoter");
    assert_eq!(
        answer(&ana, ana_tx, json!({"score": 3}))
            .await
            .unwrap()
            .status(),
        409,
        "one answer per session"
    );
    assert_eq!(
        answer(&bea, bea_tx, json!({"score": 11}))
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        answer(&bea, bea_tx, json!({"score": -1}))
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        answer(&bea, ana_tx, json!({"score": 5}))
            .await
            .unwrap()
            .status(),
        404,
        "another member's session"
    );
    assert_eq!(
        answer(&bea, 999_999, json!({"score": 5}))
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        answer(&bea, bea_tx, json!({"score": 4}))
            .await
            .unwrap()
            .status(),
        201
    );

    assert_eventually("answers are counted by class", || async {
        let metrics = app.metrics().await;
        metrics.contains(r#"csms_nps_answers_total{class="promoter"} 1"#)
            && metrics.contains(r#"csms_nps_answers_total{class="detractor"} 1"#)
    })
    .await;
    let all: Value = app.get("/api/v1/operator/nps").await.json().await.unwrap();
    assert_eq!(
        (
            all["responses"].clone(),
            all["promoters"].clone(),
            all["detractors"].clone(),
            all["nps"].clone()
        ),
        (json!(2), json!(1), json!(1), json!(0))
    );
    assert_eq!(all["byMonth"].as_array().unwrap().len(), 1);
    let one: Value = app
        .get("/api/v1/operator/nps?chargePointId=CP-N1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (one["responses"].clone(), one["nps"].clone()),
        (json!(1), json!(100))
    );
    let none: Value = app
        .get("/api/v1/operator/nps?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (none["responses"].clone(), none["nps"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(
        app.get("/api/v1/operator/nps?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z")
            .await
            .status(),
        400
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_contact_with_customer_service_ends_with_an_nps_question() {
    let app = spawn_app().await;
    let token = register(&app, "xoan@example.es", json!({})).await;
    let me: Value = app.member_json(&token, "/api/v1/me").await;
    let number = me["memberNumber"].as_i64().unwrap();
    let contact = app
        .post(
            &format!("/api/v1/operator/members/{number}/contacts"),
            &json!({"channel": "whatsapp", "summary": "Asked how to top up"}),
        )
        .await;
    assert_eq!(contact.status(), 201);
    let id = contact.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(messages(&app, &token).await["messages"][0]["kind"], "nps");
    let answer = |score: i64| {
        app.as_member(
            &token,
            Method::POST,
            &format!("/api/v1/me/contacts/{id}/nps"),
        )
        .json(&json!({"score": score}))
        .send()
    };
    assert_eq!(answer(8).await.unwrap().status(), 201);
    assert_eq!(answer(9).await.unwrap().status(), 409);
    let bad = app
        .post(
            &format!("/api/v1/operator/members/{number}/contacts"),
            &json!({"channel": "pigeon", "summary": "x"}),
        )
        .await;
    assert_eq!(bad.status(), 400);
    app.shutdown().await;
}

#[tokio::test]
async fn the_app_origin_may_call_the_api_and_no_other() {
    let db = temp_db();
    let app = spawn_app_with(csms::Config {
        cors_origins: vec!["https://app.citere.es".into()],
        ..test_config(&db)
    })
    .await;
    let preflight = |origin: &'static str| {
        app.http
            .request(Method::OPTIONS, app.url("/api/v1/me"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
    };
    let ok = preflight("https://app.citere.es").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://app.citere.es"
    );
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    app.shutdown().await;
}
