//! Wallets in the database: what an authorization or a running-cost watch reads of a tag
//! (a Green Card's standing and money, a direct payment's), top-ups recorded once, direct
//! payments registered once, and points redeemed once a year.

use chrono::{DateTime, Datelike, Utc};
use sqlx::{AnyConnection, Row};

use super::{ledger, settlement};
use crate::{
    clock::{from_millis, to_millis},
    domain::{CardStatus, ChargePointId, IdTag, MemberId},
    money::{
        TransferKind,
        accounts::{Account, Network, Transfer, Unit},
        pricing::Prices,
    },
    store::{Store, StoreError, parse_column},
};

/// What a tag can pay with, as an authorization reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payer {
    GreenCard {
        status: CardStatus,
        expires_at: Option<DateTime<Utc>>,
        /// A session of the card runs (accepted, not stopped).
        running: bool,
        balance_cents: i64,
        /// The member's plan allowance left this month, when they have a plan.
        plan_allowance_wh: Option<i64>,
    },
    /// A one-off tag a charger's terminal or cash box registered.
    DirectPayment {
        /// Captured, or a session of it has ended (one flagged for an operator is captured
        /// only when the operator settles it).
        spent: bool,
        running: bool,
    },
}

/// What a running paid session may cost before it is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The card's balance, or the direct payment's authorized amount.
    pub cents: i64,
    pub plan_allowance_wh: Option<i64>,
    pub prices: Prices,
}

/// What became of a redemption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    UnknownPack,
    NotEnoughPoints {
        have: i64,
        need: i64,
    },
    AlreadyThisYear,
    /// Redeemed: the points left on the card.
    Redeemed {
        left: i64,
    },
}

