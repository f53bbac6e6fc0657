//! Settlement: when a session stops, price it and move the money, inside the same database
//! transaction that records the stop, so it happens exactly once whatever the retries. A
//! Green Card is debited (a plan covers its allowance first), a direct payment captures its
//! price from the authorized amount, points are awarded, and the member gets a receipt and
//! an NPS invitation.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::{ledger, review};
use crate::{
    clock::to_millis,
    domain::{AuthorizationStatus, IdTag, Segment},
    money::{
        PaymentMethod, Rules, TransferKind,
        accounts::{Account, Network, Transfer, Unit},
        euros, month, plausibility,
        pricing::{self, Context, Priced, Prices, Promotion, Usage},
    },
    store::{StoreError, parse_column, transactions::TransactionRecord},
};

/// What settlement decided, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub total_cents: i64,
    pub discount_cents: i64,
    pub payment_method: PaymentMethod,
    pub points: i64,
}

/// The tariff of a charge point: its own, else `default`, else free.
pub async fn prices(conn: &mut AnyConnection, charge_point_id: &str) -> Result<Prices, StoreError> {
    let row = sqlx::query(
        "SELECT t.price_per_kwh_cents, t.price_per_minute_cents, t.session_fee_cents FROM tariffs t \
         WHERE t.id = COALESCE((SELECT tariff_id FROM charge_points WHERE id = $1), 'default') \
            OR t.id = 'default' \
         ORDER BY CASE WHEN t.id = 'default' THEN 1 ELSE 0 END LIMIT 1",
    )
    .bind(charge_point_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) => Prices {
            per_kwh_cents: r.try_get(0)?,
            per_minute_cents: r.try_get(1)?,
            session_fee_cents: r.try_get(2)?,
        },
        None => Prices {
            per_kwh_cents: 0,
            per_minute_cents: 0,
            session_fee_cents: 0,
        },
    })
}

/// A member's plan allowance left in the month of `at`, if they have a plan then.
pub async fn plan_allowance(
    conn: &mut AnyConnection,
    member: i64,
    at: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let plan = sqlx::query(
        "SELECT p.included_energy_wh, p.fair_use_wh FROM subscriptions s JOIN plans p ON p.id = s.plan_id \
         WHERE s.member_id = $1 AND s.starts_at_ms <= $2 AND (s.ends_at_ms IS NULL OR s.ends_at_ms > $2) \
             AND s.suspended_at_ms IS NULL",
    )
    .bind(member)
    .bind(to_millis(at))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(plan) = plan else { return Ok(None) };
    let included: Option<i64> = plan.try_get(0)?;
    let fair_use: i64 = plan.try_get(1)?;
    let used = sqlx::query("SELECT energy_wh FROM plan_usage WHERE member_id = $1 AND month = $2")
        .bind(member)
        .bind(month(at))
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get::<i64, _>(0))
        .transpose()?
        .unwrap_or(0);
    Ok(Some((included.unwrap_or(fair_use) - used).max(0)))
}

async fn promotions(
    conn: &mut AnyConnection,
    at: DateTime<Utc>,
) -> Result<Vec<Promotion>, StoreError> {
    let rows = sqlx::query(
        "SELECT name, campaign, percent, starts_at_ms, ends_at_ms, segment, max_member_number FROM promotions \
         WHERE starts_at_ms <= $1 AND ends_at_ms > $1",
    )
    .bind(to_millis(at))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let segment: Option<String> = r.try_get(5)?;
            Ok(Promotion {
                name: r.try_get(0)?,
                campaign: r.try_get(1)?,
                percent: r.try_get(2)?,
                starts_at: crate::clock::from_millis(r.try_get(3)?),
                ends_at: crate::clock::from_millis(r.try_get(4)?),
                segment: segment.map(|s| parse_column(&s, "segment")).transpose()?,
                max_member_number: r.try_get(6)?,
            })
        })
        .collect()
}

