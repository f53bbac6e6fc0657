//! Refunds of card payments, in the database: a paid order is given back whole and once. The
//! card is debited in the transaction that marks the refund `Pending` (and only when it still
//! holds the money, so a refund never leaves a card negative); Redsys's answer then marks it
//! `Refunded`, or `Failed` with the money back on the card in the same transaction.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::{
    card_payments::{self, CardPayment, PaymentStatus},
    ledger,
};
use crate::{
    clock::{from_millis, to_millis},
    money::{
        TransferKind,
        accounts::{Account, Network, Transfer, Unit},
    },
    store::{StoreError, parse_column},
};

/// Where a refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub enum RefundStatus {
    /// The card is debited; Redsys has not confirmed yet (or its answer was lost).
    Pending,
    /// Redsys gave the money back to the driver's card.
    Refunded,
    /// Redsys refused: the money is back on the Green Card.
    Failed,
}

impl RefundStatus {
    fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "Pending",
            RefundStatus::Refunded => "Refunded",
            RefundStatus::Failed => "Failed",
        }
    }
}

impl std::str::FromStr for RefundStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "Pending" => Ok(RefundStatus::Pending),
            "Refunded" => Ok(RefundStatus::Refunded),
            "Failed" => Ok(RefundStatus::Failed),
            _ => Err(()),
        }
    }
}

/// A payment's refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRefund {
    pub payment: CardPayment,
    pub status: RefundStatus,
    /// Redsys's last answer (`Ds_Response`, an `SIS…` code, or why it is unknown).
    pub response: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// What asking for a refund found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    UnknownOrder,
    /// The payment was never collected: there is nothing to give back.
    NotPaid(CardPayment),
    /// The card holds less than the payment: giving it back would mint money.
    Short {
        balance: i64,
        payment: CardPayment,
    },
    /// The card pays a session still running, whose cost is not known yet.
    Charging(CardPayment),
    /// Asked now: the card is debited, the refund `Pending`.
    Started(CardRefund),
    /// Asked before: where it stands.
    Known(CardRefund),
}

/// What Redsys answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Refunded(String),
    /// A refusal: when it answers the only request ever sent, the refund fails and the card
    /// gets its money back; otherwise (an earlier request may have gone through) it is
    /// inconclusive.
    Refused(String),
    /// A refusal of a repeated request, or no answer: the refund stays `Pending`.
    Inconclusive(String),
}

const SELECT: &str = "SELECT order_id, idempotency_key, member_id, id_tag, amount_cents, status, \
                      response, created_at_ms, updated_at_ms, refund_status, refund_response, \
                      refund_updated_at_ms FROM card_payments WHERE order_id = $1";

async fn load(
    conn: &mut AnyConnection,
    order: &str,
) -> Result<Option<(CardPayment, Option<CardRefund>)>, StoreError> {
    let Some(row) = sqlx::query(SELECT)
        .bind(order)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let payment = card_payments::read(&row)?;
    let status: Option<String> = row.try_get("refund_status")?;
    let refund = match status {
        None => None,
        Some(status) => Some(CardRefund {
            payment: payment.clone(),
            status: parse_column(&status, "refund_status")?,
            response: row.try_get("refund_response")?,
            updated_at: from_millis(row.try_get("refund_updated_at_ms")?),
        }),
    };
    Ok(Some((payment, refund)))
}

/// Asks for the refund of `order`, inside a transaction: debits its card and marks it
/// `Pending`, or says why not, or where an earlier request stands.
pub async fn begin(
    conn: &mut AnyConnection,
    order: &str,
    now: DateTime<Utc>,
) -> Result<Begun, StoreError> {
    let Some((payment, refund)) = load(conn, order).await? else {
        return Ok(Begun::UnknownOrder);
    };
    if let Some(refund) = refund {
        if refund.status == RefundStatus::Pending {
            // Asked again: one more request goes out.
            sqlx::query(
                "UPDATE card_payments SET refund_attempts = refund_attempts + 1 \
                 WHERE order_id = $1",
            )
            .bind(order)
            .execute(&mut *conn)
            .await?;
        }
        return Ok(Begun::Known(refund));
    }
    if payment.status != PaymentStatus::Paid {
        return Ok(Begun::NotPaid(payment));
    }
    let charging = sqlx::query(
        "SELECT 1 FROM transactions WHERE id_tag = $1 AND stopped_at_ms IS NULL \
         AND auth_status = 'Accepted'",
    )
    .bind(payment.tag.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    if charging.is_some() {
        return Ok(Begun::Charging(payment));
    }
    let balance = ledger::balance(conn, Account::Card(&payment.tag)).await?;
    if balance < payment.amount_cents {
        return Ok(Begun::Short { balance, payment });
    }
    let reference = format!("refund:card:{order}");
    let t = Transfer {
        reference: &reference,
        kind: TransferKind::CardRefund,
        unit: Unit::Cents,
        from: Account::Card(&payment.tag),
        to: Network::Psp.into(),
        amount: payment.amount_cents,
    };
    let moved = ledger::transfer(conn, &t, now).await?;
    let marked = sqlx::query(
        "UPDATE card_payments SET refund_status = 'Pending', refund_updated_at_ms = $1, \
         refund_attempts = 1 WHERE order_id = $2 AND refund_status IS NULL",
    )
    .bind(to_millis(now))
    .bind(order)
    .execute(&mut *conn)
    .await?;
    if !moved || marked.rows_affected() != 1 {
        return Err(StoreError::Corrupt(format!(
            "the refund of {order} moved or was marked before"
        )));
    }
    Ok(Begun::Started(CardRefund {
        payment,
        status: RefundStatus::Pending,
        response: None,
        updated_at: now,
    }))
}

/// Books Redsys's answer on a `Pending` refund, inside a transaction; a refund no longer
/// pending is left as it is. Returns where it stands.
pub async fn finish(
    conn: &mut AnyConnection,
    order: &str,
    answer: &Answer,
    now: DateTime<Utc>,
) -> Result<Option<CardRefund>, StoreError> {
    let attempts: Option<i64> =
        sqlx::query("SELECT refund_attempts FROM card_payments WHERE order_id = $1")
            .bind(order)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
    let (status, response) = match answer {
        Answer::Refunded(r) => (RefundStatus::Refunded, r.clone()),
        Answer::Refused(r) if attempts == Some(1) => (RefundStatus::Failed, r.clone()),
        Answer::Refused(r) => (RefundStatus::Pending, format!("refused again: {r}")),
        Answer::Inconclusive(r) => (RefundStatus::Pending, r.clone()),
    };
    let response: String = response.chars().take(200).collect();
    let marked = sqlx::query(
        "UPDATE card_payments SET refund_status = $1, refund_response = $2, \
         refund_updated_at_ms = $3 WHERE order_id = $4 AND refund_status = 'Pending'",
    )
    .bind(status.as_str())
    .bind(&response)
    .bind(to_millis(now))
    .bind(order)
    .execute(&mut *conn)
    .await?;
    let Some((payment, refund)) = load(conn, order).await? else {
        return Ok(None);
    };
    if marked.rows_affected() == 1 && status == RefundStatus::Failed {
        let reference = format!("refund-undone:card:{order}");
        let t = Transfer {
            reference: &reference,
            kind: TransferKind::CardRefundUndone,
            unit: Unit::Cents,
            from: Network::Psp.into(),
            to: Account::Card(&payment.tag),
            amount: payment.amount_cents,
        };
        ledger::transfer(conn, &t, now).await?;
    }
    Ok(refund)
}

#[cfg(test)]
#[path = "card_refunds_tests.rs"]
mod tests;
