//! Payments end to end: Green Card top-ups (idempotent, declined, refused), settlement once
//! whatever the retries, with receipt, points and NPS invitation; Authorize by balance; top-up
//! and direct payment at the charger; running out of balance; loyalty and promotions; plans;
//! points redemption; and the ledger balancing after all of it.

use chrono::TimeZone;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

async fn top_up(app: &TestApp, token: &str, tag: &str, cents: i64, key: &str) -> reqwest::Response {
    app.as_member(
        token,
        Method::POST,
        &format!("/api/v1/me/green-cards/{tag}/top-ups"),
    )
    .json(&json!({"amountCents": cents, "idempotencyKey": key}))
    .send()
    .await
    .unwrap()
}

async fn card(app: &TestApp, token: &str, tag: &str) -> Value {
    app.member_json(token, &format!("/api/v1/me/green-cards/{tag}"))
        .await
}

/// Runs a whole session of `wh` over 30 minutes; returns the transaction id.
async fn session(charger: &mut TestCharger, tag: &str, wh: i64, day: u32) -> i64 {
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 11, day, 10, 0, 0)
        .unwrap();
    session_at(charger, tag, wh, start).await
}

/// A half-hour session of `wh` that starts at `start`.
async fn session_at(
    charger: &mut TestCharger,
    tag: &str,
    wh: i64,
    start: chrono::DateTime<chrono::Utc>,
) -> i64 {
    let stop = start + chrono::Duration::minutes(30);
    let format = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let started = charger.start(1, tag, 1000, &format(start)).await;
    assert_eq!(started["idTagInfo"]["status"], "Accepted", "{tag}");
    let tx = started["transactionId"].as_i64().unwrap();
    let answer = charger
        .call_ok(
            "StopTransaction",
            json!({"transactionId": tx, "meterStop": 1000 + wh, "timestamp": format(stop), "idTag": tag}),
        )
        .await;
    assert!(answer["idTagInfo"].is_object());
    tx
}

