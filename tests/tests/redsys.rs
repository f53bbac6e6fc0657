//! A top-up through Redsys end to end, against a stand-in of Redsys's payment page that checks
//! what we send as strictly as Redsys does (tests/src/redsys.rs): the driver's browser posts
//! our signed form to it, pays (or cancels), it notifies the CSMS and sends the browser back;
//! only its notification credits the card. A form altered on the way is refused by it.

use std::time::Duration;

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use tests::redsys::{
    RedsysStandIn, csms_paying_through,
    driver::{at_payment_page, card_holder, fields, member},
    test_merchant,
};

#[tokio::test]
async fn a_top_up_is_paid_at_redsys_and_credited_on_its_notification() {
    let standin = RedsysStandIn::start(test_merchant()).await;
    let csms = csms_paying_through(&standin).await;
    let (token, tag) = card_holder(&csms, "ana@citere.es").await;
    let top_up_path = format!("/me/green-cards/{tag}/top-ups");
    let top_up = |cents: i64, key: &str| {
        let body = json!({"amountCents": cents, "idempotencyKey": key});
        member(&csms, &token, Method::POST, &top_up_path, Some(body))
    };
    let balance = || async {
        member(
            &csms,
            &token,
            Method::GET,
            &format!("/me/green-cards/{tag}"),
            None,
        )
        .await["balanceCents"]
            .as_i64()
            .unwrap()
    };

    // Paid: the browser comes back to the page, the card is credited by the notification.
    let pending = top_up(2000, "k1").await;
    assert_eq!(pending["status"], "Pending", "{pending}");
    assert_eq!(pending["redirect"]["url"], json!(standin.url));
    let back = at_payment_page(&standin.url, &fields(&pending), true)
        .await
        .unwrap();
    assert!(back.ends_with("/#cuenta"), "{back}");
    assert_eq!(standin.notified(), vec![200], "{:?}", standin.refusals());
    assert_eq!(balance().await, 2000);
    let order = pending["order"].as_str().unwrap();
    let payment = member(
        &csms,
        &token,
        Method::GET,
        &format!("/me/top-ups/{order}"),
        None,
    )
    .await;
    assert_eq!(payment["status"], "Paid");

    // The same form again: Redsys refuses a repeated order; nothing more is credited.
    assert!(
        at_payment_page(&standin.url, &fields(&pending), true)
            .await
            .unwrap_err()
            .starts_with("SIS0051")
    );
    // A form altered on the way (a larger amount, the signature kept) is refused by Redsys.
    let mut altered = fields(&top_up(1000, "k2").await);
    for (name, value) in &mut altered {
        if name == "Ds_MerchantParameters" {
            let engine = base64::engine::general_purpose::STANDARD;
            let json = String::from_utf8(engine.decode(&*value).unwrap()).unwrap();
            *value = engine.encode(json.replace("\"1000\"", "\"100000\""));
        }
    }
    assert!(
        at_payment_page(&standin.url, &altered, true)
            .await
            .unwrap_err()
            .starts_with("SIS0042")
    );

    // Cancelled at Redsys: Failed, nothing credited.
    let cancelled = top_up(5000, "k3").await;
    at_payment_page(&standin.url, &fields(&cancelled), false)
        .await
        .unwrap();
    let order = cancelled["order"].as_str().unwrap();
    let payment = member(
        &csms,
        &token,
        Method::GET,
        &format!("/me/top-ups/{order}"),
        None,
    )
    .await;
    assert_eq!(payment["status"], "Failed");
    assert_eq!(balance().await, 2000);
    assert_eq!(standin.notified(), vec![200, 200]);

    let audit: Value = csms
        .operator(Method::GET, "/billing/ledger")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["balanced"], true, "{audit}");
    tokio::time::timeout(Duration::from_secs(10), csms.stop())
        .await
        .unwrap();
    standin.stop().await;
}
