//! The SEPA files of plan fees against the official ISO 20022 schemas (the XSDs the `sepaxml`
//! package ships, checked by the independent `xmlschema` library): the pain.008 debits and the
//! pain.001 credit transfers of the first-month guarantee are what a bank's validator accepts.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use tests::{RunningCsms, interop_script, python};

async fn subscriber(csms: &RunningCsms, email: &str, name: &str) -> String {
    let http = &csms.client;
    let token = tests::redsys::driver::signed_up(csms, email, name).await;
    let r = http
        .post(format!("{}/api/v1/me/plan", csms.http))
        .bearer_auth(&token)
        .json(&json!({"planId": "rodador"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    token
}

/// Exports a batch of debits and validates it; returns the document.
async fn valid_batch(csms: &RunningCsms, dir: &std::path::Path, n: usize) -> String {
    let date = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    let body = json!({"collectionDate": date});
    let file = dir.join(format!("batch-{n}.xml"));
    valid(
        csms,
        "/billing/sepa/batches",
        body,
        "pain.008.001.02",
        &file,
    )
    .await
}

/// Posts `body` to `path`, validates the document it answers against `schema`, returns it.
async fn valid(
    csms: &RunningCsms,
    path: &str,
    body: serde_json::Value,
    schema: &str,
    file: &std::path::Path,
) -> String {
    let r = csms
        .operator(Method::POST, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let xml = r.text().await.unwrap();
    std::fs::write(file, &xml).unwrap();
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(python())
            .arg(interop_script("validate_xsd.py"))
            .arg(schema)
            .arg(file)
            .output(),
    )
    .await
    .unwrap()
    .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.trim() == "valid",
        "{said}\n{xml}"
    );
    xml
}

#[tokio::test]
async fn the_exported_batch_is_valid_pain_008() {
    let csms = RunningCsms::start_with(|c| {
        c.sepa = csms::config::sepa::SepaArgs {
            creditor_id: Some("ES12ZZZA28000000".into()),
            creditor_name: "CITERE S.A. <Gijón> & Co".into(),
            creditor_iban: Some("ES7921000813610123456789".into()),
            creditor_bic: Some("CAIXESBBXXX".into()),
        };
    })
    .await;
    let plan = json!({"name": "Gran Rodador", "monthlyFeeCents": 4950, "includedEnergyWh": 30_000,
        "fairUseWh": 1_000_000, "commitmentMonths": 0, "earlyTerminationFees": []});
    let r = csms
        .operator(Method::PUT, "/plans/rodador")
        .json(&plan)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let dir = std::env::temp_dir().join(format!("csms-sepa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let ana = subscriber(&csms, "ana@citere.es", "Ana García-Öst").await;
    let first = valid_batch(&csms, &dir, 1).await;
    assert!(
        first.contains("<SeqTp>FRST</SeqTp>") && first.contains("49.50"),
        "{first}"
    );
    assert!(
        first.contains("CITERE S.A. Gijon Co") && first.contains("Ana Garcia-Ost"),
        "names in the SEPA character set: {first}"
    );

    // Luis subscribes: the next batch holds only his debit, valid too.
    subscriber(&csms, "luis@citere.es", "Luis").await;
    let second = valid_batch(&csms, &dir, 2).await;
    assert_eq!(second.matches("<DrctDbtTxInf>").count(), 1, "{second}");

    // Ana leaves in her first month: her fee comes back by a credit transfer, valid pain.001.
    let quote = csms
        .client
        .get(format!("{}/api/v1/me/plan", csms.http))
        .bearer_auth(&ana)
        .send()
        .await
        .unwrap();
    let fee = quote.json::<serde_json::Value>().await.unwrap()["terminationFeeCents"].clone();
    let r = csms
        .client
        .post(format!("{}/api/v1/me/plan/cancel", csms.http))
        .bearer_auth(&ana)
        .json(&json!({"acceptFeeCents": fee}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["refundCents"],
        4950
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let refunds = valid(
        &csms,
        "/billing/sepa/refunds",
        json!({"executionDate": today}),
        "pain.001.001.03",
        &dir.join("refunds.xml"),
    )
    .await;
    assert!(
        refunds.contains("<CdtTrfTxInf>") && refunds.contains("49.50"),
        "{refunds}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    csms.stop().await;
}
