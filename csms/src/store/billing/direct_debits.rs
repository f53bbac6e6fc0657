//! SEPA direct debits in the database: each fee a plan books against SEPA becomes one debit
//! (recorded in the fee's own transaction), `Pending` until a pain.008 batch carries it
//! (`Sent`), `Returned` when the member's bank rejects it: the fee is booked back and the
//! subscription suspended, in one transaction, once per debit.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::ledger;
use crate::{
    clock::{from_millis, to_millis},
    money::{
        TransferKind,
        accounts::{Network, Transfer, Unit},
    },
    store::{Store, StoreError},
};

/// A debit to record with its fee.
#[derive(Debug, Clone)]
pub struct NewDebit {
    /// Unique, at most 35 characters of the SEPA set: `FEE-{subscription}-{YYYYMM}`.
    pub end_to_end_id: String,
    /// The fee's ledger transfer.
    pub ledger_reference: String,
    pub subscription: i64,
    pub member: i64,
    pub amount_cents: i64,
    /// The remittance text the member's statement shows.
    pub description: String,
}

/// A debit waiting for a batch, with what pain.008 needs of its mandate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDebit {
    pub end_to_end_id: String,
    pub amount_cents: i64,
    pub description: String,
    pub debtor_name: String,
    pub iban: String,
    /// `CITERE-M{member}`.
    pub mandate_reference: String,
    pub mandate_signed_at: DateTime<Utc>,
    /// No debit under this mandate was sent before: SEPA's `FRST`, else `RCUR`.
    pub first: bool,
}

/// The mandate reference of a member: one mandate per member, named by their number.
pub fn mandate_reference(member: i64) -> String {
    format!("CITERE-M{member:08}")
}