async fn detail(app: &TestApp, tx: i64) -> Value {
    app.get(&format!("/api/v1/operator/transactions/{tx}"))
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_green_card_is_topped_up_once_per_key_and_bad_top_ups_move_nothing() {
    let app = spawn_app().await;
    let (ana, tag) = app.card_holder("ana@example.es", "ANA-CARD", 0).await;
    let (bea, _) = app.card_holder("bea@example.es", "BEA-CARD", 0).await;
    let first = top_up(&app, &ana, &tag, 2000, "k-1").await;
    assert_eq!(first.status(), 201);
    assert_eq!(first.json::<Value>().await.unwrap()["balanceCents"], 2000);
    let again = top_up(&app, &ana, &tag, 2000, "k-1").await;
    assert_eq!(again.status(), 201);
    assert_eq!(
        again.json::<Value>().await.unwrap()["balanceCents"],
        2000,
        "the same key credits nothing more"
    );
    for (cents, key, status) in [
        (3000, "k-1", 409),
        (0, "k-2", 400),
        (-5, "k-3", 400),
        (50_001, "k-4", 400),
        (666, "k-5", 402),
    ] {
        let r = top_up(&app, &ana, &tag, cents, key).await;
        assert_eq!(r.status().as_u16(), status, "{cents} {key}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    assert_eq!(
        top_up(&app, &bea, &tag, 1000, "x").await.status(),
        404,
        "another member's card"
    );
    assert_eq!(
        top_up(&app, &ana, "NO-SUCH-CARD", 1000, "x").await.status(),
        404
    );
    assert_eq!(card(&app, &ana, &tag).await["balanceCents"], 2000);
    app.shutdown().await;
}

#[tokio::test]
async fn a_session_is_settled_once_with_receipt_points_and_nps_invitation() {
    settled_once(spawn_app().await).await;
}

#[tokio::test]
async fn a_session_is_settled_once_on_postgres_too() {
    settled_once(spawn_app_on_postgres().await).await;
}

#[tokio::test]
async fn money_at_the_charger_works_on_postgres_too() {
    at_the_charger(spawn_app_on_postgres().await).await;
}

async fn settled_once(app: TestApp) {
    app.tariff(45, 0, 100).await;
    let (token, tag) = app.card_holder("carla@example.es", "CARLA-CARD", 0).await;
    let mut charger = app.booted_charger("CP-PAY").await;
    let blocked = charger.call_ok("Authorize", json!({"idTag": tag})).await;
    assert_eq!(blocked["idTagInfo"]["status"], "Blocked", "no balance yet");
    assert_eq!(
        top_up(&app, &token, &tag, 5000, "first").await.status(),
        201
    );
    let auth = charger.call_ok("Authorize", json!({"idTag": tag})).await;
    assert_eq!(auth["idTagInfo"]["status"], "Accepted");

    let tx = session(&mut charger, &tag, 20_000, 1).await;
    // The charger lost the answer and retries the stop: nothing moves twice.
    charger
        .call_ok("StopTransaction", json!({"transactionId": tx, "meterStop": 21_000, "timestamp": "2026-11-01T10:30:00Z", "idTag": tag}))
        .await;
    let settled = detail(&app, tx).await;
    assert_eq!(settled["costCents"], 1000, "20 kWh at 45 c plus a 1 € fee");
    assert_eq!(settled["paymentMethod"], "green_card");
    let kinds: Vec<&str> = settled["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["energy", "sessionFee"]);
    let after = card(&app, &token, &tag).await;
    assert_eq!(after["balanceCents"], 4000);
    assert_eq!(after["points"], 10);

    let messages: Value = app.member_json(&token, "/api/v1/me/messages").await;
    let kinds: Vec<&str> = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["nps", "receipt", "welcome"],
        "one receipt, one invitation"
    );
    assert!(
        messages["messages"][1]["body"]
            .as_str()
            .unwrap()
            .contains("Total: 10.00 €")
    );
    let sessions: Value = app.member_json(&token, "/api/v1/me/sessions").await;
    assert_eq!(sessions["sessions"][0]["costCents"], 1000);
    assert_eq!(
        sessions["sessions"][0]["lines"].as_array().unwrap().len(),
        2
    );

    // Charging elsewhere already: ConcurrentTx.
    let started = charger.start(2, &tag, 0, "2026-11-02T10:00:00Z").await;
    assert_eq!(started["idTagInfo"]["status"], "Accepted");
    let again = charger.call_ok("Authorize", json!({"idTag": tag})).await;
    assert_eq!(again["idTagInfo"]["status"], "ConcurrentTx");
    app.shutdown().await;
}

#[tokio::test]
async fn top_ups_and_direct_payments_at_the_charger() {
    at_the_charger(spawn_app().await).await;
}

async fn at_the_charger(app: TestApp) {
    app.tariff(50, 0, 0).await;
    let (token, tag) = app.card_holder("dani@example.es", "DANI-CARD", 0).await;
    let mut charger = app.booted_charger("CP-DT").await;
    let transfer = |message: &str, data: Value| json!({"vendorId": "es.citere", "messageId": message, "data": data.to_string()});
    let topup = transfer(
        "GreenCardTopUp",
        json!({"idTag": tag, "amountCents": 1500, "method": "cash", "reference": "R-1"}),
    );
    let answer = charger.call_ok("DataTransfer", topup.clone()).await;
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(
        serde_json::from_str::<Value>(answer["data"].as_str().unwrap()).unwrap()["balanceCents"],
        1500
    );
    assert_eq!(
        charger.call_ok("DataTransfer", topup).await["status"],
        "Accepted",
        "a retry is answered"
    );
    assert_eq!(
        card(&app, &token, &tag).await["balanceCents"],
        1500,
        "and credits nothing more"
    );
    for bad in [
        transfer(
            "GreenCardTopUp",
            json!({"idTag": "NOBODY", "amountCents": 100, "method": "card", "reference": "R-2"}),
        ),
        transfer(
            "GreenCardTopUp",
            json!({"idTag": tag, "amountCents": -100, "method": "card", "reference": "R-3"}),
        ),
        transfer(
            "GreenCardTopUp",
            json!({"idTag": tag, "amountCents": 100, "method": "bitcoin", "reference": "R-4"}),
        ),
        json!({"vendorId": "es.citere", "messageId": "GreenCardTopUp", "data": "not json"}),
    ] {
        assert_eq!(
            charger.call_ok("DataTransfer", bad.clone()).await["status"],
            "Rejected",
            "{bad}"
        );
    }
    assert_eq!(
        charger
            .call_ok("DataTransfer", transfer("Teleport", json!({})))
            .await["status"],
        "UnknownMessageId"
    );
    assert_eq!(card(&app, &token, &tag).await["balanceCents"], 1500);

    // A bank card at the charger: authorize 20 €, charge 10 kWh (5 €), capture 5 €.
    let pay = transfer(
        "DirectPayment",
        json!({"idTag": "POS-0001", "method": "card", "authorizedCents": 2000, "reference": "P-1"}),
    );
    assert_eq!(
        charger.call_ok("DataTransfer", pay).await["status"],
        "Accepted"
    );
    assert_eq!(
        charger
            .call_ok("Authorize", json!({"idTag": "POS-0001"}))
            .await["idTagInfo"]["status"],
        "Accepted"
    );
    let tx = session(&mut charger, "POS-0001", 10_000, 3).await;
    let paid = detail(&app, tx).await;
    assert_eq!(
        (paid["costCents"].clone(), paid["paymentMethod"].clone()),
        (json!(500), json!("card"))
    );
    assert_eq!(
        charger
            .call_ok("Authorize", json!({"idTag": "POS-0001"}))
            .await["idTagInfo"]["status"],
        "Invalid",
        "one-off"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_session_that_runs_out_of_balance_is_stopped_and_the_overrun_settled_by_the_next_top_up()
{
    let app = spawn_app().await;
    app.tariff(100, 0, 0).await; // 1 € per kWh
    let (token, tag) = app.card_holder("eva@example.es", "EVA-CARD", 0).await;
    assert_eq!(top_up(&app, &token, &tag, 300, "small").await.status(), 201);
    let mut charger = app.booted_charger("CP-OUT").await;
    let started = charger.start(1, &tag, 0, "2026-11-05T10:00:00Z").await;
    let tx = started["transactionId"].as_i64().unwrap();
    let meter = |wh: i64, minute: u32| {
        json!({"connectorId": 1, "transactionId": tx, "meterValue": [{
            "timestamp": format!("2026-11-05T10:{minute:02}:00Z"), "sampledValue": [{"value": wh.to_string()}]}]})
    };
    charger.call_ok("MeterValues", meter(1000, 5)).await;
    // 3.2 kWh would cost 3.20 €, past the 3 € balance: the CSMS stops it.
    charger.call_ok("MeterValues", meter(3200, 10)).await;
    let stop = charger.recv().await.unwrap();
    assert_eq!(
        (stop[0].clone(), stop[2].clone()),
        (json!(2), json!("RemoteStopTransaction"))
    );
    assert_eq!(stop[3]["transactionId"], tx);
    charger
        .send_text(&json!([3, stop[1], {"status": "Accepted"}]).to_string())
        .await;
    charger
        .call_ok(
            "StopTransaction",
            json!({"transactionId": tx, "meterStop": 3400, "timestamp": "2026-11-05T10:11:00Z"}),
        )
        .await;
    assert_eq!(
        card(&app, &token, &tag).await["balanceCents"],
        -40,
        "a 40 cent overrun"
    );
    let topped: Value = top_up(&app, &token, &tag, 1000, "refill")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(topped["balanceCents"], 960, "the overrun is settled first");
    app.shutdown().await;
}

#[tokio::test]
async fn the_best_discount_applies_and_the_receipt_names_it() {
    let db = temp_db();
    let app = spawn_app_with(csms::Config {
        loyalty_every: 2,
        loyalty_percent: 10,
        ..test_config(&db)
    })
    .await;
    app.tariff(100, 0, 0).await;
    let (token, tag) = app.card_holder("fer@example.es", "FER-CARD", 0).await;
    top_up(&app, &token, &tag, 50_000, "big").await;
    let mut charger = app.booted_charger("CP-DISC").await;
    let first = detail(&app, session(&mut charger, &tag, 10_000, 6).await).await;
    assert_eq!(
        (first["costCents"].clone(), first["discountCents"].clone()),
        (json!(1000), json!(0))
    );
    let second = detail(&app, session(&mut charger, &tag, 10_000, 7).await).await;
    assert_eq!(
        second["discountCents"], 100,
        "every 2nd paid session: 10 % off"
    );
    assert!(
        second["discountName"]
            .as_str()
            .unwrap()
            .starts_with("Loyalty")
    );

    let promo = json!({"name": "Black Friday", "campaign": "BF26", "percent": 25,
                       "startsAt": "2026-11-27T00:00:00Z", "endsAt": "2026-11-29T00:00:00Z"});
    assert_eq!(
        app.put("/api/v1/operator/promotions/bf26", &promo)
            .await
            .status(),
        201
    );
    let launch = json!({"name": "Launch", "percent": 50, "startsAt": "2026-11-01T00:00:00Z",
                        "endsAt": "2026-12-01T00:00:00Z", "maxMemberNumber": 1});
    assert_eq!(
        app.put("/api/v1/operator/promotions/launch", &launch)
            .await
            .status(),
        201
    );
    let bad = json!({"name": "X", "percent": 0, "startsAt": "2026-11-01T00:00:00Z", "endsAt": "2026-12-01T00:00:00Z"});
    assert_eq!(
        app.put("/api/v1/operator/promotions/bad", &bad)
            .await
            .status(),
        400
    );
    let listed: Value = app
        .get("/api/v1/operator/promotions")
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = listed["promotions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["launch", "bf26"],
        "by start, and the refused one is not there"
    );
    // Member 1 in Black Friday week: the 50 % launch offer beats 25 %; they do not stack.
    let friday = detail(&app, session(&mut charger, &tag, 10_000, 28).await).await;
    assert_eq!(friday["discountCents"], 500);
    assert_eq!(friday["discountName"], "Launch");
    let messages: Value = app.member_json(&token, "/api/v1/me/messages").await;
    assert!(
        messages["messages"][1]["body"]
            .as_str()
            .unwrap()
            .contains("Launch (-50%)")
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_plan_covers_its_allowance_charges_its_fee_once_and_shows_the_cancellation_fee_first() {
    let app = spawn_app().await;
    app.tariff(40, 0, 0).await;
    let plan = json!({"name": "Gran Rodador", "monthlyFeeCents": 4900, "includedEnergyWh": 30_000, "fairUseWh": 1_000_000,
                      "commitmentMonths": 9, "earlyTerminationFees": [
                          {"fromMonth": 1, "toMonth": 3, "feeCents": 9000},
                          {"fromMonth": 4, "toMonth": 6, "feeCents": 6000},
                          {"fromMonth": 7, "toMonth": 9, "feeCents": 3000}]});
    assert_eq!(
        app.put("/api/v1/operator/plans/rodador", &plan)
            .await
            .status(),
        201
    );
    let catalogue: Value = app
        .http
        .get(app.url("/api/v1/plans"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(catalogue["items"][0]["id"], "rodador", "{catalogue}");
    let (token, tag) = app.card_holder("gil@example.es", "GIL-CARD", 0).await;
    let subscribed = app
        .as_member(&token, Method::POST, "/api/v1/me/plan")
        .json(&json!({"planId": "rodador"}))
        .send()
        .await
        .unwrap();
    assert_eq!(subscribed.status(), 201);
    let twice = app
        .as_member(&token, Method::POST, "/api/v1/me/plan")
        .json(&json!({"planId": "rodador"}))
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 409);

    let mut charger = app.booted_charger("CP-PLAN").await;
    assert_eq!(
        charger.call_ok("Authorize", json!({"idTag": tag})).await["idTagInfo"]["status"],
        "Accepted",
        "the plan covers it"
    );
    // The plan began when it was subscribed, so the session comes after that.
    let start = chrono::Utc::now() + chrono::Duration::minutes(1);
    let covered = detail(&app, session_at(&mut charger, &tag, 20_000, start).await).await;
    assert_eq!(
        (
            covered["costCents"].clone(),
            covered["paymentMethod"].clone()
        ),
        (json!(0), json!("plan"))
    );

    // The fee was charged when the plan began; running the job again this month charges nobody.
    let rerun: Value = app
        .post("/api/v1/operator/billing/plan-fees", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rerun["charged"], 0, "{rerun}");

    let quote: Value = app.member_json(&token, "/api/v1/me/plan").await;
    assert_eq!(quote["terminationFeeCents"], 9000);
    assert_eq!(
        quote["refundCents"], 4900,
        "the first-month guarantee, shown first"
    );
    let unconfirmed = app
        .as_member(&token, Method::POST, "/api/v1/me/plan/cancel")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(unconfirmed.status(), 409);
    assert!(unconfirmed.text().await.unwrap().contains("9000"));
    let cancelled = app
        .as_member(&token, Method::POST, "/api/v1/me/plan/cancel")
        .json(&json!({"acceptFeeCents": 9000}))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);
    let ledger: Value = app
        .get("/api/v1/operator/billing/ledger")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ledger["balanced"], true, "{ledger}");
    assert_eq!(
        ledger["accounts"]["sepa"], -9000,
        "the termination fee; the first month's fee came back under the guarantee"
    );
    assert_eq!(
        ledger["accounts"]["revenue"], 9000,
        "the covered session cost nothing"
    );
    assert_eq!(
        app.as_member(&token, Method::GET, "/api/v1/me/plan")
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    app.shutdown().await;
}

#[tokio::test]
async fn points_are_redeemed_once_a_year_for_a_pack_they_cover() {
    let app = spawn_app().await;
    app.tariff(100, 0, 0).await;
    let pack = json!({"name": "Ruta de la sidra", "description": "A cider tour in Asturias for two", "points": 15});
    assert_eq!(
        app.put("/api/v1/operator/experience-packs/sidra", &pack)
            .await
            .status(),
        201
    );
    let big = json!({"name": "Picos de Europa", "description": "A weekend in the mountains", "points": 5000});
    app.put("/api/v1/operator/experience-packs/picos", &big)
        .await;
    let (token, tag) = app.card_holder("hugo@example.es", "HUGO-CARD", 0).await;
    top_up(&app, &token, &tag, 5000, "t").await;
    let mut charger = app.booted_charger("CP-PTS").await;
    session(&mut charger, &tag, 20_000, 9).await; // 20 € → 20 points
    let redeem = |pack: &str| {
        app.as_member(
            &token,
            Method::POST,
            &format!("/api/v1/me/green-cards/{tag}/redemptions"),
        )
        .json(&json!({"packId": pack}))
        .send()
    };
    assert_eq!(
        redeem("picos").await.unwrap().status(),
        409,
        "not enough points"
    );
    assert_eq!(redeem("nope").await.unwrap().status(), 404);
    let ok = redeem("sidra").await.unwrap();
    assert_eq!(ok.status(), 201);
    assert_eq!(ok.json::<Value>().await.unwrap()["pointsLeft"], 5);
    assert_eq!(
        redeem("sidra").await.unwrap().status(),
        409,
        "once per calendar year"
    );
    assert_eq!(card(&app, &token, &tag).await["points"], 5);
    app.shutdown().await;
}
