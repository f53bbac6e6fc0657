//! Flat-rate plans for high-mileage drivers: a monthly fee, included energy (or unlimited up to
//! a fair-use cap), and a minimum commitment with early-termination fees in tiers by the month
//! of the commitment. Members subscribe and cancel (seeing the fee first); a job charges each
//! active plan's fee once per member and month, by direct debit.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{
    TransferKind,
    ledger::{self, Network, Transfer, Unit},
    settlement::month,
};
use crate::{
    app::AppState,
    clock::{from_millis, to_millis},
    members::MemberId,
    store::{Store, StoreError},
};

/// One tier of the early-termination fee: cancelling in months `from_month..=to_month` of the
/// commitment costs `fee_cents`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeeTier {
    pub from_month: i64,
    pub to_month: i64,
    pub fee_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plan {
    pub name: String,
    pub monthly_fee_cents: i64,
    /// `None`: unlimited, up to the fair-use cap.
    pub included_energy_wh: Option<i64>,
    pub fair_use_wh: i64,
    pub commitment_months: i64,
    pub early_termination_fees: Vec<FeeTier>,
}

impl Plan {
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() || self.monthly_fee_cents < 0 || self.fair_use_wh <= 0 {
            return Err(
                "a plan needs a name, a fee of 0 or more and a positive fair-use cap".into(),
            );
        }
        if self.included_energy_wh.is_some_and(|wh| wh < 0) || self.commitment_months < 0 {
            return Err("included energy and commitment may not be negative".into());
        }
        for t in &self.early_termination_fees {
            if t.from_month < 1
                || t.to_month < t.from_month
                || t.to_month > self.commitment_months
                || t.fee_cents < 0
            {
                return Err(format!(
                    "bad fee tier {t:?}: months 1..=commitment, from ≤ to, fee ≥ 0"
                ));
            }
        }
        Ok(())
    }

    /// The fee for cancelling in month `n` (1-based) of the subscription; 0 past the commitment.
    pub fn termination_fee(&self, n: i64) -> i64 {
        self.early_termination_fees
            .iter()
            .find(|t| (t.from_month..=t.to_month).contains(&n))
            .map_or(0, |t| t.fee_cents)
    }
}

