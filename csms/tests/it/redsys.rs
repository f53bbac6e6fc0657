//! Card top-ups through Redsys, over HTTP: a top-up is `Pending` with Redsys's signed form
//! until Redsys's notification confirms it, and nothing else credits it: a forged, mis-priced,
//! foreign or replayed notification credits nothing (or nothing more), and the ledger balances.

use base64::Engine;
use csms::billing::redsys::MerchantKey;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with, temp_db, test_config};

/// Redsys's public test key.
const KEY: &str = "sq7HjrUOBfKmC576ILgskD5srU870gJ7";
const MERCHANT: &str = "999008881";

async fn redsys_app() -> TestApp {
    let mut config = test_config(&temp_db());
    config.payments = Some(csms::config::Payments::Redsys);
    config.redsys = csms::config::redsys::RedsysArgs {
        url: "https://sis-t.redsys.es:25443/sis/realizarPago".into(),
        merchant_code: Some(MERCHANT.into()),
        terminal: "1".into(),
        key: Some(KEY.into()),
        rest_url: None,
        notification_url: Some(
            "https://csms.citere.es/api/v1/payments/redsys/notifications".into(),
        ),
        url_ok: Some("https://citere.es/pago-ok".into()),
        url_ko: Some("https://citere.es/pago-ko".into()),
    };
    spawn_app_with(config).await
}