impl Store {
    /// What `tag` can pay with at `now`: `None` when it is neither a Green Card nor a direct
    /// payment's tag.
    pub async fn payer(
        &self,
        tag: &IdTag,
        now: DateTime<Utc>,
    ) -> Result<Option<Payer>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let card = sqlx::query(
            "SELECT member_id, status, expires_at_ms FROM green_cards WHERE id_tag = $1",
        )
        .bind(tag.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(card) = card {
            let member: i64 = card.try_get(0)?;
            return Ok(Some(Payer::GreenCard {
                status: parse_column(&card.try_get::<String, _>(1)?, "status")?,
                expires_at: card.try_get::<Option<i64>, _>(2)?.map(from_millis),
                running: sessions(&mut conn, tag, false).await?,
                balance_cents: ledger::balance(&mut conn, Account::Card(tag)).await?,
                plan_allowance_wh: settlement::plan_allowance(&mut conn, member, now).await?,
            }));
        }
        let direct = sqlx::query("SELECT captured_cents FROM direct_payments WHERE id_tag = $1")
            .bind(tag.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        let Some(direct) = direct else {
            return Ok(None);
        };
        let captured = direct.try_get::<Option<i64>, _>(0)?.is_some();
        Ok(Some(Payer::DirectPayment {
            spent: captured || sessions(&mut conn, tag, true).await?,
            running: sessions(&mut conn, tag, false).await?,
        }))
    }

    /// What a session of `tag` at `cp` may cost: `None` unless a Green Card or an uncaptured
    /// direct payment pays for it.
    pub async fn budget(
        &self,
        tag: &IdTag,
        cp: &ChargePointId,
        now: DateTime<Utc>,
    ) -> Result<Option<Budget>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let member = sqlx::query("SELECT member_id FROM green_cards WHERE id_tag = $1")
            .bind(tag.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        let (cents, plan_allowance_wh) = if let Some(member) = member {
            let allowance = settlement::plan_allowance(&mut conn, member.try_get(0)?, now).await?;
            (ledger::balance(&mut conn, Account::Card(tag)).await?, allowance)
        } else if let Some(row) = sqlx::query(
            "SELECT authorized_cents FROM direct_payments WHERE id_tag = $1 AND captured_cents IS NULL",
        )
        .bind(tag.as_str())
        .fetch_optional(&mut *conn)
        .await?
        {
            (row.try_get(0)?, None)
        } else {
            return Ok(None);
        };
        let prices = settlement::prices(&mut conn, cp.as_str()).await?;
        Ok(Some(Budget {
            cents,
            plan_allowance_wh,
            prices,
        }))
    }

    /// A member's plan allowance left in the month of `at`, if they have a plan then.
    pub async fn plan_allowance(
        &self,
        member: MemberId,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        settlement::plan_allowance(&mut conn, member.0, at).await
    }
}

/// Whether an accepted session of `tag` has ended (`ended`), or runs (`!ended`).
async fn sessions(conn: &mut AnyConnection, tag: &IdTag, ended: bool) -> Result<bool, StoreError> {
    let sql = if ended {
        "SELECT 1 FROM transactions WHERE id_tag = $1 AND stopped_at_ms IS NOT NULL AND auth_status = 'Accepted' LIMIT 1"
    } else {
        "SELECT 1 FROM transactions WHERE id_tag = $1 AND stopped_at_ms IS NULL AND auth_status = 'Accepted' LIMIT 1"
    };
    let row = sqlx::query(sql)
        .bind(tag.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.is_some())
}

/// A top-up to record once: its reference is its idempotency key.
#[derive(Debug, Clone)]
pub struct TopUp {
    pub reference: String,
    pub tag: IdTag,
    pub cents: i64,
    pub source: Network,
    pub method: &'static str,
}

/// Records a top-up once, inside a transaction: the card's balance after it and whether it
/// moved now, or `None` when its reference was used with another card or amount.
pub async fn record_top_up(
    conn: &mut AnyConnection,
    t: &TopUp,
    now: DateTime<Utc>,
) -> Result<Option<(i64, bool)>, StoreError> {
    let seen = sqlx::query("SELECT id_tag, amount_cents FROM top_ups WHERE reference = $1")
        .bind(&t.reference)
        .fetch_optional(&mut *conn)
        .await?;
    let mut moved = false;
    if let Some(seen) = seen {
        let (seen_tag, seen_amount): (String, i64) = (seen.try_get(0)?, seen.try_get(1)?);
        if seen_tag != t.tag.as_str() || seen_amount != t.cents {
            return Ok(None);
        }
    } else {
        sqlx::query(
            "INSERT INTO top_ups (reference, id_tag, amount_cents, method, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&t.reference)
        .bind(t.tag.as_str())
        .bind(t.cents)
        .bind(t.method)
        .bind(to_millis(now))
        .execute(&mut *conn)
        .await?;
        let transfer = Transfer {
            reference: &t.reference,
            kind: TransferKind::TopUp,
            unit: Unit::Cents,
            from: t.source.into(),
            to: Account::Card(&t.tag),
            amount: t.cents,
        };
        moved = ledger::transfer(conn, &transfer, now).await?;
    }
    let balance = ledger::balance(conn, Account::Card(&t.tag)).await?;
    Ok(Some((balance, moved)))
}

/// A one-off tag a charger's terminal or cash box authorized an amount for.
#[derive(Debug, Clone)]
pub struct DirectPaymentRow {
    pub tag: IdTag,
    /// Unique per charge point: `{charge point}:{its reference}`.
    pub reference: String,
    pub charge_point: ChargePointId,
    /// `card` or `cash`.
    pub method: &'static str,
    pub authorized_cents: i64,
}

/// Registers a direct payment once, inside a transaction: `true` when it is registered (now,
/// or before by a retry with the same tag and reference), `false` when the tag or reference
/// belongs to another payment.
pub async fn register_direct_payment(
    conn: &mut AnyConnection,
    p: &DirectPaymentRow,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO direct_payments (id_tag, reference, charge_point_id, method, authorized_cents, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id_tag",
    )
    .bind(p.tag.as_str())
    .bind(&p.reference)
    .bind(p.charge_point.as_str())
    .bind(p.method)
    .bind(p.authorized_cents)
    .bind(to_millis(now))
    .fetch_optional(&mut *conn)
    .await?;
    if inserted.is_some() {
        return Ok(true);
    }
    let same = sqlx::query("SELECT 1 FROM direct_payments WHERE id_tag = $1 AND reference = $2")
        .bind(p.tag.as_str())
        .bind(&p.reference)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(same.is_some())
}

/// Redeems `pack_id` with the points of `tag`, once per member and calendar year, inside a
/// transaction.
pub async fn redeem(
    conn: &mut AnyConnection,
    member: MemberId,
    tag: &IdTag,
    pack_id: &str,
    now: DateTime<Utc>,
) -> Result<Redemption, StoreError> {
    let Some(pack) = sqlx::query("SELECT points FROM experience_packs WHERE id = $1")
        .bind(pack_id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(Redemption::UnknownPack);
    };
    let need: i64 = pack.try_get(0)?;
    let account = Account::Points(tag);
    let have = ledger::balance(conn, account).await?;
    if have < need {
        return Ok(Redemption::NotEnoughPoints { have, need });
    }
    let inserted = sqlx::query(
        "INSERT INTO redemptions (member_id, id_tag, pack_id, points, year, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (member_id, year) DO NOTHING RETURNING id",
    )
    .bind(member.0)
    .bind(tag.as_str())
    .bind(pack_id)
    .bind(need)
    .bind(i64::from(now.year()))
    .bind(to_millis(now))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = inserted else {
        return Ok(Redemption::AlreadyThisYear);
    };
    let id: i64 = row.try_get(0)?;
    if need > 0 {
        let reference = format!("redeem:{id}");
        let t = Transfer {
            reference: &reference,
            kind: TransferKind::Redemption,
            unit: Unit::Points,
            from: account,
            to: Network::PointsRedeemed.into(),
            amount: need,
        };
        ledger::transfer(conn, &t, now).await?;
    }
    Ok(Redemption::Redeemed { left: have - need })
}
