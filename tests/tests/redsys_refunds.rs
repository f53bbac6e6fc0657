//! Card top-ups given back through Redsys, end to end against the stand-in's REST interface
//! (tests/src/redsys): a refund debits the Green Card and is confirmed by Redsys's signed
//! answer; asked again it refunds nothing more; refused, the money is back on the card; with
//! Redsys down or its answer lost it stays pending, and asking again never refunds twice.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tests::{
    RunningCsms,
    redsys::{
        RedsysStandIn, RefundMode, csms_paying_through,
        driver::{at_payment_page, card_holder, fields, member},
        test_merchant,
    },
};

/// A top-up of `cents` paid at the stand-in: its order.
async fn paid(
    csms: &RunningCsms,
    standin: &RedsysStandIn,
    token: &str,
    tag: &str,
    cents: i64,
) -> String {
    let body = json!({"amountCents": cents, "idempotencyKey": format!("k{cents}")});
    let path = format!("/me/green-cards/{tag}/top-ups");
    let pending = member(csms, token, Method::POST, &path, Some(body)).await;
    at_payment_page(&standin.url, &fields(&pending), true)
        .await
        .unwrap();
    pending["order"].as_str().unwrap().to_owned()
}

async fn refund(csms: &RunningCsms, order: &str) -> (u16, Value) {
    let r = csms
        .operator(
            Method::POST,
            &format!("/billing/card-payments/{order}/refund"),
        )
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn a_paid_top_up_is_refunded_through_redsys_once() {
    let standin = RedsysStandIn::start(test_merchant()).await;
    let csms = csms_paying_through(&standin).await;
    let (token, tag) = card_holder(&csms, "rosa@citere.es").await;
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
    let first = paid(&csms, &standin, &token, &tag, 2000).await;
    let second = paid(&csms, &standin, &token, &tag, 1500).await;
    let third = paid(&csms, &standin, &token, &tag, 1000).await;
    let fourth = paid(&csms, &standin, &token, &tag, 700).await;
    assert_eq!(balance().await, 5200);

    // Refunded: the card is debited, Redsys gave the money back; asking again moves nothing.
    let (status, body) = refund(&csms, &first).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("Refunded")),
        "{body}"
    );
    assert_eq!(body["amountCents"], 2000);
    assert_eq!(standin.refunded(&first), 2000);
    assert_eq!(balance().await, 3200);
    assert_eq!(refund(&csms, &first).await.0, 200);
    assert_eq!(standin.refunded(&first), 2000);
    assert_eq!(balance().await, 3200);

    // Redsys down: pending, the card stays debited; asked again once it is back: refunded.
    standin.answer_refunds(RefundMode::Unavailable);
    let (status, body) = refund(&csms, &second).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (202, Some("Pending")),
        "{body}"
    );
    assert_eq!(balance().await, 1700);
    standin.answer_refunds(RefundMode::Answer);
    assert_eq!(refund(&csms, &second).await.0, 200);
    assert_eq!(standin.refunded(&second), 1500);
    assert_eq!(balance().await, 1700);

    // Refused: the money is back on the card, and asking again does not ask Redsys.
    standin.answer_refunds(RefundMode::Refuse("SIS0054".into()));
    let (status, body) = refund(&csms, &third).await;
    assert_eq!(status, 502, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("SIS0054"),
        "{body}"
    );
    assert_eq!(balance().await, 1700);
    standin.answer_refunds(RefundMode::Answer);
    assert_eq!(refund(&csms, &third).await.0, 502);
    assert_eq!(standin.refunded(&third), 0);

    // Redsys refunds but its answer is lost: pending; asked again, Redsys refuses to refund
    // more than was paid, and it stays pending: refunded once, never twice.
    standin.answer_refunds(RefundMode::LoseAnswer);
    assert_eq!(refund(&csms, &fourth).await.0, 202);
    standin.answer_refunds(RefundMode::Answer);
    let (status, body) = refund(&csms, &fourth).await;
    assert_eq!(status, 202, "{body}");
    assert!(
        body["response"].as_str().unwrap().contains("SIS0057"),
        "{body}"
    );
    assert_eq!(standin.refunded(&fourth), 700);
    assert_eq!(balance().await, 1000);

    // A payment never collected, and an unknown order: refused (a card that spent its top-up
    // is refused too: csms/src/store/billing/card_refunds_tests.rs).
    let cancelled = member(
        &csms,
        &token,
        Method::POST,
        &format!("/me/green-cards/{tag}/top-ups"),
        Some(json!({"amountCents": 900, "idempotencyKey": "never-paid"})),
    )
    .await;
    at_payment_page(&standin.url, &fields(&cancelled), false)
        .await
        .unwrap();
    assert_eq!(
        refund(&csms, cancelled["order"].as_str().unwrap()).await.0,
        409
    );
    assert_eq!(refund(&csms, "0000NOSUCHOR").await.0, 404);
    assert_eq!(refund(&csms, "../../etc").await.0, 404);
    let refunds = csms
        .client
        .post(format!(
            "{}/api/v1/operator/billing/card-payments/{third}/refund",
            csms.http
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(refunds.status(), 401, "the operator's token is required");

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
