//! The double-entry ledger. Money (cents) and loyalty points move only as transfers from one
//! account to another, each with a unique reference: a retried top-up or settlement finds its
//! transfer and moves nothing again. Accounts keep their balance beside the transfers, updated
//! in the same database transaction, so a balance always equals the sum of its ledger and the
//! accounts of one unit always sum to zero.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::{
    clock::to_millis,
    money::accounts::{Account, MAX_TRANSFER, Network, Transfer},
    store::StoreError,
};

/// Applies a transfer once: `true` when it moved now, `false` when its reference had moved
/// already (a retry). Amounts must be positive.
pub async fn transfer(
    conn: &mut AnyConnection,
    t: &Transfer<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if !(1..=MAX_TRANSFER).contains(&t.amount) || t.from == t.to {
        return Err(StoreError::Corrupt(format!("refusing transfer {t:?}")));
    }
    let (from, to) = (t.from.key(), t.to.key());
    for account in [&from, &to] {
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
    .bind(t.kind.as_str())
    .bind(t.unit.as_str())
    .bind(&from)
    .bind(&to)
    .bind(t.amount)
    .bind(to_millis(now))
    .fetch_optional(&mut *conn)
    .await?;
    if inserted.is_none() {
        return Ok(false);
    }
    for (account, delta) in [(&from, -t.amount), (&to, t.amount)] {
        sqlx::query("UPDATE ledger_accounts SET balance = balance + $1 WHERE account = $2")
            .bind(delta)
            .bind(account)
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}

/// An account's balance (0 for one that never moved).
pub async fn balance(conn: &mut AnyConnection, account: Account<'_>) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT balance FROM ledger_accounts WHERE account = $1")
        .bind(account.key())
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

impl crate::store::Store {
    /// The ledger's audit ([`audit`]) and the balances of the network's money accounts.
    pub async fn audit_ledger(&self) -> Result<(Option<String>, Vec<(Network, i64)>), StoreError> {
        let mut conn = self.pool().acquire().await?;
        let problem = audit(&mut conn).await?;
        let mut balances = Vec::with_capacity(Network::MONEY.len());
        for account in Network::MONEY {
            balances.push((account, balance(&mut conn, account.into()).await?));
        }
        Ok((problem, balances))
    }
}
