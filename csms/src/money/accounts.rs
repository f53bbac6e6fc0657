//! The ledger's accounts and transfers: the network's own accounts, a Green Card's money and
//! points, and one movement between two of them. The store applies transfers
//! ([`crate::store::billing::ledger`]).

use super::TransferKind;
use crate::domain::IdTag;

/// What an account counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Cents,
    Points,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Cents => "cents",
            Unit::Points => "points",
        }
    }
}

/// The network's own accounts. Their keys live under `network:`, a prefix no card's key can
/// take (cards' keys start `card:` or `points:`), so no id tag can name one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Network {
    /// Money the network earned.
    Revenue,
    /// Money held by the card payment provider for us (app top-ups, bank cards at chargers).
    Psp,
    /// Cash collected in the chargers' cash boxes.
    Cash,
    /// Direct debits of plan fees from members' bank accounts.
    Sepa,
    /// Where loyalty points come from.
    PointsIssued,
    /// Where redeemed points go.
    PointsRedeemed,
}

impl Network {
    /// The money accounts, as the ledger audit lists them.
    pub const MONEY: [Network; 4] = [Network::Revenue, Network::Psp, Network::Cash, Network::Sepa];

    /// The short name the operator API shows.
    pub fn name(self) -> &'static str {
        match self {
            Network::Revenue => "revenue",
            Network::Psp => "psp",
            Network::Cash => "cash",
            Network::Sepa => "sepa",
            Network::PointsIssued => "points-issued",
            Network::PointsRedeemed => "points-redeemed",
        }
    }
}

/// An account of the ledger: the network's, or one of a Green Card's two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account<'a> {
    Network(Network),
    /// A Green Card's money.
    Card(&'a IdTag),
    /// A Green Card's loyalty points.
    Points(&'a IdTag),
}

impl Account<'_> {
    /// The account's key in the store.
    pub fn key(self) -> String {
        match self {
            Account::Network(n) => format!("network:{}", n.name()),
            Account::Card(tag) => format!("card:{tag}"),
            Account::Points(tag) => format!("points:{tag}"),
        }
    }
}

impl From<Network> for Account<'_> {
    fn from(n: Network) -> Self {
        Account::Network(n)
    }
}

/// The largest single movement (ten million euros, or points): anything larger is a bug or
/// an attack, and is refused before a balance could overflow.
pub const MAX_TRANSFER: i64 = 1_000_000_000;

/// One movement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer<'a> {
    pub reference: &'a str,
    pub kind: TransferKind,
    pub unit: Unit,
    pub from: Account<'a>,
    pub to: Account<'a>,
    pub amount: i64,
}
