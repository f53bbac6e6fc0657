//! Flat-rate plans, as members take and leave them: subscribing (with a bank account for the
//! direct debit), what cancelling would cost, cancelling once the member accepted that, and
//! the monthly fees, charged once per subscription and month.

use chrono::{DateTime, Utc};

use super::Billing;
use crate::{
    domain::MemberId,
    money::{
        month,
        plans::{Subscription, month_of_subscription},
    },
    store::{
        StoreError,
        billing::{plans, refunds},
    },
};

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
    #[error(
        "your bank returned a direct debit of your plan's fees: no new plan until it is settled"
    )]
    ReturnedDebit,
    #[error("cancelling now costs {fee_cents} cents; confirm with acceptFeeCents = {fee_cents}")]
    FeeNotAccepted { fee_cents: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Billing {
    pub async fn subscribe(
        &self,
        member: MemberId,
        plan_id: &str,
    ) -> Result<Subscription, PlanError> {
        if !self
            .store
            .plans()
            .await?
            .iter()
            .any(|(id, _)| id == plan_id)
        {
            return Err(PlanError::UnknownPlan(plan_id.to_owned()));
        }
        // The fee is collected by direct debit: no bank account, no plan (its allowance would
        // be free energy).
        let has_account = self
            .store
            .member(member)
            .await?
            .is_some_and(|m| m.bank_account.is_some());
        if !has_account {
            return Err(PlanError::NoMandate);
        }
        // A member whose bank returned a fee does not get a fresh allowance by cancelling and
        // subscribing again.
        if self.store.has_returned_debits(member).await? {
            return Err(PlanError::ReturnedDebit);
        }
        let now = self.clock.now();
        let plan_id = plan_id.to_owned();
        let inserted = self
            .committer
            .run(move |conn| {
                Box::pin(async move { plans::subscribe(conn, member, &plan_id, now).await })
            })
            .await?;
        if !inserted {
            return Err(PlanError::AlreadySubscribed);
        }
        self.charge_monthly_fees(now).await?;
        self.store
            .subscription(member)
            .await?
            .ok_or(PlanError::NoPlan)
    }

    /// What cancelling now would cost.
    pub async fn termination_quote(
        &self,
        member: MemberId,
    ) -> Result<(Subscription, i64), PlanError> {
        let sub = self
            .store
            .subscription(member)
            .await?
            .ok_or(PlanError::NoPlan)?;
        let fee = sub
            .plan
            .termination_fee(month_of_subscription(sub.starts_at, self.clock.now()));
        Ok((sub, fee))
    }

    /// What cancelling now gives back under the first-month guarantee: the first month's fee,
    /// within that month, unless its debit was returned.
    pub async fn guarantee_refund(&self, sub: &Subscription) -> Result<i64, StoreError> {
        if month_of_subscription(sub.starts_at, self.clock.now()) != 1 {
            return Ok(0);
        }
        Ok(self
            .store
            .refundable_first_fee(sub.id)
            .await?
            .map_or(0, |(_, cents)| cents))
    }

    /// Cancels the plan, charging the early-termination fee the member accepted and, within
    /// the first month, giving its fee back. Returns `(fee, refund)` in cents.
    pub async fn cancel_plan(
        &self,
        member: MemberId,
        accepted_fee: Option<i64>,
    ) -> Result<(i64, i64), PlanError> {
        let (sub, fee) = self.termination_quote(member).await?;
        if accepted_fee != Some(fee) {
            return Err(PlanError::FeeNotAccepted { fee_cents: fee });
        }
        let now = self.clock.now();
        let guaranteed = month_of_subscription(sub.starts_at, now) == 1;
        let refund = self
            .committer
            .run(move |conn| {
                Box::pin(async move {
                    plans::end(conn, sub.id, fee, now).await?;
                    if guaranteed {
                        refunds::refund_first_fee(conn, sub.id, now).await
                    } else {
                        Ok(0)
                    }
                })
            })
            .await?;
        Ok((fee, refund))
    }

    /// Charges every active plan's fee for the month of `now`, once per subscription and
    /// month. Returns how many were charged now.
    pub async fn charge_monthly_fees(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let due = self.store.due_plan_fees(now).await?;
        let month = month(now);
        self.committer
            .run(move |conn| {
                Box::pin(async move { plans::charge_fees(conn, &due, &month, now).await })
            })
            .await
    }
}
