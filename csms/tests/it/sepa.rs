//! Plan fees collected by SEPA direct debit, over HTTP: each fee is one pending debit under the
//! member's mandate, exported once in a pain.008 batch; the bank's pain.002 rejections book the
//! fee back and suspend the plan, once, however often the report is imported; the ledger
//! balances throughout.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    LaterClock, TestApp, spawn_app_with, spawn_app_with_clock, temp_db, test_config,
};

/// On `db`, its clock `later` ahead of the real one when given.
async fn sepa_app_on(db: &std::path::Path, later: Option<chrono::Duration>) -> TestApp {
    let mut config = test_config(db);
    config.sepa = csms::config::sepa::SepaArgs {
        creditor_id: Some("ES12ZZZA28000000".into()),
        creditor_name: "CITERE S.A.".into(),
        creditor_iban: Some("ES79 2100 0813 6101 2345 6789".into()),
        creditor_bic: None,
    };
    match later {
        None => spawn_app_with(config).await,
        Some(by) => spawn_app_with_clock(config, std::sync::Arc::new(LaterClock(by))).await,
    }
}

async fn subscriber(app: &TestApp, email: &str, tag: &str) -> String {
    let (token, _) = app.card_holder(email, tag, 0).await;
    let r = app
        .as_member(&token, Method::POST, "/api/v1/me/plan")
        .json(&json!({"planId": "rodador"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    token
}

fn tomorrow() -> String {
    (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string()
}

async fn export(app: &TestApp, date: &str) -> reqwest::Response {
    app.post(
        "/api/v1/operator/billing/sepa/batches",
        &json!({"collectionDate": date}),
    )
    .await
}

async fn import(app: &TestApp, xml: String) -> (u16, Value) {
    let r = app
        .http
        .post(app.url("/api/v1/operator/billing/sepa/returns"))
        .bearer_auth(crate::helpers::TOKEN)
        .header("content-type", "application/xml")
        .body(xml)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn report(rejected: &[(&str, &str)]) -> String {
    let txs: String = rejected
        .iter()
        .map(|(id, reason)| {
            format!(
                "<TxInfAndSts><OrgnlEndToEndId>{id}</OrgnlEndToEndId><TxSts>RJCT</TxSts>\
                 <StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn></StsRsnInf></TxInfAndSts>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.002.001.03\">\
         <CstmrPmtStsRpt><GrpHdr><MsgId>BANK-1</MsgId><CreDtTm>2026-12-12T09:00:00</CreDtTm></GrpHdr>\
         <OrgnlPmtInfAndSts><OrgnlPmtInfId>X</OrgnlPmtInfId>{txs}</OrgnlPmtInfAndSts>\
         </CstmrPmtStsRpt></Document>"
    )
}

#[tokio::test]
async fn fees_go_to_the_bank_once_and_a_returned_debit_is_booked_back_and_suspends_the_plan() {
    let db = temp_db();
    let app = sepa_app_on(&db, None).await;
    let plan = json!({"name": "Gran Rodador", "monthlyFeeCents": 4900, "includedEnergyWh": 30_000,
        "fairUseWh": 1_000_000, "commitmentMonths": 0, "earlyTerminationFees": []});
    assert!(
        app.put("/api/v1/operator/plans/rodador", &plan)
            .await
            .status()
            .is_success()
    );
    let ana = subscriber(&app, "ana@citere.es", "ANA-CARD").await;
    let luis = subscriber(&app, "luis@citere.es", "LUIS-CARD").await;

    assert_eq!(
        export(&app, "2020-01-01").await.status(),
        400,
        "a past date"
    );
    let batch = export(&app, &tomorrow()).await;
    assert_eq!(batch.status(), 201);
    let batch_id = batch.headers()["x-batch-id"].to_str().unwrap().to_owned();
    assert_eq!(batch.headers()["x-debits"], "2");
    assert_eq!(batch.headers()["x-total-cents"], "9800");
    let xml = batch.text().await.unwrap();
    assert!(
        xml.contains("urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"),
        "{xml}"
    );
    assert!(xml.contains("<SeqTp>FRST</SeqTp>"), "{xml}");
    assert!(
        xml.contains("<InstdAmt Ccy=\"EUR\">49.00</InstdAmt>"),
        "{xml}"
    );
    assert!(
        xml.contains("<IBAN>ES9121000418450200051332</IBAN>"),
        "{xml}"
    );
    assert!(xml.contains("<MndtId>CITERE-M"), "{xml}");
    let ids: Vec<&str> = xml
        .split("<EndToEndId>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{xml}");
    // Nothing is sent twice; the document can be fetched again.
    assert_eq!(export(&app, &tomorrow()).await.status(), 204);
    let again = app
        .get(&format!("/api/v1/operator/billing/sepa/batches/{batch_id}"))
        .await;
    assert_eq!(again.text().await.unwrap(), xml);

    // The bank rejects Ana's debit: booked back, her plan suspended; once.
    let ana_debit = ids[0];
    let (status, done) = import(
        &app,
        report(&[(ana_debit, "AC04"), ("FEE-999-209901", "MD01")]),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["returned"], 1);
    assert_eq!(done["unknown"], json!(["FEE-999-209901"]));
    let (_, again) = import(&app, report(&[(ana_debit, "AC04")])).await;
    assert_eq!(
        (again["returned"].clone(), again["alreadyReturned"].clone()),
        (json!(0), json!(1))
    );
    let plans = [
        app.member_json(&ana, "/api/v1/me/plan").await,
        app.member_json(&luis, "/api/v1/me/plan").await,
    ];
    assert_eq!(
        plans
            .iter()
            .filter(|p| p["suspendedAt"].is_string())
            .count(),
        1,
        "{plans:?}"
    );

    // A member whose debit came back gets no fresh allowance by leaving and coming back.
    let suspended = if plans[0]["suspendedAt"].is_string() {
        &ana
    } else {
        &luis
    };
    let quote = app.member_json(suspended, "/api/v1/me/plan").await;
    let cancel = app
        .as_member(suspended, Method::POST, "/api/v1/me/plan/cancel")
        .json(&json!({"acceptFeeCents": quote["terminationFeeCents"]}))
        .send()
        .await
        .unwrap();
    assert!(
        cancel.status().is_success(),
        "{}",
        cancel.text().await.unwrap()
    );
    let back = app
        .as_member(suspended, Method::POST, "/api/v1/me/plan")
        .json(&json!({"planId": "rodador"}))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 409);

    let audit: Value = app
        .get("/api/v1/operator/billing/ledger")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["balanced"], true, "{audit}");
    assert_eq!(
        audit["accounts"]["sepa"], -4900,
        "one fee still owed by the bank: {audit}"
    );

    let (status, _) = import(&app, "<Document/>".into()).await;
    assert_eq!(status, 400);
    let r = app
        .http
        .post(app.url("/api/v1/operator/billing/sepa/returns"))
        .bearer_auth(crate::helpers::TOKEN)
        .body("<x/>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    app.shutdown().await;

    // A month on: Luis's fee is due again, a recurring debit under the same mandate; Ana's
    // suspended plan owes nothing.
    let app = sepa_app_on(&db, Some(chrono::Duration::days(32))).await;
    let fees = app
        .post("/api/v1/operator/billing/plan-fees", &json!({}))
        .await;
    assert!(fees.status().is_success(), "{}", fees.text().await.unwrap());
    let batch = export(
        &app,
        &(chrono::Utc::now() + chrono::Duration::days(34))
            .format("%Y-%m-%d")
            .to_string(),
    )
    .await;
    assert_eq!(batch.status(), 201);
    let xml = batch.text().await.unwrap();
    assert_eq!(xml.matches("<DrctDbtTxInf>").count(), 1, "{xml}");
    assert!(
        xml.contains("<SeqTp>RCUR</SeqTp>") && !xml.contains("FRST"),
        "{xml}"
    );
    // The bank rejects that whole file: its debit is booked back.
    let msg_id = xml
        .split("<MsgId>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let rejected = format!(
        "<Document><CstmrPmtStsRpt><OrgnlGrpInfAndSts><OrgnlMsgId>{msg_id}</OrgnlMsgId>\
         <GrpSts>RJCT</GrpSts></OrgnlGrpInfAndSts></CstmrPmtStsRpt></Document>"
    );
    let (status, done) = import(&app, rejected).await;
    assert_eq!(
        (status, done["returned"].clone()),
        (200, json!(1)),
        "{done}"
    );
    let audit: Value = app
        .get("/api/v1/operator/billing/ledger")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["balanced"], true, "{audit}");
    app.shutdown().await;
}

#[tokio::test]
async fn without_a_creditor_there_is_no_batch() {
    let app = crate::helpers::spawn_app().await;
    assert_eq!(export(&app, &tomorrow()).await.status(), 409);
    app.shutdown().await;
}

#[tokio::test]
async fn the_first_month_fee_comes_back_by_the_means_that_collected_it() {
    let app = sepa_app_on(&temp_db(), None).await;
    let plan = json!({"name": "Rodador", "monthlyFeeCents": 4900, "includedEnergyWh": 30_000,
        "fairUseWh": 1_000_000, "commitmentMonths": 0, "earlyTerminationFees": []});
    assert!(
        app.put("/api/v1/operator/plans/rodador", &plan)
            .await
            .status()
            .is_success()
    );
    let cancel = |token: String| {
        let app = &app;
        async move {
            let quote = app.member_json(&token, "/api/v1/me/plan").await;
            let r = app
                .as_member(&token, Method::POST, "/api/v1/me/plan/cancel")
                .json(&json!({"acceptFeeCents": quote["terminationFeeCents"]}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            (quote, r.json::<Value>().await.unwrap())
        }
    };

    // Ana leaves before her fee went to the bank: the debit is simply not sent.
    let ana = subscriber(&app, "ana@citere.es", "ANA-CARD").await;
    let (quote, cancelled) = cancel(ana).await;
    assert_eq!(
        quote["refundCents"], 4900,
        "shown before she confirms: {quote}"
    );
    assert_eq!(cancelled["refundCents"], 4900);
    assert_eq!(
        export(&app, &tomorrow()).await.status(),
        204,
        "nothing to collect"
    );

    // Luis leaves after his fee went to the bank: it comes back by credit transfer.
    let luis = subscriber(&app, "luis@citere.es", "LUIS-CARD").await;
    assert_eq!(export(&app, &tomorrow()).await.status(), 201);
    let (_, cancelled) = cancel(luis).await;
    assert_eq!(cancelled["refundCents"], 4900);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let refunds = app
        .post(
            "/api/v1/operator/billing/sepa/refunds",
            &json!({"executionDate": today}),
        )
        .await;
    assert_eq!(refunds.status(), 201);
    let xml = refunds.text().await.unwrap();
    assert!(
        xml.contains("urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"),
        "{xml}"
    );
    assert!(xml.contains("<EndToEndId>RFND-FEE-"), "{xml}");
    assert!(
        xml.contains("<InstdAmt Ccy=\"EUR\">49.00</InstdAmt>"),
        "{xml}"
    );
    assert!(
        xml.contains("<IBAN>ES9121000418450200051332</IBAN>"),
        "{xml}"
    );
    let again = app
        .post(
            "/api/v1/operator/billing/sepa/refunds",
            &json!({"executionDate": today}),
        )
        .await;
    assert_eq!(again.status(), 204, "refunded once");

    let audit: Value = app
        .get("/api/v1/operator/billing/ledger")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["balanced"], true, "{audit}");
    assert_eq!(
        audit["accounts"]["revenue"], 0,
        "both fees given back: {audit}"
    );
    app.shutdown().await;
}
