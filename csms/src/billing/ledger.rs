//! The double-entry ledger. Money (cents) and loyalty points move only as transfers from one
//! account to another, each with a unique reference: a retried top-up or settlement finds its
//! transfer and moves nothing again. Accounts keep their balance beside the transfers, updated
//! in the same database transaction, so a balance always equals the sum of its ledger and the
//! accounts of one unit always sum to zero.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::{clock::to_millis, domain::IdTag, store::StoreError};

/// What an account counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Cents,
    Points,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Cents => "cents",
            Unit::Points => "points",
        }
    }
}

/// Money the network earned.
pub const REVENUE: &str = "revenue";
/// Money held by the card payment provider for us (app top-ups, bank cards at chargers).
pub const PSP: &str = "psp";
/// Cash collected in the chargers' cash boxes.
pub const CASH: &str = "cash";
/// Direct debits of plan fees from members' bank accounts.
pub const SEPA: &str = "sepa";
/// Where loyalty points come from, and where redeemed points go.
pub const POINTS_ISSUED: &str = "points:issued";
pub const POINTS_REDEEMED: &str = "points:redeemed";

/// A Green Card's money.
pub fn card_account(tag: &IdTag) -> String {
    format!("card:{tag}")
}

/// A Green Card's loyalty points.
pub fn points_account(tag: &IdTag) -> String {
    format!("points:{tag}")
}

/// One movement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer<'a> {
    pub reference: &'a str,
    pub kind: &'a str,
    pub unit: Unit,
    pub from: &'a str,
    pub to: &'a str,
    pub amount: i64,
}

/// Applies a transfer once: `true` when it moved now, `false` when its reference had moved
/// already (a retry). Amounts must be positive.
pub async fn transfer(
    conn: &mut AnyConnection,
    t: &Transfer<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if t.amount <= 0 || t.from == t.to {
        return Err(StoreError::Corrupt(format!("refusing transfer {t:?}")));
    }
    for account in [t.from, t.to] {
        sqlx::query("INSERT INTO ledger_accounts (account, unit) VALUES ($1, $2) ON CONFLICT (account) DO NOTHING")
            .bind(account)
            .bind(t.unit.as_str())
            .execute(&mut *conn)
            .await?;
    }
    let inserted = sqlx::query(
        "INSERT INTO ledger_transfers (reference, kind, unit, from_account, to_account, amount, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (reference) DO NOTHING RETURNING id",
    )
    .bind(t.reference)
    .bind(t.kind)
    .bind(t.unit.as_str())
    .bind(t.from)
    .bind(t.to)
    .bind(t.amount)
    .bind(to_millis(now))
    .fetch_optional(&mut *conn)
    .await?;
    if inserted.is_none() {
        return Ok(false);
    }
    for (account, delta) in [(t.from, -t.amount), (t.to, t.amount)] {
        sqlx::query("UPDATE ledger_accounts SET balance = balance + $1 WHERE account = $2")
            .bind(delta)
            .bind(account)
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}

/// An account's balance (0 for one that never moved).
pub async fn balance(conn: &mut AnyConnection, account: &str) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT balance FROM ledger_accounts WHERE account = $1")
        .bind(account)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
}

/// Checks the ledger's invariants: every balance equals the sum of its transfers, and each
/// unit's accounts sum to zero. Returns the first discrepancy found.
pub async fn audit(conn: &mut AnyConnection) -> Result<Option<String>, StoreError> {
    let drift = sqlx::query(
        "SELECT a.account, a.balance, CAST( \
             COALESCE((SELECT SUM(amount) FROM ledger_transfers WHERE to_account = a.account), 0) - \
             COALESCE((SELECT SUM(amount) FROM ledger_transfers WHERE from_account = a.account), 0) \
             AS BIGINT) AS ledger \
         FROM ledger_accounts a",
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in drift {
        let (account, balance, ledger): (String, i64, i64) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        if balance != ledger {
            return Ok(Some(format!(
                "{account}: balance {balance}, ledger {ledger}"
            )));
        }
    }
    let sums =
        sqlx::query("SELECT unit, CAST(SUM(balance) AS BIGINT) FROM ledger_accounts GROUP BY unit")
            .fetch_all(&mut *conn)
            .await?;
    for row in sums {
        let (unit, sum): (String, i64) = (row.try_get(0)?, row.try_get(1)?);
        if sum != 0 {
            return Ok(Some(format!("{unit} accounts sum to {sum}")));
        }
    }
    Ok(None)
}
