//! Members' monthly invoices in the database: what a month owes (the sessions their cards paid,
//! the plan fees still due), and the invoice written once per member and month under the next
//! number of the one series, taken in the same transaction, so the numbers have no gaps.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::{
    clock::{from_millis, to_millis},
    domain::MemberId,
    store::{Store, StoreError},
};

/// The one series.
pub const SERIES: &str = "F";

/// One line of an invoice, VAT included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceLine {
    pub description: String,
    pub total_cents: i64,
}

/// An invoice as issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Invoice {
    /// `F-000001`: the series and its number.
    pub number: String,
    /// `YYYY-MM`.
    pub month: String,
    pub issued_at: DateTime<Utc>,
    pub vat_percent: i64,
    pub base_cents: i64,
    pub vat_cents: i64,
    pub total_cents: i64,
    pub lines: Vec<InvoiceLine>,
}

impl Store {
    /// What the period owes, per member: `(member, lines)`, members in order. Read on the
    /// pool, not in the group commit: a month of a whole network is no charger's wait.
    pub async fn owed(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<(i64, Vec<InvoiceLine>)>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        owed(&mut conn, from, until).await
    }
}

async fn owed(
    conn: &mut AnyConnection,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(i64, Vec<InvoiceLine>)>, StoreError> {
    let sessions = sqlx::query(
        "SELECT g.member_id, t.id, t.charge_point_id, t.stopped_at_ms, t.cost_cents \
         FROM transactions t JOIN green_cards g ON g.id_tag = t.id_tag \
         WHERE t.stopped_at_ms >= $1 AND t.stopped_at_ms < $2 AND t.cost_cents > 0 \
         ORDER BY g.member_id, t.stopped_at_ms, t.id",
    )
    .bind(to_millis(from))
    .bind(to_millis(until))
    .fetch_all(&mut *conn)
    .await?;
    let fees = sqlx::query(
        "SELECT member_id, description, amount_cents FROM direct_debits \
         WHERE created_at_ms >= $1 AND created_at_ms < $2 AND status IN ('Pending', 'Sent') \
         ORDER BY member_id, created_at_ms, end_to_end_id",
    )
    .bind(to_millis(from))
    .bind(to_millis(until))
    .fetch_all(&mut *conn)
    .await?;
    let mut owed: std::collections::BTreeMap<i64, Vec<InvoiceLine>> = Default::default();
    for r in &sessions {
        let stopped = from_millis(r.try_get(3)?);
        let line = InvoiceLine {
            description: format!(
                "Charging session {} at {}, {}",
                r.try_get::<i64, _>(1)?,
                r.try_get::<String, _>(2)?,
                stopped.format("%Y-%m-%d %H:%M UTC")
            ),
            total_cents: r.try_get(4)?,
        };
        owed.entry(r.try_get(0)?).or_default().push(line);
    }
    for r in &fees {
        let line = InvoiceLine {
            description: r.try_get(1)?,
            total_cents: r.try_get(2)?,
        };
        owed.entry(r.try_get(0)?).or_default().push(line);
    }
    Ok(owed.into_iter().collect())
}

/// Writes `member`'s invoice for `month` under the series' next number, unless it has one
/// already (then nothing, and no number is taken). Returns the number written.
pub async fn issue(
    conn: &mut AnyConnection,
    member: i64,
    month: &str,
    vat_percent: i64,
    lines: &[InvoiceLine],
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let exists = sqlx::query("SELECT 1 FROM invoices WHERE member_id = $1 AND month = $2")
        .bind(member)
        .bind(month)
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
    if exists {
        return Ok(None);
    }
    let number: i64 = sqlx::query(
        "UPDATE invoice_series SET last_number = last_number + 1 WHERE series = $1 \
         RETURNING last_number",
    )
    .bind(SERIES)
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    let number = format!("{SERIES}-{number:06}");
    let total: i64 = lines.iter().map(|l| l.total_cents).sum();
    let (base, vat) = crate::money::vat_of(total, vat_percent);
    let lines = serde_json::to_string(lines).expect("lines serialize");
    sqlx::query(
        "INSERT INTO invoices (number, member_id, month, issued_at_ms, vat_percent, base_cents, \
             vat_cents, total_cents, lines) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&number)
    .bind(member)
    .bind(month)
    .bind(to_millis(now))
    .bind(vat_percent)
    .bind(base)
    .bind(vat)
    .bind(total)
    .bind(lines)
    .execute(&mut *conn)
    .await?;
    Ok(Some(number))
}

const SELECT_INVOICE: &str = "SELECT number, month, issued_at_ms, vat_percent, base_cents, \
                              vat_cents, total_cents, lines FROM invoices";

fn read_invoice(r: &sqlx::any::AnyRow) -> Result<Invoice, StoreError> {
    let lines: String = r.try_get(7)?;
    Ok(Invoice {
        number: r.try_get(0)?,
        month: r.try_get(1)?,
        issued_at: from_millis(r.try_get(2)?),
        vat_percent: r.try_get(3)?,
        base_cents: r.try_get(4)?,
        vat_cents: r.try_get(5)?,
        total_cents: r.try_get(6)?,
        lines: serde_json::from_str(&lines)
            .map_err(|e| StoreError::Corrupt(format!("invoice lines: {e}")))?,
    })
}

impl Store {
    /// A member's invoices, newest first.
    pub async fn invoices(&self, member: MemberId) -> Result<Vec<Invoice>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT_INVOICE} WHERE member_id = $1 ORDER BY number DESC"
        ))
        .bind(member.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(read_invoice).collect()
    }

    /// One of a member's invoices, by its number.
    pub async fn invoice(
        &self,
        member: MemberId,
        number: &str,
    ) -> Result<Option<Invoice>, StoreError> {
        let row = sqlx::query(&format!(
            "{SELECT_INVOICE} WHERE member_id = $1 AND number = $2"
        ))
        .bind(member.0)
        .bind(number)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(read_invoice).transpose()
    }
}
