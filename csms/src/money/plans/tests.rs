//! Plans' rules: termination fees by tier, months of a subscription, tier validation.

use chrono::TimeZone;

use super::*;

fn plan() -> Plan {
    Plan {
        name: "Gran Rodador".into(),
        monthly_fee_cents: 4900,
        included_energy_wh: Some(300_000),
        fair_use_wh: 1_000_000,
        commitment_months: 9,
        early_termination_fees: vec![
            FeeTier {
                from_month: 1,
                to_month: 3,
                fee_cents: 9000,
            },
            FeeTier {
                from_month: 4,
                to_month: 6,
                fee_cents: 6000,
            },
            FeeTier {
                from_month: 7,
                to_month: 9,
                fee_cents: 3000,
            },
        ],
    }
}

#[test]
fn the_termination_fee_follows_the_tier_of_the_month() {
    let p = plan();
    assert!(p.validate().is_ok());
    let fees: Vec<i64> = (1..=11).map(|m| p.termination_fee(m)).collect();
    assert_eq!(
        fees,
        [9000, 9000, 9000, 6000, 6000, 6000, 3000, 3000, 3000, 0, 0]
    );
}

#[test]
fn months_of_a_subscription_count_from_its_start_day() {
    let t = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap();
    assert_eq!(month_of_subscription(t(2026, 1, 15), t(2026, 1, 31)), 1);
    assert_eq!(month_of_subscription(t(2026, 1, 15), t(2026, 2, 14)), 1);
    assert_eq!(month_of_subscription(t(2026, 1, 15), t(2026, 2, 15)), 2);
    assert_eq!(month_of_subscription(t(2025, 11, 30), t(2026, 8, 30)), 10);
}

#[test]
fn tiers_must_lie_within_the_commitment() {
    let mut p = plan();
    p.early_termination_fees.push(FeeTier {
        from_month: 10,
        to_month: 12,
        fee_cents: 1,
    });
    assert!(p.validate().is_err());
}
