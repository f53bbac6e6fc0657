//! Plans and subscriptions in the database: the operator's plans, a member's subscription,
//! and each month's fees, moved once per subscription and month.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::{
    direct_debits::{self, NewDebit},
    ledger,
};
use crate::{
    clock::{from_millis, to_millis},
    domain::MemberId,
    money::{
        TransferKind,
        accounts::{Network, Transfer, Unit},
        plans::{Plan, Subscription},
    },
    store::{Store, StoreError},
};

impl Store {
    pub async fn put_plan(&self, id: &str, plan: &Plan) -> Result<bool, StoreError> {
        let existed = sqlx::query("SELECT 1 FROM plans WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .is_some();
        sqlx::query(
            "INSERT INTO plans (id, name, monthly_fee_cents, included_energy_wh, fair_use_wh, commitment_months, early_termination_fees) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             monthly_fee_cents = excluded.monthly_fee_cents, included_energy_wh = excluded.included_energy_wh, \
             fair_use_wh = excluded.fair_use_wh, commitment_months = excluded.commitment_months, \
             early_termination_fees = excluded.early_termination_fees",
        )
        .bind(id)
        .bind(&plan.name)
        .bind(plan.monthly_fee_cents)
        .bind(plan.included_energy_wh)
        .bind(plan.fair_use_wh)
        .bind(plan.commitment_months)
        .bind(serde_json::to_string(&plan.early_termination_fees).expect("tiers serialize"))
        .execute(self.pool())
        .await?;
        Ok(!existed)
    }

    pub async fn plans(&self) -> Result<Vec<(String, Plan)>, StoreError> {
        let rows = sqlx::query("SELECT id, name, monthly_fee_cents, included_energy_wh, fair_use_wh, commitment_months, early_termination_fees FROM plans ORDER BY monthly_fee_cents, id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, plan(r, 1)?)))
            .collect()
    }

    /// The member's active subscription.
    pub async fn subscription(&self, member: MemberId) -> Result<Option<Subscription>, StoreError> {
        let row = sqlx::query(
            "SELECT s.id, s.plan_id, s.starts_at_ms, p.name, p.monthly_fee_cents, p.included_energy_wh, p.fair_use_wh, \
                 p.commitment_months, p.early_termination_fees, s.suspended_at_ms \
             FROM subscriptions s JOIN plans p ON p.id = s.plan_id WHERE s.member_id = $1 AND s.ends_at_ms IS NULL",
        )
        .bind(member.0)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(Subscription {
                id: r.try_get(0)?,
                plan_id: r.try_get(1)?,
                starts_at: from_millis(r.try_get(2)?),
                plan: plan(&r, 3)?,
                suspended_at: r.try_get::<Option<i64>, _>(9)?.map(from_millis),
            })
        })
        .transpose()
    }
}

fn plan(r: &sqlx::any::AnyRow, at: usize) -> Result<Plan, StoreError> {
    let tiers: String = r.try_get(at + 5)?;
    Ok(Plan {
        name: r.try_get(at)?,
        monthly_fee_cents: r.try_get(at + 1)?,
        included_energy_wh: r.try_get(at + 2)?,
        fair_use_wh: r.try_get(at + 3)?,
        commitment_months: r.try_get(at + 4)?,
        early_termination_fees: serde_json::from_str(&tiers)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

/// Subscribes a member, inside a transaction: `false` when they have a plan already.
pub async fn subscribe(
    conn: &mut AnyConnection,
    member: MemberId,
    plan_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "INSERT INTO subscriptions (member_id, plan_id, starts_at_ms, created_at_ms) VALUES ($1, $2, $3, $3) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(member.0)
    .bind(plan_id)
    .bind(to_millis(now))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}

/// Ends a subscription, inside a transaction, moving the termination fee (once) when there
/// is one.
pub async fn end(
    conn: &mut AnyConnection,
    subscription: i64,
    fee: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE subscriptions SET ends_at_ms = $1 WHERE id = $2 AND ends_at_ms IS NULL")
        .bind(to_millis(now))
        .bind(subscription)
        .execute(&mut *conn)
        .await?;
    if fee > 0 {
        let reference = format!("termination:{subscription}");
        let t = Transfer {
            reference: &reference,
            kind: TransferKind::TerminationFee,
            unit: Unit::Cents,
            from: Network::Sepa.into(),
            to: Network::Revenue.into(),
            amount: fee,
        };
        if ledger::transfer(conn, &t, now).await? {
            let member: i64 = sqlx::query("SELECT member_id FROM subscriptions WHERE id = $1")
                .bind(subscription)
                .fetch_one(&mut *conn)
                .await?
                .try_get(0)?;
            let debit = NewDebit {
                end_to_end_id: format!("TERM-{subscription}"),
                ledger_reference: reference.clone(),
                subscription,
                member,
                amount_cents: fee,
                description: "CITERE plan early termination".into(),
            };
            direct_debits::record(conn, &debit, now).await?;
        }
    }
    Ok(())
}

/// A fee due: the subscription, its member and the plan's monthly fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub subscription: i64,
    pub member: i64,
    pub fee_cents: i64,
}

impl Store {
    /// The fees of the subscriptions active at `now`.
    pub async fn due_plan_fees(&self, now: DateTime<Utc>) -> Result<Vec<Due>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.id, s.member_id, p.monthly_fee_cents FROM subscriptions s JOIN plans p ON p.id = s.plan_id \
             WHERE s.ends_at_ms IS NULL AND s.suspended_at_ms IS NULL AND s.starts_at_ms <= $1 \
                 AND p.monthly_fee_cents > 0",
        )
        .bind(to_millis(now))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Due {
                    subscription: r.try_get(0)?,
                    member: r.try_get(1)?,
                    fee_cents: r.try_get(2)?,
                })
            })
            .collect()
    }
}

/// Moves each fee of `month` once, inside a transaction: the transfer's reference is the
/// subscription and the month, so running it again moves nothing, and a member who cancels
/// and takes another plan in the same month pays for it. Returns how many moved now.
pub async fn charge_fees(
    conn: &mut AnyConnection,
    due: &[Due],
    month: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut charged = 0;
    for d in due {
        // Fees charged before references named the subscription named the member.
        let legacy = format!("planfee:{}:{month}", d.member);
        let charged_before = sqlx::query("SELECT 1 FROM ledger_transfers WHERE reference = $1")
            .bind(&legacy)
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        if charged_before {
            continue;
        }
        let reference = format!("planfee:subscription-{}:{month}", d.subscription);
        let t = Transfer {
            reference: &reference,
            kind: TransferKind::PlanFee,
            unit: Unit::Cents,
            from: Network::Sepa.into(),
            to: Network::Revenue.into(),
            amount: d.fee_cents,
        };
        if ledger::transfer(conn, &t, now).await? {
            let debit = NewDebit {
                end_to_end_id: format!("FEE-{}-{}", d.subscription, month.replace('-', "")),
                ledger_reference: reference.clone(),
                subscription: d.subscription,
                member: d.member,
                amount_cents: d.fee_cents,
                description: format!("CITERE plan fee {month}"),
            };
            direct_debits::record(conn, &debit, now).await?;
            charged += 1;
        }
    }
    Ok(charged)
}
