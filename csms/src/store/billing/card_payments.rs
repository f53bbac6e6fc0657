//! Card payments a provider confirms later (Redsys): opened when the member asks (once per
//! idempotency key), settled by the provider's notification inside one transaction with the
//! top-up it credits, so a card is credited exactly once, however often the provider tells us.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::wallets::{self, TopUp};
use crate::{
    clock::{from_millis, to_millis},
    domain::{IdTag, MemberId},
    money::accounts::Network,
    store::{Store, StoreError, parse_column},
};

/// Where a card payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub enum PaymentStatus {
    /// Waiting for the provider's confirmation: nothing credited.
    Pending,
    /// Confirmed by the provider: the card is credited.
    Paid,
    /// Refused by the provider: nothing credited.
    Failed,
}

impl PaymentStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "Pending",
            PaymentStatus::Paid => "Paid",
            PaymentStatus::Failed => "Failed",
        }
    }
}

impl std::str::FromStr for PaymentStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "Pending" => Ok(PaymentStatus::Pending),
            "Paid" => Ok(PaymentStatus::Paid),
            "Failed" => Ok(PaymentStatus::Failed),
            _ => Err(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPayment {
    pub order: String,
    pub idempotency_key: String,
    pub member: MemberId,
    pub tag: IdTag,
    pub amount_cents: i64,
    pub status: PaymentStatus,
    /// The provider's last response code.
    pub response: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(super) const COLUMNS: &str = "order_id, idempotency_key, member_id, id_tag, amount_cents, status, \
                       response, created_at_ms, updated_at_ms";

pub(super) fn read(row: &sqlx::any::AnyRow) -> Result<CardPayment, StoreError> {
    let tag: String = row.try_get("id_tag")?;
    Ok(CardPayment {
        order: row.try_get("order_id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        member: MemberId(row.try_get("member_id")?),
        tag: IdTag::parse(&tag).map_err(|e| StoreError::Corrupt(e.0))?,
        amount_cents: row.try_get("amount_cents")?,
        status: parse_column(&row.try_get::<String, _>("status")?, "status")?,
        response: row.try_get("response")?,
        created_at: from_millis(row.try_get("created_at_ms")?),
        updated_at: from_millis(row.try_get("updated_at_ms")?),
    })
}

/// What a notification did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// No such order.
    Unknown,
    /// The amount notified is not the order's: nothing done.
    WrongAmount(CardPayment),
    /// Done, or done before (`credited`: whether the card was credited now).
    Done {
        payment: CardPayment,
        credited: bool,
    },
}

impl Store {
    /// Opens a payment, or finds the one opened before under the same idempotency key.
    pub async fn open_card_payment(&self, p: &CardPayment) -> Result<CardPayment, StoreError> {
        sqlx::query(&format!(
            "INSERT INTO card_payments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (idempotency_key) DO NOTHING"
        ))
        .bind(&p.order)
        .bind(&p.idempotency_key)
        .bind(p.member.0)
        .bind(p.tag.as_str())
        .bind(p.amount_cents)
        .bind(p.status.as_str())
        .bind(p.response.as_deref())
        .bind(to_millis(p.created_at))
        .execute(self.pool())
        .await?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM card_payments WHERE idempotency_key = $1"
        ))
        .bind(&p.idempotency_key)
        .fetch_one(self.pool())
        .await?;
        read(&row)
    }

    /// The payment opened under an idempotency key, if any.
    pub async fn card_payment_by_key(&self, key: &str) -> Result<Option<CardPayment>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM card_payments WHERE idempotency_key = $1"
        ))
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(read).transpose()
    }

    /// How many of a member's payments are waiting for the provider, opened since `since`.
    pub async fn pending_card_payments(
        &self,
        member: MemberId,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM card_payments WHERE member_id = $1 AND status = 'Pending' \
                 AND created_at_ms >= $2",
        )
        .bind(member.0)
        .bind(to_millis(since))
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// One payment of one member.
    pub async fn card_payment(
        &self,
        member: MemberId,
        order: &str,
    ) -> Result<Option<CardPayment>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM card_payments WHERE order_id = $1 AND member_id = $2"
        ))
        .bind(order)
        .bind(member.0)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(read).transpose()
    }
}

/// Settles a payment on the provider's word, inside a transaction: authorised and for the
/// order's amount, it credits the card once (the order is the top-up's reference) and is
/// `Paid`, even after a `Failed` (the money was collected); refused, a `Pending` one is
/// `Failed`, a `Paid` one stays.
pub async fn settle(
    conn: &mut AnyConnection,
    order: &str,
    amount_cents: i64,
    authorised: bool,
    response: &str,
    now: DateTime<Utc>,
) -> Result<Settled, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM card_payments WHERE order_id = $1"
    ))
    .bind(order)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(mut payment) = row.as_ref().map(read).transpose()? else {
        return Ok(Settled::Unknown);
    };
    if payment.amount_cents != amount_cents {
        return Ok(Settled::WrongAmount(payment));
    }
    let status = match (authorised, payment.status) {
        (true, _) => PaymentStatus::Paid,
        (false, PaymentStatus::Pending) => PaymentStatus::Failed,
        (false, kept) => kept,
    };
    let mut credited = false;
    if status == PaymentStatus::Paid {
        let top_up = TopUp {
            reference: format!("topup:card:{order}"),
            tag: payment.tag.clone(),
            cents: payment.amount_cents,
            source: Network::Psp,
            method: "app",
        };
        let recorded = wallets::record_top_up(conn, &top_up, now).await?;
        // The order's reference names no other top-up: one that did would be a corrupt store,
        // and the order must not be marked paid without its credit.
        let (_, moved) = recorded.ok_or_else(|| {
            StoreError::Corrupt(format!(
                "top-up {} names another card or amount",
                top_up.reference
            ))
        })?;
        credited = moved;
    }
    if status != payment.status {
        sqlx::query(
            "UPDATE card_payments SET status = $1, response = $2, updated_at_ms = $3 \
             WHERE order_id = $4",
        )
        .bind(status.as_str())
        .bind(response)
        .bind(to_millis(now))
        .bind(order)
        .execute(&mut *conn)
        .await?;
        payment.status = status;
        payment.response = Some(response.to_owned());
        payment.updated_at = now;
    }
    Ok(Settled::Done { payment, credited })
}
