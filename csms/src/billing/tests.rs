//! The billing services built from a store, a group commit and a clock, without the app.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};

use super::{
    Billing, Deps,
    authorization::decide,
    gateway::TestGateway,
    plans::PlanError,
    points::RedeemError,
    topups::{AtCharger, PaidWith, TopUpError},
};
use crate::{
    clock::SharedClock,
    domain::{AuthorizationStatus, CardStatus, ChargePointId, IdTag},
    events::{Bus, DomainEvent, LocalBus},
    money::{Rules, catalogue::ExperiencePack, plans::Plan},
    store::billing::wallets::Payer,
    testkit::{Kit, TestClock},
};

fn billing(kit: &Kit, bus: Arc<LocalBus>, with_provider: bool) -> Billing {
    let clock: SharedClock = Arc::new(TestClock::at(2026, 12, 2, 10));
    Billing::new(Deps {
        store: kit.store.clone(),
        charging: kit.store.for_charging(),
        committer: kit.committer.clone(),
        clock,
        bus,
        creditor: None,
        payments: with_provider
            .then(|| super::gateway::Provider::Immediate(Arc::new(TestGateway::default()))),
        rules: Rules::from_config(&crate::Config::default()),
    })
}

fn tag(s: &str) -> IdTag {
    IdTag::parse(s).unwrap()
}

fn at_charger(id_tag: &str, cents: i64, reference: &str) -> AtCharger {
    AtCharger {
        id_tag: tag(id_tag),
        amount_cents: cents,
        method: PaidWith::Cash,
        reference: reference.into(),
    }
}

#[test]
fn a_card_is_accepted_only_active_unexpired_idle_and_funded() {
    let now = Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap();
    let card = |status, expires_at, running, balance_cents, plan_allowance_wh| Payer::GreenCard {
        status,
        expires_at,
        running,
        balance_cents,
        plan_allowance_wh,
    };
    let cases = [
        (
            card(CardStatus::Active, None, false, 1, None),
            AuthorizationStatus::Accepted,
        ),
        (
            card(CardStatus::Active, None, false, 0, Some(1)),
            AuthorizationStatus::Accepted,
        ),
        (
            card(CardStatus::Active, None, false, 0, Some(0)),
            AuthorizationStatus::Blocked,
        ),
        (
            card(CardStatus::Active, None, false, -5, None),
            AuthorizationStatus::Blocked,
        ),
        (
            card(CardStatus::Blocked, None, false, 900, None),
            AuthorizationStatus::Blocked,
        ),
        (
            card(CardStatus::Active, Some(now), false, 900, None),
            AuthorizationStatus::Expired,
        ),
        (
            card(CardStatus::Active, None, true, 900, None),
            AuthorizationStatus::ConcurrentTx,
        ),
        (
            Payer::DirectPayment {
                spent: true,
                running: false,
            },
            AuthorizationStatus::Invalid,
        ),
        (
            Payer::DirectPayment {
                spent: false,
                running: true,
            },
            AuthorizationStatus::ConcurrentTx,
        ),
        (
            Payer::DirectPayment {
                spent: false,
                running: false,
            },
            AuthorizationStatus::Accepted,
        ),
    ];
    for (payer, expected) in cases {
        assert_eq!(decide(&payer, now).status, expected, "{payer:?}");
    }
    let later = card(
        CardStatus::Active,
        Some(now + Duration::days(1)),
        false,
        1,
        None,
    );
    assert_eq!(
        decide(&later, now).expires_at,
        Some(now + Duration::days(1))
    );
}

#[tokio::test]
async fn a_top_up_at_the_charger_is_credited_once_per_reference() {
    let kit = Kit::new().await;
    kit.member_with_card("ada@example.com", "CARD1", false)
        .await;
    let bus = Arc::new(LocalBus::new(16));
    let mut events = bus.subscribe();
    let billing = billing(&kit, bus, false);
    let cp = ChargePointId::parse("CP-1").unwrap();
    assert_eq!(
        billing
            .authorize(&tag("CARD1"))
            .await
            .unwrap()
            .unwrap()
            .status,
        AuthorizationStatus::Blocked
    );

    for _ in 0..2 {
        let balance = billing
            .top_up_at_charger(&cp, at_charger("CARD1", 2000, "r1"))
            .await
            .unwrap();
        assert_eq!(balance, 2000);
    }
    let reused = billing
        .top_up_at_charger(&cp, at_charger("CARD1", 3000, "r1"))
        .await;
    assert!(matches!(reused, Err(TopUpError::KeyReused)), "{reused:?}");
    let unknown = billing
        .top_up_at_charger(&cp, at_charger("NOCARD", 100, "r2"))
        .await;
    assert!(
        matches!(unknown, Err(TopUpError::UnknownCard(_))),
        "{unknown:?}"
    );
    assert!(matches!(
        events.try_recv(),
        Ok(DomainEvent::ToppedUp {
            method: "charger_cash",
            cents: 2000
        })
    ));
    assert!(events.try_recv().is_err(), "one event for one credit");

    let decision = billing.authorize(&tag("CARD1")).await.unwrap().unwrap();
    assert_eq!(decision.status, AuthorizationStatus::Accepted);
    assert_eq!(billing.authorize(&tag("NOCARD")).await.unwrap(), None);
    let (problem, _) = kit.store.audit_ledger().await.unwrap();
    assert_eq!(problem, None);
    kit.close().await;
}