/// A notification as Redsys signs it with `key`: (status, body).
async fn notify(app: &TestApp, key: &str, fields: Value) -> (u16, Value) {
    let parameters = base64::engine::general_purpose::URL_SAFE.encode(fields.to_string());
    let order = fields["Ds_Order"].as_str().unwrap();
    let signature = MerchantKey::from_base64(key)
        .unwrap()
        .sign(order, &parameters)
        .replace('+', "-")
        .replace('/', "_");
    let r = app
        .http
        .post(app.url("/api/v1/payments/redsys/notifications"))
        .form(&[
            ("Ds_SignatureVersion", "HMAC_SHA256_V1"),
            ("Ds_MerchantParameters", parameters.as_str()),
            ("Ds_Signature", signature.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn outcome(order: &str, amount: i64, response: &str) -> Value {
    json!({"Ds_Date": "02%2F12%2F2026", "Ds_Hour": "10%3A00", "Ds_Amount": amount.to_string(),
        "Ds_Currency": "978", "Ds_Order": order, "Ds_MerchantCode": MERCHANT, "Ds_Terminal": "001",
        "Ds_Response": response, "Ds_TransactionType": "0", "Ds_SecurePayment": "1",
        "Ds_AuthorisationCode": "412233", "Ds_MerchantData": ""})
}

async fn top_up(app: &TestApp, token: &str, tag: &str, cents: i64, key: &str) -> (u16, Value) {
    let r = app
        .as_member(
            token,
            Method::POST,
            &format!("/api/v1/me/green-cards/{tag}/top-ups"),
        )
        .json(&json!({"amountCents": cents, "idempotencyKey": key}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn balance(app: &TestApp, token: &str, tag: &str) -> i64 {
    app.member_json(token, &format!("/api/v1/me/green-cards/{tag}"))
        .await["balanceCents"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_card_top_up_is_credited_once_and_only_on_redsys_signed_word() {
    let app = redsys_app().await;
    let (token, tag) = app.card_holder("ana@citere.es", "GC-REDSYS-1", 0).await;

    let (status, pending) = top_up(&app, &token, &tag, 2500, "k1").await;
    assert_eq!(status, 202, "{pending}");
    assert_eq!(pending["status"], "Pending");
    let order = pending["order"].as_str().unwrap().to_owned();
    let form = &pending["redirect"];
    assert_eq!(
        form["url"],
        "https://sis-t.redsys.es:25443/sis/realizarPago"
    );
    assert_eq!(form["fields"]["Ds_SignatureVersion"], "HMAC_SHA256_V1");
    let sent: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(form["fields"]["Ds_MerchantParameters"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (
            sent["DS_MERCHANT_ORDER"].clone(),
            sent["DS_MERCHANT_AMOUNT"].clone()
        ),
        (json!(order), json!("2500"))
    );
    assert_eq!(
        balance(&app, &token, &tag).await,
        0,
        "nothing before Redsys says so"
    );
    // The same key finds the same order; another amount under it is refused.
    let (status, again) = top_up(&app, &token, &tag, 2500, "k1").await;
    assert_eq!((status, again["order"].clone()), (202, json!(order)));
    assert_eq!(top_up(&app, &token, &tag, 3000, "k1").await.0, 409);

    // Forged (another key), mis-priced, for an order that is not ours, for another merchant:
    // nothing credited.
    let forged = notify(
        &app,
        "Mk9m98IfEblmPfrpsawt7BmxObt98Jev",
        outcome(&order, 2500, "0000"),
    )
    .await;
    assert_eq!(forged.0, 400, "{}", forged.1);
    assert_eq!(
        notify(&app, KEY, outcome(&order, 250_000, "0000")).await.0,
        409
    );
    assert_eq!(
        notify(&app, KEY, outcome("9999ZZZZZZZZ", 2500, "0000"))
            .await
            .0,
        404
    );
    let mut foreign = outcome(&order, 2500, "0000");
    foreign["Ds_MerchantCode"] = json!("999008882");
    assert_eq!(notify(&app, KEY, foreign).await.0, 400);
    assert_eq!(balance(&app, &token, &tag).await, 0);
    let mine = app
        .member_json(&token, &format!("/api/v1/me/top-ups/{order}"))
        .await;
    assert_eq!(mine["status"], "Pending", "{mine}");

    // A second top-up, declined: Failed, nothing credited.
    let (_, declined) = top_up(&app, &token, &tag, 1000, "k2").await;
    let declined_order = declined["order"].as_str().unwrap().to_owned();
    let (status, body) = notify(&app, KEY, outcome(&declined_order, 1000, "0190")).await;
    assert_eq!((status, body["status"].clone()), (200, json!("Failed")));

    // Redsys's word: credited once, however often it is said.
    for _ in 0..3 {
        let (status, body) = notify(&app, KEY, outcome(&order, 2500, "0000")).await;
        assert_eq!(
            (status, body["status"].clone()),
            (200, json!("Paid")),
            "{body}"
        );
    }
    assert_eq!(balance(&app, &token, &tag).await, 2500);
    let mine = app
        .member_json(&token, &format!("/api/v1/me/top-ups/{order}"))
        .await;
    assert_eq!(mine["status"], "Paid");
    assert!(mine.get("redirect").is_none(), "{mine}");
    // The same key after payment still names that order, and credits nothing more.
    let (status, after) = top_up(&app, &token, &tag, 2500, "k1").await;
    assert_eq!((status, after["status"].clone()), (202, json!("Paid")));
    assert_eq!(balance(&app, &token, &tag).await, 2500);

    // Another member does not see it; the ledger balances.
    let (other, _) = app.card_holder("luis@citere.es", "GC-REDSYS-2", 0).await;
    let r = app
        .as_member(&other, Method::GET, &format!("/api/v1/me/top-ups/{order}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let audit: Value = app
        .get("/api/v1/operator/billing/ledger")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["balanced"], true, "{audit}");
    assert_eq!(audit["accounts"]["psp"], -2500, "{audit}");
    app.shutdown().await;
}

#[tokio::test]
async fn notifications_need_a_form_and_a_redsys_merchant() {
    let app = redsys_app().await;
    let r = app
        .http
        .post(app.url("/api/v1/payments/redsys/notifications"))
        .json(&json!({"Ds_SignatureVersion": "HMAC_SHA256_V1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = app
        .http
        .post(app.url("/api/v1/payments/redsys/notifications"))
        .form(&[("Ds_SignatureVersion", "HMAC_SHA256_V1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    app.shutdown().await;

    // Under the test gateway there is no Redsys to believe.
    let app = spawn_app_with(test_config(&temp_db())).await;
    let (status, _) = notify(&app, KEY, outcome("1234ABCDEFGH", 100, "0000")).await;
    assert_eq!(status, 404);
    app.shutdown().await;
}

#[tokio::test]
async fn redsys_without_its_merchant_settings_does_not_start() {
    let mut config = test_config(&temp_db());
    config.payments = Some(csms::config::Payments::Redsys);
    let refused = csms::App::build(config.clone()).await.err().unwrap();
    assert!(
        format!("{refused:#}").contains("--redsys-merchant-code"),
        "{refused:#}"
    );
    config.redsys.merchant_code = Some(MERCHANT.into());
    config.redsys.key = Some("c2hvcnQ=".into());
    config.redsys.notification_url = Some("https://csms.citere.es/n".into());
    let refused = csms::App::build(config.clone()).await.err().unwrap();
    assert!(format!("{refused:#}").contains("24 bytes"), "{refused:#}");
    // Redsys's public test key only with its test environment, and https:// off this machine.
    config.redsys.key = Some(KEY.into());
    let refused = csms::App::build(config.clone()).await.err().unwrap();
    assert!(
        format!("{refused:#}").contains("public test key"),
        "{refused:#}"
    );
    config.redsys.url = "https://sis-t.redsys.es:25443/sis/realizarPago".into();
    config.redsys.notification_url = Some("http://csms.citere.es/n".into());
    let refused = csms::App::build(config.clone()).await.err().unwrap();
    assert!(format!("{refused:#}").contains("https://"), "{refused:#}");
    assert!(
        !format!("{:?}", config.redsys).contains(KEY),
        "the key never prints"
    );
}

#[tokio::test]
async fn a_member_leaves_only_so_many_payments_unfinished() {
    let app = redsys_app().await;
    let (token, tag) = app.card_holder("eva@citere.es", "GC-REDSYS-3", 0).await;
    for n in 0..10 {
        assert_eq!(
            top_up(&app, &token, &tag, 100, &format!("k{n}")).await.0,
            202
        );
    }
    let (status, _) = top_up(&app, &token, &tag, 100, "k10").await;
    assert_eq!(status, 429);
    // A retry of an open one still finds it.
    assert_eq!(top_up(&app, &token, &tag, 100, "k3").await.0, 202);
    app.shutdown().await;
}
