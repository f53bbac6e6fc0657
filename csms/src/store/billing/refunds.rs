//! Plan fees given back under the first-month guarantee, in the database: the first fee's
//! debit is cancelled while no batch carried it, else due back to the member by SEPA credit
//! transfer (`RefundDue`) until a `pain.001` batch carries it (`Refunded`). Either way the fee
//! is booked back from revenue once.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::{
    direct_debits::{Batch, insert_batch},
    ledger,
};
use crate::{
    clock::to_millis,
    money::{
        TransferKind,
        accounts::{Network, Transfer, Unit},
    },
    store::{Store, StoreError},
};

/// A refund due, with the member's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRefund {
    /// The refunded debit's id.
    pub debit: String,
    /// `RFND-{debit}`.
    pub end_to_end_id: String,
    pub amount_cents: i64,
    pub creditor_name: String,
    pub iban: String,
}

const FIRST_FEE: &str = "SELECT end_to_end_id, ledger_reference, amount_cents, status FROM direct_debits \
     WHERE subscription_id = $1 AND end_to_end_id LIKE 'FEE-%' \
     ORDER BY created_at_ms, end_to_end_id LIMIT 1";

impl Store {
    /// The first fee of a subscription, while it can be given back: `(debit, cents)`.
    pub async fn refundable_first_fee(
        &self,
        subscription: i64,
    ) -> Result<Option<(String, i64)>, StoreError> {
        let row = sqlx::query(FIRST_FEE)
            .bind(subscription)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let status: String = row.try_get(3)?;
        if !matches!(status.as_str(), "Pending" | "Sent") {
            return Ok(None);
        }
        Ok(Some((row.try_get(0)?, row.try_get(2)?)))
    }

    /// The refunds no batch carried yet.
    pub async fn due_refunds(&self) -> Result<Vec<DueRefund>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.end_to_end_id, d.amount_cents, m.name, m.bank_account FROM direct_debits d \
             JOIN members m ON m.id = d.member_id \
             WHERE d.status = 'RefundDue' AND m.bank_account IS NOT NULL \
             ORDER BY d.updated_at_ms, d.end_to_end_id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let debit: String = r.try_get(0)?;
                Ok(DueRefund {
                    end_to_end_id: format!("RFND-{debit}"),
                    debit,
                    amount_cents: r.try_get(1)?,
                    creditor_name: r.try_get(2)?,
                    iban: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Records a batch of refunds; `false` (nothing written) when one is no longer due.
    pub async fn record_refund_batch(
        &self,
        batch_id: &str,
        execution_date: &str,
        refunds: &[DueRefund],
        document: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let batch = Batch {
            batch_id,
            date: execution_date,
            items: refunds.len(),
            total_cents: refunds.iter().map(|r| r.amount_cents).sum(),
            document,
        };
        insert_batch(&mut tx, &batch, now).await?;
        for r in refunds {
            let updated = sqlx::query(
                "UPDATE direct_debits SET status = 'Refunded', refund_batch_id = $1, \
                     updated_at_ms = $2 WHERE end_to_end_id = $3 AND status = 'RefundDue'",
            )
            .bind(batch_id)
            .bind(to_millis(now))
            .bind(&r.debit)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Ok(false);
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// Gives a subscription's first fee back, inside the cancellation's transaction: its debit is
/// cancelled (no batch carried it) or due back (one did), and the fee is booked back once.
/// Returns the cents given back (0 when there is nothing to give back: no fee, or returned).
pub async fn refund_first_fee(
    conn: &mut AnyConnection,
    subscription: i64,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(FIRST_FEE)
        .bind(subscription)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(0) };
    let (debit, fee_reference, amount, status): (String, String, i64, String) = (
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
    );
    let next = match status.as_str() {
        "Pending" => "Cancelled",
        "Sent" => "RefundDue",
        _ => return Ok(0),
    };
    let reference = format!("refund:{fee_reference}");
    let t = Transfer {
        reference: &reference,
        kind: TransferKind::FeeRefunded,
        unit: Unit::Cents,
        from: Network::Revenue.into(),
        to: Network::Sepa.into(),
        amount,
    };
    ledger::transfer(conn, &t, now).await?;
    sqlx::query(
        "UPDATE direct_debits SET status = $1, updated_at_ms = $2 WHERE end_to_end_id = $3",
    )
    .bind(next)
    .bind(to_millis(now))
    .bind(&debit)
    .execute(&mut *conn)
    .await?;
    Ok(amount)
}
