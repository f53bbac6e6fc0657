//! The rules of money, with no I/O: tariffs and pricing (a pure function), the plausibility
//! of a session's readings, the ledger's accounts and transfers, plans and their fees, what
//! the operator offers, and the names payments and transfers travel under. The store applies
//! them inside its transactions; the billing services decide with them.

pub mod accounts;
pub mod catalogue;
pub mod plans;
pub mod plausibility;
pub mod pricing;

use chrono::{DateTime, Datelike, Utc};

use pricing::Loyalty;

/// The billing rules the operator configures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    pub loyalty: Loyalty,
    /// Loyalty points per euro paid.
    pub points_per_euro: i64,
    /// The power assumed of a connector the operator gave none, when checking that a
    /// session's energy is plausible.
    pub default_max_power_kw: f64,
    /// The VAT rate prices include, in percent.
    pub vat_percent: i64,
}

impl Rules {
    pub fn from_config(config: &crate::Config) -> Rules {
        Rules {
            loyalty: Loyalty {
                every: i64::from(config.loyalty_every),
                percent: i64::from(config.loyalty_percent),
            },
            points_per_euro: i64::from(config.points_per_euro),
            default_max_power_kw: config.default_max_power_kw,
            vat_percent: i64::from(config.vat_percent),
        }
    }
}

/// Names that travel as snake_case strings (the API, the store, metric labels).
macro_rules! snake_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::domain::InvalidValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .find(|v| v.as_str() == s)
                    .copied()
                    .ok_or_else(|| crate::domain::InvalidValue(format!(
                        concat!("`{}` is not a ", stringify!($name)), s
                    )))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

snake_enum!(
    /// How a session was paid, as receipts, the API and the metrics name it.
    PaymentMethod {
        GreenCard = "green_card",
        Plan = "plan",
        Card = "card",
        Cash = "cash",
        /// A tag from the operator's id-tag table (fleet accounts): priced, invoiced apart.
        Invoice = "invoice",
    }
);

snake_enum!(
    /// What a ledger transfer was for.
    TransferKind {
        TopUp = "top_up",
        Settlement = "settlement",
        DirectPayment = "direct_payment",
        Points = "points",
        Redemption = "redemption",
        PlanFee = "plan_fee",
        TerminationFee = "termination_fee",
        /// A direct debit the member's bank returned: its fee booked back.
        DebitReturned = "debit_returned",
        /// A fee given back under the first-month guarantee.
        FeeRefunded = "fee_refunded",
        /// A card top-up given back through the provider that collected it.
        CardRefund = "card_refund",
        /// A card refund the provider refused: the money back on the card.
        CardRefundUndone = "card_refund_undone",
    }
);

/// Cents as a receipt prints them: `-0.55 €`, `12.30 €`.
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02} €", abs / 100, abs % 100)
}

/// The base and the VAT of a VAT-included `total` at `percent`: the base rounded to the
/// nearest cent, the VAT what remains, so the two always add up to the total.
pub fn vat_of(total: i64, percent: i64) -> (i64, i64) {
    let divisor = 100 + percent;
    let base = (total * 100 + divisor / 2).div_euclid(divisor);
    (base, total - base)
}

/// The calendar month of `at`, as plan usage and fees key it: `2026-12`.
pub fn month(at: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", at.year(), at.month())
}

#[cfg(test)]
mod tests {
    use super::{euros, vat_of};

    #[test]
    fn vat_included_totals_split_into_base_and_vat_that_add_up() {
        assert_eq!(vat_of(12_100, 21), (10_000, 2_100));
        assert_eq!(vat_of(4_900, 21), (4_050, 850));
        assert_eq!(vat_of(1, 21), (1, 0));
        assert_eq!(vat_of(0, 21), (0, 0));
        for total in 0..2_000 {
            let (base, vat) = vat_of(total, 21);
            assert_eq!(base + vat, total);
            assert!(
                (base * 21 - vat * 100).abs() <= 100,
                "{total}: {base} + {vat}"
            );
        }
    }

    #[test]
    fn euros_keep_the_sign_of_amounts_under_one_euro() {
        assert_eq!(euros(-55), "-0.55 €");
        assert_eq!(euros(-1230), "-12.30 €");
        assert_eq!(euros(0), "0.00 €");
        assert_eq!(euros(7), "0.07 €");
        assert_eq!(euros(123_456), "1234.56 €");
        assert_eq!(euros(i64::MIN), "-92233720368547758.08 €");
    }
}
