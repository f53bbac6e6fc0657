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

/// How a session was paid, as receipts and the API name it.
pub mod method {
    pub const GREEN_CARD: &str = "green_card";
    pub const PLAN: &str = "plan";
    pub const CARD: &str = "card";
    pub const CASH: &str = "cash";
    /// A tag from the operator's id-tag table (fleet accounts): priced, invoiced apart.
    pub const INVOICE: &str = "invoice";
}
