//! Flat-rate plans' terms: a monthly fee, included energy (or unlimited up to a fair-use cap),
//! and a minimum commitment with early-termination fees in tiers by the month of it.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

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
    /// Since when its allowance is stopped: its bank returned a direct debit of its fees.
    pub suspended_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests;