#[tokio::test]
async fn no_provider_no_app_top_up_and_nothing_credited() {
    let kit = Kit::new().await;
    let member = kit.member_with_card("bo@example.com", "CARD2", false).await;
    let without = billing(&kit, Arc::new(LocalBus::new(4)), false);
    let refused = without
        .top_up_in_app(member, &tag("CARD2"), 1000, "k1")
        .await;
    assert!(
        matches!(refused, Err(TopUpError::NoProvider)),
        "{refused:?}"
    );
    assert_eq!(
        kit.store
            .green_card(&tag("CARD2"))
            .await
            .unwrap()
            .unwrap()
            .balance_cents,
        0
    );

    let with = billing(&kit, Arc::new(LocalBus::new(4)), true);
    assert!(matches!(
        with.top_up_in_app(member, &tag("CARD2"), 1000, "k1")
            .await
            .unwrap(),
        super::topups::TopUpOutcome::Credited(1000)
    ));
    assert!(matches!(
        with.top_up_in_app(member, &tag("CARD2"), 1000, "k1")
            .await
            .unwrap(),
        super::topups::TopUpOutcome::Credited(1000)
    ));
    let declined = with
        .top_up_in_app(member, &tag("CARD2"), super::gateway::DECLINED_AMOUNT, "k2")
        .await;
    assert!(
        matches!(declined, Err(TopUpError::Declined(_))),
        "{declined:?}"
    );
    assert_eq!(
        kit.store
            .green_card(&tag("CARD2"))
            .await
            .unwrap()
            .unwrap()
            .balance_cents,
        1000
    );
    kit.close().await;
}

#[tokio::test]
async fn points_are_redeemed_only_when_there_are_enough() {
    let kit = Kit::new().await;
    let member = kit.member_with_card("cy@example.com", "CARD3", false).await;
    let pack = ExperiencePack {
        name: "Picos".into(),
        description: "A day out".into(),
        points: 50,
    };
    kit.store.put_pack("picos", &pack).await.unwrap();
    let billing = billing(&kit, Arc::new(LocalBus::new(4)), false);
    let unknown = billing.redeem(member, &tag("CARD3"), "nowhere").await;
    assert!(matches!(unknown, Err(RedeemError::UnknownPack(p)) if p == "nowhere"));
    let short = billing.redeem(member, &tag("CARD3"), "picos").await;
    assert!(
        matches!(
            short,
            Err(RedeemError::NotEnoughPoints { have: 0, need: 50 })
        ),
        "{short:?}"
    );
    kit.close().await;
}

#[tokio::test]
async fn a_plan_needs_a_bank_account_and_its_fee_is_charged_once_a_month() {
    let kit = Kit::new().await;
    let plan = Plan {
        name: "Rodador".into(),
        monthly_fee_cents: 4900,
        included_energy_wh: Some(100_000),
        fair_use_wh: 500_000,
        commitment_months: 0,
        early_termination_fees: vec![],
    };
    kit.store.put_plan("rodador", &plan).await.unwrap();
    let billing = billing(&kit, Arc::new(LocalBus::new(4)), false);
    let without = kit.member_with_card("di@example.com", "CARD4", false).await;
    let refused = billing.subscribe(without, "rodador").await;
    assert!(matches!(refused, Err(PlanError::NoMandate)), "{refused:?}");

    let member = kit.member_with_card("ed@example.com", "CARD5", true).await;
    let sub = billing.subscribe(member, "rodador").await.unwrap();
    assert_eq!(sub.plan_id, "rodador");
    let twice = billing.subscribe(member, "rodador").await;
    assert!(
        matches!(twice, Err(PlanError::AlreadySubscribed)),
        "{twice:?}"
    );
    // The subscription charged this month's fee; running the job again charges nothing.
    let now = Utc.with_ymd_and_hms(2026, 12, 20, 0, 0, 0).unwrap();
    assert_eq!(billing.charge_monthly_fees(now).await.unwrap(), 0);
    let next_month = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(billing.charge_monthly_fees(next_month).await.unwrap(), 1);
    assert_eq!(billing.charge_monthly_fees(next_month).await.unwrap(), 0);
    // Funded by the plan's allowance alone, the card may charge.
    let decision = billing.authorize(&tag("CARD5")).await.unwrap().unwrap();
    assert_eq!(decision.status, AuthorizationStatus::Accepted);
    let (problem, accounts) = kit.store.audit_ledger().await.unwrap();
    assert_eq!(problem, None);
    let revenue = accounts
        .iter()
        .find(|(a, _)| a.name() == "revenue")
        .unwrap()
        .1;
    assert_eq!(revenue, 2 * 4900);
    kit.close().await;
}