/// Records a debit once (inside the fee's transaction).
pub async fn record(
    conn: &mut AnyConnection,
    d: &NewDebit,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO direct_debits (end_to_end_id, ledger_reference, subscription_id, member_id, \
             amount_cents, description, status, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, 'Pending', $7, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&d.end_to_end_id)
    .bind(&d.ledger_reference)
    .bind(d.subscription)
    .bind(d.member)
    .bind(d.amount_cents)
    .bind(&d.description)
    .bind(to_millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A file made for the bank (debits or refunds), as `sepa_batches` keeps it.
pub(super) struct Batch<'a> {
    pub batch_id: &'a str,
    /// The collection or execution date asked of the bank.
    pub date: &'a str,
    pub items: usize,
    pub total_cents: i64,
    pub document: &'a str,
}

/// Keeps a batch's document, inside the transaction that marks its items.
pub(super) async fn insert_batch(
    conn: &mut AnyConnection,
    batch: &Batch<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sepa_batches (batch_id, collection_date, debits, total_cents, document, \
             created_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(batch.batch_id)
    .bind(batch.date)
    .bind(batch.items as i64)
    .bind(batch.total_cents)
    .bind(batch.document)
    .bind(to_millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What a returned debit came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Return {
    /// Booked back now, its subscription suspended.
    Booked,
    /// Returned before: nothing more.
    Again,
    /// No such debit was sent.
    Unknown,
}

impl Store {
    /// The debits no batch carried yet, oldest first, with their mandates.
    pub async fn pending_debits(&self) -> Result<Vec<PendingDebit>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.end_to_end_id, d.amount_cents, d.description, d.member_id, m.name, \
                 m.bank_account, m.mandate_signed_at_ms, \
                 (SELECT COUNT(*) FROM direct_debits s WHERE s.member_id = d.member_id \
                     AND s.status <> 'Pending') AS sent_before \
             FROM direct_debits d JOIN members m ON m.id = d.member_id \
             WHERE d.status = 'Pending' AND m.bank_account IS NOT NULL \
             ORDER BY d.created_at_ms, d.end_to_end_id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let member: i64 = r.try_get("member_id")?;
                let signed: Option<i64> = r.try_get("mandate_signed_at_ms")?;
                Ok(PendingDebit {
                    end_to_end_id: r.try_get("end_to_end_id")?,
                    amount_cents: r.try_get("amount_cents")?,
                    description: r.try_get("description")?,
                    debtor_name: r.try_get("name")?,
                    iban: r.try_get("bank_account")?,
                    mandate_reference: mandate_reference(member),
                    mandate_signed_at: from_millis(signed.unwrap_or_default()),
                    first: r.try_get::<i64, _>("sent_before")? == 0,
                })
            })
            .collect()
    }

    /// Records a batch and marks its debits `Sent`; `false` (and nothing written) when one of
    /// them is no longer pending (another batch took it meanwhile).
    pub async fn record_batch(
        &self,
        batch_id: &str,
        collection_date: &str,
        debits: &[PendingDebit],
        document: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let total: i64 = debits.iter().map(|d| d.amount_cents).sum();
        let batch = Batch {
            batch_id,
            date: collection_date,
            items: debits.len(),
            total_cents: total,
            document,
        };
        insert_batch(&mut tx, &batch, now).await?;
        for d in debits {
            let updated = sqlx::query(
                "UPDATE direct_debits SET status = 'Sent', batch_id = $1, sequence = $2, \
                     updated_at_ms = $3 WHERE end_to_end_id = $4 AND status = 'Pending'",
            )
            .bind(batch_id)
            .bind(if d.first { "FRST" } else { "RCUR" })
            .bind(to_millis(now))
            .bind(&d.end_to_end_id)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Ok(false);
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The end-to-end ids of a batch's debits (of one sequence, `FRST` or `RCUR`, when given).
    pub async fn debits_of_batch(
        &self,
        batch_id: &str,
        sequence: Option<&str>,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT end_to_end_id FROM direct_debits WHERE batch_id = $1 \
                 AND ($2 IS NULL OR sequence = $2) ORDER BY end_to_end_id",
        )
        .bind(batch_id)
        .bind(sequence)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// A batch's pain.008 document, as exported.
    pub async fn batch_document(&self, batch_id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT document FROM sepa_batches WHERE batch_id = $1")
            .bind(batch_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok(r.try_get(0)?)).transpose()
    }

    /// Whether the member's bank returned a debit of theirs.
    pub async fn has_returned_debits(
        &self,
        member: crate::domain::MemberId,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "SELECT 1 FROM direct_debits WHERE member_id = $1 AND status = 'Returned' LIMIT 1",
        )
        .bind(member.0)
        .fetch_optional(self.pool())
        .await?
        .is_some())
    }

    /// A debit's status and return reason, for operators and tests.
    pub async fn debit_status(
        &self,
        end_to_end_id: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        let row =
            sqlx::query("SELECT status, return_reason FROM direct_debits WHERE end_to_end_id = $1")
                .bind(end_to_end_id)
                .fetch_optional(self.pool())
                .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }
}

/// A debit the bank rejected (`reason`: its ISO code, e.g. AC04, MD01), inside a transaction:
/// its fee is booked back from revenue once and its subscription suspended.
pub async fn returned(
    conn: &mut AnyConnection,
    end_to_end_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Return, StoreError> {
    let row = sqlx::query(
        "SELECT status, ledger_reference, subscription_id, amount_cents FROM direct_debits \
         WHERE end_to_end_id = $1",
    )
    .bind(end_to_end_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(Return::Unknown);
    };
    let status: String = row.try_get(0)?;
    match status.as_str() {
        "Returned" => return Ok(Return::Again),
        "Sent" => {}
        _ => return Ok(Return::Unknown),
    }
    let (fee_reference, subscription, amount): (String, i64, i64) =
        (row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
    let reference = format!("return:{fee_reference}");
    let t = Transfer {
        reference: &reference,
        kind: TransferKind::DebitReturned,
        unit: Unit::Cents,
        from: Network::Revenue.into(),
        to: Network::Sepa.into(),
        amount,
    };
    ledger::transfer(conn, &t, now).await?;
    sqlx::query(
        "UPDATE direct_debits SET status = 'Returned', return_reason = $1, updated_at_ms = $2 \
         WHERE end_to_end_id = $3",
    )
    .bind(reason)
    .bind(to_millis(now))
    .bind(end_to_end_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE subscriptions SET suspended_at_ms = $1 WHERE id = $2 AND suspended_at_ms IS NULL",
    )
    .bind(to_millis(now))
    .bind(subscription)
    .execute(&mut *conn)
    .await?;
    Ok(Return::Booked)
}
