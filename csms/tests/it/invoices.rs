//! Monthly invoices over HTTP: once a month is over, each member who owed something in it gets
//! one invoice (the sessions their Green Card paid, their plan fee), numbered in the one series
//! without gaps, its VAT shown and adding up; issuing again issues nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    LaterClock, TestApp, spawn_app_with, spawn_app_with_clock, temp_db, test_config,
};

async fn invoices(app: &TestApp, token: &str) -> Vec<Value> {
    app.member_json(token, "/api/v1/me/invoices").await["invoices"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_month_is_invoiced_once_per_member_without_gaps_and_with_its_vat() {
    let db = temp_db();
    let app = spawn_app_with(test_config(&db)).await;
    app.tariff(40, 0, 0).await;
    let plan = json!({"name": "Rodador", "monthlyFeeCents": 4900, "includedEnergyWh": 30_000,
        "fairUseWh": 1_000_000, "commitmentMonths": 0, "earlyTerminationFees": []});
    assert!(
        app.put("/api/v1/operator/plans/rodador", &plan)
            .await
            .status()
            .is_success()
    );
    let (_, ana_tag) = app.card_holder("ana@citere.es", "ANA-INV", 5000).await;
    let (luis_first, _) = app.card_holder("luis@citere.es", "LUIS-INV", 0).await;
    let _ = app.card_holder("eva@citere.es", "EVA-INV", 0).await;
    for token in [&luis_first] {
        let r = app
            .as_member(token, Method::POST, "/api/v1/me/plan")
            .json(&json!({"planId": "rodador"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    // Ana, without a plan, charges 10 kWh at 0.40 €/kWh on her card.
    let mut charger = app.booted_charger("CP-INV").await;
    let format = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let start = chrono::Utc::now() - chrono::Duration::minutes(40);
    let started = charger.start(1, &ana_tag, 1000, &format(start)).await;
    let tx = started["transactionId"].as_i64().unwrap();
    let stop = charger
        .call_ok(
            "StopTransaction",
            json!({"transactionId": tx, "meterStop": 11_000, "timestamp": format(start + chrono::Duration::minutes(30)), "idTag": ana_tag}),
        )
        .await;
    assert_eq!(stop["idTagInfo"]["status"], "Accepted", "{stop}");
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let early = app
        .post(
            "/api/v1/operator/billing/invoices",
            &json!({"month": month}),
        )
        .await;
    assert_eq!(early.status(), 400, "the month is not over");
    drop(charger);
    app.shutdown().await;

    // The month is over.
    let app = spawn_app_with_clock(
        test_config(&db),
        std::sync::Arc::new(LaterClock(chrono::Duration::days(40))),
    )
    .await;
    for bad in ["2026-13", "26-11", "2026-1", "now"] {
        let r = app
            .post("/api/v1/operator/billing/invoices", &json!({"month": bad}))
            .await;
        assert_eq!(r.status(), 400, "{bad}");
    }
    // Forty days on, the members log in again (a token lasts thirty).
    let login = |email: &'static str| {
        let app = &app;
        async move { app.login(email, "correct horse battery").await.unwrap() }
    };
    let (ana, luis, nobody) = (
        login("ana@citere.es").await,
        login("luis@citere.es").await,
        login("eva@citere.es").await,
    );
    let issued: Value = app
        .post(
            "/api/v1/operator/billing/invoices",
            &json!({"month": month}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        issued["issued"],
        json!(["F-000001", "F-000002"]),
        "{issued}"
    );
    let again: Value = app
        .post(
            "/api/v1/operator/billing/invoices",
            &json!({"month": month}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["issued"], json!([]), "no number is taken twice");

    let mine = invoices(&app, &ana).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    let invoice = &mine[0];
    assert_eq!(invoice["month"], json!(month));
    assert_eq!(invoice["vatPercent"], 21);
    assert_eq!(invoice["lines"].as_array().unwrap().len(), 1, "{invoice}");
    let total = invoice["totalCents"].as_i64().unwrap();
    assert_eq!(total, 400, "{invoice}");
    assert_eq!(
        invoice["baseCents"].as_i64().unwrap() + invoice["vatCents"].as_i64().unwrap(),
        total
    );
    assert_eq!(invoice["baseCents"], 331, "400 / 1.21");
    let luis_invoices = invoices(&app, &luis).await;
    assert_eq!(luis_invoices.len(), 1);
    assert_eq!(luis_invoices[0]["totalCents"], 4900);
    assert_eq!(luis_invoices[0]["vatCents"], 850);
    assert_ne!(luis_invoices[0]["number"], invoice["number"]);
    assert!(
        invoices(&app, &nobody).await.is_empty(),
        "nothing owed, no invoice"
    );
    let number = invoice["number"].as_str().unwrap();
    the_pdf_says_what_the_invoice_does(&app, &ana, &luis, number).await;
    app.shutdown().await;
}

/// Ana's invoice as a PDF, read back by an independent reader (pypdf, strictly); nobody else
/// gets it.
async fn the_pdf_says_what_the_invoice_does(app: &TestApp, ana: &str, luis: &str, number: &str) {
    let path = format!("/api/v1/me/invoices/{number}/pdf");
    let r = app.as_member(ana, Method::GET, &path).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    for (token, path) in [
        (luis, path.clone()),
        (ana, "/api/v1/me/invoices/F-999999/pdf".to_owned()),
        (ana, "/api/v1/me/invoices/F%27%20OR%201=1/pdf".to_owned()),
    ] {
        let r = app
            .as_member(token, Method::GET, &path)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    let anonymous = app.http.get(app.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    let file = std::env::temp_dir().join(format!("{number}-{}.pdf", std::process::id()));
    std::fs::write(&file, &pdf).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python =
        std::env::var_os("CITERE_PYTHON").map_or_else(|| root.join(".venv/bin/python"), Into::into);
    let out = std::process::Command::new(python)
        .arg(root.join("tests/interop/pdf_text.py"))
        .arg(&file)
        .output()
        .expect("the interop virtualenv's Python (make test creates it)");
    let _ = std::fs::remove_file(&file);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(read["title"], json!(format!("Factura {number}")));
    let text = read["pages"][0].as_str().unwrap();
    for expected in [
        "FACTURA",
        number,
        "CITERE S.A.",
        "Ana García",
        "ana@citere.es",
        "Base imponible",
        "3,31 €",
        "IVA 21 %",
        "0,69 €",
        "4,00 €",
        "página 1 de 1",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in:\n{text}");
    }
}