/// The 1-based month of a subscription that started at `start`, at `now`.
pub fn month_of_subscription(start: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let months = i64::from(now.year() - start.year()) * 12 + i64::from(now.month())
        - i64::from(start.month());
    let not_yet = now.day() < start.day();
    (months - i64::from(not_yet)).max(0) + 1
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub plan_id: String,
    pub plan: Plan,
    pub starts_at: DateTime<Utc>,
}

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
                 p.commitment_months, p.early_termination_fees \
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

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("no plan {0}")]
    UnknownPlan(String),
    #[error("you have a plan already; cancel it first")]
    AlreadySubscribed,
    #[error("a flat-rate plan is paid by direct debit: add your bank account (IBAN) first")]
    NoMandate,
    #[error("you have no plan")]
    NoPlan,
    #[error("cancelling now costs {fee_cents} cents; confirm with acceptFeeCents = {fee_cents}")]
    FeeNotAccepted { fee_cents: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn subscribe(
    state: &AppState,
    member: MemberId,
    plan_id: &str,
) -> Result<Subscription, PlanError> {
    if !state
        .store
        .plans()
        .await?
        .iter()
        .any(|(id, _)| id == plan_id)
    {
        return Err(PlanError::UnknownPlan(plan_id.to_owned()));
    }
    // The fee is collected by direct debit: no bank account, no plan (its allowance would be
    // free energy).
    let has_account = state
        .store
        .member(member)
        .await?
        .is_some_and(|m| m.bank_account.is_some());
    if !has_account {
        return Err(PlanError::NoMandate);
    }
    let now = state.clock.now();
    let plan_id_owned = plan_id.to_owned();
    let inserted = state
        .committer
        .run(move |conn| {
            Box::pin(async move {
                let row = sqlx::query(
                    "INSERT INTO subscriptions (member_id, plan_id, starts_at_ms, created_at_ms) VALUES ($1, $2, $3, $3) \
                     ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(member.0)
                .bind(&plan_id_owned)
                .bind(to_millis(now))
                .fetch_optional(&mut *conn)
                .await?;
                Ok(row.is_some())
            })
        })
        .await?;
    if !inserted {
        return Err(PlanError::AlreadySubscribed);
    }
    charge_monthly_fees(state, now).await?;
    state
        .store
        .subscription(member)
        .await?
        .ok_or(PlanError::NoPlan)
}

/// What cancelling now would cost.
pub async fn termination_quote(
    state: &AppState,
    member: MemberId,
) -> Result<(Subscription, i64), PlanError> {
    let sub = state
        .store
        .subscription(member)
        .await?
        .ok_or(PlanError::NoPlan)?;
    let fee = sub
        .plan
        .termination_fee(month_of_subscription(sub.starts_at, state.clock.now()));
    Ok((sub, fee))
}

/// Cancels the plan, charging the early-termination fee the member accepted.
pub async fn cancel(
    state: &AppState,
    member: MemberId,
    accepted_fee: Option<i64>,
) -> Result<i64, PlanError> {
    let (sub, fee) = termination_quote(state, member).await?;
    if accepted_fee != Some(fee) {
        return Err(PlanError::FeeNotAccepted { fee_cents: fee });
    }
    let now = state.clock.now();
    state
        .committer
        .run(move |conn| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE subscriptions SET ends_at_ms = $1 WHERE id = $2 AND ends_at_ms IS NULL",
                )
                .bind(to_millis(now))
                .bind(sub.id)
                .execute(&mut *conn)
                .await?;
                if fee > 0 {
                    let reference = format!("termination:{}", sub.id);
                    let t = Transfer {
                        reference: &reference,
                        kind: TransferKind::TerminationFee,
                        unit: Unit::Cents,
                        from: Network::Sepa.into(),
                        to: Network::Revenue.into(),
                        amount: fee,
                    };
                    ledger::transfer(conn, &t, now).await?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(fee)
}

/// Charges every active plan's fee for the month of `now`, once per subscription and month:
/// the transfer's reference is the subscription and the month, so running it again moves
/// nothing, and a member who cancels and takes another plan in the same month pays for it.
pub async fn charge_monthly_fees(
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let rows = sqlx::query(
        "SELECT s.id, s.member_id, p.monthly_fee_cents FROM subscriptions s JOIN plans p ON p.id = s.plan_id \
         WHERE s.ends_at_ms IS NULL AND s.starts_at_ms <= $1 AND p.monthly_fee_cents > 0",
    )
    .bind(to_millis(now))
    .fetch_all(state.store.pool())
    .await?;
    let due: Vec<(i64, i64, i64)> = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_, StoreError>>()?;
    let month = month(now);
    state
        .committer
        .run(move |conn| {
            Box::pin(async move {
                let mut charged = 0;
                for (subscription, member, fee) in due {
                    // Fees charged before references named the subscription named the member.
                    let legacy = format!("planfee:{member}:{month}");
                    let charged_before =
                        sqlx::query("SELECT 1 FROM ledger_transfers WHERE reference = $1")
                            .bind(&legacy)
                            .fetch_optional(&mut *conn)
                            .await?
                            .is_some();
                    if charged_before {
                        continue;
                    }
                    let reference = format!("planfee:subscription-{subscription}:{month}");
                    let t = Transfer {
                        reference: &reference,
                        kind: TransferKind::PlanFee,
                        unit: Unit::Cents,
                        from: Network::Sepa.into(),
                        to: Network::Revenue.into(),
                        amount: fee,
                    };
                    if ledger::transfer(conn, &t, now).await? {
                        charged += 1;
                    }
                }
                Ok(charged)
            })
        })
        .await
}

#[cfg(test)]
mod tests;
