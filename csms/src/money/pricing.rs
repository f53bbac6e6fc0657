//! Pricing, as a pure function: a finished session, its tariff and the member's context give
//! priced lines and a total. Integer cents throughout; each line is rounded half-up to the
//! cent once, at its end. Discounts do not stack: the best one applies and is named.

use serde::Serialize;

use crate::domain::Segment;

/// A tariff's prices, in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prices {
    pub per_kwh_cents: i64,
    pub per_minute_cents: i64,
    pub session_fee_cents: i64,
}

/// What was delivered, as billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub energy_wh: i64,
    pub duration_secs: i64,
}

/// A discount that may apply, with its name for the receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub name: String,
    pub percent: i64,
}

/// Who pays, as far as the price depends on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Energy the member's plan still covers this month: `None` without a plan.
    pub plan_allowance_wh: Option<i64>,
    /// Discounts this session qualifies for (loyalty, promotions); the best one applies.
    pub offers: Vec<Offer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum LineKind {
    Energy,
    PlanEnergy,
    Time,
    SessionFee,
    Discount,
}

/// One line of a receipt. `quantity` is in Wh, seconds or sessions; `amount_cents` is signed
/// (a discount is negative).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub kind: LineKind,
    pub description: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub amount_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    pub lines: Vec<Line>,
    /// Energy the plan covered, in Wh.
    pub plan_covered_wh: i64,
    /// The discount applied, if any: its name and amount (positive cents).
    pub discount: Option<(String, i64)>,
    pub total_cents: i64,
}

/// `quantity × unit_price / per`, rounded half-up (for non-negative products). Computed in
/// 128 bits and clamped to `i64`, so no input can overflow it: settlement refuses implausible
/// sessions before pricing them, and a running estimate only compares the figure.
fn amount(quantity: i64, unit_price: i64, per: i64) -> i64 {
    let product = i128::from(quantity) * i128::from(unit_price);
    let per = i128::from(per);
    let rounded = (product + per / 2).div_euclid(per);
    i64::try_from(rounded).unwrap_or(if rounded < 0 { i64::MIN } else { i64::MAX })
}

/// Prices a session. A session within the member's plan allowance costs nothing; energy past
/// the allowance is billed per kWh (time and session fee are part of the plan). Without a plan,
/// energy, time and the session fee are billed, then the best discount comes off.
pub fn price(usage: Usage, prices: Prices, context: &Context) -> Priced {
    let energy_wh = usage.energy_wh.max(0);
    let seconds = usage.duration_secs.max(0);
    let mut lines = Vec::new();
    let mut plan_covered_wh = 0;
    if let Some(allowance) = context.plan_allowance_wh {
        plan_covered_wh = energy_wh.min(allowance.max(0));
        lines.push(Line {
            kind: LineKind::PlanEnergy,
            description: "Energy covered by your plan".into(),
            quantity: plan_covered_wh,
            unit_price_cents: 0,
            amount_cents: 0,
        });
        let extra = energy_wh - plan_covered_wh;
        if extra > 0 {
            lines.push(Line {
                kind: LineKind::Energy,
                description: "Energy beyond your plan's allowance".into(),
                quantity: extra,
                unit_price_cents: prices.per_kwh_cents,
                amount_cents: amount(extra, prices.per_kwh_cents, 1000),
            });
        }
    } else {
        lines.push(Line {
            kind: LineKind::Energy,
            description: "Energy".into(),
            quantity: energy_wh,
            unit_price_cents: prices.per_kwh_cents,
            amount_cents: amount(energy_wh, prices.per_kwh_cents, 1000),
        });
        if prices.per_minute_cents > 0 {
            lines.push(Line {
                kind: LineKind::Time,
                description: "Time connected".into(),
                quantity: seconds,
                unit_price_cents: prices.per_minute_cents,
                amount_cents: amount(seconds, prices.per_minute_cents, 60),
            });
        }
        if prices.session_fee_cents > 0 {
            lines.push(Line {
                kind: LineKind::SessionFee,
                description: "Session fee".into(),
                quantity: 1,
                unit_price_cents: prices.session_fee_cents,
                amount_cents: prices.session_fee_cents,
            });
        }
    }
    let subtotal = lines
        .iter()
        .fold(0i64, |sum, l| sum.saturating_add(l.amount_cents));
    let best = context
        .offers
        .iter()
        .filter(|o| o.percent > 0)
        .max_by(|a, b| a.percent.cmp(&b.percent).then_with(|| b.name.cmp(&a.name)));
    let mut discount = None;
    if let Some(offer) = best
        && subtotal > 0
    {
        let percent = offer.percent.min(100);
        let cents = amount(subtotal, percent, 100).min(subtotal);
        lines.push(Line {
            kind: LineKind::Discount,
            description: format!("{} (-{percent}%)", offer.name),
            quantity: 1,
            unit_price_cents: -cents,
            amount_cents: -cents,
        });
        discount = Some((offer.name.clone(), cents));
    }
    let total_cents = subtotal - discount.as_ref().map_or(0, |(_, c)| *c);
    debug_assert!(total_cents >= 0, "a discount never exceeds its subtotal");
    Priced {
        lines,
        plan_covered_wh,
        discount,
        total_cents,
    }
}

/// A promotion as the operator defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub name: String,
    pub campaign: Option<String>,
    pub percent: i64,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub segment: Option<Segment>,
    pub max_member_number: Option<i64>,
}

impl Promotion {
    /// Whether a session ending at `at` of a member of this segment and number qualifies.
    pub fn applies(
        &self,
        at: chrono::DateTime<chrono::Utc>,
        segment: Segment,
        member_number: i64,
    ) -> bool {
        self.starts_at <= at
            && at < self.ends_at
            && self.segment.is_none_or(|s| s == segment)
            && self
                .max_member_number
                .is_none_or(|max| member_number <= max)
    }

    pub fn offer(&self) -> Offer {
        let name = match &self.campaign {
            Some(campaign) => format!("{campaign}: {}", self.name),
            None => self.name.clone(),
        };
        Offer {
            name,
            percent: self.percent,
        }
    }
}

/// The loyalty rule: every `every`-th paid session of a card gets `percent` off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loyalty {
    pub every: i64,
    pub percent: i64,
}

impl Loyalty {
    /// The offer for the next session of a card that has had `paid_sessions` paid ones.
    pub fn offer(self, paid_sessions: i64) -> Option<Offer> {
        (self.every > 0 && self.percent > 0 && (paid_sessions + 1) % self.every == 0).then(|| {
            Offer {
                name: format!("Loyalty: your session number {}", paid_sessions + 1),
                percent: self.percent,
            }
        })
    }
}

#[cfg(test)]
mod tests;
