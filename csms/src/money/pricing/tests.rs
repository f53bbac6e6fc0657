//! Pricing tests: a table of sessions with their exact lines and totals, and properties over
//! many generated sessions (never negative, a discount never above the price, lines add up).

use super::*;

const TARIFF: Prices = Prices {
    per_kwh_cents: 45,
    per_minute_cents: 2,
    session_fee_cents: 100,
};

fn offer(name: &str, percent: i64) -> Offer {
    Offer {
        name: name.into(),
        percent,
    }
}

#[test]
fn sessions_are_priced_line_by_line_with_half_up_rounding() {
    struct Case {
        what: &'static str,
        usage: Usage,
        prices: Prices,
        context: Context,
        amounts: &'static [i64],
        total: i64,
    }
    let none = Context::default();
    let cases = [
        Case {
            what: "20 kWh in 30 min",
            usage: Usage {
                energy_wh: 20_000,
                duration_secs: 1800,
            },
            prices: TARIFF,
            context: none.clone(),
            amounts: &[900, 60, 100],
            total: 1060,
        },
        Case {
            what: "1 Wh at 45 c/kWh rounds 0.045 c down",
            usage: Usage {
                energy_wh: 1,
                duration_secs: 0,
            },
            prices: Prices {
                session_fee_cents: 0,
                per_minute_cents: 0,
                ..TARIFF
            },
            context: none.clone(),
            amounts: &[0],
            total: 0,
        },
        Case {
            what: "10 Wh: 0.45 c rounds down",
            usage: Usage {
                energy_wh: 10,
                duration_secs: 0,
            },
            prices: Prices {
                session_fee_cents: 0,
                per_minute_cents: 0,
                ..TARIFF
            },
            context: none.clone(),
            amounts: &[0],
            total: 0,
        },
        Case {
            what: "100 Wh at 5 c: 0.5 c rounds half up",
            usage: Usage {
                energy_wh: 100,
                duration_secs: 0,
            },
            prices: Prices {
                per_kwh_cents: 5,
                per_minute_cents: 0,
                session_fee_cents: 0,
            },
            context: none.clone(),
            amounts: &[1],
            total: 1,
        },
        Case {
            what: "45 s at 2 c/min: 1.5 c rounds up",
            usage: Usage {
                energy_wh: 0,
                duration_secs: 45,
            },
            prices: Prices {
                per_kwh_cents: 0,
                per_minute_cents: 2,
                session_fee_cents: 0,
            },
            context: none.clone(),
            amounts: &[0, 2],
            total: 2,
        },
        Case {
            what: "best discount only",
            usage: Usage {
                energy_wh: 20_000,
                duration_secs: 1800,
            },
            prices: TARIFF,
            context: Context {
                plan_allowance_wh: None,
                offers: vec![offer("Black Friday", 10), offer("Business", 5)],
            },
            amounts: &[900, 60, 100, -106],
            total: 954,
        },
        Case {
            what: "a 50 % launch discount rounds half up",
            usage: Usage {
                energy_wh: 1_001,
                duration_secs: 0,
            },
            prices: Prices {
                per_kwh_cents: 45,
                per_minute_cents: 0,
                session_fee_cents: 0,
            },
            context: Context {
                plan_allowance_wh: None,
                offers: vec![offer("Launch", 50)],
            },
            amounts: &[45, -23],
            total: 22,
        },
        Case {
            what: "inside the plan allowance: free",
            usage: Usage {
                energy_wh: 20_000,
                duration_secs: 1800,
            },
            prices: TARIFF,
            context: Context {
                plan_allowance_wh: Some(50_000),
                offers: vec![],
            },
            amounts: &[0],
            total: 0,
        },
        Case {
            what: "past the allowance: the excess energy only",
            usage: Usage {
                energy_wh: 20_000,
                duration_secs: 1800,
            },
            prices: TARIFF,
            context: Context {
                plan_allowance_wh: Some(15_000),
                offers: vec![],
            },
            amounts: &[0, 225],
            total: 225,
        },
        Case {
            what: "an exhausted plan bills all the energy",
            usage: Usage {
                energy_wh: 2_000,
                duration_secs: 60,
            },
            prices: TARIFF,
            context: Context {
                plan_allowance_wh: Some(0),
                offers: vec![],
            },
            amounts: &[0, 90],
            total: 90,
        },
        Case {
            what: "a discount on a free session is no line",
            usage: Usage {
                energy_wh: 0,
                duration_secs: 0,
            },
            prices: Prices {
                per_kwh_cents: 45,
                per_minute_cents: 0,
                session_fee_cents: 0,
            },
            context: Context {
                plan_allowance_wh: None,
                offers: vec![offer("X", 10)],
            },
            amounts: &[0],
            total: 0,
        },
        Case {
            what: "100 % off costs nothing, never less",
            usage: Usage {
                energy_wh: 10_000,
                duration_secs: 0,
            },
            prices: TARIFF,
            context: Context {
                plan_allowance_wh: None,
                offers: vec![offer("Free", 150)],
            },
            amounts: &[450, 0, 100, -550],
            total: 0,
        },
    ];
    for case in cases {
        let priced = price(case.usage, case.prices, &case.context);
        let amounts: Vec<i64> = priced.lines.iter().map(|l| l.amount_cents).collect();
        assert_eq!(amounts, case.amounts, "{}", case.what);
        assert_eq!(priced.total_cents, case.total, "{}", case.what);
    }
}

