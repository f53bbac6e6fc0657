//! How CITERE gets paid, as services: who may charge, top-ups in the app and at the charger,
//! direct payment at the charger, card top-ups given back, points redeemed, flat-rate plans,
//! sessions an operator settles, and the watch that stops a session whose money runs out. The
//! rules are [`crate::money`]'s; the database's side is [`crate::store::billing`]. [`Billing`]
//! takes only what it uses, so it is built and tested without the app.

pub mod authorization;
pub mod card;
pub mod card_refunds;
pub mod direct;
pub mod gateway;
pub mod invoice_pdf;
pub mod invoices;
pub mod plans;
pub mod points;
pub mod redsys;
pub mod review;
pub mod running;
pub mod sepa;
pub mod topups;

#[cfg(test)]
mod tests;

use gateway::Provider;

use crate::{
    clock::SharedClock,
    events::SharedBus,
    money::Rules,
    store::{Store, commit::Committer},
};

/// The billing services over their dependencies. Cheap to clone.
#[derive(Clone)]
pub struct Billing {
    /// The store over the general pool (members' and operators' requests).
    store: Store,
    /// The store over the chargers' pool (authorizations, top-ups at the charger).
    charging: Store,
    committer: Committer,
    clock: SharedClock,
    bus: SharedBus,
    /// The card payment provider of app top-ups; none unless configured.
    payments: Option<Provider>,
    /// Who collects plan fees by SEPA direct debit; none unless configured.
    creditor: Option<sepa::Creditor>,
    rules: Rules,
}

/// What [`Billing`] is built from.
pub struct Deps {
    pub store: Store,
    pub charging: Store,
    pub committer: Committer,
    pub clock: SharedClock,
    pub bus: SharedBus,
    pub payments: Option<Provider>,
    pub creditor: Option<sepa::Creditor>,
    pub rules: Rules,
}

impl Billing {
    pub fn new(d: Deps) -> Billing {
        Billing {
            store: d.store,
            charging: d.charging,
            committer: d.committer,
            clock: d.clock,
            bus: d.bus,
            payments: d.payments,
            creditor: d.creditor,
            rules: d.rules,
        }
    }

    pub fn rules(&self) -> Rules {
        self.rules
    }
}
