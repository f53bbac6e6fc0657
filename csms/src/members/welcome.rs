//! The welcome message a new member gets: a walk through what they signed up for, in plain
//! words: who they are to us, their plan with its prices, commitment and early-termination
//! tiers, the Green Card and how to top it up, the bank account (masked), and how to reach us.

use crate::{
    members::{Segment, mask_account},
    money::{euros, plans::Plan},
    store::tariffs::Tariff,
};

pub struct Welcome<'a> {
    pub name: &'a str,
    pub member_number: i64,
    pub segment: Segment,
    pub bank_account: Option<&'a str>,
    pub plan: Option<&'a Plan>,
    pub tariff: Option<Tariff>,
}

pub const SUBJECT: &str = "Bienvenido a CITERE / Welcome to CITERE";

pub fn body(w: &Welcome<'_>) -> String {
    let mut b = format!(
        "Hola {name}, welcome to CITERE. You are member number {n} ({segment} account).\n\n",
        name = w.name,
        n = w.member_number,
        segment = match w.segment {
            Segment::Private => "private",
            Segment::Business => "business",
        }
    );
    match w.plan {
        Some(plan) => {
            b.push_str(&format!(
                "Your plan: {} at {} a month, ",
                plan.name,
                euros(plan.monthly_fee_cents)
            ));
            match plan.included_energy_wh {
                Some(wh) => b.push_str(&format!("{} kWh included each month", wh / 1000)),
                None => b.push_str(&format!(
                    "unlimited charging up to a fair use of {} kWh a month",
                    plan.fair_use_wh / 1000
                )),
            }
            b.push_str(". Energy beyond it is charged at the tariff of the charge point.\n");
            if plan.commitment_months > 0 {
                b.push_str(&format!(
                    "Minimum commitment: {} months. Leaving earlier costs:\n",
                    plan.commitment_months
                ));
                for t in &plan.early_termination_fees {
                    b.push_str(&format!(
                        "  - in months {} to {}: {}\n",
                        t.from_month,
                        t.to_month,
                        euros(t.fee_cents)
                    ));
                }
            }
        }
        None => b.push_str("You pay as you charge, with no monthly fee and no commitment.\n"),
    }
    if let Some(t) = w.tariff {
        b.push_str(&format!(
            "Standard prices: {} per kWh, {} per minute connected, {} per session.\n",
            euros(t.price_per_kwh_cents),
            euros(t.price_per_minute_cents),
            euros(t.session_fee_cents)
        ));
    }
    b.push_str(
        "\nYour Green Card is a prepaid card: top it up in the app, on the web or at any of our \
         chargers (by card or cash), then hold it to the reader to charge. Every few sessions you \
         get a loyalty discount, you earn a point per euro, and once a year you can redeem your \
         points for an experience pack.\n",
    );
    if let Some(account) = w.bank_account {
        b.push_str(&format!(
            "Direct debits go to your account {}.\n",
            mask_account(account)
        ));
    }
    b.push_str(
        "\nCustomer service: chat on the web, in the app or on WhatsApp, Monday to Friday 9:00-19:00; \
         phone, 24 hours. Your invoices and receipts are in the app and on the web under \
         \"Mi cuenta\" → \"Sesiones\".\n",
    );
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::plans::FeeTier;

    #[test]
    fn the_welcome_walks_through_the_plan_and_masks_the_account() {
        let plan = Plan {
            name: "Gran Rodador".into(),
            monthly_fee_cents: 4900,
            included_energy_wh: Some(300_000),
            fair_use_wh: 1_000_000,
            commitment_months: 9,
            early_termination_fees: vec![FeeTier {
                from_month: 1,
                to_month: 3,
                fee_cents: 9000,
            }],
        };
        let text = body(&Welcome {
            name: "Ana",
            member_number: 7,
            segment: Segment::Business,
            bank_account: Some("ES9121000418450200051332"),
            plan: Some(&plan),
            tariff: None,
        });
        for needle in [
            "Ana",
            "member number 7",
            "business",
            "Gran Rodador",
            "49.00 €",
            "300 kWh",
            "9 months",
            "months 1 to 3: 90.00 €",
            "Green Card",
            "top it up",
            "WhatsApp",
            "24 hours",
            "invoices",
            "1332",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
        }
        assert!(!text.contains("ES9121000418450200051332"));
    }
}