async fn message(
    conn: &mut AnyConnection,
    member: i64,
    kind: &str,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO member_messages (member_id, kind, subject, body, created_at_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(member)
        .bind(kind)
        .bind(subject)
        .bind(body)
        .bind(to_millis(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn receipt(tx: &TransactionRecord, priced: &Priced, method: &str, points: i64) -> String {
    let mut body = format!(
        "Session {} at {} (connector {}), {} to {}.\n",
        tx.transaction_id,
        tx.charge_point_id,
        tx.connector_id,
        tx.started_at.format("%Y-%m-%d %H:%M"),
        tx.stopped_at
            .map(|t| t.format("%H:%M UTC").to_string())
            .unwrap_or_default(),
    );
    for line in &priced.lines {
        body.push_str(&format!(
            "  {}: {}\n",
            line.description,
            euros(line.amount_cents)
        ));
    }
    body.push_str(&format!(
        "Total: {} (paid by {method}).",
        euros(priced.total_cents)
    ));
    if points > 0 {
        body.push_str(&format!(" You earned {points} points."));
    }
    body
}

/// Settles a session that has just stopped. Call it inside the stop's database transaction.
pub async fn settle(
    conn: &mut AnyConnection,
    tx: &TransactionRecord,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Option<Settlement>, StoreError> {
    if tx.authorization != AuthorizationStatus::Accepted {
        return Ok(None);
    }
    let Some(stopped_at) = tx.stopped_at else {
        return Ok(None);
    };
    let tag = IdTag::parse(&tx.id_tag).map_err(|e| StoreError::Corrupt(e.0))?;
    if !tx.started_trusted || !review::has_credentials(conn, &tx.charge_point_id).await? {
        // Its readings are the word of anyone who claimed its id: nobody is billed on them.
        review::flag(conn, tx, review::UNTRUSTED).await?;
        return Ok(None);
    }
    let max_power_kw = review::connector_power(conn, tx)
        .await?
        .unwrap_or(rules.default_max_power_kw);
    let meter_stop = tx.meter_stop.unwrap_or(tx.meter_start);
    let usage = match plausibility::usage(
        tx.meter_start,
        meter_stop,
        tx.started_at,
        stopped_at,
        max_power_kw,
    ) {
        Ok(usage) => usage,
        Err(implausible) => {
            review::flag(conn, tx, &implausible.to_string()).await?;
            return Ok(None);
        }
    };
    charge(conn, tx, &tag, stopped_at, usage, rules, now)
        .await
        .map(Some)
}

/// Prices a session's usage and moves the money: the card (its plan's allowance first), the
/// direct payment, or an invoice; points, receipt and NPS invitation for a member.
pub(super) async fn charge(
    conn: &mut AnyConnection,
    tx: &TransactionRecord,
    tag: &IdTag,
    stopped_at: DateTime<Utc>,
    usage: Usage,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Settlement, StoreError> {
    let prices = prices(conn, &tx.charge_point_id).await?;
    let card = sqlx::query("SELECT g.member_id, g.paid_sessions, m.segment FROM green_cards g JOIN members m ON m.id = g.member_id WHERE g.id_tag = $1")
        .bind(tag.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    let reference = format!("settle:{}", tx.transaction_id);
    let (priced, method, member) = if let Some(card) = card {
        let member: i64 = card.try_get(0)?;
        let paid_sessions: i64 = card.try_get(1)?;
        let segment: Segment = parse_column(&card.try_get::<String, _>(2)?, "segment")?;
        let allowance = plan_allowance(conn, member, stopped_at).await?;
        let mut offers: Vec<_> = promotions(conn, stopped_at)
            .await?
            .iter()
            .filter(|p| p.applies(stopped_at, segment, member))
            .map(Promotion::offer)
            .collect();
        offers.extend(rules.loyalty.offer(paid_sessions));
        let priced = pricing::price(usage, prices, &Context { plan_allowance_wh: allowance, offers });
        if priced.plan_covered_wh > 0 {
            sqlx::query(
                "INSERT INTO plan_usage (member_id, month, energy_wh) VALUES ($1, $2, $3) \
                 ON CONFLICT (member_id, month) DO UPDATE SET energy_wh = plan_usage.energy_wh + excluded.energy_wh",
            )
            .bind(member)
            .bind(month(stopped_at))
            .bind(priced.plan_covered_wh)
            .execute(&mut *conn)
            .await?;
        }
        if priced.total_cents > 0 {
            let t = Transfer { reference: &reference, kind: TransferKind::Settlement, unit: Unit::Cents, from: Account::Card(tag), to: Network::Revenue.into(), amount: priced.total_cents };
            ledger::transfer(conn, &t, now).await?;
            sqlx::query("UPDATE green_cards SET paid_sessions = paid_sessions + 1 WHERE id_tag = $1")
                .bind(tag.as_str())
                .execute(&mut *conn)
                .await?;
        }
        let method = if allowance.is_some() { PaymentMethod::Plan } else { PaymentMethod::GreenCard };
        (priced, method, Some(member))
    } else if let Some(direct) = sqlx::query("SELECT method, authorized_cents FROM direct_payments WHERE id_tag = $1 AND captured_cents IS NULL")
        .bind(tag.as_str())
        .fetch_optional(&mut *conn)
        .await?
    {
        let paid_by: String = direct.try_get(0)?;
        let authorized: i64 = direct.try_get(1)?;
        let priced = pricing::price(usage, prices, &Context::default());
        let captured = priced.total_cents.min(authorized);
        let (source, method) = if paid_by == "cash" { (Network::Cash, PaymentMethod::Cash) } else { (Network::Psp, PaymentMethod::Card) };
        if captured > 0 {
            let t = Transfer { reference: &reference, kind: TransferKind::DirectPayment, unit: Unit::Cents, from: source.into(), to: Network::Revenue.into(), amount: captured };
            ledger::transfer(conn, &t, now).await?;
        }
        sqlx::query("UPDATE direct_payments SET captured_cents = $1 WHERE id_tag = $2")
            .bind(captured)
            .bind(tag.as_str())
            .execute(&mut *conn)
            .await?;
        (priced, method, None)
    } else {
        (pricing::price(usage, prices, &Context::default()), PaymentMethod::Invoice, None)
    };
    let points = if member.is_some() {
        priced.total_cents * rules.points_per_euro / 100
    } else {
        0
    };
    if points > 0 {
        let points_ref = format!("points:{}", tx.transaction_id);
        let t = Transfer {
            reference: &points_ref,
            kind: TransferKind::Points,
            unit: Unit::Points,
            from: Network::PointsIssued.into(),
            to: Account::Points(tag),
            amount: points,
        };
        ledger::transfer(conn, &t, now).await?;
    }
    let discount = priced.discount.clone();
    sqlx::query(
        "UPDATE transactions SET cost_cents = $1, discount_cents = $2, discount_name = $3, payment_method = $4, \
             priced_lines = $5, member_id = $6 WHERE id = $7",
    )
    .bind(priced.total_cents)
    .bind(discount.as_ref().map_or(0, |(_, c)| *c))
    .bind(discount.as_ref().map(|(n, _)| n.clone()))
    .bind(method.as_str())
    .bind(serde_json::to_string(&priced.lines).expect("lines serialize"))
    .bind(member)
    .bind(tx.transaction_id)
    .execute(&mut *conn)
    .await?;
    if let Some(member) = member {
        message(
            conn,
            member,
            "receipt",
            &format!("Your receipt for session {}", tx.transaction_id),
            &receipt(tx, &priced, method.as_str(), points),
            now,
        )
        .await?;
        let nps = format!(
            "How likely are you to recommend CITERE to a friend, from 0 to 10? Answer in the app or on the web for session {}.",
            tx.transaction_id
        );
        message(conn, member, "nps", "How was your charge?", &nps, now).await?;
    }
    Ok(Settlement {
        total_cents: priced.total_cents,
        discount_cents: discount.map_or(0, |(_, c)| c),
        payment_method: method,
        points,
    })
}
