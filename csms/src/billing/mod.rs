//! How CITERE gets paid: tariffs and pricing (a pure function), Green Card wallets on a
//! double-entry ledger, top-ups in the app and at the charger, settlement of each session at
//! its StopTransaction (in the same database transaction), loyalty discounts, promotions,
//! points and their redemption, flat-rate plans, and direct payment at the charger.

pub mod authorization;
pub mod catalogue;
pub mod direct;
pub mod gateway;
pub mod ledger;
pub mod plans;
pub mod plausibility;
pub mod points;
pub mod pricing;
pub mod review;
pub mod running;
pub mod settlement;
pub mod topups;

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
    }
);
