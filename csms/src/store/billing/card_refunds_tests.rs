//! A card refund in the database: only a paid order, only while its card holds the money,
//! once; Redsys's refusal of the first request puts the money back, an inconclusive answer
//! leaves it pending, and the ledger balances throughout.

use chrono::Utc;

use crate::{
    domain::IdTag,
    money::{
        TransferKind,
        accounts::{Account, Network, Transfer, Unit},
    },
    store::billing::{
        card_payments::{self, CardPayment, PaymentStatus},
        card_refunds::{self, Answer, Begun, RefundStatus},
        ledger,
    },
    testkit::Kit,
};

async fn paid_order(kit: &Kit, order: &str, tag: &str, cents: i64) {
    let member = kit
        .member_with_card(&format!("{order}@citere.es"), tag, false)
        .await;
    let now = Utc::now();
    let payment = CardPayment {
        order: order.into(),
        idempotency_key: format!("key-{order}"),
        member,
        tag: IdTag::parse(tag).unwrap(),
        amount_cents: cents,
        status: PaymentStatus::Pending,
        response: None,
        created_at: now,
        updated_at: now,
    };
    kit.store.open_card_payment(&payment).await.unwrap();
    let order = order.to_owned();
    kit.committer
        .run(move |conn| {
            Box::pin(async move {
                card_payments::settle(conn, &order, cents, true, "0000", Utc::now()).await
            })
        })
        .await
        .unwrap();
}

async fn begin(kit: &Kit, order: &str) -> Begun {
    let order = order.to_owned();
    kit.committer
        .run(move |conn| {
            Box::pin(async move { card_refunds::begin(conn, &order, Utc::now()).await })
        })
        .await
        .unwrap()
}

async fn finish(kit: &Kit, order: &str, answer: Answer) -> RefundStatus {
    let order = order.to_owned();
    kit.committer
        .run(move |conn| {
            Box::pin(async move { card_refunds::finish(conn, &order, &answer, Utc::now()).await })
        })
        .await
        .unwrap()
        .unwrap()
        .status
}

async fn balance(kit: &Kit, tag: &str) -> i64 {
    let tag = IdTag::parse(tag).unwrap();
    kit.committer
        .run(move |conn| Box::pin(async move { ledger::balance(conn, Account::Card(&tag)).await }))
        .await
        .unwrap()
}

async fn balanced(kit: &Kit) -> bool {
    kit.store.audit_ledger().await.unwrap().0.is_none()
}

#[tokio::test]
async fn a_refund_takes_the_whole_payment_off_its_card_once_and_a_refusal_puts_it_back() {
    let kit = Kit::new().await;
    paid_order(&kit, "1234ABCD", "GC-REFUND-1", 2000).await;
    assert_eq!(begin(&kit, "NOSUCH01").await, Begun::UnknownOrder);

    let Begun::Started(refund) = begin(&kit, "1234ABCD").await else {
        panic!("a paid order on a funded card is refunded");
    };
    assert_eq!(refund.status, RefundStatus::Pending);
    assert_eq!(balance(&kit, "GC-REFUND-1").await, 0);
    // An inconclusive answer keeps it pending; a refusal of the first request gives the money back.
    let inconclusive = Answer::Inconclusive("HTTP 503".into());
    assert_eq!(
        finish(&kit, "1234ABCD", inconclusive).await,
        RefundStatus::Pending
    );
    assert_eq!(balance(&kit, "GC-REFUND-1").await, 0);
    let refused = Answer::Refused("SIS0054".into());
    assert_eq!(
        finish(&kit, "1234ABCD", refused.clone()).await,
        RefundStatus::Failed
    );
    assert_eq!(balance(&kit, "GC-REFUND-1").await, 2000);
    // Asked again once it ended: where it stands. Told twice, or told it went through after
    // all: an ended refund does not move again.
    assert!(
        matches!(begin(&kit, "1234ABCD").await, Begun::Known(r) if r.status == RefundStatus::Failed)
    );
    assert_eq!(
        finish(&kit, "1234ABCD", refused).await,
        RefundStatus::Failed
    );
    let late = Answer::Refunded("0900".into());
    assert_eq!(finish(&kit, "1234ABCD", late).await, RefundStatus::Failed);
    assert_eq!(balance(&kit, "GC-REFUND-1").await, 2000);
    assert!(balanced(&kit).await);
    kit.close().await;
}

#[tokio::test]
async fn a_card_that_spent_its_top_up_cannot_give_it_back() {
    let kit = Kit::new().await;
    paid_order(&kit, "5678EFGH", "GC-REFUND-2", 2000).await;
    let tag = IdTag::parse("GC-REFUND-2").unwrap();
    kit.committer
        .run(move |conn| {
            Box::pin(async move {
                let spent = Transfer {
                    reference: "settle:test:1",
                    kind: TransferKind::Settlement,
                    unit: Unit::Cents,
                    from: Account::Card(&tag),
                    to: Network::Revenue.into(),
                    amount: 500,
                };
                ledger::transfer(conn, &spent, Utc::now()).await
            })
        })
        .await
        .unwrap();
    assert!(matches!(
        begin(&kit, "5678EFGH").await,
        Begun::Short { balance: 1500, .. }
    ));
    assert_eq!(balance(&kit, "GC-REFUND-2").await, 1500);
    // Nothing was marked: the order can still be refunded once the card holds the money.
    kit.fund("GC-REFUND-2", 500).await;
    assert!(matches!(begin(&kit, "5678EFGH").await, Begun::Started(_)));
    let done = Answer::Refunded("0900".into());
    assert_eq!(finish(&kit, "5678EFGH", done).await, RefundStatus::Refunded);
    assert_eq!(balance(&kit, "GC-REFUND-2").await, 0);
    assert!(balanced(&kit).await);
    kit.close().await;
}

#[tokio::test]
async fn a_refusal_after_a_second_request_puts_nothing_back_and_a_running_session_blocks_it() {
    let kit = Kit::new().await;
    paid_order(&kit, "4321ZYXW", "GC-REFUND-3", 1000).await;
    kit.committer
        .run(|conn| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO transactions (charge_point_id, connector_id, id_tag, auth_status, \
                     meter_start, started_at_ms, created_at_ms, started_trusted) \
                     VALUES ('CP-1', 1, 'GC-REFUND-3', 'Accepted', 0, 1, 1, 1)",
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    assert!(matches!(begin(&kit, "4321ZYXW").await, Begun::Charging(_)));
    kit.committer
        .run(|conn| {
            Box::pin(async move {
                sqlx::query("UPDATE transactions SET stopped_at_ms = 2")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    // Two requests out at once: Redsys refunds one and refuses the other, in either order;
    // the refusal puts nothing back.
    assert!(matches!(begin(&kit, "4321ZYXW").await, Begun::Started(_)));
    assert!(matches!(begin(&kit, "4321ZYXW").await, Begun::Known(_)));
    let refused = Answer::Refused("SIS0057".into());
    assert_eq!(
        finish(&kit, "4321ZYXW", refused).await,
        RefundStatus::Pending
    );
    assert_eq!(balance(&kit, "GC-REFUND-3").await, 0);
    let done = Answer::Refunded("0900".into());
    assert_eq!(finish(&kit, "4321ZYXW", done).await, RefundStatus::Refunded);
    assert_eq!(balance(&kit, "GC-REFUND-3").await, 0);
    assert!(balanced(&kit).await);
    kit.close().await;
}
