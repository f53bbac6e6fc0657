//! Money in the database: the ledger's transfers and balances, settlement inside a stop's
//! transaction, the sessions flagged for an operator, wallets (top-ups, direct payments,
//! redemptions and what an authorization reads), card payments a provider confirms later and
//! their refunds, plans and subscriptions, and the operator's catalogue. The rules come from
//! [`crate::money`]; the decisions around them are [`crate::billing`]'s.

pub mod card_payments;
pub mod card_refunds;
pub mod catalogue;
pub mod direct_debits;
pub mod invoices;
pub mod ledger;
pub mod plans;
pub mod refunds;
pub mod review;
pub mod settlement;
pub mod wallets;