#[test]
fn the_receipt_names_the_discount_that_applied() {
    let context = Context {
        plan_allowance_wh: None,
        offers: vec![offer("Business", 5), offer("Black Friday", 10)],
    };
    let priced = price(
        Usage {
            energy_wh: 10_000,
            duration_secs: 0,
        },
        TARIFF,
        &context,
    );
    assert_eq!(priced.discount, Some(("Black Friday".into(), 55)));
    assert_eq!(
        priced.lines.last().unwrap().description,
        "Black Friday (-10%)"
    );
}

#[test]
fn loyalty_rewards_every_nth_paid_session() {
    let rule = Loyalty {
        every: 5,
        percent: 10,
    };
    let rewarded: Vec<i64> = (0..12).filter(|paid| rule.offer(*paid).is_some()).collect();
    assert_eq!(rewarded, [4, 9], "the 5th and 10th sessions");
    assert_eq!(
        Loyalty {
            every: 0,
            percent: 10
        }
        .offer(4),
        None
    );
}

#[test]
fn promotions_apply_within_their_window_and_conditions() {
    use chrono::TimeZone;
    let t = |d| chrono::Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap();
    let promo = Promotion {
        name: "50% launch".into(),
        campaign: None,
        percent: 50,
        starts_at: t(1),
        ends_at: t(30),
        segment: None,
        max_member_number: Some(200),
    };
    assert!(promo.applies(t(15), Segment::Private, 200));
    assert!(!promo.applies(t(15), Segment::Private, 201));
    assert!(
        !promo.applies(t(30), Segment::Private, 1),
        "the end is exclusive"
    );
    let business = Promotion {
        segment: Some(Segment::Business),
        max_member_number: None,
        ..promo
    };
    assert!(business.applies(t(2), Segment::Business, 9999));
    assert!(!business.applies(t(2), Segment::Private, 1));
}

/// A small deterministic generator, so the properties need no extra crate.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: i64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as i64
    }
}

#[test]
fn never_negative_discount_never_above_the_price_and_lines_add_up() {
    let mut rng = Lcg(42);
    for _ in 0..20_000 {
        let usage = Usage {
            energy_wh: rng.below(200_000) - 10,
            duration_secs: rng.below(20_000) - 10,
        };
        let prices = Prices {
            per_kwh_cents: rng.below(100),
            per_minute_cents: rng.below(10),
            session_fee_cents: rng.below(300),
        };
        let offers = (0..rng.below(3))
            .map(|i| offer(&format!("O{i}"), rng.below(120)))
            .collect();
        let plan_allowance_wh = (rng.below(2) == 0).then(|| rng.below(100_000) - 10);
        let context = Context {
            plan_allowance_wh,
            offers,
        };
        let priced = price(usage, prices, &context);
        let before: i64 = priced
            .lines
            .iter()
            .filter(|l| l.kind != LineKind::Discount)
            .map(|l| l.amount_cents)
            .sum();
        assert!(priced.total_cents >= 0, "{usage:?} {prices:?} {context:?}");
        assert_eq!(
            priced.lines.iter().map(|l| l.amount_cents).sum::<i64>(),
            priced.total_cents
        );
        if let Some((_, cents)) = &priced.discount {
            assert!(
                *cents >= 0 && *cents <= before,
                "discount {cents} above {before}"
            );
        }
        assert!(priced.plan_covered_wh <= usage.energy_wh.max(0));
    }
}

#[test]
fn absurd_readings_price_without_overflowing() {
    let prices = Prices {
        per_kwh_cents: 45,
        per_minute_cents: 5,
        session_fee_cents: 100,
    };
    for energy_wh in [i64::MAX, 1 << 53, i64::MIN, -1] {
        let usage = Usage {
            energy_wh,
            duration_secs: i64::MAX,
        };
        let priced = price(usage, prices, &Context::default());
        assert!(priced.total_cents >= 0, "{energy_wh}");
        let with_plan = Context {
            plan_allowance_wh: Some(i64::MAX),
            offers: vec![offer("Loyalty", 10)],
        };
        assert!(price(usage, prices, &with_plan).total_cents >= 0);
    }
}
